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
 * match.c: the request-to-action matcher: compiled once from the loaded
 * specs, it maps each intercepted request to a connector action and the
 * arguments it carries, or to no action.
 *
 * Policy is written against action names and their arguments, so every
 * way of making the matcher name one action while the upstream performs
 * another is a policy bypass.  The rule throughout is that a request the
 * upstream might read differently from us matches nothing: encodings a
 * server may or may not decode, path segments a server may normalise,
 * JSON keys a parser may take first or last, parameters given twice,
 * GraphQL documents we cannot read with certainty.  "No action" is the
 * safe answer; the worker applies the connector's default to it.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "connector/graphql.h"
#include "connector/match.h"
#include "connector/spec.h"

#define MATCH_HOST_MAX	253

/* Shapes of a form or query key; see match_key_shape(). */
#define KEY_PLAIN	0	/* name */
#define KEY_APPEND	1	/* name[] */
#define KEY_MEMBER	2	/* name[sub] */
#define KEY_FLAT	3	/* name[a][b], one flat key */

/* One path segment of a template: prefix{param}suffix, or a literal. */
struct match_seg {
	char			*prefix;
	char			*param;		/* NULL: literal prefix only */
	char			*suffix;
};

/*
 * A GraphQL top-level field and the action it stands for.  var_paths,
 * from the action's document, says where in the field's arguments each
 * of the action's arguments (a variable of that document) sits.
 */
struct match_gql {
	const char			*field;
	const struct spec_action	*action;
	int				 optype;	/* -1: any */
	json_t				*var_paths;	/* NULL: no document */
};

struct match_route {
	const struct spec_action *action;	/* NULL: a GraphQL endpoint */
	const char		*method;
	char			*path;		/* base path included */
	struct match_seg	*segs;
	size_t			 nsegs;
	struct match_gql	*gql;
	size_t			 ngql;
};

struct match_host {
	char			*name;
	const struct spec	*spec;
	struct match_route	*routes;
	size_t			 nroutes;
};

struct matcher {
	struct match_host	*hosts;
	size_t			 nhosts;
};

/* A request path split into decoded segments, in caller storage. */
struct match_path {
	char			 buf[MATCH_PATH_MAX + 1];
	char			*segs[MATCH_SEGMENTS_MAX];
	size_t			 nsegs;
};

static int	match_error(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	match_compile_spec(struct matcher *, const struct spec *,
		    char *, size_t);
static struct match_host *match_add_host(struct matcher *,
		    const struct spec *, const char *, char *, size_t);
static int	match_add_action(struct match_host *, const struct spec *,
		    const struct spec_action *, const char *, size_t, char *,
		    size_t);
static int	match_compile_template(struct match_route *, const char *,
		    const char *, char *, size_t);
static int	match_compile_gql(struct match_route *,
		    const struct spec_action *, char *, size_t);
static void	match_route_free(struct match_route *);
static int	match_same_shape(const struct match_route *,
		    const struct match_route *);
static int	match_host_norm(const char *, char *, size_t);
static int	match_hexval(int);
static int	match_unreserved(int);
static int	match_split_path(const char *, size_t, struct match_path *);
static size_t	match_affix_len(const struct match_seg *);
static int	match_route_cmp(const struct match_route *,
		    const struct match_route *);
static int	match_seg_try(const struct match_seg *, const char *,
		    size_t *);
static const struct match_route *match_find_route(const struct match_host *,
		    const struct match_path *, const char *, const char **);
static int	match_pairs(const char *, size_t, json_t *);
static int	match_key_shape(const char *);
static int	match_pair_add(json_t *, char *, size_t, char *, size_t);
static int	match_json_depth_ok(const char *, size_t, int);
static json_t	*match_json_load(const char *, size_t, const char **);
static int	match_media_type(const char *, const char *);
static int	match_rest(const struct match_route *,
		    const struct match_path *, const char *,
		    const struct match_req *, struct match_result *);
static int	match_graphql(const struct match_route *, const char *,
		    const struct match_req *, struct match_result *);
static int	match_graphql_op(const struct match_route *, json_t *,
		    struct match_result *);
static int	match_graphql_args(const struct match_gql *,
		    const struct graphql_op *, struct match_result *);
static int	match_gql_shown(json_t *, json_t *, json_t *);
static int	match_nomatch(struct match_result *, const char *);

static int
match_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct matcher *
match_compile(struct spec **specs, size_t nspecs, char *err, size_t errlen)
{
	struct matcher	*m;
	size_t		 i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		match_error(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < nspecs; i++) {
		if (match_compile_spec(m, specs[i], err, errlen) == -1) {
			match_free(m);
			return NULL;
		}
	}
	return m;
}

/* Hosts from the spec, or the one in scheme_host when it lists none. */
static int
match_compile_spec(struct matcher *m, const struct spec *s, char *err,
    size_t errlen)
{
	struct match_host	*h;
	const char		*hp, *base;
	size_t			 i, j, k, nh, blen;

	base = s->base_path != NULL ? s->base_path : "";
	/* A base path of "/" or "/api/" loses its slash. */
	blen = strlen(base);
	if (blen > 0 && base[blen - 1] == '/')
		blen--;
	nh = s->nhosts > 0 ? s->nhosts : 1;
	for (i = 0; i < nh; i++) {
		if (s->nhosts > 0)
			hp = s->hosts[i];
		else if (s->scheme_host != NULL &&
		    strncasecmp(s->scheme_host, "https://", 8) == 0)
			hp = s->scheme_host + 8;
		else
			return match_error(err, errlen, "%s: no host",
			    s->connector);
		if ((h = match_add_host(m, s, hp, err, errlen)) == NULL)
			return -1;
		for (j = 0; j < s->nactions; j++)
			if (match_add_action(h, s, &s->actions[j], base, blen,
			    err, errlen) == -1)
				return -1;
		/* Two routes of the same shape would race for a request. */
		for (j = 0; j < h->nroutes; j++)
			for (k = 0; k < j; k++)
				if (match_same_shape(&h->routes[j],
				    &h->routes[k]))
					return match_error(err, errlen,
					    "%s: two actions for %s on one "
					    "path", s->connector,
					    h->routes[j].method);
	}
	return 0;
}

/* A host of spec s, which no other spec may claim. */
static struct match_host *
match_add_host(struct matcher *m, const struct spec *s, const char *hp,
    char *err, size_t errlen)
{
	struct match_host	*h, *hosts;
	char			 name[MATCH_HOST_MAX + 1];
	size_t			 j;

	if (match_host_norm(hp, name, sizeof(name)) == -1) {
		match_error(err, errlen, "%s: bad host \"%s\"", s->connector,
		    hp);
		return NULL;
	}
	for (j = 0; j < m->nhosts; j++)
		if (strcmp(m->hosts[j].name, name) == 0) {
			match_error(err, errlen, "host %s is claimed by both "
			    "%s and %s", name, m->hosts[j].spec->connector,
			    s->connector);
			return NULL;
		}
	if ((hosts = reallocarray(m->hosts, m->nhosts + 1,
	    sizeof(*hosts))) == NULL) {
		match_error(err, errlen, "out of memory");
		return NULL;
	}
	m->hosts = hosts;
	h = &m->hosts[m->nhosts];
	memset(h, 0, sizeof(*h));
	if ((h->name = strdup(name)) == NULL) {
		match_error(err, errlen, "out of memory");
		return NULL;
	}
	h->spec = s;
	m->nhosts++;
	return h;
}

/*
 * Route action a of spec s on host h.  A REST action has a route of its
 * own; GraphQL actions share their endpoint's route, each adding its field.
 */
static int
match_add_action(struct match_host *h, const struct spec *s,
    const struct spec_action *a, const char *base, size_t blen, char *err,
    size_t errlen)
{
	struct match_route	*r, *routes;
	char			 path[MATCH_PATH_MAX], gerr[256];
	size_t			 k;
	int			 n;

	if (a->path == NULL || a->method == NULL)
		return match_error(err, errlen, "%s.%s: no method or path",
		    s->connector, a->name);
	n = snprintf(path, sizeof(path), "%.*s%s", (int)blen, base, a->path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return match_error(err, errlen, "%s.%s: path too long",
		    s->connector, a->name);

	r = NULL;
	if (s->graphql && a->gql_field != NULL) {
		for (k = 0; k < h->nroutes; k++) {
			if (h->routes[k].action == NULL &&
			    strcmp(h->routes[k].method, a->method) == 0 &&
			    strcmp(h->routes[k].path, path) == 0) {
				r = &h->routes[k];
				break;
			}
		}
	}
	if (r == NULL) {
		if ((routes = reallocarray(h->routes, h->nroutes + 1,
		    sizeof(*routes))) == NULL)
			return match_error(err, errlen, "out of memory");
		h->routes = routes;
		r = &h->routes[h->nroutes++];
		memset(r, 0, sizeof(*r));
		r->method = a->method;
		if ((r->path = strdup(path)) == NULL)
			return match_error(err, errlen, "out of memory");
		if (!(s->graphql && a->gql_field != NULL))
			r->action = a;
		if (match_compile_template(r, path, s->connector, err,
		    errlen) == -1)
			return -1;
	}
	if (r->action == NULL &&
	    match_compile_gql(r, a, gerr, sizeof(gerr)) == -1)
		return match_error(err, errlen, "%s.%s: %s", s->connector,
		    a->name, gerr);
	return 0;
}

/*
 * "/repos/{owner}/{repo}/issues": whole segments or one {param} with a
 * literal prefix and suffix per segment.
 */
static int
match_compile_template(struct match_route *r, const char *path,
    const char *connector, char *err, size_t errlen)
{
	struct match_seg	*seg;
	const char		*p, *end, *ob, *cb, *q;
	size_t			 n;

	if (path[0] != '/')
		return match_error(err, errlen, "%s: path %s does not start "
		    "with /", connector, path);
	if (strcmp(path, "/") == 0)
		return 0;
	for (p = path + 1;; p = end + 1) {
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		n = end - p;
		if (n == 0)
			return match_error(err, errlen, "%s: empty segment in "
			    "%s", connector, path);
		if (r->nsegs >= MATCH_SEGMENTS_MAX)
			return match_error(err, errlen, "%s: too many segments "
			    "in %s", connector, path);
		if ((seg = reallocarray(r->segs, r->nsegs + 1,
		    sizeof(*seg))) == NULL)
			return match_error(err, errlen, "out of memory");
		r->segs = seg;
		seg = &r->segs[r->nsegs++];
		memset(seg, 0, sizeof(*seg));
		ob = memchr(p, '{', n);
		cb = memchr(p, '}', n);
		if (ob == NULL && cb == NULL) {
			if ((seg->prefix = strndup(p, n)) == NULL)
				return match_error(err, errlen,
				    "out of memory");
		} else {
			if (ob == NULL || cb == NULL || cb < ob + 2 ||
			    memchr(ob + 1, '{', end - ob - 1) != NULL ||
			    memchr(cb + 1, '}', end - cb - 1) != NULL)
				return match_error(err, errlen, "%s: bad "
				    "template %s", connector, path);
			for (q = ob + 1; q < cb; q++)
				if (!isalnum((unsigned char)*q) && *q != '_' &&
				    *q != '-')
					return match_error(err, errlen,
					    "%s: bad template %s",
					    connector, path);
			if ((seg->prefix = strndup(p, ob - p)) == NULL ||
			    (seg->param = strndup(ob + 1, cb - ob - 1)) ==
			    NULL ||
			    (seg->suffix = strndup(cb + 1, end - cb - 1)) ==
			    NULL)
				return match_error(err, errlen,
				    "out of memory");
		}
		if (*end == '\0')
			break;
	}
	return 0;
}

/*
 * Learn the operation type from the document the shim sends, so that a
 * query field is never taken for a mutation of the same name.
 */
static int
match_compile_gql(struct match_route *r, const struct spec_action *a,
    char *err, size_t errlen)
{
	struct match_gql	*g;
	struct graphql_op	 op;
	json_t			*var_paths = NULL;
	char			 gerr[128];
	size_t			 i;
	int			 optype = -1;

	for (i = 0; i < r->ngql; i++)
		if (strcmp(r->gql[i].field, a->gql_field) == 0)
			return match_error(err, errlen, "field %s claimed "
			    "twice", a->gql_field);
	if (a->gql_document != NULL) {
		if (graphql_top_fields(a->gql_document,
		    strlen(a->gql_document), NULL, &op, gerr,
		    sizeof(gerr)) == -1)
			return match_error(err, errlen, "document: %s", gerr);
		if (op.nfields != 1 || strcmp(op.fields[0],
		    a->gql_field) != 0) {
			graphql_op_clear(&op);
			return match_error(err, errlen, "document does not "
			    "select %s alone", a->gql_field);
		}
		optype = op.optype;
		var_paths = json_incref(op.var_paths);
		graphql_op_clear(&op);
	}
	if ((g = reallocarray(r->gql, r->ngql + 1, sizeof(*g))) == NULL) {
		json_decref(var_paths);
		return match_error(err, errlen, "out of memory");
	}
	r->gql = g;
	g[r->ngql].field = a->gql_field;
	g[r->ngql].action = a;
	g[r->ngql].optype = optype;
	g[r->ngql].var_paths = var_paths;
	r->ngql++;
	return 0;
}

static int
match_same_shape(const struct match_route *a, const struct match_route *b)
{
	const struct match_seg	*x, *y;
	size_t			 i;

	if (a->nsegs != b->nsegs || strcmp(a->method, b->method) != 0)
		return 0;
	for (i = 0; i < a->nsegs; i++) {
		x = &a->segs[i];
		y = &b->segs[i];
		if ((x->param == NULL) != (y->param == NULL) ||
		    strcmp(x->prefix, y->prefix) != 0)
			return 0;
		if (x->param != NULL && strcmp(x->suffix, y->suffix) != 0)
			return 0;
	}
	return 1;
}

static void
match_route_free(struct match_route *r)
{
	size_t	 i;

	for (i = 0; i < r->nsegs; i++) {
		free(r->segs[i].prefix);
		free(r->segs[i].param);
		free(r->segs[i].suffix);
	}
	free(r->segs);
	for (i = 0; i < r->ngql; i++)
		json_decref(r->gql[i].var_paths);
	free(r->gql);
	free(r->path);
}

void
match_free(struct matcher *m)
{
	size_t	 i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->nhosts; i++) {
		for (j = 0; j < m->hosts[i].nroutes; j++)
			match_route_free(&m->hosts[i].routes[j]);
		free(m->hosts[i].routes);
		free(m->hosts[i].name);
	}
	free(m->hosts);
	free(m);
}

/*
 * "API.Example.com:443" -> "api.example.com".  Any port but 443 is
 * refused: the specs describe HTTPS on its default port only.  A trailing
 * dot, an empty label's worth of characters or anything outside a DNS
 * name is refused rather than normalised.
 */
static int
match_host_norm(const char *host, char *buf, size_t bufsz)
{
	const char	*colon;
	size_t		 i, n;

	if ((colon = strchr(host, ':')) != NULL) {
		if (strcmp(colon + 1, "443") != 0)
			return -1;
		n = colon - host;
	} else
		n = strlen(host);
	if (n == 0 || n >= bufsz || n > MATCH_HOST_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' &&
		    host[i] != '.')
			return -1;
		buf[i] = tolower((unsigned char)host[i]);
	}
	buf[n] = '\0';
	if (buf[0] == '.' || buf[n - 1] == '.' || strstr(buf, "..") != NULL)
		return -1;
	return 0;
}

const struct spec *
match_host(const struct matcher *m, const char *host)
{
	char	 name[MATCH_HOST_MAX + 1];
	size_t	 i;

	if (match_host_norm(host, name, sizeof(name)) == -1)
		return NULL;
	for (i = 0; i < m->nhosts; i++)
		if (strcmp(m->hosts[i].name, name) == 0)
			return m->hosts[i].spec;
	return NULL;
}

static int
match_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 unreserved, in ASCII whatever the locale. */
static int
match_unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/*
 * Split the path of len bytes into decoded segments.  Only unreserved
 * escapes are decoded: "%2F" decoded would split a parameter in two at
 * a server that decodes before routing, and left encoded would differ
 * from one that decodes after, so any escape of a reserved or other
 * character refuses the request.  ';' is refused because some servers
 * strip matrix parameters from a segment, '\' because some take it for
 * '/', and "." and ".." because servers and proxies resolve them.
 */
static int
match_split_path(const char *path, size_t len, struct match_path *mp)
{
	size_t	 i, o = 0, start;
	int	 c, hi, lo;

	mp->nsegs = 0;
	if (len == 0 || path[0] != '/' || len > MATCH_PATH_MAX)
		return -1;
	if (len == 1)
		return 0;
	start = 0;
	for (i = 1; i <= len; i++) {
		if (i == len || path[i] == '/') {
			mp->buf[o] = '\0';
			if (o == start || strcmp(mp->buf + start, ".") == 0 ||
			    strcmp(mp->buf + start, "..") == 0)
				return -1;
			if (mp->nsegs >= MATCH_SEGMENTS_MAX)
				return -1;
			mp->segs[mp->nsegs++] = mp->buf + start;
			start = ++o;
			continue;
		}
		c = (unsigned char)path[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			if ((hi = match_hexval(path[i + 1])) == -1 ||
			    (lo = match_hexval(path[i + 2])) == -1)
				return -1;
			c = hi << 4 | lo;
			if (!match_unreserved(c))
				return -1;
			i += 2;
		} else if (!match_unreserved(c) && strchr("!$&'()*+,=:@",
		    c) == NULL)
			return -1;
		mp->buf[o++] = c;
	}
	return 0;
}

/* Does a segment fit this template segment?  Return the param length. */
static int
match_seg_try(const struct match_seg *t, const char *seg, size_t *plen)
{
	size_t	 n = strlen(seg), pl, sl;

	if (t->param == NULL)
		return strcmp(t->prefix, seg) == 0;
	pl = strlen(t->prefix);
	sl = strlen(t->suffix);
	if (n <= pl + sl || strncmp(seg, t->prefix, pl) != 0 ||
	    strcmp(seg + n - sl, t->suffix) != 0)
		return 0;
	*plen = n - pl - sl;
	return 1;
}

static size_t
match_affix_len(const struct match_seg *t)
{
	return strlen(t->prefix) + strlen(t->suffix);
}

/*
 * Which of two routes that fit one path is more specific: the one with a
 * literal at the first segment where they differ, as OpenAPI has concrete
 * paths win over templated ones, or the one with the longer literal around
 * its parameter there ("{name}.json" over "{id}").  Return 1 when a is,
 * -1 when b is, 0 when neither.
 */
static int
match_route_cmp(const struct match_route *a, const struct match_route *b)
{
	size_t	 j, la, lb;

	for (j = 0; j < a->nsegs; j++) {
		if ((a->segs[j].param == NULL) != (b->segs[j].param == NULL))
			return a->segs[j].param == NULL ? 1 : -1;
		if (a->segs[j].param == NULL)
			continue;
		la = match_affix_len(&a->segs[j]);
		lb = match_affix_len(&b->segs[j]);
		if (la != lb)
			return la > lb ? 1 : -1;
	}
	return 0;
}

/*
 * The route for a path and method, the most specific one where several
 * fit.  Two that fit equally ("a{x}" and "{y}b" for "axb") leave us
 * unsure which one the server routes to, so neither is taken.  *why says
 * what failed.
 */
static const struct match_route *
match_find_route(const struct match_host *h, const struct match_path *mp,
    const char *method, const char **why)
{
	const struct match_route	*r, *best = NULL;
	size_t				 i, j, plen;
	int				 pathfit = 0, cmp = 0, tie = 0;

	for (i = 0; i < h->nroutes; i++) {
		r = &h->routes[i];
		if (r->nsegs != mp->nsegs)
			continue;
		for (j = 0; j < r->nsegs; j++)
			if (!match_seg_try(&r->segs[j], mp->segs[j], &plen))
				break;
		if (j < r->nsegs)
			continue;
		pathfit = 1;
		/* A GraphQL endpoint takes GET as well as POST. */
		if (strcmp(r->method, method) != 0 && !(r->action == NULL &&
		    strcmp(method, "GET") == 0))
			continue;
		if (best == NULL || (cmp = match_route_cmp(r, best)) > 0) {
			best = r;
			tie = 0;
		} else if (cmp == 0)
			tie = 1;
	}
	if (best == NULL)
		*why = pathfit ? "method not allowed" : "no such path";
	else if (tie) {
		*why = "two routes fit equally";
		best = NULL;
	}
	return best;
}

/*
 * Percent-decode a query or form component; '+' is a space.  Any escape
 * is decoded here, since these are values, not routing, but a malformed
 * one or a NUL refuses the request.
 */
int
match_decode(const char *s, size_t len, char *out, size_t *olen)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 ||
			    (hi = match_hexval(s[i + 1])) == -1 ||
			    (lo = match_hexval(s[i + 2])) == -1)
				return -1;
			c = hi << 4 | lo;
			if (c == 0)
				return -1;
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f || c == '#')
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	*olen = o;
	return 0;
}

/*
 * The shape of a decoded form or query key: a plain name, "name[]",
 * "name[sub]", or deeper "name[a][b]", kept as one flat key.  An empty
 * name, or a bracket that does not open or close a group, is -1: Rack,
 * PHP and others each repair those their own way.
 */
static int
match_key_shape(const char *k)
{
	const char	*ob, *p, *cb;
	int		 groups = 0;

	if ((ob = strchr(k, '[')) == NULL)
		return strchr(k, ']') == NULL ? KEY_PLAIN : -1;
	if (ob == k || memchr(k, ']', ob - k) != NULL)
		return -1;
	for (p = ob; *p == '['; p = cb + 1, groups++)
		if ((cb = strchr(p + 1, ']')) == NULL ||
		    memchr(p + 1, '[', cb - p - 1) != NULL)
			return -1;
	if (*p != '\0')
		return -1;
	if (groups > 1)
		return KEY_FLAT;
	return ob[1] == ']' ? KEY_APPEND : KEY_MEMBER;
}

/*
 * Add one decoded pair.  "k" is a string, "k[]" appends to an array and
 * "k[sub]" sets a member of an object, as Rack and PHP read Stripe's
 * forms; deeper brackets stay part of a flat key.  A name given twice, or
 * as two shapes, is refused: servers disagree on which one wins.
 */
static int
match_pair_add(json_t *obj, char *k, size_t klen, char *v, size_t vlen)
{
	json_t	*val, *cur;
	char	*ob, *sub_name;
	int	 shape;

	if (klen == 0 || (shape = match_key_shape(k)) == -1)
		return -1;
	if ((val = json_stringn(v, vlen)) == NULL)
		return -1;
	if (shape == KEY_APPEND || shape == KEY_MEMBER) {
		ob = strchr(k, '[');
		*ob = '\0';
		k[klen - 1] = '\0';
		sub_name = ob + 1;
		cur = json_object_get(obj, k);
		if (shape == KEY_APPEND) {
			if (cur == NULL) {
				if ((cur = json_array()) == NULL ||
				    json_object_set_new(obj, k, cur) == -1)
					goto fail;
			} else if (!json_is_array(cur))
				goto fail;
			return json_array_append_new(cur, val);
		}
		if (cur == NULL) {
			if ((cur = json_object()) == NULL ||
			    json_object_set_new(obj, k, cur) == -1)
				goto fail;
		} else if (!json_is_object(cur))
			goto fail;
		if (json_object_get(cur, sub_name) != NULL)
			goto fail;
		return json_object_set_new(cur, sub_name, val);
	}
	if (json_object_get(obj, k) != NULL)
		goto fail;
	return json_object_set_new(obj, k, val);
 fail:
	json_decref(val);
	return -1;
}

/* a=1&b=2 into obj; empty pairs are skipped. */
static int
match_pairs(const char *s, size_t len, json_t *obj)
{
	const char	*p, *end, *amp, *eq;
	char		*k, *v;
	size_t		 klen, vlen;
	int		 rv = -1;

	if ((k = malloc(len + 1)) == NULL || (v = malloc(len + 1)) == NULL) {
		free(k);
		return -1;
	}
	for (p = s, end = s + len; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', amp - p)) == NULL)
			eq = amp;
		if (match_decode(p, eq - p, k, &klen) == -1 ||
		    match_decode(eq < amp ? eq + 1 : amp,
		    eq < amp ? amp - eq - 1 : 0, v, &vlen) == -1 ||
		    match_pair_add(obj, k, klen, v, vlen) == -1)
			goto done;
	}
	rv = 0;
 done:
	free(k);
	free(v);
	return rv;
}

/*
 * Jansson nests as deep as a body asks, up to its own compiled limit, so
 * measure first.  Brackets inside strings do not count.
 */
static int
match_json_depth_ok(const char *s, size_t len, int max)
{
	size_t	 i;
	int	 depth = 0, instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			instr = 1;
			break;
		case '{':
		case '[':
			if (++depth > max)
				return 0;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return 1;
}

static json_t *
match_json_load(const char *s, size_t len, const char **why)
{
	json_error_t	 jerr;
	json_t		*j;

	if (len > MATCH_BODY_MAX) {
		*why = "body too large";
		return NULL;
	}
	if (!match_json_depth_ok(s, len, MATCH_JSON_DEPTH)) {
		*why = "JSON nested too deep";
		return NULL;
	}
	/* Duplicate keys: one parser takes the first, another the last. */
	if ((j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		*why = "bad JSON";
	return j;
}

/* Is the Content-Type this media type, whatever its parameters? */
static int
match_media_type(const char *ct, const char *want)
{
	size_t	 n = strlen(want);

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int
match_nomatch(struct match_result *res, const char *why)
{
	json_decref(res->args);
	res->args = NULL;
	res->spec = NULL;
	res->action = NULL;
	res->reason = why;
	res->args_incomplete = 0;
	return 0;
}

int
match_request(const struct matcher *m, const struct match_req *req,
    struct match_result *res)
{
	struct match_path		 mp;
	const struct match_host		*h = NULL;
	const struct match_route	*r;
	char				 name[MATCH_HOST_MAX + 1];
	const char			*q, *why = NULL;
	size_t				 i, plen;
	int				 rv;

	memset(res, 0, sizeof(*res));
	if (req->host == NULL || req->method == NULL || req->target == NULL)
		return match_nomatch(res, "incomplete request");
	if (match_host_norm(req->host, name, sizeof(name)) == 0)
		for (i = 0; i < m->nhosts && h == NULL; i++)
			if (strcmp(m->hosts[i].name, name) == 0)
				h = &m->hosts[i];
	if (h == NULL)
		return match_nomatch(res, "unknown host");
	if (strchr(req->target, '#') != NULL)
		return match_nomatch(res, "fragment in target");
	if ((q = strchr(req->target, '?')) != NULL)
		plen = q++ - req->target;
	else
		plen = strlen(req->target);
	if (match_split_path(req->target, plen, &mp) == -1)
		return match_nomatch(res, "path refused");
	if ((r = match_find_route(h, &mp, req->method, &why)) == NULL)
		return match_nomatch(res, why);
	if (r->action == NULL)
		rv = match_graphql(r, q, req, res);
	else
		rv = match_rest(r, &mp, q, req, res);
	if (rv == 1)
		res->spec = h->spec;
	return rv;
}

static int
match_rest(const struct match_route *r, const struct match_path *mp,
    const char *q, const struct match_req *req, struct match_result *res)
{
	const struct spec_action	*a = r->action;
	const struct match_seg		*t;
	json_t				*body = NULL, *v, *form;
	const char			*key, *why = "bad query";
	size_t				 i, plen;

	if ((res->args = json_object()) == NULL)
		return -1;
	if (q != NULL && match_pairs(q, strlen(q), res->args) == -1)
		return match_nomatch(res, why);

	/* Body fields join the query's; a name in both is ambiguous. */
	if ((a->body == BODY_JSON || a->body == BODY_FORM) &&
	    req->body != NULL && req->bodylen > 0) {
		if (a->body == BODY_JSON) {
			if (!match_media_type(req->content_type,
			    "application/json"))
				return match_nomatch(res, "not JSON");
			if ((body = match_json_load(req->body, req->bodylen,
			    &why)) == NULL)
				return match_nomatch(res, why);
			if (!json_is_object(body)) {
				json_decref(body);
				return match_nomatch(res, "body not an object");
			}
		} else {
			if (!match_media_type(req->content_type,
			    "application/x-www-form-urlencoded"))
				return match_nomatch(res, "not a form");
			if (req->bodylen > MATCH_BODY_MAX)
				return match_nomatch(res, "body too large");
			if ((form = json_object()) == NULL)
				return -1;
			if (match_pairs(req->body, req->bodylen, form) == -1) {
				json_decref(form);
				return match_nomatch(res, "bad form");
			}
			body = form;
		}
		json_object_foreach(body, key, v) {
			if (json_object_get(res->args, key) != NULL) {
				json_decref(body);
				return match_nomatch(res, "argument in query "
				    "and body");
			}
			if (json_object_set(res->args, key, v) == -1) {
				json_decref(body);
				return -1;
			}
		}
		json_decref(body);
	}

	/* Path parameters last: they are what the server routes on. */
	for (i = 0; i < r->nsegs; i++) {
		t = &r->segs[i];
		if (t->param == NULL)
			continue;
		match_seg_try(t, mp->segs[i], &plen);
		if ((v = json_stringn(mp->segs[i] + strlen(t->prefix),
		    plen)) == NULL)
			return -1;
		if (json_object_set_new(res->args, t->param, v) == -1)
			return -1;
	}
	res->action = a;
	return 1;
}

/*
 * GraphQL over POST (a JSON object) or GET (query parameters).  Only the
 * members below are allowed: "id" and persisted-query extensions would
 * have the server run a stored document we never see.
 */
static int
match_graphql(const struct match_route *r, const char *q,
    const struct match_req *req, struct match_result *res)
{
	json_t		*gq, *v, *ext;
	const char	*key, *why = "bad GraphQL request";
	int		 rv;

	if (strcmp(req->method, "POST") == 0) {
		/* A query string could carry a second document. */
		if (q != NULL && *q != '\0')
			return match_nomatch(res, "query string on GraphQL "
			    "POST");
		if (!match_media_type(req->content_type, "application/json"))
			return match_nomatch(res, "not JSON");
		if (req->body == NULL || req->bodylen == 0)
			return match_nomatch(res, "no body");
		if ((gq = match_json_load(req->body, req->bodylen,
		    &why)) == NULL)
			return match_nomatch(res, why);
		if (json_is_array(gq)) {
			json_decref(gq);
			return match_nomatch(res, "batched GraphQL");
		}
	} else {
		if ((gq = json_object()) == NULL)
			return -1;
		if (q == NULL || match_pairs(q, strlen(q), gq) == -1) {
			json_decref(gq);
			return match_nomatch(res, "bad query");
		}
		/* On GET the variables are JSON text. */
		if ((v = json_object_get(gq, "variables")) != NULL) {
			if (!json_is_string(v) || (v = match_json_load(
			    json_string_value(v), json_string_length(v),
			    &why)) == NULL) {
				json_decref(gq);
				return match_nomatch(res, "bad variables");
			}
			if (json_object_set_new(gq, "variables", v) == -1) {
				json_decref(gq);
				return -1;
			}
		}
	}
	if (!json_is_object(gq)) {
		json_decref(gq);
		return match_nomatch(res, why);
	}
	json_object_foreach(gq, key, v) {
		if (strcmp(key, "query") != 0 &&
		    strcmp(key, "operationName") != 0 &&
		    strcmp(key, "variables") != 0 &&
		    strcmp(key, "extensions") != 0) {
			json_decref(gq);
			return match_nomatch(res, "unknown GraphQL member");
		}
	}
	ext = json_object_get(gq, "extensions");
	if (ext != NULL && (!json_is_object(ext) ||
	    json_object_get(ext, "persistedQuery") != NULL)) {
		json_decref(gq);
		return match_nomatch(res, "persisted query");
	}
	rv = match_graphql_op(r, gq, res);
	json_decref(gq);
	return rv;
}

static int
match_graphql_op(const struct match_route *r, json_t *gq,
    struct match_result *res)
{
	struct graphql_op		 op;
	const struct match_gql		*g, *act = NULL;
	json_t				*query, *name, *vars;
	const char			*opname = NULL;
	size_t				 i, j;
	int				 rv;

	query = json_object_get(gq, "query");
	name = json_object_get(gq, "operationName");
	vars = json_object_get(gq, "variables");
	if (!json_is_string(query))
		return match_nomatch(res, "no query");
	if (name != NULL && !json_is_null(name)) {
		if (!json_is_string(name))
			return match_nomatch(res, "bad operationName");
		opname = json_string_value(name);
		/* A NUL would end the name early for us, not the server. */
		if (strlen(opname) != json_string_length(name))
			return match_nomatch(res, "bad operationName");
	}
	if (vars != NULL && !json_is_null(vars) && !json_is_object(vars))
		return match_nomatch(res, "bad variables");

	if (graphql_parse(json_string_value(query),
	    json_string_length(query), opname, vars, &op, NULL, 0) == -1)
		return match_nomatch(res, "GraphQL does not parse");
	/*
	 * One request is one action, approved or denied as one: a second
	 * field, even the same one under another alias, would run a second
	 * time on the strength of the first one's decision.
	 */
	if (op.nselections > 1) {
		graphql_op_clear(&op);
		return match_nomatch(res, "more than one top-level GraphQL "
		    "field");
	}
	for (i = 0; i < op.nfields; i++) {
		/* __typename reads the root type's name and nothing else. */
		if (strcmp(op.fields[i], "__typename") == 0)
			continue;
		for (j = 0, g = NULL; j < r->ngql; j++)
			if (strcmp(r->gql[j].field, op.fields[i]) == 0)
				g = &r->gql[j];
		if (g == NULL || (g->optype != -1 &&
		    g->optype != (int)op.optype)) {
			graphql_op_clear(&op);
			return match_nomatch(res, "unknown GraphQL field");
		}
		act = g;
	}
	if (act == NULL) {
		graphql_op_clear(&op);
		return match_nomatch(res, "no GraphQL field");
	}
	rv = match_graphql_args(act, &op, res);
	graphql_op_clear(&op);
	if (rv == -1)
		return -1;
	res->action = act->action;
	return 1;
}

/*
 * The arguments of a GraphQL action are what its field is told, named as
 * the action's document names them: the value at the place where that
 * document has $title is the argument "title", whether the request wrote
 * it inline or passed it in a variable of any name.  Reading variables
 * by their names instead would let a request show policy one value
 * while the server reads another.  What policy cannot see marks the
 * arguments incomplete: a value at a place the document has no variable
 * for, or one JSON cannot hold.  An action without a document shows its
 * field's arguments by their own names.
 */
static int
match_graphql_args(const struct match_gql *g, const struct graphql_op *op,
    struct match_result *res)
{
	const char	*var;
	json_t		*path, *v, *at, *copy;
	size_t		 i;
	int		 shown;

	res->args_incomplete = op->args_unknown;
	if (g->var_paths == NULL) {
		if ((res->args = json_deep_copy(op->args)) == NULL)
			return -1;
		return 0;
	}
	if ((res->args = json_object()) == NULL)
		return -1;
	json_object_foreach(g->var_paths, var, path) {
		v = op->args;
		json_array_foreach(path, i, at)
			if ((v = json_object_get(v, json_string_value(at))) ==
			    NULL)
				break;
		if (v == NULL)
			continue;
		if ((copy = json_deep_copy(v)) == NULL ||
		    json_object_set_new(res->args, var, copy) == -1)
			return -1;
	}
	if ((path = json_array()) == NULL)
		return -1;
	shown = match_gql_shown(op->args, path, g->var_paths);
	json_decref(path);
	if (shown == -1)
		return -1;
	if (!shown)
		res->args_incomplete = 1;
	return 0;
}

/*
 * Is every value in v, found at path, at or under a place var_paths
 * names?  An object is looked into member by member; an empty one says
 * nothing.  1 yes, 0 no, -1 out of memory.
 */
static int
match_gql_shown(json_t *v, json_t *path, json_t *var_paths)
{
	const char	*key, *var;
	json_t		*member, *p;
	int		 rv;

	json_object_foreach(var_paths, var, p)
		if (json_equal(p, path))
			return 1;
	if (!json_is_object(v))
		return 0;
	json_object_foreach(v, key, member) {
		if (json_array_append_new(path, json_string(key)) == -1)
			return -1;
		rv = match_gql_shown(member, path, var_paths);
		json_array_remove(path, json_array_size(path) - 1);
		if (rv != 1)
			return rv;
	}
	return 1;
}

void
match_result_clear(struct match_result *res)
{
	json_decref(res->args);
	memset(res, 0, sizeof(*res));
}
