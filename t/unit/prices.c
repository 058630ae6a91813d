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
 * prices.c: unit tests of the price table (lib/prices.c): exact decimal
 * prices, the longest pattern, unpriced kinds, and the lines refused with
 * the file and line named.  The shipped etc/aileron/prices must load
 * (the tests run from the source directory).
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prices.h"
#include "tap.h"

static int
bad(const char *text, const char *want)
{
	struct prices	 ps;
	char		 err[256] = "";
	int		 rv;

	rv = prices_parse(&ps, text, "t.prices", err, sizeof(err));
	if (rv == 0)
		prices_free(&ps);
	return rv == -1 && strstr(err, want) != NULL ? 1 :
	    (diag("%s -> %d %s", text, rv, err), 0);
}

int
main(void)
{
	struct prices		 ps;
	const struct price	*pr;
	uint64_t		 tok[PRICE_KINDS] = { 0 };
	double			 usd = -1;
	char			 err[256];

	plan(24);
	ok(prices_parse(&ps, "# comment\ntaken 2026-11-01\n"
	    "model \"m-*\" input 3 output 15 cache_read 0.30 # six\n"
	    "model \"m-big*\" input 0.000001 output 1000000\n"
	    "model \"m-big-2\" input 1 output 2\n", "t.prices", err,
	    sizeof(err)) == 0, "a table parses (%s)", err);
	is_str(ps.taken, "2026-11-01", "the date it was taken");
	pr = prices_find(&ps, "m-small");
	ok(pr != NULL && strcmp(pr->model, "m-*") == 0, "a pattern prices a "
	    "dated name");
	ok(pr != NULL && pr->micro[PRICE_CACHE_READ] == 300000 &&
	    pr->micro[PRICE_INPUT] == 3000000, "0.30 is exactly 300000 "
	    "micro-dollars");
	pr = prices_find(&ps, "m-big-1");
	ok(pr != NULL && strcmp(pr->model, "m-big*") == 0 &&
	    pr->micro[PRICE_INPUT] == 1, "the longest pattern wins; "
	    "0.000001 is 1");
	pr = prices_find(&ps, "m-big-2");
	ok(pr != NULL && strcmp(pr->model, "m-big-2") == 0,
	    "an exact name wins over a pattern");
	ok(prices_find(&ps, "other") == NULL && prices_find(&ps, "") == NULL,
	    "a model no line prices: none");
	tok[PRICE_INPUT] = 1000000;
	tok[PRICE_OUTPUT] = 2000000;
	tok[PRICE_CACHE_READ] = 500000;
	ok(prices_cost(&ps, "m-x", tok, &usd) == 0 &&
	    fabs(usd - (3 + 30 + 0.15)) < 1e-9, "cost: 1M in, 2M out, 0.5M "
	    "cached = $33.15 (%f)", usd);
	tok[PRICE_REASONING] = 7;
	ok(prices_cost(&ps, "m-x", tok, &usd) == 0 &&
	    fabs(usd - 33.15) < 1e-9, "reasoning, counted in output, costs "
	    "nothing more");
	tok[PRICE_CACHE_WRITE] = 1;
	ok(prices_cost(&ps, "m-x", tok, &usd) == -1,
	    "a kind the line does not price: no cost, never a guess");
	ok(prices_cost(&ps, "other", tok, &usd) == -1, "an unpriced model: "
	    "no cost");
	prices_free(&ps);

	ok(bad("model \"m\" input 1 output 2\n", "no \"taken"),
	    "a table without its date is refused");
	ok(bad("taken 2026-11-01\ntaken 2026-11-02\n", "t.prices:2: a second"),
	    "two dates: refused at the second line");
	ok(bad("taken 2026-13-01\n", "t.prices:1: expected taken"),
	    "a month 13 is refused");
	ok(bad("taken 2026-11-01\nmodel \"m\" input\n", ":2: expected model"),
	    "a line without pairs is refused");
	ok(bad("taken 2026-11-01\nmodel \"m\" input 1 cache_read 2\n",
	    "needs an input and an output"), "an output price is required");
	ok(bad("taken 2026-11-01\nmodel \"m\" input 1 output 1.1234567\n",
	    "at most 6 decimals"), "more than 6 decimals: refused");
	ok(bad("taken 2026-11-01\nmodel \"m\" input -1 output 1\n",
	    "expected US dollars"), "a negative price is refused");
	ok(bad("taken 2026-11-01\nmodel \"m\" input 1 outptu 1\n",
	    "expected input, output"), "a misspelt kind is refused");
	ok(bad("taken 2026-11-01\nmodel \"m\" input 1 output 1 input 2\n",
	    "input twice"), "a kind twice is refused");
	ok(bad("taken 2026-11-01\nmodel \"a*b\" input 1 output 1\n",
	    "only at the end"), "'*' inside a name is refused");
	ok(bad("taken 2026-11-01\nmodel \"m\" input 1 output 1\n"
	    "model \"m\" input 1 output 1\n", ":3: model \"m\" again (line 2)"),
	    "a model twice is refused, both lines named");
	ok(bad("taken 2026-11-01\nmodel \"m input 1 output 1\n", "not closed"),
	    "an open quote is refused");

	ok(prices_load(&ps, "etc/aileron/prices", err, sizeof(err)) == 0 &&
	    prices_find(&ps, "claude-sonnet-4-5-20250929") != NULL &&
	    prices_find(&ps, "gpt-4o-mini-2024-07-18") != NULL &&
	    strcmp(prices_find(&ps, "gpt-4o-mini-2024-07-18")->model,
	    "gpt-4o-mini*") == 0, "the shipped table loads and prices "
	    "dated names (%s)", err);
	prices_free(&ps);
	return done_testing();
}
