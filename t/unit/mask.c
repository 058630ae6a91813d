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
 * mask.c: tests for the response masker.  Each encoded form of a secret
 * is built here by an encoder of the test's own and masked whole, fed at
 * once, a byte at a time and split at every point; text that cannot begin
 * a secret must come out at once.  The masker's source is included so
 * that the test can look at its memory after mask_wipe.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "worker/mask.c"
#include "tap.h"

#define BIG	(64 * 1024)
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static char	 outbuf[4 * BIG];

static const char hexu[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

/* Splits: 0 whole, 1 a byte at a time, 2 in two at *at. */
enum { FEED_WHOLE, FEED_BYTES, FEED_SPLIT };

/* Feeds in through m as told and returns what came out (in outbuf). */
static size_t
feed(struct mask *m, const char *in, size_t len, int how, size_t at)
{
	size_t	 o = 0, i;

	switch (how) {
	case FEED_WHOLE:
		o += mask_feed(m, in, len, outbuf + o, mask_bound(m, len));
		break;
	case FEED_BYTES:
		for (i = 0; i < len; i++)
			o += mask_feed(m, in + i, 1, outbuf + o,
			    mask_bound(m, 1));
		break;
	case FEED_SPLIT:
		o += mask_feed(m, in, at, outbuf + o, mask_bound(m, at));
		o += mask_feed(m, in + at, len - at, outbuf + o,
		    mask_bound(m, len - at));
		break;
	}
	o += mask_flush(m, outbuf + o, mask_held(m));
	return o;
}

/*
 * Whether in comes out as want whole, a byte at a time and split at
 * every point (every step-th point for long inputs).
 */
static int
check_all(struct mask *m, const char *in, size_t len, const char *want,
    size_t step, const char *what)
{
	size_t	 o, at;
	int	 good = 1;

	o = feed(m, in, len, FEED_WHOLE, 0);
	if (o != len || memcmp(outbuf, want, len) != 0) {
		diag("%s: whole: got '%.*s'", what, (int)o, outbuf);
		good = 0;
	}
	o = feed(m, in, len, FEED_BYTES, 0);
	if (o != len || memcmp(outbuf, want, len) != 0) {
		diag("%s: bytes: got '%.*s'", what, (int)o, outbuf);
		good = 0;
	}
	for (at = 0; at <= len && good; at += step) {
		o = feed(m, in, len, FEED_SPLIT, at);
		if (o != len || memcmp(outbuf, want, len) != 0) {
			diag("%s: split at %zu: got '%.*s'", what, at, (int)o,
			    outbuf);
			good = 0;
		}
	}
	return ok(good, "%s", what);
}

/* Standard base64 with padding, or the URL-safe alphabet. */
static size_t
b64(const uint8_t *in, size_t len, int url, char *out)
{
	const char	*a = url ? b64_url : b64_std;
	size_t		 i, o = 0;
	uint32_t	 v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < len ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? a[v & 63] : '=';
	}
	return o;
}

/*
 * The secret inside base64 data at byte offset off: the encoded text,
 * and the same with '*' wherever the encoding does not depend on the
 * neighbours (found by encoding with all-zero and all-one neighbours).
 */
static size_t
b64_case(const char *s, size_t n, size_t off, size_t after, int url,
    char *in, char *want)
{
	static uint8_t	 d[3 * BIG];
	static char	 e0[4 * BIG], e1[4 * BIG];
	size_t		 len, i, dl = off + n + after;

	memset(d, 0, dl);
	memcpy(d + off, s, n);
	b64(d, dl, url, e0);
	memset(d, 0xff, dl);
	memcpy(d + off, s, n);
	b64(d, dl, url, e1);
	for (i = 0; i < dl; i++)
		d[i] = "neighbours"[i % 10];
	memcpy(d + off, s, n);
	len = b64(d, dl, url, in);
	for (i = 0; i < len; i++)
		want[i] = e0[i] == e1[i] && in[i] != '=' ? '*' : in[i];
	return len;
}

/*
 * Percent-encodes s: style 0 all upper, 1 all lower, 2 minimal upper with
 * '+' for space, 3 minimal lower, 4 alternating encoded and not; or puts
 * it in a JSON string: 5 with "\/" and \u00xx for all but letters and
 * digits, 6 with \u00XX for every ASCII byte.
 */
static size_t
url_enc(const char *s, size_t n, int style, char *out)
{
	size_t		 i, o = 0;
	uint8_t		 c;
	int		 keep;
	const char	*h = (style == 1 || style == 3 || style == 5) ?
			    hexl : hexu;

	for (i = 0; i < n; i++) {
		c = s[i];
		keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~';
		if (style == 4)
			keep = (i % 2 == 0) && c != '%' && c != '+' &&
			    c != '\\';
		if (style >= 5 && (c >= 0x80 || (style == 5 && keep &&
		    c != '-' && c != '.' && c != '_' && c != '~')))
			out[o++] = c;
		else if (style == 5 && c == '/') {
			out[o++] = '\\';
			out[o++] = '/';
		} else if (style >= 5) {
			o += snprintf(out + o, 7, "\\u00%c%c",
			    h[c >> 4], h[c & 15]);
		} else if (style == 2 && c == ' ')
			out[o++] = '+';
		else if ((style == 2 || style == 3 || style == 4) && keep)
			out[o++] = c;
		else {
			out[o++] = '%';
			out[o++] = h[c >> 4];
			out[o++] = h[c & 15];
		}
	}
	return o;
}

/* pfx + form + sfx in, pfx + stars + sfx wanted; returns the length. */
static size_t
wrap(const char *form, size_t fl, const char *formwant, char *in, char *want)
{
	static const char pfx[] = "{\"echo\": \"";
	static const char sfx[] = "\", \"ok\": true}\n";
	size_t	 pl = sizeof(pfx) - 1, sl = sizeof(sfx) - 1;

	memcpy(in, pfx, pl);
	memcpy(in + pl, form, fl);
	memcpy(in + pl + fl, sfx, sl);
	memcpy(want, pfx, pl);
	if (formwant != NULL)
		memcpy(want + pl, formwant, fl);
	else
		memset(want + pl, '*', fl);
	memcpy(want + pl + fl, sfx, sl);
	return pl + fl + sl;
}

/* Every form of one secret, each masked whole however it is fed. */
static void
test_forms(const char *s, size_t n, const char *name)
{
	static char	 form[4 * BIG], fwant[4 * BIG], in[5 * BIG],
			 want[5 * BIG];
	struct mask	*m;
	size_t		 fl, len, step, off, before;
	int		 style, url;
	char		 what[128];

	if ((m = mask_new()) == NULL || mask_add(m, s, n) == -1) {
		ok(0, "%s: mask_add", name);
		return;
	}
	step = n > 64 ? 97 : 1;
	len = wrap(s, n, NULL, in, want);
	snprintf(what, sizeof(what), "%s: plain", name);
	before = mask_count(m);
	check_all(m, in, len, want, step, what);
	if (step == 1)
		is((long long)(mask_count(m) - before), (long long)(len + 3),
		    "%s: plain counted once per feed", name);

	for (style = 0; style < 7; style++) {
		fl = url_enc(s, n, style, form);
		len = wrap(form, fl, NULL, in, want);
		snprintf(what, sizeof(what), "%s: %s, style %d", name,
		    style < 5 ? "URL-encoded" : "JSON-escaped", style);
		check_all(m, in, len, want, step, what);
	}
	if (n < 4)
		goto done;
	for (url = 0; url < 2; url++) {
		for (off = 0; off < 3; off++) {
			fl = b64_case(s, n, off + 3, 4, url, form, fwant);
			len = wrap(form, fl, fwant, in, want);
			snprintf(what, sizeof(what), "%s: base64%s at %zu",
			    name, url ? " (URL-safe)" : "", off);
			check_all(m, in, len, want, step, what);
			/* At the very start and end of the data, too. */
			fl = b64_case(s, n, off, 0, url, form, fwant);
			len = wrap(form, fl, fwant, in, want);
			snprintf(what, sizeof(what),
			    "%s: base64%s alone at %zu", name,
			    url ? " (URL-safe)" : "", off);
			check_all(m, in, len, want, step, what);
		}
	}
 done:
	mask_free(m);
}

/* A step feeds in and expects out (what comes out at once) and held. */
struct step {
	const char	*in;
	const char	*out;
	size_t		 held;
	const char	*what;
};

static void
run_steps(struct mask *m, const struct step *steps, size_t n)
{
	char		 out[256];
	size_t		 o, i;

	for (i = 0; i < n; i++) {
		o = mask_feed(m, steps[i].in, strlen(steps[i].in), out,
		    sizeof(out));
		if (!ok(o == strlen(steps[i].out) &&
		    memcmp(out, steps[i].out, o) == 0 &&
		    mask_held(m) == steps[i].held, "%s", steps[i].what))
			diag("got '%.*s', %zu held", (int)o, out,
			    mask_held(m));
	}
}

static void	test_oracle(void);

/*
 * What is held depends on the text alone: every byte since the last line
 * end at which every match ends (mask_hold), whether it may begin a
 * secret or not.
 */
static void
test_release(void)
{
	static const struct step steps[] = {
		{ "data: {\"text\": \"hi\"}", "", 20,
		  "text since the last line end is held, whatever it is" },
		{ "\n", "data: {\"text\": \"hi\"}\n", 0,
		  "a line end after a byte of no base64 releases it" },
		{ "data: sk-abc1", "", 13,
		  "the start of a secret is held as any text is" },
		{ "23X", "", 16, "more of it: still nothing out" },
		{ "\n\n", "data: sk-abc123X\n\n", 0,
		  "a blank line releases the tail, unmasked: it was no secret" },
		{ "x\r", "", 2,
		  "a line end after a byte of base64 does not: a core may go "
		  "on across it" },
		{ "\r", "x\r\r", 0, "a second CR is a blank line" },
		{ "q%\n", "q%\n", 0, "a line end ends an escape begun" },
		{ "w\\u00", "", 5, "a JSON escape begun: held" },
		{ "7!\n", "w\\u007!\n", 0, "'\\u007!' is no escape: released" },
		{ "sk-abc123XYZ tail.", "", 18, "a whole secret, held too" },
		{ "\n", "************ tail.\n", 0, "and released masked" },
		{ "sk-abc123X", "", 10, "the start of one again" },
	};
	struct mask	*m;
	char		 out[256];
	size_t		 o;

	m = mask_new();
	o = mask_feed(m, "50%", 3, out, sizeof(out));
	ok(o == 3 && mask_held(m) == 0,
	    "with no secret, not even a '%' is held");
	mask_add(m, "sk-abc123XYZ", 12);
	run_steps(m, steps, nitems(steps));
	o = mask_flush(m, out, sizeof(out));
	ok(o == 10 && memcmp(out, "sk-abc123X", 10) == 0,
	    "flush releases a held tail unmasked");
	mask_free(m);

	/* A blank line whose second line end comes in a read of its own. */
	m = mask_new();
	mask_add(m, "sk-abc123XYZ", 12);
	o = mask_feed(m, "data: {\"a\":1}\n", 14, out, sizeof(out));
	o += mask_feed(m, "\n", 1, out + o, sizeof(out) - o);
	ok(o == 15 && mask_held(m) == 0,
	    "an SSE event's blank line, come apart: released");
	o = mask_feed(m, "data: {\"a\":1}\r\n", 15, out, sizeof(out));
	o += mask_feed(m, "\r", 1, out + o, sizeof(out) - o);
	o += mask_feed(m, "\n", 1, out + o, sizeof(out) - o);
	ok(o == 17 && mask_held(m) == 0, "... also CR LF, a byte at a time");
	mask_free(m);

	/* A secret that holds "\\n" as text: a line end still ends all. */
	m = mask_new();
	mask_add(m, "abc\\ndefghij-key", 16);
	o = mask_feed(m, "data: abc\n.\n", 12, out, sizeof(out));
	ok(o == 12 && mask_held(m) == 0,
	    "a secret with \"\\n\" in it holds nothing past a line end");
	mask_free(m);
	test_oracle();
}

/*
 * An agent whose bytes come back as they go (WebSocket fragments, a
 * streamed echo) sends a guess at a time: how much of it comes back must
 * not say how much of it begins a secret.  Two maskers whose secrets are
 * as long, fed the same text, release the same bytes at every step.
 */
static void
test_oracle(void)
{
	static const char *const a[] = {
		"sk-live-0123456789abcdef", "xoxb-Zq7+Xw/9bY2kLmN0pQrStU",
	};
	static const char *const b[] = {
		"pk-test-fedcba9876543210", "ghp_0123456789abcdefghijklm",
	};
	/* The guess between these, and as the last form, a's base64. */
	static const char *const forms[][2] = {
		{ "|", "" }, { "data: ", "\n" }, { "{\"echo\": \"", "\"}\n" },
	};
	struct mask	*ma, *mb;
	char		 in[128], oa[4096], ob[4096], e[256], ew[256];
	size_t		 i, k, f, n, ra, rb, len;
	int		 same;

	for (i = 0; i < nitems(a); i++) {
		len = strlen(a[i]);
		for (f = 0; f < nitems(forms) + 1; f++) {
			ma = mask_new();
			mb = mask_new();
			mask_add(ma, a[i], len);
			mask_add(mb, b[i], len);
			/* a's base64, a character at a time. */
			if (f == nitems(forms))
				b64_case(a[i], len, 0, 0, 0, e, ew);
			same = 1;
			for (k = 1; k < len && same; k++) {
				if (f < nitems(forms))
					n = (size_t)snprintf(in, sizeof(in),
					    "%s%.*s%s", forms[f][0], (int)k,
					    a[i], forms[f][1]);
				else {
					in[0] = e[k - 1];
					n = 1;
				}
				ra = mask_feed(ma, in, n, oa, sizeof(oa));
				rb = mask_feed(mb, in, n, ob, sizeof(ob));
				if (ra != rb || mask_held(ma) != mask_held(mb)) {
					diag("%s, form %zu, %zu characters: "
					    "%zu and %zu out, %zu and %zu held",
					    a[i], f, k, ra, rb, mask_held(ma),
					    mask_held(mb));
					same = 0;
				}
			}
			ok(same, "%zu-byte secrets, form %zu: what is held "
			    "does not tell which", len, f);
			mask_free(ma);
			mask_free(mb);
		}
	}

	/*
	 * A space before a line end: the decoder reads it as the '+' of a
	 * base64 core ("YWJ+" of "ab~"), which goes on across the line end.
	 */
	ma = mask_new();
	mb = mask_new();
	mask_add(ma, "ab~defghijklmnopqrstuvwx", 24);
	mask_add(mb, "pk-test-fedcba9876543210", 24);
	same = 1;
	for (k = 0; k < 2 && same; k++) {
		ra = mask_feed(ma, k == 0 ? "}\nYWJ \n" : "}\nWJ \n",
		    k == 0 ? 7 : 6, oa, sizeof(oa));
		rb = mask_feed(mb, k == 0 ? "}\nYWJ \n" : "}\nWJ \n",
		    k == 0 ? 7 : 6, ob, sizeof(ob));
		same = ra == rb && mask_held(ma) == mask_held(mb);
		mask_flush(ma, oa, sizeof(oa));
		mask_flush(mb, ob, sizeof(ob));
	}
	ok(same, "a space before a line end holds as a base64 byte does");
	mask_free(ma);
	mask_free(mb);
}

/* Secrets that are prefixes of each other, several at once, a 1-byte one. */
static void
test_several(void)
{
	struct mask	*m;
	char		 buf[128];
	const char	*in, *want;

	m = mask_new();
	ok(mask_add(m, "abcdef", 6) == 0 && mask_add(m, "abcdefghij", 10) == 0,
	    "two secrets, one a prefix of the other");
	in = "xxabcdefghijyy abcdefzz abcdefgh abcdeabcdefghij";
	want = "xx**********yy ******zz ******gh abcde**********";
	check_all(m, in, strlen(in), want, 1, "prefixes: the longest wins");
	ok(mask_add(m, "user", 4) == 0 && mask_add(m, "p@ss word", 9) == 0,
	    "four secrets");
	in = "user=user&pass=p%40ss+word&b=cEBzcyB3b3Jk";
	want = "****=****&pass=***********&b=************";
	check_all(m, in, strlen(in), want, 1, "four at once");
	mask_free(m);

	m = mask_new();
	mask_add(m, "Q", 1);
	in = "aQbQQ%51%71+Q";
	want = "a*b*****%71+*";
	check_all(m, in, strlen(in), want, 1, "a 1-byte secret");
	strlcpy(buf, "Bearer QQ", sizeof(buf));
	is(mask_line(m, buf, strlen(buf)), 2, "mask_line counts two");
	is_str(buf, "Bearer **", "mask_line masks in place");
	mask_free(m);

	m = mask_new();
	ok(mask_add(m, "a\r\nb", 4) == -1, "a secret with a line end: refused");
	ok(mask_add(m, "", 0) == -1, "an empty secret: refused");
	mask_add(m, "abc", 3);
	mask_feed(m, "ab", 2, buf, sizeof(buf));
	ok(mask_add(m, "def", 3) == -1, "no mask_add while bytes are held");
	mask_flush(m, buf, sizeof(buf));
	ok(mask_add(m, "def", 3) == 0, "after the flush, yes");
	mask_free(m);
}

/* What a header value gives away: its credential alone, Basic's parts. */
static void
test_credential(void)
{
	static const struct {
		const char	*value;
		const char	*in;
		const char	*want;
	} rows[] = {
		{ "Bearer sk-abc123def456",
		  "{\"token\": \"sk-abc123def456\", "
		  "\"h\": \"Bearer sk-abc123def456\"}",
		  "{\"token\": \"***************\", "
		  "\"h\": \"**********************\"}" },
		/* x-access-token:ghp_abcdefghij0123456789 */
		{ "Basic eC1hY2Nlc3MtdG9rZW46Z2hwX2FiY2RlZmdoaWowMTIzNDU2Nzg5",
		  "user x-access-token, pass ghp_abcdefghij0123456789, "
		  "both x-access-token:ghp_abcdefghij0123456789",
		  "user x-access-token, pass ************************, "
		  "both ***************************************" },
		/* sk_live_0123456789abcdef: (the key as the user) */
		{ "basic c2tfbGl2ZV8wMTIzNDU2Nzg5YWJjZGVmOg==",
		  "key sk_live_0123456789abcdef; b64 "
		  "c2tfbGl2ZV8wMTIzNDU2Nzg5YWJjZGVmOg==",
		  "key ************************; b64 "
		  "************************************" },
		{ "abc defg", "abc defg, defg, abc", "********, ****, abc" },
		/* Too short to be masked alone, as "X" below. */
		{ "abc def", "abc def, def, abc", "*******, def, abc" },
		/* 0123456789abcdefKEY:X (Freshdesk's key and dummy password) */
		{ "Basic MDEyMzQ1Njc4OWFiY2RlZktFWTpY",
		  "key 0123456789abcdefKEY; {\"X\": \"next\"}",
		  "key *******************; {\"X\": \"next\"}" },
		{ "sk-bare-key-0123", "got sk-bare-key-0123",
		  "got ****************" },
		/*
		 * A "%4F" of its own, kept where JSON escapes its '"' and
		 * backslash; a "\\/" of its own, kept where a URL encoder
		 * escapes its '%'.
		 */
		{ "Xy7%4Fqw\\\"I3KinKLgBg8MTSrB",
		  "{\"k\": \"Xy7%4Fqw\\\\\\\"I3KinKLgBg8MTSrB\"}",
		  "{\"k\": \"****************************\"}" },
		{ "Xy7%4Fqw\\/I3KinKLgBg8MTSrB",
		  "{\"k\": \"Xy7%4Fqw\\\\/I3KinKLgBg8MTSrB\"}",
		  "{\"k\": \"***************************\"}" },
		{ "Ab%41\\/cdefghijk",
		  "q=Ab%2541\\/cdefghijk&",
		  "q=******************&" },

		{ "Xy7%4Fqw\"I3KinKLgBg8MTSrB",
		  "{\"k\": \"Xy7%4Fqw\\\"I3KinKLgBg8MTSrB\"}",
		  "{\"k\": \"**************************\"}" },
	};
	struct mask	*m;
	char		 buf[256];
	size_t		 i;

	for (i = 0; i < nitems(rows); i++) {
		m = mask_new();
		ok(mask_add_credential(m, rows[i].value,
		    strlen(rows[i].value)) == 0, "credential '%s' added",
		    rows[i].value);
		strlcpy(buf, rows[i].in, sizeof(buf));
		mask_line(m, buf, strlen(buf));
		is_str(buf, rows[i].want, "and masked in '%s'", rows[i].in);
		mask_free(m);
	}

	/* Room for 2 secrets of the 4 a Basic one needs: none is added. */
	m = mask_new();
	for (i = 0; i < MASK_MAX_SECRETS - 2; i++) {
		snprintf(buf, sizeof(buf), "secret-%zu", i);
		mask_add(m, buf, strlen(buf));
	}
	ok(mask_add_credential(m, rows[1].value, strlen(rows[1].value)) ==
	    -1 && m->nsecrets == MASK_MAX_SECRETS - 2,
	    "a credential that does not fit is refused whole");
	strlcpy(buf, "x-access-token:ghp_abcdefghij0123456789", sizeof(buf));
	is(mask_line(m, buf, strlen(buf)), 0, "and none of it is masked");
	mask_free(m);
}

/* Overlapping occurrences of a repetitive secret mask every byte. */
static void
test_overlap(void)
{
	struct mask	*m;
	const char	*in, *want;

	m = mask_new();
	mask_add(m, "aaaa", 4);
	in = "baaaaaaab aaa";
	want = "b*******b aaa";
	check_all(m, in, strlen(in), want, 1, "overlapping occurrences");
	mask_free(m);

	/*
	 * One secret inside another's encoded form: the raw match of the
	 * first masks bytes the decoder must still read as they were.
	 */
	m = mask_new();
	mask_add(m, "1234", 4);
	mask_add(m, "tok1234xyz", 10);
	in = "key=tok1234xy%7A; key=%74ok1234x%79z.";
	want = "key=************; key=**************.";
	check_all(m, in, strlen(in), want, 1,
	    "a secret inside another's encoded form");
	mask_free(m);
}

/* check_all, with two secrets added in this order. */
static int
check_two(const char *s1, const char *s2, const char *in, const char *want,
    const char *what)
{
	struct mask	*m;
	int		 good;

	m = mask_new();
	mask_add(m, s1, strlen(s1));
	mask_add(m, s2, strlen(s2));
	good = check_all(m, in, strlen(in), want, 1, what);
	mask_free(m);
	return good;
}

/*
 * Whether in comes out as want after 0 to 39 bytes of filler, fed whole,
 * with the secret added.
 */
static int
after_filler(const char *secret, char fill, const char *in, const char *want)
{
	struct mask	*m;
	char		 buf[128], exp[128];
	size_t		 i, n, len = strlen(in);
	int		 good;

	m = mask_new();
	mask_add(m, secret, strlen(secret));
	for (i = 0, good = 1; i < 40 && good; i++) {
		memset(buf, fill, i);
		memcpy(buf + i, in, len);
		memset(exp, fill, i);
		memcpy(exp + i, want, len);
		n = feed(m, buf, i + len, FEED_WHOLE, 0);
		good = n == i + len && memcmp(outbuf, exp, n) == 0;
	}
	mask_free(m);
	return good;
}

/*
 * An escape left open before an encoded secret takes up its first bytes
 * ("%4" and "1" are "%41"), so what follows decodes to the secret less
 * them: that is masked, and so is the escape that holds the rest.  A
 * secret with an escape before it that took none of it is masked alone.
 * A lone backslash takes the backslash of the "\\uXXXX" a secret's
 * first character is sent as: the rest is masked, and the "\\uXXXX".
 */
static void
test_swallow(void)
{
	static const struct {
		const char	*secret;
		const char	*in;
		const char	*want;
		const char	*what;
	} cases[] = {
		{ "1bc/def-ghijklmnop", "x=%41bc%2Fdef-ghijklmnop end",
		  "x=********************** end",
		  "'%4' takes up a secret's first byte" },
		{ "ab/cdefghijklmn", "=%ab%2Fcdefghijklmn.",
		  "=******************.",
		  "'%' takes up a secret's first two" },
		{ "abcd1234efgh5678", "\"\\uabcd1234efgh5678\"",
		  "\"******************\"",
		  "'\\u' takes up a secret's first four" },
		{ "abcd1234efgh5678", "\"\\u0abcd1234efgh5678\"",
		  "\"*******************\"",
		  "'\\u0' takes up three" },
		{ "tuvwxyz0123456789", "[\\tuvwxyz0123456789]",
		  "[******************]",
		  "a JSON '\\' takes up one ('\\t')" },
		{ "1bc/def-ghijklmnop", "a%201bc%2Fdef-ghijklmnop",
		  "a%20********************",
		  "an escape before a whole secret stays" },
		{ "1bc/def-ghijklmnop", "x1bc/def-ghijklmnop",
		  "x******************",
		  "a literal before one stays" },
		{ "1bc/def-ghijklmnop", "xbc/def-ghijklmnop",
		  "x*****************",
		  "a secret without its first byte is masked too" },
		{ "aaaaaaaaaa", "\\u0075aaaaaaaa.",
		  "\\u0075********.",
		  "an escape before a suffix that took none of it stays" },
		{ "u1234abcdefghij",
		  "x=\\u1234%61%62%63%64%65%66%67%68%69%6A end",
		  "x=************************************ end",
		  "a JSON '\\' takes up five ('\\u1234')" },
		{ "sk-abcdef123456", "x=\\u00e1sk-abcdef123456",
		  "x=\\u00e1***************",
		  "an escape before a whole secret, spelling none of it, stays" },
		{ "xyz0123456789abc", "a\\\\u0078yz0123456789abc.",
		  "a\\*********************.",
		  "a lone '\\' takes the backslash of '\\u0078'" },
		{ "xyz0123456789abc",
		  "a\\\\u0078\\u0079\\u007a0123456789abc.",
		  "a\\*******************************.",
		  "a lone '\\' before a secret all escaped" },
		{ "\xc3\xa9yz0123456789ab", "a\\\\u00E9yz0123456789ab.",
		  "a\\********************.",
		  "a lone '\\' before a two-byte first character" },
		{ "\xe2\x82\xacyz0123456789a", "a\\\\u20acyz0123456789a.",
		  "a\\*******************.",
		  "a lone '\\' before a three-byte first character" },
		{ "xyz0123456789abc", "a\\\\u0079yz0123456789abc.",
		  "a\\\\u0079***************.",
		  "a '\\u' escape that spells another character stays" },
		{ "0030eeeexxeeee", "a\\\\u0030030eeeexxeeee.",
		  "a\\*******************.",
		  "a match that begins inside '\\u0030' masks all of it" },
	};
	struct mask	*m;
	char		 line[64], in[80], want[80], sec[24];
	size_t		 i, n;

	for (i = 0; i < nitems(cases); i++) {
		m = mask_new();
		mask_add(m, cases[i].secret, strlen(cases[i].secret));
		n = strlen(cases[i].in);
		check_all(m, cases[i].in, n, cases[i].want, 1, cases[i].what);
		memcpy(line, cases[i].in, n);
		mask_line(m, line, n);
		ok(memcmp(line, cases[i].want, n) == 0, "%s, in a header",
		    cases[i].what);
		mask_free(m);
	}

	/*
	 * Another secret ends as this one does, and was added first: a
	 * Basic credential's password inside "user:password".  And the
	 * suffix is another secret, whole.
	 */
	m = mask_new();
	mask_add_credential(m, "Basic eDoxYmMvZGVmLWdoaWprbG1ub3A=", 34);
	check_all(m, "x=%41bc%2Fdef-ghijklmnop end", 28,
	    "x=********************** end", 1,
	    "a suffix of two secrets, the password's taken up");
	mask_free(m);
	check_two("1bc/def-ghijklmnop", "bc/def-ghijklmnop",
	    "x=%41bc%2Fdef-ghijklmnop end", "x=********************** end",
	    "a suffix that is a secret too");

	/*
	 * The escape's last digit is the secret's first byte too: a match
	 * from inside it, and one right after it.  The lone backslash stays.
	 */
	m = mask_new();
	memcpy(sec, "\xd5\xb1", 2);
	memset(sec + 2, '1', 20);
	mask_add(m, sec, 22);
	memcpy(in, "[\\\\u0571", 8);
	memset(want, '*', 8 + 60);
	memcpy(want, "[\\", 2);
	for (i = 0; i < 20; i++)
		memcpy(in + 8 + 3 * i, "%31", 3);
	in[68] = want[68] = ']';
	check_all(m, in, 69, want, 1,
	    "a match from inside the '\\u0571' and one after it");
	mask_free(m);

	/* Another secret ends in the lone backslash, and masks it. */
	check_two("hello-world\\", "xyz0123456789abc",
	    "hello-world\\\\u0078yz0123456789abc.",
	    "*********************************.",
	    "a '\\u0078' after a backslash another secret masked");

	/*
	 * After filler the scan jumps over, at every offset: a jump never
	 * passes over the escape ("\\uabc1") that took up the first byte,
	 * nor over the "\\u0078" a lone backslash took the backslash of.
	 */
	ok(after_filler("1bc/def-ghijklmnop", 'x',
	    "\"\\uabc1bc/def-ghijklmnop\"", "\"***********************\""),
	    "after filler that is jumped over, at every offset");
	ok(after_filler("xyz0123456789abc", 'q',
	    "\"\\\\u0078yz0123456789abc\"", "\"\\*********************\""),
	    "a lone '\\' after filler, at every offset");
}

/* A streamed result equals the whole input masked at once by mask_line. */
static void
test_random(void)
{
	static char	 in[8192], line[8192], out[8192 + 64];
	struct mask	*m;
	const char	*sec = "tok+en %/Q";
	size_t		 i, n, o, k;
	uint32_t	 r = 12345;
	int		 round, good = 1;

	m = mask_new();
	mask_add(m, sec, strlen(sec));
	for (round = 0; round < 200 && good; round++) {
		n = 0;
		while (n < sizeof(in) - 64) {
			r = r * 1103515245 + 12345;
			k = r >> 16;
			if (k % 7 == 0) {
				n += url_enc(sec, strlen(sec), k / 7 % 7,
				    in + n);
				continue;
			}
			in[n++] = "tok+en %/Q%2B5\nxyz\\u00\\/"[k % 24];
		}
		memcpy(line, in, n);
		mask_line(m, line, n);
		for (i = o = 0; i < n; i += k) {
			r = r * 1103515245 + 12345;
			k = 1 + (r >> 16) % 40;
			if (k > n - i)
				k = n - i;
			o += mask_feed(m, in + i, k, out + o, sizeof(out) - o);
		}
		o += mask_flush(m, out + o, sizeof(out) - o);
		if (o != n || memcmp(out, line, n) != 0 ||
		    memmem(out, n, sec, strlen(sec)) != NULL)
			good = 0;
	}
	ok(good, "200 random streams equal mask_line of the whole, "
	    "and hold no secret");
	mask_free(m);
}

/*
 * The skip is sound: every pair of bytes it may skip the first of leaves
 * both automata where the second byte alone would, and the first is
 * neither a match nor an escape.  And the eight pairs a turn stop where
 * testing one pair at a time would, wherever the pair sits in the eight.
 */
static void
test_skip(void)
{
	static uint8_t	 u[4096];
	struct mask	*m;
	const char	*alpha = "sk-aBc%\\+ 0Zc2tuvwxyTUVWXY.,;:!?tuvwxy";
	uint32_t	 a, b, r = 99;
	unsigned int	 c0, c1;
	size_t		 i, j, n = sizeof(u), bad = 0, set = 0, far = 0, to;

	m = mask_new();
	mask_add_credential(m, "Bearer sk-aBc+0123456789xyzXYZ", 30);
	for (c0 = 0; c0 < 256; c0++)
		for (c1 = 0; c1 < 256; c1++) {
			if (mask_pair(m, c0 | c1 << 8)) {
				set++;
				continue;
			}
			a = acm_step(&m->raw, 0, c0);
			b = acm_step(&m->dec, 0, mask_tokmap(c0));
			if (m->raw.mlen[a] != 0 || m->dec.mlen[b] != 0 ||
			    c0 == '%' || c0 == '\\' ||
			    acm_step(&m->raw, a, c1) !=
			    acm_step(&m->raw, 0, c1) ||
			    acm_step(&m->dec, b, mask_tokmap(c1)) !=
			    acm_step(&m->dec, 0, mask_tokmap(c1)))
				bad++;
		}
	ok(bad == 0 && set > 0 && set < 65536 / 8,
	    "no pair that may be skipped moves an automaton "
	    "(%zu of 65536 pairs stop the skip)", set);

	for (i = 0; i < n; i++) {
		r = r * 1103515245 + 12345;
		u[i] = alpha[(r >> 16) % strlen(alpha)];
	}
	for (i = 0; i < n && bad == 0; i++) {
		to = i + (i * 7) % 40 + 1 < n ? i + (i * 7) % 40 + 1 : n;
		for (j = i; j + 1 < to && !mask_pair(m, u[j] | u[j + 1] << 8);
		    j++)
			;
		if (mask_skip(m, u, i, to) != j)
			bad++;
		far += j >= i + 8;
	}
	ok(bad == 0 && far > n / 8, "eight pairs a turn skip to where one "
	    "pair at a time does, from every offset (%zu skips of 8 or more)",
	    far);
	mask_free(m);
}

/* A random number below n, from a 32-bit LCG. */
static uint32_t
rnd(uint32_t *r, uint32_t n)
{
	*r = *r * 1103515245 + 12345;
	return (*r >> 16) % n;
}

/*
 * s as an encoder might write it, each byte its own way: itself (lit
 * times in 100), '+' for a space, %HL or \u00HL in either case of each
 * digit, a JSON short escape, or a UTF-8 sequence as one \uXXXX.
 */
static size_t
enc_mixed(const uint8_t *s, size_t n, int lit, uint32_t *r, char *out)
{
	static const char json_c[] = "\"\\/\b\f\t";
	static const char json_e[] = "\"\\/bft";
	size_t		 i, o = 0;
	unsigned int	 v, c;
	int		 k;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 0xe0 && c < 0xf0 && i + 2 < n && rnd(r, 2)) {
			v = (c & 0x0f) << 12 | (s[i + 1] & 0x3f) << 6 |
			    (s[i + 2] & 0x3f);
			o += sprintf(out + o, "\\u%04x", v);
			for (k = 2; k < 6; k++)
				if (rnd(r, 2))
					out[o - 6 + k] = toupper(
					    (unsigned char)out[o - 6 + k]);
			i += 2;
			continue;
		}
		if (c >= 0xc0 && c < 0xe0 && i + 1 < n && rnd(r, 2)) {
			v = (c & 0x1f) << 6 | (s[i + 1] & 0x3f);
			o += sprintf(out + o, "\\u%04X", v);
			i += 1;
			continue;
		}
		switch (rnd(r, 100) < (uint32_t)lit ? 0 : 1 + rnd(r, 4)) {
		case 0:
			if (c != '%' && c != '\\' && c != '+') {
				out[o++] = c == ' ' && rnd(r, 2) ? '+' : c;
				break;
			}
			/* FALLTHROUGH */
		case 1:
			out[o++] = '%';
			out[o++] = (rnd(r, 2) ? hexu : hexl)[c >> 4];
			out[o++] = (rnd(r, 2) ? hexu : hexl)[c & 15];
			break;
		case 2:
			if (c < 0x80) {
				o += sprintf(out + o, "\\u00%c%c",
				    (rnd(r, 2) ? hexu : hexl)[c >> 4],
				    (rnd(r, 2) ? hexu : hexl)[c & 15]);
				break;
			}
			/* FALLTHROUGH */
		default:
			if (c != 0 && strchr(json_c, c) != NULL) {
				out[o++] = '\\';
				out[o++] = json_e[strchr(json_c, c) - json_c];
			} else {
				out[o++] = '%';
				out[o++] = hexu[c >> 4];
				out[o++] = hexl[c & 15];
			}
			break;
		}
	}
	return o;
}

/*
 * The jump (mask_jump) changes nothing but speed: streams of filler and
 * secrets in every form, mixed byte by byte, fed in random pieces, come
 * out the same from a masker that jumps and from one that never does,
 * and every byte of a form mixed byte by byte comes out masked (unless
 * the filler before it left an escape open).  The filler is drawn from
 * the secrets' own bytes, hex digits and escape characters, which is
 * where a pair missing from the table would show.  Some sets hold one
 * secret inside another.
 */
static void
test_jump(void)
{
	static const char *const sets[][3] = {
		{ "Bearer sk-ant-api03-AbCdEf0123456789+/=", NULL, NULL },
		{ "tok+en %/Q \\\"x-more", "short-key", NULL },
		{ "tab\tkey\bback\fform/slash\\", NULL, NULL },
		{ "p\xc3\xa4ss \xe2\x82\xac-w\xc3\xb6rd-0123456789",
		    "\xe4\xb8\xad\xe6\x96\x87\xe5\xaf\x86\xe7\xa0\x81", NULL },
		{ "ghp_0123456789abcdefABCDEF0123456789", "ff00ee11dd22",
		    "%2F%2f\\u00" },
		{ "postgres://admin:Secret-Pass1@db/prod", "Secret-Pass1",
		    NULL },
	};
	static const char *const fills[] = {
		"abcdefABCDEF0123456789%\\u+ /\"xyz",
		"0123456789abcdef%",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx.",
		"\\u00%2b+ghp_sk-antBearer",
	};
	static char	 in[1 << 16], out[2][(1 << 16) + 64];
	static uint8_t	 form[4096];
	static size_t	 at[1 << 12][2];
	size_t		 nat, unmasked = 0;
	struct mask	*m[2];
	const char	*f;
	size_t		 n, o[2], i, k, set, fl, len, jumped = 0;
	uint32_t	 r = 2026;
	int		 round, w, good = 1, planted = 0;

	for (set = 0; set < sizeof(sets) / sizeof(sets[0]); set++) {
		for (w = 0; w < 2; w++) {
			m[w] = mask_new();
			for (i = 0; i < 3 && sets[set][i] != NULL; i++)
				mask_add_credential(m[w], sets[set][i],
				    strlen(sets[set][i]));
		}
		m[1]->minlen = 0;	/* never jumps */
		for (round = 0; round < 60 && good; round++) {
			f = fills[rnd(&r, 4)];
			nat = 0;
			for (n = 0; n < sizeof(in) - 4096;) {
				if (rnd(&r, 40) != 0) {
					in[n++] = f[rnd(&r, strlen(f))];
					continue;
				}
				i = rnd(&r, 3);
				if (sets[set][i] == NULL)
					i = 0;
				len = strlen(sets[set][i]);
				memcpy(form, sets[set][i], len);
				if (rnd(&r, 4) == 0)
					fl = b64((uint8_t *)form, len,
					    rnd(&r, 2), in + n);
				else {
					fl = enc_mixed(form, len, rnd(&r, 2) ?
					    20 : 90, &r, in + n);
					/* Whole, unless an escape runs into it. */
					for (k = n > 5 ? n - 5 : 0; k < n &&
					    in[k] != '%' && in[k] != '\\'; k++)
						;
					if (k == n && nat < 1 << 12) {
						at[nat][0] = n;
						at[nat++][1] = fl;
					}
				}
				n += fl;
				planted++;
			}
			for (w = 0; w < 2; w++) {
				o[w] = 0;
				for (i = 0; i < n; i += k) {
					k = 1 + rnd(&r, 3) * rnd(&r, 3000);
					if (k > n - i)
						k = n - i;
					o[w] += mask_feed(m[w], in + i, k,
					    out[w] + o[w], sizeof(out[w]) -
					    o[w]);
				}
				o[w] += mask_flush(m[w], out[w] + o[w],
				    sizeof(out[w]) - o[w]);
			}
			for (i = 0; i < nat && o[0] == n; i++)
				for (k = 0; k < at[i][1]; k++)
					unmasked += out[0][at[i][0] + k] != '*';
			if (o[0] != n || o[1] != n || unmasked != 0 ||
			    memcmp(out[0], out[1], n) != 0 ||
			    mask_count(m[0]) != mask_count(m[1])) {
				for (i = 0; i < n && out[0][i] == out[1][i];
				    i++)
					;
				diag("set %zu round %d: differs at %zu of %zu: "
				    "'%.40s'", set, round, i, n, in + (i > 20 ?
				    i - 20 : 0));
				good = 0;
			}
		}
		/*
		 * And each form at every offset in filler that jumps freely,
		 * so that a window ends at every pair of every form.
		 */
		for (i = 0; i < 3 && sets[set][i] != NULL && good; i++) {
			len = strlen(sets[set][i]);
			memcpy(form, sets[set][i], len);
			for (k = 0; k < 16 && good; k++) {
				fl = k < 7 ? url_enc(sets[set][i], len, k,
				    (char *)form + len + 1) : k < 9 ?
				    b64((uint8_t *)sets[set][i], len, k - 7,
				    (char *)form + len + 1) :
				    enc_mixed((uint8_t *)sets[set][i], len,
				    k % 2 ? 20 : 90, &r, (char *)form + len + 1);
				for (n = 0; n < 2 * m[0]->minlen + 2 && good;
				    n++) {
					memset(in, 'x', n);
					memcpy(in + n, form + len + 1, fl);
					memset(in + n + fl, 'x', 64);
					for (w = 0; w < 2; w++) {
						o[w] = mask_feed(m[w], in,
						    n + fl + 64, out[w],
						    sizeof(out[w]));
						o[w] += mask_flush(m[w], out[w] +
						    o[w], sizeof(out[w]) -
						    o[w]);
					}
					if (o[0] != o[1] || memcmp(out[0],
					    out[1], o[0]) != 0) {
						diag("set %zu secret %zu form "
						    "%zu at %zu: '%.*s'", set, i,
						    k, n, (int)o[0], out[0]);
						good = 0;
					}
					planted++;
				}
			}
		}
		jumped += m[0]->minlen >= MASK_JUMP_MIN;
		mask_free(m[0]);
		mask_free(m[1]);
	}
	ok(good && jumped == sizeof(sets) / sizeof(sets[0]), "a masker "
	    "that jumps masks what one that never jumps does, and all of "
	    "each form mixed byte by byte (%d secrets planted)", planted);
}

/* mask_wipe leaves no byte of a secret in the masker's memory. */
/*
 * A run of a byte that begins a secret ("xxxx" before "xoxb-..."): read
 * as one byte, masked as if read byte by byte (a masker that never jumps
 * reads them all).
 */
static void
test_run(void)
{
	static char	 in[2200], want[2200];
	const char	*secret = "xoxb-Zq7+Xw/9bY2kLmN0pQrStUvWx3yz4AbCd5";
	struct mask	*m;
	size_t		 sl = strlen(secret), len, o;
	struct timespec	 t0, t1;
	double		 s;
	int		 i;

	memset(in, 'x', 1000);
	memcpy(in + 1000, secret, sl);
	memset(in + 1000 + sl, 'x', 1000);
	len = 2000 + sl;
	memcpy(want, in, len);
	memset(want + 1000, '*', sl);
	m = mask_new();
	mask_add(m, secret, sl);
	check_all(m, in, len, want, 1, "a run of the first byte of a secret");
	m->minlen = 0;
	o = feed(m, in, len, FEED_WHOLE, 0);
	ok(o == len && memcmp(outbuf, want, len) == 0,
	    "the same without the jump and the run");
	mask_free(m);

	m = mask_new();
	mask_add_credential(m, "Basic eC1hY2Nlc3MtdG9rZW46Z2hwX2FiY2RlZmdo"
	    "aWowMTIzNDU2Nzg5", 58);
	memset(in, 'x', sizeof(in));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < 2000; i++)
		mask_feed(m, in, sizeof(in), outbuf, sizeof(outbuf));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	diag("mask throughput on a run of 'x' with \"x-access-token\": "
	    "%.0f MiB/s of CPU time", 2000.0 * sizeof(in) / s / 1048576);
	mask_free(m);
}

static void
test_wipe(void)
{
	struct mask	*m;
	char		 out[64];
	size_t		 i, nz = 0;
	const uint8_t	*p;

	m = mask_new();
	mask_add(m, "sk-live-0123456789", 18);
	mask_feed(m, "xx sk-live-0123", 15, out, sizeof(out));
	ok(mask_held(m) == 15 && m->raw.mem != NULL,
	    "a half secret is held before the wipe");
	mask_wipe(m);
	p = m->raw.mem;
	for (i = 0; i < m->raw.memlen; i++)
		nz += p[i] != 0;
	p = m->dec.mem;
	for (i = 0; i < m->dec.memlen; i++)
		nz += p[i] != 0;
	for (i = 0; i < m->holdcap + 1; i++)
		nz += m->hold[i] != 0;
	for (i = 0; i < m->holdcap + MASK_TAIL; i++)
		nz += m->orig[i] != 0;
	for (i = 0; i < m->secretlen[0]; i++)
		nz += m->secret[0][i] != 0;
	for (i = 0; i < 256; i++)
		nz += m->raw.root[i] != 0 || m->dec.root[i] != 0;
	for (i = 0; i < sizeof(m->pair); i++)
		nz += m->pair[i] != 0;
	is((long long)nz, 0, "after mask_wipe every secret-bearing byte is 0");
	m->held = 0;
	mask_free(m);
}

/* MiB per CPU second on 64 KiB chunks of text with one secret. */
static void
test_speed(void)
{
	static char	 in[BIG], out[2 * BIG];
	struct mask	*m;
	struct timespec	 t0, t1;
	size_t		 i, total = 0;
	uint32_t	 r = 1;
	double		 s;

	for (i = 0; i < sizeof(in); i++) {
		r = r * 1103515245 + 12345;
		in[i] = " abcdefghijklmnopqrstuvwxyz\",:{}ABCDEFG0123456789"
		    [(r >> 16) % 50];
	}
	m = mask_new();
	mask_add(m, "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", 50);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < 512; i++)
		total += mask_feed(m, in, sizeof(in), out, sizeof(out));
	total += mask_flush(m, out, sizeof(out));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	is((long long)total, 512LL * BIG, "32 MiB through the masker");
	diag("mask throughput: %.0f MiB/s of CPU time (64 KiB chunks, "
	    "one secret)",
	    32 / s);
	mask_free(m);

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < 1000; i++) {
		m = mask_new();
		mask_add_credential(m, "Basic eC1hY2Nlc3MtdG9rZW46Z2hwX2Fi"
		    "Y2RlZmdoaWowMTIzNDU2Nzg5", 58);
		mask_free(m);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	diag("mask set-up: %.1f us of CPU time for mask_new, a Basic "
	    "credential (4 secrets) and mask_free", s * 1e3);
}

/*
 * Base64 broken into lines (MIME, PEM, a JSON string with "\n" as
 * GitHub's file contents have it), the secret at every offset of the
 * data, so that a line end falls at every point of its core.  The core
 * comes out masked, line ends kept raw, masked in a JSON string, but for
 * the one character before the first line end when only one precedes
 * it; the same whole, a byte at a time and split.  (No core here begins
 * with 'n' or 'r': the raw automaton would take the escape's letter for
 * it, and rightly.)
 */
static void	test_wrapped_release(void);
static void	test_wrapped_other(void);

static void
test_wrapped(void)
{
	static const struct {
		const char	*brk;
		size_t		 line;
		int		 url;
	} styles[] = {
		{ "\r\n", 76, 0 },		/* MIME */
		{ "\n", 64, 0 },		/* PEM */
		{ "\\n", 60, 0 },		/* JSON, as GitHub's */
		{ "\\r\\n", 76, 1 },
		{ "\n", 5, 1 },
	};
	static const char *const secrets[] = {
		"xoxb-Zq7+Xw/9bY2kLmN0pQrStUvWx3yz4AbCd5",
		"sk-proj-" "0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789abcdefghijklmnop",
	};
	static char	 e[BIG], ew[BIG], in[2 * BIG], want[2 * BIG];
	struct mask	*m;
	size_t		 si, st, off, el, bl, i, len, o, at, core, first;
	int		 good, t;
	char		 what[128];

	for (si = 0; si < nitems(secrets); si++) {
		m = mask_new();
		mask_add(m, secrets[si], strlen(secrets[si]));
		for (st = 0; st < nitems(styles); st++) {
			good = 1;
			bl = strlen(styles[st].brk);
			for (off = 0; off < 3 * styles[st].line && good;
			    off++) {
				el = b64_case(secrets[si], strlen(secrets[si]),
				    off, 5, styles[st].url, e, ew);
				/* The core's first character, and where the
				 * first line end after it falls. */
				for (core = 0; ew[core] != '*'; core++)
					;
				first = (core / styles[st].line + 1) *
				    styles[st].line;
				len = 0;
				for (i = 0; i < el; i++) {
					if (i > 0 && i % styles[st].line == 0) {
						t = ew[i - 1] == '*' &&
						    ew[i] == '*' &&
						    (i != first ||
						    first - core >= 2) &&
						    styles[st].brk[0] == '\\';
						memcpy(in + len, styles[st].brk,
						    bl);
						memset(want + len, '*', bl);
						if (!t)
							memcpy(want + len,
							    styles[st].brk, bl);
						len += bl;
					}
					in[len] = e[i];
					want[len] = ew[i];
					/* A lone character before the first
					 * line end stays. */
					if (i == core && first - core == 1)
						want[len] = e[i];
					len++;
				}
				memcpy(in + len, "\n\n", 2);
				memcpy(want + len, "\n\n", 2);
				len += 2;
				/* Split at every point, then a byte at a time. */
				for (at = 0; at <= len + 1 && good; at++) {
					o = feed(m, in, len, at == len + 1 ?
					    FEED_BYTES : FEED_SPLIT, at);
					if (o != len ||
					    memcmp(outbuf, want, len) != 0) {
						diag("offset %zu, split %zu: "
						    "got '%.*s'", off, at,
						    (int)o, outbuf);
						diag("    wanted '%.*s'",
						    (int)len, want);
						good = 0;
					}
				}
			}
			snprintf(what, sizeof(what), "wrapped base64: "
			    "secret %zu, lines of %zu ending in %s%s", si,
			    styles[st].line, styles[st].brk[0] == '\\' ?
			    "a JSON escape" : "raw bytes",
			    styles[st].url ? ", URL-safe" : "");
			ok(good, "%s", what);
		}
		mask_free(m);
	}
	test_wrapped_release();
	test_wrapped_other();
}

/*
 * A Basic credential in lines after "Basic ": the longest match there,
 * the whole value's, cannot cross the line end; the token, the base64
 * core of "user:password", can.  And a plain secret that begins as
 * another's core does not cross one.
 */
static void
test_wrapped_other(void)
{
	static const char in[] = "Authorization: Basic ZGVwbG95OjlmOGU3ZDZj"
	    "\r\nNWI0YTNmMmUxZDBj\r\n";
	static const char want[] = "Authorization: Basic ****************"
	    "****\r\n****************\r\n";
	static const char in2[] = ".......QUJ\n!zzzzzzzzzz\n..........";
	struct mask	*m;
	size_t		 o;

	m = mask_new();
	mask_add_credential(m, "Basic ZGVwbG95OjlmOGU3ZDZjNWI0YTNmMmUxZDBj",
	    42);
	check_all(m, in, sizeof(in) - 1, want, 1,
	    "a Basic credential in lines after \"Basic \"");
	mask_free(m);

	m = mask_new();
	mask_add(m, "ABCDEFGHIJKLMNOP", 16);	/* its base64: "QUJD..." */
	mask_add(m, "QUJ!zzzzzzzzzz", 14);
	check_all(m, in2, sizeof(in2) - 1, in2, 1,
	    "a plain secret does not go on across a line end");
	m->minlen = 0;
	o = feed(m, in2, sizeof(in2) - 1, FEED_WHOLE, 0);
	ok(o == sizeof(in2) - 1 && memcmp(outbuf, in2, o) == 0,
	    "nor without the jump");
	mask_free(m);
}

/*
 * Base64 escaped again: URL-encoded ('+', '/' and '=' as %XX, in either
 * case) and in a JSON string as PHP writes it ("\/", and \u00XX for the
 * rest).  The core comes out masked, each escape of it whole.
 */
static void
test_b64_escaped(void)
{
	static const char *const secrets[] = {
		"xoxb-Zq7+Xw/9bY2kLmN0pQrStUvWx3yz4AbCd5?" "?>>",
		"\xff\xfe\xfd\xfc-key-0123456789",
	};
	static char	 e[BIG], ew[BIG], in[2 * BIG], want[2 * BIG];
	struct mask	*m;
	size_t		 si, off, el, i, len, ul;
	int		 style, url;
	char		 what[128];

	for (si = 0; si < nitems(secrets); si++) {
		m = mask_new();
		mask_add(m, secrets[si], strlen(secrets[si]));
		for (style = 0; style < 6; style += 5) {
			for (url = 0; url < 2; url++) {
				for (off = 0; off < 3; off++) {
					el = b64_case(secrets[si],
					    strlen(secrets[si]), off, 2, url, e,
					    ew);
					for (i = len = 0; i < el; i++) {
						ul = url_enc(e + i, 1, style,
						    in + len);
						if (ew[i] == '*')
							memset(want + len, '*',
							    ul);
						else
							memcpy(want + len,
							    in + len, ul);
						len += ul;
					}
					snprintf(what, sizeof(what), "base64%s "
					    "of secret %zu at %zu, then %s",
					    url ? " (URL-safe)" : "", si, off,
					    style == 0 ? "URL-encoded" :
					    "in JSON with \"\\/\"");
					check_all(m, in, len, want, 1, what);
				}
			}
		}
		mask_free(m);
	}
}

/*
 * What a line end releases with base64 cores about: all of a line, but
 * the two or more characters of a core it ends in, which a blank line
 * releases.  (The core of "xoxb-Zq7..." begins "eG94Yi1a".)
 */
static void
test_wrapped_release(void)
{
	static const struct step steps[] = {
		{ "data: eG\n", "", 9,
		  "a line that ends in base64 is held past its end" },
		{ "\n", "data: eG\n\n", 0, "a blank line releases it" },
		{ "data: e.\n", "data: e.\n", 0,
		  "a line that ends in a byte of no base64 is released at "
		  "its end" },
		{ "data: eG9\r\n4Yi1", "", 15,
		  "a core goes on after CR LF" },
		{ "x.\r\n", "data: eG9\r\n4Yi1x.\r\n", 0,
		  "and the next line end after no base64 releases it" },
		{ "eG9\n\r4Y\r\n", "", 9, "LF CR is one line end too" },
		{ "\r", "eG9\n\r4Y\r\n\r", 0,
		  "a second CR is a blank line" },
	};
	const char	*secret = "xoxb-Zq7+Xw/9bY2kLmN0pQrStUvWx3yz4AbCd5";
	struct mask	*m;

	m = mask_new();
	mask_add(m, secret, strlen(secret));
	run_steps(m, steps, nitems(steps));
	mask_free(m);
}

int
main(void)
{
	static char	 big[8192];
	size_t		 i;
	uint32_t	 r = 7;

	test_forms("Bearer sk-abc", 13, "header value");
	test_forms("sk-ant-api03-xyz_0123456789+/=", 30, "API key");
	test_forms("Basic dXNlcjpwYXNz", 18, "Basic");
	test_forms("us er:p%40ss", 12, "with space and percent");
	test_forms("a", 1, "1 byte");
	test_forms("ab", 2, "2 bytes");
	test_forms("a b", 3, "3 bytes");
	test_forms("ab~?", 4, "4 bytes");
	for (i = 0; i < sizeof(big); i++) {
		do {
			r = r * 1103515245 + 12345;
			big[i] = r >> 16;
		} while (big[i] == '\r' || big[i] == '\n');
	}
	test_forms(big, sizeof(big), "8 KiB");
	test_release();
	test_wrapped();
	test_b64_escaped();
	test_several();
	test_overlap();
	test_swallow();
	test_credential();
	test_random();
	test_skip();
	test_jump();
	test_run();
	test_wipe();
	test_speed();
	return done_testing();
}
