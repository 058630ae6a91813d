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
 * the variables it declares, and whether its top-level arguments hold
 * values written inline.
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

#include <stdarg.h>
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
static int	gql_arguments(struct gql_parser *, int, int *);
static int	gql_value(struct gql_parser *, int, int *);
static int	gql_selection_set(struct gql_parser *, int);
static int	gql_spread(struct gql_parser *, int);
static int	gql_collect_field(struct gql_parser *, size_t);
static int	gql_collect_var(struct gql_parser *, size_t, int);
static int	gql_tok_eq(struct gql_parser *, size_t, size_t);
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
 * names are the selected operation's variables and are reported.
 */
static int
gql_variable_defs(struct gql_parser *p, int collect)
{
	size_t	 name = 0;
	int	 has_default;

	p->pos++;			/* ( */
	do {
		if (gql_expect(p, '$') == -1 || gql_name(p, &name) == -1 ||
		    gql_expect(p, ':') == -1 || gql_type(p) == -1)
			return -1;
		has_default = 0;
		if (gql_is_punct(p, '=')) {
			p->pos++;
			has_default = 1;
			if (gql_value(p, 1, NULL) == -1)
				return -1;
		}
		if (gql_directives(p, 1) == -1)
			return -1;
		if (collect && gql_collect_var(p, name, has_default) == -1)
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
		    gql_arguments(p, isconst, NULL) == -1)
			return -1;
	}
	return 0;
}

/*
 * ( name: value ... ), at least one.  literal, when not NULL, is set to 1
 * if a value holds a literal; see gql_value().
 */
static int
gql_arguments(struct gql_parser *p, int isconst, int *literal)
{
	p->pos++;			/* ( */
	do {
		if (gql_name(p, NULL) == -1 || gql_expect(p, ':') == -1 ||
		    gql_value(p, isconst, literal) == -1)
			return -1;
	} while (!gql_is_punct(p, ')'));
	p->pos++;
	return 0;
}

/*
 * A value; isconst refuses variables, as in default values and in the
 * directives of variable definitions.  literal, when not NULL, is set to
 * 1 when the value is, or holds at any depth, anything but a $variable:
 * a scalar, an enum, null, or an empty object or list.  The matcher
 * reports only variables as arguments, so such a value is one it cannot
 * show to policy.
 */
static int
gql_value(struct gql_parser *p, int isconst, int *literal)
{
	const struct gql_token	*t = &p->toks[p->pos];

	if (gql_enter(p) == -1)
		return -1;
	switch (t->type) {
	case TOK_INT:
	case TOK_FLOAT:
	case TOK_STRING:
	case TOK_NAME:		/* true, false, null or an enum value */
		if (literal != NULL)
			*literal = 1;
		p->pos++;
		break;
	case TOK_PUNCT:
		if (gql_is_punct(p, '$') && !isconst) {
			p->pos++;
			if (gql_name(p, NULL) == -1)
				return -1;
		} else if (gql_is_punct(p, '[')) {
			p->pos++;
			if (gql_is_punct(p, ']') && literal != NULL)
				*literal = 1;
			while (!gql_is_punct(p, ']'))
				if (gql_value(p, isconst, literal) == -1)
					return -1;
			p->pos++;
		} else if (gql_is_punct(p, '{')) {
			p->pos++;
			if (gql_is_punct(p, '}') && literal != NULL)
				*literal = 1;
			while (!gql_is_punct(p, '}'))
				if (gql_name(p, NULL) == -1 ||
				    gql_expect(p, ':') == -1 ||
				    gql_value(p, isconst, literal) == -1)
					return -1;
			p->pos++;
		} else
			return gql_error(p, "expected a value at %zu",
			    t->off);
		break;
	default:
		return gql_error(p, "expected a value at %zu", t->off);
	}
	p->depth--;
	return 0;
}

/*
 * { selection ... }, at least one.  With top set while collecting, the
 * fields of this set are the operation's top-level fields, literals in
 * their arguments are noted, and spreads are followed; nested sets are
 * only checked.
 */
static int
gql_selection_set(struct gql_parser *p, int top)
{
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
		if (top && gql_collect_field(p, name) == -1)
			return -1;
		if (gql_is_punct(p, '(') && gql_arguments(p, 0,
		    top ? &p->out->inline_literals : NULL) == -1)
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
	op->optype = sel->optype;
	if (sel->vardefs != 0) {
		p.pos = sel->vardefs;
		if (gql_variable_defs(&p, 1) == -1)
			goto done;
	}
	p.pos = sel->selset;
	if (gql_selection_set(&p, 1) == -1)
		goto done;
	rv = 0;
 done:
	if (rv == -1)
		graphql_op_clear(op);
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
