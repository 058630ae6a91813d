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
 * graphql.c: a strict GraphQL lexer and parser for executable documents,
 * just enough to name the top-level fields of the operation a server runs,
 * the variables it declares, and the arguments of its first field with
 * the values the server will read, whether written inline or passed as
 * variables.
 *
 * The matcher decides which action, and so which policy, applies to a
 * request from what this file reports.  An agent that could make us read
 * one field while the server runs another would bypass policy, so the
 * lexer follows the GraphQL specification (October 2021) to the letter
 * and refuses what it does not know rather than skipping it: a string or
 * comment lexed differently from the server is exactly where a hidden
 * field would go.  The whole document is parsed, not only the operation
 * we select, so a document the server would reject as malformed is
 * refused here too.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/graphql.h"

enum gql_tok {
	TOK_EOF,
	TOK_PUNCT,	/* one of ! $ & ( ) : = @ [ ] { | } */
	TOK_SPREAD,	/* ... */
	TOK_NAME,
	TOK_INT,
	TOK_FLOAT,
	TOK_STRING,	/* "..." or """...""" */
};

struct gql_token {
	enum gql_tok	 type;
	size_t		 off;
	size_t		 len;
};

struct gql_def {
	int		 fragment;	/* else an operation */
	enum graphql_optype optype;
	size_t		 name;		/* token index; 0: anonymous */
	size_t		 selset;	/* token index of its '{' */
	size_t		 vardefs;	/* token index of its '('; 0: none */
	int		 state;		/* fragments: 0, 1 visiting, 2 done */
};

struct gql_parser {
	const char		*doc;
	size_t			 len;
	struct gql_token	*toks;
	size_t			 ntoks;
	size_t			 tokcap;
	size_t			 pos;
	int			 depth;
	struct gql_def		*defs;
	size_t			 ndefs;
	struct graphql_op	*out;	/* set while collecting fields */
	json_t			*vars;	/* the request's variables, or NULL */
	json_t			*defaults; /* variable name: default value */
	json_t			*used;	/* variables already copied into args */
	json_t			*path;	/* names down to the value read; NULL
					   in a list */
	int			 unknown; /* a value JSON cannot hold */
	char			*err;
	size_t			 errlen;
};

static int	gql_error(struct gql_parser *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	gql_utf8_valid(const unsigned char *, size_t);
static int	gql_lex(struct gql_parser *);
static int	gql_lex_string(struct gql_parser *, size_t *);
static int	gql_lex_block_string(struct gql_parser *, size_t *);
static int	gql_lex_number(struct gql_parser *, size_t *, enum gql_tok *);
static int	gql_push(struct gql_parser *, enum gql_tok, size_t, size_t);
static int	gql_is_name_start(int);
static int	gql_is_name_char(int);
static int	gql_source_char(int);
static int	gql_is_hex(int);
static int	gql_add_def(struct gql_parser *, int, enum graphql_optype,
		    size_t, size_t, size_t);
static int	gql_is_punct(struct gql_parser *, char);
static int	gql_is_name(struct gql_parser *, const char *);
static int	gql_expect(struct gql_parser *, char);
static int	gql_name(struct gql_parser *, size_t *);
static int	gql_enter(struct gql_parser *);
static int	gql_document(struct gql_parser *);
static int	gql_operation(struct gql_parser *);
static int	gql_fragment(struct gql_parser *);
static int	gql_variable_defs(struct gql_parser *, int);
static int	gql_type(struct gql_parser *);
static int	gql_directives(struct gql_parser *, int);
static int	gql_arguments(struct gql_parser *, int, int *, json_t *);
static int	gql_member(struct gql_parser *, size_t, int, int *, json_t *,
		    json_t *);
static int	gql_value(struct gql_parser *, int, int *, json_t **);
static int	gql_scalar_json(struct gql_parser *, const struct gql_token *,
		    json_t **);
static int	gql_string_json(struct gql_parser *, const struct gql_token *,
		    json_t **);
static int	gql_block_string_json(struct gql_parser *,
		    const struct gql_token *, json_t **);
static size_t	gql_hex4(const char *);
static size_t	gql_utf8_put(unsigned int, char *);
static int	gql_variable_json(struct gql_parser *, size_t, json_t **);
static int	gql_keep_default(struct gql_parser *, size_t, json_t *);
static int	gql_selection_set(struct gql_parser *, int);
static int	gql_spread(struct gql_parser *, int);
static int	gql_collect_field(struct gql_parser *, size_t);
static int	gql_collect_var(struct gql_parser *, size_t, int);
static int	gql_tok_eq(struct gql_parser *, size_t, size_t);
static int	gql_tok_is(struct gql_parser *, size_t, const char *);
static struct gql_def *gql_find_fragment(struct gql_parser *, size_t);

static int
gql_error(struct gql_parser *p, const char *fmt, ...)
{
	va_list	 ap;

	/* Keep the first error: it is the one that explains the rest. */
	if (p->err != NULL && p->errlen > 0 && p->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
 * A server decoding bytes differently could see a quote or a brace where
 * we see part of a character.
 */
static int
gql_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	unsigned int	 c, min;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
gql_push(struct gql_parser *p, enum gql_tok type, size_t off, size_t len)
{
	struct gql_token	*t;
	size_t			 cap;

	if (p->ntoks >= GRAPHQL_MAX_TOKENS)
		return gql_error(p, "document has more than %d tokens",
		    GRAPHQL_MAX_TOKENS);
	if (p->ntoks == p->tokcap) {
		cap = p->tokcap == 0 ? 64 : p->tokcap * 2;
		if ((t = reallocarray(p->toks, cap, sizeof(*t))) == NULL)
			return gql_error(p, "out of memory");
		p->toks = t;
		p->tokcap = cap;
	}
	p->toks[p->ntoks].type = type;
	p->toks[p->ntoks].off = off;
	p->toks[p->ntoks].len = len;
	p->ntoks++;
	return 0;
}

static int
gql_is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
gql_is_name_char(int c)
{
	return gql_is_name_start(c) || (c >= '0' && c <= '9');
}

/*
 * A source character inside a string or comment: anything but a control
 * character other than tab (line ends are handled by the callers).
 */
static int
gql_source_char(int c)
{
	return c >= 0x20 || c == '\t' || c >= 0x80;
}

static int
gql_is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* "..." on one line; *i is at the opening quote, left past the closing. */
static int
gql_lex_string(struct gql_parser *p, size_t *i)
{
	const unsigned char	*s = (const unsigned char *)p->doc;
	size_t			 j = *i + 1, k;

	for (;;) {
		if (j >= p->len)
			return gql_error(p, "unterminated string at %zu", *i);
		if (s[j] == '"')
			break;
		if (s[j] == '\n' || s[j] == '\r')
			return gql_error(p, "line break in string at %zu", j);
		if (!gql_source_char(s[j]))
			return gql_error(p, "control character at %zu", j);
		if (s[j] == '\\') {
			if (j + 1 >= p->len)
				return gql_error(p, "unterminated string "
				    "at %zu", *i);
			switch (s[j + 1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				j += 2;
				continue;
			case 'u':
				/* Only the fixed four-digit form. */
				for (k = 2; k < 6; k++)
					if (j + k >= p->len ||
					    !gql_is_hex(s[j + k]))
						return gql_error(p, "bad "
						    "\\u escape at %zu", j);
				j += 6;
				continue;
			default:
				return gql_error(p, "bad escape at %zu", j);
			}
		}
		j++;
	}
	*i = j + 1;
	return 0;
}

/*
 * """...""": may span lines; the only escape is \""" for three quotes,
 * which must not end the string.
 */
static int
gql_lex_block_string(struct gql_parser *p, size_t *i)
{
	const unsigned char	*s = (const unsigned char *)p->doc;
	size_t			 j = *i + 3;

	for (;;) {
		if (j >= p->len)
			return gql_error(p, "unterminated block string "
			    "at %zu", *i);
		if (s[j] == '"' && j + 2 < p->len && s[j + 1] == '"' &&
		    s[j + 2] == '"')
			break;
		if (s[j] == '\\' && j + 3 < p->len && s[j + 1] == '"' &&
		    s[j + 2] == '"' && s[j + 3] == '"') {
			j += 4;
			continue;
		}
		if (!gql_source_char(s[j]) && s[j] != '\n' && s[j] != '\r')
			return gql_error(p, "control character at %zu", j);
		j++;
	}
	*i = j + 3;
	return 0;
}

/*
 * IntValue and FloatValue.  No leading zeros, and a number may not run
 * into a name, a digit or a dot: "0x1", "1.", "1e" and "123abc" are
 * errors, not two tokens.
 */
static int
gql_lex_number(struct gql_parser *p, size_t *i, enum gql_tok *type)
{
	const char	*s = p->doc;
	size_t		 j = *i, start;

	*type = TOK_INT;
	if (s[j] == '-')
		j++;
	if (j >= p->len || s[j] < '0' || s[j] > '9')
		return gql_error(p, "bad number at %zu", *i);
	if (s[j] == '0') {
		j++;
		if (j < p->len && s[j] >= '0' && s[j] <= '9')
			return gql_error(p, "leading zero at %zu", *i);
	} else
		while (j < p->len && s[j] >= '0' && s[j] <= '9')
			j++;
	if (j < p->len && s[j] == '.') {
		*type = TOK_FLOAT;
		start = ++j;
		while (j < p->len && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j == start)
			return gql_error(p, "bad number at %zu", *i);
	}
	if (j < p->len && (s[j] == 'e' || s[j] == 'E')) {
		*type = TOK_FLOAT;
		j++;
		if (j < p->len && (s[j] == '+' || s[j] == '-'))
			j++;
		start = j;
		while (j < p->len && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j == start)
			return gql_error(p, "bad number at %zu", *i);
	}
	if (j < p->len && (s[j] == '.' || gql_is_name_start(s[j])))
		return gql_error(p, "bad number at %zu", *i);
	*i = j;
	return 0;
}

static int
gql_lex(struct gql_parser *p)
{
	const unsigned char	*s = (const unsigned char *)p->doc;
	size_t			 i = 0, start;
	enum gql_tok		 type;

	if (!gql_utf8_valid(s, p->len))
		return gql_error(p, "document is not valid UTF-8");
	/* A byte order mark is ignored, and only at the start. */
	if (p->len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		i = 3;
	while (i < p->len) {
		start = i;
		switch (s[i]) {
		case ' ': case '\t': case '\n': case '\r': case ',':
			i++;
			continue;
		case '#':
			while (i < p->len && s[i] != '\n' && s[i] != '\r') {
				if (!gql_source_char(s[i]))
					return gql_error(p, "control "
					    "character at %zu", i);
				i++;
			}
			continue;
		case '!': case '$': case '&': case '(': case ')': case ':':
		case '=': case '@': case '[': case ']': case '{': case '|':
		case '}':
			if (gql_push(p, TOK_PUNCT, i, 1) == -1)
				return -1;
			i++;
			continue;
		case '.':
			if (i + 2 >= p->len || s[i + 1] != '.' ||
			    s[i + 2] != '.')
				return gql_error(p, "stray '.' at %zu", i);
			if (gql_push(p, TOK_SPREAD, i, 3) == -1)
				return -1;
			i += 3;
			continue;
		case '"':
			if (i + 2 < p->len && s[i + 1] == '"' &&
			    s[i + 2] == '"') {
				if (gql_lex_block_string(p, &i) == -1)
					return -1;
			} else if (gql_lex_string(p, &i) == -1)
				return -1;
			if (gql_push(p, TOK_STRING, start, i - start) == -1)
				return -1;
			continue;
		default:
			break;
		}
		if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			if (gql_lex_number(p, &i, &type) == -1 ||
			    gql_push(p, type, start, i - start) == -1)
				return -1;
			continue;
		}
		if (gql_is_name_start(s[i])) {
			while (i < p->len && gql_is_name_char(s[i]))
				i++;
			if (gql_push(p, TOK_NAME, start, i - start) == -1)
				return -1;
			continue;
		}
		return gql_error(p, "unexpected character 0x%02x at %zu",
		    s[i], i);
	}
	return gql_push(p, TOK_EOF, p->len, 0);
}

static int
gql_is_punct(struct gql_parser *p, char c)
{
	const struct gql_token	*t = &p->toks[p->pos];

	return t->type == TOK_PUNCT && p->doc[t->off] == c;
}

static int
gql_is_name(struct gql_parser *p, const char *name)
{
	const struct gql_token	*t = &p->toks[p->pos];

	return t->type == TOK_NAME && t->len == strlen(name) &&
	    memcmp(p->doc + t->off, name, t->len) == 0;
}

static int
gql_expect(struct gql_parser *p, char c)
{
	if (!gql_is_punct(p, c))
		return gql_error(p, "expected '%c' at %zu", c,
		    p->toks[p->pos].off);
	p->pos++;
	return 0;
}

static int
gql_name(struct gql_parser *p, size_t *idx)
{
	if (p->toks[p->pos].type != TOK_NAME)
		return gql_error(p, "expected a name at %zu",
		    p->toks[p->pos].off);
	if (idx != NULL)
		*idx = p->pos;
	p->pos++;
	return 0;
}

/* Every recursive rule enters here, so nesting is bounded. */
static int
gql_enter(struct gql_parser *p)
{
	if (++p->depth > GRAPHQL_MAX_DEPTH)
		return gql_error(p, "document nests deeper than %d",
		    GRAPHQL_MAX_DEPTH);
	return 0;
}

static int
gql_tok_eq(struct gql_parser *p, size_t a, size_t b)
{
	return p->toks[a].len == p->toks[b].len &&
	    memcmp(p->doc + p->toks[a].off, p->doc + p->toks[b].off,
	    p->toks[a].len) == 0;
}

static int
gql_tok_is(struct gql_parser *p, size_t i, const char *s)
{
	return p->toks[i].len == strlen(s) &&
	    memcmp(p->doc + p->toks[i].off, s, p->toks[i].len) == 0;
}

static int
gql_document(struct gql_parser *p)
{
	struct gql_def	*d;
	size_t		 i, j;
	int		 nanon = 0, nops = 0;

	if (p->toks[p->pos].type == TOK_EOF)
		return gql_error(p, "empty document");
	while (p->toks[p->pos].type != TOK_EOF) {
		if (gql_is_name(p, "fragment")) {
			if (gql_fragment(p) == -1)
				return -1;
		} else if (gql_is_punct(p, '{') || gql_is_name(p, "query") ||
		    gql_is_name(p, "mutation") ||
		    gql_is_name(p, "subscription")) {
			if (gql_operation(p) == -1)
				return -1;
		} else
			return gql_error(p, "not an executable definition "
			    "at %zu", p->toks[p->pos].off);
	}

	/*
	 * Names must be unique, and an anonymous operation must stand
	 * alone: otherwise which one runs depends on the server.
	 */
	for (i = 0; i < p->ndefs; i++) {
		d = &p->defs[i];
		if (!d->fragment) {
			nops++;
			if (d->name == 0)
				nanon++;
		}
		for (j = 0; j < i; j++)
			if (d->fragment == p->defs[j].fragment &&
			    d->name != 0 && p->defs[j].name != 0 &&
			    gql_tok_eq(p, d->name, p->defs[j].name))
				return gql_error(p, "%s name used twice",
				    d->fragment ? "fragment" : "operation");
	}
	if (nops == 0)
		return gql_error(p, "document has no operation");
	if (nanon > 0 && nops > 1)
		return gql_error(p, "anonymous operation is not alone");
	return 0;
}

static int
gql_add_def(struct gql_parser *p, int fragment, enum graphql_optype optype,
    size_t name, size_t selset, size_t vardefs)
{
	struct gql_def	*d;

	/* Names are compared pairwise; keep that quadratic cost small. */
	if (p->ndefs >= GRAPHQL_MAX_DEFS)
		return gql_error(p, "more than %d definitions",
		    GRAPHQL_MAX_DEFS);
	if ((d = reallocarray(p->defs, p->ndefs + 1, sizeof(*d))) == NULL)
		return gql_error(p, "out of memory");
	p->defs = d;
	d = &p->defs[p->ndefs++];
	d->fragment = fragment;
	d->optype = optype;
	d->name = name;
	d->selset = selset;
	d->vardefs = vardefs;
	d->state = 0;
	return 0;
}

static int
gql_operation(struct gql_parser *p)
{
	enum graphql_optype	 optype = GRAPHQL_QUERY;
	size_t			 name = 0, selset, vardefs = 0;

	if (!gql_is_punct(p, '{')) {
		if (gql_is_name(p, "mutation"))
			optype = GRAPHQL_MUTATION;
		else if (gql_is_name(p, "subscription"))
			optype = GRAPHQL_SUBSCRIPTION;
		p->pos++;
		if (p->toks[p->pos].type == TOK_NAME &&
		    gql_name(p, &name) == -1)
			return -1;
		if (gql_is_punct(p, '(')) {
			vardefs = p->pos;
			if (gql_variable_defs(p, 0) == -1)
				return -1;
		}
		if (gql_directives(p, 1) == -1)
			return -1;
	}
	selset = p->pos;
	if (gql_selection_set(p, 0) == -1)
		return -1;
	return gql_add_def(p, 0, optype, name, selset, vardefs);
}

static int
gql_fragment(struct gql_parser *p)
{
	size_t	 name = 0, selset;

	p->pos++;			/* fragment */
	if (gql_is_name(p, "on"))
		return gql_error(p, "fragment may not be named \"on\"");
	if (gql_name(p, &name) == -1)
		return -1;
	if (!gql_is_name(p, "on"))
		return gql_error(p, "expected \"on\" at %zu",
		    p->toks[p->pos].off);
	p->pos++;
	if (gql_name(p, NULL) == -1 || gql_directives(p, 0) == -1)
		return -1;
	selset = p->pos;
	if (gql_selection_set(p, 0) == -1)
		return -1;
	return gql_add_def(p, 1, GRAPHQL_QUERY, name, selset, 0);
}

/*
 * ( $name: Type = default @directives ... ).  With collect set, the
 * names are the selected operation's variables and are reported, and
 * their defaults kept to stand in for a variable the request omits; a
 * default JSON cannot hold whole is not kept.
 */
static int
gql_variable_defs(struct gql_parser *p, int collect)
{
	json_t	*def;
	size_t	 name = 0;
	int	 has_default;

	p->pos++;			/* ( */
	do {
		if (gql_expect(p, '$') == -1 || gql_name(p, &name) == -1 ||
		    gql_expect(p, ':') == -1 || gql_type(p) == -1)
			return -1;
		has_default = 0;
		def = NULL;
		if (gql_is_punct(p, '=')) {
			p->pos++;
			has_default = 1;
			p->unknown = 0;
			if (gql_value(p, 1, NULL, collect ? &def : NULL) == -1)
				return -1;
			if (p->unknown) {
				json_decref(def);
				def = NULL;
				p->unknown = 0;
			}
		}
		if (gql_directives(p, 1) == -1 || (collect &&
		    gql_collect_var(p, name, has_default) == -1)) {
			json_decref(def);
			return -1;
		}
		/* Declared twice, the server refuses it: keep the first. */
		if (def != NULL && gql_keep_default(p, name, def) == -1)
			return -1;
	} while (!gql_is_punct(p, ')'));
	p->pos++;
	return 0;
}

static int
gql_type(struct gql_parser *p)
{
	if (gql_enter(p) == -1)
		return -1;
	if (gql_is_punct(p, '[')) {
		p->pos++;
		if (gql_type(p) == -1 || gql_expect(p, ']') == -1)
			return -1;
	} else if (gql_name(p, NULL) == -1)
		return -1;
	if (gql_is_punct(p, '!'))
		p->pos++;
	p->depth--;
	return 0;
}

static int
gql_directives(struct gql_parser *p, int isconst)
{
	while (gql_is_punct(p, '@')) {
		p->pos++;
		if (gql_name(p, NULL) == -1)
			return -1;
		/* What a directive is told is not an argument. */
		if (gql_is_punct(p, '(') &&
		    gql_arguments(p, isconst, NULL, NULL) == -1)
			return -1;
	}
	return 0;
}

/*
 * ( name: value ... ), at least one.  literal, when not NULL, is set to 1
 * if a value holds a literal; see gql_value().  out, when not NULL, is
 * the object that receives the arguments as JSON.
 */
static int
gql_arguments(struct gql_parser *p, int isconst, int *literal, json_t *out)
{
	json_t	*seen = NULL;
	size_t	 name = 0;
	int	 rv = 0;

	p->pos++;			/* ( */
	if (out != NULL && ((seen = json_object()) == NULL ||
	    (p->path = json_array()) == NULL)) {
		json_decref(seen);
		return gql_error(p, "out of memory");
	}
	do {
		if (gql_name(p, &name) == -1 || gql_expect(p, ':') == -1 ||
		    gql_member(p, name, isconst, literal, out, seen) == -1) {
			rv = -1;
			break;
		}
	} while (!gql_is_punct(p, ')'));
	json_decref(seen);
	json_decref(p->path);
	p->path = NULL;
	if (rv == 0)
		p->pos++;
	return rv;
}

/*
 * The value of an argument or object member named by token name, added
 * to obj when building.  A name given twice is refused, as the server
 * refuses it: which of the two we showed would be a guess.
 */
static int
gql_member(struct gql_parser *p, size_t name, int isconst, int *literal,
    json_t *obj, json_t *seen)
{
	json_t	*v = NULL;
	char	*key;
	int	 rv;

	if (obj == NULL)
		return gql_value(p, isconst, literal, NULL);
	if ((key = strndup(p->doc + p->toks[name].off,
	    p->toks[name].len)) == NULL)
		return gql_error(p, "out of memory");
	if (json_object_get(seen, key) != NULL) {
		free(key);
		return gql_error(p, "name given twice at %zu",
		    p->toks[name].off);
	}
	if (json_object_set_new(seen, key, json_true()) == -1 ||
	    (p->path != NULL && json_array_append_new(p->path,
	    json_string(key)) == -1)) {
		free(key);
		return gql_error(p, "out of memory");
	}
	rv = gql_value(p, isconst, literal, &v);
	if (p->path != NULL)
		json_array_remove(p->path, json_array_size(p->path) - 1);
	if (rv == 0 && v != NULL && json_object_set_new(obj, key, v) == -1)
		rv = gql_error(p, "out of memory");
	free(key);
	return rv;
}

/*
 * A value; isconst refuses variables, as in default values and in the
 * directives of variable definitions.  literal, when not NULL, is set to
 * 1 when the value is, or holds at any depth, anything but a $variable:
 * a scalar, an enum, null, or an empty object or list.
 *
 * out, when not NULL, receives the value as JSON, with variables
 * resolved (see gql_variable_json), or NULL for a variable with no
 * value, which the server treats as not given.
 */
static int
gql_value(struct gql_parser *p, int isconst, int *literal, json_t **out)
{
	const struct gql_token	*t = &p->toks[p->pos];
	json_t			*v = NULL, *e, *seen = NULL;
	json_t			*path = p->path;
	size_t			 name = 0;

	if (out != NULL)
		*out = NULL;
	if (gql_enter(p) == -1)
		return -1;
	switch (t->type) {
	case TOK_INT:
	case TOK_FLOAT:
	case TOK_STRING:
	case TOK_NAME:		/* true, false, null or an enum value */
		if (literal != NULL)
			*literal = 1;
		if (out != NULL && gql_scalar_json(p, t, &v) == -1)
			return -1;
		p->pos++;
		break;
	case TOK_PUNCT:
		if (gql_is_punct(p, '$') && !isconst) {
			p->pos++;
			if (gql_name(p, &name) == -1 || (out != NULL &&
			    gql_variable_json(p, name, &v) == -1))
				return -1;
		} else if (gql_is_punct(p, '[')) {
			p->pos++;
			if (gql_is_punct(p, ']') && literal != NULL)
				*literal = 1;
			if (out != NULL && (v = json_array()) == NULL)
				return gql_error(p, "out of memory");
			/* A list's items have no names to show them by. */
			path = p->path;
			p->path = NULL;
			while (!gql_is_punct(p, ']')) {
				if (gql_value(p, isconst, literal,
				    out != NULL ? &e : NULL) == -1)
					goto fail;
				if (out != NULL && json_array_append_new(v,
				    e != NULL ? e : json_null()) == -1) {
					gql_error(p, "out of memory");
					goto fail;
				}
			}
			p->path = path;
			p->pos++;
		} else if (gql_is_punct(p, '{')) {
			p->pos++;
			if (gql_is_punct(p, '}') && literal != NULL)
				*literal = 1;
			if (out != NULL && ((v = json_object()) == NULL ||
			    (seen = json_object()) == NULL)) {
				gql_error(p, "out of memory");
				goto fail;
			}
			while (!gql_is_punct(p, '}'))
				if (gql_name(p, &name) == -1 ||
				    gql_expect(p, ':') == -1 ||
				    gql_member(p, name, isconst, literal, v,
				    seen) == -1)
					goto fail;
			json_decref(seen);
			p->pos++;
		} else
			return gql_error(p, "expected a value at %zu",
			    t->off);
		break;
	default:
		return gql_error(p, "expected a value at %zu", t->off);
	}
	p->depth--;
	if (out != NULL)
		*out = v;
	return 0;
 fail:
	p->path = path;
	json_decref(seen);
	json_decref(v);
	return -1;
}

/*
 * A scalar as the server reads it.  A number JSON cannot hold exactly
 * (an integer past 64 bits, a float past double's range) is left out and
 * noted as unknown, never rounded into a value the server does not see.
 */
static int
gql_scalar_json(struct gql_parser *p, const struct gql_token *t,
    json_t **out)
{
	char		*num, *end;
	long long	 ll;
	double		 d;
	int		 exact = 0;

	*out = NULL;
	switch (t->type) {
	case TOK_STRING:
		return gql_string_json(p, t, out);
	case TOK_NAME:
		if (gql_tok_is(p, p->pos, "true"))
			*out = json_true();
		else if (gql_tok_is(p, p->pos, "false"))
			*out = json_false();
		else if (gql_tok_is(p, p->pos, "null"))
			*out = json_null();
		else
			*out = json_stringn(p->doc + t->off, t->len);
		break;
	case TOK_INT:
	case TOK_FLOAT:
		if ((num = strndup(p->doc + t->off, t->len)) == NULL)
			return gql_error(p, "out of memory");
		errno = 0;
		if (t->type == TOK_INT) {
			ll = strtoll(num, &end, 10);
			if ((exact = errno == 0 && *end == '\0'))
				*out = json_integer(ll);
		} else {
			d = strtod(num, &end);
			if ((exact = errno == 0 && *end == '\0' &&
			    isfinite(d)))
				*out = json_real(d);
		}
		free(num);
		if (!exact) {
			p->unknown = 1;
			return 0;
		}
		break;
	default:
		break;
	}
	if (*out == NULL)
		return gql_error(p, "out of memory");
	return 0;
}

static size_t
gql_hex4(const char *s)
{
	char	 h[5];

	memcpy(h, s, 4);
	h[4] = '\0';
	return strtoul(h, NULL, 16);
}

static size_t
gql_utf8_put(unsigned int c, char *d)
{
	if (c < 0x80) {
		d[0] = c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = 0xc0 | (c >> 6);
		d[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		d[0] = 0xe0 | (c >> 12);
		d[1] = 0x80 | ((c >> 6) & 0x3f);
		d[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	d[0] = 0xf0 | (c >> 18);
	d[1] = 0x80 | ((c >> 12) & 0x3f);
	d[2] = 0x80 | ((c >> 6) & 0x3f);
	d[3] = 0x80 | (c & 0x3f);
	return 4;
}

/*
 * A "..." string's value; the lexer checked its escapes.  A \u escape
 * pair for a surrogate pair is one character; a lone surrogate is no
 * character at all, so that string is left out and noted as unknown.
 * The value is never longer than the token.
 */
static int
gql_string_json(struct gql_parser *p, const struct gql_token *t,
    json_t **out)
{
	const char	*s = p->doc + t->off;
	char		*buf;
	size_t		 i, n = 0, end = t->len - 1;
	unsigned int	 c, lo;

	if (t->len >= 6 && memcmp(s, "\"\"\"", 3) == 0)
		return gql_block_string_json(p, t, out);
	if ((buf = malloc(t->len)) == NULL)
		return gql_error(p, "out of memory");
	for (i = 1; i < end;) {
		if (s[i] != '\\') {
			buf[n++] = s[i++];
			continue;
		}
		c = s[i + 1];
		i += 2;
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			c = gql_hex4(s + i);
			i += 4;
			if (c >= 0xd800 && c <= 0xdbff && i + 6 <= end &&
			    s[i] == '\\' && s[i + 1] == 'u' &&
			    (lo = gql_hex4(s + i + 2)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 6;
			} else if (c >= 0xd800 && c <= 0xdfff) {
				free(buf);
				p->unknown = 1;
				return 0;
			}
			break;
		default:		/* " \ / */
			break;
		}
		n += gql_utf8_put(c, buf + n);
	}
	*out = json_stringn(buf, n);
	free(buf);
	return *out == NULL ? gql_error(p, "out of memory") : 0;
}

/*
 * A """...""" string's value, as the specification's BlockStringValue():
 * \""" is three quotes, the common indentation of the lines after the
 * first is removed, and so are blank lines at the start and the end.
 */
static int
gql_block_string_json(struct gql_parser *p, const struct gql_token *t,
    json_t **out)
{
	const char	*s = p->doc + t->off + 3;
	size_t		 len = t->len - 6, i, j, n = 0, nl = 0;
	size_t		 common = SIZE_MAX, first, last, ind, *lo, *ll;
	char		*raw, *buf;
	int		 blank;

	if ((raw = malloc(len + 1)) == NULL)
		return gql_error(p, "out of memory");
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len + 1 && memcmp(s + i + 1,
		    "\"\"\"", 3) == 0) {
			memcpy(raw + n, "\"\"\"", 3);
			n += 3;
			i += 3;
		} else
			raw[n++] = s[i];
	}
	len = n;
	/* Lines end at \r\n, \n or \r. */
	lo = calloc(len + 2, sizeof(*lo));
	ll = calloc(len + 2, sizeof(*ll));
	buf = malloc(len + 1);
	if (lo == NULL || ll == NULL || buf == NULL) {
		free(raw);
		free(lo);
		free(ll);
		free(buf);
		return gql_error(p, "out of memory");
	}
	for (i = 0, lo[0] = 0; i <= len; i++) {
		if (i < len && raw[i] != '\n' && raw[i] != '\r')
			continue;
		ll[nl] = i - lo[nl];
		nl++;
		if (i < len && raw[i] == '\r' && i + 1 < len &&
		    raw[i + 1] == '\n')
			i++;
		lo[nl] = i + 1;
	}
	first = nl;
	last = 0;
	for (i = 0; i < nl; i++) {
		for (ind = 0; ind < ll[i] && (raw[lo[i] + ind] == ' ' ||
		    raw[lo[i] + ind] == '\t'); ind++)
			;
		blank = ind == ll[i];
		if (i > 0 && !blank && ind < common)
			common = ind;
		if (!blank) {
			if (first == nl)
				first = i;
			last = i;
		}
	}
	n = 0;
	for (i = first; i < nl && i <= last; i++) {
		j = i > 0 ? (common < ll[i] ? common : ll[i]) : 0;
		if (i > first)
			buf[n++] = '\n';
		memcpy(buf + n, raw + lo[i] + j, ll[i] - j);
		n += ll[i] - j;
	}
	*out = json_stringn(buf, n);
	free(raw);
	free(lo);
	free(ll);
	free(buf);
	return *out == NULL ? gql_error(p, "out of memory") : 0;
}

/*
 * What the server reads for $name: the request's value, else the
 * variable's default, else nothing.  Where it is used outside a list is
 * noted in var_paths, which the matcher compares with its action's
 * document.  Each variable's value is copied once: a document that
 * refers to a large value many times would otherwise make us hold it
 * many times; a second use is noted as unknown instead.
 */
static int
gql_variable_json(struct gql_parser *p, size_t name, json_t **out)
{
	struct graphql_op	*op = p->out;
	const char		*var;
	json_t			*v, *path;
	size_t			 i;

	*out = NULL;
	for (i = 0; i < op->nvars; i++)
		if (gql_tok_is(p, name, op->vars[i]))
			break;
	if (i == op->nvars)
		return gql_error(p, "undeclared variable at %zu",
		    p->toks[name].off);
	var = op->vars[i];
	if (p->path != NULL && json_object_get(op->var_paths, var) == NULL &&
	    ((path = json_deep_copy(p->path)) == NULL ||
	    json_object_set_new(op->var_paths, var, path) == -1))
		return gql_error(p, "out of memory");
	if (json_object_get(p->used, var) != NULL) {
		p->unknown = 1;
		return 0;
	}
	if (json_object_set_new(p->used, var, json_true()) == -1)
		return gql_error(p, "out of memory");
	if ((p->vars == NULL || (v = json_object_get(p->vars, var)) ==
	    NULL) && (v = json_object_get(p->defaults, var)) == NULL) {
		/* A default we could not keep stands in unseen. */
		if (op->var_has_default[i])
			p->unknown = 1;
		return 0;
	}
	if ((*out = json_deep_copy(v)) == NULL)
		return gql_error(p, "out of memory");
	return 0;
}

static int
gql_keep_default(struct gql_parser *p, size_t name, json_t *def)
{
	char	*key;

	if ((key = strndup(p->doc + p->toks[name].off,
	    p->toks[name].len)) == NULL) {
		json_decref(def);
		return gql_error(p, "out of memory");
	}
	if (json_object_get(p->defaults, key) != NULL)
		json_decref(def);
	else if (json_object_set_new(p->defaults, key, def) == -1) {
		free(key);
		return gql_error(p, "out of memory");
	}
	free(key);
	return 0;
}

/*
 * { selection ... }, at least one.  With top set while collecting, the
 * fields of this set are the operation's top-level fields, literals in
 * their arguments are noted, the arguments of the first that acts are
 * read, and spreads are followed; nested sets are only checked.
 */
static int
gql_selection_set(struct gql_parser *p, int top)
{
	json_t	*args;
	size_t	 name = 0, alias = 0;

	if (gql_enter(p) == -1 || gql_expect(p, '{') == -1)
		return -1;
	do {
		if (p->toks[p->pos].type == TOK_SPREAD) {
			if (gql_spread(p, top) == -1)
				return -1;
			continue;
		}
		/* [alias :] name [(args)] [@directives] [{ ... }] */
		if (gql_name(p, &alias) == -1)
			return -1;
		name = alias;
		if (gql_is_punct(p, ':')) {
			p->pos++;
			if (gql_name(p, &name) == -1)
				return -1;
		}
		args = NULL;
		if (top) {
			if (gql_collect_field(p, name) == -1)
				return -1;
			if (!gql_tok_is(p, name, "__typename") &&
			    p->out->nselections++ == 0)
				args = p->out->args;
		}
		if (gql_is_punct(p, '(') && gql_arguments(p, 0,
		    top ? &p->out->inline_literals : NULL, args) == -1)
			return -1;
		if (gql_directives(p, 0) == -1)
			return -1;
		if (gql_is_punct(p, '{') && gql_selection_set(p, 0) == -1)
			return -1;
	} while (!gql_is_punct(p, '}'));
	p->pos++;
	p->depth--;
	return 0;
}

/* ...Name @directives, or ... [on Type] @directives { ... } */
static int
gql_spread(struct gql_parser *p, int top)
{
	struct gql_def	*f;
	size_t		 name, save;

	p->pos++;			/* ... */
	if (p->toks[p->pos].type == TOK_NAME && !gql_is_name(p, "on")) {
		name = p->pos++;
		if (gql_directives(p, 0) == -1)
			return -1;
		if (!top)
			return 0;
		if ((f = gql_find_fragment(p, name)) == NULL)
			return gql_error(p, "unknown fragment at %zu",
			    p->toks[name].off);
		if (f->state == 1)
			return gql_error(p, "fragment cycle at %zu",
			    p->toks[name].off);
		/* Fields are a set: a fragment seen once is enough. */
		if (f->state == 2)
			return 0;
		f->state = 1;
		save = p->pos;
		p->pos = f->selset;
		if (gql_selection_set(p, 1) == -1)
			return -1;
		p->pos = save;
		f->state = 2;
		return 0;
	}
	/* An inline fragment's fields belong to the enclosing set. */
	if (gql_is_name(p, "on")) {
		p->pos++;
		if (gql_name(p, NULL) == -1)
			return -1;
	}
	if (gql_directives(p, 0) == -1)
		return -1;
	return gql_selection_set(p, top);
}

static struct gql_def *
gql_find_fragment(struct gql_parser *p, size_t name)
{
	size_t	 i;

	for (i = 0; i < p->ndefs; i++)
		if (p->defs[i].fragment && gql_tok_eq(p, p->defs[i].name, name))
			return &p->defs[i];
	return NULL;
}

static int
gql_collect_field(struct gql_parser *p, size_t name)
{
	struct graphql_op	*op = p->out;
	const struct gql_token	*t = &p->toks[name];
	char			**f;
	size_t			 i;

	for (i = 0; i < op->nfields; i++)
		if (strlen(op->fields[i]) == t->len &&
		    memcmp(op->fields[i], p->doc + t->off, t->len) == 0)
			return 0;
	if (op->nfields >= GRAPHQL_MAX_FIELDS)
		return gql_error(p, "more than %d top-level fields",
		    GRAPHQL_MAX_FIELDS);
	if ((f = reallocarray(op->fields, op->nfields + 1,
	    sizeof(*f))) == NULL)
		return gql_error(p, "out of memory");
	op->fields = f;
	if ((f[op->nfields] = strndup(p->doc + t->off, t->len)) == NULL)
		return gql_error(p, "out of memory");
	op->nfields++;
	return 0;
}

/*
 * A variable of the selected operation.  A name declared twice is a
 * document the server refuses; it is listed once, with a default if
 * either declaration has one.
 */
static int
gql_collect_var(struct gql_parser *p, size_t name, int has_default)
{
	struct graphql_op	*op = p->out;
	const struct gql_token	*t = &p->toks[name];
	char			**v;
	int			*d;
	size_t			 i;

	for (i = 0; i < op->nvars; i++)
		if (strlen(op->vars[i]) == t->len &&
		    memcmp(op->vars[i], p->doc + t->off, t->len) == 0) {
			op->var_has_default[i] |= has_default;
			return 0;
		}
	if (op->nvars >= GRAPHQL_MAX_VARS)
		return gql_error(p, "more than %d variables",
		    GRAPHQL_MAX_VARS);
	if ((v = reallocarray(op->vars, op->nvars + 1, sizeof(*v))) == NULL)
		return gql_error(p, "out of memory");
	op->vars = v;
	if ((d = reallocarray(op->var_has_default, op->nvars + 1,
	    sizeof(*d))) == NULL)
		return gql_error(p, "out of memory");
	op->var_has_default = d;
	if ((v[op->nvars] = strndup(p->doc + t->off, t->len)) == NULL)
		return gql_error(p, "out of memory");
	d[op->nvars] = has_default;
	op->nvars++;
	return 0;
}

int
graphql_top_fields(const char *doc, size_t len, const char *operation_name,
    struct graphql_op *op, char *err, size_t errlen)
{
	return graphql_parse(doc, len, operation_name, NULL, op, err, errlen);
}

int
graphql_parse(const char *doc, size_t len, const char *operation_name,
    json_t *vars, struct graphql_op *op, char *err, size_t errlen)
{
	struct gql_parser	 p;
	struct gql_def		*d, *sel = NULL;
	const struct gql_token	*t;
	size_t			 i;
	int			 rv = -1;

	memset(op, 0, sizeof(*op));
	memset(&p, 0, sizeof(p));
	p.doc = doc;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (gql_lex(&p) == -1 || gql_document(&p) == -1)
		goto done;

	for (i = 0; i < p.ndefs; i++) {
		d = &p.defs[i];
		if (d->fragment)
			continue;
		if (operation_name == NULL) {
			if (sel != NULL) {
				gql_error(&p, "several operations and no "
				    "operationName");
				goto done;
			}
			sel = d;
			continue;
		}
		if (d->name == 0)
			continue;
		t = &p.toks[d->name];
		if (strlen(operation_name) == t->len &&
		    memcmp(operation_name, doc + t->off, t->len) == 0)
			sel = d;
	}
	if (sel == NULL) {
		gql_error(&p, "no operation named \"%s\"",
		    operation_name != NULL ? operation_name : "");
		goto done;
	}

	p.out = op;
	p.depth = 0;
	p.vars = json_is_object(vars) ? vars : NULL;
	if ((p.defaults = json_object()) == NULL ||
	    (p.used = json_object()) == NULL ||
	    (op->args = json_object()) == NULL ||
	    (op->var_paths = json_object()) == NULL) {
		gql_error(&p, "out of memory");
		goto done;
	}
	op->optype = sel->optype;
	if (sel->vardefs != 0) {
		p.pos = sel->vardefs;
		if (gql_variable_defs(&p, 1) == -1)
			goto done;
	}
	p.pos = sel->selset;
	if (gql_selection_set(&p, 1) == -1)
		goto done;
	op->args_unknown = p.unknown;
	rv = 0;
 done:
	if (rv == -1)
		graphql_op_clear(op);
	json_decref(p.defaults);
	json_decref(p.used);
	json_decref(p.path);
	free(p.toks);
	free(p.defs);
	return rv;
}

void
graphql_op_clear(struct graphql_op *op)
{
	size_t	 i;

	for (i = 0; i < op->nfields; i++)
		free(op->fields[i]);
	free(op->fields);
	for (i = 0; i < op->nvars; i++)
		free(op->vars[i]);
	free(op->vars);
	free(op->var_has_default);
	json_decref(op->args);
	json_decref(op->var_paths);
	memset(op, 0, sizeof(*op));
}

const char *
graphql_optype_name(enum graphql_optype t)
{
	switch (t) {
	case GRAPHQL_QUERY:
		return "query";
	case GRAPHQL_MUTATION:
		return "mutation";
	case GRAPHQL_SUBSCRIPTION:
		return "subscription";
	}
	return "?";
}
