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
 * spec_ext.c: the x-aileron extensions of a spec: where the connector's
 * requests go and how its credential travels (servers, x-aileron-hosts,
 * -inject, -strip, -headers), and what policy and the audit log know of
 * each action (x-aileron-action, -idempotent, -approval, -redact, -usage).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connector/spec.h"
#include "connector/spec_priv.h"

static const char *spec_inject_keys[] = { "kind", "name", NULL };
static const char *spec_strip_keys[] = { "headers", "query", NULL };
static const char *spec_usage_keys[] = { "input", "output", "stream",
	"cache_write", "cache_read", "reasoning", "model",
	"input_includes_cache_read", NULL };
static const char *spec_event_keys[] = {
	"event", "input", "output", "cumulative", "cache_write", "cache_read",
	"reasoning", "model", NULL
};
const char *const spec_usage_more[SPEC_USAGE_MORE] = {
	"cache_write", "cache_read", "reasoning", "model"
};

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

static int	 spec_host(struct spec_ctx *, char *);
static int	 spec_add_host(struct spec_ctx *, const char *);
static int	 spec_header_token(const char *);
static int	 spec_fixed_header_value(struct spec_ctx *, json_t *);
static int	 spec_pointer_member(struct spec_ctx *, json_t *,
		    const char *, char **);

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
int
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
			/* The proxy intercepts HTTPS on 443 only. */
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

/* More hosts the proxy intercepts for this connector, beside servers'. */
int
spec_hosts(struct spec_ctx *ctx, json_t *root)
{
	json_t	*hosts, *v;
	char	*h;
	size_t	 old, old2, i;

	old = spec_push(ctx, "x-aileron-hosts");
	if ((hosts = json_object_get(root, "x-aileron-hosts")) != NULL) {
		if (!json_is_array(hosts))
			return spec_fail(ctx, "must be an array of host names");
		json_array_foreach(hosts, i, v) {
			old2 = spec_pushidx(ctx, i);
			if (!json_is_string(v))
				return spec_fail(ctx, "must be a string");
			if ((h = strdup(json_string_value(v))) == NULL)
				return spec_nomem(ctx);
			if (spec_host(ctx, h) == -1 ||
			    spec_add_host(ctx, h) == -1) {
				free(h);
				return -1;
			}
			free(h);
			spec_pop(ctx, old2);
		}
	}
	spec_pop(ctx, old);
	return 0;
}

int
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
int
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
 * A fixed header's value goes on the wire as it is: one line of printable
 * ASCII, bounded, without the spaces a reader of the header would trim.
 */
static int
spec_fixed_header_value(struct spec_ctx *ctx, json_t *v)
{
	const char	*val, *p;

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
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			break;
	if ((size_t)(p - val) != json_string_length(v))
		return spec_fail(ctx, "must be printable ASCII: no control "
		    "character, CR or LF");
	if (val[0] == ' ' || p[-1] == ' ')
		return spec_fail(ctx, "must not start or end with a space");
	return 0;
}

/*
 * Fixed headers every request of the connector carries, such as Anthropic's
 * anthropic-version.  They are configuration, never credentials: a header
 * the proxy strips would be removed again on its way upstream, and one that
 * frames the request would let a spec change how it is read.
 */
int
spec_fixed_headers(struct spec_ctx *ctx, json_t *root)
{
	struct spec	*sp = ctx->spec;
	json_t		*o, *v;
	const char	*key;
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
		if (spec_fixed_header_value(ctx, v) == -1)
			return -1;
		if ((sp->fixed_header_values[sp->nfixed_headers - 1] =
		    strdup(json_string_value(v))) == NULL)
			return spec_nomem(ctx);
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

/* What every action has, REST or GraphQL: name, summary, policy. */
int
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
	    spec_bool(ctx, o, "x-aileron-websocket", 0, &a->websocket) == -1 ||
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

int
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

int
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
	    spec_pointer_member(ctx, u, "output", &a->usage_output) == -1 ||
	    spec_bool(ctx, u, "input_includes_cache_read", 0,
	    &a->usage_input_has_cache) == -1)
		return -1;
	for (j = 0; j < SPEC_USAGE_MORE; j++)
		if (spec_pointer_member(ctx, u, spec_usage_more[j],
		    &a->usage_more[j]) == -1)
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
			for (j = 0; j < SPEC_USAGE_MORE; j++)
				if (spec_pointer_member(ctx, e,
				    spec_usage_more[j], &ev->more[j]) == -1)
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
