/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* spec.c: load and validate connector specs into the model of spec.h. */

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

#include "connector/graphql.h"
#include "connector/spec.h"

/*
 * A spec is configuration written by people, not untrusted input, but it is
 * read by the master before anything else runs, so it is still bounded.
 */
#define SPEC_MAX_SIZE		(4 * 1024 * 1024)
#define SPEC_MAX_NAME		64
#define SPEC_MAX_REFS		8
#define SPEC_MAX_FLAG		128
#define SPEC_MAX_HEADER_VALUE	1024

/*
 * Parse state.  ptr is the RFC 6901 pointer of the node being read, kept
 * current as the parser descends, so every error can name its node.
 */
struct spec_ctx {
	const char	*name;
	char		*err;
	size_t		 errlen;
	json_t		*root;
	struct spec	*spec;
	char		 ptr[2048];
	size_t		 ptrlen;
	const char	*refs[SPEC_MAX_REFS];	/* $refs being followed */
	size_t		 nrefs;
};

/* Where a $ref switched the pointer from, to switch it back. */
struct spec_refsave {
	char		 ptr[2048];
	size_t		 ptrlen;
	size_t		 nrefs;
};

static const char *spec_methods[] = {
	"get", "put", "post", "delete", "patch", "head", "options", "trace"
};

static const char *spec_top_ext[] = {
	"x-aileron-connector", "x-aileron-hosts", "x-aileron-inject",
	"x-aileron-strip", "x-aileron-graphql", "x-aileron-headers", NULL
};
static const char *spec_rest_ext[] = {
	"x-aileron-action", "x-aileron-idempotent", "x-aileron-approval",
	"x-aileron-redact", "x-aileron-usage", NULL
};
static const char *spec_gqlop_ext[] = {
	"x-aileron-operations", NULL
};
static const char *spec_gql_keys[] = {
	"x-aileron-action", "summary", "description", "x-aileron-idempotent",
	"x-aileron-approval", "x-aileron-redact", "x-aileron-graphql",
	"x-aileron-arguments", NULL
};
static const char *spec_inject_keys[] = { "kind", "name", NULL };
static const char *spec_strip_keys[] = { "headers", "query", NULL };
static const char *spec_usage_keys[] = { "input", "output", "stream", NULL };
static const char *spec_event_keys[] = {
	"event", "input", "output", "cumulative", NULL
};
static const char *spec_field_keys[] = { "field", "document", NULL };

/*
 * Headers a connector may not fix: the credential's carrier, the ones that
 * frame the request or that libcurl and the shim set themselves, and the
 * hop-by-hop ones.  Any proxy-* header is refused as well.
 */
static const char *spec_reserved_headers[] = {
	"authorization", "host", "content-length", "content-type",
	"transfer-encoding", "connection", "keep-alive", "te", "trailer",
	"upgrade", "expect", NULL
};

static size_t	 spec_push(struct spec_ctx *, const char *);
static size_t	 spec_pushidx(struct spec_ctx *, size_t);
static void	 spec_pop(struct spec_ctx *, size_t);
static int	 spec_fail(struct spec_ctx *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	 spec_nomem(struct spec_ctx *);
static int	 spec_keys(struct spec_ctx *, json_t *, const char **, int);
static int	 spec_string(struct spec_ctx *, json_t *, const char *, int,
		    char **);
static int	 spec_bool(struct spec_ctx *, json_t *, const char *, int,
		    int *);
static int	 spec_strings(struct spec_ctx *, json_t *, const char *,
		    char ***, size_t *);
static json_t	*spec_pointer_get(json_t *, const char *);
static int	 spec_pointer_valid(const char *);
static int	 spec_follow(struct spec_ctx *, json_t **, const char *,
		    struct spec_refsave *);
static void	 spec_unfollow(struct spec_ctx *, struct spec_refsave *);
static int	 spec_ident(const char *, int);
static int	 spec_host(struct spec_ctx *, char *);
static int	 spec_add_host(struct spec_ctx *, const char *);
static int	 spec_servers(struct spec_ctx *, json_t *);
static int	 spec_inject(struct spec_ctx *, json_t *);
static int	 spec_strip(struct spec_ctx *, json_t *);
static int	 spec_header_token(const char *);
static int	 spec_fixed_headers(struct spec_ctx *, json_t *);
static int	 spec_schema_type(struct spec_ctx *, json_t *,
		    enum spec_type *, enum spec_type *, json_t **);
static int	 spec_type_name(struct spec_ctx *, json_t *, enum spec_type *);
static int	 spec_add_arg(struct spec_ctx *, struct spec_action *,
		    const char *, enum spec_arg_in, json_t *, const char *,
		    int);
static int	 spec_object_args(struct spec_ctx *, struct spec_action *,
		    json_t *, enum spec_arg_in);
static int	 spec_parameters(struct spec_ctx *, struct spec_action *,
		    json_t *, int);
static int	 spec_request_body(struct spec_ctx *, struct spec_action *,
		    json_t *);
static int	 spec_templates(struct spec_ctx *, struct spec_action *);
static int	 spec_redact(struct spec_ctx *, struct spec_action *,
		    json_t *);
static int	 spec_flags_unique(struct spec_ctx *, struct spec_action *);
static int	 spec_pointer_member(struct spec_ctx *, json_t *,
		    const char *, char **);
static int	 spec_usage(struct spec_ctx *, struct spec_action *, json_t *);
static int	 spec_common(struct spec_ctx *, struct spec_action *,
		    json_t *);
static struct spec_action *spec_new_action(struct spec_ctx *);
static int	 spec_set_route(struct spec_ctx *, struct spec_action *,
		    const char *, const char *);
static int	 spec_rest_action(struct spec_ctx *, json_t *, json_t *,
		    const char *, const char *);
static int	 spec_gql_document(struct spec_ctx *, struct spec_action *);
static int	 spec_gql_actions(struct spec_ctx *, json_t *, const char *,
		    const char *);
static int	 spec_operation(struct spec_ctx *, json_t *, json_t *,
		    const char *, const char *);
static int	 spec_paths(struct spec_ctx *, json_t *);
static void	 spec_free_action(struct spec_action *);
static void	 spec_free_strings(char **, size_t);

/* Append one reference token, escaped as RFC 6901 says. */
static size_t
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

static size_t
spec_pushidx(struct spec_ctx *ctx, size_t i)
{
	char	 buf[32];

	snprintf(buf, sizeof(buf), "%zu", i);
	return spec_push(ctx, buf);
}

static void
spec_pop(struct spec_ctx *ctx, size_t old)
{
	ctx->ptrlen = old;
	ctx->ptr[old] = '\0';
}

/*
 * Record the first error only: the parse unwinds at once, so later calls
 * come from callers that have not yet returned and know less.
 */
static int
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

static int
spec_nomem(struct spec_ctx *ctx)
{
	return spec_fail(ctx, "out of memory");
}

/*
 * Refuse keys not in allowed.  With only_ext, only x-aileron-* keys are
 * checked, so a misspelt extension is an error rather than ignored.
 */
static int
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

static int
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

static int
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
static int
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
static int
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
static int
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

static void
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
static int
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

/* Check and lower-case a host name in place: letters, digits, "-", ".". */
static int
spec_host(struct spec_ctx *ctx, char *h)
{
	char	*p;

	if (*h == '\0' || strlen(h) > 253)
		return spec_fail(ctx, "bad host name");
	for (p = h; *p != '\0'; p++) {
		*p = tolower((unsigned char)*p);
		if (!(islower((unsigned char)*p) ||
		    isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
			return spec_fail(ctx, "bad host name \"%s\"", h);
	}
	if (h[0] == '.' || h[0] == '-' || p[-1] == '.' || strstr(h, "..") !=
	    NULL)
		return spec_fail(ctx, "bad host name \"%s\"", h);
	return 0;
}

static int
spec_add_host(struct spec_ctx *ctx, const char *h)
{
	struct spec	*sp = ctx->spec;
	char	       **hosts;
	size_t		 i;

	for (i = 0; i < sp->nhosts; i++)
		if (strcmp(sp->hosts[i], h) == 0)
			return 0;
	if ((hosts = reallocarray(sp->hosts, sp->nhosts + 1,
	    sizeof(*hosts))) == NULL)
		return spec_nomem(ctx);
	sp->hosts = hosts;
	if ((hosts[sp->nhosts] = strdup(h)) == NULL)
		return spec_nomem(ctx);
	sp->nhosts++;
	return 0;
}

/*
 * The first server gives the upstream every action is relative to; every
 * server's host is one the proxy intercepts for this connector.  Plain
 * http is refused: the credential would cross the network in clear.
 */
static int
spec_servers(struct spec_ctx *ctx, json_t *root)
{
	struct spec	*sp = ctx->spec;
	json_t		*a, *srv, *url;
	const char	*u, *rest, *slash, *colon;
	const char	*errstr;
	char		 host[256], hostport[300];
	size_t		 old, old2, old3, i, n;

	old = spec_push(ctx, "servers");
	if ((a = json_object_get(root, "servers")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_array(a) || json_array_size(a) == 0)
		return spec_fail(ctx, "must be a non-empty array");
	json_array_foreach(a, i, srv) {
		old2 = spec_pushidx(ctx, i);
		if (!json_is_object(srv))
			return spec_fail(ctx, "must be an object");
		old3 = spec_push(ctx, "url");
		if ((url = json_object_get(srv, "url")) == NULL)
			return spec_fail(ctx, "is required");
		if (!json_is_string(url))
			return spec_fail(ctx, "must be a string");
		u = json_string_value(url);
		if (strncmp(u, "https://", 8) != 0)
			return spec_fail(ctx, "must be an https:// URL");
		rest = u + 8;
		if (strpbrk(rest, "?#@{} \t") != NULL)
			return spec_fail(ctx, "must be https://HOST[:PORT]"
			    "[/PATH] without query, user or variables");
		if ((slash = strchr(rest, '/')) == NULL)
			slash = rest + strlen(rest);
		n = slash - rest;
		if (n == 0 || n >= sizeof(host))
			return spec_fail(ctx, "bad host");
		memcpy(hostport, rest, n);
		hostport[n] = '\0';
		memcpy(host, rest, n);
		host[n] = '\0';
		if ((colon = strchr(hostport, ':')) != NULL) {
			/* The proxy intercepts HTTPS on 443 and nowhere else. */
			strtonum(colon + 1, 443, 443, &errstr);
			if (errstr != NULL)
				return spec_fail(ctx, "the port must be 443 "
				    "or absent: the proxy intercepts only "
				    "port 443");
			host[colon - hostport] = '\0';
		}
		if (spec_host(ctx, host) == -1)
			return -1;
		if (spec_add_host(ctx, host) == -1)
			return -1;
		if (i == 0) {
			/* Lower-case the host, keep the port. */
			memcpy(hostport, host, strlen(host));
			n = strlen("https://") + strlen(hostport) + 1;
			if ((sp->scheme_host = malloc(n)) == NULL)
				return spec_nomem(ctx);
			snprintf(sp->scheme_host, n, "https://%s", hostport);
			/* "/" and "" are the same base: none. */
			n = strlen(slash);
			while (n > 0 && slash[n - 1] == '/')
				n--;
			if ((sp->base_path = strndup(slash, n)) == NULL)
				return spec_nomem(ctx);
		}
		spec_pop(ctx, old3);
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

static int
spec_inject(struct spec_ctx *ctx, json_t *root)
{
	struct spec	*sp = ctx->spec;
	json_t		*o;
	char		*kind = NULL, *q;
	const char	*p;
	size_t		 old;
	int		 rv = -1;

	old = spec_push(ctx, "x-aileron-inject");
	if ((o = json_object_get(root, "x-aileron-inject")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_object(o))
		return spec_fail(ctx, "must be an object");
	if (spec_keys(ctx, o, spec_inject_keys, 0) == -1)
		return -1;
	if (spec_string(ctx, o, "kind", 1, &kind) == -1 ||
	    spec_string(ctx, o, "name", 0, &sp->inject_name) == -1)
		goto done;
	if (strcmp(kind, "bearer") == 0)
		sp->inject = INJECT_BEARER;
	else if (strcmp(kind, "basic") == 0)
		sp->inject = INJECT_BASIC;
	else if (strcmp(kind, "header") == 0)
		sp->inject = INJECT_HEADER;
	else if (strcmp(kind, "query") == 0)
		sp->inject = INJECT_QUERY;
	else {
		spec_push(ctx, "kind");
		spec_fail(ctx, "must be \"bearer\", \"basic\", \"header\" "
		    "or \"query\"");
		goto done;
	}
	if (sp->inject == INJECT_HEADER || sp->inject == INJECT_QUERY) {
		spec_push(ctx, "name");
		if (sp->inject_name == NULL) {
			spec_fail(ctx, "is required for kind \"%s\"", kind);
			goto done;
		}
		/* An HTTP token; headers are compared lower case. */
		for (p = sp->inject_name; *p != '\0'; p++) {
			if (!isalnum((unsigned char)*p) &&
			    strchr("-_.", *p) == NULL) {
				spec_fail(ctx, "must be letters, digits, "
				    "\"-\", \"_\" or \".\"");
				goto done;
			}
		}
		if (sp->inject == INJECT_HEADER)
			for (q = sp->inject_name; *q != '\0'; q++)
				*q = tolower((unsigned char)*q);
	} else if (sp->inject_name != NULL) {
		spec_push(ctx, "name");
		spec_fail(ctx, "only kinds \"header\" and \"query\" take a "
		    "name");
		goto done;
	}
	spec_pop(ctx, old);
	rv = 0;
 done:
	free(kind);
	return rv;
}

/*
 * What the agent may send as a credential, removed before injection.  The
 * carrier of the injected credential must be among them: otherwise the
 * agent's own value would travel upstream beside ours.
 */
static int
spec_strip(struct spec_ctx *ctx, json_t *root)
{
	struct spec	*sp = ctx->spec;
	json_t		*o;
	const char	*need;
	char		*p;
	size_t		 old, i;
	int		 found = 0;

	old = spec_push(ctx, "x-aileron-strip");
	if ((o = json_object_get(root, "x-aileron-strip")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_object(o))
		return spec_fail(ctx, "must be an object");
	if (spec_keys(ctx, o, spec_strip_keys, 0) == -1 ||
	    spec_strings(ctx, o, "headers", &sp->strip_headers,
	    &sp->nstrip_headers) == -1 ||
	    spec_strings(ctx, o, "query", &sp->strip_query,
	    &sp->nstrip_query) == -1)
		return -1;
	for (i = 0; i < sp->nstrip_headers; i++)
		for (p = sp->strip_headers[i]; *p != '\0'; p++)
			*p = tolower((unsigned char)*p);
	if (sp->inject == INJECT_QUERY) {
		for (i = 0; i < sp->nstrip_query; i++)
			if (strcmp(sp->strip_query[i], sp->inject_name) == 0)
				found = 1;
		if (!found) {
			spec_push(ctx, "query");
			return spec_fail(ctx, "must include \"%s\", the "
			    "parameter the credential is injected into",
			    sp->inject_name);
		}
	} else {
		need = sp->inject == INJECT_HEADER ? sp->inject_name :
		    "authorization";
		for (i = 0; i < sp->nstrip_headers; i++)
			if (strcmp(sp->strip_headers[i], need) == 0)
				found = 1;
		if (!found) {
			spec_push(ctx, "headers");
			return spec_fail(ctx, "must include \"%s\", the header "
			    "the credential is injected into", need);
		}
	}
	spec_pop(ctx, old);
	return 0;
}

/* An HTTP field name: an RFC 9110 token. */
static int
spec_header_token(const char *s)
{
	if (*s == '\0' || strlen(s) > SPEC_MAX_NAME)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return 0;
	return 1;
}

/*
 * Fixed headers every request of the connector carries, such as Anthropic's
 * anthropic-version.  They are configuration, never credentials: a header
 * the proxy strips would be removed again on its way upstream, and one that
 * frames the request would let a spec change how it is read.
 */
static int
spec_fixed_headers(struct spec_ctx *ctx, json_t *root)
{
	struct spec	*sp = ctx->spec;
	json_t		*o, *v;
	const char	*key, *val, *p;
	char		*name;
	size_t		 old, old2, n, i;

	old = spec_push(ctx, "x-aileron-headers");
	if ((o = json_object_get(root, "x-aileron-headers")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_object(o))
		return spec_fail(ctx, "must be an object of header names to "
		    "values");
	if ((n = json_object_size(o)) == 0) {
		spec_pop(ctx, old);
		return 0;
	}
	if ((sp->fixed_header_names = calloc(n,
	    sizeof(*sp->fixed_header_names))) == NULL ||
	    (sp->fixed_header_values = calloc(n,
	    sizeof(*sp->fixed_header_values))) == NULL)
		return spec_nomem(ctx);
	json_object_foreach(o, key, v) {
		old2 = spec_push(ctx, key);
		if (!spec_header_token(key))
			return spec_fail(ctx, "a header name must be 1 to %d "
			    "letters, digits or any of %s", SPEC_MAX_NAME,
			    "!#$%&'*+-.^_`|~");
		if ((name = strdup(key)) == NULL)
			return spec_nomem(ctx);
		/* Counted now, so spec_free() frees it on any error below. */
		sp->fixed_header_names[sp->nfixed_headers++] = name;
		for (i = 0; name[i] != '\0'; i++)
			name[i] = tolower((unsigned char)name[i]);
		for (i = 0; i + 1 < sp->nfixed_headers; i++)
			if (strcmp(sp->fixed_header_names[i], name) == 0)
				return spec_fail(ctx, "header \"%s\" is given "
				    "twice", name);
		for (i = 0; spec_reserved_headers[i] != NULL; i++)
			if (strcmp(spec_reserved_headers[i], name) == 0)
				break;
		if (spec_reserved_headers[i] != NULL ||
		    strncmp(name, "proxy-", 6) == 0)
			return spec_fail(ctx, "header \"%s\" is reserved "
			    "for the credential, the framing or the proxy and "
			    "cannot be fixed", name);
		for (i = 0; i < sp->nstrip_headers; i++)
			if (strcmp(sp->strip_headers[i], name) == 0)
				return spec_fail(ctx, "header \"%s\" is in "
				    "x-aileron-strip, so the proxy would "
				    "remove it", name);
		if (!json_is_string(v))
			return spec_fail(ctx, "must be a string");
		val = json_string_value(v);
		if (json_string_length(v) == 0)
			return spec_fail(ctx, "must not be empty");
		if (json_string_length(v) > SPEC_MAX_HEADER_VALUE)
			return spec_fail(ctx, "longer than %d bytes",
			    SPEC_MAX_HEADER_VALUE);
		/* The length check also catches a NUL inside, if allowed. */
		for (p = val; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p > 0x7e)
				break;
		if ((size_t)(p - val) != json_string_length(v))
			return spec_fail(ctx, "must be printable ASCII: no "
			    "control character, CR or LF");
		if (val[0] == ' ' || p[-1] == ' ')
			return spec_fail(ctx, "must not start or end with a "
			    "space");
		if ((sp->fixed_header_values[sp->nfixed_headers - 1] =
		    strdup(val)) == NULL)
			return spec_nomem(ctx);
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

static int
spec_type_name(struct spec_ctx *ctx, json_t *schema, enum spec_type *type)
{
	json_t		*t;
	const char	*s;
	size_t		 old;

	old = spec_push(ctx, "type");
	if ((t = json_object_get(schema, "type")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_string(t))
		return spec_fail(ctx, "must be a string");
	s = json_string_value(t);
	if (strcmp(s, "string") == 0)
		*type = TYPE_STRING;
	else if (strcmp(s, "integer") == 0)
		*type = TYPE_INTEGER;
	else if (strcmp(s, "number") == 0)
		*type = TYPE_NUMBER;
	else if (strcmp(s, "boolean") == 0)
		*type = TYPE_BOOLEAN;
	else if (strcmp(s, "array") == 0)
		*type = TYPE_ARRAY;
	else if (strcmp(s, "object") == 0)
		*type = TYPE_OBJECT;
	else
		return spec_fail(ctx, "must be string, integer, number, "
		    "boolean, array or object");
	spec_pop(ctx, old);
	return 0;
}

/*
 * The type of an argument's schema.  Arrays hold scalars, so a shim can
 * take them as repeated flags; an object whose values are strings is a
 * map, taken as --name key=value.  *resolved is the schema after $ref,
 * for its description.
 */
static int
spec_schema_type(struct spec_ctx *ctx, json_t *schema, enum spec_type *type,
    enum spec_type *item, json_t **resolved)
{
	struct spec_refsave	 save, save2;
	json_t			*items, *ap, *props;
	enum spec_type		 at;
	size_t			 old;

	*item = TYPE_STRING;
	if (spec_follow(ctx, &schema, "#/components/schemas/", &save) == -1)
		return -1;
	if (!json_is_object(schema))
		return spec_fail(ctx, "must be a schema object");
	if (spec_type_name(ctx, schema, type) == -1)
		return -1;
	if (*type == TYPE_ARRAY) {
		old = spec_push(ctx, "items");
		if ((items = json_object_get(schema, "items")) == NULL)
			return spec_fail(ctx, "is required for an array");
		if (spec_follow(ctx, &items, "#/components/schemas/",
		    &save2) == -1)
			return -1;
		if (!json_is_object(items))
			return spec_fail(ctx, "must be a schema object");
		if (spec_type_name(ctx, items, item) == -1)
			return -1;
		/* Objects are allowed: each flag is then one JSON object. */
		if (*item == TYPE_ARRAY) {
			spec_push(ctx, "type");
			return spec_fail(ctx, "array items must be string, "
			    "integer, number, boolean or object");
		}
		spec_unfollow(ctx, &save2);
		spec_pop(ctx, old);
	} else if (*type == TYPE_OBJECT &&
	    (ap = json_object_get(schema, "additionalProperties")) != NULL &&
	    json_is_object(ap)) {
		old = spec_push(ctx, "additionalProperties");
		if (spec_follow(ctx, &ap, "#/components/schemas/",
		    &save2) == -1)
			return -1;
		if (!json_is_object(ap))
			return spec_fail(ctx, "must be a schema object");
		if (spec_type_name(ctx, ap, &at) == -1)
			return -1;
		props = json_object_get(schema, "properties");
		if (at == TYPE_STRING && (props == NULL ||
		    json_object_size(props) == 0))
			*type = TYPE_MAP;
		spec_unfollow(ctx, &save2);
		spec_pop(ctx, old);
	}
	*resolved = schema;
	spec_unfollow(ctx, &save);
	return 0;
}

/* Add one argument; the pointer is at the node that declares it. */
static int
spec_add_arg(struct spec_ctx *ctx, struct spec_action *a, const char *name,
    enum spec_arg_in in, json_t *schema, const char *description,
    int required)
{
	struct spec_arg	*arg, *args;
	json_t		*resolved = NULL, *d;
	enum spec_type	 type, item;
	size_t		 i;

	if (!spec_ident(name, 1))
		return spec_fail(ctx, "argument name \"%s\" must be a letter "
		    "or \"_\" then letters, digits or \"_\"", name);
	for (i = 0; i < a->nargs; i++)
		if (strcmp(a->args[i].name, name) == 0)
			return spec_fail(ctx, "duplicate argument \"%s\"",
			    name);
	if (spec_schema_type(ctx, schema, &type, &item, &resolved) == -1)
		return -1;
	if (description == NULL &&
	    (d = json_object_get(resolved, "description")) != NULL &&
	    json_is_string(d))
		description = json_string_value(d);
	if ((in == ARG_IN_PATH || in == ARG_IN_QUERY) &&
	    type == TYPE_OBJECT)
		return spec_fail(ctx, "a %s parameter cannot be an object",
		    in == ARG_IN_PATH ? "path" : "query");
	if (in == ARG_IN_PATH && (type == TYPE_ARRAY || type == TYPE_MAP))
		return spec_fail(ctx, "a path parameter must be a scalar");
	if ((in == ARG_IN_PATH || in == ARG_IN_QUERY ||
	    (in == ARG_IN_BODY && a->body == BODY_FORM)) &&
	    type == TYPE_ARRAY && item == TYPE_OBJECT)
		return spec_fail(ctx, "only a JSON body can carry an array "
		    "of objects");
	if (in == ARG_IN_BODY && a->body == BODY_FORM && type == TYPE_OBJECT)
		return spec_fail(ctx, "a form body cannot carry an object; "
		    "use a map of strings");
	if ((args = reallocarray(a->args, a->nargs + 1,
	    sizeof(*args))) == NULL)
		return spec_nomem(ctx);
	a->args = args;
	arg = &a->args[a->nargs];
	memset(arg, 0, sizeof(*arg));
	a->nargs++;
	if ((arg->name = strdup(name)) == NULL)
		return spec_nomem(ctx);
	if (description != NULL &&
	    (arg->description = strdup(description)) == NULL)
		return spec_nomem(ctx);
	arg->in = in;
	arg->type = type;
	arg->item_type = item;
	arg->required = required;
	return 0;
}

/*
 * The top-level properties of an object schema, as arguments: a request
 * body's or a GraphQL operation's variables.
 */
static int
spec_object_args(struct spec_ctx *ctx, struct spec_action *a, json_t *schema,
    enum spec_arg_in in)
{
	struct spec_refsave	 save;
	json_t			*props, *req, *v, *d;
	enum spec_type		 type;
	const char		*key;
	size_t			 old, old2, i;
	int			 required;

	if (spec_follow(ctx, &schema, "#/components/schemas/", &save) == -1)
		return -1;
	if (!json_is_object(schema))
		return spec_fail(ctx, "must be a schema object");
	if (spec_type_name(ctx, schema, &type) == -1)
		return -1;
	if (type != TYPE_OBJECT) {
		spec_push(ctx, "type");
		return spec_fail(ctx, "must be \"object\"");
	}
	props = json_object_get(schema, "properties");
	if (props != NULL && !json_is_object(props)) {
		spec_push(ctx, "properties");
		return spec_fail(ctx, "must be an object");
	}
	if ((req = json_object_get(schema, "required")) != NULL) {
		old = spec_push(ctx, "required");
		if (!json_is_array(req))
			return spec_fail(ctx, "must be an array of strings");
		json_array_foreach(req, i, v) {
			old2 = spec_pushidx(ctx, i);
			if (!json_is_string(v))
				return spec_fail(ctx, "must be a string");
			if (props == NULL || json_object_get(props,
			    json_string_value(v)) == NULL)
				return spec_fail(ctx, "no property named "
				    "\"%s\"", json_string_value(v));
			spec_pop(ctx, old2);
		}
		spec_pop(ctx, old);
	}
	if (props == NULL) {
		spec_unfollow(ctx, &save);
		return 0;
	}
	old = spec_push(ctx, "properties");
	json_object_foreach(props, key, v) {
		old2 = spec_push(ctx, key);
		required = 0;
		json_array_foreach(req, i, d)
			if (json_is_string(d) &&
			    strcmp(json_string_value(d), key) == 0)
				required = 1;
		/* A description beside a $ref says more than the target's. */
		d = json_object_get(v, "description");
		if (spec_add_arg(ctx, a, key, in, v, json_is_string(d) ?
		    json_string_value(d) : NULL, required) == -1)
			return -1;
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	spec_unfollow(ctx, &save);
	return 0;
}

/*
 * Path and query parameters.  Operation parameters come first and
 * override path-item ones of the same name and location, as in OpenAPI.
 */
static int
spec_parameters(struct spec_ctx *ctx, struct spec_action *a, json_t *node,
    int pathlevel)
{
	struct spec_refsave	 save;
	json_t			*params, *p, *schema;
	enum spec_arg_in	 in;
	char			*name = NULL, *where = NULL, *desc = NULL;
	size_t			 old, old2, i, j;
	int			 required, rv = -1, skip;

	old = spec_push(ctx, "parameters");
	if ((params = json_object_get(node, "parameters")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_array(params))
		return spec_fail(ctx, "must be an array");
	json_array_foreach(params, i, p) {
		old2 = spec_pushidx(ctx, i);
		if (spec_follow(ctx, &p, "#/components/parameters/",
		    &save) == -1)
			goto done;
		if (!json_is_object(p)) {
			spec_fail(ctx, "must be an object");
			goto done;
		}
		if (spec_string(ctx, p, "name", 1, &name) == -1 ||
		    spec_string(ctx, p, "in", 1, &where) == -1 ||
		    spec_string(ctx, p, "description", 0, &desc) == -1)
			goto done;
		if (strcmp(where, "path") == 0)
			in = ARG_IN_PATH;
		else if (strcmp(where, "query") == 0)
			in = ARG_IN_QUERY;
		else {
			spec_push(ctx, "in");
			spec_fail(ctx, "must be \"path\" or \"query\"");
			goto done;
		}
		required = 0;
		if (spec_bool(ctx, p, "required", 0, &required) == -1)
			goto done;
		if (in == ARG_IN_PATH && !required) {
			spec_push(ctx, "required");
			spec_fail(ctx, "must be true for a path parameter");
			goto done;
		}
		skip = 0;
		if (pathlevel)
			for (j = 0; j < a->nargs; j++)
				if (strcmp(a->args[j].name, name) == 0 &&
				    a->args[j].in == in)
					skip = 1;
		if (!skip) {
			spec_push(ctx, "schema");
			if ((schema = json_object_get(p, "schema")) == NULL) {
				spec_fail(ctx, "is required");
				goto done;
			}
			if (spec_add_arg(ctx, a, name, in, schema, desc,
			    required) == -1)
				goto done;
		}
		free(name);
		free(where);
		free(desc);
		name = where = desc = NULL;
		spec_unfollow(ctx, &save);
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	rv = 0;
 done:
	free(name);
	free(where);
	free(desc);
	return rv;
}

static int
spec_request_body(struct spec_ctx *ctx, struct spec_action *a, json_t *op)
{
	struct spec_refsave	 save;
	json_t			*rb, *content, *media, *schema;
	const char		*type;
	size_t			 old;

	old = spec_push(ctx, "requestBody");
	if ((rb = json_object_get(op, "requestBody")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (strcmp(a->method, "GET") == 0 || strcmp(a->method, "HEAD") == 0)
		return spec_fail(ctx, "a %s request has no body", a->method);
	if (spec_follow(ctx, &rb, "#/components/requestBodies/",
	    &save) == -1)
		return -1;
	if (!json_is_object(rb))
		return spec_fail(ctx, "must be an object");
	spec_push(ctx, "content");
	if ((content = json_object_get(rb, "content")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_object(content) || json_object_size(content) != 1)
		return spec_fail(ctx, "must have exactly one media type, "
		    "application/json or application/x-www-form-urlencoded");
	type = json_object_iter_key(json_object_iter(content));
	media = json_object_get(content, type);
	spec_push(ctx, type);
	if (strcmp(type, "application/json") == 0)
		a->body = BODY_JSON;
	else if (strcmp(type, "application/x-www-form-urlencoded") == 0)
		a->body = BODY_FORM;
	else
		return spec_fail(ctx, "must be application/json or "
		    "application/x-www-form-urlencoded");
	if (!json_is_object(media))
		return spec_fail(ctx, "must be an object");
	spec_push(ctx, "schema");
	if ((schema = json_object_get(media, "schema")) == NULL)
		return spec_fail(ctx, "is required");
	if (spec_object_args(ctx, a, schema, ARG_IN_BODY) == -1)
		return -1;
	spec_unfollow(ctx, &save);
	spec_pop(ctx, old);
	return 0;
}

/*
 * Every {name} in the path must be a path parameter and every path
 * parameter must appear: the matcher extracts one from the other.
 */
static int
spec_templates(struct spec_ctx *ctx, struct spec_action *a)
{
	const char	*p, *end;
	char		 name[SPEC_MAX_NAME + 1];
	size_t		 i, n;
	int		 found;

	for (p = a->path; *p != '\0'; p++) {
		if (*p == '}')
			return spec_fail(ctx, "unbalanced \"}\" in path");
		if (*p != '{')
			continue;
		if ((end = strchr(p + 1, '}')) == NULL)
			return spec_fail(ctx, "unbalanced \"{\" in path");
		n = end - p - 1;
		if (n == 0 || n > SPEC_MAX_NAME ||
		    memchr(p + 1, '{', n) != NULL || memchr(p + 1, '/', n) !=
		    NULL)
			return spec_fail(ctx, "bad template in path");
		memcpy(name, p + 1, n);
		name[n] = '\0';
		found = 0;
		for (i = 0; i < a->nargs; i++)
			if (a->args[i].in == ARG_IN_PATH &&
			    strcmp(a->args[i].name, name) == 0)
				found = 1;
		if (!found)
			return spec_fail(ctx, "path template {%s} has no path "
			    "parameter", name);
		p = end;
	}
	for (i = 0; i < a->nargs; i++) {
		if (a->args[i].in != ARG_IN_PATH)
			continue;
		n = strlen(a->args[i].name);
		found = 0;
		for (p = a->path; (p = strchr(p, '{')) != NULL; p++)
			if (strncmp(p + 1, a->args[i].name, n) == 0 &&
			    p[n + 1] == '}')
				found = 1;
		if (!found)
			return spec_fail(ctx, "path parameter \"%s\" is not "
			    "in the path", a->args[i].name);
	}
	return 0;
}

static int
spec_redact(struct spec_ctx *ctx, struct spec_action *a, json_t *o)
{
	json_t	*r, *v;
	size_t	 old, old2, i, j;

	old = spec_push(ctx, "x-aileron-redact");
	if ((r = json_object_get(o, "x-aileron-redact")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_array(r))
		return spec_fail(ctx, "must be an array of argument names");
	json_array_foreach(r, i, v) {
		old2 = spec_pushidx(ctx, i);
		if (!json_is_string(v))
			return spec_fail(ctx, "must be a string");
		for (j = 0; j < a->nargs; j++)
			if (strcmp(a->args[j].name, json_string_value(v)) == 0)
				break;
		if (j == a->nargs)
			return spec_fail(ctx, "no argument named \"%s\"",
			    json_string_value(v));
		a->args[j].redact = 1;
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

/* Two arguments must not become the same shim flag, nor --help. */
static int
spec_flags_unique(struct spec_ctx *ctx, struct spec_action *a)
{
	char	 f1[SPEC_MAX_FLAG], f2[SPEC_MAX_FLAG];
	size_t	 i, j;

	for (i = 0; i < a->nargs; i++) {
		if (spec_kebab(a->args[i].name, f1, sizeof(f1)) == -1)
			return spec_fail(ctx, "argument name too long");
		if (strcmp(f1, "help") == 0)
			return spec_fail(ctx, "argument \"%s\" would be the "
			    "shim's --help", a->args[i].name);
		for (j = i + 1; j < a->nargs; j++) {
			if (spec_kebab(a->args[j].name, f2, sizeof(f2)) == -1)
				return spec_fail(ctx, "argument name too long");
			if (strcmp(f1, f2) == 0)
				return spec_fail(ctx, "arguments \"%s\" and "
				    "\"%s\" are both flag --%s",
				    a->args[i].name, a->args[j].name, f1);
		}
	}
	return 0;
}

static int
spec_pointer_member(struct spec_ctx *ctx, json_t *o, const char *key,
    char **out)
{
	if (spec_string(ctx, o, key, 0, out) == -1)
		return -1;
	if (*out != NULL && !spec_pointer_valid(*out)) {
		spec_push(ctx, key);
		return spec_fail(ctx, "must be a JSON pointer (RFC 6901)");
	}
	return 0;
}

static int
spec_usage(struct spec_ctx *ctx, struct spec_action *a, json_t *op)
{
	struct spec_usage_event	*ev;
	json_t			*u, *stream, *e, *name;
	size_t			 old, old2, old3, i, j;

	old = spec_push(ctx, "x-aileron-usage");
	if ((u = json_object_get(op, "x-aileron-usage")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_object(u))
		return spec_fail(ctx, "must be an object");
	if (spec_keys(ctx, u, spec_usage_keys, 0) == -1 ||
	    spec_pointer_member(ctx, u, "input", &a->usage_input) == -1 ||
	    spec_pointer_member(ctx, u, "output", &a->usage_output) == -1)
		return -1;
	if ((stream = json_object_get(u, "stream")) != NULL) {
		old2 = spec_push(ctx, "stream");
		if (!json_is_array(stream) || json_array_size(stream) == 0)
			return spec_fail(ctx, "must be a non-empty array");
		if ((a->usage_events = calloc(json_array_size(stream),
		    sizeof(*a->usage_events))) == NULL)
			return spec_nomem(ctx);
		json_array_foreach(stream, i, e) {
			old3 = spec_pushidx(ctx, i);
			if (!json_is_object(e))
				return spec_fail(ctx, "must be an object");
			ev = &a->usage_events[i];
			a->nusage_events++;
			if (spec_keys(ctx, e, spec_event_keys, 0) == -1)
				return -1;
			name = json_object_get(e, "event");
			if (name != NULL && !json_is_null(name) &&
			    spec_string(ctx, e, "event", 0, &ev->event) == -1)
				return -1;
			if (spec_pointer_member(ctx, e, "input",
			    &ev->input) == -1 ||
			    spec_pointer_member(ctx, e, "output",
			    &ev->output) == -1 ||
			    spec_bool(ctx, e, "cumulative", 1,
			    &ev->cumulative) == -1)
				return -1;
			if (ev->input == NULL && ev->output == NULL)
				return spec_fail(ctx, "needs \"input\" or "
				    "\"output\"");
			for (j = 0; j < i; j++) {
				if ((ev->event == NULL &&
				    a->usage_events[j].event == NULL) ||
				    (ev->event != NULL &&
				    a->usage_events[j].event != NULL &&
				    strcmp(ev->event,
				    a->usage_events[j].event) == 0))
					return spec_fail(ctx, "event listed "
					    "twice");
			}
			spec_pop(ctx, old3);
		}
		spec_pop(ctx, old2);
	}
	if (a->usage_input == NULL && a->usage_output == NULL &&
	    a->nusage_events == 0)
		return spec_fail(ctx, "needs \"input\", \"output\" or "
		    "\"stream\"");
	spec_pop(ctx, old);
	return 0;
}

/* What every action has, REST or GraphQL: name, summary, policy. */
static int
spec_common(struct spec_ctx *ctx, struct spec_action *a, json_t *o)
{
	char	*approval = NULL, c1[SPEC_MAX_FLAG], c2[SPEC_MAX_FLAG];
	size_t	 i, old;
	int	 rv = -1;

	if (spec_string(ctx, o, "x-aileron-action", 1, &a->name) == -1)
		return -1;
	old = spec_push(ctx, "x-aileron-action");
	if (!spec_ident(a->name, 0))
		return spec_fail(ctx, "must be a lower-case letter, then "
		    "lower-case letters, digits or \"_\"");
	/*
	 * The action is also a shim command: two names that fold to one
	 * command would leave one unreachable, and "help" lists the rest.
	 */
	if (spec_kebab(a->name, c1, sizeof(c1)) == -1)
		return spec_fail(ctx, "makes no shim command");
	if (strcmp(c1, "help") == 0)
		return spec_fail(ctx, "\"help\" is the shim's own command");
	for (i = 0; i + 1 < ctx->spec->nactions; i++) {
		if (strcmp(ctx->spec->actions[i].name, a->name) == 0)
			return spec_fail(ctx, "duplicate action \"%s\"",
			    a->name);
		if (spec_kebab(ctx->spec->actions[i].name, c2,
		    sizeof(c2)) == 0 && strcmp(c1, c2) == 0)
			return spec_fail(ctx, "actions \"%s\" and \"%s\" are "
			    "both the shim command %s",
			    ctx->spec->actions[i].name, a->name, c1);
	}
	spec_pop(ctx, old);
	if (spec_string(ctx, o, "summary", 1, &a->summary) == -1 ||
	    spec_string(ctx, o, "description", 0, &a->description) == -1 ||
	    spec_bool(ctx, o, "x-aileron-idempotent", 1,
	    &a->idempotent) == -1 ||
	    spec_string(ctx, o, "x-aileron-approval", 1, &approval) == -1)
		goto done;
	if (strcmp(approval, "never") == 0)
		a->approval = APPROVAL_NEVER;
	else if (strcmp(approval, "always") == 0)
		a->approval = APPROVAL_ALWAYS;
	else {
		spec_push(ctx, "x-aileron-approval");
		spec_fail(ctx, "must be \"never\" or \"always\"");
		goto done;
	}
	rv = 0;
 done:
	free(approval);
	return rv;
}

/* Append a zeroed action; spec_free() copes with a half-filled one. */
static struct spec_action *
spec_new_action(struct spec_ctx *ctx)
{
	struct spec		*sp = ctx->spec;
	struct spec_action	*actions;

	if ((actions = reallocarray(sp->actions, sp->nactions + 1,
	    sizeof(*actions))) == NULL) {
		spec_nomem(ctx);
		return NULL;
	}
	sp->actions = actions;
	memset(&actions[sp->nactions], 0, sizeof(*actions));
	return &actions[sp->nactions++];
}

static int
spec_set_route(struct spec_ctx *ctx, struct spec_action *a,
    const char *method, const char *path)
{
	char	*p;

	if ((a->method = strdup(method)) == NULL ||
	    (a->path = strdup(path)) == NULL)
		return spec_nomem(ctx);
	for (p = a->method; *p != '\0'; p++)
		*p = toupper((unsigned char)*p);
	return 0;
}

static int
spec_rest_action(struct spec_ctx *ctx, json_t *item, json_t *op,
    const char *path, const char *method)
{
	struct spec_action	*a;
	size_t			 old;

	if (spec_keys(ctx, op, spec_rest_ext, 1) == -1)
		return -1;
	if ((a = spec_new_action(ctx)) == NULL)
		return -1;
	if (spec_set_route(ctx, a, method, path) == -1 ||
	    spec_common(ctx, a, op) == -1 ||
	    spec_parameters(ctx, a, op, 0) == -1)
		return -1;
	/* Errors in path-item parameters name the path item. */
	old = ctx->ptrlen - strlen(method) - 1;
	spec_pop(ctx, old);
	if (spec_parameters(ctx, a, item, 1) == -1)
		return -1;
	spec_push(ctx, method);
	if (spec_request_body(ctx, a, op) == -1 ||
	    spec_templates(ctx, a) == -1 ||
	    spec_redact(ctx, a, op) == -1 ||
	    spec_flags_unique(ctx, a) == -1 ||
	    spec_usage(ctx, a, op) == -1)
		return -1;
	return 0;
}

/*
 * Cross-check a GraphQL document with its arguments: it parses as the
 * matcher will parse it and selects its field alone at the top, every
 * $variable is an argument and every argument a $variable.  The variables
 * are found by a lexical scan that skips strings and comments.
 */
static int
spec_gql_document(struct spec_ctx *ctx, struct spec_action *a)
{
	struct graphql_op	 op;
	const char		*p = a->gql_document, *s;
	char			 name[SPEC_MAX_NAME + 1], gerr[256];
	size_t			 n, i;
	int			 var, *used = NULL;
	int			 rv = -1;

	/* A document the matcher would refuse must not reach a shim. */
	if (graphql_top_fields(p, strlen(p), NULL, &op, gerr,
	    sizeof(gerr)) == -1)
		return spec_fail(ctx, "does not parse: %s", gerr);
	if (op.nfields != 1 || strcmp(op.fields[0], a->gql_field) != 0) {
		graphql_op_clear(&op);
		return spec_fail(ctx, "must select field \"%s\" alone at the "
		    "top level", a->gql_field);
	}
	graphql_op_clear(&op);
	if (a->nargs > 0 && (used = calloc(a->nargs, sizeof(*used))) == NULL)
		return spec_nomem(ctx);
	while (*p != '\0') {
		if (*p == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
			continue;
		}
		if (strncmp(p, "\"\"\"", 3) == 0) {
			for (p += 3; *p != '\0' && strncmp(p, "\"\"\"", 3) != 0;
			    p++)
				if (*p == '\\' && strncmp(p + 1, "\"\"\"", 3) ==
				    0)
					p += 3;
			if (*p == '\0') {
				spec_fail(ctx, "unterminated block string");
				goto done;
			}
			p += 3;
			continue;
		}
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"' && *p != '\n'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p != '"') {
				spec_fail(ctx, "unterminated string");
				goto done;
			}
			p++;
			continue;
		}
		var = *p == '$';
		s = var ? p + 1 : p;
		if (!(isalpha((unsigned char)*s) || *s == '_')) {
			p = var ? s : p + 1;
			continue;
		}
		for (n = 0; isalnum((unsigned char)s[n]) || s[n] == '_'; n++)
			;
		p = s + n;
		if (n > SPEC_MAX_NAME)
			continue;
		if (!var)
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		for (i = 0; i < a->nargs; i++)
			if (strcmp(a->args[i].name, name) == 0)
				break;
		if (i == a->nargs) {
			spec_fail(ctx, "variable $%s is not in "
			    "x-aileron-arguments", name);
			goto done;
		}
		used[i] = 1;
	}
	for (i = 0; i < a->nargs; i++)
		if (!used[i]) {
			spec_fail(ctx, "argument \"%s\" is not a variable of "
			    "the document", a->args[i].name);
			goto done;
		}
	rv = 0;
 done:
	free(used);
	return rv;
}

static int
spec_gql_actions(struct spec_ctx *ctx, json_t *ops, const char *path,
    const char *method)
{
	struct spec_action	*a;
	json_t			*o, *g, *args;
	size_t			 old, old2, old3, i, j;

	if (!ctx->spec->graphql)
		return spec_fail(ctx, "needs \"x-aileron-graphql\": true at "
		    "the top level");
	/*
	 * The shim sends its document as a JSON POST; the matcher takes
	 * GET ?query= on the same path by itself.
	 */
	if (strcmp(method, "post") != 0)
		return spec_fail(ctx, "GraphQL operations are declared on "
		    "POST");
	if (!json_is_array(ops) || json_array_size(ops) == 0)
		return spec_fail(ctx, "must be a non-empty array");
	json_array_foreach(ops, i, o) {
		old = spec_pushidx(ctx, i);
		if (!json_is_object(o))
			return spec_fail(ctx, "must be an object");
		if (spec_keys(ctx, o, spec_gql_keys, 0) == -1)
			return -1;
		if ((a = spec_new_action(ctx)) == NULL)
			return -1;
		a->body = BODY_JSON;
		if (spec_set_route(ctx, a, method, path) == -1 ||
		    spec_common(ctx, a, o) == -1)
			return -1;
		old2 = spec_push(ctx, "x-aileron-graphql");
		if ((g = json_object_get(o, "x-aileron-graphql")) == NULL)
			return spec_fail(ctx, "is required");
		if (!json_is_object(g))
			return spec_fail(ctx, "must be an object");
		if (spec_keys(ctx, g, spec_field_keys, 0) == -1 ||
		    spec_string(ctx, g, "field", 1, &a->gql_field) == -1 ||
		    spec_string(ctx, g, "document", 1, &a->gql_document) == -1)
			return -1;
		old3 = spec_push(ctx, "field");
		if (!spec_ident(a->gql_field, 1))
			return spec_fail(ctx, "must be a GraphQL name");
		for (j = 0; j + 1 < ctx->spec->nactions; j++)
			if (ctx->spec->actions[j].gql_field != NULL &&
			    strcmp(ctx->spec->actions[j].gql_field,
			    a->gql_field) == 0)
				return spec_fail(ctx, "field \"%s\" is already "
				    "action \"%s\"", a->gql_field,
				    ctx->spec->actions[j].name);
		spec_pop(ctx, old3);
		spec_pop(ctx, old2);
		if ((args = json_object_get(o, "x-aileron-arguments")) !=
		    NULL) {
			old2 = spec_push(ctx, "x-aileron-arguments");
			if (spec_object_args(ctx, a, args,
			    ARG_IN_VARIABLE) == -1)
				return -1;
			spec_pop(ctx, old2);
		}
		old2 = spec_push(ctx, "x-aileron-graphql");
		spec_push(ctx, "document");
		if (spec_gql_document(ctx, a) == -1)
			return -1;
		spec_pop(ctx, old2);
		if (spec_redact(ctx, a, o) == -1 ||
		    spec_flags_unique(ctx, a) == -1)
			return -1;
		spec_pop(ctx, old);
	}
	return 0;
}

static int
spec_operation(struct spec_ctx *ctx, json_t *item, json_t *op,
    const char *path, const char *method)
{
	json_t	*ops;
	size_t	 old;

	if (!json_is_object(op))
		return spec_fail(ctx, "must be an object");
	if ((ops = json_object_get(op, "x-aileron-operations")) != NULL) {
		if (json_object_get(op, "x-aileron-action") != NULL) {
			spec_push(ctx, "x-aileron-action");
			return spec_fail(ctx, "an operation has either "
			    "x-aileron-action or x-aileron-operations");
		}
		if (spec_keys(ctx, op, spec_gqlop_ext, 1) == -1)
			return -1;
		old = spec_push(ctx, "x-aileron-operations");
		if (spec_gql_actions(ctx, ops, path, method) == -1)
			return -1;
		spec_pop(ctx, old);
		return 0;
	}
	if (json_object_get(op, "x-aileron-action") != NULL)
		return spec_rest_action(ctx, item, op, path, method);
	/* Outside the curated subset; but a stray extension is a mistake. */
	return spec_keys(ctx, op, (const char *[]){ NULL }, 1);
}

static int
spec_paths(struct spec_ctx *ctx, json_t *root)
{
	json_t		*paths, *item, *op;
	const char	*path;
	size_t		 old, old2, old3, i;

	old = spec_push(ctx, "paths");
	if ((paths = json_object_get(root, "paths")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_object(paths))
		return spec_fail(ctx, "must be an object");
	json_object_foreach(paths, path, item) {
		old2 = spec_push(ctx, path);
		if (path[0] != '/' || strpbrk(path, "?# \t\r\n%") != NULL)
			return spec_fail(ctx, "a path must start with \"/\" "
			    "and have no query, fragment, space or escape");
		if (!json_is_object(item))
			return spec_fail(ctx, "must be an object");
		for (i = 0; i < sizeof(spec_methods) / sizeof(*spec_methods);
		    i++) {
			if ((op = json_object_get(item, spec_methods[i])) ==
			    NULL)
				continue;
			old3 = spec_push(ctx, spec_methods[i]);
			if (spec_operation(ctx, item, op, path,
			    spec_methods[i]) == -1)
				return -1;
			spec_pop(ctx, old3);
		}
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

struct spec *
spec_parse(const char *buf, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct spec_ctx	 ctx;
	struct spec	*sp;
	json_t		*root, *info, *v, *hosts;
	json_error_t	 jerr;
	char		*openapi = NULL, *h;
	const char	*p;
	size_t		 old, old2, i;
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
	    spec_string(&ctx, root, "openapi", 1, &openapi) == -1)
		goto done;
	if (strncmp(openapi, "3.0.", 4) != 0) {
		spec_push(&ctx, "openapi");
		spec_fail(&ctx, "must be an OpenAPI 3.0 version (3.0.x)");
		goto done;
	}
	old = spec_push(&ctx, "info");
	if ((info = json_object_get(root, "info")) == NULL) {
		spec_fail(&ctx, "is required");
		goto done;
	}
	if (!json_is_object(info)) {
		spec_fail(&ctx, "must be an object");
		goto done;
	}
	if (spec_string(&ctx, info, "title", 1, &sp->title) == -1 ||
	    spec_string(&ctx, info, "version", 1, &sp->version) == -1)
		goto done;
	spec_pop(&ctx, old);

	if (spec_string(&ctx, root, "x-aileron-connector", 1,
	    &sp->connector) == -1)
		goto done;
	old = spec_push(&ctx, "x-aileron-connector");
	if (strlen(sp->connector) > SPEC_MAX_NAME) {
		spec_fail(&ctx, "too long");
		goto done;
	}
	for (p = sp->connector; *p != '\0'; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '_' && *p != '-') {
			spec_fail(&ctx, "must be lower-case letters, digits, "
			    "\"_\" or \"-\"");
			goto done;
		}
	spec_pop(&ctx, old);

	if (spec_servers(&ctx, root) == -1)
		goto done;
	old = spec_push(&ctx, "x-aileron-hosts");
	if ((hosts = json_object_get(root, "x-aileron-hosts")) != NULL) {
		if (!json_is_array(hosts)) {
			spec_fail(&ctx, "must be an array of host names");
			goto done;
		}
		json_array_foreach(hosts, i, v) {
			old2 = spec_pushidx(&ctx, i);
			if (!json_is_string(v)) {
				spec_fail(&ctx, "must be a string");
				goto done;
			}
			if ((h = strdup(json_string_value(v))) == NULL) {
				spec_nomem(&ctx);
				goto done;
			}
			if (spec_host(&ctx, h) == -1 ||
			    spec_add_host(&ctx, h) == -1) {
				free(h);
				goto done;
			}
			free(h);
			spec_pop(&ctx, old2);
		}
	}
	spec_pop(&ctx, old);

	if (spec_inject(&ctx, root) == -1 ||
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
	free(openapi);
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
	size_t	 i;

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
	for (i = 0; i < a->nusage_events; i++) {
		free(a->usage_events[i].event);
		free(a->usage_events[i].input);
		free(a->usage_events[i].output);
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
spec_inject_name(enum spec_inject kind)
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
