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
 * inflate.c: a connector host's response must be read by the masker byte
 * for byte, so a body that arrives compressed although the worker asked
 * for identity is decoded here (gzip, and deflate in both the zlib and the
 * raw form browsers accept) and passed on decoded.  Output goes out in
 * pieces of at most INFLATE_CHUNK bytes from a fixed buffer, so a small
 * body that decompresses to gigabytes costs time, never memory; how much
 * to accept is the caller's limit (inflate_abort stops the stream).
 * zlib's window holds recent plaintext, which may hold a credential: its
 * memory is zeroed when freed.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZLIB_CONST
#include <zlib.h>

#include "worker/inflate.h"

/* Room before each zlib allocation for its size, keeping malloc's alignment. */
#define INFLATE_HDR	16

enum inflate_state {
	INFLATE_FIRST,		/* deflate: which kind, zlib or raw? */
	INFLATE_BODY,
	INFLATE_DONE,		/* the stream ended */
	INFLATE_FAILED
};

struct inflater {
	z_stream		 z;
	int			 gzip;
	int			 zinit;
	enum inflate_state	 state;
	int			 nfirst;
	unsigned char		 first;
	char			 out[INFLATE_CHUNK];
};

static voidpf	inflate_zalloc(voidpf, uInt, uInt);
static void	inflate_zfree(voidpf, voidpf);
static int	inflate_start(struct inflater *, int);
static int	inflate_step(struct inflater *,
		    void (*)(void *, const char *, size_t), void *, size_t *);
static int	inflate_run(struct inflater *, const unsigned char *, size_t,
		    void (*)(void *, const char *, size_t), void *);

static voidpf
inflate_zalloc(voidpf opaque, uInt items, uInt size)
{
	unsigned char	*p;
	size_t		 n;

	(void)opaque;
	if (size != 0 && items > (SIZE_MAX - INFLATE_HDR) / size)
		return Z_NULL;
	n = (size_t)items * size;
	if ((p = malloc(n + INFLATE_HDR)) == NULL)
		return Z_NULL;
	memcpy(p, &n, sizeof(n));
	return p + INFLATE_HDR;
}

static void
inflate_zfree(voidpf opaque, voidpf ptr)
{
	unsigned char	*p = ptr;
	size_t		 n;

	(void)opaque;
	if (p == NULL)
		return;
	p -= INFLATE_HDR;
	memcpy(&n, p, sizeof(n));
	explicit_bzero(p, n + INFLATE_HDR);
	free(p);
}

/*
 * What a Content-Encoding asks of the worker: INFLATE_IDENTITY when there
 * is none, INFLATE_GZIP or INFLATE_DEFLATE, and INFLATE_UNSCANNABLE for
 * anything else (br, zstd, compress, a list of several codings), which
 * the caller refuses rather than pass bytes the masker cannot read.
 */
int
inflate_coding(const char *ce)
{
	size_t	 len;

	if (ce == NULL)
		return INFLATE_IDENTITY;
	while (*ce == ' ' || *ce == '\t')
		ce++;
	len = strlen(ce);
	while (len > 0 && (ce[len - 1] == ' ' || ce[len - 1] == '\t'))
		len--;
	if (len == 0 || (len == 8 && strncasecmp(ce, "identity", 8) == 0))
		return INFLATE_IDENTITY;
	if ((len == 4 && strncasecmp(ce, "gzip", 4) == 0) ||
	    (len == 6 && strncasecmp(ce, "x-gzip", 6) == 0))
		return INFLATE_GZIP;
	if (len == 7 && strncasecmp(ce, "deflate", 7) == 0)
		return INFLATE_DEFLATE;
	return INFLATE_UNSCANNABLE;
}

/* A gzip decoder when gzip is set, else one for deflate. */
struct inflater *
inflate_new(int gzip)
{
	struct inflater	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->gzip = gzip;
	f->state = INFLATE_FIRST;
	if (gzip && inflate_start(f, 16 + MAX_WBITS) == -1) {
		free(f);
		return NULL;
	}
	return f;
}

static int
inflate_start(struct inflater *f, int wbits)
{
	f->z.zalloc = inflate_zalloc;
	f->z.zfree = inflate_zfree;
	f->z.opaque = Z_NULL;
	if (inflateInit2(&f->z, wbits) != Z_OK)
		return -1;
	f->zinit = 1;
	f->state = INFLATE_BODY;
	return 0;
}

/*
 * One call of zlib into the output buffer, whose *n bytes are handed out:
 * zlib's answer, or -1 when the data is corrupt or the output function
 * called inflate_abort.
 */
static int
inflate_step(struct inflater *f, void (*out)(void *, const char *, size_t),
    void *arg, size_t *n)
{
	int	 r;

	f->z.next_out = (unsigned char *)f->out;
	f->z.avail_out = sizeof(f->out);
	r = inflate(&f->z, Z_NO_FLUSH);
	*n = sizeof(f->out) - f->z.avail_out;
	if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
		return -1;
	if (*n > 0)
		out(arg, f->out, *n);
	if (f->state == INFLATE_FAILED)		/* inflate_abort */
		return -1;
	if (r == Z_STREAM_END)
		f->state = INFLATE_DONE;
	return r;
}

/*
 * Decodes in, handing out each piece of output as it is made.  A gzip
 * body may hold several members one after the other; anything else after
 * the end of the stream is corrupt.
 */
static int
inflate_run(struct inflater *f, const unsigned char *in, size_t len,
    void (*out)(void *, const char *, size_t), void *arg)
{
	size_t	 n;
	int	 r;

	while (len > 0 || f->z.avail_in > 0) {
		if (f->z.avail_in == 0) {
			n = len > UINT32_MAX / 2 ? UINT32_MAX / 2 : len;
			f->z.next_in = in;
			f->z.avail_in = n;
			in += n;
			len -= n;
		}
		if (f->state == INFLATE_DONE) {
			if (!f->gzip || inflateReset(&f->z) != Z_OK)
				goto fail;
			f->state = INFLATE_BODY;
		}
		if ((r = inflate_step(f, out, arg, &n)) == -1)
			goto fail;
		if (r == Z_BUF_ERROR && n == 0 && f->z.avail_in > 0)
			goto fail;
	}
	/* All of in is read; what zlib still holds comes out now. */
	while (f->state == INFLATE_BODY) {
		if (inflate_step(f, out, arg, &n) == -1)
			goto fail;
		if (n == 0)
			break;
	}
	return 0;
 fail:
	f->state = INFLATE_FAILED;
	return -1;
}

/*
 * Feeds compressed bytes; out is called with each decoded piece (at most
 * INFLATE_CHUNK bytes).  Returns 0, or -1 when the data is corrupt or the
 * stream was aborted; after -1 every call fails.
 */
int
inflate_feed(struct inflater *f, const char *in, size_t inlen,
    void (*out)(void *, const char *, size_t), void *arg)
{
	const unsigned char	*u = (const unsigned char *)in;
	unsigned int		 b0, b1;

	if (f->state == INFLATE_FAILED)
		return -1;
	if (inlen == 0)
		return 0;
	if (f->state == INFLATE_FIRST) {
		/* RFC 9110 says zlib; some servers send raw deflate. */
		if (f->nfirst == 0 && inlen == 1) {
			f->first = u[0];
			f->nfirst = 1;
			return 0;
		}
		b0 = f->nfirst ? f->first : u[0];
		b1 = f->nfirst ? u[0] : u[1];
		if (inflate_start(f, (b0 & 0x0f) == Z_DEFLATED &&
		    (b0 >> 4) + 8 <= MAX_WBITS && (b0 << 8 | b1) % 31 == 0 ?
		    MAX_WBITS : -MAX_WBITS) == -1) {
			f->state = INFLATE_FAILED;
			return -1;
		}
		if (f->nfirst && inflate_run(f, &f->first, 1, out, arg) == -1)
			return -1;
	}
	return inflate_run(f, u, inlen, out, arg);
}

/* Called from the output function, stops the stream: a limit was reached. */
void
inflate_abort(struct inflater *f)
{
	f->state = INFLATE_FAILED;
}

/* At the end of the body: 0 if the stream ended whole, -1 if not. */
int
inflate_end(struct inflater *f)
{
	return f->state == INFLATE_DONE ? 0 : -1;
}

void
inflate_free(struct inflater *f)
{
	if (f == NULL)
		return;
	if (f->zinit)
		inflateEnd(&f->z);
	explicit_bzero(f, sizeof(*f));
	free(f);
}
