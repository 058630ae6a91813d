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
 * match.h: the request-to-action matcher: compiled once from the loaded
 * specs, it maps each intercepted request to a connector action and the
 * arguments it carries, or to no action.
 */

#ifndef AILERON_MATCH_H
#define AILERON_MATCH_H

#include <stddef.h>

#include <jansson.h>

#include "connector/spec.h"

/* Limits on untrusted requests; beyond them a request matches nothing. */
#define MATCH_PATH_MAX		2048	/* bytes of path, before '?' */
#define MATCH_SEGMENTS_MAX	64	/* path segments */
#define MATCH_BODY_MAX		(1024 * 1024)
#define MATCH_JSON_DEPTH	32

struct matcher;

/* One request as the worker read it.  Strings are NUL terminated. */
struct match_req {
	const char	*host;		/* Host or CONNECT target, may carry
					   :443 */
	const char	*method;	/* as sent, case-sensitive */
	const char	*target;	/* origin-form: /path?query */
	const char	*content_type;	/* NULL when absent */
	const char	*body;		/* NULL or bodylen bytes */
	size_t		 bodylen;
};

/*
 * What a request maps to.  On a match spec and action point into the
 * specs given to match_compile and args is a new JSON object owned by the
 * result: path parameters by name, query parameters, the top-level
 * fields of a JSON or form body, or for GraphQL the values the operation's
 * one top-level field is given, written inline or in variables, each named
 * by the variable the action's document has at the same place.
 * Query and form values are strings; "name[]" gives an array and
 * "name[key]" an object; a name given twice, or with a bracket that opens
 * or closes no group, matches nothing.  With no match, spec and action
 * are NULL, args is NULL and reason says why in a few words, for the log.
 *
 * args_incomplete is 1 when the server will act on values that args does
 * not show: a GraphQL value at a place where the action's document has no
 * variable, or one JSON cannot hold; it is 0 otherwise, and always for
 * REST.  The approval summary says so to the human.  A consumer (policy)
 * must read it as "the arguments are not all known" and fail closed on
 * every rule that depends on an argument, never evaluate such a rule
 * against args alone.
 */
struct match_result {
	const struct spec		*spec;
	const struct spec_action	*action;
	json_t				*args;
	const char			*reason;
	int				 args_incomplete;
};

/*
 * Compile specs into a matcher.  The specs must outlive it.  Return NULL
 * with a sentence in err when two actions of a host would claim the same
 * request, a path template is malformed, or a GraphQL action's document
 * does not parse or does not select its declared field.
 */
struct matcher	*match_compile(struct spec **specs, size_t nspecs,
		    char *err, size_t errlen);
void		 match_free(struct matcher *);

/*
 * Does the matcher know this host (case-insensitive, no port or :443)?
 * The worker asks before it terminates TLS for a CONNECT target.
 */
const struct spec *match_host(const struct matcher *, const char *host);

/*
 * Match one request.  Return 1 and fill res on a match, 0 when the
 * request maps to no action (res->reason says why), -1 when memory ran
 * out.  Call match_result_clear afterwards in every case.
 *
 * Paths are compared after decoding only the unreserved escapes (ALPHA
 * DIGIT - . _ ~); any other escape, a "." or ".." segment, an empty
 * segment, a trailing slash, a backslash or ';', a path longer than
 * MATCH_PATH_MAX, or one that two routes fit equally well matches
 * nothing.  Bodies are read only for actions that declare one: JSON with
 * duplicate keys refused, nested at most MATCH_JSON_DEPTH and at most
 * MATCH_BODY_MAX bytes.  A GraphQL request
 * (POST JSON {query, operationName, variables} or GET ?query=) matches
 * only when its operation selects exactly one top-level field (besides
 * __typename), once: a field repeated under an alias is a second run.
 */
int		 match_request(const struct matcher *,
		    const struct match_req *, struct match_result *);
void		 match_result_clear(struct match_result *);

/*
 * Percent-decode a query or form component of len bytes into out (room
 * for len + 1, NUL-terminated); '+' is a space.  -1 for a malformed
 * escape, a NUL, a space, a control character or '#'.
 */
int		 match_decode(const char *, size_t, char *, size_t *);

#endif
