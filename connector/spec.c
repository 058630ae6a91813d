/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/*
 * spec.c: load connector specs into the model of spec.h: read the file,
 * walk the top level, and give the other spec files what they all use:
 * the JSON pointer every error names, typed members, local $ref
 * following, and the names that become shim commands and flags.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "connector/spec.h"
#include "connector/spec_priv.h"

static const char *spec_top_ext[] = {
	"x-aileron-connector", "x-aileron-hosts", "x-aileron-inject",
	"x-aileron-strip", "x-aileron-graphql", "x-aileron-headers", NULL
};

static json_t	*spec_pointer_get(json_t *, const char *);
static int	 spec_info(struct spec_ctx *, json_t *);
static void	 spec_free_strings(char **, size_t);
static void	 spec_free_action(struct spec_action *);

/* Append one reference token, escaped as RFC 6901 says. */
size_t
spec_push(struct spec_ctx *ctx, const char *token)
{
	size_t		 old = ctx->ptrlen, n = ctx->ptrlen;
	const char	*p;
	const char	*esc;

	/* An over-long pointer is cut short, never overrun. */
	if (n + 1 < sizeof(ctx->ptr))
		ctx->ptr[n++] = '/';
	for (p = token; *p != '\0'; p++) {
		esc = *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
		if (esc != NULL) {
			if (n + 2 >= sizeof(ctx->ptr))
				break;
			ctx->ptr[n++] = esc[0];
			ctx->ptr[n++] = esc[1];
		} else {
			if (n + 1 >= sizeof(ctx->ptr))
				break;
			ctx->ptr[n++] = *p;
		}
	}
	ctx->ptr[n] = '\0';
	ctx->ptrlen = n;
	return old;
}

size_t
spec_pushidx(struct spec_ctx *ctx, size_t i)
{
	char	 buf[32];

	snprintf(buf, sizeof(buf), "%zu", i);
	return spec_push(ctx, buf);
}

void
spec_pop(struct spec_ctx *ctx, size_t old)
{
	ctx->ptrlen = old;
	ctx->ptr[old] = '\0';
}

/*
 * Record the first error only: the parse unwinds at once, so later calls
 * come from callers that have not yet returned and know less.
 */
int
spec_fail(struct spec_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	if (ctx->err != NULL && ctx->errlen > 0 && ctx->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(ctx->err, ctx->errlen, "%s: %s: %s", ctx->name,
		    ctx->ptr, msg);
	}
	return -1;
}

int
spec_nomem(struct spec_ctx *ctx)
{
	return spec_fail(ctx, "out of memory");
}

/*
 * Refuse keys not in allowed.  With only_ext, only x-aileron-* keys are
 * checked, so a misspelt extension is an error rather than ignored.
 */
int
spec_keys(struct spec_ctx *ctx, json_t *obj, const char **allowed,
    int only_ext)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach(obj, key, v) {
		if (only_ext && strncmp(key, "x-aileron-", 10) != 0)
			continue;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			spec_push(ctx, key);
			return spec_fail(ctx, only_ext ?
			    "unknown extension" : "unknown key");
		}
	}
	return 0;
}

int
spec_string(struct spec_ctx *ctx, json_t *obj, const char *key,
    int required, char **out)
{
	json_t	*v;
	size_t	 old;

	*out = NULL;
	old = spec_push(ctx, key);
	if ((v = json_object_get(obj, key)) == NULL) {
		if (required)
			return spec_fail(ctx, "is required");
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_string(v))
		return spec_fail(ctx, "must be a string");
	if (json_string_length(v) == 0)
		return spec_fail(ctx, "must not be empty");
	if ((*out = strdup(json_string_value(v))) == NULL)
		return spec_nomem(ctx);
	spec_pop(ctx, old);
	return 0;
}

int
spec_bool(struct spec_ctx *ctx, json_t *obj, const char *key, int required,
    int *out)
{
	json_t	*v;
	size_t	 old;

	old = spec_push(ctx, key);
	if ((v = json_object_get(obj, key)) == NULL) {
		if (required)
			return spec_fail(ctx, "is required");
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_boolean(v))
		return spec_fail(ctx, "must be true or false");
	*out = json_is_true(v);
	spec_pop(ctx, old);
	return 0;
}

/* An optional array of non-empty strings. */
int
spec_strings(struct spec_ctx *ctx, json_t *obj, const char *key,
    char ***out, size_t *nout)
{
	json_t	*a, *v;
	size_t	 old, old2, i;

	old = spec_push(ctx, key);
	if ((a = json_object_get(obj, key)) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_array(a))
		return spec_fail(ctx, "must be an array of strings");
	if (json_array_size(a) > 0 && (*out = calloc(json_array_size(a),
	    sizeof(**out))) == NULL)
		return spec_nomem(ctx);
	json_array_foreach(a, i, v) {
		old2 = spec_pushidx(ctx, i);
		if (!json_is_string(v))
			return spec_fail(ctx, "must be a string");
		if (json_string_length(v) == 0)
			return spec_fail(ctx, "must not be empty");
		if (((*out)[i] = strdup(json_string_value(v))) == NULL)
			return spec_nomem(ctx);
		(*nout)++;
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

/* RFC 6901: empty, or "/" tokens where "~" is followed by 0 or 1. */
int
spec_pointer_valid(const char *p)
{
	if (*p != '\0' && *p != '/')
		return 0;
	for (; *p != '\0'; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return 0;
	return 1;
}

/* Evaluate an RFC 6901 pointer against doc; objects and arrays. */
static json_t *
spec_pointer_get(json_t *doc, const char *p)
{
	char		 tok[256];
	const char	*errstr;
	size_t		 n;
	long long	 idx;

	if (!spec_pointer_valid(p))
		return NULL;
	while (*p == '/') {
		p++;
		for (n = 0; *p != '\0' && *p != '/'; p++) {
			if (n + 1 >= sizeof(tok))
				return NULL;
			if (*p == '~') {
				tok[n++] = p[1] == '0' ? '~' : '/';
				p++;
			} else
				tok[n++] = *p;
		}
		tok[n] = '\0';
		if (json_is_object(doc))
			doc = json_object_get(doc, tok);
		else if (json_is_array(doc)) {
			idx = strtonum(tok, 0,
			    (long long)json_array_size(doc) - 1, &errstr);
			if (errstr != NULL)
				return NULL;
			doc = json_array_get(doc, idx);
		} else
			return NULL;
		if (doc == NULL)
			return NULL;
	}
	return doc;
}

/*
 * Follow *node's local $ref, if it has one, to a target under prefix.
 * Errors inside the target name the target's own pointer, so the pointer
 * is switched to it until spec_unfollow() puts the caller's back.
 */
int
spec_follow(struct spec_ctx *ctx, json_t **node, const char *prefix,
    struct spec_refsave *save)
{
	json_t		*ref, *target;
	const char	*s;
	size_t		 i;

	memcpy(save->ptr, ctx->ptr, ctx->ptrlen + 1);
	save->ptrlen = ctx->ptrlen;
	save->nrefs = ctx->nrefs;
	while (json_is_object(*node) &&
	    (ref = json_object_get(*node, "$ref")) != NULL) {
		spec_push(ctx, "$ref");
		if (!json_is_string(ref))
			return spec_fail(ctx, "must be a string");
		s = json_string_value(ref);
		if (strncmp(s, prefix, strlen(prefix)) != 0)
			return spec_fail(ctx, "must be a local reference "
			    "starting with \"%s\"", prefix);
		for (i = 0; i < ctx->nrefs; i++)
			if (strcmp(ctx->refs[i], s) == 0)
				return spec_fail(ctx, "circular $ref");
		if (ctx->nrefs == SPEC_MAX_REFS)
			return spec_fail(ctx, "$ref chain too long");
		if ((target = spec_pointer_get(ctx->root, s + 1)) == NULL)
			return spec_fail(ctx, "no such target: %s", s);
		ctx->refs[ctx->nrefs++] = s;
		if (strlcpy(ctx->ptr, s + 1, sizeof(ctx->ptr)) >=
		    sizeof(ctx->ptr))
			return spec_fail(ctx, "$ref too long");
		ctx->ptrlen = strlen(ctx->ptr);
		*node = target;
	}
	return 0;
}

void
spec_unfollow(struct spec_ctx *ctx, struct spec_refsave *save)
{
	memcpy(ctx->ptr, save->ptr, save->ptrlen + 1);
	ctx->ptrlen = save->ptrlen;
	ctx->nrefs = save->nrefs;
}

/*
 * Names that become shim commands, flags and C identifiers: a letter (or
 * with upper, also "_"), then letters, digits and "_"; lower case only for
 * action names.
 */
int
spec_ident(const char *s, int upper)
{
	const char	*p;

	if (*s == '\0' || strlen(s) > SPEC_MAX_NAME)
		return 0;
	if (!(islower((unsigned char)*s) ||
	    (upper && (isupper((unsigned char)*s) || *s == '_'))))
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '_')
			continue;
		if (upper && isupper((unsigned char)*p))
			continue;
		return 0;
	}
	return 1;
}

/*
 * The shim's name for an action or an argument: lower-case words joined by
 * "-" (teamId: team-id, pull_number: pull-number, HTMLUrl: html-url).  The
 * loader, the generator and the manifest all call this one function, so
 * the uniqueness the loader checks is the uniqueness the shim gets.
 */
int
spec_kebab(const char *name, char *buf, size_t len)
{
	size_t	 i, n = 0;
	int	 sep = 0;
	char	 c, prev, next;

	if (len == 0)
		return -1;
	for (i = 0; name[i] != '\0'; i++) {
		c = name[i];
		if (!isalnum((unsigned char)c)) {
			sep = n > 0;
			continue;
		}
		/*
		 * A capital starts a word after a lower-case letter or a
		 * digit (teamId), and ends an acronym when a lower-case
		 * letter follows it (HTMLUrl: html-url).
		 */
		prev = i > 0 ? name[i - 1] : '\0';
		next = name[i + 1];
		if (isupper((unsigned char)c) && n > 0 &&
		    (islower((unsigned char)prev) ||
		    isdigit((unsigned char)prev) ||
		    (isupper((unsigned char)prev) &&
		    islower((unsigned char)next))))
			sep = 1;
		if (sep) {
			if (n + 1 >= len)
				return -1;
			buf[n++] = '-';
			sep = 0;
		}
		if (n + 1 >= len)
			return -1;
		buf[n++] = tolower((unsigned char)c);
	}
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* The OpenAPI version, the info object and the connector's name. */
static int
spec_info(struct spec_ctx *ctx, json_t *root)
{
	struct spec	*sp = ctx->spec;
	json_t		*info;
	char		*openapi = NULL;
	const char	*p;
	size_t		 old;
	int		 rv = -1;

	if (spec_string(ctx, root, "openapi", 1, &openapi) == -1)
		goto done;
	if (strncmp(openapi, "3.0.", 4) != 0) {
		spec_push(ctx, "openapi");
		spec_fail(ctx, "must be an OpenAPI 3.0 version (3.0.x)");
		goto done;
	}
	old = spec_push(ctx, "info");
	if ((info = json_object_get(root, "info")) == NULL) {
		spec_fail(ctx, "is required");
		goto done;
	}
	if (!json_is_object(info)) {
		spec_fail(ctx, "must be an object");
		goto done;
	}
	if (spec_string(ctx, info, "title", 1, &sp->title) == -1 ||
	    spec_string(ctx, info, "version", 1, &sp->version) == -1)
		goto done;
	spec_pop(ctx, old);

	if (spec_string(ctx, root, "x-aileron-connector", 1,
	    &sp->connector) == -1)
		goto done;
	old = spec_push(ctx, "x-aileron-connector");
	if (strlen(sp->connector) > SPEC_MAX_NAME) {
		spec_fail(ctx, "too long");
		goto done;
	}
	for (p = sp->connector; *p != '\0'; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '_' && *p != '-') {
			spec_fail(ctx, "must be lower-case letters, digits, "
			    "\"_\" or \"-\"");
			goto done;
		}
	spec_pop(ctx, old);
	rv = 0;
 done:
	free(openapi);
	return rv;
}

struct spec *
spec_parse(const char *buf, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct spec_ctx	 ctx;
	struct spec	*sp;
	json_t		*root;
	json_error_t	 jerr;
	int		 rv = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = name;
	ctx.err = err;
	ctx.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	/* Duplicate keys would let two readers see two different specs. */
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "%s: line %d, column %d: %s",
			    name, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	ctx.root = root;
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		spec_nomem(&ctx);
		json_decref(root);
		return NULL;
	}
	ctx.spec = sp;
	if (!json_is_object(root)) {
		spec_fail(&ctx, "must be a JSON object");
		goto done;
	}
	if (spec_keys(&ctx, root, spec_top_ext, 1) == -1 ||
	    spec_info(&ctx, root) == -1 ||
	    spec_servers(&ctx, root) == -1 ||
	    spec_hosts(&ctx, root) == -1 ||
	    spec_inject(&ctx, root) == -1 ||
	    spec_strip(&ctx, root) == -1 ||
	    spec_fixed_headers(&ctx, root) == -1 ||
	    spec_bool(&ctx, root, "x-aileron-graphql", 0, &sp->graphql) == -1)
		goto done;
	if (spec_paths(&ctx, root) == -1)
		goto done;
	if (sp->nactions == 0) {
		spec_push(&ctx, "paths");
		spec_fail(&ctx, "no operation has an x-aileron-action");
		goto done;
	}
	rv = 0;
 done:
	json_decref(root);
	if (rv == -1) {
		spec_free(sp);
		return NULL;
	}
	return sp;
}

struct spec *
spec_load(const char *path, char *err, size_t errlen)
{
	struct spec	*sp;
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SPEC_MAX_SIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", path, SPEC_MAX_SIZE);
		close(fd);
		return NULL;
	}
	if ((buf = malloc(st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, n == 0 ?
			    "short read" : strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		off += n;
	}
	close(fd);
	sp = spec_parse(buf, off, path, err, errlen);
	free(buf);
	return sp;
}

static void
spec_free_strings(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
spec_free_action(struct spec_action *a)
{
	size_t	 i, j;

	free(a->name);
	free(a->summary);
	free(a->description);
	free(a->method);
	free(a->path);
	free(a->gql_field);
	free(a->gql_document);
	for (i = 0; i < a->nargs; i++) {
		free(a->args[i].name);
		free(a->args[i].description);
	}
	free(a->args);
	free(a->usage_input);
	free(a->usage_output);
	for (j = 0; j < SPEC_USAGE_MORE; j++)
		free(a->usage_more[j]);
	for (i = 0; i < a->nusage_events; i++) {
		free(a->usage_events[i].event);
		free(a->usage_events[i].input);
		free(a->usage_events[i].output);
		for (j = 0; j < SPEC_USAGE_MORE; j++)
			free(a->usage_events[i].more[j]);
	}
	free(a->usage_events);
}

void
spec_free(struct spec *sp)
{
	size_t	 i;

	if (sp == NULL)
		return;
	free(sp->connector);
	free(sp->title);
	free(sp->version);
	free(sp->scheme_host);
	free(sp->base_path);
	spec_free_strings(sp->hosts, sp->nhosts);
	free(sp->inject_name);
	spec_free_strings(sp->strip_headers, sp->nstrip_headers);
	spec_free_strings(sp->strip_query, sp->nstrip_query);
	spec_free_strings(sp->fixed_header_names, sp->nfixed_headers);
	spec_free_strings(sp->fixed_header_values, sp->nfixed_headers);
	for (i = 0; i < sp->nactions; i++)
		spec_free_action(&sp->actions[i]);
	free(sp->actions);
	free(sp);
}

const struct spec_action *
spec_action_find(const struct spec *sp, const char *name)
{
	size_t	 i;

	for (i = 0; i < sp->nactions; i++)
		if (strcmp(sp->actions[i].name, name) == 0)
			return &sp->actions[i];
	return NULL;
}

const char *
spec_inject_name(enum inject_kind kind)
{
	switch (kind) {
	case INJECT_BEARER:
		return "bearer";
	case INJECT_BASIC:
		return "basic";
	case INJECT_HEADER:
		return "header";
	case INJECT_QUERY:
		return "query";
	}
	return "unknown";
}
