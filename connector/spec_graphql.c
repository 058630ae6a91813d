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
 * spec_graphql.c: a GraphQL connector's x-aileron-operations: one action
 * per top-level field, each with a document the matcher must accept and
 * whose variables are exactly the action's arguments.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connector/graphql.h"
#include "connector/spec.h"
#include "connector/spec_priv.h"

static const char *spec_gql_keys[] = {
	"x-aileron-action", "summary", "description", "x-aileron-idempotent",
	"x-aileron-approval", "x-aileron-redact", "x-aileron-graphql",
	"x-aileron-arguments", NULL
};
static const char *spec_field_keys[] = { "field", "document", NULL };

static int	 spec_gql_next_var(struct spec_ctx *, const char **,
		    char [SPEC_MAX_NAME + 1]);
static int	 spec_gql_document(struct spec_ctx *, struct spec_action *);

int
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

/*
 * The next $variable in a document, by a lexical scan that skips strings
 * and comments: 1 with its name in name, 0 at the end of the document,
 * -1 on an unterminated string.  *pp is where the scan goes on.
 */
static int
spec_gql_next_var(struct spec_ctx *ctx, const char **pp,
    char name[SPEC_MAX_NAME + 1])
{
	const char	*p = *pp, *s;
	size_t		 n;
	int		 var;

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
			if (*p == '\0')
				return spec_fail(ctx, "unterminated block "
				    "string");
			p += 3;
			continue;
		}
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"' && *p != '\n'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p != '"')
				return spec_fail(ctx, "unterminated string");
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
		*pp = p;
		return 1;
	}
	*pp = p;
	return 0;
}

/*
 * Cross-check a GraphQL document with its arguments: it parses as the
 * matcher will parse it and selects its field alone at the top, every
 * $variable is an argument and every argument a $variable.
 */
static int
spec_gql_document(struct spec_ctx *ctx, struct spec_action *a)
{
	struct graphql_op	 op;
	const char		*p = a->gql_document;
	char			 name[SPEC_MAX_NAME + 1], gerr[256];
	size_t			 i;
	int			 found, *used = NULL;
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
	while ((found = spec_gql_next_var(ctx, &p, name)) == 1) {
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
	if (found == -1)
		goto done;
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
