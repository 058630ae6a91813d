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
 * graphql.h: a strict GraphQL lexer and parser for executable documents,
 * just enough to name the top-level fields of the operation a server runs.
 */

#ifndef AILERON_GRAPHQL_H
#define AILERON_GRAPHQL_H

#include <stddef.h>

#include <jansson.h>

/* Limits on untrusted documents; beyond them a document is refused. */
#define GRAPHQL_MAX_DEPTH	64	/* nested selections, values, types */
#define GRAPHQL_MAX_TOKENS	65536
#define GRAPHQL_MAX_DEFS	256	/* operations and fragments */
#define GRAPHQL_MAX_FIELDS	256	/* distinct top-level fields */
#define GRAPHQL_MAX_VARS	256	/* distinct variables of an operation */

enum graphql_optype {
	GRAPHQL_QUERY,
	GRAPHQL_MUTATION,
	GRAPHQL_SUBSCRIPTION
};

/*
 * The top-level fields of the selected operation: aliases resolved to the
 * field name, fragment spreads and inline fragments at the top level
 * flattened, each name once, in order of first appearance.  Fields under
 * @skip or @include are listed too: what runs is a subset of the list.
 *
 * vars names the variables the operation declares, without the '$', each
 * once, in order of declaration; var_has_default[i] is 1 when vars[i] has
 * a default value, which the server uses when the request omits it.  A
 * server reads only declared variables from a request.
 *
 * inline_literals is 1 when an argument of a top-level field holds a value
 * written in the document rather than passed as a variable: anything but
 * a $variable, or an object or list of them, at any depth.  An empty
 * object or list counts, since it too says something to the server
 * ("labelIds: []").  Arguments of directives and of nested fields, and the
 * default values of variables, do not count.
 *
 * nselections counts the top-level field selections that run, aliases and
 * repeats of one field each counted, __typename (which acts on nothing)
 * aside.  args holds the arguments of the first of them as JSON, by
 * argument name, with each $variable replaced by the value the request
 * gives it or else by its default, and left out when it has neither (the
 * server then treats it as not given; in a list it is null).
 * var_paths maps each variable used there, outside lists, to the path of
 * argument and object member names where it was first used.
 * args_unknown is 1 when the server will act on a value that args leaves
 * out: one JSON cannot hold (an integer past 64 bits, a lone surrogate),
 * or a variable's value used a second time (copies are bounded).
 */
struct graphql_op {
	enum graphql_optype	 optype;
	char			**fields;
	size_t			 nfields;
	char			**vars;
	int			*var_has_default;
	size_t			 nvars;
	int			 inline_literals;
	size_t			 nselections;
	json_t			*args;
	json_t			*var_paths;
	int			 args_unknown;
};

/*
 * Parse the executable document doc (len bytes, need not be NUL
 * terminated) and select its operation: operation_name names it, or is
 * NULL when the document holds exactly one.  Return 0 and fill op, or -1
 * with a sentence in err when the document is not valid UTF-8, does not
 * lex or parse, holds a type-system definition, repeats an operation or
 * fragment name, has no operation by that name (or several and no name),
 * spreads an unknown fragment or a fragment cycle at the top level, or
 * exceeds a limit.  A document it cannot read with certainty is refused,
 * never guessed at.  vars, the request's variables (an object, or NULL
 * for none), resolve the variables in args; the first top-level field's
 * arguments are refused too when they name an argument or an object
 * member twice or use an undeclared variable, as the server would.
 */
int		 graphql_parse(const char *doc, size_t len,
		    const char *operation_name, json_t *vars,
		    struct graphql_op *op, char *err, size_t errlen);
/* graphql_parse with no variables. */
int		 graphql_top_fields(const char *doc, size_t len,
		    const char *operation_name, struct graphql_op *op,
		    char *err, size_t errlen);
void		 graphql_op_clear(struct graphql_op *);
const char	*graphql_optype_name(enum graphql_optype);

#endif
