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
 * fuzz_mask.c: libFuzzer target for the response masker.  The first byte
 * gives the secret's length, the second how the body is cut into pieces,
 * the third which encoding of the secret to put into the body and the
 * fourth where; then come the secret and the body.  Whatever the input,
 * the output is as long as the body, differs from it only by '*' bytes,
 * equals the body masked whole by mask_line and by a masker that never
 * jumps (mask_jump()), and holds neither the secret nor its fully
 * percent-encoded or \u00XX-escaped form nor (when it has no partial
 * character) its base64.  One kind puts an escape left open before the
 * secret, whose first four bytes (five after a lone backslash) come plain
 * and the rest percent-encoded, so that the escape may take up some of
 * them: then, for a secret of 13 bytes or more, no byte of its form may
 * pass.  That kind may add, as a second secret, the first one less its
 * first one to three bytes.  Another puts a lone backslash before the
 * secret, whose first character (of one to three bytes) comes as
 * \uXXXX and the rest escaped: for a secret at least eight bytes longer
 * than that character, no byte after the backslash may pass.  Another
 * breaks the secret's base64 (after zero to two other bytes) into lines
 * of two characters or more, ending in CR, LF or both, raw or as JSON
 * escapes: every character of its core must be masked, but for the one
 * before the first line end when it is the only one there.  And at every
 * step a masker of a twin secret, as long but of other bytes, releases as
 * many bytes and holds as many: what is held tells nothing of the secret.
 * The masker's source is included, to turn the jump off.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "worker/mask.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SECRET_MAX	48
#define BODY_MAX	(64 * 1024)

/* Every byte as %XX (or %xx), or as \u00XX in JSON if it is ASCII. */
static size_t
enc_pct(const uint8_t *in, size_t len, int json, int lower, char *out)
{
	const char	*h = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	size_t		 i, o = 0;

	for (i = 0; i < len; i++) {
		if (json && in[i] >= 0x80) {
			out[o++] = in[i];
			continue;
		}
		if (json) {
			memcpy(out + o, "\\u00", 4);
			o += 4;
		} else
			out[o++] = '%';
		out[o++] = h[in[i] >> 4];
		out[o++] = h[in[i] & 15];
	}
	return o;
}

/*
 * what must not be in out, except, for a JSON form, after an odd run of
 * backslashes, which makes its first backslash an escaped one.
 */
static void
check_absent(const char *out, size_t len, const char *what, size_t wl,
    int json)
{
	const char	*p = out, *q;
	size_t		 bs;

	while (wl > 0 && (q = memmem(p, len - (p - out), what, wl)) != NULL) {
		for (bs = 0; q - bs > out && q[-1 - (ptrdiff_t)bs] == '\\';
		    bs++)
			;
		if (!json || bs % 2 == 0) {
			fprintf(stderr, "fuzz_mask: '%.*s' passed unmasked\n",
			    (int)wl, what);
			abort();
		}
		p = q + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 body[BODY_MAX + 8 * SECRET_MAX], out[sizeof(body) +
			    6 * SECRET_MAX], whole[sizeof(body)];
	static char	 tout[sizeof(out)];
	uint8_t		 secret[SECRET_MAX], twin[SECRET_MAX];
	static const char *const open[] = {
		"%", "%4", "%a", "\\", "\\u", "\\u0", "\\u00", "\\u00e"
	};
	static const char *const brk[] = { "\n", "\r\n", "\\n", "\\r\\n" };
	char		 form[8 * SECRET_MAX];
	char		 b64[4 * SECRET_MAX + 8];
	uint8_t		 data3[SECRET_MAX + 2];
	size_t		 pos[4 * SECRET_MAX + 8], line = 0, kmin = 0, kmax = 0;
	size_t		 b64len;
	struct mask	*m, *tm;
	size_t		 sl, bl, fl = 0, at, i, o, k, n, pl = 0, oi = 0, d = 0;
	size_t		 cl = 0;
	uint32_t	 r;
	int		 kind;

	if (size < 4)
		return 0;
	sl = 1 + data[0] % SECRET_MAX;
	r = data[1] | 1;
	kind = data[2] % 10;
	if (size < 4 + sl)
		return 0;
	for (i = 0; i < sl; i++) {
		secret[i] = data[4 + i];
		/* No line end (refused) and no '*' (masking would make it). */
		if (secret[i] == '\r' || secret[i] == '\n' || secret[i] == '*')
			secret[i] = 'x';
		/* Plain bytes that begin escapes of their own: not this. */
		if (kind == 7 && i < 5 && (secret[i] == '%' ||
		    secret[i] == '\\'))
			secret[i] = 'x';
		/*
		 * Nor a backslash after a lone one: text before it may spell
		 * the secret's own "\\u0" and mask half the \\uXXXX (left:
		 * credentials hold no backslash in practice).
		 */
		if (kind == 8 && secret[i] == '\\')
			secret[i] = 'x';
	}
	/* A first character of one to three bytes in UTF-8. */
	if (kind == 8) {
		cl = 1 + r / 32 % 3;
		if (cl > sl)
			cl = 1;
		if (cl == 1)
			secret[0] &= 0x7f;
		else if (cl == 2)
			secret[0] = 0xc2 + secret[0] % 30;
		else
			secret[0] = 0xe1 + secret[0] % 12;
		for (i = 1; i < cl; i++)
			secret[i] = 0x80 | (secret[i] & 0x3f);
		if (secret[0] == '\r' || secret[0] == '\n' ||
		    secret[0] == '*')
			secret[0] = 'x';
	}
	bl = size - 4 - sl;
	if (bl > BODY_MAX)
		bl = BODY_MAX;

	/* The body, with one encoding of the secret put in somewhere. */
	if (kind == 1) {
		memcpy(form, secret, sl);
		fl = sl;
	} else if (kind == 2 || kind == 3)
		fl = enc_pct(secret, sl, 0, kind == 3, form);
	else if (kind == 5)
		fl = enc_pct(secret, sl, 1, 0, form);
	else if (kind == 4)
		fl = EVP_EncodeBlock((unsigned char *)form, secret, sl);
	else if (kind == 7) {
		oi = r % 8;
		pl = strlen(open[oi]);
		memcpy(form, open[oi], pl);
		k = pl == 1 && open[oi][0] == '\\' ? 5 : 4;
		if (k > sl)
			k = sl;
		memcpy(form + pl, secret, k);
		fl = pl + k + enc_pct(secret + k, sl - k, 0, r & 8,
		    form + pl + k);
	} else if (kind == 8) {
		/* "\\" and "\\uXXXX", its code point from the UTF-8. */
		k = secret[0];
		if (cl == 2)
			k = (secret[0] & 0x1f) << 6 | (secret[1] & 0x3f);
		else if (cl == 3)
			k = (secret[0] & 0x0f) << 12 |
			    (secret[1] & 0x3f) << 6 | (secret[2] & 0x3f);
		fl = snprintf(form, sizeof(form), (r & 8) != 0 ?
		    "\\\\u%04zx" : "\\\\u%04zX", k);
		fl += enc_pct(secret + cl, sl - cl, (r & 128) != 0, r & 8,
		    form + fl);
	} else if (kind == 9) {
		/* The base64 of k bytes and the secret, in lines. */
		k = r / 32 % 3;
		memset(data3, 'n', k);
		memcpy(data3 + k, secret, sl);
		kmin = (8 * k + 5) / 6;
		kmax = 8 * (k + sl) / 6;
		b64len = EVP_EncodeBlock((unsigned char *)b64, data3, k + sl);
		line = 2 + r / 128 % 79;
		oi = r / 16384 % 4;
		pl = strlen(brk[oi]);
		for (i = 0; i < b64len; i++) {
			if (i > 0 && i % line == 0) {
				memcpy(form + fl, brk[oi], pl);
				fl += pl;
			}
			pos[i] = fl;
			form[fl++] = b64[i];
		}
	}
	at = bl == 0 ? 0 : data[3] % (bl + 1);
	memcpy(body, data + 4 + sl, at);
	/* An escape left open before it would take up characters of it. */
	for (i = at > 5 ? at - 5 : 0; kind == 9 && i < at; i++)
		if (body[i] == '%' || body[i] == '\\')
			body[i] = 'x';
	memcpy(body + at, form, fl);
	memcpy(body + at + fl, data + 4 + sl + at, bl - at);
	bl += fl;

	if (kind == 7 && (r & 16) != 0 && sl > 3)
		d = 1 + r / 32 % 3;
	/* A twin secret as long, of other bytes: see below. */
	for (i = 0; i < sl; i++) {
		twin[i] = secret[i] ^ 1;
		if (twin[i] == '\r' || twin[i] == '\n' || twin[i] == '*')
			twin[i] = secret[i] == 'q' ? 'r' : 'q';
	}
	if ((m = mask_new()) == NULL || (tm = mask_new()) == NULL)
		abort();
	if (mask_add(m, (const char *)secret, sl) == -1 || (d > 0 &&
	    mask_add(m, (const char *)secret + d, sl - d) == -1) ||
	    mask_add(tm, (const char *)twin, sl) == -1 || (d > 0 &&
	    mask_add(tm, (const char *)twin + d, sl - d) == -1))
		abort();
	for (i = o = 0; i < bl; i += k) {
		r = r * 1103515245 + 12345;
		k = 1 + (r >> 16) % 97;
		if (k > bl - i)
			k = bl - i;
		if (mask_bound(m, k) > sizeof(out) - o)
			abort();
		n = mask_feed(m, body + i, k, out + o, sizeof(out) - o);
		o += n;
		/*
		 * What comes out at once tells nothing of the secret: the
		 * twin's masker releases as much at every step.
		 */
		if (mask_feed(tm, body + i, k, tout, sizeof(tout)) != n ||
		    mask_held(tm) != mask_held(m)) {
			fprintf(stderr, "fuzz_mask: the twin secret's masker "
			    "holds %zu bytes, this one %zu\n", mask_held(tm),
			    mask_held(m));
			abort();
		}
	}
	mask_free(tm);
	o += mask_flush(m, out + o, sizeof(out) - o);
	if (o != bl) {
		fprintf(stderr, "fuzz_mask: %zu bytes in, %zu out\n", bl, o);
		abort();
	}
	for (i = 0; i < bl; i++)
		if (out[i] != body[i] && out[i] != '*')
			abort();
	memcpy(whole, body, bl);
	mask_line(m, whole, bl);
	if (memcmp(whole, out, bl) != 0) {
		fprintf(stderr, "fuzz_mask: the stream and mask_line differ\n");
		abort();
	}
	mask_free(m);
	if ((m = mask_new()) == NULL || mask_add(m, (const char *)secret,
	    sl) == -1 || (d > 0 && mask_add(m, (const char *)secret + d,
	    sl - d) == -1))
		abort();
	m->minlen = 0;
	memcpy(whole, body, bl);
	mask_line(m, whole, bl);
	if (memcmp(whole, out, bl) != 0) {
		fprintf(stderr, "fuzz_mask: a masker that never jumps "
		    "differs\n");
		abort();
	}
	mask_free(m);

	if (kind == 7 && sl >= 13)
		for (i = at + pl; i < at + fl; i++)
			if (out[i] != '*') {
				fprintf(stderr, "fuzz_mask: byte %zu of a "
				    "secret after '%s' passed\n", i - at - pl,
				    open[oi]);
				abort();
			}
	if (kind == 8 && sl >= cl + 8)
		for (i = at + 1; i < at + fl; i++)
			if (out[i] != '*') {
				fprintf(stderr, "fuzz_mask: byte %zu of a "
				    "secret after a lone backslash passed\n",
				    i - at - 1);
				abort();
			}
	/* The core, but for one character alone before the first line end. */
	if (kind == 9 && kmax - kmin >= MASK_B64_MIN + 1)
		for (i = kmin; i < kmax; i++)
			if (out[at + pos[i]] != '*' && !(i == kmin &&
			    (kmin / line + 1) * line == kmin + 1)) {
				fprintf(stderr, "fuzz_mask: base64 character "
				    "%zu of %zu..%zu passed (lines of %zu)\n",
				    i, kmin, kmax, line);
				abort();
			}
	check_absent(out, bl, (const char *)secret, sl, 0);
	fl = enc_pct(secret, sl, 0, 0, form);
	check_absent(out, bl, form, fl, 0);
	fl = enc_pct(secret, sl, 0, 1, form);
	check_absent(out, bl, form, fl, 0);
	fl = enc_pct(secret, sl, 1, 1, form);
	check_absent(out, bl, form, fl, 1);
	if (sl % 3 == 0 && sl >= 3) {
		fl = EVP_EncodeBlock((unsigned char *)form, secret, sl);
		check_absent(out, bl, form, fl, 0);
	}
	return 0;
}
