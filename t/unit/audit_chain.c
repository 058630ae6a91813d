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
 * audit_chain.c: unit tests of the audit log's hash chain (control/
 * audit.c): sealing, the links, the head file's text, times, and
 * verification telling an altered, an inserted and a removed record and
 * a truncated tail apart, from the chain's start or from a retention
 * anchor.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "control/audit.h"
#include "tap.h"

#define N	10

/* A chain as an array of sealed records, walked like the store. */
struct chain {
	char	*rec[N + 4];
	size_t	 n;
	size_t	 at;
};

static int
chain_next(void *arg, struct audit_link *l)
{
	struct chain	*c = arg;

	if (c->at == c->n)
		return 0;
	control_audit_link(c->rec[c->at], strlen(c->rec[c->at]), l);
	c->at++;
	return 1;
}

/* Records 1..N, sealed one after another, and the head after them. */
static void
chain_make(struct chain *c, struct audit_head *h)
{
	struct timespec	 ts = { 1796554245, 0 };
	uint8_t		 prev[AUDIT_HASH_LEN];
	size_t		 i;

	memset(c, 0, sizeof(*c));
	memset(prev, 0, sizeof(prev));
	for (i = 0; i < N; i++) {
		ts.tv_sec += 60;
		c->rec[i] = control_audit_seal(json_pack("{s:s, s:i}",
		    "event", "decision", "n", (int)i), i + 1, prev, &ts);
		SHA256((unsigned char *)c->rec[i], strlen(c->rec[i]), prev);
	}
	c->n = N;
	h->seq = N;
	memcpy(h->hash, prev, sizeof(prev));
}

static void
chain_free(struct chain *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		free(c->rec[i]);
}

static void
chain_remove(struct chain *c, size_t i)
{
	free(c->rec[i]);
	memmove(&c->rec[i], &c->rec[i + 1], (c->n - i - 1) *
	    sizeof(c->rec[0]));
	c->n--;
}

static void
chain_insert(struct chain *c, size_t i, char *r)
{
	memmove(&c->rec[i + 1], &c->rec[i], (c->n - i) * sizeof(c->rec[0]));
	c->rec[i] = r;
	c->n++;
}

static int
verify(struct chain *c, uint64_t first, const uint8_t *anchor,
    const struct audit_head *h, struct audit_verdict *v)
{
	c->at = 0;
	return control_audit_verify(chain_next, c, first, anchor, h, v);
}

static void
test_chain(void)
{
	struct chain		 c;
	struct audit_head	 h, h2;
	struct audit_verdict	 v;
	struct audit_link	 l;
	struct timespec		 ts = { 1796554245, 0 };
	uint8_t			 zero[AUDIT_HASH_LEN], anchor[AUDIT_HASH_LEN];
	char			*p;

	memset(zero, 0, sizeof(zero));
	chain_make(&c, &h);
	ok(verify(&c, 1, zero, &h, &v) == 0 && v.ok && v.records == N &&
	    v.last == N, "an intact chain of %d records verifies", N);
	control_audit_link(c.rec[4], strlen(c.rec[4]), &l);
	ok(l.ok && l.seq == 5 && l.time_ms == (1796554245LL + 300) * 1000,
	    "a link: its number and time");

	/* An edit: the decision changed in record 5. */
	p = strstr(c.rec[4], "decision");
	memcpy(p, "Decision", 8);
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_ALTERED && v.at == 5,
	    "an edited record is found: %s", v.problem);
	chain_free(&c);

	/* An edit of the last record: only the head can tell. */
	chain_make(&c, &h);
	p = strstr(c.rec[N - 1], "decision");
	memcpy(p, "Decision", 8);
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_ALTERED && v.at == N,
	    "an edited last record is found by the head: %s", v.problem);
	chain_free(&c);

	/* An insertion that links to its predecessor, numbered as next. */
	chain_make(&c, &h);
	control_audit_link(c.rec[4], strlen(c.rec[4]), &l);
	chain_insert(&c, 5, control_audit_seal(json_pack("{s:s}", "event",
	    "forged"), 6, l.hash, &ts));
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_INSERTED, "an inserted, linked record is found: "
	    "%s", v.problem);
	chain_free(&c);

	/* An insertion that links to nothing. */
	chain_make(&c, &h);
	chain_insert(&c, 5, control_audit_seal(json_pack("{s:s}", "event",
	    "forged"), 6, zero, &ts));
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_INSERTED && v.at == 6,
	    "an inserted, unlinked record is found: %s", v.problem);
	chain_free(&c);

	/* Removals: in the middle, at the start, and the tail. */
	chain_make(&c, &h);
	chain_remove(&c, 4);
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_REMOVED && v.at == 5,
	    "a removed record is found: %s", v.problem);
	chain_remove(&c, 4);
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_REMOVED && v.at == 5 &&
	    strstr(v.problem, "5 to 6") != NULL,
	    "two removed records are found: %s", v.problem);
	chain_free(&c);
	chain_make(&c, &h);
	chain_remove(&c, 0);
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_REMOVED && v.at == 1,
	    "a removed first record is found: %s", v.problem);
	chain_free(&c);
	chain_make(&c, &h);
	chain_remove(&c, N - 1);
	chain_remove(&c, N - 2);
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_REMOVED && v.at == N - 1 &&
	    strstr(v.problem, "head mismatch") != NULL,
	    "a truncated tail is a head mismatch: %s", v.problem);
	chain_free(&c);
	h2 = h;
	h2.seq = N - 3;
	chain_make(&c, &h);
	ok(verify(&c, 1, zero, &h2, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_HEAD, "records past the head: %s", v.problem);
	chain_free(&c);

	/* Not a sealed record at all. */
	chain_make(&c, &h);
	c.rec[3][2] = 'X';
	ok(verify(&c, 1, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_ALTERED && v.at == 4,
	    "a record no longer sealed is found: %s", v.problem);
	chain_free(&c);

	/* Retention: from record 4, anchored on record 3's hash. */
	chain_make(&c, &h);
	control_audit_link(c.rec[2], strlen(c.rec[2]), &l);
	memcpy(anchor, l.hash, sizeof(anchor));
	chain_remove(&c, 0);
	chain_remove(&c, 0);
	chain_remove(&c, 0);
	ok(verify(&c, 4, anchor, &h, &v) == 0 && v.ok && v.records == N - 3,
	    "after retention the chain verifies from its anchor");
	ok(verify(&c, 4, zero, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_ALTERED && v.at == 4,
	    "and not from another anchor: %s", v.problem);
	chain_remove(&c, 0);
	ok(verify(&c, 4, anchor, &h, &v) == 0 && !v.ok &&
	    v.kind == AUDIT_REMOVED && v.at == 4,
	    "the first kept record removed is found: %s", v.problem);
	while (c.n > 0)
		chain_remove(&c, 0);
	h2 = h;
	ok(verify(&c, N + 1, h.hash, &h2, &v) == 0 && v.ok &&
	    v.records == 0, "every record aged out: the anchor is the head");
	chain_free(&c);
}

static void
test_head(void)
{
	struct audit_head	 h, g;
	char			 buf[AUDIT_HEAD_SIZE + 1];
	size_t			 i;

	for (i = 0; i < AUDIT_HASH_LEN; i++)
		h.hash[i] = i * 7;
	h.seq = 1234567;
	control_audit_head_format(&h, buf);
	ok(strlen(buf) == AUDIT_HEAD_SIZE, "the head is %d bytes",
	    AUDIT_HEAD_SIZE);
	ok(control_audit_head_parse(buf, strlen(buf), &g) == 0 &&
	    g.seq == h.seq && memcmp(g.hash, h.hash, sizeof(h.hash)) == 0,
	    "and reads back");
	h.seq = UINT64_MAX;
	control_audit_head_format(&h, buf);
	ok(strlen(buf) == AUDIT_HEAD_SIZE &&
	    control_audit_head_parse(buf, strlen(buf), &g) == 0 &&
	    g.seq == UINT64_MAX, "the same size for any number");
	buf[60] = 'G';
	ok(control_audit_head_parse(buf, strlen(buf), &g) == -1,
	    "a damaged head is refused");
	ok(control_audit_head_parse(buf, 50, &g) == -1,
	    "a half-written head is refused");
}

static void
test_time(void)
{
	int64_t	 ms, now = 1796554245000LL;

	ok(control_audit_parse_time("2026-12-06T10:50:45Z", now, &ms) == 0 &&
	    ms == 1796554245000LL, "RFC 3339, UTC");
	ok(control_audit_parse_time("2026-12-06T10:50:45.5Z", now, &ms) ==
	    0 && ms == 1796554245500LL, "with a fraction");
	ok(control_audit_parse_time("2026-12-06T11:50:45+01:00", now, &ms) ==
	    0 && ms == 1796554245000LL, "with an offset");
	ok(control_audit_parse_time("1h", now, &ms) == 0 &&
	    ms == now - 3600000, "an age in hours");
	ok(control_audit_parse_time("2d", now, &ms) == 0 &&
	    ms == now - 2 * 86400000LL, "an age in days");
	ok(control_audit_parse_time("30s", now, &ms) == 0 &&
	    ms == now - 30000, "an age in seconds");
	ok(control_audit_parse_time("yesterday", now, &ms) == -1 &&
	    control_audit_parse_time("2026-12-06", now, &ms) == -1 &&
	    control_audit_parse_time("1w", now, &ms) == -1 &&
	    control_audit_parse_time("-1h", now, &ms) == -1 &&
	    control_audit_parse_time("2026-12-06T10:50:45", now, &ms) == -1,
	    "anything else is refused");
	ok(control_audit_time_ms("2026-12-06T10:50:45.123Z") ==
	    1796554245123LL, "a record's time back in milliseconds");
}

static void
test_link(void)
{
	struct audit_link	 l;
	const char		*bad[] = {
		"{\"seq\":01,\"prev\":\"",
		"{\"prev\":\"00\",\"seq\":1}",
		"{\"seq\":1,\"prev\":\"0000\",\"time\":"
		    "\"2026-12-06T10:50:45.123Z\"}",
	};
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		control_audit_link(bad[i], strlen(bad[i]), &l);
		ok(!l.ok, "not a sealed record: %s", bad[i]);
	}
}

/* The sealed text, byte for byte: control's three names first. */
static void
test_seal(void)
{
	struct timespec	 t = { 1796554245, 123000000 };
	uint8_t		 prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
	char		 want[400], hex[AUDIT_HASH_LEN * 2 + 1], *s;

	memset(prev, 0xab, sizeof(prev));
	control_audit_hex(prev, hex);
	s = control_audit_seal(json_pack("{s:i, s:s, s:s, s:i}", "seq", 99,
	    "event", "req\u00e9\n", "time", "forged", "n", 2), 7, prev, &t);
	snprintf(want, sizeof(want), "{\"seq\":7,\"prev\":\"%s\",\"time\":"
	    "\"2026-12-06T10:50:45.123Z\",\"event\":\"req\\u00E9\\n\","
	    "\"n\":2}", hex);
	ok(s != NULL && strcmp(s, want) == 0, "sealed: %s", s ? s : "NULL");
	free(s);
	s = control_audit_seal(json_object(), 1, prev, &t);
	snprintf(want, sizeof(want), "{\"seq\":1,\"prev\":\"%s\",\"time\":"
	    "\"2026-12-06T10:50:45.123Z\"}", hex);
	ok(s != NULL && strcmp(s, want) == 0, "an empty record sealed: %s",
	    s ? s : "NULL");
	control_audit_hash("abc", 3, h);
	control_audit_hex(h, hex);
	ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
	    "b410ff61f20015ad") == 0, "SHA-256 of \"abc\" (FIPS 180-2)");
	free(s);
}

int
main(void)
{
	test_seal();
	test_chain();
	test_head();
	test_time();
	test_link();
	return done_testing();
}
