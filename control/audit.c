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
 * audit.c: the audit log's records and their chain, apart from where
 * they are kept (auditlog.c), so that the unit tests see them whole.
 *
 * A worker's record is untrusted JSON: it is bounded in size and nesting
 * before Jansson sees it, must parse without duplicate keys, and must be
 * an object.  Control then sets what only it knows and a worker must not
 * claim: the time, the worker's pid and the session and user that worker
 * authenticated (identity is the channel, never a field).
 *
 * Sealed, a record is one compact ASCII JSON object that starts
 * {"seq":N,"prev":"<sha256 hex>","time":"<RFC 3339>", with N its
 * sequence number (from 1) and prev the SHA-256 of the previous record's
 * sealed bytes: a hash chain.  Changing, adding or removing a record
 * breaks a link; the head (the last sequence number and hash, in
 * <state>/audit.head and the log) catches a tail cut off.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "log.h"
#include "msgtypes.h"
#include "control/audit.h"

static int	audit_time(const struct timespec *, char *, size_t);
static int	audit_hex(const char *, uint8_t *, size_t);
static void	audit_problem(struct audit_verdict *, int, uint64_t,
		    const char *, ...)
		    __attribute__((__format__(printf, 4, 5)));

/*
 * The head file, <state>/audit.head: opened before the sandbox, by root
 * when the service drops privileges, and held.  <state> may be writable
 * by others than root, so a name planted there (a symbolic link, or a
 * hard link to another file) is refused rather than written to.
 */
int
control_audit_head_open(const char *path)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY, 0600)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * The head is one fixed-size text written with one pwrite(2) at offset
 * 0: the file never changes length, so a crash leaves the old head or
 * the new one, never half of either (it is one sector).
 */
void
control_audit_head_format(const struct audit_head *h, char *buf)
{
	char	 hex[AUDIT_HASH_LEN * 2 + 1];

	control_audit_hex(h->hash, hex);
	snprintf(buf, AUDIT_HEAD_SIZE + 1, "aileron audit head 1\n"
	    "seq %020llu\nsha256 %s\n", (unsigned long long)h->seq, hex);
}

/* 0, or -1 when buf is not a head (an empty file: none yet). */
int
control_audit_head_parse(const char *buf, size_t len, struct audit_head *h)
{
	char	 tmp[AUDIT_HEAD_SIZE + 1];
	char	*end;

	memset(h, 0, sizeof(*h));
	if (len != AUDIT_HEAD_SIZE)
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (strncmp(tmp, "aileron audit head 1\nseq ", 25) != 0 ||
	    strspn(tmp + 25, "0123456789") != 20 ||
	    strncmp(tmp + 45, "\nsha256 ", 8) != 0 ||
	    audit_hex(tmp + 53, h->hash, AUDIT_HASH_LEN) == -1 ||
	    strcmp(tmp + 53 + AUDIT_HASH_LEN * 2, "\n") != 0)
		return -1;
	errno = 0;
	h->seq = strtoull(tmp + 25, &end, 10);
	if (errno != 0 || end != tmp + 45)
		return -1;
	return 0;
}

void
control_audit_hex(const uint8_t *hash, char *hex)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < AUDIT_HASH_LEN; i++) {
		hex[i * 2] = digits[hash[i] >> 4];
		hex[i * 2 + 1] = digits[hash[i] & 0xf];
	}
	hex[AUDIT_HASH_LEN * 2] = '\0';
}

/* Lower-case hex only: the one spelling a sealed record has. */
static int
audit_hex(const char *s, uint8_t *out, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		hi = s[i * 2];
		lo = s[i * 2 + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' &&
		    hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' &&
		    lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi == -1 || lo == -1)
			return -1;
		out[i] = hi << 4 | lo;
	}
	return 0;
}

/*
 * Is the nesting of raw JSON at most max?  Counted on the bytes, before
 * any parser recurses into them; brackets inside strings do not count.
 */
int
control_audit_depth(const char *s, size_t len, int max)
{
	size_t	 i;
	int	 depth = 0, instr = 0, esc = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (esc)
				esc = 0;
			else if (s[i] == '\\')
				esc = 1;
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			instr = 1;
			break;
		case '{':
		case '[':
			if (++depth > max)
				return -1;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return 0;
}

/* RFC 3339, UTC, milliseconds: 2026-12-06T10:43:48.123Z */
static int
audit_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	 tm;
	char		 s[32];

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	if (snprintf(buf, len, "%s.%03ldZ", s, ts->tv_nsec / 1000000) >=
	    (int)len)
		return -1;
	return 0;
}

/* The time of a sealed record back, in milliseconds since the epoch. */
int64_t
control_audit_time_ms(const char *s)
{
	struct tm	 tm;
	const char	*end;

	if (strlen(s) < AUDIT_TIME_LEN || s[AUDIT_TIME_LEN - 1] != 'Z' ||
	    s[19] != '.' || strspn(s + 20, "0123456789") != 3)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != s + 19)
		return -1;
	return (int64_t)timegm(&tm) * 1000 + (s[20] - '0') * 100 +
	    (s[21] - '0') * 10 + (s[22] - '0');
}

/*
 * A worker's record, checked and completed; NULL with *why saying what
 * was wrong with it (NULL: out of memory).  session and user are those
 * the worker authenticated, or NULL.
 */
json_t *
control_audit_check(const void *data, size_t len, uint32_t worker,
    const char *session, const char *user, const char **why)
{
	json_error_t	 jerr;
	json_t		*j;

	*why = NULL;
	if (len < 2 || len > MSG_CONTROL_AUDIT_MAX) {
		*why = "length out of bounds";
		return NULL;
	}
	if (control_audit_depth(data, len, AUDIT_DEPTH_MAX) == -1) {
		*why = "nested too deep";
		return NULL;
	}
	if ((j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		*why = "not JSON, or a duplicate key";
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*why = "not a JSON object";
		return NULL;
	}
	/* What only control knows replaces whatever the worker put there. */
	json_object_del(j, "session");
	json_object_del(j, "user");
	json_object_del(j, "uid");
	if (json_object_set_new(j, "worker", json_integer(worker)) == -1 ||
	    (session != NULL && json_object_set_new(j, "session",
	    json_string(session)) == -1) ||
	    (user != NULL && json_object_set_new(j, "user",
	    json_string(user)) == -1)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/*
 * A worker's record from before any session (no AUTH succeeded on its
 * channel): it has refused a request or a token, and has nothing else to
 * tell, so a record of any other event is refused (-1), and one of those
 * keeps only what they say.  Else a worker that authenticated nobody
 * could put made-up requests in the trail.
 */
int
control_audit_preauth(json_t *rec)
{
	static const char *const keep[] = {
		"event", "status", "type", "reason", "host", "peer",
		"worker",
	};
	const char	*event, *key;
	json_t		*v;
	void		*tmp;
	size_t		 i;

	event = json_string_value(json_object_get(rec, "event"));
	if (event == NULL || (strcmp(event, "refused") != 0 &&
	    strcmp(event, "proxy-auth") != 0))
		return -1;
	json_object_foreach_safe(rec, tmp, key, v) {
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strcmp(key, keep[i]) == 0)
				break;
		if (i == sizeof(keep) / sizeof(keep[0]))
			json_object_del(rec, key);
	}
	return 0;
}

/*
 * The record sealed as number seq after the record whose hash is prev:
 * {"seq", "prev", "time"} first, then the record's own members (any of
 * those three names it had are control's to set), compact, ASCII only
 * (never a raw line end or terminal escape).  Takes the reference to j.
 * NULL when out of memory.
 */
char *
control_audit_seal(json_t *j, uint64_t seq, const uint8_t *prev,
    const struct timespec *now)
{
	char		 tbuf[40], hex[AUDIT_HASH_LEN * 2 + 1], head[160];
	char		*body = NULL, *s = NULL;
	size_t		 blen;
	int		 n;

	if (j == NULL)
		return NULL;
	control_audit_hex(prev, hex);
	if (audit_time(now, tbuf, sizeof(tbuf)) == -1)
		goto done;
	json_object_del(j, "seq");
	json_object_del(j, "prev");
	json_object_del(j, "time");
	/*
	 * The three names and values need no escaping: written here and
	 * spliced before the record's own members, in one copy.
	 */
	n = snprintf(head, sizeof(head), "{\"seq\":%llu,\"prev\":\"%s\","
	    "\"time\":\"%s\"", (unsigned long long)seq, hex, tbuf);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    (body = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_PRESERVE_ORDER)) == NULL ||
	    (blen = strlen(body)) < 2 || body[0] != '{' ||
	    (s = malloc(n + blen + 1)) == NULL)
		goto done;
	memcpy(s, head, n);
	if (blen == 2)
		memcpy(s + n, "}", 2);
	else {
		s[n] = ',';
		memcpy(s + n + 1, body + 1, blen);	/* with the NUL */
	}
 done:
	free(body);
	json_decref(j);
	return s;
}

/*
 * SHA-256 of a record.  SHA256() fetches the digest from the provider on
 * every call (4% of control's time per audited request); fetched
 * once here.
 */
void
control_audit_hash(const void *p, size_t len, uint8_t *out)
{
	static EVP_MD		*md;
	static EVP_MD_CTX	*ctx;

	if (md == NULL && ((md = EVP_MD_fetch(NULL, "SHA256", NULL)) ==
	    NULL || (ctx = EVP_MD_CTX_new()) == NULL))
		fatalx("SHA-256 is not available");
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, p, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		fatalx("SHA-256 failed");
}

/*
 * A sealed record's link: its sequence number, its predecessor's hash
 * and its time, read from the fixed start control writes, and its own
 * hash.  l->ok is 0 when the start is not a sealed record's.
 */
void
control_audit_link(const char *val, size_t len, struct audit_link *l)
{
	static const char	 p1[] = "{\"seq\":", p2[] = ",\"prev\":\"";
	static const char	 p3[] = "\",\"time\":\"";
	char			 tbuf[AUDIT_TIME_LEN + 1];
	size_t			 i, n;
	uint64_t		 seq = 0;

	memset(l, 0, sizeof(*l));
	l->time_ms = -1;
	control_audit_hash(val, len, l->hash);
	if (len < sizeof(p1) - 1 || memcmp(val, p1, sizeof(p1) - 1) != 0)
		return;
	i = sizeof(p1) - 1;
	for (n = 0; i < len && val[i] >= '0' && val[i] <= '9' && n < 20;
	    i++, n++)
		seq = seq * 10 + (val[i] - '0');
	if (n == 0 || n == 20 || (n > 1 && val[i - n] == '0'))
		return;
	if (len - i < sizeof(p2) - 1 + AUDIT_HASH_LEN * 2 + sizeof(p3) - 1 +
	    AUDIT_TIME_LEN + 1 || memcmp(val + i, p2, sizeof(p2) - 1) != 0)
		return;
	i += sizeof(p2) - 1;
	if (audit_hex(val + i, l->prev, AUDIT_HASH_LEN) == -1)
		return;
	i += AUDIT_HASH_LEN * 2;
	if (memcmp(val + i, p3, sizeof(p3) - 1) != 0)
		return;
	i += sizeof(p3) - 1;
	memcpy(tbuf, val + i, AUDIT_TIME_LEN);
	tbuf[AUDIT_TIME_LEN] = '\0';
	if (val[i + AUDIT_TIME_LEN] != '"' ||
	    (l->time_ms = control_audit_time_ms(tbuf)) == -1)
		return;
	l->seq = seq;
	l->ok = 1;
}

static void
audit_problem(struct audit_verdict *v, int kind, uint64_t at,
    const char *fmt, ...)
{
	va_list	 ap;

	v->ok = 0;
	v->kind = kind;
	v->at = at;
	va_start(ap, fmt);
	vsnprintf(v->problem, sizeof(v->problem), fmt, ap);
	va_end(ap);
}

/*
 * Walk the chain as next() gives it, in the store's order, from the
 * first kept record (first, whose predecessor's hash is the anchor), and
 * compare its end with the head.  The first break found is told apart:
 *
 *	altered		a record whose hash no longer matches its
 *			successor's link (or the head), or not sealed
 *	inserted	a record its successor's link goes over
 *	removed		a gap in the sequence numbers (the chain goes on
 *			past it from the record after), or a tail that
 *			ends before the head (truncated)
 *	head		the head does not match the chain's end
 *
 * next() gives 1 and a link, 0 at the end, -1 on an error of its own.
 * Returns 0 when the walk could be done (v says how it went), -1 if not.
 */
int
control_audit_verify(int (*next)(void *, struct audit_link *), void *arg,
    uint64_t first, const uint8_t *anchor, const struct audit_head *head,
    struct audit_verdict *v)
{
	struct audit_link	 cur, nxt;
	uint8_t			 last[AUDIT_HASH_LEN], before[AUDIT_HASH_LEN];
	uint64_t		 lastseq;
	int			 r, rn, havebefore = 0;

	memset(v, 0, sizeof(*v));
	v->ok = 1;
	v->first = first;
	lastseq = first - 1;
	memcpy(last, anchor, AUDIT_HASH_LEN);
	if ((r = next(arg, &cur)) == -1)
		return -1;
	rn = r == 1 ? next(arg, &nxt) : 0;
	while (r == 1) {
		if (rn == -1)
			return -1;
		if (!cur.ok) {
			audit_problem(v, AUDIT_ALTERED, lastseq + 1,
			    "the record after number %llu is not a sealed "
			    "record: it was altered",
			    (unsigned long long)lastseq);
			return 0;
		}
		if (memcmp(cur.prev, last, AUDIT_HASH_LEN) == 0) {
			if (cur.seq != lastseq + 1) {
				audit_problem(v, cur.seq <= lastseq ?
				    AUDIT_INSERTED : AUDIT_ALTERED, cur.seq,
				    "record %llu follows record %llu: %s",
				    (unsigned long long)cur.seq,
				    (unsigned long long)lastseq,
				    cur.seq <= lastseq ? "it was inserted" :
				    "its number was altered");
				return 0;
			}
		} else if (rn == 1 && nxt.ok &&
		    memcmp(nxt.prev, last, AUDIT_HASH_LEN) == 0) {
			audit_problem(v, AUDIT_INSERTED, lastseq + 1,
			    "a record (numbered %llu) was inserted after "
			    "record %llu", (unsigned long long)cur.seq,
			    (unsigned long long)lastseq);
			return 0;
		} else if (havebefore &&
		    memcmp(cur.prev, before, AUDIT_HASH_LEN) == 0) {
			audit_problem(v, AUDIT_INSERTED, lastseq,
			    "a record (numbered %llu) was inserted: the "
			    "record after it (numbered %llu) links past it",
			    (unsigned long long)lastseq,
			    (unsigned long long)cur.seq);
			return 0;
		} else if (cur.seq > lastseq + 1) {
			audit_problem(v, AUDIT_REMOVED, lastseq + 1,
			    "record%s %llu%s%.0llu removed: record %llu "
			    "follows record %llu", cur.seq - lastseq > 2 ?
			    "s" : "", (unsigned long long)lastseq + 1,
			    cur.seq - lastseq > 2 ? " to " : "",
			    cur.seq - lastseq > 2 ?
			    (unsigned long long)cur.seq - 1 : 0,
			    (unsigned long long)cur.seq,
			    (unsigned long long)lastseq);
			return 0;
		} else if (lastseq + 1 == first) {
			audit_problem(v, AUDIT_ALTERED, cur.seq,
			    "record %llu was altered: it does not link to "
			    "the anchor of the first record kept",
			    (unsigned long long)cur.seq);
			return 0;
		} else {
			audit_problem(v, AUDIT_ALTERED, lastseq,
			    "record %llu was altered: its hash does not "
			    "match the link of record %llu",
			    (unsigned long long)lastseq,
			    (unsigned long long)cur.seq);
			return 0;
		}
		memcpy(before, last, AUDIT_HASH_LEN);
		havebefore = 1;
		memcpy(last, cur.hash, AUDIT_HASH_LEN);
		lastseq = cur.seq;
		v->records++;
		cur = nxt;
		if ((r = rn) == 1)
			rn = next(arg, &nxt);
	}
	if (r == -1)
		return -1;
	v->last = lastseq;
	if (head->seq > lastseq)
		audit_problem(v, AUDIT_REMOVED, lastseq + 1, "head mismatch: "
		    "the head is record %llu, the log ends at %llu: the "
		    "tail was truncated", (unsigned long long)head->seq,
		    (unsigned long long)lastseq);
	else if (head->seq < lastseq)
		audit_problem(v, AUDIT_HEAD, head->seq + 1, "head mismatch: "
		    "the head is record %llu, the log goes on to %llu",
		    (unsigned long long)head->seq,
		    (unsigned long long)lastseq);
	else if (memcmp(head->hash, last, AUDIT_HASH_LEN) != 0)
		audit_problem(v, lastseq >= first ? AUDIT_ALTERED : AUDIT_HEAD,
		    lastseq, lastseq >= first ? "record %llu was altered: "
		    "its hash does not match the head" : "head mismatch: "
		    "its hash is not the anchor's (record %llu)",
		    (unsigned long long)lastseq);
	return 0;
}

/*
 * A time as a query gives it: RFC 3339 (2026-12-06T10:43:48Z, with a
 * fraction or an offset), or an age, that long before now (30s, 15m,
 * 1h, 2d).  Milliseconds since the epoch into *ms; -1 when it is
 * neither.
 */
int
control_audit_parse_time(const char *s, int64_t now_ms, int64_t *ms)
{
	struct tm	 tm;
	const char	*p, *errstr;
	char		 num[16];
	size_t		 len = strlen(s);
	long long	 n, unit, frac = 0, div = 1;
	int		 sign, oh, om;

	unit = len < 2 ? 0 : s[len - 1] == 's' ? 1 : s[len - 1] == 'm' ?
	    60 : s[len - 1] == 'h' ? 3600 : s[len - 1] == 'd' ? 86400 : 0;
	if (unit != 0 && len - 1 < sizeof(num) &&
	    strspn(s, "0123456789") == len - 1) {
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		n = strtonum(num, 0, 36500LL * 86400 / unit, &errstr);
		if (errstr != NULL)
			return -1;
		*ms = now_ms - n * unit * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (p = strptime(s, "%Y-%m-%dt%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (div < 1000) {
				frac = frac * 10 + (*p - '0');
				div *= 10;
			}
	}
	*ms = (int64_t)timegm(&tm) * 1000 + frac * (1000 / div);
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0' ? 0 : -1;
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':' ||
	    strspn(p + 1, "0123456789") != 2 ||
	    strspn(p + 4, "0123456789") != 2)
		return -1;
	sign = *p == '-' ? -1 : 1;
	oh = (p[1] - '0') * 10 + (p[2] - '0');
	om = (p[4] - '0') * 10 + (p[5] - '0');
	if (oh > 23 || om > 59)
		return -1;
	*ms -= sign * (oh * 3600 + om * 60) * 1000LL;
	return 0;
}
