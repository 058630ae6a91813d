/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* tap.h: a small TAP producer for the C unit tests, read by prove(1). */

#ifndef AILERON_TAP_H
#define AILERON_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	tap_run, tap_failed, tap_planned = -1;

static inline void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void
diag(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static inline int
tap_vok(int pass, const char *fmt, va_list ap)
{
	tap_run++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return pass;
}

static inline int
ok(int pass, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = tap_vok(pass, fmt, ap);
	va_end(ap);
	return r;
}

/* is(): integers; is_str(): strings.  On failure both say what came. */
static inline int
is(long long got, long long want, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!r)
		diag("     got: %lld\n#   expected: %lld", got, want);
	return r;
}

static inline int
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list	 ap;
	int	 r, same;

	same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	r = tap_vok(same, fmt, ap);
	va_end(ap);
	if (!r)
		diag("     got: '%s'\n#   expected: '%s'",
		    got ? got : "(null)", want ? want : "(null)");
	return r;
}

static inline void
skip(int n, const char *why)
{
	while (n-- > 0) {
		tap_run++;
		printf("ok %d # skip %s\n", tap_run, why);
	}
	fflush(stdout);
}

static inline int
done_testing(void)
{
	if (tap_planned < 0) {
		printf("1..%d\n", tap_run);
		tap_planned = tap_run;
	}
	fflush(stdout);
	if (tap_run != tap_planned)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	return (tap_failed == 0 && tap_run == tap_planned) ? 0 : 1;
}

#endif
