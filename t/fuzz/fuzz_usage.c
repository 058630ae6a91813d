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
 * fuzz_usage.c: libFuzzer target for the streaming token counter.  The
 * first byte picks a JSON body or an SSE stream and where to cut the
 * input in two; the rest is the response.  Whatever it is, the counts
 * read whole, a byte at a time and in two pieces are the same, none is
 * negative, and the model's name is printable.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/usage.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct usage_spec	spec;

static void
fuzz_spec(void)
{
	struct usage_set	*s;

	s = &spec.body;
	strlcpy(s->ptr[USAGE_INPUT], "/usage/input_tokens", USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_OUTPUT], "/usage/output_tokens", USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_CACHE_READ], "/usage/details/0/cached",
	    USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_MODEL], "/model", USAGE_PTR_MAX);
	s = &spec.stream[0];
	strlcpy(s->event, "message_start", sizeof(s->event));
	s->cumulative = 1;
	strlcpy(s->ptr[USAGE_INPUT], "/message/usage/input_tokens",
	    USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_MODEL], "/message/model", USAGE_PTR_MAX);
	s = &spec.stream[1];
	s->cumulative = 0;
	strlcpy(s->ptr[USAGE_OUTPUT], "/usage/output_tokens", USAGE_PTR_MAX);
	spec.nstream = 2;
}

static void
run(const uint8_t *d, size_t len, int sse, int how, size_t at,
    struct usage *u)
{
	struct usage_scan	*us;
	size_t			 i;

	if ((us = usage_scan_new(&spec, sse)) == NULL)
		abort();
	if (how == 0)
		usage_scan_feed(us, (const char *)d, len);
	else if (how == 1)
		for (i = 0; i < len; i++)
			usage_scan_feed(us, (const char *)d + i, 1);
	else {
		usage_scan_feed(us, (const char *)d, at);
		usage_scan_feed(us, (const char *)d + at, len - at);
	}
	usage_scan_end(us, u);
	usage_scan_free(us);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usage	 a, b, c;
	size_t		 at, i;
	int		 sse, s;

	if (spec.nstream == 0)
		fuzz_spec();
	if (size < 1)
		return 0;
	sse = data[0] & 1;
	data++;
	size--;
	at = size > 0 ? (data[-1] >> 1) % (size + 1) : 0;
	run(data, size, sse, 0, 0, &a);
	run(data, size, sse, 1, 0, &b);
	run(data, size, sse, 2, at, &c);
	if (memcmp(&a, &b, sizeof(a)) != 0 || memcmp(&a, &c, sizeof(a)) != 0)
		abort();
	for (s = 0; s < USAGE_NSLOTS; s++)
		if (a.count[s] < 0)
			abort();
	for (i = 0; a.model[i] != '\0'; i++)
		if ((unsigned char)a.model[i] < 0x20 ||
		    (unsigned char)a.model[i] >= 0x7f)
			abort();
	return 0;
}
