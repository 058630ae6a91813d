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
 * usage.c: the token counts of an LLM response, read as it passes.  A
 * JSON body, or each event of a text/event-stream, is walked a byte at a
 * time by a small tokenizer that keeps only its nesting, the key it is
 * under and, for each JSON pointer of the connector's spec, whether the
 * path so far still leads there: nothing is buffered, whatever the size
 * of the response, and nothing of it but a number or the model's name is
 * kept.  A document that is not JSON, or breaks off, simply yields no
 * count: "unknown", never a guess.
 *
 * What cannot lead to a count is passed over in runs, not byte by byte:
 * the inside of a string that is not the model's name, and in a stream
 * every line of an event the spec does not name (the text deltas, most
 * of the bytes): an event whose first name no set reads is passed over
 * to its blank line.  The budget is a few microseconds a response
 * (etc/bench-tokens.c, in "make bench").
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/usage.h"

#define JS_DEPTH	32		/* deeper than any usage we read */
#define JS_KEY		64		/* longer keys match nothing */
#define JS_SEGS		8		/* segments of a pointer */
#define JS_NUM		20		/* digits of a count, and some */
#define SSE_FIELD	16

/* Is a byte of x zero?  (Words of eight bytes, for js_skip().) */
#define JS_ONES		0x0101010101010101ULL
#define JS_HASZERO(x)	(((x) - JS_ONES) & ~(x) & (JS_ONES * 0x80))

/* The field of the SSE line being read. */
enum sse_field {
	SSE_OTHER,
	SSE_DATA,
	SSE_EVENT
};

enum js_state {
	JS_VALUE,		/* a value may start */
	JS_OBJ_FIRST,		/* after '{': a key or '}' */
	JS_OBJ_KEY,		/* after ',' in an object: a key */
	JS_COLON,
	JS_AFTER,		/* after a value: ',' or a close */
	JS_STRING,
	JS_NUMBER,
	JS_LITERAL,
	JS_DONE,
	JS_ERROR
};

struct jscan {
	const struct usage_set	*set;		/* NULL: not read */
	enum js_state		 state;
	int			 depth;
	char			 kind[JS_DEPTH + 1];	/* '{' or '[' */
	unsigned		 cmask[JS_DEPTH + 1];	/* slots still led to */
	long			 index[JS_DEPTH + 1];
	int			 empty;		/* nothing yet in this '[' */
	char			 key[JS_KEY + 1];
	size_t			 keylen;
	int			 keybad;
	int			 inkey;		/* the string is a key */
	int			 esc;		/* after '\\' */
	int			 hex;		/* \uXXXX digits left */
	unsigned		 vmask;		/* slots the value is at */
	char			 num[JS_NUM + 1];
	size_t			 numlen;
	int			 numbad;
	char			 str[USAGE_MODEL_MAX];
	size_t			 strl;
	int			 litleft;
};

struct usage_scan {
	const struct usage_spec	*spec;
	int			 sse;
	struct usage		 u;
	/* The set being read: its pointers as segments, decoded. */
	char			 seg[USAGE_NSLOTS][JS_SEGS][JS_KEY + 1];
	int			 nseg[USAGE_NSLOTS];
	int			 setno;		/* which set js reads */
	struct jscan		 js;
	/* SSE: the line being read. */
	int			 linestart;
	int			 infield;
	char			 field[SSE_FIELD + 1];
	size_t			 fieldlen;
	enum sse_field		 fkind;		/* field, once its ':' came */
	int			 skipspace;
	int			 cr;		/* last byte was '\r' */
	char			 event[USAGE_EVENT_MAX];
	size_t			 eventlen;
	int			 eventbad;
	int			 indata;	/* this event has had data */
	size_t			 evlen[USAGE_SETS_MAX];	/* sets' names' */
	int			 skipevent;	/* a name no set reads: to its end */
	int			 skiplf;	/* the last byte skipped was '\n' */
};

static const char	*usage_names[USAGE_NSLOTS] = {
	"input", "output", "cache_write", "cache_read", "reasoning", "model"
};

static void	 js_start(struct usage_scan *, int);
static void	 js_byte(struct usage_scan *, unsigned char);
static void	 js_value_begin(struct usage_scan *, unsigned char);
static void	 js_value_end(struct jscan *);
static unsigned	 js_child(struct usage_scan *, const char *);
static void	 js_capture_number(struct usage_scan *);
static void	 js_capture_string(struct usage_scan *);
static int	 usage_pointer(const char *, char [JS_SEGS][JS_KEY + 1]);
static void	 sse_byte(struct usage_scan *, unsigned char);
static void	 sse_line_end(struct usage_scan *);
static void	 sse_event_end(struct usage_scan *);
static int	 sse_event_read(struct usage_scan *);
static size_t	 sse_skip_event(struct usage_scan *, const unsigned char *,
		    size_t);
static size_t	 sse_blank(const unsigned char *, size_t, size_t);

const char *
usage_slot_name(enum usage_slot s)
{
	return s < USAGE_NSLOTS ? usage_names[s] : "?";
}

/*
 * A pointer into segments, "~1" and "~0" decoded; the number of them,
 * or -1 for "" (the whole document, never a count) or one too long.
 */
static int
usage_pointer(const char *p, char seg[JS_SEGS][JS_KEY + 1])
{
	int	 n = 0;
	size_t	 len;

	if (*p != '/')
		return -1;
	while (*p == '/') {
		if (n == JS_SEGS)
			return -1;
		p++;
		len = 0;
		while (*p != '\0' && *p != '/') {
			if (len == JS_KEY)
				return -1;
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				seg[n][len++] = p[1] == '0' ? '~' : '/';
				p += 2;
			} else
				seg[n][len++] = *p++;
		}
		seg[n][len] = '\0';
		n++;
	}
	return n;
}

struct usage_scan *
usage_scan_new(const struct usage_spec *spec, int sse)
{
	struct usage_scan	*us;
	size_t			 i;

	/* Not calloc: the segments are written when a set is read. */
	if ((us = malloc(sizeof(*us))) == NULL)
		return NULL;
	memset(us, 0, offsetof(struct usage_scan, seg));
	memset(us->nseg, 0, sizeof(*us) - offsetof(struct usage_scan, nseg));
	us->spec = spec;
	us->sse = sse;
	us->linestart = 1;
	for (i = 0; i < spec->nstream && i < USAGE_SETS_MAX; i++)
		us->evlen[i] = strnlen(spec->stream[i].event, USAGE_EVENT_MAX);
	if (!sse)
		js_start(us, 0);
	return us;
}

/* Read the next document with set number setno (0: the body's). */
static void
js_start(struct usage_scan *us, int setno)
{
	struct jscan		*js = &us->js;
	const struct usage_set	*set;
	int			 s;

	memset(js, 0, sizeof(*js));
	set = setno == 0 ? &us->spec->body : &us->spec->stream[setno - 1];
	us->setno = setno;
	js->set = set;
	js->state = JS_VALUE;
	for (s = 0; s < USAGE_NSLOTS; s++) {
		us->nseg[s] = set->ptr[s][0] == '\0' ? -1 :
		    usage_pointer(set->ptr[s], us->seg[s]);
		if (us->nseg[s] > 0)
			js->vmask |= 1U << s;
	}
	js->cmask[0] = js->vmask;
}

/* The slots of cmask[depth] whose next segment is key. */
static unsigned
js_child(struct usage_scan *us, const char *key)
{
	struct jscan	*js = &us->js;
	unsigned	 m = 0;
	int		 s;

	for (s = 0; s < USAGE_NSLOTS; s++)
		if ((js->cmask[js->depth] & (1U << s)) &&
		    us->nseg[s] >= js->depth &&
		    strcmp(us->seg[s][js->depth - 1], key) == 0)
			m |= 1U << s;
	return m;
}

static void
js_capture_number(struct usage_scan *us)
{
	struct jscan	*js = &us->js;
	long long	 v = 0;
	size_t		 i;
	int		 s;

	if (js->numbad || js->numlen == 0 || js->numlen > 18)
		return;
	for (i = 0; i < js->numlen; i++)
		v = v * 10 + (js->num[i] - '0');
	for (s = 0; s < USAGE_MODEL; s++) {
		if (!(js->vmask & (1U << s)) ||
		    us->nseg[s] != js->depth)
			continue;
		/* Running totals: the last wins; parts add up. */
		if (js->set->cumulative || !us->u.seen[s])
			us->u.count[s] = v;
		else if (us->u.count[s] > INT64_MAX - v)
			us->u.count[s] = INT64_MAX;	/* a liar's sum */
		else
			us->u.count[s] += v;
		us->u.seen[s] = 1;
		us->u.known = 1;
	}
}

static void
js_capture_string(struct usage_scan *us)
{
	struct jscan	*js = &us->js;

	if ((js->vmask & (1U << USAGE_MODEL)) &&
	    us->nseg[USAGE_MODEL] == js->depth && js->strl > 0) {
		memcpy(us->u.model, js->str, js->strl);
		us->u.model[js->strl] = '\0';
		us->u.seen[USAGE_MODEL] = 1;
	}
}

/* A value ended: what may follow it. */
static void
js_value_end(struct jscan *js)
{
	js->state = js->depth == 0 ? JS_DONE : JS_AFTER;
}

/* The first byte c of a value, under the key (or index) in js->key. */
static void
js_value_begin(struct usage_scan *us, unsigned char c)
{
	struct jscan	*js = &us->js;
	unsigned	 m;

	m = js->depth == 0 ? js->cmask[0] :
	    (js->keybad ? 0 : js_child(us, js->key));
	js->vmask = m;
	switch (c) {
	case '{':
	case '[':
		if (js->depth == JS_DEPTH) {
			js->state = JS_ERROR;
			return;
		}
		js->depth++;
		js->kind[js->depth] = c;
		js->cmask[js->depth] = m;
		js->index[js->depth] = 0;
		js->empty = 1;
		js->state = c == '{' ? JS_OBJ_FIRST : JS_VALUE;
		if (c == '[')
			snprintf(js->key, sizeof(js->key), "0");
		js->keybad = 0;
		return;
	case '"':
		js->inkey = 0;
		js->strl = 0;
		js->state = JS_STRING;
		return;
	case 't':
	case 'n':
		js->litleft = 3;
		js->state = JS_LITERAL;
		return;
	case 'f':
		js->litleft = 4;
		js->state = JS_LITERAL;
		return;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			js->numlen = 0;
			js->numbad = c == '-';
			if (c != '-')
				js->num[js->numlen++] = c;
			js->state = JS_NUMBER;
			return;
		}
		js->state = JS_ERROR;
	}
}

static void
js_byte(struct usage_scan *us, unsigned char c)
{
	struct jscan	*js = &us->js;
	int		 ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';

	switch (js->state) {
	case JS_DONE:
	case JS_ERROR:
		if (!ws)
			js->state = JS_ERROR;
		return;
	case JS_STRING:
		if (js->hex > 0) {
			js->hex--;
			return;
		}
		if (js->esc) {
			js->esc = 0;
			if (c == 'u')
				js->hex = 4;
			/* An escaped key matches nothing; a name keeps
			 * what it had. */
			js->keybad |= js->inkey;
			return;
		}
		if (c == '\\') {
			js->esc = 1;
			return;
		}
		if (c == '"') {
			if (js->inkey) {
				js->key[js->keylen] = '\0';
				js->state = JS_COLON;
			} else {
				js_capture_string(us);
				js_value_end(js);
			}
			return;
		}
		if (c < 0x20) {
			js->state = JS_ERROR;
			return;
		}
		if (js->inkey) {
			if (js->keylen < JS_KEY)
				js->key[js->keylen++] = c;
			else
				js->keybad = 1;
		} else if (js->strl < USAGE_MODEL_MAX - 1 && c >= 0x20 &&
		    c < 0x7f)
			js->str[js->strl++] = c;
		return;
	case JS_NUMBER:
		if (c >= '0' && c <= '9') {
			if (js->numlen < JS_NUM)
				js->num[js->numlen++] = c;
			else
				js->numbad = 1;
			return;
		}
		if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			js->numbad = 1;
			return;
		}
		js_capture_number(us);
		js_value_end(js);
		js_byte(us, c);		/* what ended it is the next token */
		return;
	case JS_LITERAL:
		if (c < 'a' || c > 'z') {
			js->state = JS_ERROR;
			return;
		}
		if (--js->litleft == 0)
			js_value_end(js);
		return;
	default:
		break;
	}
	if (ws)
		return;
	switch (js->state) {
	case JS_VALUE:
		if (c == ']' && js->depth > 0 && js->kind[js->depth] == '[' &&
		    js->empty) {
			js->depth--;
			js_value_end(js);
			return;
		}
		js->empty = 0;
		js_value_begin(us, c);
		return;
	case JS_OBJ_FIRST:
		if (c == '}') {
			js->depth--;
			js_value_end(js);
			return;
		}
		/* FALLTHROUGH */
	case JS_OBJ_KEY:
		if (c != '"') {
			js->state = JS_ERROR;
			return;
		}
		js->inkey = 1;
		js->keylen = 0;
		js->keybad = 0;
		js->state = JS_STRING;
		return;
	case JS_COLON:
		js->state = c == ':' ? JS_VALUE : JS_ERROR;
		return;
	case JS_AFTER:
		if (c == ',') {
			if (js->kind[js->depth] == '{')
				js->state = JS_OBJ_KEY;
			else {
				js->index[js->depth]++;
				snprintf(js->key, sizeof(js->key), "%ld",
				    js->index[js->depth]);
				js->keybad = 0;
				js->state = JS_VALUE;
			}
			return;
		}
		if ((c == '}' && js->kind[js->depth] == '{') ||
		    (c == ']' && js->kind[js->depth] == '[')) {
			js->depth--;
			js_value_end(js);
			return;
		}
		js->state = JS_ERROR;
		return;
	default:
		js->state = JS_ERROR;
		return;
	}
}

/* A blank line: the event is over, the next one starts afresh. */
static void
sse_event_end(struct usage_scan *us)
{
	/* A number that ends the document ends with it. */
	if (us->indata && us->js.set != NULL && us->js.state == JS_NUMBER)
		js_byte(us, ' ');
	us->indata = 0;
	us->eventlen = 0;
	us->eventbad = 0;
	us->event[0] = '\0';
	us->js.set = NULL;
}

static void
sse_line_end(struct usage_scan *us)
{
	if (us->linestart) {
		sse_event_end(us);
		return;
	}
	if (us->infield)	/* a line that is a field name alone */
		us->field[us->fieldlen] = '\0';
	if (us->indata && us->js.set != NULL && !us->infield &&
	    us->fkind == SSE_DATA)
		js_byte(us, '\n');	/* data lines join with newlines */
	/* An event named for no set, before its data: none of it counts. */
	if (us->fkind == SSE_EVENT && !us->indata && !sse_event_read(us)) {
		us->skipevent = 1;
		us->skiplf = 1;		/* a '\n' next is the blank line */
	}
	us->linestart = 1;
	us->infield = 0;
	us->fkind = SSE_OTHER;
}

/* Does a set read events of the name read so far? */
static int
sse_event_read(struct usage_scan *us)
{
	size_t	 i;

	if (us->eventbad)
		return 0;
	/* Lengths first: most names differ in theirs. */
	for (i = 0; i < us->spec->nstream && i < USAGE_SETS_MAX; i++)
		if (us->evlen[i] == us->eventlen && memcmp(
		    us->spec->stream[i].event, us->event, us->eventlen) == 0)
			return 1;
	return 0;
}

/*
 * In an event no set reads: the bytes up to its blank line, found with
 * memchr; a '\r' on the way hands back to sse_byte(), which knows every
 * line ending.  At the blank line the scanner is left at a line's start,
 * so that sse_byte() ends the event.
 */
static size_t
sse_skip_event(struct usage_scan *us, const unsigned char *p, size_t len)
{
	const unsigned char	*q;
	size_t			 n = 0, end = len;

	if (us->skiplf && len > 0) {
		us->skiplf = 0;
		if (p[0] == '\n') {
			us->skipevent = 0;
			return 0;	/* linestart: the event ends */
		}
	}
	/* The blank line: "\n\n", or the buffer's end. */
	while (n < len && (q = memchr(p + n, '\n', len - n)) != NULL) {
		n = q - p + 1;
		if (n < len && p[n] == '\n') {
			end = n;
			break;
		}
	}
	if ((q = memchr(p, '\r', end)) != NULL) {
		/* A '\r': lines from here are read one by one. */
		end = q - p;
		us->skipevent = 0;
		us->linestart = end > 0 && p[end - 1] == '\n';
		us->infield = 0;
		us->fkind = SSE_OTHER;
		return end;
	}
	if (end < len)
		us->skipevent = 0;
	else if (len > 0 && p[len - 1] == '\n')
		us->skiplf = 1;
	return end;
}

/* The set for this event's name, started at its first data line. */
static void
sse_data_begin(struct usage_scan *us)
{
	size_t	 i;

	us->indata = 1;
	us->js.set = NULL;
	if (us->eventbad)
		return;
	us->event[us->eventlen] = '\0';
	for (i = 0; i < us->spec->nstream && i < USAGE_SETS_MAX; i++)
		if (strcmp(us->spec->stream[i].event, us->event) == 0) {
			js_start(us, i + 1);
			return;
		}
}

static void
sse_byte(struct usage_scan *us, unsigned char c)
{
	if (us->cr) {
		us->cr = 0;
		if (c == '\n')
			return;		/* "\r\n" ends one line */
	}
	if (c == '\r' || c == '\n') {
		us->cr = c == '\r';
		sse_line_end(us);
		return;
	}
	if (us->linestart) {
		us->linestart = 0;
		us->infield = 1;
		us->fieldlen = 0;
		us->skipspace = 0;
		us->fkind = SSE_OTHER;
	}
	if (us->infield) {
		if (c == ':') {
			us->field[us->fieldlen] = '\0';
			us->infield = 0;
			us->skipspace = 1;
			us->fkind = strcmp(us->field, "data") == 0 ? SSE_DATA :
			    strcmp(us->field, "event") == 0 ? SSE_EVENT :
			    SSE_OTHER;
			if (us->fkind == SSE_DATA && !us->indata)
				sse_data_begin(us);
			else if (us->fkind == SSE_EVENT) {
				us->eventlen = 0;
				us->eventbad = 0;
			}
		} else if (us->fieldlen < SSE_FIELD)
			us->field[us->fieldlen++] = c;
		else
			us->field[0] = '\0', us->fieldlen = SSE_FIELD;
		return;
	}
	if (us->skipspace) {
		us->skipspace = 0;
		if (c == ' ')
			return;
	}
	if (us->fkind == SSE_DATA) {
		if (us->js.set != NULL)
			js_byte(us, c);
	} else if (us->fkind == SSE_EVENT) {
		if (us->eventlen < USAGE_EVENT_MAX - 1)
			us->event[us->eventlen++] = c;
		else
			us->eventbad = 1;
	}
}

/*
 * How many of the len bytes at p are a plain run inside a string, up to
 * its closing quote, an escape or a control byte, which js_byte() then
 * reads: a key's run is kept as js_byte() would keep it; a value that is
 * not the model's name is passed over.
 */
static size_t
js_skip(struct usage_scan *us, const unsigned char *p, size_t len)
{
	struct jscan	*js = &us->js;
	size_t		 n = 0, take;

	if (js->state != JS_STRING || js->esc || js->hex > 0)
		return 0;
	if (js->inkey) {
		/* A key's plain run, kept as js_byte() keeps it. */
		while (n < len && p[n] != '"' && p[n] != '\\' && p[n] >= 0x20)
			n++;
		take = n < JS_KEY - js->keylen ? n : JS_KEY - js->keylen;
		memcpy(js->key + js->keylen, p, take);
		js->keylen += take;
		if (take < n)
			js->keybad = 1;
		return n;
	}
	if ((js->vmask & (1U << USAGE_MODEL)) &&
	    us->nseg[USAGE_MODEL] == js->depth)
		return 0;
	/* Eight bytes at a time while none of them stops the run. */
	while (len - n >= 8) {
		uint64_t	 x;

		memcpy(&x, p + n, 8);
		if (JS_HASZERO(x ^ (JS_ONES * '"')) |
		    JS_HASZERO(x ^ (JS_ONES * '\\')) |
		    ((x - JS_ONES * 0x20) & ~x & (JS_ONES * 0x80)))
			break;
		n += 8;
	}
	while (n < len && p[n] != '"' && p[n] != '\\' && p[n] >= 0x20)
		n++;
	return n;
}

/* Bytes before the line's end ('\n' or '\r'), with memchr's speed. */
static size_t
sse_eol(const unsigned char *p, size_t len)
{
	const unsigned char	*nl, *cr;

	if ((nl = memchr(p, '\n', len)) != NULL)
		len = nl - p;
	if ((cr = memchr(p, '\r', len)) != NULL)
		len = cr - p;
	return len;
}

/*
 * The blank line of the event whose name line ends at p[nl]: the index
 * of its '\n', or 0 when it is not in the len bytes, or a '\r' is on
 * the way from p, the name line included (sse_byte() reads those lines
 * one by one).
 */
static size_t
sse_blank(const unsigned char *p, size_t nl, size_t len)
{
	const unsigned char	*q;
	size_t			 m = nl + 1;

	while (m < len && p[m] != '\n') {
		if ((q = memchr(p + m, '\n', len - m)) == NULL)
			return 0;
		m = q - p + 1;
	}
	if (m >= len || memchr(p, '\r', m) != NULL)
		return 0;
	return m;
}

/*
 * How many bytes at p sse_byte() need not see: the rest of a line that
 * feeds nothing, an event's name (kept here), or a data line's string.
 */
static size_t
sse_skip(struct usage_scan *us, const unsigned char *p, size_t len)
{
	const unsigned char	*nl;
	size_t			 n, keep, blank;

	if (us->skipevent && us->linestart)
		return sse_skip_event(us, p, len);
	/* A whole "event:" line at hand, as servers send it: at once. */
	if (us->linestart && !us->cr && !us->indata && len > 6 &&
	    memcmp(p, "event:", 6) == 0 && (nl = memchr(p, '\n', len)) !=
	    NULL) {
		n = nl - p;
		keep = n - 6 - (p[6] == ' ');
		if (keep > USAGE_EVENT_MAX - 1)
			return 0;	/* byte by byte, which says it is bad */
		memcpy(us->event, p + n - keep, keep);
		us->eventlen = keep;
		us->eventbad = 0;
		/* No set reads it: on to its blank line, when that is here. */
		if (!sse_event_read(us) && (blank = sse_blank(p, n, len)) > 0) {
			us->linestart = 1;
			us->infield = 0;
			us->skipspace = 0;
			us->fkind = SSE_OTHER;
			return blank;	/* sse_byte() ends the event */
		}
		/* A '\r' in the name: sse_byte() knows what that means. */
		if (memchr(p, '\r', n) != NULL) {
			us->eventlen = 0;
			return 0;
		}
		memcpy(us->field, "event", sizeof("event"));
		us->fieldlen = sizeof("event") - 1;
		us->fkind = SSE_EVENT;
		us->linestart = 0;
		us->infield = 0;
		us->skipspace = 0;
		return n;		/* sse_byte() ends the line */
	}
	if (us->infield && !us->linestart) {
		/* A field's name: up to its ':' or the line's end. */
		for (n = 0; n < len && p[n] != ':' && p[n] != '\n' &&
		    p[n] != '\r'; n++)
			if (us->fieldlen < SSE_FIELD)
				us->field[us->fieldlen++] = p[n];
			else
				us->field[0] = '\0';
		return n;
	}
	if (us->linestart || us->infield || us->skipspace || us->cr)
		return 0;
	if (us->fkind == SSE_DATA && us->js.set != NULL)
		return js_skip(us, p, len);
	n = sse_eol(p, len);
	if (us->fkind == SSE_EVENT) {
		keep = n;
		if (us->eventlen + keep > USAGE_EVENT_MAX - 1) {
			keep = USAGE_EVENT_MAX - 1 - us->eventlen;
			us->eventbad = 1;
		}
		memcpy(us->event + us->eventlen, p, keep);
		us->eventlen += keep;
	}
	return n;
}

void
usage_scan_feed(struct usage_scan *us, const char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)buf;
	size_t			 i;

	if (us->sse) {
		for (i = 0; i < len; i++) {
			i += sse_skip(us, p + i, len - i);
			if (i < len)
				sse_byte(us, p[i]);
		}
		return;
	}
	for (i = 0; i < len && us->js.state != JS_ERROR; i++) {
		i += js_skip(us, p + i, len - i);
		if (i < len)
			js_byte(us, p[i]);
	}
}

/* The counts read; a body that ends on a bare number counts it. */
void
usage_scan_end(struct usage_scan *us, struct usage *out)
{
	if (!us->sse && us->js.state == JS_NUMBER)
		js_byte(us, ' ');
	if (us->sse && !us->linestart)
		sse_line_end(us);
	if (us->sse && us->indata)
		sse_event_end(us);
	*out = us->u;
}

/*
 * One meaning of "input" for every vendor: the input tokens not read
 * from a cache.  OpenAI's prompt_tokens and input_tokens include the
 * cached ones (the spec says so with input_includes_cache_read);
 * Anthropic's input_tokens do not.  A cache count larger than the input
 * it is part of is a vendor's error: the input is then 0, not negative.
 */
void
usage_normalise(const struct usage_spec *spec, struct usage *u)
{
	if (!spec->input_has_cache || !u->seen[USAGE_INPUT] ||
	    !u->seen[USAGE_CACHE_READ])
		return;
	if (u->count[USAGE_CACHE_READ] >= u->count[USAGE_INPUT])
		u->count[USAGE_INPUT] = 0;
	else
		u->count[USAGE_INPUT] -= u->count[USAGE_CACHE_READ];
}

void
usage_scan_free(struct usage_scan *us)
{
	free(us);
}
