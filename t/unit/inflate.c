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
 * inflate.c: tests for the response decoder, on gzip, zlib and raw
 * deflate bodies compressed here with zlib, fed whole, a byte at a time
 * and split at every point; corrupt, truncated and trailing data; and a
 * 1000:1 bomb, which must come out in bounded pieces and stop when told.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "worker/inflate.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* What the output function saw. */
struct sink {
	char		*buf;
	size_t		 cap;
	size_t		 len;		/* every byte, kept or not */
	size_t		 maxpiece;
	size_t		 limit;		/* abort past this, if not 0 */
	struct inflater	*f;
};

static void
sink_out(void *arg, const char *p, size_t n)
{
	struct sink	*s = arg;

	if (n > s->maxpiece)
		s->maxpiece = n;
	if (s->buf != NULL && s->len + n <= s->cap)
		memcpy(s->buf + s->len, p, n);
	s->len += n;
	if (s->limit != 0 && s->len > s->limit)
		inflate_abort(s->f);
}

/* Compresses in: kind 0 gzip, 1 zlib, 2 raw deflate. */
static size_t
compress_kind(const char *in, size_t len, int kind, unsigned char *out,
    size_t cap)
{
	static const int bits[] = { 16 + MAX_WBITS, MAX_WBITS, -MAX_WBITS };
	z_stream	 z;
	size_t		 n;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, bits[kind], 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		return 0;
	}
	n = cap - z.avail_out;
	deflateEnd(&z);
	return n;
}

/* Decodes comp in the pieces given by cuts[] (ends, the last is len). */
static int
decode(int gzip, const unsigned char *comp, size_t len, const size_t *cuts,
    size_t ncuts, struct sink *s, int *endrv)
{
	size_t	 i, from = 0;
	int	 rv = 0;

	s->len = s->maxpiece = 0;
	if ((s->f = inflate_new(gzip)) == NULL)
		return -1;
	for (i = 0; i < ncuts && rv == 0; i++) {
		rv = inflate_feed(s->f, (const char *)comp + from,
		    cuts[i] - from, sink_out, s);
		from = cuts[i];
	}
	if (rv == 0 && from < len)
		rv = inflate_feed(s->f, (const char *)comp + from, len - from,
		    sink_out, s);
	*endrv = inflate_end(s->f);
	inflate_free(s->f);
	return rv;
}

static void
test_coding(void)
{
	static const struct {
		const char	*ce;
		int		 want;
	} rows[] = {
		{ NULL, INFLATE_IDENTITY }, { "", INFLATE_IDENTITY },
		{ "identity", INFLATE_IDENTITY }, { " gzip ", INFLATE_GZIP },
		{ "GZip", INFLATE_GZIP }, { "x-gzip", INFLATE_GZIP },
		{ "deflate", INFLATE_DEFLATE },
		{ "Deflate\t", INFLATE_DEFLATE },
		{ "br", INFLATE_UNSCANNABLE }, { "zstd", INFLATE_UNSCANNABLE },
		{ "compress", INFLATE_UNSCANNABLE },
		{ "gzip, br", INFLATE_UNSCANNABLE },
		{ "gzip,gzip", INFLATE_UNSCANNABLE },
		{ "deflate, identity", INFLATE_UNSCANNABLE },
		{ "gzipx", INFLATE_UNSCANNABLE },
	};
	size_t	 i;

	for (i = 0; i < nitems(rows); i++)
		is(inflate_coding(rows[i].ce), rows[i].want,
		    "Content-Encoding '%s'",
		    rows[i].ce != NULL ? rows[i].ce : "(none)");
}

static void
test_roundtrip(void)
{
	static const char *names[] = { "gzip", "zlib deflate", "raw deflate" };
	static char	 text[6000], got[8000];
	static unsigned char comp[8000];
	static size_t	 cuts[8000];
	struct sink	 s = { got, sizeof(got), 0, 0, 0, NULL };
	size_t		 i, len, at;
	uint32_t	 r = 3;
	int		 kind, endrv, good;

	for (i = 0; i < sizeof(text); i++) {
		r = r * 1103515245 + 12345;
		text[i] = "secret sk-abc data: {}\n"[(r >> 16) % 23];
	}
	for (kind = 0; kind < 3; kind++) {
		len = compress_kind(text, sizeof(text), kind, comp,
		    sizeof(comp));
		ok(len > 0, "%s: %zu bytes compressed to %zu", names[kind],
		    sizeof(text), len);
		good = decode(kind == 0, comp, len, NULL, 0, &s, &endrv) == 0 &&
		    endrv == 0 && s.len == sizeof(text) &&
		    memcmp(got, text, sizeof(text)) == 0;
		ok(good, "%s: whole", names[kind]);

		for (i = 0; i < len; i++)
			cuts[i] = i + 1;
		good = decode(kind == 0, comp, len, cuts, len, &s,
		    &endrv) == 0 && endrv == 0 && s.len == sizeof(text) &&
		    memcmp(got, text, sizeof(text)) == 0;
		ok(good, "%s: a byte at a time", names[kind]);

		for (at = 0, good = 1; at <= len && good; at++) {
			cuts[0] = at;
			good = decode(kind == 0, comp, len, cuts, 1, &s,
			    &endrv) == 0 && endrv == 0 &&
			    s.len == sizeof(text) &&
			    memcmp(got, text, sizeof(text)) == 0;
			if (!good)
				diag("split at %zu", at);
		}
		ok(good, "%s: split in two at every point", names[kind]);

		/* Truncated: the stream must not count as ended. */
		good = decode(kind == 0, comp, len - 4, NULL, 0, &s,
		    &endrv) == 0 && endrv == -1;
		ok(good, "%s: truncated by 4 bytes: inflate_end says so",
		    names[kind]);
		good = decode(kind == 0, comp, 1, NULL, 0, &s, &endrv) == 0 &&
		    endrv == -1;
		ok(good, "%s: one byte only: not ended", names[kind]);

		/* Data after the end of the stream is corrupt. */
		memcpy(comp + len, "junk", 4);
		ok(decode(kind == 0, comp, len + 4, NULL, 0, &s, &endrv) == -1,
		    "%s: junk after the end: refused", names[kind]);
	}
}

static void
test_corrupt(void)
{
	static char	 text[4000], got[8000];
	static unsigned char comp[8000];
	struct sink	 s = { got, sizeof(got), 0, 0, 0, NULL };
	size_t		 i, len;
	int		 rv, endrv, caught = 0;

	for (i = 0; i < sizeof(text); i++)
		text[i] = "abcdefgh"[(i * 7 + i / 13) % 8];
	/* Any flipped byte of a gzip body is caught, by the CRC at last. */
	len = compress_kind(text, sizeof(text), 0, comp, sizeof(comp));
	for (i = 10; i < len - 8; i++) {
		comp[i] ^= 0x55;
		rv = decode(1, comp, len, NULL, 0, &s, &endrv);
		comp[i] ^= 0x55;
		caught += rv == -1 || endrv == -1;
	}
	is((long long)caught, (long long)(len - 18),
	    "gzip: every flipped body byte is caught");

	ok(decode(0, (const unsigned char *)"\x07\x00\x00\x00", 4, NULL, 0,
	    &s, &endrv) == -1, "raw deflate: a reserved block type is corrupt");
	ok(decode(1, (const unsigned char *)"\x1f\x8c\x08\x00", 4, NULL, 0,
	    &s, &endrv) == -1, "gzip: a bad magic number is corrupt");
	ok(decode(1, (const unsigned char *)"", 0, NULL, 0, &s,
	    &endrv) == 0 && endrv == -1, "gzip: an empty body never ended");

	/* Two gzip members, as RFC 1952 allows. */
	len = compress_kind(text, 100, 0, comp, sizeof(comp));
	len += compress_kind(text + 100, 100, 0, comp + len,
	    sizeof(comp) - len);
	ok(decode(1, comp, len, NULL, 0, &s, &endrv) == 0 && endrv == 0 &&
	    s.len == 200 && memcmp(got, text, 200) == 0,
	    "gzip: two members decode as one body");
}

static void
test_bomb(void)
{
	static unsigned char comp[256 * 1024];
	const size_t	 big = 64 * 1024 * 1024;
	struct sink	 s = { NULL, 0, 0, 0, 0, NULL };
	size_t		 len, cuts[512], i, n = 0;
	char		*zeros;
	int		 endrv, rv;

	if ((zeros = calloc(1, big)) == NULL) {
		skip(3, "no memory for the bomb");
		return;
	}
	len = compress_kind(zeros, big, 0, comp, sizeof(comp));
	free(zeros);
	ok(len > 0 && big / len >= 1000, "bomb: %zu bytes make 64 MiB (%zu:1)",
	    len, len ? big / len : 0);
	for (i = 4096; i < len && n < nitems(cuts); i += 4096)
		cuts[n++] = i;
	rv = decode(1, comp, len, cuts, n, &s, &endrv);
	ok(rv == 0 && endrv == 0 && s.len == big &&
	    s.maxpiece <= INFLATE_CHUNK,
	    "bomb: all 64 MiB out in pieces of at most %d bytes (largest %zu)",
	    INFLATE_CHUNK, s.maxpiece);
	s.limit = 1024 * 1024;
	rv = decode(1, comp, len, NULL, 0, &s, &endrv);
	ok(rv == -1 && endrv == -1 && s.len <= s.limit + INFLATE_CHUNK,
	    "bomb: inflate_abort past 1 MiB stops it (%zu bytes out)", s.len);
}

int
main(void)
{
	test_coding();
	test_roundtrip();
	test_corrupt();
	test_bomb();
	return done_testing();
}
