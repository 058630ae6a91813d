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
 * graphql.c: table tests for the GraphQL top-level field parser, the
 * variables it reports and its detection of inline argument values.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connector/graphql.h"
#include "tap.h"

/*
 * want: "optype:field,field" for a document that parses, NULL for one
 * that must be refused.
 */
struct gql_case {
	const char	*doc;
	const char	*opname;
	const char	*want;
};

static const struct gql_case cases[] = {
	/* Shapes of operations. */
	{ "{ issue(id: \"1\") { id } }", NULL, "query:issue" },
	{ "query { issues { nodes { id } } }", NULL, "query:issues" },
	{ "query Q { issues }", NULL, "query:issues" },
	{ "query Q { issues }", "Q", "query:issues" },
	{ "mutation M($t: String!) { issueCreate(input: {title: $t}) "
	  "{ success } }", NULL, "mutation:issueCreate" },
	{ "subscription S { issueChanged { id } }", NULL,
	  "subscription:issueChanged" },
	{ "mutation { a: issueCreate(input: {}) { success } }", NULL,
	  "mutation:issueCreate" },
	{ "mutation { a: issueCreate(input: {}) { success } "
	  "b: issueCreate(input: {}) { success } }", NULL,
	  "mutation:issueCreate" },
	{ "mutation { issueCreate(input: {}) { success } "
	  "commentCreate(input: {}) { success } }", NULL,
	  "mutation:issueCreate,commentCreate" },
	{ "mutation { issueCreate(input: {}) { success } "
	  "commentCreate(input: {}) { success } }", NULL,
	  "mutation:issueCreate,commentCreate" },
	/* Operation names. */
	{ "query A { issue } mutation B { issueCreate }", "B",
	  "mutation:issueCreate" },
	{ "query A { issue } mutation B { issueCreate }", "A", "query:issue" },
	{ "query A { issue } mutation B { issueCreate }", NULL, NULL },
	{ "query A { issue } mutation B { issueCreate }", "C", NULL },
	{ "query A { issue } mutation B { issueCreate }", "", NULL },
	{ "query A { issue }", "B", NULL },
	{ "{ issue }", "A", NULL },
	{ "query A { issue } query A { issues }", "A", NULL },
	{ "{ issue } query A { issues }", "A", NULL },
	{ "{ issue } { issues }", NULL, NULL },
	/* Fragments. */
	{ "mutation { ...F } fragment F on Mutation { issueCreate }", NULL,
	  "mutation:issueCreate" },
	{ "fragment F on Mutation { x: issueDelete } mutation { ...F }", NULL,
	  "mutation:issueDelete" },
	{ "mutation { ...F issueCreate } fragment F on Mutation "
	  "{ ...G } fragment G on Mutation { issueDelete }", NULL,
	  "mutation:issueDelete,issueCreate" },
	{ "mutation { ...F ...F } fragment F on Mutation { issueCreate }",
	  NULL, "mutation:issueCreate" },
	{ "mutation { ...F } fragment F on Mutation { ...F }", NULL, NULL },
	{ "mutation { ...F } fragment F on Mutation { ...G } "
	  "fragment G on Mutation { ...F }", NULL, NULL },
	{ "mutation { ...Missing }", NULL, NULL },
	{ "mutation { ...F } fragment F on M { a } fragment F on M { b }",
	  NULL, NULL },
	{ "mutation { ... on Mutation { issueCreate } }", NULL,
	  "mutation:issueCreate" },
	{ "mutation { ... { issueCreate } ... @include(if: true) "
	  "{ commentCreate } }", NULL, "mutation:issueCreate,commentCreate" },
	{ "mutation { ... on Mutation { ... on Mutation { issueDelete } } }",
	  NULL, "mutation:issueDelete" },
	{ "query { issue { ...F } } fragment F on Issue { id }", NULL,
	  "query:issue" },
	{ "fragment on on Q { a } { ...on }", NULL, NULL },
	{ "{ ...on }", NULL, NULL },
	/* Arguments, values, directives. */
	{ "query($v: ID) { issue(id: \"a}b\", n: -1.5e3, e: ENUM, "
	  "l: [1, 2, [3]], o: {a: {b: null}}, t: true, v: $v) "
	  "@skip(if: false) { id } }", NULL, "query:issue" },
	/* What the server refuses in the arguments the matcher reads. */
	{ "{ issue(v: $v) }", NULL, NULL },
	{ "query($v: ID) { issue(id: \"1\", id: $v) }", NULL, NULL },
	{ "{ issue(o: {a: 1, b: 2, a: 3}) }", NULL, NULL },
	{ "{ issue(l: [{a: 1, a: 1}]) }", NULL, NULL },
	{ "query($a: [Int!]! = [1], $b: In = {x: 1} @d) { issue(a: $a) }",
	  NULL, "query:issue" },
	{ "query($a: Int = $b) { issue }", NULL, NULL },
	{ "{ issue(id: \"\"\"block } with \\\"\"\" quotes\n} here\"\"\") "
	  "{ id } }", NULL, "query:issue" },
	{ "{ issue(id: \"\"\"\"\"\") }", NULL, "query:issue" },
	{ "{ issue # } issueDelete {\n }", NULL, "query:issue" },
	{ "# comment { evil }\n{ issue }", NULL, "query:issue" },
	{ "{ issue,,, issues, }", NULL, "query:issue,issues" },
	{ "\xef\xbb\xbf{ issue }", NULL, "query:issue" },
	{ "{ issue(s: \"caf\xc3\xa9 \\u00e9\") }", NULL, "query:issue" },
	{ "{\r\n\tissue\r}", NULL, "query:issue" },
	/* Malformed. */
	{ "", NULL, NULL },
	{ "   # nothing\n", NULL, NULL },
	{ "{ }", NULL, NULL },
	{ "{ issue", NULL, NULL },
	{ "{ issue }}", NULL, NULL },
	{ "{ issue(id: ) }", NULL, NULL },
	{ "{ issue() }", NULL, NULL },
	{ "{ issue(id: \"unterminated) }", NULL, NULL },
	{ "{ issue(id: \"line\nbreak\") }", NULL, NULL },
	{ "{ issue(id: \"bad \\x escape\") }", NULL, NULL },
	{ "{ issue(id: \"\\u12\") }", NULL, NULL },
	{ "{ issue(id: \"\"\"never closed) }", NULL, NULL },
	{ "{ issue(n: 01) }", NULL, NULL },
	{ "{ issue(n: 1.) }", NULL, NULL },
	{ "{ issue(n: 1e) }", NULL, NULL },
	{ "{ issue(n: 0x10) }", NULL, NULL },
	{ "{ issue(n: 12abc) }", NULL, NULL },
	{ "{ issue(n: -) }", NULL, NULL },
	{ "{ .. issue }", NULL, NULL },
	{ "{ issue ? }", NULL, NULL },
	{ "{ issue \x01 }", NULL, NULL },
	{ "{ issue(s: \"a\x01\") }", NULL, NULL },
	{ "{ issue(s: \"\xc3\") }", NULL, NULL },
	{ "{ issue(s: \"\xc0\xaf\") }", NULL, NULL },
	{ "{ issue(s: \"\xed\xa0\x80\") }", NULL, NULL },
	{ "type Query { issue: Issue }", NULL, NULL },
	{ "schema { query: Query }", NULL, NULL },
	{ "\"desc\" query { issue }", NULL, NULL },
	{ "extend type Query { a: Int }", NULL, NULL },
	{ "query Q($a) { issue }", NULL, NULL },
	{ "query Q() { issue }", NULL, NULL },
	{ "query Q { issue(a: $) }", NULL, NULL },
	{ "mutation { a: }", NULL, NULL },
	{ "mutation { a: b: c }", NULL, NULL },
	{ "fragment F on T { a }", NULL, NULL },
	{ "fragment F { a } { ...F }", NULL, NULL },
	{ "{ issue @ }", NULL, NULL },
	{ "{ issue(o: {a}) }", NULL, NULL },
	{ "{ issue(l: [1, }) }", NULL, NULL },
	{ "query & { a }", NULL, NULL },
};

/*
 * What a document declares and writes inline.  vars: the declared
 * variables, comma separated, a trailing '=' on one that has a default;
 * inline: whether a top-level field's arguments hold a literal.
 */
struct gql_var_case {
	const char	*doc;
	const char	*opname;
	const char	*vars;
	int		 inline_literals;
};

static const struct gql_var_case var_cases[] = {
	/* Declared variables, of the selected operation only. */
	{ "{ issue }", NULL, "", 0 },
	{ "mutation M($t: String!, $teamId: ID = \"T\") { issueCreate(input: "
	  "{title: $t, teamId: $teamId}) { success } }", NULL, "t,teamId=", 0 },
	{ "query($n: Int = 5, $f: F = {a: [1, \"x\"]}) "
	  "{ issues(first: $n, filter: $f) { nodes { id } } }", NULL,
	  "n=,f=", 0 },
	{ "query($unused: ID, $i: ID) { issue(id: $i) }", NULL, "unused,i", 0 },
	{ "query($a: ID, $a: ID = 1) { issue(id: $a) }", NULL, "a=", 0 },
	{ "query A($a: ID) { issue(id: \"x\") } mutation B($b: ID, $c: ID) "
	  "{ issueCreate(input: {t: $b}) }", "B", "b,c", 0 },
	{ "query A($a: ID) { issue(id: \"x\") } mutation B($b: ID, $c: ID) "
	  "{ issueCreate(input: {t: $b}) }", "A", "a", 1 },
	/* Literals written inline in top-level arguments. */
	{ "mutation { issueCreate(input: {title: \"x\", teamId: \"T\"}) "
	  "{ success } }", NULL, "", 1 },
	{ "mutation($t: String) { issueCreate(input: {title: $t, "
	  "teamId: \"T\"}) { success } }", NULL, "t", 1 },
	{ "mutation { a: issueCreate(input: {teamId: \"T\"}) { success } }",
	  NULL, "", 1 },
	{ "{ issues(first: 5) }", NULL, "", 1 },
	{ "{ issues(orderBy: createdAt) }", NULL, "", 1 },
	{ "{ issues(includeArchived: true) }", NULL, "", 1 },
	{ "query($i: ID) { issueUpdate(id: $i, input: {x: null}) }", NULL,
	  "i", 1 },
	{ "{ issue(id: \"\"\"x\"\"\") }", NULL, "", 1 },
	{ "{ issue(id: -1.5e3) }", NULL, "", 1 },
	/* Nested objects and lists: any literal inside counts. */
	{ "mutation($a: ID, $b: [ID]) { issueCreate(input: {a: {b: [$a, "
	  "{c: $b}]}}) { success } }", NULL, "a,b", 0 },
	{ "mutation($a: ID) { issueCreate(input: {a: {b: [$a, {c: 1}]}}) "
	  "{ success } }", NULL, "a", 1 },
	{ "mutation($a: ID) { issueCreate(input: {a: [[$a], [[\"x\"]]]}) "
	  "{ success } }", NULL, "a", 1 },
	{ "mutation($i: ID) { issueUpdate(id: $i, input: {labelIds: []}) "
	  "{ success } }", NULL, "i", 1 },
	{ "mutation { issueCreate(input: {}) { success } }", NULL, "", 1 },
	{ "mutation($a: ID) { issueCreate(input: $a, x: [$a, $a]) "
	  "{ success } }", NULL, "a", 0 },
	/* Through fragments, inline fragments and aliases. */
	{ "mutation($t: String) { ...F } fragment F on Mutation "
	  "{ issueCreate(input: {teamId: \"T\", title: $t}) { success } }",
	  NULL, "t", 1 },
	{ "mutation { ... on Mutation { ...G } } fragment G on Mutation "
	  "{ x: issueCreate(input: {a: {b: [{c: 1}]}}) { success } }", NULL,
	  "", 1 },
	{ "mutation($a: ID) { ... { issueCreate(input: {a: $a}) { success } } "
	  "... @include(if: true) { issueCreate(input: {a: $a, b: 2}) "
	  "{ success } } }", NULL, "a", 1 },
	{ "mutation($a: ID) { ...F ...F } fragment F on Mutation "
	  "{ ...G } fragment G on Mutation { issueCreate(input: {a: $a}) "
	  "{ success } }", NULL, "a", 0 },
	/* Not inline: nested fields, directives, unspread fragments. */
	{ "query($i: ID) { issue(id: $i) { comments(first: 10, "
	  "filter: {a: \"b\"}) { nodes { id } } } }", NULL, "i", 0 },
	{ "query($i: ID) { issue(id: $i) @include(if: true) "
	  "@d(x: \"y\", l: [1]) { id } }", NULL, "i", 0 },
	{ "query($i: ID) { ...F @skip(if: false) ... @include(if: true) "
	  "{ issue(id: $i) } } fragment F on Query { issues(filter: $i) }",
	  NULL, "i", 0 },
	{ "query Q($i: ID) @dir(a: 1) { issue(id: $i) }", NULL, "i", 0 },
	{ "query($i: ID = \"x\" @dir(a: 1)) { issue(id: $i) }", NULL,
	  "i=", 0 },
	{ "query($i: ID) { issue(id: $i) } fragment F on Query "
	  "{ issue(id: \"x\") }", NULL, "i", 0 },
	{ "fragment F on Query { x: issue(id: $i) @d(a: 1) } "
	  "query($i: ID) { ...F @d(b: 2) }", NULL, "i", 0 },
};

/* A document shown on one TAP line. */
static const char *
oneline(const char *s, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ? '.' : s[i];
	buf[i] = '\0';
	return buf;
}

static char *
fmt_op(const struct graphql_op *op, char *buf, size_t len)
{
	size_t	 i;

	snprintf(buf, len, "%s:", graphql_optype_name(op->optype));
	for (i = 0; i < op->nfields; i++) {
		if (i > 0)
			strlcat(buf, ",", len);
		strlcat(buf, op->fields[i], len);
	}
	return buf;
}

static char *
fmt_vars(const struct graphql_op *op, char *buf, size_t len)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < op->nvars; i++) {
		if (i > 0)
			strlcat(buf, ",", len);
		strlcat(buf, op->vars[i], len);
		if (op->var_has_default[i])
			strlcat(buf, "=", len);
	}
	return buf;
}

static void
test_vars(void)
{
	const struct gql_var_case	*c;
	struct graphql_op		 op;
	char				 err[256], got[512], line[512];
	size_t				 i;

	for (i = 0; i < sizeof(var_cases) / sizeof(var_cases[0]); i++) {
		c = &var_cases[i];
		oneline(c->doc, line, sizeof(line));
		if (!is(graphql_top_fields(c->doc, strlen(c->doc), c->opname,
		    &op, err, sizeof(err)), 0, "vars %zu parses: %s", i,
		    line)) {
			diag("error: %s", err);
			continue;
		}
		is_str(fmt_vars(&op, got, sizeof(got)), c->vars,
		    "vars %zu: declared variables", i);
		is(op.inline_literals, c->inline_literals,
		    "vars %zu: inline literals", i);
		graphql_op_clear(&op);
	}
}

/*
 * The arguments of the first top-level field, as JSON, with the
 * request's variables (vars, JSON text) resolved.  args and paths are
 * compact JSON with sorted keys; nsel counts the top-level fields that
 * act; unknown is args_unknown.
 */
struct gql_args_case {
	const char	*doc;
	const char	*vars;
	const char	*args;
	const char	*paths;
	size_t		 nsel;
	int		 unknown;
};

static const struct gql_args_case args_cases[] = {
	/* Every kind of literal. */
	{ "{ f(s: \"a\\\"b\\\\c\\/\\n\\u00e9\", i: -12, x: 1.5e3, "
	  "t: true, n: null, e: DONE, l: [1, [\"x\"]], o: {a: {b: false}}) }",
	  NULL, "{\"e\":\"DONE\",\"i\":-12,\"l\":[1,[\"x\"]],\"n\":null,"
	  "\"o\":{\"a\":{\"b\":false}},\"s\":\"a\\\"b\\\\c/\\n\u00e9\","
	  "\"t\":true,\"x\":1500.0}", "{}", 1, 0 },
	{ "{ f(s: \"\\uD83D\\uDE00\") }", NULL,
	  "{\"s\":\"\xf0\x9f\x98\x80\"}", "{}", 1, 0 },
	{ "{ f(a: \"\"\"\n    first\n      second \\\"\"\"\n\n  \"\"\", "
	  "b: \"\"\"  one line \"\"\") }", NULL,
	  "{\"a\":\"first\\n  second \\\"\\\"\\\"\","
	  "\"b\":\"  one line \"}", "{}", 1, 0 },
	{ "{ f(a: \"\"\"x\r\n  y\r  y\"\"\") }", NULL,
	  "{\"a\":\"x\\ny\\ny\"}", "{}", 1, 0 },
	/* Values JSON cannot hold are left out, and said to be. */
	{ "{ f(a: 99999999999999999999, b: 1) }", NULL, "{\"b\":1}", "{}", 1,
	  1 },
	{ "{ f(a: 1e999) }", NULL, "{}", "{}", 1, 1 },
	{ "{ f(a: \"\\uD83D\") }", NULL, "{}", "{}", 1, 1 },
	/* Variables: the request's value, else the default, else absent. */
	{ "mutation($id: ID!, $t: String) { u(id: $id, input: {title: $t, "
	  "state: \"done\"}) }", "{\"id\":\"ENG-1\",\"t\":\"x\",\"z\":1}",
	  "{\"id\":\"ENG-1\",\"input\":{\"state\":\"done\",\"title\":\"x\"}}",
	  "{\"id\":[\"id\"],\"t\":[\"input\",\"title\"]}", 1, 0 },
	{ "query($n: Int = 5, $o: O = {a: [1]}, $m: ID) "
	  "{ f(n: $n, o: $o, m: $m, l: [$m, $n]) }", "{}",
	  "{\"l\":[null,null],\"n\":5,\"o\":{\"a\":[1]}}",
	  "{\"m\":[\"m\"],\"n\":[\"n\"],\"o\":[\"o\"]}", 1, 1 },
	{ "query($n: Int = 5) { f(n: $n) }", "{\"n\":null}", "{\"n\":null}",
	  "{\"n\":[\"n\"]}", 1, 0 },
	{ "query($n: Int = 99999999999999999999) { f(n: $n) }", NULL, "{}",
	  "{\"n\":[\"n\"]}", 1, 1 },
	{ "query($o: O) { f(o: $o) }", "{\"o\":{\"deep\":[1,{\"x\":2}]}}",
	  "{\"o\":{\"deep\":[1,{\"x\":2}]}}", "{\"o\":[\"o\"]}", 1, 0 },
	/* A value is copied once: a second use is unknown. */
	{ "query($a: ID) { f(x: $a, y: {z: $a}) }", "{\"a\":\"v\"}",
	  "{\"x\":\"v\",\"y\":{}}", "{\"a\":[\"x\"]}", 1, 1 },
	/* Top-level fields that act, and whose arguments are read. */
	{ "{ __typename f(a: 1) }", NULL, "{\"a\":1}", "{}", 1, 0 },
	{ "{ f(a: 1) { x(b: 2) } }", NULL, "{\"a\":1}", "{}", 1, 0 },
	{ "{ f }", NULL, "{}", "{}", 1, 0 },
	{ "{ __typename }", NULL, "{}", "{}", 0, 0 },
	{ "{ a: f(a: 1) b: f(a: 2) }", NULL, "{\"a\":1}", "{}", 2, 0 },
	{ "{ f(a: 1) g }", NULL, "{\"a\":1}", "{}", 2, 0 },
	{ "{ f(a: 1) ... on Q { f(a: 1) } }", NULL, "{\"a\":1}", "{}", 2, 0 },
	{ "{ ...F ...F } fragment F on Q { f(a: 1) }", NULL, "{\"a\":1}",
	  "{}", 1, 0 },
};

static void
test_args(void)
{
	const struct gql_args_case	*c;
	struct graphql_op		 op;
	json_t				*vars;
	char				 err[256], line[512], *got;
	size_t				 i;

	for (i = 0; i < sizeof(args_cases) / sizeof(args_cases[0]); i++) {
		c = &args_cases[i];
		oneline(c->doc, line, sizeof(line));
		vars = c->vars != NULL ? json_loads(c->vars, 0, NULL) : NULL;
		if (!is(graphql_parse(c->doc, strlen(c->doc), NULL, vars, &op,
		    err, sizeof(err)), 0, "args %zu parses: %s", i, line)) {
			diag("error: %s", err);
			json_decref(vars);
			continue;
		}
		got = json_dumps(op.args, JSON_COMPACT | JSON_SORT_KEYS);
		is_str(got, c->args, "args %zu: arguments", i);
		free(got);
		got = json_dumps(op.var_paths, JSON_COMPACT | JSON_SORT_KEYS);
		is_str(got, c->paths, "args %zu: variable paths", i);
		free(got);
		is(op.nselections, c->nsel, "args %zu: fields that act", i);
		is(op.args_unknown, c->unknown, "args %zu: unknown values", i);
		graphql_op_clear(&op);
		json_decref(vars);
	}
}

static void
test_limits(void)
{
	struct graphql_op	 op;
	char			 err[256], *doc;
	size_t			 i, n;

	/* Nesting past the limit is refused, just inside it is read. */
	n = GRAPHQL_MAX_DEPTH * 2 + 16;
	doc = calloc(1, n * 4 + 64);
	strlcpy(doc, "{ a", n * 4 + 64);
	for (i = 0; i < GRAPHQL_MAX_DEPTH + 4; i++)
		strlcat(doc, " { a", n * 4 + 64);
	for (i = 0; i < GRAPHQL_MAX_DEPTH + 5; i++)
		strlcat(doc, " }", n * 4 + 64);
	is(graphql_top_fields(doc, strlen(doc), NULL, &op, err,
	    sizeof(err)), -1, "selection nesting past the limit refused");
	ok(strstr(err, "deeper") != NULL, "error says why: %s", err);
	free(doc);

	/* Too many tokens. */
	n = GRAPHQL_MAX_TOKENS + 8;
	doc = malloc(n * 2 + 8);
	doc[0] = '{';
	for (i = 0; i < n; i++) {
		doc[1 + 2 * i] = ' ';
		doc[2 + 2 * i] = 'a';
	}
	doc[1 + 2 * n] = '}';
	is(graphql_top_fields(doc, 2 + 2 * n, NULL, &op, err, sizeof(err)),
	    -1, "too many tokens refused");
	free(doc);

	/* Too many distinct top-level fields, or definitions. */
	n = GRAPHQL_MAX_FIELDS + 1;
	doc = malloc(n * 8 + 8);
	strlcpy(doc, "{", n * 8 + 8);
	for (i = 0; i < n; i++)
		snprintf(doc + strlen(doc), 9, " f%zu", i);
	strlcat(doc, " }", n * 8 + 8);
	is(graphql_top_fields(doc, strlen(doc), NULL, &op, err, sizeof(err)),
	    -1, "%d top-level fields refused", GRAPHQL_MAX_FIELDS + 1);
	free(doc);
	n = GRAPHQL_MAX_DEFS;
	doc = malloc(n * 32 + 32);
	strlcpy(doc, "{ a }", n * 32 + 32);
	for (i = 0; i < n; i++)
		snprintf(doc + strlen(doc), 32, " fragment F%zu on T { a }", i);
	is(graphql_top_fields(doc, strlen(doc), NULL, &op, err, sizeof(err)),
	    -1, "%d definitions refused", GRAPHQL_MAX_DEFS + 1);
	free(doc);

	/* Variables of one operation: as many as the limit, not one more. */
	for (n = GRAPHQL_MAX_VARS; n <= GRAPHQL_MAX_VARS + 1; n++) {
		doc = malloc(n * 16 + 32);
		strlcpy(doc, "query(", n * 16 + 32);
		for (i = 0; i < n; i++)
			snprintf(doc + strlen(doc), 16, " $v%zu: ID", i);
		strlcat(doc, ") { a }", n * 16 + 32);
		is(graphql_top_fields(doc, strlen(doc), NULL, &op, err,
		    sizeof(err)), n > GRAPHQL_MAX_VARS ? -1 : 0,
		    "%zu variables %s", n, n > GRAPHQL_MAX_VARS ? "refused" :
		    "read");
		if (n == GRAPHQL_MAX_VARS)
			is(op.nvars, n, "and all %zu reported", n);
		graphql_op_clear(&op);
		free(doc);
	}

	/* A document need not be NUL terminated; len is honoured. */
	is(graphql_top_fields("{ issue } trailing junk", 9, NULL, &op, NULL,
	    0), 0, "length bounds the document");
	graphql_op_clear(&op);
	is(graphql_top_fields("{ issue }\0{ evil }", 18, NULL, &op, NULL, 0),
	    -1, "NUL byte refused");
}

int
main(void)
{
	struct graphql_op	 op;
	char			 err[256], got[512], line[512];
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rv = graphql_top_fields(cases[i].doc, strlen(cases[i].doc),
		    cases[i].opname, &op, err, sizeof(err));
		if (rv == 0)
			fmt_op(&op, got, sizeof(got));
		else
			strlcpy(got, "(refused)", sizeof(got));
		is_str(got, cases[i].want ? cases[i].want : "(refused)",
		    "case %zu: %s", i, oneline(cases[i].doc, line,
		    sizeof(line)));
		if (rv == -1 && cases[i].want != NULL)
			diag("error: %s", err);
		if (rv == -1)
			ok(err[0] != '\0', "case %zu: error has a reason", i);
		graphql_op_clear(&op);
	}
	test_vars();
	test_args();
	test_limits();
	return done_testing();
}
