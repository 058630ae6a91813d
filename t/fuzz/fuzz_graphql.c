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
 * fuzz_graphql.c: libFuzzer target for the GraphQL parser.  An input
 * starting with '@' names the operation on its first line; the rest is
 * the document, which is not NUL terminated, so reads past its end show.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connector/graphql.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct graphql_op	 op;
	const uint8_t		*nl;
	char			*name = NULL, *doc, err[128];
	size_t			 i, j;

	if (size > 0 && data[0] == '@' &&
	    (nl = memchr(data, '\n', size)) != NULL) {
		name = strndup((const char *)data + 1, nl - data - 1);
		size -= nl + 1 - data;
		data = nl + 1;
	}
	/* A heap copy of exactly size bytes, so ASan sees any overread. */
	if ((doc = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(doc, data, size);
	if (graphql_top_fields(doc, size, name, &op, err, sizeof(err)) == 0) {
		/* What it returns is well formed. */
		for (i = 0; i < op.nfields; i++)
			if (op.fields[i][0] == '\0')
				abort();
		if (op.nfields == 0)
			abort();
		/* Variables: names, each once, within the limit. */
		if (op.nvars > GRAPHQL_MAX_VARS ||
		    (op.inline_literals != 0 && op.inline_literals != 1))
			abort();
		for (i = 0; i < op.nvars; i++) {
			if (op.vars[i][0] == '\0' ||
			    (op.var_has_default[i] != 0 &&
			    op.var_has_default[i] != 1))
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(op.vars[i], op.vars[j]) == 0)
					abort();
		}
		graphql_op_clear(&op);
	} else if (err[0] == '\0')
		abort();
	free(doc);
	free(name);
	return 0;
}
