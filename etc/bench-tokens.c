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
 * bench-tokens.c: the worker's CPU for counting an LLM response's tokens
 * (worker/usage.c), per response, for a JSON answer and an SSE stream of
 * the Anthropic Messages API, fed in TLS-record-sized pieces as the
 * worker feeds it; beside it, the reference from the same run: copying
 * the same bytes once, which the worker does at least.  Prints one JSON
 * object for etc/bench-proxy.py.  The spec is specs/anthropic.json's
 * x-aileron-usage, written out here.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "worker/usage.h"

#define ROUNDS		5
#define PIECE		16384	/* a TLS record's plaintext at most */

static char	 json[4096], *sse;
static size_t	 jsonlen, sselen;
static char	 sink[PIECE];

static double
cpu_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
spec_make(struct usage_spec *us)
{
	memset(us, 0, sizeof(*us));
	strcpy(us->body.ptr[USAGE_INPUT], "/usage/input_tokens");
	strcpy(us->body.ptr[USAGE_OUTPUT], "/usage/output_tokens");
	strcpy(us->body.ptr[USAGE_CACHE_WRITE],
	    "/usage/cache_creation_input_tokens");
	strcpy(us->body.ptr[USAGE_CACHE_READ],
	    "/usage/cache_read_input_tokens");
	strcpy(us->body.ptr[USAGE_MODEL], "/model");
	strcpy(us->stream[0].event, "message_start");
	us->stream[0].cumulative = 1;
	strcpy(us->stream[0].ptr[USAGE_INPUT], "/message/usage/input_tokens");
	strcpy(us->stream[0].ptr[USAGE_OUTPUT],
	    "/message/usage/output_tokens");
	strcpy(us->stream[0].ptr[USAGE_MODEL], "/message/model");
	strcpy(us->stream[1].event, "message_delta");
	us->stream[1].cumulative = 1;
	strcpy(us->stream[1].ptr[USAGE_OUTPUT], "/usage/output_tokens");
	us->nstream = 2;
}

/* A typical answer: some text, then the counts at the end. */
static void
bodies_make(int events)
{
	char	 text[1300];
	size_t	 off = 0, cap;
	int	 i, n;

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (i = 60; i < (int)sizeof(text) - 1; i += 61)
		text[i] = ' ';
	jsonlen = snprintf(json, sizeof(json), "{\"id\":\"msg_01XFDUDYJgAACzv"
	    "nptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
	    "\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"%s\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":"
	    "null,\"usage\":{\"input_tokens\":1234,\"cache_creation_input_"
	    "tokens\":0,\"cache_read_input_tokens\":2048,\"output_tokens\":"
	    "321}}", text);
	cap = 4096 + (size_t)events * 160;
	if ((sse = malloc(cap)) == NULL)
		exit(1);
	off += snprintf(sse + off, cap - off, "event: message_start\ndata: "
	    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
	    "\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
	    "\"content\":[],\"usage\":{\"input_tokens\":1234,\"output_tokens\":"
	    "1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_"
	    "block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
	    "\"text\":\"\"}}\n\n");
	for (i = 0; i < events; i++) {
		n = snprintf(sse + off, cap - off, "event: content_block_delta\n"
		    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
		    "{\"type\":\"text_delta\",\"text\":\"word%d and some more "
		    "words \"}}\n\n", i);
		off += n;
	}
	off += snprintf(sse + off, cap - off, "event: content_block_stop\n"
	    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: "
	    "message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{"
	    "\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":%d}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	    events + 2);
	sselen = off;
}

/* One response through the counter, as the worker feeds it. */
static void
count_one(const struct usage_spec *us, const char *b, size_t len, int isse,
    struct usage *u)
{
	struct usage_scan	*s;
	size_t			 off, take;

	if ((s = usage_scan_new(us, isse)) == NULL)
		exit(1);
	for (off = 0; off < len; off += take) {
		take = len - off < PIECE ? len - off : PIECE;
		usage_scan_feed(s, b + off, take);
	}
	usage_scan_end(s, u);
	usage_scan_free(s);
}

static void
copy_one(const char *b, size_t len)
{
	size_t	 off, take;

	for (off = 0; off < len; off += take) {
		take = len - off < PIECE ? len - off : PIECE;
		memcpy(sink, b + off, take);
		__asm__ volatile("" : : "r"(sink) : "memory");
	}
}

/* The best of ROUNDS, in microseconds per response. */
static double
measure(const struct usage_spec *us, const char *b, size_t len, int isse,
    int count, int n)
{
	struct usage	 u;
	double		 t0, best = 1e9;
	int		 r, i;

	for (r = 0; r < ROUNDS; r++) {
		t0 = cpu_now();
		for (i = 0; i < n; i++) {
			if (count)
				count_one(us, b, len, isse, &u);
			else
				copy_one(b, len);
		}
		if ((cpu_now() - t0) * 1e6 / n < best)
			best = (cpu_now() - t0) * 1e6 / n;
	}
	return best;
}

int
main(void)
{
	struct usage_spec	 us;
	struct usage		 u;
	int			 events = 200, n = 20000;

	spec_make(&us);
	bodies_make(events);
	/* What is measured must be right first. */
	memset(&u, 0, sizeof(u));
	count_one(&us, json, jsonlen, 0, &u);
	if (!u.known || u.count[USAGE_INPUT] != 1234 ||
	    u.count[USAGE_OUTPUT] != 321 || u.count[USAGE_CACHE_READ] != 2048) {
		fprintf(stderr, "bench-tokens: the JSON counts are wrong\n");
		return 1;
	}
	memset(&u, 0, sizeof(u));
	count_one(&us, sse, sselen, 1, &u);
	if (!u.known || u.count[USAGE_INPUT] != 1234 ||
	    u.count[USAGE_OUTPUT] != events + 2) {
		fprintf(stderr, "bench-tokens: the SSE counts are wrong\n");
		return 1;
	}
	printf("{\"json_bytes\": %zu, \"json_us\": %.3f, \"json_copy_us\": "
	    "%.3f, \"sse_bytes\": %zu, \"sse_events\": %d, \"sse_us\": %.3f, "
	    "\"sse_copy_us\": %.3f}\n", jsonlen,
	    measure(&us, json, jsonlen, 0, 1, n),
	    measure(&us, json, jsonlen, 0, 0, n), sselen, events + 5,
	    measure(&us, sse, sselen, 1, 1, n / 10),
	    measure(&us, sse, sselen, 1, 0, n / 10));
	free(sse);
	return 0;
}
