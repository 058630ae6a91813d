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
 * prices.c: read the price table, a file the operator edits:
 *
 *	taken 2026-11-01
 *	model "claude-sonnet-4-5*" input 3 output 15 cache_write 3.75 \
 *	    cache_read 0.30
 *
 * Prices are kept as whole micro-dollars per million tokens, parsed from
 * the decimal text without floating point, so "0.30" is exactly 300000.
 * A model is found by its exact name, else by the longest pattern that
 * ends in '*' and is a prefix of it: vendors date their model names.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prices.h"

#define PRICES_FILE_MAX		(1024 * 1024)
#define PRICES_WORDS		16

const char *const price_kinds[PRICE_KINDS] = {
	"input", "output", "cache_write", "cache_read", "reasoning"
};

static int	prices_line(struct prices *, char *, int, const char *,
		    char *, size_t);
static int	prices_words(char *, char **, size_t, const char **);
static int	prices_amount(const char *, uint64_t *);
static int	prices_date(const char *);

int
prices_kind(const char *word)
{
	int	 k;

	for (k = 0; k < PRICE_KINDS; k++)
		if (strcmp(word, price_kinds[k]) == 0)
			return k;
	return -1;
}

/* "3", "3.75", "0.000001": dollars to micro-dollars, exactly. */
static int
prices_amount(const char *s, uint64_t *out)
{
	uint64_t	 v = 0;
	int		 frac = -1, digits = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (frac != -1 || digits == 0)
				return -1;
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return -1;
		if (frac != -1 && ++frac > 6)
			return -1;
		if (v > PRICE_MICRO_MAX / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		digits++;
	}
	if (digits == 0 || frac == 0)
		return -1;
	for (frac = frac == -1 ? 0 : frac; frac < 6; frac++) {
		if (v > PRICE_MICRO_MAX / 10)
			return -1;
		v *= 10;
	}
	if (v > PRICE_MICRO_MAX)
		return -1;
	*out = v;
	return 0;
}

static int
prices_date(const char *s)
{
	int	 i, y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return 0;
}

/*
 * Split a line into words: a '#' outside quotes starts a comment, a
 * quoted word keeps its spaces.  -1 with why on a bad line.
 */
static int
prices_words(char *line, char **w, size_t max, const char **why)
{
	size_t	 n = 0;
	char	*p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return (int)n;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		if (*p == '"') {
			w[n++] = ++p;
			while (*p != '"' && *p != '\0')
				p++;
			if (*p != '"') {
				*why = "a quote is not closed";
				return -1;
			}
			*p++ = '\0';
			if (*p != '\0' && *p != ' ' && *p != '\t') {
				*why = "a quoted word runs into the next";
				return -1;
			}
			continue;
		}
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';
			return (int)n;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
prices_line(struct prices *ps, char *line, int lineno, const char *name,
    char *err, size_t errsz)
{
	char		*w[PRICES_WORDS];
	const char	*why = NULL;
	char		*star;
	struct price	*pr, *v;
	size_t		 i, len;
	int		 n, k;

	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
			snprintf(err, errsz, "%s:%d: a control character",
			    name, lineno);
			return -1;
		}
	if ((n = prices_words(line, w, PRICES_WORDS, &why)) == -1) {
		snprintf(err, errsz, "%s:%d: %s", name, lineno, why);
		return -1;
	}
	if (n == 0)
		return 0;
	if (strcmp(w[0], "taken") == 0) {
		if (n != 2 || prices_date(w[1]) == -1) {
			snprintf(err, errsz, "%s:%d: expected taken YYYY-MM-DD",
			    name, lineno);
			return -1;
		}
		if (ps->taken[0] != '\0') {
			snprintf(err, errsz, "%s:%d: a second taken line",
			    name, lineno);
			return -1;
		}
		memcpy(ps->taken, w[1], sizeof(ps->taken));
		return 0;
	}
	if (strcmp(w[0], "model") != 0) {
		snprintf(err, errsz, "%s:%d: expected taken or model, not "
		    "\"%.32s\"", name, lineno, w[0]);
		return -1;
	}
	len = n > 1 ? strlen(w[1]) : 0;
	star = n > 1 ? strchr(w[1], '*') : NULL;
	if (n < 4 || n % 2 != 0)
		why = "expected model \"NAME\" KIND PRICE ...";
	else if (len == 0 || len > PRICE_MODEL_MAX)
		why = "a model name of 1 to 127 characters";
	else if (star != NULL && star != &w[1][len - 1])
		why = "'*' only at the end of a model pattern";
	if (why != NULL) {
		snprintf(err, errsz, "%s:%d: %s", name, lineno, why);
		return -1;
	}
	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].model, w[1]) == 0) {
			snprintf(err, errsz, "%s:%d: model \"%s\" again (line "
			    "%d)", name, lineno, w[1], ps->v[i].lineno);
			return -1;
		}
	if (ps->n >= PRICE_LINES_MAX) {
		snprintf(err, errsz, "%s:%d: more than %d models", name,
		    lineno, PRICE_LINES_MAX);
		return -1;
	}
	if ((v = reallocarray(ps->v, ps->n + 1, sizeof(*v))) == NULL) {
		snprintf(err, errsz, "%s: out of memory", name);
		return -1;
	}
	ps->v = v;
	pr = &ps->v[ps->n];
	memset(pr, 0, sizeof(*pr));
	memcpy(pr->model, w[1], len + 1);
	pr->lineno = lineno;
	for (i = 2; i < (size_t)n; i += 2) {
		if ((k = prices_kind(w[i])) == -1) {
			snprintf(err, errsz, "%s:%d: \"%.32s\": expected input, "
			    "output, cache_write, cache_read or reasoning",
			    name, lineno, w[i]);
			return -1;
		}
		if (pr->have[k]) {
			snprintf(err, errsz, "%s:%d: %s twice", name, lineno,
			    price_kinds[k]);
			return -1;
		}
		if (prices_amount(w[i + 1], &pr->micro[k]) == -1) {
			snprintf(err, errsz, "%s:%d: %s \"%.32s\": expected "
			    "US dollars per million tokens, like 3 or 0.30 "
			    "(at most 6 decimals)", name, lineno,
			    price_kinds[k], w[i + 1]);
			return -1;
		}
		pr->have[k] = 1;
	}
	if (!pr->have[PRICE_INPUT] || !pr->have[PRICE_OUTPUT]) {
		snprintf(err, errsz, "%s:%d: model \"%s\" needs an input and "
		    "an output price", name, lineno, pr->model);
		return -1;
	}
	ps->n++;
	return 0;
}

/* Parse a whole table held in memory; on error ps is left empty. */
int
prices_parse(struct prices *ps, const char *text, const char *name,
    char *err, size_t errsz)
{
	char		*copy, *line, *next;
	int		 lineno = 0;

	memset(ps, 0, sizeof(*ps));
	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", name);
		return -1;
	}
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (prices_line(ps, line, lineno, name, err, errsz) == -1) {
			free(copy);
			prices_free(ps);
			return -1;
		}
	}
	free(copy);
	if (ps->taken[0] == '\0') {
		snprintf(err, errsz, "%s: no \"taken YYYY-MM-DD\" line: say "
		    "when the prices were taken", name);
		prices_free(ps);
		return -1;
	}
	return 0;
}

int
prices_load(struct prices *ps, const char *path, char *err, size_t errsz)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd, rv;

	memset(ps, 0, sizeof(*ps));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > PRICES_FILE_MAX) {
		snprintf(err, errsz, "%s: not a regular file of at most %d "
		    "bytes", path, PRICES_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)sb.st_size || memchr(buf, '\0', got) != NULL) {
		snprintf(err, errsz, "%s: short read or a NUL byte", path);
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	rv = prices_parse(ps, buf, path, err, errsz);
	free(buf);
	return rv;
}

/* The exact name, else the longest pattern that is a prefix of it. */
const struct price *
prices_find(const struct prices *ps, const char *model)
{
	const struct price	*best = NULL;
	size_t			 i, len, bestlen = 0;

	if (model == NULL || *model == '\0')
		return NULL;
	for (i = 0; i < ps->n; i++) {
		len = strlen(ps->v[i].model);
		if (ps->v[i].model[len - 1] != '*') {
			if (strcmp(ps->v[i].model, model) == 0)
				return &ps->v[i];
			continue;
		}
		if ((best == NULL || len - 1 > bestlen) &&
		    strncmp(ps->v[i].model, model, len - 1) == 0) {
			best = &ps->v[i];
			bestlen = len - 1;
		}
	}
	return best;
}

/*
 * What the tokens cost in US dollars: -1 when the model has no price, or
 * tokens of a kind its line does not price.  Reasoning tokens are billed
 * as output by the vendors that report them, and already counted in the
 * output figure, so an unpriced reasoning kind costs nothing more.
 */
int
prices_cost(const struct prices *ps, const char *model,
    const uint64_t tokens[PRICE_KINDS], double *usd)
{
	const struct price	*pr;
	long double		 sum = 0;
	int			 k;

	if ((pr = prices_find(ps, model)) == NULL)
		return -1;
	for (k = 0; k < PRICE_KINDS; k++) {
		if (tokens[k] == 0)
			continue;
		if (!pr->have[k]) {
			if (k == PRICE_REASONING)
				continue;
			return -1;
		}
		sum += (long double)tokens[k] * (long double)pr->micro[k];
	}
	*usd = (double)(sum / 1e12L);
	return 0;
}

void
prices_free(struct prices *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}
