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
 * fuzz_match.c: libFuzzer target for the matcher, compiled once from the
 * shipped specs (specs/NAME.json; run it from the top of the tree).  An input is
 * host, method, target and content type on one line each, then the body.
 */

#include <ctype.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connector/match.h"
#include "connector/spec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct matcher	*fuzz_matcher;

static void
fuzz_init(void)
{
	struct spec	*specs[32];
	glob_t		 g;
	char		 err[512];
	size_t		 i, n = 0;

	if (glob("specs/*.json", 0, NULL, &g) != 0) {
		fprintf(stderr, "fuzz_match: no specs/*.json here\n");
		abort();
	}
	for (i = 0; i < g.gl_pathc && n < 32; i++) {
		if ((specs[n] = spec_load(g.gl_pathv[i], err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "fuzz_match: %s\n", err);
			abort();
		}
		n++;
	}
	globfree(&g);
	/* The specs live as long as the process. */
	if ((fuzz_matcher = match_compile(specs, n, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_match: %s\n", err);
		abort();
	}
}

/* The next line of the input as a new string; NULL at the end. */
static char *
fuzz_line(const uint8_t **data, size_t *size)
{
	const uint8_t	*nl;
	char		*s;
	size_t		 n, skip;

	if (*size == 0)
		return NULL;
	if ((nl = memchr(*data, '\n', *size)) == NULL)
		n = skip = *size;
	else {
		n = nl - *data;
		skip = n + 1;
	}
	if ((s = strndup((const char *)*data, n)) == NULL)
		abort();
	*data += skip;
	*size -= skip;
	return s;
}

/*
 * REST arguments are always complete; GraphQL ones are declared
 * variables, so each is a GraphQL name.
 */
static void
fuzz_check_args(const struct match_result *res)
{
	const char	*key, *p;
	json_t		*v;

	if (res->args_incomplete != 0 && res->args_incomplete != 1)
		abort();
	if (!res->spec->graphql || res->action->gql_field == NULL) {
		if (res->args_incomplete != 0)
			abort();
		return;
	}
	json_object_foreach(res->args, key, v) {
		if (!isalpha((unsigned char)key[0]) && key[0] != '_')
			abort();
		for (p = key; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct match_req	 req;
	struct match_result	 res;
	char			*host, *method, *target, *ctype, *body;
	int			 rv;

	if (fuzz_matcher == NULL)
		fuzz_init();
	host = fuzz_line(&data, &size);
	method = fuzz_line(&data, &size);
	target = fuzz_line(&data, &size);
	ctype = fuzz_line(&data, &size);
	if ((body = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(body, data, size);

	memset(&req, 0, sizeof(req));
	req.host = host != NULL ? host : "";
	req.method = method != NULL ? method : "";
	req.target = target != NULL ? target : "";
	req.content_type = ctype != NULL && *ctype != '\0' ? ctype : NULL;
	req.body = body;
	req.bodylen = size;
	rv = match_request(fuzz_matcher, &req, &res);
	if (rv == 1 && (res.spec == NULL || res.action == NULL ||
	    !json_is_object(res.args)))
		abort();
	if (rv == 0 && (res.reason == NULL || res.args != NULL ||
	    res.args_incomplete != 0))
		abort();
	if (rv == 1)
		fuzz_check_args(&res);
	match_result_clear(&res);
	free(host);
	free(method);
	free(target);
	free(ctype);
	free(body);
	return 0;
}
