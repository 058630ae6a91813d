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
 * spec_priv.h: what the spec loader's files share and nothing outside
 * connector/spec*.c may use: the parse state, its limits, and each file's
 * entry points.
 */

#ifndef AILERON_SPEC_PRIV_H
#define AILERON_SPEC_PRIV_H

#include <stddef.h>

#include <jansson.h>

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

/*
 * spec.c: the error pointer, typed members, $ref, names.  Each int
 * function returns 0, or -1 with the first error recorded in ctx.
 */
size_t		 spec_push(struct spec_ctx *, const char *);
size_t		 spec_pushidx(struct spec_ctx *, size_t);
void		 spec_pop(struct spec_ctx *, size_t);
int		 spec_fail(struct spec_ctx *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
int		 spec_nomem(struct spec_ctx *);
int		 spec_keys(struct spec_ctx *, json_t *, const char **, int);
int		 spec_string(struct spec_ctx *, json_t *, const char *, int,
		    char **);
int		 spec_bool(struct spec_ctx *, json_t *, const char *, int,
		    int *);
int		 spec_strings(struct spec_ctx *, json_t *, const char *,
		    char ***, size_t *);
int		 spec_pointer_valid(const char *);
int		 spec_follow(struct spec_ctx *, json_t **, const char *,
		    struct spec_refsave *);
void		 spec_unfollow(struct spec_ctx *, struct spec_refsave *);
int		 spec_ident(const char *, int);

/* spec_ext.c: the connector's and each action's x-aileron extensions. */
int		 spec_servers(struct spec_ctx *, json_t *);
int		 spec_hosts(struct spec_ctx *, json_t *);
int		 spec_inject(struct spec_ctx *, json_t *);
int		 spec_strip(struct spec_ctx *, json_t *);
int		 spec_fixed_headers(struct spec_ctx *, json_t *);
int		 spec_common(struct spec_ctx *, struct spec_action *,
		    json_t *);
int		 spec_redact(struct spec_ctx *, struct spec_action *,
		    json_t *);
int		 spec_usage(struct spec_ctx *, struct spec_action *, json_t *);

/* spec_openapi.c: paths and operations into actions and arguments. */
int		 spec_paths(struct spec_ctx *, json_t *);
struct spec_action *spec_new_action(struct spec_ctx *);
int		 spec_set_route(struct spec_ctx *, struct spec_action *,
		    const char *, const char *);
int		 spec_object_args(struct spec_ctx *, struct spec_action *,
		    json_t *, enum spec_arg_in);
int		 spec_flags_unique(struct spec_ctx *, struct spec_action *);

/* spec_graphql.c: x-aileron-operations, one action per GraphQL field. */
int		 spec_gql_actions(struct spec_ctx *, json_t *, const char *,
		    const char *);

#endif
