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
 * mask.c: the worker injects credentials into the agent's requests, and an
 * upstream may send them back (an echo service, an error page quoting the
 * request, a debug endpoint).  This streaming masker makes sure the agent
 * never reads one: every occurrence in a response's headers or body, plain,
 * base64 (standard or URL-safe, at any of the three byte alignments),
 * URL-encoded (any mix of percent escapes in either case, '+' or %20 for a
 * space) or inside a JSON string (any mix of backslash escapes: PHP writes
 * "\/" for '/', others \u00XX), is overwritten with as many '*' bytes as
 * it had, so lengths and a Content-Length stay valid.
 *
 * Two Aho-Corasick automata run side by side over each byte exactly once.
 * The raw one looks for the plain secrets and their base64 cores.  The
 * decoded one reads the stream through a decoder of percent and JSON
 * escapes and looks for the secrets in what it yields, which covers every
 * such encoding at once instead of a list of the ways encoders differ;
 * each decoded byte keeps the raw offset where its escape began, so a
 * match masks its whole raw span.  A secret that holds escapes of its own
 * ("%4F") is also looked for as the decoder would read it.  The base64
 * cores are looked for there too: base64 escaped in turn ("%2F", PHP's
 * "\\/"), and base64 broken into lines (MASK_WRAP_DEPTH).
 *
 * An escape left open just before an encoded secret ("%4" then
 * "1bc%2Fdef") takes up its first bytes ("%41"), and the decoder yields
 * the secret less them.  A lone backslash before a secret whose first
 * character is sent as "\\u0078" takes up that escape's backslash: the
 * two read as an escaped backslash, and "u0078" as text.  So the secret
 * less the first one to five bytes an escape could take up, or less its
 * first character, when still eight bytes long, is a pattern of the
 * decoded automaton too; a match of one also masks the escape that ended
 * just before it, when that escape ends in those bytes, or the "\\uXXXX"
 * just before it, when that spells them.  A match that begins inside
 * such a "\\uXXXX" (its last digit may be the secret's first byte) masks
 * all of it.
 *
 * Where both automata are idle, the scan passes over what can begin no
 * match: a pair of bytes at a time by a table of pairs that may begin one
 * (mask_skip), and nearly a shortest match at a time where the window
 * ends in a pair that no match holds (mask_jump).  A run of a byte that
 * begins a secret, where none begins with it twice, is read as its last
 * byte (mask_still).
 *
 * A credential never contains CR or LF (mask_add refuses one that does),
 * so neither automaton survives one, but for the decoded one in a base64
 * core, which passes over one line end and never two in a row.  What is
 * held back is read from the text alone (mask_hold): every byte since the
 * last line end that ends every match, up to the most a match could need.
 * The longest tail that could begin a match (mask_keep) is never more,
 * and is not what is held: it would tell the agent how much of its own
 * text begins a secret.  A blank line releases everything before it, so an
 * SSE event always reaches the agent at its blank line.
 *
 * The secrets, and the automata spelling them, are zeroed when freed.
 */

#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "log.h"
#include "worker/mask.h"

/*
 * A base64 core shorter than this carries under 24 bits of a secret and
 * would match ordinary base64 data every few thousand bytes.
 */
#define MASK_B64_MIN		4

/*
 * The jump (mask_jump()) moves one byte less than the shortest match at a
 * time.  With matches shorter than this, it costs more than it saves
 * over the pair skip alone (measured: even at about 7).
 */
#define MASK_JUMP_MIN		8

/* A Basic user this long may be a key; a shorter one is taken for a name. */
#define MASK_USER_MIN		16

/*
 * A token or Basic password shorter than this is masked only inside the
 * whole value: on its own it would mask ordinary text (Freshdesk and
 * BambooHR take a key as the user and "X" as the password).
 */
#define MASK_ALONE_MIN		4

/*
 * An escape left open before a secret's encoded form can take up its
 * first bytes: "%" two hex digits, "%4" one, "\\u" four, "\\" one of
 * "\"\\/bfnrt" or a 'u' and four hex digits (mask_takes()), or the
 * backslash of the "\\uXXXX" its first character is sent as (one to
 * three bytes, mask_charlen()).  What follows still decodes to the secret
 * less those, so those suffixes are patterns too, when still
 * MASK_SUFFIX_MIN long: a match of one masks the escape before it as well.
 */
#define MASK_SUFFIX_MAX		5
#define MASK_SUFFIX_MIN		8

/*
 * Base64 is often broken into lines: MIME's of 76 characters, PEM's of
 * 64, and JSON strings with "\\n" every 60 (GitHub's file contents).
 * The decoded automaton also holds the six base64 cores of a secret up
 * to MASK_WRAP_MAX bytes (without the end character), and each less its
 * first character.  In the middle of one, once MASK_WRAP_DEPTH characters
 * in, it passes over one line end (CR, LF or both, raw or as a JSON
 * escape) without a move, so a core cut anywhere matches whole, but for a
 * character alone before the first line end: the core less it matches.
 * Only a core's path goes on across the line end, and a line end that
 * follows another (a blank line) ends it, as any line end does elsewhere.
 * The bound keeps what a match across lines may hold back within the
 * callers' 64 KiB (holdcap below).
 */
#define MASK_WRAP_MAX		2048
#define MASK_WRAP_DEPTH		2

/*
 * mask_hold() reads the text's last holdcap bytes as they came, and
 * before them up to this many more, released already: the line end that
 * may end them, with the byte before it.
 */
#define MASK_TAIL		4

/* No escape ends where a token begins. */
#define MASK_NONE		UINT64_MAX

#if MASK_MAX_SECRETS > 16
#error "struct acm's owners has a bit for each secret, 16 at most"
#endif

/*
 * Patterns from one secret: plain, and in each of 2 alphabets and at each
 * of 3 alignments its base64 core, and the core with the character that
 * ends the data when the secret does (its last bits, then zero bits).
 */
#define MASK_RAW_FORMS		13

/*
 * Patterns of the decoded automaton from one secret: plain, less one to
 * MASK_SUFFIX_MAX bytes, three readings of its own escapes, and each of
 * the six base64 cores without the end character, with and without its
 * first character.
 */
#define MASK_DEC_FORMS		(4 + MASK_SUFFIX_MAX + 2 * 6)

/* An Aho-Corasick automaton over a few short patterns; node 0 is the root. */
struct acm {
	uint32_t	 n;
	uint32_t	*child;		/* first child */
	uint32_t	*sib;		/* next sibling */
	uint32_t	*fail;
	uint32_t	*mlen;		/* longest pattern ending here, or 0 */
	uint16_t	*owners;	/* secrets it is a suffix of, a bit each */
	uint32_t	*hold;		/* longest suffix a byte could extend */
	uint32_t	*depth;
	uint8_t		*ch;		/* the byte leading here */
	uint8_t		*wrap;		/* on a base64 core's path */
	size_t		 memlen;
	void		*mem;
	size_t		 maxlen;	/* longest pattern */
	uint32_t	 root[256];	/* the root's moves, 0 for none */
};

/* A pattern, for sorting. */
struct acm_pat {
	const uint8_t	*p;
	size_t		 len;
};

/*
 * A decoded byte: the raw offset where its escape or literal began, and
 * that of an escape that ended just there, or MASK_NONE.
 */
struct mask_tok {
	uint64_t	 rs;
	uint64_t	 esc;
};

/* Where one scan (the stream, or one header line) stands. */
struct mask_scan {
	uint32_t	 a;		/* node in the raw automaton */
	uint32_t	 b;		/* node in the decoded automaton */
	uint8_t		 pend[6];	/* an escape begun, not yet ended */
	int		 npend;
	uint64_t	 escpos;	/* offset of its '%' or '\\' */
	uint64_t	 pos;		/* offset of the next byte */
	uint64_t	 tok;		/* decoded bytes so far */
	uint64_t	 lastrs, lastre; /* the last one's raw bytes */
	uint64_t	 bsend;		/* a range ending in a backslash, or 0 */
	int		 brk;		/* CR, LF passed over since a byte */
	uint64_t	 brktok;	/* decoded bytes before the last */
	struct mask_tok	*ring;		/* where the last ones came from */
	int		 masked;	/* whether ms, me hold a range */
	uint64_t	 ms, me;	/* the last range masked, [ms, me) */
};

struct mask {
	char		*secret[MASK_MAX_SECRETS];
	size_t		 secretlen[MASK_MAX_SECRETS];
	size_t		 nsecrets;
	struct acm	 raw;
	struct acm	 dec;
	uint8_t		 start[256];	/* bytes that leave both roots */
	uint8_t		 pair[65536 / 8]; /* pairs that may begin a match */
	uint8_t		 inner[65536 / 8]; /* pairs a match may hold */
	size_t		 minlen;	/* raw bytes of the shortest match */
	struct mask_scan st;
	struct mask_tok	*ring[2];	/* for st and for mask_line */
	size_t		 rsize;		/* a power of 2 >= dec.maxlen */
	char		*hold;
	char		*orig;		/* the last bytes as they came: */
					/* MASK_TAIL more than holdcap */
	size_t		 ctx;		/* of them released, before held */
	size_t		 holdcap;
	size_t		 held;
	size_t		 count;
};

static void	zfree(void *, size_t);
static int	acm_build(struct acm *, uint8_t **, size_t *,
		    const uint8_t *, const uint16_t *, size_t);
static int	acm_cmp(const void *, const void *);
static void	acm_free(struct acm *);
static uint32_t	acm_find(const struct acm *, uint32_t, uint8_t);
static uint32_t	acm_step(const struct acm *, uint32_t, uint8_t);
static size_t	b64_core(const uint8_t *, size_t, int, int, const char *,
		    uint8_t *);
static uint8_t	mask_tokmap(uint8_t);
static int	mask_hexval(uint8_t);
static int	mask_unescape(const uint8_t *, int, uint8_t *);
static size_t	mask_selfdecode(const uint8_t *, size_t, const char *,
		    uint8_t *);
static void	mask_reread(struct mask *, struct mask_scan *, char *,
		    uint64_t);
static int	mask_rebuild(struct mask *);
static void	mask_star(char *, size_t);
static void	mask_range(struct mask *, struct mask_scan *, char *,
		    uint64_t, uint64_t, uint64_t);
static uint64_t	mask_inside(const struct mask_scan *, const char *,
		    uint64_t, uint64_t);
static int	mask_isu(const struct mask_scan *, const char *, uint64_t,
		    uint64_t, uint64_t);
static int	mask_takes(const uint8_t *, size_t);
static size_t	mask_charlen(const uint8_t *, size_t);
static int	mask_took(const char *, const char *, size_t);
static int	mask_spelt(const struct mask_scan *, const char *, uint64_t,
		    uint64_t, const char *, size_t);
static uint32_t	mask_wrapnode(const struct mask *, uint32_t);
static void	mask_token(struct mask *, struct mask_scan *, char *,
		    uint64_t, uint8_t, uint64_t, uint64_t);
static void	mask_decode(struct mask *, struct mask_scan *, char *,
		    uint64_t, uint8_t, uint64_t);
static int	mask_still(const struct mask *, const struct mask_scan *,
		    uint8_t);
static void	mask_scan(struct mask *, struct mask_scan *, char *, uint64_t,
		    size_t, size_t);
static void	mask_finish(struct mask *, struct mask_scan *, char *,
		    uint64_t);
static size_t	mask_keep(const struct mask *, const struct mask_scan *,
		    const char *, uint64_t);
static size_t	mask_hold(const struct mask *, const char *, size_t,
		    size_t);
static int	mask_blank(const char *, size_t);
static uint64_t	mask_back(const struct mask_scan *, const char *,
		    uint64_t, uint64_t);
static void	mask_wipe(struct mask *);
static int	mask_tchar(int);
static int	mask_store(struct mask *, const char *, size_t);
static void	mask_unstore(struct mask *, size_t);
static void	mask_pairs(struct mask *);
static void	mask_inners(struct mask *, uint8_t **, size_t *, size_t,
		    uint8_t **, size_t *, const uint8_t *, size_t);
static unsigned int mask_bit(const uint8_t *, unsigned int);
static void	mask_bit_set(uint8_t *, unsigned int, unsigned int);
static unsigned int mask_pair(const struct mask *, unsigned int);
static void	mask_pair_set(struct mask *, unsigned int, unsigned int);
static uint64_t	mask_le64(const uint8_t *);
static size_t	mask_jump(const struct mask *, const uint8_t *, size_t,
		    size_t);
static size_t	mask_skip(const struct mask *, const uint8_t *, size_t,
		    size_t);
static unsigned int mask_eight(const struct mask *, const uint8_t *, size_t);
static size_t	mask_next(const struct mask *, const uint8_t *, size_t,
		    size_t);

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
zfree(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

static uint32_t
acm_find(const struct acm *m, uint32_t s, uint8_t c)
{
	uint32_t	 k;

	if (s == 0)
		return m->root[c];
	for (k = m->child[s]; k != 0; k = m->sib[k])
		if (m->ch[k] == c)
			return k;
	return 0;
}

/* One byte: follow failure links until some node has a move for it. */
static uint32_t
acm_step(const struct acm *m, uint32_t s, uint8_t c)
{
	uint32_t	 k;

	for (;;) {
		if (s == 0)
			return m->root[c];
		for (k = m->child[s]; k != 0; k = m->sib[k])
			if (m->ch[k] == c)
				return k;
		s = m->fail[s];
	}
}

/*
 * Builds the trie of the patterns, with the nodes on the path of each
 * that wraps flags marked, then, breadth first, each node's failure link,
 * the longest pattern that ends at it (the longest covers every shorter
 * one: they are its suffixes) and how much of the text a later byte could
 * still extend (what the masker must hold back).
 */
static int
acm_build(struct acm *m, uint8_t **pat, size_t *len, const uint8_t *wraps,
    const uint16_t *owners, size_t npat)
{
	struct acm_pat	 sorted[MASK_MAX_SECRETS * MASK_DEC_FORMS];
	uint32_t	*queue = NULL, qh = 0, qt = 0, s, v, k, f;
	size_t		 total = 1, i, j, n = 0;

	memset(m, 0, sizeof(*m));
	if (npat > sizeof(sorted) / sizeof(sorted[0]))
		return -1;
	for (i = 0; i < npat; i++) {
		if (len[i] > UINT32_MAX / 2)
			return -1;
		if (len[i] > m->maxlen)
			m->maxlen = len[i];
		if (len[i] > 0) {
			sorted[n].p = pat[i];
			sorted[n++].len = len[i];
		}
	}
	/*
	 * The trie's nodes, exactly, so that a worker keeps no more than it
	 * uses: in sorted order, each pattern adds what it does not share
	 * with the one before.
	 */
	qsort(sorted, n, sizeof(sorted[0]), acm_cmp);
	for (i = 0; i < n; i++) {
		j = 0;
		if (i > 0)
			while (j < sorted[i].len && j < sorted[i - 1].len &&
			    sorted[i].p[j] == sorted[i - 1].p[j])
				j++;
		total += sorted[i].len - j;
		if (total > UINT32_MAX / 2)
			return -1;
	}
	m->memlen = total * (7 * sizeof(uint32_t) + sizeof(uint16_t) + 2);
	if ((m->mem = calloc(1, m->memlen)) == NULL ||
	    (queue = calloc(total, sizeof(*queue))) == NULL) {
		free(m->mem);
		m->mem = NULL;
		return -1;
	}
	m->child = m->mem;
	m->sib = m->child + total;
	m->fail = m->sib + total;
	m->mlen = m->fail + total;
	m->hold = m->mlen + total;
	m->depth = m->hold + total;
	m->owners = (uint16_t *)(m->depth + total);
	m->ch = (uint8_t *)(m->owners + total);
	m->wrap = m->ch + total;
	m->n = 1;

	for (i = 0; i < npat; i++) {
		if (len[i] == 0)
			continue;
		s = 0;
		for (j = 0; j < len[i]; j++) {
			if ((v = acm_find(m, s, pat[i][j])) == 0) {
				v = m->n++;
				m->ch[v] = pat[i][j];
				m->depth[v] = m->depth[s] + 1;
				m->sib[v] = m->child[s];
				m->child[s] = v;
				if (s == 0)
					m->root[pat[i][j]] = v;
			}
			s = v;
			if (wraps != NULL && wraps[i])
				m->wrap[s] = 1;
		}
		if (owners != NULL)
			m->owners[s] |= owners[i];
		m->mlen[s] = len[i];
	}

	for (k = m->child[0]; k != 0; k = m->sib[k])
		queue[qt++] = k;
	while (qh < qt) {
		v = queue[qh++];
		if (m->depth[v] == 1)
			m->fail[v] = 0;
		else {
			/* The parent's failure, then on down its chain. */
			for (f = m->fail[v]; ; f = m->fail[f]) {
				if ((k = acm_find(m, f, m->ch[v])) != 0 ||
				    f == 0)
					break;
			}
			m->fail[v] = k;
		}
		if (m->mlen[m->fail[v]] > m->mlen[v]) {
			m->mlen[v] = m->mlen[m->fail[v]];
			m->owners[v] = m->owners[m->fail[v]];
		}
		m->hold[v] = m->child[v] != 0 ? m->depth[v] :
		    m->hold[m->fail[v]];
		for (k = m->child[v]; k != 0; k = m->sib[k]) {
			/* A child's search starts at its parent's failure. */
			m->fail[k] = m->fail[v];
			queue[qt++] = k;
		}
	}
	free(queue);
	return 0;
}

/* Patterns in byte order, a prefix before what it begins. */
static int
acm_cmp(const void *a, const void *b)
{
	const struct acm_pat	*x = a, *y = b;
	int			 c;

	c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void
acm_free(struct acm *m)
{
	zfree(m->mem, m->memlen);
	explicit_bzero(m, sizeof(*m));
}

/*
 * The characters of the base64 encoding of a secret that sits at byte
 * offset align (mod 3) of the encoded data and that depend on the
 * secret's bytes alone, whatever its neighbours are; with end, also the
 * one that ends the data when the secret does, or 0 if there is none.
 */
static size_t
b64_core(const uint8_t *s, size_t n, int align, int end,
    const char *alphabet, uint8_t *out)
{
	size_t		 kmin, kmax, k, bit, byte, o = 0;
	unsigned int	 v, shift;

	kmin = (8 * align + 5) / 6;
	kmax = (8 * (align + n)) / 6;	/* exclusive */
	if (end) {
		if ((8 * (align + n)) % 6 == 0)
			return 0;
		kmax++;
	}
	for (k = kmin; k < kmax; k++) {
		bit = 6 * k - 8 * align;	/* in the secret */
		byte = bit / 8;
		shift = bit % 8;
		v = (unsigned int)s[byte] << 8;
		if (byte + 1 < n)
			v |= s[byte + 1];
		out[o++] = alphabet[(v >> (10 - shift)) & 63];
	}
	return o;
}

/* The decoded automaton sees a space and a '+' as the same byte. */
static uint8_t
mask_tokmap(uint8_t c)
{
	return c == '+' ? ' ' : c;
}

/* isxdigit knows only 0-9, a-f and A-F in every locale. */
static int
mask_hexval(uint8_t c)
{
	if (!isxdigit(c))
		return -1;
	return isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

struct mask *
mask_new(void)
{
	struct mask	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (mask_rebuild(m) == -1) {
		free(m);
		return NULL;
	}
	return m;
}

/*
 * Derives every form of every secret and builds both automata afresh;
 * the old ones stay in place when that fails.
 */
static int
mask_rebuild(struct mask *m)
{
	uint8_t		*rawpat[MASK_MAX_SECRETS * MASK_RAW_FORMS];
	size_t		 rawlen[MASK_MAX_SECRETS * MASK_RAW_FORMS];
	static const char *const readings[] = { "%", "\\", "%\\" };
	uint8_t		*decpat[MASK_MAX_SECRETS * MASK_DEC_FORMS];
	size_t		 declen[MASK_MAX_SECRETS * MASK_DEC_FORMS];
	uint16_t	 owners[MASK_MAX_SECRETS * MASK_DEC_FORMS];
	uint8_t		 wraps[MASK_MAX_SECRETS * MASK_DEC_FORMS];
	struct acm	 raw, dec;
	uint8_t		*buf = NULL, *p, *s;
	struct mask_tok	*ring0 = NULL, *ring1 = NULL;
	char		*hold = NULL, *orig = NULL;
	size_t		 buflen = 0, nraw = 0, ndec = 0, i, j, n, rsize, r, d;
	size_t		 first;
	size_t		 holdcap, wrapmax = 0;
	int		 align, alpha, c, k, rv = -1;

	for (i = 0; i < m->nsecrets; i++)
		buflen += 5 * m->secretlen[i] +
		    18 * (m->secretlen[i] * 4 / 3 + 2);
	if (buflen > 0 && (buf = malloc(buflen)) == NULL)
		return -1;
	p = buf;
	for (i = 0; i < m->nsecrets; i++) {
		s = (uint8_t *)m->secret[i];
		n = m->secretlen[i];
		rawpat[nraw] = s;
		rawlen[nraw++] = n;
		for (k = 0; k < 12; k++) {
			align = k % 3;
			alpha = k / 3 % 2;
			j = b64_core(s, n, align, k / 6,
			    alpha == 0 ? b64_std : b64_url, p);
			if (j < MASK_B64_MIN)
				continue;
			rawpat[nraw] = p;
			rawlen[nraw++] = j;
			p += j;
			/*
			 * Again as the decoder reads it, to be matched across
			 * lines; without the character that ends the data,
			 * which holds a few bits at most.
			 */
			if (k / 6 != 0 || n > MASK_WRAP_MAX)
				continue;
			for (d = 0; d < j; d++)
				p[d] = mask_tokmap(rawpat[nraw - 1][d]);
			for (d = 0; d < 2 && j - d >= MASK_B64_MIN; d++) {
				decpat[ndec] = p + d;
				declen[ndec] = j - d;
				wraps[ndec] = 1;
				owners[ndec++] = 0;
			}
			if (j > wrapmax)
				wrapmax = j;
			p += j;
		}
		for (j = 0; j < n; j++)
			p[j] = mask_tokmap(s[j]);
		for (j = 0; j <= MASK_SUFFIX_MAX; j++) {
			if (j > 0 && (n < j + MASK_SUFFIX_MIN ||
			    (!mask_takes(s, j) && j != mask_charlen(s, n))))
				continue;
			decpat[ndec] = p + j;
			declen[ndec] = n - j;
			wraps[ndec] = 0;
			owners[ndec++] = j > 0 ? 1U << i : 0;
		}
		p += n;
		/*
		 * A secret that holds what reads as an escape ("%4F", "\\/")
		 * keeps it where an encoder escapes only its other bytes: JSON
		 * leaves "%4F" and escapes the backslash, a URL encoder may do
		 * the reverse.  The decoder then yields it with those escapes
		 * decoded.  Not a reading that holds a line end ("%0A"), which
		 * every automaton must end at, nor one seen already.
		 */
		first = ndec;
		for (r = 0; r < sizeof(readings) / sizeof(readings[0]); r++) {
			if ((j = mask_selfdecode(s, n, readings[r], p)) == n ||
			    j < MASK_SUFFIX_MIN || memchr(p, '\n', j) != NULL ||
			    memchr(p, '\r', j) != NULL)
				continue;
			for (d = first; d < ndec && (declen[d] != j ||
			    memcmp(decpat[d], p, j) != 0); d++)
				;
			if (d < ndec)
				continue;
			decpat[ndec] = p;
			declen[ndec] = j;
			wraps[ndec] = 0;
			owners[ndec++] = 0;
			p += j;
		}
	}

	memset(&raw, 0, sizeof(raw));
	memset(&dec, 0, sizeof(dec));
	if (acm_build(&raw, rawpat, rawlen, NULL, NULL, nraw) == -1 ||
	    acm_build(&dec, decpat, declen, wraps, owners, ndec) == -1)
		goto done;
	for (rsize = 1; rsize < dec.maxlen; rsize *= 2)
		;
	/*
	 * \u00XX: six raw bytes for each decoded one, and a suffix's match
	 * reaches back over one more escape; mask_back() holds six more.  A
	 * match across lines passes over at most four more ("\\r\\n") after
	 * each byte of a base64 core, the longest of which is wrapmax: under
	 * 60 KiB in all with the secrets' bounds.
	 */
	holdcap = 6 * dec.maxlen + 12 + 4 * wrapmax;
	if (raw.maxlen > holdcap)
		holdcap = raw.maxlen;
	if ((ring0 = calloc(rsize, sizeof(*ring0))) == NULL ||
	    (ring1 = calloc(rsize, sizeof(*ring1))) == NULL ||
	    (hold = calloc(1, holdcap + 1)) == NULL ||
	    (orig = calloc(1, holdcap + MASK_TAIL)) == NULL)
		goto done;

	acm_free(&m->raw);
	acm_free(&m->dec);
	zfree(m->ring[0], m->rsize * sizeof(struct mask_tok));
	zfree(m->ring[1], m->rsize * sizeof(struct mask_tok));
	zfree(m->hold, m->holdcap + 1);
	zfree(m->orig, m->holdcap + MASK_TAIL);
	m->raw = raw;
	m->dec = dec;
	m->ring[0] = ring0;
	m->ring[1] = ring1;
	m->rsize = rsize;
	m->hold = hold;
	m->orig = orig;
	m->ctx = 0;
	m->holdcap = holdcap;
	m->held = 0;
	memset(&raw, 0, sizeof(raw));
	memset(&dec, 0, sizeof(dec));
	ring0 = ring1 = NULL;
	hold = orig = NULL;

	/*
	 * What the scan may skip while both automata are at their roots; an
	 * escape may begin a secret, if there is any.
	 */
	for (c = 0; c < 256; c++)
		m->start[c] = m->raw.root[c] != 0 ||
		    m->dec.root[mask_tokmap(c)] != 0 ||
		    (m->nsecrets > 0 && (c == '%' || c == '\\'));
	mask_pairs(m);
	mask_inners(m, rawpat, rawlen, nraw, decpat, declen, wraps, ndec);
	i = m->st.pos;
	memset(&m->st, 0, sizeof(m->st));
	m->st.pos = i;
	m->st.ring = m->ring[0];
	rv = 0;
 done:
	acm_free(&raw);
	acm_free(&dec);
	free(ring0);
	free(ring1);
	free(hold);
	free(orig);
	zfree(buf, buflen);
	return rv;
}

/*
 * Which two bytes, read from both roots, could begin a match: the first
 * moves an automaton off its root and the second does not send it back,
 * or the first is a match or a '%'.  Skipping the first byte of any other
 * pair leaves the automata where reading it would have (the second byte
 * is looked at again as the first of the next pair), and ordinary text
 * then costs one bit test per byte.
 */
static void
mask_pairs(struct mask *m)
{
	uint32_t	 ra, d, k;
	unsigned int	 c0, c1;

	memset(m->pair, 0, sizeof(m->pair));
	for (c0 = 0; c0 < 256; c0++) {
		if (!m->start[c0])
			continue;
		ra = m->raw.root[c0];
		d = m->dec.root[mask_tokmap(c0)];
		if (((c0 == '%' || c0 == '\\') && m->nsecrets > 0) ||
		    (ra != 0 && m->raw.mlen[ra] != 0) ||
		    (d != 0 && m->dec.mlen[d] != 0)) {
			for (c1 = 0; c1 < 256; c1++)
				mask_pair_set(m, c0, c1);
			continue;
		}
		/* The second bytes: the first node's children. */
		if (ra != 0)
			for (k = m->raw.child[ra]; k != 0; k = m->raw.sib[k])
				mask_pair_set(m, c0, m->raw.ch[k]);
		if (d == 0)
			continue;
		mask_pair_set(m, c0, '%');
		mask_pair_set(m, c0, '\\');
		for (k = m->dec.child[d]; k != 0; k = m->dec.sib[k]) {
			mask_pair_set(m, c0, m->dec.ch[k]);
			if (m->dec.ch[k] == ' ')
				mask_pair_set(m, c0, '+');
		}
	}
}

/*
 * The pair tables (pair, inner) have a bit for each pair of bytes, at the
 * pair read as a little-endian 16-bit number (c0 | c1 << 8): mask_skip
 * then takes eight pairs from one 64-bit word by shifts alone.
 */
static unsigned int
mask_bit(const uint8_t *t, unsigned int pair)
{
	return t[pair >> 3] >> (pair & 7) & 1;
}

static void
mask_bit_set(uint8_t *t, unsigned int c0, unsigned int c1)
{
	unsigned int	 pair = c0 | c1 << 8;

	t[pair >> 3] |= 1 << (pair & 7);
}

static unsigned int
mask_pair(const struct mask *m, unsigned int pair)
{
	return mask_bit(m->pair, pair);
}

static void
mask_pair_set(struct mask *m, unsigned int c0, unsigned int c1)
{
	mask_bit_set(m->pair, c0, c1);
}

/*
 * Which two bytes may sit side by side inside a match where mask_jump()
 * may land, and how many raw bytes the shortest match has.  A table that
 * missed such a pair would let a credential through.  It holds:
 * - the raw automaton's patterns, pair by pair;
 * - for the decoded automaton: each byte t of a pattern is read from one
 *   unit of raw bytes, a literal (a byte c with mask_tokmap(c) == t; '%'
 *   and '\\' too, once their escape fails) or an escape (%HL, \c, \u00HL,
 *   or one \uXXXX for a character of several bytes).  The jump never lands
 *   inside an escape or just after %HL or \c: it stops short within five
 *   bytes after any '%' or '\\'.  What is left are the pairs where a
 *   literal or a \u escape ends and a literal or any escape begins.  A \u
 *   escape ends with the low hex digit, in either case, of the last byte
 *   it stands for.
 * A decoded byte takes at least one raw byte, so the shortest match is
 * the shortest pattern of either automaton.
 */
static void
mask_inners(struct mask *m, uint8_t **rawpat, size_t *rawlen, size_t nraw,
    uint8_t **decpat, size_t *declen, const uint8_t *wraps, size_t ndec)
{
	static const char hexl[] = "0123456789abcdef";
	static const char hexu[] = "0123456789ABCDEF";
	uint8_t		 lit[256][2], nlit[256], last[6];
	uint8_t		 seen[2][65536 / 8];
	size_t		 i, j, k;
	unsigned int	 a, c, d, t, u, nlast, w;

	memset(m->inner, 0, sizeof(m->inner));
	memset(seen, 0, sizeof(seen));
	m->minlen = SIZE_MAX;
	for (i = 0; i < nraw; i++) {
		if (rawlen[i] < m->minlen)
			m->minlen = rawlen[i];
		for (j = 0; j + 1 < rawlen[i]; j++)
			mask_bit_set(m->inner, rawpat[i][j], rawpat[i][j + 1]);
	}

	/* The literals of each decoded byte: itself, and '+' for a space. */
	memset(nlit, 0, sizeof(nlit));
	for (d = 0; d < 256; d++) {
		t = mask_tokmap(d);
		if (nlit[t] == 2)
			fatalx("%s: more than two literals of a byte",
			    __func__);
		lit[t][nlit[t]++] = d;
	}
	for (i = 0; i < ndec; i++) {
		if (declen[i] < m->minlen)
			m->minlen = declen[i];
		for (j = 0; j + 1 < declen[i]; j++) {
			/* Each pair of bytes once, and once across lines. */
			t = decpat[i][j];
			u = decpat[i][j + 1];
			w = wraps[i] && !mask_bit(seen[1], t | u << 8);
			if (mask_bit(seen[0], t | u << 8) && !w)
				continue;
			mask_bit_set(seen[0], t, u);
			if (w)
				mask_bit_set(seen[1], t, u);
			/* How a unit of this byte may end... */
			nlast = 0;
			for (k = 0; k < nlit[t]; k++) {
				d = lit[t][k];
				last[nlast++] = d;
				last[nlast++] = hexl[d & 15];
				last[nlast++] = hexu[d & 15];
			}
			/* ...and one of the next begin... */
			for (a = 0; a < nlast; a++) {
				mask_bit_set(m->inner, last[a], '%');
				mask_bit_set(m->inner, last[a], '\\');
				for (k = 0; k < nlit[u]; k++)
					mask_bit_set(m->inner, last[a],
					    lit[u][k]);
			}
			/*
			 * ...or a line end between them, anywhere in a core: a
			 * match across one may pick a core up again by a
			 * failure link.  As a JSON escape it begins with a
			 * backslash, and no landing follows one closely.
			 */
			if (!w)
				continue;
			for (a = 0; a < nlast; a++) {
				mask_bit_set(m->inner, last[a], '\r');
				mask_bit_set(m->inner, last[a], '\n');
			}
			for (a = 0; a < 2; a++) {
				c = a == 0 ? '\r' : '\n';
				mask_bit_set(m->inner, c, a == 0 ? '\n' : '\r');
				mask_bit_set(m->inner, c, '%');
				mask_bit_set(m->inner, c, '\\');
				for (k = 0; k < nlit[u]; k++)
					mask_bit_set(m->inner, c, lit[u][k]);
			}
		}
	}
	if (m->minlen == SIZE_MAX)
		m->minlen = 0;
}

/*
 * Adds a secret; every form of it is masked from the next byte on.  Only
 * between responses (nothing held back), and never one with a line end,
 * at which the automata end.
 */
int
mask_add(struct mask *m, const char *secret, size_t len)
{
	size_t	 before = m->nsecrets;

	if (mask_store(m, secret, len) == -1 || mask_rebuild(m) == -1) {
		mask_unstore(m, before);
		return -1;
	}
	return 0;
}

/* Keeps a copy of a secret, for the next mask_rebuild. */
static int
mask_store(struct mask *m, const char *secret, size_t len)
{
	char	*copy;

	if (len == 0 || len > MASK_SECRET_MAX ||
	    m->nsecrets == MASK_MAX_SECRETS || m->held != 0 ||
	    memchr(secret, '\r', len) != NULL ||
	    memchr(secret, '\n', len) != NULL)
		return -1;
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, secret, len);
	m->secret[m->nsecrets] = copy;
	m->secretlen[m->nsecrets++] = len;
	return 0;
}

/* Forgets the secrets stored after the first keep, which were never built. */
static void
mask_unstore(struct mask *m, size_t keep)
{
	while (m->nsecrets > keep) {
		m->nsecrets--;
		zfree(m->secret[m->nsecrets], m->secretlen[m->nsecrets]);
		m->secret[m->nsecrets] = NULL;
		m->secretlen[m->nsecrets] = 0;
	}
}

/* RFC 9110 tchar: what an authentication scheme is made of. */
static int
mask_tchar(int c)
{
	return isalnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Adds what an injected header value gives away.  All of it; and after an
 * authentication scheme ("Bearer", "token", "Basic"), the credential on
 * its own, which an upstream may echo without the scheme.  For Basic, also
 * the decoded "user:password", the password, and the user when it is long
 * enough to be a key itself (Stripe takes its key as the user) rather than
 * a name such as "git", which masking would cut out of every git reply.
 * A token or password shorter than MASK_ALONE_MIN is masked only inside
 * the whole value.  On -1 (too many secrets, no memory) none of them is
 * added.
 */
int
mask_add_credential(struct mask *m, const char *value, size_t len)
{
	const char	*tok, *end = value + len;
	unsigned char	*dec = NULL;
	size_t		 before = m->nsecrets, scheme, toklen = 0, declen;
	size_t		 pad, user;
	int		 rv = -1, n;

	if (mask_store(m, value, len) == -1)
		goto done;
	for (scheme = 0; scheme < len &&
	    mask_tchar((unsigned char)value[scheme]); scheme++)
		;
	if (scheme == 0 || scheme == len || value[scheme] != ' ')
		goto build;
	for (tok = value + scheme; tok < end && *tok == ' '; tok++)
		;
	if ((toklen = end - tok) < MASK_ALONE_MIN)
		goto build;
	if (mask_store(m, tok, toklen) == -1)
		goto done;
	if (scheme != 5 || strncasecmp(value, "Basic", 5) != 0 ||
	    toklen % 4 != 0 || toklen > INT_MAX)
		goto build;

	if ((dec = malloc(toklen / 4 * 3 + 1)) == NULL)
		goto done;
	if ((n = EVP_DecodeBlock(dec, (const unsigned char *)tok,
	    toklen)) > 0) {
		/* EVP_DecodeBlock counts the bytes the padding stands for. */
		for (pad = 0; pad < 2 && tok[toklen - 1 - pad] == '='; pad++)
			;
		declen = n - pad;
		for (user = 0; user < declen && dec[user] != ':'; user++)
			;
		if (mask_store(m, (char *)dec, declen) == -1 ||
		    (user + MASK_ALONE_MIN < declen && mask_store(m,
		    (char *)dec + user + 1, declen - user - 1) == -1) ||
		    (user < declen && user >= MASK_USER_MIN &&
		    mask_store(m, (char *)dec, user) == -1))
			goto done;
	}
 build:
	rv = mask_rebuild(m);
 done:
	if (rv == -1)
		mask_unstore(m, before);
	if (dec != NULL)
		zfree(dec, toklen / 4 * 3 + 1);
	return rv;
}

/*
 * Masks [s, e) of the stream, which the invariant keeps inside buf.  A
 * range inside the last one is the same occurrence seen by the other
 * automaton and is not counted again; overlapping ranges are masked only
 * where they are new, so runs of overlapping matches stay linear.
 */
static void
mask_range(struct mask *m, struct mask_scan *st, char *buf, uint64_t base,
    uint64_t s, uint64_t e)
{
	uint64_t	 x;

	if (s < base)
		fatalx("%s: a match reaches released bytes", __func__);
	if (st->masked && s >= st->ms && e <= st->me)
		return;
	if (buf[e - 1 - base] == '\\')
		st->bsend = e;
	m->count++;
	if (st->masked && s <= st->me && e >= st->ms) {
		if (s < st->ms)
			mask_star(buf + (s - base), st->ms - s);
		x = s > st->me ? s : st->me;
		if (x < e)
			mask_star(buf + (x - base), e - x);
		if (s < st->ms)
			st->ms = s;
		if (e > st->me)
			st->me = e;
	} else {
		mask_star(buf + (s - base), e - s);
		st->ms = s;
		st->me = e;
		st->masked = 1;
	}
}

/*
 * Overwrites n bytes with '*', but for line ends: a match across lines
 * keeps them, and no secret holds one.
 */
static void
mask_star(char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != '\n' && p[i] != '\r')
			p[i] = '*';
}

/*
 * Where a "\\uXXXX" that a match from s begins inside of begins, or s:
 * the decoder read it as text (a lone backslash took its own), and what
 * the match leaves of it may spell the secret's first character.  For the
 * match's own start only, not for one reaching back further.
 */
static uint64_t
mask_inside(const struct mask_scan *st, const char *buf, uint64_t base,
    uint64_t s)
{
	uint64_t	 b;

	for (b = s; b > base && s - b < 5; ) {
		b--;
		if (mask_isu(st, buf, base, b, s + 1))
			return b;
	}
	return s;
}

/*
 * Whether the stream's bytes [b, e) are the start of a "\\uXXXX" (all of
 * it when e - b is 6), its backslash maybe masked already as the last
 * byte of a match: one that ended in a lone backslash and the one it took.
 */
static int
mask_isu(const struct mask_scan *st, const char *buf, uint64_t base,
    uint64_t b, uint64_t e)
{
	uint64_t	 x;

	if (buf[b - base] != '\\' && b + 1 != st->bsend)
		return 0;
	for (x = b + 1; x < e; x++)
		if (x == b + 1 ? buf[x - base] != 'u' :
		    mask_hexval(buf[x - base]) == -1)
			return 0;
	return 1;
}

/*
 * Whether an escape left open before the secret s can take up its first
 * n bytes, as the escapes mask_unescape() reads: hex digits after "%" or
 * "\\u", one of "\"\\/bfnrt" after "\\", or a 'u' and four hex digits.
 */
static int
mask_takes(const uint8_t *s, size_t n)
{
	size_t	 i = 0;

	if (n == 1 && s[0] != '\0' && strchr("\"\\/bfnrt", s[0]) != NULL)
		return 1;
	if (n == 5 && s[0] == 'u')
		i = 1;
	else if (n > 4)
		return 0;
	for (; i < n; i++)
		if (mask_hexval(s[i]) == -1)
			return 0;
	return 1;
}

/*
 * How many bytes the secret's first character has in UTF-8 (1 to 3: what
 * one \uXXXX stands for), or 0 if they are not one.
 */
static size_t
mask_charlen(const uint8_t *s, size_t n)
{
	size_t	 len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Whether the six bytes of the stream before offset at are "\\uXXXX"
 * spelling the secret's first n bytes: what a lone backslash before them
 * took the escape's backslash from.
 */
static int
mask_spelt(const struct mask_scan *st, const char *buf, uint64_t base,
    uint64_t at, const char *secret, size_t n)
{
	const uint8_t	*e;
	uint8_t		 dec[3];

	if (n > sizeof(dec) || at < base + 6 ||
	    !mask_isu(st, buf, base, at - 6, at))
		return 0;
	e = (const uint8_t *)buf + (at - 6 - base);
	return mask_unescape(e, 6, dec) == (int)n &&
	    memcmp(dec, secret, n) == 0;
}

/*
 * Whether the n bytes at p are the secret's first n: as they were, or
 * masked already by a raw match that ended in them.
 */
static int
mask_took(const char *p, const char *secret, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != secret[i] && p[i] != '*')
			return 0;
	return 1;
}

/* One decoded byte t, which came from the raw bytes [rs, re). */
static void
mask_token(struct mask *m, struct mask_scan *st, char *buf, uint64_t base,
    uint8_t t, uint64_t rs, uint64_t re)
{
	struct mask_tok	*k;
	uint64_t	 s;
	uint32_t	 l, own, w;
	size_t		 i, j;

	/*
	 * A line end in a base64 core: passed over, once a line, by the
	 * longest match in progress that is on a core's path.
	 */
	if ((t == '\n' || t == '\r') && re - rs <= 2 &&
	    (st->brk & (t == '\n' ? 1 : 2)) == 0 &&
	    (w = mask_wrapnode(m, st->b)) != 0) {
		st->b = w;
		st->brk |= t == '\n' ? 1 : 2;
		st->brktok = st->tok;
		st->lastrs = rs;
		st->lastre = re;
		return;
	}
	st->brk = 0;
	k = &st->ring[st->tok & (m->rsize - 1)];
	k->rs = rs;
	/* An escape that ended here may hold a secret's first bytes. */
	k->esc = st->lastre == rs && rs - st->lastrs > 1 ? st->lastrs :
	    MASK_NONE;
	st->lastrs = rs;
	st->lastre = re;
	st->tok++;
	st->b = acm_step(&m->dec, st->b, t);
	/* Across a line end passed over, only a core's path goes on. */
	while (st->tok - m->dec.depth[st->b] < st->brktok &&
	    !m->dec.wrap[st->b])
		st->b = m->dec.fail[st->b];
	if ((l = m->dec.mlen[st->b]) == 0)
		return;
	/*
	 * A suffix: the escape before it goes too when it ends in the bytes
	 * the suffix lacks of a secret, which it took up; or the "\\uXXXX"
	 * before it, when that spells them.
	 */
	k = &st->ring[(st->tok - l) & (m->rsize - 1)];
	s = mask_inside(st, buf, base, k->rs);
	own = m->dec.owners[st->b];
	for (i = 0; own != 0 && i < m->nsecrets; i++) {
		if ((own & 1U << i) == 0)
			continue;
		j = m->secretlen[i] - l;
		if (k->esc != MASK_NONE && k->rs - k->esc > j &&
		    mask_took(buf + (k->rs - j - base), m->secret[i], j)) {
			s = k->esc < s ? k->esc : s;
			break;
		}
		if (mask_spelt(st, buf, base, k->rs, m->secret[i], j)) {
			s = k->rs - 6;
			break;
		}
	}
	mask_range(m, st, buf, base, s, re);
}

/*
 * The deepest node from s on down its failure links that is on a base64
 * core's path, MASK_WRAP_DEPTH deep or more, or 0.
 */
static uint32_t
mask_wrapnode(const struct mask *m, uint32_t s)
{
	for (; s != 0; s = m->dec.fail[s])
		if (m->dec.wrap[s] && m->dec.depth[s] >= MASK_WRAP_DEPTH)
			return s;
	return 0;
}

/*
 * What the escape e[0..n) stands for: ESC_MORE while it may still become
 * one, ESC_BAD once it cannot, else the number of bytes it decodes to, in
 * out.  "%" and two hex digits (either case) is a byte; a JSON backslash
 * escape is its character, \uXXXX in UTF-8 (a surrogate stays a lone
 * 3-byte sequence, which no secret holds).
 */
#define ESC_MORE	0
#define ESC_BAD		(-1)

static int
mask_unescape(const uint8_t *e, int n, uint8_t *out)
{
	static const char json_from[] = "\"\\/bfnrt";
	static const char json_to[] = "\"\\/\b\f\n\r\t";
	const char	*q;
	unsigned int	 v = 0;
	int		 i;

	if (e[0] == '%') {
		for (i = 1; i < n; i++)
			if (mask_hexval(e[i]) == -1)
				return ESC_BAD;
		if (n < 3)
			return ESC_MORE;
		out[0] = mask_hexval(e[1]) << 4 | mask_hexval(e[2]);
		return 1;
	}
	if (n < 2)
		return ESC_MORE;
	if (e[1] != 'u') {
		if (e[1] == '\0' || (q = strchr(json_from, e[1])) == NULL)
			return ESC_BAD;
		out[0] = json_to[q - json_from];
		return 1;
	}
	for (i = 2; i < n; i++) {
		if (mask_hexval(e[i]) == -1)
			return ESC_BAD;
		v = v << 4 | mask_hexval(e[i]);
	}
	if (n < 6)
		return ESC_MORE;
	if (v < 0x80) {
		out[0] = v;
		return 1;
	}
	if (v < 0x800) {
		out[0] = 0xc0 | v >> 6;
		out[1] = 0x80 | (v & 0x3f);
		return 2;
	}
	out[0] = 0xe0 | v >> 12;
	out[1] = 0x80 | (v >> 6 & 0x3f);
	out[2] = 0x80 | (v & 0x3f);
	return 3;
}

/*
 * What the decoder yields reading the secret s as it stands, each byte
 * as mask_token() sees it, where only the escapes that begin with a byte
 * of esc ("%", "\\") are read as escapes; no longer than s.
 */
static size_t
mask_selfdecode(const uint8_t *s, size_t n, const char *esc, uint8_t *out)
{
	uint8_t		 dec[3];
	size_t		 i = 0, o = 0;
	int		 k = 0, e, j;

	while (i < n) {
		e = ESC_BAD;
		if (s[i] != '\0' && strchr(esc, s[i]) != NULL)
			for (k = 2; k <= 6 && i + k <= n &&
			    (e = mask_unescape(s + i, k, dec)) == ESC_MORE; k++)
				;
		if (e <= 0) {
			out[o++] = mask_tokmap(s[i++]);
			continue;
		}
		for (j = 0; j < e; j++)
			out[o++] = mask_tokmap(dec[j]);
		i += k;
	}
	return o;
}

/*
 * The decoder: a byte that cannot begin an escape is itself ('+' reads
 * as a space); an escape's bytes are held in pend until it ends or turns
 * out to be none, and then its first byte is itself and the others are
 * read again (so "%%41" is '%' and 'A').
 */
static void
mask_decode(struct mask *m, struct mask_scan *st, char *buf, uint64_t base,
    uint8_t c, uint64_t p)
{
	uint8_t		 dec[3];
	int		 n, i;

	if (st->npend == 0) {
		if (c == '%' || c == '\\') {
			st->pend[0] = c;
			st->npend = 1;
			st->escpos = p;
			return;
		}
		mask_token(m, st, buf, base, mask_tokmap(c), p, p + 1);
		return;
	}
	st->pend[st->npend++] = c;
	if ((n = mask_unescape(st->pend, st->npend, dec)) == ESC_MORE)
		return;
	if (n > 0) {
		st->npend = 0;
		for (i = 0; i < n; i++)
			mask_token(m, st, buf, base, mask_tokmap(dec[i]),
			    st->escpos, p + 1);
		return;
	}
	mask_reread(m, st, buf, base);
}

/* The pending bytes are no escape: the first is itself, the rest read again. */
static void
mask_reread(struct mask *m, struct mask_scan *st, char *buf, uint64_t base)
{
	uint8_t		 pend[sizeof(st->pend)];
	uint64_t	 pos = st->escpos;
	int		 n = st->npend, i;

	memcpy(pend, st->pend, n);
	st->npend = 0;
	mask_token(m, st, buf, base, pend[0], pos, pos + 1);
	for (i = 1; i < n; i++)
		mask_decode(m, st, buf, base, pend[i], pos + i);
}

/* Eight bytes as one number, the first lowest; compilers make it a load. */
static uint64_t
mask_le64(const uint8_t *u)
{
	return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 |
	    (uint64_t)u[3] << 24 | (uint64_t)u[4] << 32 |
	    (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 |
	    (uint64_t)u[7] << 56;
}

/*
 * Where a match may begin, from i on, in big steps (Wu-Manber's): no
 * match is shorter than minlen raw bytes, so one that began in the window
 * [j, n), n = j + minlen - 1, would hold the pair of bytes at n - 1 and
 * n.  When the table says no match holds them, none begins in the
 * window, and the scan may go on at n.  Both automata are at their roots
 * at i, as they are where the jump lands: no match was begun in between.
 *
 * The decoder must be idle where the scan goes on, as it is at i: an
 * escape begun in the five bytes before a landing ("\\uXXX" is the
 * longest still open) could be open there, so the jump stops short of
 * such a landing.  The pair table counts on that stop (mask_inners()).
 * An escape that ended just before a landing and took up a secret's
 * first bytes is never passed over: the last of those and the landing
 * byte are a pair of the whole secret.  The bytes a jump looks at are its
 * own: it costs at most seven, whatever the input.
 */
static size_t
mask_jump(const struct mask *m, const uint8_t *u, size_t i, size_t to)
{
	size_t	 w = m->minlen, j = i, n, k;

	if (w < MASK_JUMP_MIN)
		return i;
	while (j + w <= to && !mask_bit(m->inner,
	    u[j + w - 2] | (unsigned int)u[j + w - 1] << 8)) {
		n = j + w - 1;
		for (k = n > j + 5 ? n - 5 : j; k < n; k++)
			if (u[k] == '%' || u[k] == '\\')
				return j;
		j = n;
	}
	return j;
}

/*
 * The first byte from i on that begins a pair that may begin a match, or
 * the last one; eight pairs are tested at a time, with one branch.
 */
static size_t
mask_skip(const struct mask *m, const uint8_t *u, size_t i, size_t to)
{
	while (i + 9 <= to && !mask_eight(m, u, i))
		i += 8;
	while (i + 1 < to && !mask_pair(m, u[i] | (unsigned int)u[i + 1] << 8))
		i++;
	return i;
}

/* Whether any of the eight pairs from u[i] on may begin a match. */
static unsigned int
mask_eight(const struct mask *m, const uint8_t *u, size_t i)
{
	uint64_t	 w = mask_le64(u + i);

	return mask_pair(m, w & 0xffff) | mask_pair(m, w >> 8 & 0xffff) |
	    mask_pair(m, w >> 16 & 0xffff) | mask_pair(m, w >> 24 & 0xffff) |
	    mask_pair(m, w >> 32 & 0xffff) | mask_pair(m, w >> 40 & 0xffff) |
	    mask_pair(m, w >> 48 & 0xffff) |
	    mask_pair(m, w >> 56 | (unsigned int)u[i + 8] << 8);
}

/*
 * The first byte from i on where a match may begin, or the last one: the
 * jump where it can go, the skip where it cannot, taking turns.
 */
static size_t
mask_next(const struct mask *m, const uint8_t *u, size_t i, size_t to)
{
	if (m->minlen < MASK_JUMP_MIN)
		return mask_skip(m, u, i, to);
	for (;;) {
		i = mask_jump(m, u, i, to);
		if (i + 9 > to || mask_eight(m, u, i))
			return mask_skip(m, u, i, to);
		i += 8;
	}
}

/* Scans buf[from, to); buf[0] is the stream's byte at offset base. */
static void
mask_scan(struct mask *m, struct mask_scan *st, char *buf, uint64_t base,
    size_t from, size_t to)
{
	const uint8_t	*u = (const uint8_t *)buf;
	size_t		 i = from;
	uint32_t	 l;
	uint8_t		 c;

	while (i < to) {
		/* Most bytes start nothing: skip them while both idle. */
		if (st->a == 0 && st->b == 0 && st->npend == 0) {
			i = mask_next(m, u, i, to);
			if (i + 1 == to && !m->start[u[i]])
				i++;
			if (i == to)
				break;
		}
		/* Read before a raw match masks it: the decoder needs it too. */
		c = u[i];
		st->a = acm_step(&m->raw, st->a, c);
		if ((l = m->raw.mlen[st->a]) != 0)
			mask_range(m, st, buf, base, mask_inside(st, buf,
			    base, base + i + 1 - l), base + i + 1);
		mask_decode(m, st, buf, base, c, base + i);
		i++;
		/*
		 * A run of a byte that begins a secret but does not go on
		 * with itself ("AAAA" with "AKIA..."): each leaves both
		 * automata where they are, and only the last one is read.
		 */
		if (i + 1 < to && u[i] == c && u[i + 1] == c &&
		    mask_still(m, st, c))
			while (i + 1 < to && u[i + 1] == c)
				i++;
	}
	st->pos = base + to;
}

/*
 * Whether reading c again leaves both automata where they are, a byte
 * deep at most (so that no match reaches back into the run), with no
 * escape or line end about.  Not in a masker that never jumps: the fuzzer
 * compares with one.
 */
static int
mask_still(const struct mask *m, const struct mask_scan *st, uint8_t c)
{
	return m->minlen >= MASK_JUMP_MIN && st->npend == 0 && c != '%' &&
	    c != '\\' && c != '\r' && c != '\n' &&
	    m->raw.depth[st->a] <= 1 && m->dec.depth[st->b] <= 1 &&
	    m->raw.mlen[st->a] == 0 && m->dec.mlen[st->b] == 0 &&
	    acm_step(&m->raw, st->a, c) == st->a &&
	    acm_step(&m->dec, st->b, mask_tokmap(c)) == st->b;
}

/* End of data: an escape still waiting for its digits is none after all. */
static void
mask_finish(struct mask *m, struct mask_scan *st, char *buf, uint64_t base)
{
	uint64_t	 pos = st->pos;

	while (st->npend > 0)
		mask_reread(m, st, buf, base);
	memset(st, 0, offsetof(struct mask_scan, ring));
	st->pos = pos;
	st->masked = 0;
}

/*
 * How many of the last bytes a later byte could still make part of a
 * match; buf[0] is the stream's byte at offset base.
 */
static size_t
mask_keep(const struct mask *m, const struct mask_scan *st, const char *buf,
    uint64_t base)
{
	const struct mask_tok	*k;
	uint64_t		 start = st->pos, rs;
	uint32_t		 d;

	if ((d = m->raw.hold[st->a]) != 0)
		start = st->pos - d;
	if ((d = m->dec.hold[st->b]) != 0) {
		k = &st->ring[(st->tok - d) & (m->rsize - 1)];
		rs = k->esc != MASK_NONE ? k->esc : k->rs;
		if (rs < start)
			start = rs;
	}
	/* An escape that just ended may be followed by a suffix. */
	if (st->lastre == (st->npend != 0 ? st->escpos : st->pos) &&
	    st->lastre - st->lastrs > 1 && st->lastrs < start)
		start = st->lastrs;
	if (st->npend != 0 && st->escpos < start)
		start = st->escpos;
	if (m->nsecrets > 0)
		start = mask_back(st, buf, base, start);
	return st->pos - start;
}

/*
 * How many of buf's last n bytes to hold, of the last total that are not
 * released yet, read from the text alone.  What
 * is held must tell the agent nothing of the secrets: an agent whose bytes
 * an upstream echoes as they come (WebSocket fragments, a streamed answer)
 * would otherwise learn, from how many come back at once, how much of its
 * guess begins a secret, and find the secret a character at a time.  So
 * every byte since the last line end at which every match ends is held, up
 * to holdcap, the most that mask_keep() may ask for, which depends on the
 * secrets' lengths alone.  Every match ends at a blank line, and at a
 * single line end unless a base64 core may go on across it, which needs
 * the byte before it to be of base64 (an escape that reads as one ends in
 * one: a hex digit, or the '/' of "\\/").  Secrets hold no line end, and
 * a line end ends any escape.  buf is the text as it came (m->orig), for
 * masking, which depends on the secrets, may have made the byte before a
 * line end a '*'; it begins with a few bytes released already, so that a
 * blank line whose second line end comes in a read of its own ends
 * matches too.  A single line end with nothing before it in buf does not
 * count.
 */
static size_t
mask_hold(const struct mask *m, const char *buf, size_t n, size_t total)
{
	size_t	 lim, e, s;
	int	 c;

	if (m->nsecrets == 0)
		return 0;
	lim = total < m->holdcap ? total : m->holdcap;
	for (e = n;; e = s) {
		/* The last run of line ends before e, buf[s, e). */
		while (n - e < lim && buf[e - 1] != '\n' && buf[e - 1] != '\r')
			e--;
		if (n - e >= lim)
			return lim;
		for (s = e - 1; s > 0 && (buf[s - 1] == '\n' ||
		    buf[s - 1] == '\r'); s--)
			;
		if (mask_blank(buf + s, e - s))
			return n - e;
		if (s == 0)
			return lim;
		/* ' ' too: the decoder reads it as '+' (mask_tokmap). */
		c = (unsigned char)buf[s - 1];
		if (!isalnum(c) && c != '+' && c != '/' && c != '-' &&
		    c != '_' && c != ' ')
			return n - e;
	}
}

/* Whether a run of CR and LF holds two line ends (LF CR is one). */
static int
mask_blank(const char *p, size_t n)
{
	return n >= 3 || (n == 2 && p[0] == p[1]);
}

/*
 * Where a "\\uXXXX" that ends at or after start begins, if it begins
 * before: a match from there on may mask it (mask_spelt(),
 * mask_inside()).  Only what could be one is held, so text without it is
 * not held back.
 */
static uint64_t
mask_back(const struct mask_scan *st, const char *buf, uint64_t base,
    uint64_t start)
{
	uint64_t	 b, from = start;

	for (b = start; b > base && start - b < 6; ) {
		b--;
		if (mask_isu(st, buf, base, b, start))
			from = b;
	}
	return from;
}

/* Bytes held back now; mask_feed of inlen bytes writes at most their sum. */
size_t
mask_held(const struct mask *m)
{
	return m->held;
}

size_t
mask_bound(const struct mask *m, size_t inlen)
{
	return m->held + inlen;
}

/*
 * Feeds inlen bytes; writes to out (which must not overlap in and has
 * room for mask_bound(m, inlen) bytes) what can be released, masked, and
 * returns its length.  The rest stays held until more data, a line end
 * that ends every match (mask_hold) or mask_flush.
 */
size_t
mask_feed(struct mask *m, const char *in, size_t inlen, char *out,
    size_t outlen)
{
	size_t		 total = m->held + inlen, keep, k, tail;
	uint64_t	 base;

	if (outlen < total)
		fatalx("%s: output buffer too small", __func__);
	if (m->held > 0)
		memcpy(out, m->hold, m->held);
	if (inlen > 0)
		memcpy(out + m->held, in, inlen);
	/*
	 * The last bytes as they came, before the scan masks any: with the
	 * few released before them that m->orig keeps (m->ctx).
	 */
	tail = m->ctx + total < m->holdcap + MASK_TAIL ? m->ctx + total :
	    m->holdcap + MASK_TAIL;
	if (m->orig != NULL && inlen >= tail)
		memcpy(m->orig, in + inlen - tail, tail);
	else if (m->orig != NULL) {
		memmove(m->orig, m->orig + m->ctx + m->held - (tail - inlen),
		    tail - inlen);
		if (inlen > 0)
			memcpy(m->orig + tail - inlen, in, inlen);
	}
	base = m->st.pos - m->held;
	mask_scan(m, &m->st, out, base, m->held, total);
	keep = mask_keep(m, &m->st, out, base);
	/* mask_hold() never holds less; should it, the more wins. */
	if (m->orig != NULL && (k = mask_hold(m, m->orig, tail, total)) >
	    keep)
		keep = k;
	if (keep > m->holdcap)
		fatalx("%s: holding %zu bytes, room for %zu", __func__, keep,
		    m->holdcap);
	if (m->orig != NULL) {
		k = tail - keep < MASK_TAIL ? tail - keep : MASK_TAIL;
		memmove(m->orig, m->orig + tail - keep - k, k + keep);
		explicit_bzero(m->orig + k + keep, tail - keep - k);
		m->ctx = k;
	}
	if (keep > 0)
		memcpy(m->hold, out + total - keep, keep);
	if (keep < m->held)
		explicit_bzero(m->hold + keep, m->held - keep);
	/* What is held may be half a secret: not left in the caller's. */
	explicit_bzero(out + total - keep, keep);
	m->held = keep;
	return total - keep;
}

/* The end of a response: releases what is held; out has mask_held() room. */
size_t
mask_flush(struct mask *m, char *out, size_t outlen)
{
	size_t		 n = m->held;

	if (outlen < n)
		fatalx("%s: output buffer too small", __func__);
	if (n > 0)
		memcpy(out, m->hold, n);
	mask_finish(m, &m->st, out, m->st.pos - n);
	explicit_bzero(m->hold, n);
	if (m->orig != NULL)
		explicit_bzero(m->orig, m->ctx + n);
	m->ctx = 0;
	m->held = 0;
	return n;
}

/*
 * Masks one whole header value in place, apart from the stream, and
 * returns how many occurrences it masked (counted in mask_count too).
 */
int
mask_line(struct mask *m, char *buf, size_t len)
{
	struct mask_scan	 st;
	size_t			 before = m->count;

	memset(&st, 0, sizeof(st));
	st.ring = m->ring[1];
	mask_scan(m, &st, buf, 0, 0, len);
	mask_finish(m, &st, buf, 0);
	return (int)(m->count - before);
}

/* Occurrences masked so far, headers and body, for the audit record. */
size_t
mask_count(const struct mask *m)
{
	return m->count;
}

/* Zeroes the secrets, the automata spelling them and the held bytes. */
static void
mask_wipe(struct mask *m)
{
	size_t	 i;

	for (i = 0; i < m->nsecrets; i++)
		explicit_bzero(m->secret[i], m->secretlen[i]);
	if (m->raw.mem != NULL)
		explicit_bzero(m->raw.mem, m->raw.memlen);
	if (m->dec.mem != NULL)
		explicit_bzero(m->dec.mem, m->dec.memlen);
	explicit_bzero(m->raw.root, sizeof(m->raw.root));
	explicit_bzero(m->dec.root, sizeof(m->dec.root));
	explicit_bzero(m->start, sizeof(m->start));
	explicit_bzero(m->pair, sizeof(m->pair));
	explicit_bzero(m->inner, sizeof(m->inner));
	if (m->hold != NULL)
		explicit_bzero(m->hold, m->holdcap + 1);
	if (m->orig != NULL)
		explicit_bzero(m->orig, m->holdcap + MASK_TAIL);
	for (i = 0; i < 2; i++)
		if (m->ring[i] != NULL)
			explicit_bzero(m->ring[i],
			    m->rsize * sizeof(struct mask_tok));
}

void
mask_free(struct mask *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	mask_wipe(m);
	for (i = 0; i < m->nsecrets; i++)
		free(m->secret[i]);
	free(m->raw.mem);
	free(m->dec.mem);
	free(m->hold);
	free(m->orig);
	free(m->ring[0]);
	free(m->ring[1]);
	explicit_bzero(m, sizeof(*m));
	free(m);
}
