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
 * shim.c: the runtime of every connector shim: turn "linear create-issue
 * --title x" into one HTTPS request through HTTPS_PROXY, per the tables
 * aileron-gen wrote for the connector.
 */

/* asprintf(3) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "shim/shim.h"

#define SHIM_MAX_RESPONSE	(64 * 1024 * 1024)
#define SHIM_CONNECT_TIMEOUT	15L
#define SHIM_TIMEOUT		300L

struct shim_response {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 toobig;
};

static const struct shim_connector *sc = &shim_connector;

static void	 shim_usage_error(const struct shim_action *, const char *,
		    ...) __attribute__((__format__ (printf, 2, 3),
		    __noreturn__));
static void	 shim_fail(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2), __noreturn__));
static void	 shim_list(FILE *);
static const char *shim_type_word(enum spec_type);
static void	 shim_action_help(const struct shim_action *, FILE *);
static const struct shim_action *shim_action_find(const char *);
static const struct shim_arg *shim_arg_find(const struct shim_action *,
		    const char *, size_t);
static json_t	*shim_convert(const struct shim_action *,
		    const struct shim_arg *, enum spec_type, const char *);
static void	 shim_parse(const struct shim_action *, int, char **,
		    json_t **);
static char	*shim_text(json_t *);
static void	 shim_encode(FILE *, const char *);
static void	 shim_pair(FILE *, int *, const char *, json_t *, int);
static char	*shim_url(const struct shim_action *, json_t **);
static char	*shim_body(const struct shim_action *, json_t **,
		    const char **);
static size_t	 shim_write(char *, size_t, size_t, void *);
static void	 shim_header_add(struct curl_slist **, const char *);
static struct curl_slist *shim_headers(void);
static void	 shim_method(CURL *, const struct shim_action *,
		    const char *);
static void	 shim_output(const struct shim_action *,
		    const struct shim_response *);
static void	 shim_refused(const struct shim_action *,
		    const struct shim_response *, long, const char *)
		    __attribute__((__noreturn__));
static const char *shim_proxy(void);
static int	 shim_send(const struct shim_action *, const char *,
		    const char *, const char *, const char *);

static void
shim_usage_error(const struct shim_action *act, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", sc->name);
	if (act != NULL)
		fprintf(stderr, "%s: ", act->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (act != NULL)
		fprintf(stderr, "\nRun '%s %s --help' for its flags.\n",
		    sc->name, act->command);
	else
		fprintf(stderr, "\nRun '%s --help' for the list of actions.\n",
		    sc->name);
	exit(2);
}

static void
shim_fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", sc->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
shim_list(FILE *fp)
{
	size_t	 i, w = 0, n;

	for (i = 0; i < sc->nactions; i++)
		if ((n = strlen(sc->actions[i].command)) > w)
			w = n;
	fprintf(fp, "usage: %s action [--flag value ...]\n"
	    "       %s action --help\n\n", sc->name, sc->name);
	fprintf(fp, "%s: each action sends one request to %s through "
	    "HTTPS_PROXY.\nThe credential is a placeholder; the aileron proxy "
	    "injects the real one.\n\nActions:\n",
	    sc->title != NULL ? sc->title : sc->name, sc->scheme_host);
	for (i = 0; i < sc->nactions; i++)
		fprintf(fp, "  %-*s  %s\n", (int)w, sc->actions[i].command,
		    sc->actions[i].summary != NULL ?
		    sc->actions[i].summary : "");
}

static const char *
shim_type_word(enum spec_type type)
{
	switch (type) {
	case TYPE_STRING:
		return "string";
	case TYPE_INTEGER:
		return "integer";
	case TYPE_NUMBER:
		return "number";
	case TYPE_BOOLEAN:
		return "true|false";
	case TYPE_MAP:
		return "key=value";
	case TYPE_ARRAY:
	case TYPE_OBJECT:
		break;
	}
	return "json";
}

/* The argument schema of one action, required arguments first. */
static void
shim_action_help(const struct shim_action *act, FILE *fp)
{
	const struct shim_arg	*g;
	enum spec_type		 t;
	size_t			 i;
	int			 pass, header;

	fprintf(fp, "usage: %s %s", sc->name, act->command);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < act->nargs; i++) {
			g = &act->args[i];
			if ((g->required != 0) != (pass == 0))
				continue;
			t = g->type == TYPE_ARRAY ? g->item_type : g->type;
			fprintf(fp, " %s--%s %s%s%s", pass ? "[" : "",
			    g->flag, shim_type_word(t), pass ? "]" : "",
			    g->type == TYPE_ARRAY || g->type == TYPE_MAP ?
			    " ..." : "");
		}
	}
	fputs("\n\n", fp);
	if (act->summary != NULL)
		fprintf(fp, "%s\n", act->summary);
	if (act->description != NULL && (act->summary == NULL ||
	    strcmp(act->description, act->summary) != 0))
		fprintf(fp, "\n%s\n", act->description);
	fprintf(fp, "\nRequest: %s %s%s%s\n", act->method, sc->scheme_host,
	    sc->base_path, act->path);
	if (act->nargs == 0)
		fputs("\nThis action takes no flags.\n", fp);
	for (pass = 0; pass < 2; pass++) {
		header = 0;
		for (i = 0; i < act->nargs; i++) {
			g = &act->args[i];
			if ((g->required != 0) != (pass == 0))
				continue;
			if (!header) {
				fprintf(fp, "\n%s flags:\n", pass == 0 ?
				    "Required" : "Optional");
				header = 1;
			}
			t = g->type == TYPE_ARRAY ? g->item_type : g->type;
			fprintf(fp, "  --%s %s%s\n", g->flag, shim_type_word(t),
			    g->type == TYPE_ARRAY || g->type == TYPE_MAP ?
			    " (repeatable)" : "");
			if (g->description != NULL && g->description[0] != '\0')
				fprintf(fp, "      %s\n", g->description);
		}
	}
}

static const struct shim_action *
shim_action_find(const char *name)
{
	size_t	 i;

	/* The command, or the action's own name as the manifest spells it. */
	for (i = 0; i < sc->nactions; i++)
		if (strcmp(sc->actions[i].command, name) == 0 ||
		    strcmp(sc->actions[i].name, name) == 0)
			return &sc->actions[i];
	return NULL;
}

static const struct shim_arg *
shim_arg_find(const struct shim_action *act, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < act->nargs; i++) {
		if ((strlen(act->args[i].flag) == len &&
		    strncmp(act->args[i].flag, name, len) == 0) ||
		    (strlen(act->args[i].name) == len &&
		    strncmp(act->args[i].name, name, len) == 0))
			return &act->args[i];
	}
	return NULL;
}

/* Check one value against its type; a bad one is a usage error. */
static json_t *
shim_convert(const struct shim_action *act, const struct shim_arg *g,
    enum spec_type type, const char *text)
{
	json_t		*v;
	json_error_t	 jerr;
	char		*end;
	long long	 ll;
	double		 d;

	switch (type) {
	case TYPE_INTEGER:
	case TYPE_NUMBER:
		/*
		 * strtoll and strtod also take blanks, "+", hex, "inf" and
		 * "nan"; a number here starts with a digit or "-" and ends
		 * with a digit, as in JSON.
		 */
		if ((text[0] != '-' && !isdigit((unsigned char)text[0])) ||
		    !isdigit((unsigned char)text[strlen(text) - 1]) ||
		    strpbrk(text, "xX") != NULL)
			shim_usage_error(act, "--%s: \"%s\" is not %s",
			    g->flag, text, type == TYPE_INTEGER ?
			    "an integer" : "a number");
		errno = 0;
		ll = strtoll(text, &end, 10);
		if (*end == '\0' && errno == 0)
			return json_integer(ll);
		if (type == TYPE_INTEGER)
			shim_usage_error(act, "--%s: \"%s\" is not an integer",
			    g->flag, text);
		errno = 0;
		d = strtod(text, &end);
		if (*end != '\0' || errno != 0 || !isfinite(d))
			shim_usage_error(act, "--%s: \"%s\" is not a number",
			    g->flag, text);
		return json_real(d);
	case TYPE_BOOLEAN:
		if (strcmp(text, "true") == 0)
			return json_true();
		if (strcmp(text, "false") == 0)
			return json_false();
		shim_usage_error(act, "--%s: \"%s\" is not true or false",
		    g->flag, text);
	case TYPE_OBJECT:
	case TYPE_ARRAY:
	case TYPE_MAP:
		v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
		    &jerr);
		if (v == NULL)
			shim_usage_error(act, "--%s: not JSON: %s", g->flag,
			    jerr.text);
		if (type == TYPE_OBJECT && !json_is_object(v))
			shim_usage_error(act, "--%s: \"%s\" is not a JSON "
			    "object", g->flag, text);
		return v;
	case TYPE_STRING:
		break;
	}
	if ((v = json_string(text)) == NULL)
		shim_usage_error(act, "--%s: not valid UTF-8", g->flag);
	return v;
}

/*
 * Read the flags into vals, one per argument of the action: a scalar, an
 * array for repeated flags, an object for maps.  Anything unexpected is a
 * usage error, so nothing is sent.
 */
static void
shim_parse(const struct shim_action *act, int argc, char **argv,
    json_t **vals)
{
	const struct shim_arg	*g;
	const char		*a, *name, *eq, *value;
	char			*key;
	json_t			*v;
	size_t			 i, len;
	int			 k;

	for (k = 0; k < argc; k++) {
		a = argv[k];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			shim_action_help(act, stdout);
			exit(0);
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
			shim_usage_error(act, "unexpected argument \"%s\"; "
			    "every argument is a --flag", a);
		name = a + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if ((g = shim_arg_find(act, name, len)) == NULL)
			shim_usage_error(act, "unknown flag --%.*s", (int)len,
			    name);
		i = g - act->args;
		if (eq != NULL)
			value = eq + 1;
		else if (g->type == TYPE_BOOLEAN && (k + 1 == argc ||
		    strncmp(argv[k + 1], "--", 2) == 0))
			value = "true";
		else if (k + 1 < argc)
			value = argv[++k];
		else
			shim_usage_error(act, "--%s needs a value", g->flag);

		if (g->type == TYPE_ARRAY) {
			if (vals[i] == NULL && (vals[i] = json_array()) == NULL)
				shim_fail("out of memory");
			v = shim_convert(act, g, g->item_type, value);
			if (json_array_append_new(vals[i], v) == -1)
				shim_fail("out of memory");
		} else if (g->type == TYPE_MAP) {
			if ((eq = strchr(value, '=')) == NULL || eq == value)
				shim_usage_error(act, "--%s: \"%s\" is not "
				    "key=value", g->flag, value);
			if ((key = strndup(value, eq - value)) == NULL)
				shim_fail("out of memory");
			if (vals[i] == NULL &&
			    (vals[i] = json_object()) == NULL)
				shim_fail("out of memory");
			if (json_object_get(vals[i], key) != NULL)
				shim_usage_error(act, "--%s: key \"%s\" given "
				    "twice", g->flag, key);
			if ((v = json_string(eq + 1)) == NULL)
				shim_usage_error(act, "--%s: not valid UTF-8",
				    g->flag);
			if (json_object_set_new(vals[i], key, v) == -1)
				shim_usage_error(act, "--%s: key \"%s\" is not "
				    "valid UTF-8", g->flag, key);
			free(key);
		} else {
			if (vals[i] != NULL)
				shim_usage_error(act, "--%s given twice",
				    g->flag);
			vals[i] = shim_convert(act, g, g->type, value);
		}
	}
	for (i = 0; i < act->nargs; i++)
		if (act->args[i].required && vals[i] == NULL)
			shim_usage_error(act, "missing required flag --%s",
			    act->args[i].flag);
}

/* A scalar as it goes into a path, query or form; other values as JSON. */
static char *
shim_text(json_t *v)
{
	char	*s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = strdup(json_string_value(v));
		break;
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v)) == -1)
			s = NULL;
		break;
	case JSON_REAL:
		if (asprintf(&s, "%.15g", json_real_value(v)) == -1)
			s = NULL;
		break;
	case JSON_TRUE:
		s = strdup("true");
		break;
	case JSON_FALSE:
		s = strdup("false");
		break;
	default:
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		break;
	}
	if (s == NULL)
		shim_fail("out of memory");
	return s;
}

/* Percent-encode everything but RFC 3986's unreserved characters. */
static void
shim_encode(FILE *fp, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			fputc(*p, fp);
		else
			fprintf(fp, "%%%02X", *p);
	}
}

/*
 * One name=value pair of a query or a form body, or several for arrays
 * and objects, spelled the way form-encoded APIs (Stripe) take nested
 * values: metadata[key]=value, items[0][price]=x, and with brackets set
 * tags[]=a&tags[]=b; without, arrays of scalars repeat the name, the
 * OpenAPI default for query parameters.
 */
static void
shim_pair(FILE *fp, int *first, const char *name, json_t *v, int brackets)
{
	const char	*key;
	json_t		*item;
	char		*sub, *text;
	size_t		 i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, item) {
			if (asprintf(&sub, "%s[%s]", name, key) == -1)
				shim_fail("out of memory");
			shim_pair(fp, first, sub, item, brackets);
			free(sub);
		}
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (json_is_object(item) || json_is_array(item)) {
				if (asprintf(&sub, "%s[%zu]", name, i) == -1)
					shim_fail("out of memory");
			} else if (asprintf(&sub, brackets ? "%s[]" : "%s",
			    name) == -1)
				shim_fail("out of memory");
			shim_pair(fp, first, sub, item, brackets);
			free(sub);
		}
		return;
	}
	if (!*first)
		fputc('&', fp);
	*first = 0;
	text = shim_text(v);
	shim_encode(fp, name);
	fputc('=', fp);
	shim_encode(fp, text);
	free(text);
}

static char *
shim_url(const struct shim_action *act, json_t **vals)
{
	const struct shim_arg	*g;
	const char		*p, *end;
	FILE			*fp, *qp;
	char			*url = NULL, *query = NULL, *text;
	size_t			 len, qlen, i;
	int			 first = 1;

	if ((fp = open_memstream(&url, &len)) == NULL)
		shim_fail("out of memory");
	fprintf(fp, "%s%s", sc->scheme_host, sc->base_path);
	/* Substitute each {name} with its argument, percent-encoded. */
	for (p = act->path; *p != '\0'; p++) {
		if (*p != '{' || (end = strchr(p, '}')) == NULL) {
			fputc(*p, fp);
			continue;
		}
		for (i = 0; i < act->nargs; i++) {
			g = &act->args[i];
			if (g->in == ARG_IN_PATH &&
			    strlen(g->name) == (size_t)(end - p - 1) &&
			    strncmp(g->name, p + 1, end - p - 1) == 0)
				break;
		}
		if (i == act->nargs || vals[i] == NULL)
			shim_usage_error(act, "missing the path parameter "
			    "%.*s", (int)(end - p - 1), p + 1);
		text = shim_text(vals[i]);
		/*
		 * "." and ".." are unreserved, so they would go out as they
		 * are, and libcurl, the proxy or the server would resolve
		 * them into another path: another action than the one asked
		 * for.  An empty value would leave an empty segment.
		 */
		if (text[0] == '\0' || strcmp(text, ".") == 0 ||
		    strcmp(text, "..") == 0)
			shim_usage_error(act, "--%s: \"%s\" cannot be a path "
			    "segment", act->args[i].flag, text);
		shim_encode(fp, text);
		free(text);
		p = end;
	}
	/* Query parameters, then the placeholder when it travels there. */
	if ((qp = open_memstream(&query, &qlen)) == NULL)
		shim_fail("out of memory");
	for (i = 0; i < act->nargs; i++) {
		g = &act->args[i];
		if (g->in == ARG_IN_QUERY && vals[i] != NULL)
			shim_pair(qp, &first, g->name, vals[i], 0);
	}
	if (sc->inject == INJECT_QUERY && sc->inject_name != NULL) {
		if (!first)
			fputc('&', qp);
		shim_encode(qp, sc->inject_name);
		fputs("=" SHIM_PLACEHOLDER, qp);
	}
	if (fclose(qp) == EOF || query == NULL)
		shim_fail("out of memory");
	if (query[0] != '\0')
		fprintf(fp, "?%s", query);
	free(query);
	if (fclose(fp) == EOF || url == NULL)
		shim_fail("out of memory");
	return url;
}

/* The request body and its content type, or NULL when there is none. */
static char *
shim_body(const struct shim_action *act, json_t **vals, const char **ctype)
{
	json_t		*o, *vars;
	FILE		*fp;
	char		*body = NULL;
	size_t		 i, len;
	int		 first = 1, any = 0;

	*ctype = NULL;
	if (act->gql_document != NULL) {
		if ((o = json_object()) == NULL ||
		    (vars = json_object()) == NULL ||
		    json_object_set_new(o, "query",
		    json_string(act->gql_document)) == -1 ||
		    json_object_set_new(o, "variables", vars) == -1)
			shim_fail("out of memory");
		for (i = 0; i < act->nargs; i++)
			if ((act->args[i].in == ARG_IN_VARIABLE ||
			    act->args[i].in == ARG_IN_BODY) &&
			    vals[i] != NULL &&
			    json_object_set(vars, act->args[i].name,
			    vals[i]) == -1)
				shim_fail("out of memory");
		*ctype = "Content-Type: application/json";
		body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (body == NULL)
			shim_fail("out of memory");
		return body;
	}
	for (i = 0; i < act->nargs; i++)
		if (act->args[i].in == ARG_IN_BODY && vals[i] != NULL)
			any = 1;
	/* No body argument given: send no body rather than an empty one. */
	if (!any)
		return NULL;
	if (act->body == BODY_FORM) {
		if ((fp = open_memstream(&body, &len)) == NULL)
			shim_fail("out of memory");
		for (i = 0; i < act->nargs; i++)
			if (act->args[i].in == ARG_IN_BODY && vals[i] != NULL)
				shim_pair(fp, &first, act->args[i].name,
				    vals[i], 1);
		if (fclose(fp) == EOF || body == NULL)
			shim_fail("out of memory");
		*ctype = "Content-Type: application/x-www-form-urlencoded";
		return body;
	}
	if ((o = json_object()) == NULL)
		shim_fail("out of memory");
	for (i = 0; i < act->nargs; i++)
		if (act->args[i].in == ARG_IN_BODY && vals[i] != NULL &&
		    json_object_set(o, act->args[i].name, vals[i]) == -1)
			shim_fail("out of memory");
	if ((body = json_dumps(o, JSON_COMPACT)) == NULL)
		shim_fail("out of memory");
	json_decref(o);
	*ctype = "Content-Type: application/json";
	return body;
}

static size_t
shim_write(char *data, size_t size, size_t n, void *arg)
{
	struct shim_response	*r = arg;
	size_t			 len = size * n, cap;
	char			*p;

	if (len > SHIM_MAX_RESPONSE - r->len) {
		r->toobig = 1;
		return 0;
	}
	if (r->len + len + 1 > r->cap) {
		cap = r->cap == 0 ? 16384 : r->cap;
		while (cap < r->len + len + 1)
			cap *= 2;
		if ((p = realloc(r->data, cap)) == NULL)
			return 0;
		r->data = p;
		r->cap = cap;
	}
	memcpy(r->data + r->len, data, len);
	r->len += len;
	r->data[r->len] = '\0';
	return len;
}

/* curl_slist_append() returns NULL on failure and drops the list. */
static void
shim_header_add(struct curl_slist **hdrs, const char *line)
{
	struct curl_slist	*l;

	if ((l = curl_slist_append(*hdrs, line)) == NULL)
		shim_fail("out of memory");
	*hdrs = l;
}

/*
 * The headers every request carries: the placeholder credential, the
 * connector's fixed headers (x-aileron-headers) and our defaults.  The
 * spec loader keeps fixed headers off the credential, framing and proxy
 * headers, so only Accept can clash, and the connector's wins.
 */
static struct curl_slist *
shim_headers(void)
{
	struct curl_slist	*hdrs = NULL;
	char			*line;
	size_t			 i;
	int			 accept = 0;

	/* The placeholder the proxy replaces; never a real credential. */
	switch (sc->inject) {
	case INJECT_BEARER:
		shim_header_add(&hdrs, "Authorization: Bearer "
		    SHIM_PLACEHOLDER);
		break;
	case INJECT_BASIC:
		shim_header_add(&hdrs, "Authorization: Basic "
		    SHIM_PLACEHOLDER_BASIC);
		break;
	case INJECT_HEADER:
		if (asprintf(&line, "%s: " SHIM_PLACEHOLDER,
		    sc->inject_name) == -1)
			shim_fail("out of memory");
		shim_header_add(&hdrs, line);
		free(line);
		break;
	case INJECT_QUERY:
		break;
	}
	for (i = 0; i < sc->nheaders; i++) {
		if (asprintf(&line, "%s: %s", sc->headers[i].name,
		    sc->headers[i].value) == -1)
			shim_fail("out of memory");
		shim_header_add(&hdrs, line);
		free(line);
		if (strcmp(sc->headers[i].name, "accept") == 0)
			accept = 1;
	}
	if (!accept)
		shim_header_add(&hdrs, "Accept: application/json");
	/* Send the body at once rather than wait for "100 Continue". */
	shim_header_add(&hdrs, "Expect:");
	return hdrs;
}

/* How the action's method and body, if any, go to libcurl. */
static void
shim_method(CURL *h, const struct shim_action *act, const char *body)
{
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(body));
		if (strcmp(act->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, act->method);
	} else if (strcmp(act->method, "GET") == 0)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else if (strcmp(act->method, "POST") == 0 ||
	    strcmp(act->method, "PUT") == 0 ||
	    strcmp(act->method, "PATCH") == 0) {
		/* An empty body still says Content-Length: 0. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
		if (strcmp(act->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, act->method);
	} else
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, act->method);
}

/* A 2xx answer: its body goes to stdout, unless it is a GraphQL error. */
static void
shim_output(const struct shim_action *act, const struct shim_response *resp)
{
	json_t	*j;

	/*
	 * GraphQL reports errors in a 200 response; an agent should see
	 * those fail like any other error.
	 */
	if (act->gql_document != NULL && resp->data != NULL &&
	    (j = json_loadb(resp->data, resp->len, 0, NULL)) != NULL) {
		if (json_array_size(json_object_get(j, "errors")) > 0 &&
		    json_is_null(json_object_get(j, "data"))) {
			fprintf(stderr, "%s\n", resp->data);
			shim_fail("%s: the API answered with errors",
			    act->command);
		}
		json_decref(j);
	}
	if (resp->len > 0) {
		fwrite(resp->data, 1, resp->len, stdout);
		if (resp->data[resp->len - 1] != '\n')
			putchar('\n');
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		shim_fail("cannot write the response");
}

/* Any other answer: its body goes to stderr and the shim fails. */
static void
shim_refused(const struct shim_action *act, const struct shim_response *resp,
    long status, const char *loc)
{
	if (resp->len > 0) {
		fwrite(resp->data, 1, resp->len, stderr);
		if (resp->data[resp->len - 1] != '\n')
			fputc('\n', stderr);
	}
	if (status >= 300 && status < 400)
		shim_fail("%s: the API redirected (HTTP %ld) to %s; shims do "
		    "not follow redirects", act->command, status,
		    loc != NULL ? loc : "nowhere");
	shim_fail("%s: the API answered HTTP %ld", act->command, status);
}

/*
 * The proxy from the environment, as libcurl would take it for an https
 * URL.  Without one the request would go straight to the vendor with a
 * placeholder for a credential, so the shim refuses to run and says how
 * to get one.
 */
static const char *
shim_proxy(void)
{
	const char	*p;

	if (((p = getenv("https_proxy")) != NULL && p[0] != '\0') ||
	    ((p = getenv("HTTPS_PROXY")) != NULL && p[0] != '\0'))
		return p;
	fprintf(stderr, "%s: HTTPS_PROXY is not set; %s sends its requests "
	    "only through the\naileron proxy, which holds the credential. "
	    "Start a session and take its\nenvironment with:\n\n"
	    "\teval \"$(aileron session start --env)\"\n\n"
	    "(or run %s in an agent's sandbox, which sets it).\n",
	    sc->name, sc->name, sc->name);
	exit(1);
}

static int
shim_send(const struct shim_action *act, const char *url, const char *proxy,
    const char *body, const char *ctype)
{
	struct shim_response	 resp = { NULL, 0, 0, 0 };
	struct curl_slist	*hdrs;
	CURL			*h;
	CURLcode		 rc;
	const char		*ca, *loc = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	long			 status = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (h = curl_easy_init()) == NULL)
		shim_fail("cannot initialise libcurl");
	errbuf[0] = '\0';

	hdrs = shim_headers();
	shim_header_add(&hdrs, ctype != NULL ? ctype : "Content-Type:");

	/* What keeps the request on HTTPS to its own host is checked. */
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK)
		shim_fail("libcurl refused the URL, the protocol or the "
		    "redirect setting; it may be older than 7.85");
	/* Always the proxy: NO_PROXY must not send a request around it. */
	if (curl_easy_setopt(h, CURLOPT_PROXY, proxy) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOPROXY, "") != CURLE_OK)
		shim_fail("libcurl refused the proxy in HTTPS_PROXY");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, SHIM_CONNECT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, SHIM_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "aileron-shim/1");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, shim_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	/*
	 * libcurl reads HTTPS_PROXY itself but neither CA variable, and the
	 * sandbox trusts the session CA only through them.
	 */
	if ((ca = getenv("CURL_CA_BUNDLE")) == NULL || ca[0] == '\0')
		ca = getenv("SSL_CERT_FILE");
	if (ca != NULL && ca[0] != '\0' &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, ca) != CURLE_OK)
		shim_fail("libcurl cannot use the CA file %s", ca);
	shim_method(h, act, body);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		if (resp.toobig)
			shim_fail("%s: the response is larger than %d bytes",
			    act->command, SHIM_MAX_RESPONSE);
		shim_fail("%s: request to %.*s failed: %s", act->command,
		    (int)strcspn(url, "?"), url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
	if (status < 200 || status >= 300)
		shim_refused(act, &resp, status, loc);

	shim_output(act, &resp);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(resp.data);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct shim_action	*act;
	json_t				**vals;
	const char			*ctype;
	char				*url, *body;
	size_t				 i;
	int				 rc;

	if (argc < 2) {
		shim_list(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		shim_list(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s (aileron %s)\n", sc->name, AILERON_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		shim_usage_error(NULL, "expected an action before \"%s\"",
		    argv[1]);
	if ((act = shim_action_find(argv[1])) == NULL)
		shim_usage_error(NULL, "unknown action \"%s\"", argv[1]);
	if ((vals = calloc(act->nargs + 1, sizeof(*vals))) == NULL)
		shim_fail("out of memory");
	shim_parse(act, argc - 2, argv + 2, vals);
	url = shim_url(act, vals);
	body = shim_body(act, vals, &ctype);
	rc = shim_send(act, url, shim_proxy(), body, ctype);
	free(body);
	free(url);
	for (i = 0; i < act->nargs; i++)
		json_decref(vals[i]);
	free(vals);
	return rc;
}
