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
 * prices.h: the price table (aileron-prices(5)): what a million tokens of
 * each kind cost, per model, in US dollars, and the date the operator took
 * the figures.  Cost is computed when asked, never stored, so a corrected
 * price corrects history.
 */

#ifndef AILERON_PRICES_H
#define AILERON_PRICES_H

#include <stddef.h>
#include <stdint.h>

/* The kinds of tokens, in the order of the audit's "tokens" object. */
#define PRICE_INPUT		0
#define PRICE_OUTPUT		1
#define PRICE_CACHE_WRITE	2
#define PRICE_CACHE_READ	3
#define PRICE_REASONING		4
#define PRICE_KINDS		5

#define PRICE_MODEL_MAX		127	/* a model name or pattern */
#define PRICE_LINES_MAX		4096
#define PRICE_MICRO_MAX		1000000000000ULL /* $1,000,000 per M */

extern const char *const price_kinds[PRICE_KINDS];

struct price {
	char		model[PRICE_MODEL_MAX + 1];	/* may end in '*' */
	uint64_t	micro[PRICE_KINDS];	/* micro-USD per M tokens */
	uint8_t		have[PRICE_KINDS];	/* named on the line */
	int		lineno;
};

struct prices {
	char		 taken[11];		/* YYYY-MM-DD */
	struct price	*v;
	size_t		 n;
};

int		 prices_load(struct prices *, const char *path, char *err,
		    size_t errsz);
int		 prices_parse(struct prices *, const char *text,
		    const char *name, char *err, size_t errsz);
const struct price *prices_find(const struct prices *, const char *model);
int		 prices_cost(const struct prices *, const char *model,
		    const uint64_t tokens[PRICE_KINDS], double *usd);
int		 prices_kind(const char *);
void		 prices_free(struct prices *);

#endif
