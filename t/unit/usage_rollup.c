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
 * usage_rollup.c: unit tests of the rollups' latency histogram
 * (control/usage.c): the buckets, and that the median and p95 of merged
 * histograms are within the documented 9% of the true figures.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/usage.h"
#include "tap.h"

static int
within(double got, double want)
{
	return got >= want / 1.0906 && got <= want * 1.0906;
}

int
main(void)
{
	uint32_t	 h1[USAGE_HIST], h2[USAGE_HIST];
	int		 b, ms, last = 0, mono = 1, bad = 0;

	ok(control_usage_bucket(0) == 0 && control_usage_bucket(-5) == 0,
	    "under 1 ms: bucket 0");
	ok(control_usage_bucket(1) == 1 && control_usage_bucket(2) == 5 &&
	    control_usage_bucket(4) == 9, "powers of two start a bucket");
	ok(control_usage_bucket(1000LL * 3600 * 24 * 30) == USAGE_HIST - 1,
	    "a month: the last bucket");
	for (ms = 1; ms < 5000000; ms += ms / 7 + 1) {
		b = control_usage_bucket(ms);
		if (b < last)
			mono = 0;
		last = b;
		memset(h1, 0, sizeof(h1));
		h1[b] = 1;
		if (!within(control_usage_quantile(h1, 0.5), ms))
			bad++;
	}
	ok(mono, "buckets grow with the latency");
	ok(bad == 0, "one latency comes back within 9%% (%d off)", bad);

	/* 1..100 ms in one row, 101..200 in another: merged. */
	memset(h1, 0, sizeof(h1));
	memset(h2, 0, sizeof(h2));
	for (ms = 1; ms <= 100; ms++)
		h1[control_usage_bucket(ms)]++;
	for (ms = 101; ms <= 200; ms++)
		h2[control_usage_bucket(ms)]++;
	for (b = 0; b < USAGE_HIST; b++)
		h1[b] += h2[b];
	ok(within(control_usage_quantile(h1, 0.5), 100),
	    "median of merged rows within 9%%: %.1f for 100",
	    control_usage_quantile(h1, 0.5));
	ok(within(control_usage_quantile(h1, 0.95), 190),
	    "p95 of merged rows within 9%%: %.1f for 190",
	    control_usage_quantile(h1, 0.95));
	memset(h1, 0, sizeof(h1));
	ok(control_usage_quantile(h1, 0.5) < 0, "no latency: none (null)");
	return done_testing();
}
