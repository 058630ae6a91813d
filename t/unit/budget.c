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
 * budget.c: unit tests of the budgets' calendar periods (control/budget.c):
 * the name each period has in the ledger, its start and its end, in UTC,
 * across a month's, a year's and an ISO week-year's end; and the
 * ledger's addition, which never wraps.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/budget.h"
#include "master/parse.h"
#include "tap.h"

static const struct {
	int		 period;
	const char	*now;
	const char	*name;
	const char	*start;
	const char	*end;
} cases[] = {
	{ BUDGET_DAY, "2026-12-06T17:06:09Z", "2026-12-06",
	    "2026-12-06T00:00:00Z", "2026-12-07T00:00:00Z" },
	{ BUDGET_DAY, "2026-12-31T23:59:59Z", "2026-12-31",
	    "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z" },
	{ BUDGET_DAY, "2028-02-29T00:00:00Z", "2028-02-29",
	    "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z" },
	/* A Sunday ends its week; a Monday starts one. */
	{ BUDGET_WEEK, "2026-12-06T12:00:00Z", "2026-W49",
	    "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z" },
	{ BUDGET_WEEK, "2026-12-07T00:00:00Z", "2026-W50",
	    "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z" },
	/* 2027-01-01 is a Friday: ISO week 53 of 2026. */
	{ BUDGET_WEEK, "2027-01-01T08:00:00Z", "2026-W53",
	    "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z" },
	{ BUDGET_MONTH, "2026-12-06T17:06:09Z", "2026-12",
	    "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z" },
	{ BUDGET_MONTH, "2027-02-28T23:59:59Z", "2027-02",
	    "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z" },
};

static time_t
at(const char *iso)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return -1;
	return timegm(&tm);
}

int
main(void)
{
	char	 name[16];
	time_t	 start, end;
	size_t	 i, n = sizeof(cases) / sizeof(cases[0]);

	plan(3 * n + 1);
	for (i = 0; i < n; i++) {
		memset(name, 0, sizeof(name));
		start = end = 0;
		if (control_budget_period(cases[i].period, at(cases[i].now),
		    name, sizeof(name), &start, &end) == -1)
			strlcpy(name, "(failed)", sizeof(name));
		is_str(name, cases[i].name, "%s per %s is %s",
		    cases[i].now, conf_budget_periods[cases[i].period],
		    cases[i].name);
		is(start, at(cases[i].start), "  and starts at %s",
		    cases[i].start);
		is(end, at(cases[i].end), "  and ends at %s", cases[i].end);
	}
	/* The ledger's counts stop at the largest JSON shows; never wrap. */
	ok(control_budget_add(5, 7) == 12 &&
	    control_budget_add(INT64_MAX - 1, 1) == INT64_MAX &&
	    control_budget_add(INT64_MAX - 1, 2) == INT64_MAX &&
	    control_budget_add(UINT64_MAX, 1) == INT64_MAX &&
	    control_budget_add(1000000000000000000ULL * 9,
	    1000000000000000000ULL) == INT64_MAX,
	    "control_budget_add holds at INT64_MAX, never wraps");
	return done_testing();
}
