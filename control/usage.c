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
 * usage.c: hourly rollups of the audit log (issue 14), so that "aileron
 * usage" sums a few rows per hour instead of reading every record.
 *
 * One btree (usage.db) in control's store.  A row's key is
 *
 *	'h', the hour (since the epoch, 4 bytes big-endian, so the btree's
 *	order is time's), then uid, user, team, agent, project, model,
 *	connector and host, each ended by a NUL
 *
 * and its value the counts of the records of that hour with those
 * attributes (struct usage_row): requests, tokens of each kind, errors,
 * approvals and their latency histogram.  Every dimension a query groups
 * by is in the key, and so is the model, so that a row by team can still
 * be priced per model, and the uid, so that a user who is no
 * administrator sums only their own rows, as with the audit log.
 *
 * The rows of a turn's records are summed in memory (control_usage_add)
 * and written in the turn's transaction, with the records themselves,
 * just before it commits (control_usage_flush).  Key "m1" says which
 * older records the rollups lack: those of a store from before them, or
 * whose rollups went missing, which are added in the background.
 * Retention removes whole hours older than the oldest record kept.
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <db.h>
#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "prices.h"
#include "proc.h"
#include "control/audit.h"
#include "control/auditlog.h"
#include "control/store.h"
#include "control/usage.h"

#define USAGE_HOUR_MS		3600000LL
#define USAGE_FIELDS		8	/* of a key, after the hour */
#define USAGE_FIELD_MAX		255	/* bytes of one; longer is cut */
#define USAGE_KEY_MAX		(5 + USAGE_FIELDS * (USAGE_FIELD_MAX + 1))
#define USAGE_META_KEY		"m1"
#define USAGE_CATCHUP_BATCH	2000	/* old records a turn: ~70 ms */
#define USAGE_EXPIRE_BATCH	5000
#define USAGE_HOSTS_MAX		64	/* listed in one row of an answer */
#define USAGE_INTERNAL_HOST	"aileron.internal"

/* The key's fields, in its order. */
enum usage_field {
	UF_UID, UF_USER, UF_TEAM, UF_AGENT, UF_PROJECT, UF_MODEL,
	UF_CONNECTOR, UF_HOST
};

/* A row's counts; the names are the answer's. */
enum usage_count {
	UC_REQUESTS,
	UC_UNKNOWN,		/* responses whose usage could not be read */
	UC_TUNNELS,		/* connections tunnelled, not intercepted */
	UC_INPUT, UC_OUTPUT, UC_CACHE_WRITE, UC_CACHE_READ, UC_REASONING,
	UC_ACTIONS,		/* named actions forwarded */
	UC_ERRORS,		/* requests that failed, however */
	UC_ERR4XX,		/* answered 4xx, by the upstream or aileron */
	UC_ERR5XX,		/* answered 5xx */
	UC_ERRUP,		/* the upstream failed: unreachable, or cut */
	UC_ASKED, UC_GRANTED, UC_DENIED,
	UC_N
};

static const char *const usage_kinds[] = {
	"input", "output", "cache_write", "cache_read", "reasoning"
};

/* What is stored: the counts, then the histogram when any was asked. */
struct usage_row {
	uint64_t	 n[UC_N];
	uint32_t	 hist[USAGE_HIST];
};
#define USAGE_ROW_SHORT		(sizeof(uint64_t) * UC_N)

/* A row of the open turn, or a group of an answer. */
struct usage_node {
	RB_ENTRY(usage_node)	 entry;
	char			*key;
	size_t			 keylen;
	struct usage_row	 row;
	/* An answer's group: tokens per model, and the hosts. */
	struct usage_model	*models;
	size_t			 nmodels;
	char			*hosts[USAGE_HOSTS_MAX];
	size_t			 nhosts;
	int			 morehosts;
	int64_t			 t;		/* a series' bucket */
	char			*label;		/* the group's key */
};

struct usage_model {
	char		*name;
	uint64_t	 tok[PRICE_KINDS];
};

RB_HEAD(usage_tree, usage_node);

/* libbsd's tree.h marks its static functions so; its cdefs.h does not. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

static int	usage_cmp(struct usage_node *, struct usage_node *);
RB_PROTOTYPE_STATIC(usage_tree, usage_node, entry, usage_cmp);
RB_GENERATE_STATIC(usage_tree, usage_node, entry, usage_cmp)

static struct {
	DB		*db;
	DB		*audit;
	struct usage_tree pending;
	uint64_t	 npending;
	/* Records the rollups lack: next to end (none when next > end). */
	uint64_t	 next, end;
	struct proc_timer timer;
} us = { .pending = RB_INITIALIZER(&us.pending) };

/* The last answer, for its later parts. */
static struct {
	uint32_t			 peer;
	struct msg_control_usage_query	 q;
	char				*text;
	size_t				 len;
} last;

static struct usage_node *usage_node_get(struct usage_tree *, const char *,
		    size_t);
static void	usage_tree_free(struct usage_tree *);
static void	usage_merge(struct usage_row *, const struct usage_row *);
static size_t	usage_key(char *, uint32_t, const char **);
static int	usage_key_split(const DBT *, uint32_t *, const char **);
static const char *usage_str(json_t *, const char *);
static int	usage_meta_get(DB_TXN *);
static int	usage_meta_put(DB_TXN *);
static void	usage_catchup(struct proc *, void *);
static void	usage_reply(struct proc_peer *, uint32_t, int32_t,
		    const char *, uint64_t, const char *, size_t);
static char	*usage_answer(const struct msg_control_usage_query *, int,
		    const struct prices *, const char **);

static int
usage_cmp(struct usage_node *a, struct usage_node *b)
{
	size_t	 n = a->keylen < b->keylen ? a->keylen : b->keylen;
	int	 c;

	if ((c = memcmp(a->key, b->key, n)) != 0)
		return c;
	return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

static struct usage_node *
usage_node_get(struct usage_tree *t, const char *key, size_t len)
{
	struct usage_node	 find, *n;

	find.key = (char *)key;
	find.keylen = len;
	if ((n = RB_FIND(usage_tree, t, &find)) != NULL)
		return n;
	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->key = malloc(len + 1)) == NULL)
		fatal("%s", __func__);
	memcpy(n->key, key, len);
	n->key[len] = '\0';
	n->keylen = len;
	RB_INSERT(usage_tree, t, n);
	return n;
}

static void
usage_tree_free(struct usage_tree *t)
{
	struct usage_node	*n, *next;
	size_t			 i;

	for (n = RB_MIN(usage_tree, t); n != NULL; n = next) {
		next = RB_NEXT(usage_tree, t, n);
		RB_REMOVE(usage_tree, t, n);
		for (i = 0; i < n->nmodels; i++)
			free(n->models[i].name);
		free(n->models);
		for (i = 0; i < n->nhosts; i++)
			free(n->hosts[i]);
		free(n->key);
		free(n);
	}
}

static void
usage_merge(struct usage_row *to, const struct usage_row *from)
{
	size_t	 i;

	for (i = 0; i < UC_N; i++)
		to->n[i] = to->n[i] > UINT64_MAX - from->n[i] ? UINT64_MAX :
		    to->n[i] + from->n[i];
	for (i = 0; i < USAGE_HIST; i++)
		to->hist[i] = to->hist[i] > UINT32_MAX - from->hist[i] ?
		    UINT32_MAX : to->hist[i] + from->hist[i];
}

/*
 * The bucket of a latency in milliseconds: 0 under 1 ms, then four per
 * doubling, 1 + 4e + q for [2^(e + q/4), 2^(e + (q+1)/4)).
 */
int
control_usage_bucket(int64_t ms)
{
	static const double	 step[3] = { 1.189207115002721,
				    1.414213562373095, 1.681792830507429 };
	double			 f;
	int			 e = 0, q = 0;

	if (ms < 1)
		return 0;
	while (e < 62 && (ms >> (e + 1)) != 0)
		e++;
	f = (double)ms / (double)(1LL << e);
	while (q < 3 && f >= step[q])
		q++;
	if (1 + 4 * e + q >= USAGE_HIST)
		return USAGE_HIST - 1;
	return 1 + 4 * e + q;
}

/*
 * The p-quantile (0 < p <= 1) of a histogram, as its bucket's geometric
 * middle: within 2^(1/8), 9%, of the true figure (up to 37 hours);
 * -1 when it is empty.
 */
double
control_usage_quantile(const uint32_t *hist, double p)
{
	static const double	 mid[4] = { 1.090507732665258,
				    1.296839554651010, 1.542210825407941,
				    1.834008086409342 };
	uint64_t		 total = 0, want, sum = 0;
	int			 b;

	for (b = 0; b < USAGE_HIST; b++)
		total += hist[b];
	if (total == 0)
		return -1;
	want = (uint64_t)(p * (double)total + 0.999999);
	if (want < 1)
		want = 1;
	for (b = 0; b < USAGE_HIST; b++) {
		sum += hist[b];
		if (sum >= want)
			break;
	}
	if (b == 0)
		return 0.5;
	b--;
	return (double)(1LL << (b / 4)) * mid[b % 4];
}

/* A member's string, "" when absent or not a string; cut to fit. */
static const char *
usage_str(json_t *o, const char *name)
{
	const char	*s;

	if ((s = json_string_value(json_object_get(o, name))) == NULL)
		return "";
	return s;
}

/* 'h', the hour, the fields each ended by a NUL: the key's length. */
static size_t
usage_key(char *buf, uint32_t hour, const char **f)
{
	size_t	 n = 5, len;
	int	 i;

	buf[0] = 'h';
	buf[1] = hour >> 24;
	buf[2] = hour >> 16;
	buf[3] = hour >> 8;
	buf[4] = hour;
	for (i = 0; i < USAGE_FIELDS; i++) {
		len = strnlen(f[i], USAGE_FIELD_MAX);
		memcpy(buf + n, f[i], len);
		n += len;
		buf[n++] = '\0';
	}
	return n;
}

/* A stored key back into its hour and fields; -1 when it is none. */
static int
usage_key_split(const DBT *k, uint32_t *hour, const char **f)
{
	const char	*p = k->data, *end = p + k->size;
	int		 i;

	if (k->size < 5 + USAGE_FIELDS || p[0] != 'h' || end[-1] != '\0')
		return -1;
	*hour = (uint32_t)(uint8_t)p[1] << 24 | (uint32_t)(uint8_t)p[2] << 16 |
	    (uint32_t)(uint8_t)p[3] << 8 | (uint8_t)p[4];
	p += 5;
	for (i = 0; i < USAGE_FIELDS; i++) {
		if (p >= end)
			return -1;
		f[i] = p;
		p += strlen(p) + 1;
	}
	return p == end ? 0 : -1;
}

/*
 * One sealed (or about to be sealed) record, at time ms, into the open
 * turn's rows.  Requests count with their tokens, errors and approval;
 * tunnels with their host; other records (decisions, sessions) are not
 * usage.
 */
void
control_usage_add(json_t *rec, int64_t ms)
{
	struct usage_node	*n;
	struct usage_row	 d;
	json_t			*tok, *v;
	const char		*event, *f[USAGE_FIELDS], *type, *reason;
	const char		*decision;
	char			 uid[16], key[USAGE_KEY_MAX];
	json_int_t		 status;
	size_t			 i, len;
	int			 b;

	if (us.db == NULL || ms < 0)
		return;
	/*
	 * A record of no session is a refusal before the agent
	 * authenticated, or a worker's claim: nobody's usage.
	 */
	if (json_object_get(rec, "session") == NULL)
		return;
	event = usage_str(rec, "event");
	memset(&d, 0, sizeof(d));
	if (strcmp(event, "tunnel") == 0 || strcmp(event, "plain-http") == 0)
		d.n[UC_TUNNELS] = 1;
	else if (strcmp(event, "request") == 0)
		d.n[UC_REQUESTS] = 1;
	else
		return;
	uid[0] = '\0';
	if (json_is_integer(v = json_object_get(rec, "uid")))
		snprintf(uid, sizeof(uid), "%lld",
		    (long long)json_integer_value(v));
	f[UF_UID] = uid;
	f[UF_USER] = usage_str(rec, "user");
	f[UF_TEAM] = usage_str(rec, "team");
	f[UF_AGENT] = usage_str(rec, "agent");
	f[UF_PROJECT] = usage_str(rec, "project");
	f[UF_MODEL] = "";
	f[UF_CONNECTOR] = usage_str(rec, "connector");
	f[UF_HOST] = usage_str(rec, "host");
	if (strcmp(f[UF_HOST], USAGE_INTERNAL_HOST) == 0)
		f[UF_HOST] = "";
	if (d.n[UC_REQUESTS]) {
		tok = json_object_get(rec, "tokens");
		if (json_is_object(tok)) {
			f[UF_MODEL] = usage_str(tok, "model");
			for (i = 0; i < PRICE_KINDS; i++)
				if (json_is_integer(v = json_object_get(tok,
				    usage_kinds[i])) &&
				    json_integer_value(v) > 0)
					d.n[UC_INPUT + i] =
					    json_integer_value(v);
		} else if (tok != NULL)
			d.n[UC_UNKNOWN] = 1;
		status = json_integer_value(json_object_get(rec, "status"));
		type = usage_str(rec, "type");
		reason = usage_str(rec, "reason");
		if (json_object_get(rec, "action") != NULL && *type == '\0' &&
		    status > 0)
			d.n[UC_ACTIONS] = 1;
		if (status >= 400 && status < 500)
			d.n[UC_ERR4XX] = 1;
		else if (status >= 500)
			d.n[UC_ERR5XX] = 1;
		if (status == 0 || strncmp(type, "aileron:upstream", 16) ==
		    0 || strstr(reason, ": response cut: ") != NULL)
			d.n[UC_ERRUP] = 1;
		d.n[UC_ERRORS] = d.n[UC_ERR4XX] | d.n[UC_ERR5XX] |
		    d.n[UC_ERRUP];
		if (json_object_get(rec, "approval") != NULL) {
			d.n[UC_ASKED] = 1;
			decision = usage_str(rec, "decision");
			if (strcmp(decision, "granted") == 0)
				d.n[UC_GRANTED] = 1;
			else if (strcmp(decision, "denied") == 0)
				d.n[UC_DENIED] = 1;
			/* Latency of a human's decision only. */
			if ((d.n[UC_GRANTED] || d.n[UC_DENIED]) &&
			    json_is_integer(v = json_object_get(rec,
			    "approval_ms"))) {
				b = control_usage_bucket(
				    json_integer_value(v));
				d.hist[b] = 1;
			}
		}
	}
	len = usage_key(key, (uint32_t)(ms / USAGE_HOUR_MS), f);
	n = usage_node_get(&us.pending, key, len);
	usage_merge(&n->row, &d);
	us.npending++;
}

/* Where the catch-up stands: 1 when the store has no rollups yet. */
static int
usage_meta_get(DB_TXN *txn)
{
	uint64_t	 buf[2];
	DBT		 k, v;
	int		 rv;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = USAGE_META_KEY;
	k.size = sizeof(USAGE_META_KEY) - 1;
	v.data = buf;
	v.ulen = sizeof(buf);
	v.flags = DB_DBT_USERMEM;
	if ((rv = us.db->get(us.db, txn, &k, &v, 0)) == DB_NOTFOUND)
		return 1;
	if (rv != 0 || v.size != sizeof(buf))
		return -1;
	us.next = buf[0];
	us.end = buf[1];
	return 0;
}

static int
usage_meta_put(DB_TXN *txn)
{
	uint64_t	 buf[2] = { us.next, us.end };
	DBT		 k, v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = USAGE_META_KEY;
	k.size = sizeof(USAGE_META_KEY) - 1;
	v.data = buf;
	v.size = sizeof(buf);
	return us.db->put(us.db, txn, &k, &v, 0);
}

/*
 * The open turn's rows into the store, in txn (the transaction of the
 * records they count).  The rows are dropped from memory either way:
 * when this fails the caller aborts the transaction, and the records
 * with them.
 */
int
control_usage_flush(DB_TXN *txn)
{
	struct usage_node	*n;
	struct usage_row	 old;
	DBT			 k, v;
	int			 rv = 0;

	if (us.db == NULL)
		return 0;
	RB_FOREACH(n, usage_tree, &us.pending) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		memset(&old, 0, sizeof(old));
		k.data = n->key;
		k.size = n->keylen;
		v.data = &old;
		v.ulen = sizeof(old);
		v.flags = DB_DBT_USERMEM;
		rv = us.db->get(us.db, txn, &k, &v, DB_RMW);
		if (rv == 0 && v.size != USAGE_ROW_SHORT &&
		    v.size != sizeof(old)) {
			log_warnx("usage: a row of %u bytes is not one; it "
			    "starts again", v.size);
			memset(&old, 0, sizeof(old));
		} else if (rv != 0 && rv != DB_NOTFOUND)
			break;
		usage_merge(&old, &n->row);
		v.data = &old;
		v.size = old.n[UC_ASKED] != 0 ? sizeof(old) :
		    USAGE_ROW_SHORT;
		v.flags = 0;
		if ((rv = us.db->put(us.db, txn, &k, &v, 0)) != 0)
			break;
	}
	if (rv == DB_NOTFOUND)
		rv = 0;
	if (rv != 0)
		log_warnx("usage: cannot write the rollups: %s",
		    db_strerror(rv));
	control_usage_discard();
	return rv == 0 ? 0 : -1;
}

void
control_usage_discard(void)
{
	usage_tree_free(&us.pending);
	us.npending = 0;
}

/*
 * Open the rollups beside the log (audit, whose records run from first
 * to last).  Records committed from now on are rolled up with
 * themselves; those the rollups lack (a store from before them, or one
 * whose rollups went missing: every record kept) are added in the
 * background, a batch a turn (usage_catchup), so that control answers
 * at once however large the log.  Until then an answer says "partial".
 */
int
control_usage_open(struct proc *ps, DB *audit, uint64_t first,
    uint64_t lastseq)
{
	u_int32_t	 dropped;
	int		 mr;

	if ((us.db = control_store_db(USAGE_DB_NAME)) == NULL)
		return -1;
	us.audit = audit;
	/* t/usage.t: a store without rollups, as one from before them. */
	if (msg_testmode && getenv("AILERON_TEST_USAGE_REBUILD") != NULL) {
		log_warnx("usage: rollups dropped (test mode)");
		if (us.db->truncate(us.db, NULL, &dropped,
		    DB_AUTO_COMMIT) != 0)
			return -1;
	}
	if ((mr = usage_meta_get(NULL)) == -1) {
		log_warnx("usage: the rollups' state cannot be read");
		return -1;
	}
	if (mr == 1) {
		us.next = first;
		us.end = lastseq;
		if (usage_meta_put(NULL) != 0)
			return -1;
	}
	if (us.next <= us.end) {
		log_info("usage: the rollups lack records %llu to %llu; they "
		    "are added in the background", (unsigned long long)us.next,
		    (unsigned long long)us.end);
		if (ps != NULL)
			proc_timer_set(ps, &us.timer, 1, usage_catchup, NULL);
	}
	return 0;
}

/*
 * One batch of the records the rollups lack, in one transaction with
 * where the next batch starts: a restart goes on from there.
 */
static void
usage_catchup(struct proc *ps, void *arg)
{
	DB_ENV			*env = control_store_env();
	struct audit_link	 l;
	DB_TXN			*txn = NULL;
	DBC			*dbc = NULL;
	DBT			 k, v;
	json_t			*j;
	uint64_t		 seq, next = us.next, n = 0;
	int			 i, rv;

	(void)arg;
	control_audit_commit(ps);	/* the turn's own rows are written */
	if (us.audit->cursor(us.audit, NULL, &dbc, 0) != 0)
		goto fail;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if ((k.data = malloc(8)) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < 8; i++)
		((uint8_t *)k.data)[i] = next >> (56 - 8 * i);
	k.size = 8;
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	for (rv = dbc->get(dbc, &k, &v, DB_SET_RANGE); rv == 0 &&
	    n < USAGE_CATCHUP_BATCH; rv = dbc->get(dbc, &k, &v, DB_NEXT)) {
		if (k.size != 8)
			continue;
		for (seq = 0, i = 0; i < 8; i++)
			seq = seq << 8 | ((uint8_t *)k.data)[i];
		if (seq > us.end)
			break;
		control_audit_link(v.data, v.size, &l);
		if (l.ok && (j = json_loadb(v.data, v.size, 0, NULL)) !=
		    NULL) {
			control_usage_add(j, l.time_ms);
			json_decref(j);
		}
		next = seq + 1;
		n++;
	}
	free(k.data);
	free(v.data);
	dbc->close(dbc);
	if (rv != 0 && rv != DB_NOTFOUND)
		goto fail;
	/* The batch ended short of its size: nothing more to add. */
	if (n < USAGE_CATCHUP_BATCH)
		next = us.end + 1;
	if (env->txn_begin(env, NULL, &txn, 0) != 0)
		goto fail;
	seq = us.next;
	us.next = next;
	if (control_usage_flush(txn) == -1 || usage_meta_put(txn) != 0 ||
	    txn->commit(txn, 0) != 0) {
		us.next = seq;
		txn = NULL;	/* aborted, or committed and failed */
		goto fail;
	}
	if (us.next <= us.end) {
		proc_timer_set(ps, &us.timer, 1, usage_catchup, NULL);
		return;
	}
	log_info("usage: the rollups now include record %llu",
	    (unsigned long long)us.end);
	return;
 fail:
	if (txn != NULL)
		txn->abort(txn);
	control_usage_discard();
	log_warnx("usage: cannot add old records to the rollups; trying "
	    "again in a minute");
	proc_timer_set(ps, &us.timer, 60 * 1000, usage_catchup, NULL);
}

/*
 * Retention: the hours wholly before cutoff go, in txn (the one that
 * removes the records), a batch at a time.  Returns a Berkeley DB
 * error, or 0.
 */
int
control_usage_expire(DB_TXN *txn, int64_t cutoff_ms)
{
	DBC		*dbc;
	DBT		 k, v;
	const char	*f[USAGE_FIELDS];
	uint32_t	 hour;
	int		 rv, n = 0;

	if (us.db == NULL || cutoff_ms < USAGE_HOUR_MS)
		return 0;
	if ((rv = us.db->cursor(us.db, txn, &dbc, 0)) != 0)
		return rv;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	/* REALLOC: Berkeley DB may replace the key; it must be ours. */
	if ((k.data = malloc(1)) == NULL)
		fatal("%s", __func__);
	*(char *)k.data = 'h';
	k.size = 1;
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	for (rv = dbc->get(dbc, &k, &v, DB_SET_RANGE); rv == 0 &&
	    n < USAGE_EXPIRE_BATCH; rv = dbc->get(dbc, &k, &v, DB_NEXT)) {
		if (usage_key_split(&k, &hour, f) == -1)
			break;
		if (((int64_t)hour + 1) * USAGE_HOUR_MS > cutoff_ms)
			break;
		if ((rv = dbc->del(dbc, 0)) != 0)
			break;
		n++;
	}
	free(k.data);
	free(v.data);
	dbc->close(dbc);
	return rv == DB_NOTFOUND || rv == 0 ? 0 : rv;
}

static void
usage_reply(struct proc_peer *p, uint32_t reqid, int32_t error,
    const char *reason, uint64_t total, const char *text, size_t len)
{
	struct msg_control_usage_reply	 r;
	struct iovec			 iov[2];

	memset(&r, 0, sizeof(r));
	r.error = error;
	r.total = total;
	if (reason != NULL)
		strlcpy(r.reason, reason, sizeof(r.reason));
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = len;
	if (chan_replyv(&p->chan, reqid, MSG_CONTROL_USAGE_REPLY, iov,
	    len > 0 ? 2 : 1) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
}

/* A group's model, found or added. */
static struct usage_model *
usage_group_model(struct usage_node *g, const char *model)
{
	struct usage_model	*m;
	size_t			 i;

	for (i = 0; i < g->nmodels; i++)
		if (strcmp(g->models[i].name, model) == 0)
			return &g->models[i];
	if ((m = reallocarray(g->models, g->nmodels + 1,
	    sizeof(*m))) == NULL)
		fatal("%s", __func__);
	g->models = m;
	m = &g->models[g->nmodels++];
	memset(m, 0, sizeof(*m));
	if ((m->name = strdup(model)) == NULL)
		fatal("%s", __func__);
	return m;
}

/* One stored row into a group of the answer. */
static void
usage_group_add(struct usage_node *g, const char **f,
    const struct usage_row *row)
{
	struct usage_model	*m;
	size_t			 i;
	int			 tokens = 0;

	usage_merge(&g->row, row);
	for (i = 0; i < PRICE_KINDS; i++)
		tokens |= row->n[UC_INPUT + i] != 0;
	if (tokens) {
		m = usage_group_model(g, f[UF_MODEL]);
		for (i = 0; i < PRICE_KINDS; i++)
			m->tok[i] += row->n[UC_INPUT + i];
	}
	if (f[UF_HOST][0] == '\0')
		return;
	for (i = 0; i < g->nhosts; i++)
		if (strcmp(g->hosts[i], f[UF_HOST]) == 0)
			return;
	if (g->nhosts == USAGE_HOSTS_MAX) {
		g->morehosts = 1;
		return;
	}
	if ((g->hosts[g->nhosts++] = strdup(f[UF_HOST])) == NULL)
		fatal("%s", __func__);
}

/* The tokens object of a group. */
static json_t *
usage_tokens_json(const struct usage_row *row)
{
	json_t	*t;
	size_t	 i;

	if ((t = json_object()) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < PRICE_KINDS; i++)
		json_object_set_new(t, usage_kinds[i],
		    json_integer((json_int_t)row->n[UC_INPUT + i]));
	return t;
}

/*
 * A group's cost from the price table, per model: null, and the models
 * without a price in unpriced, when any model with tokens has none (or
 * no price for a kind it used): never a guess.
 */
static void
usage_cost_json(json_t *o, const struct usage_node *g,
    const struct prices *prices)
{
	json_t		*unpriced = NULL;
	double		 sum = 0, usd;
	size_t		 i;

	for (i = 0; i < g->nmodels; i++) {
		if (prices != NULL && prices->taken[0] != '\0' &&
		    prices_cost(prices, g->models[i].name, g->models[i].tok,
		    &usd) == 0) {
			sum += usd;
			continue;
		}
		if (unpriced == NULL && (unpriced = json_array()) == NULL)
			fatal("%s", __func__);
		json_array_append_new(unpriced, json_string(
		    g->models[i].name[0] != '\0' ? g->models[i].name :
		    "(no model named)"));
	}
	if (unpriced != NULL) {
		json_object_set_new(o, "cost_usd", json_null());
		json_object_set_new(o, "unpriced", unpriced);
	} else
		json_object_set_new(o, "cost_usd", json_real(sum));
}

static json_t *
usage_ms_json(double ms)
{
	if (ms < 0)
		return json_null();
	return json_integer((json_int_t)(ms + 0.5));
}

/* A group of the answer's rows. */
static json_t *
usage_row_json(const struct usage_node *g, const struct prices *prices)
{
	const struct usage_row	*r = &g->row;
	json_t			*o, *hosts;
	size_t			 i;

	if ((o = json_object()) == NULL || (hosts = json_array()) == NULL)
		fatal("%s", __func__);
	json_object_set_new(o, "key", json_string(g->label));
	json_object_set_new(o, "requests", json_integer(r->n[UC_REQUESTS]));
	json_object_set_new(o, "unknown", json_integer(r->n[UC_UNKNOWN]));
	json_object_set_new(o, "tokens", usage_tokens_json(r));
	usage_cost_json(o, g, prices);
	json_object_set_new(o, "actions", json_integer(r->n[UC_ACTIONS]));
	json_object_set_new(o, "errors", json_integer(r->n[UC_ERRORS]));
	json_object_set_new(o, "errors_4xx", json_integer(r->n[UC_ERR4XX]));
	json_object_set_new(o, "errors_5xx", json_integer(r->n[UC_ERR5XX]));
	json_object_set_new(o, "errors_upstream",
	    json_integer(r->n[UC_ERRUP]));
	json_object_set_new(o, "error_rate", r->n[UC_REQUESTS] == 0 ?
	    json_null() : json_real((double)(long long)((double)
	    r->n[UC_ERRORS] / (double)r->n[UC_REQUESTS] * 1e4 + 0.5) / 1e4));
	json_object_set_new(o, "approvals", json_pack("{s:I, s:I, s:I, s:o, "
	    "s:o}", "asked", (json_int_t)r->n[UC_ASKED], "granted",
	    (json_int_t)r->n[UC_GRANTED], "denied",
	    (json_int_t)r->n[UC_DENIED], "p50_ms",
	    usage_ms_json(control_usage_quantile(r->hist, 0.5)), "p95_ms",
	    usage_ms_json(control_usage_quantile(r->hist, 0.95))));
	json_object_set_new(o, "tunnels", json_integer(r->n[UC_TUNNELS]));
	for (i = 0; i < g->nhosts; i++)
		json_array_append_new(hosts, json_string(g->hosts[i]));
	json_object_set_new(o, "hosts", hosts);
	if (g->morehosts)
		json_object_set_new(o, "hosts_more", json_true());
	return o;
}

static json_t *
usage_time_json(int64_t ms)
{
	struct tm	 tm;
	time_t		 t = ms / 1000;
	char		 buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

/* A valid UTF-8 string for the answer; a byte Jansson refuses: "?". */
static json_t *
usage_label(const char *s)
{
	json_t	*j;

	if ((j = json_string(s)) == NULL && (j = json_string("?")) == NULL)
		fatal("%s", __func__);
	return j;
}

/*
 * The answer to a query: the rows of the hours that [since, until)
 * touches, the caller's own unless admin, grouped by q->by (and by the
 * series' bucket), as one JSON text; NULL with *why when it would be
 * too large or cannot be read.
 */
static char *
usage_answer(const struct msg_control_usage_query *q, int admin,
    const struct prices *prices, const char **why)
{
	static const int	 byfield[] = { UF_USER, UF_TEAM, UF_AGENT,
				    UF_PROJECT, UF_MODEL, UF_CONNECTOR };
	static const char	*byname[] = { "user", "team", "agent",
				    "project", "model", "connector" };
	struct usage_tree	 groups = RB_INITIALIZER(&groups);
	struct usage_tree	 series = RB_INITIALIZER(&series);
	struct usage_node	*g;
	struct usage_row	 row;
	const char		*f[USAGE_FIELDS], *label;
	char			 uid[16], skey[USAGE_FIELD_MAX + 24];
	uint32_t		 hour, since_h, until_h;
	int64_t			 t, bucket_ms;
	DBC			*dbc;
	DBT			 k, v;
	json_t			*out, *rows, *ser, *o;
	char			*text = NULL;
	int			 rv, n;

	since_h = q->since_ms <= 0 ? 0 : q->since_ms / USAGE_HOUR_MS;
	until_h = q->until_ms <= 0 ? UINT32_MAX :
	    (q->until_ms + USAGE_HOUR_MS - 1) / USAGE_HOUR_MS;
	bucket_ms = q->bucket == MSG_USAGE_BUCKET_DAY ? 24 * USAGE_HOUR_MS :
	    USAGE_HOUR_MS;
	snprintf(uid, sizeof(uid), "%u", q->uid);
	if (us.db == NULL || us.db->cursor(us.db, NULL, &dbc, 0) != 0) {
		*why = "the usage rollups cannot be read";
		return NULL;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if ((k.data = malloc(5)) == NULL)
		fatal("%s", __func__);
	((char *)k.data)[0] = 'h';
	((char *)k.data)[1] = since_h >> 24;
	((char *)k.data)[2] = since_h >> 16;
	((char *)k.data)[3] = since_h >> 8;
	((char *)k.data)[4] = since_h;
	k.size = 5;
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	for (rv = dbc->get(dbc, &k, &v, DB_SET_RANGE); rv == 0;
	    rv = dbc->get(dbc, &k, &v, DB_NEXT)) {
		if (usage_key_split(&k, &hour, f) == -1 || hour >= until_h)
			break;
		if (!admin && strcmp(f[UF_UID], uid) != 0)
			continue;
		if (v.size != USAGE_ROW_SHORT && v.size != sizeof(row))
			continue;
		memset(&row, 0, sizeof(row));
		memcpy(&row, v.data, v.size);
		label = f[byfield[q->by]];
		if (strlen(label) > USAGE_FIELD_MAX)
			continue;	/* never written so: not a row */
		g = usage_node_get(&groups, label, strlen(label));
		usage_group_add(g, f, &row);
		if (q->bucket == MSG_USAGE_BUCKET_NONE)
			continue;
		t = (int64_t)hour * USAGE_HOUR_MS / bucket_ms * bucket_ms;
		n = snprintf(skey, sizeof(skey), "%013lld", (long long)t);
		memcpy(skey + n + 1, label, strlen(label) + 1);
		g = usage_node_get(&series, skey, n + 1 + strlen(label));
		g->t = t;
		usage_group_add(g, f, &row);
	}
	free(k.data);
	free(v.data);
	dbc->close(dbc);
	if (rv != 0 && rv != DB_NOTFOUND) {
		usage_tree_free(&groups);
		usage_tree_free(&series);
		*why = "the usage rollups cannot be read";
		return NULL;
	}
	if ((out = json_object()) == NULL || (rows = json_array()) == NULL)
		fatal("%s", __func__);
	json_object_set_new(out, "by", json_string(byname[q->by]));
	json_object_set_new(out, "since", since_h == 0 ? json_null() :
	    usage_time_json((int64_t)since_h * USAGE_HOUR_MS));
	json_object_set_new(out, "until", until_h == UINT32_MAX ?
	    json_null() : usage_time_json((int64_t)until_h * USAGE_HOUR_MS));
	if (us.next <= us.end)
		json_object_set_new(out, "partial", json_true());
	json_object_set_new(out, "prices_taken", prices != NULL &&
	    prices->taken[0] != '\0' ? json_string(prices->taken) :
	    json_null());
	RB_FOREACH(g, usage_tree, &groups) {
		g->label = g->key;
		o = usage_row_json(g, prices);
		json_object_set_new(o, "key", usage_label(g->label));
		json_array_append_new(rows, o);
	}
	json_object_set_new(out, "rows", rows);
	if (q->bucket != MSG_USAGE_BUCKET_NONE) {
		json_object_set_new(out, "bucket", json_string(q->bucket ==
		    MSG_USAGE_BUCKET_DAY ? "day" : "hour"));
		if ((ser = json_array()) == NULL)
			fatal("%s", __func__);
		RB_FOREACH(g, usage_tree, &series) {
			g->label = g->key + strlen(g->key) + 1;
			if ((o = json_object()) == NULL)
				fatal("%s", __func__);
			json_object_set_new(o, "t", usage_time_json(g->t));
			json_object_set_new(o, "key", usage_label(g->label));
			json_object_set_new(o, "requests",
			    json_integer(g->row.n[UC_REQUESTS]));
			json_object_set_new(o, "tokens",
			    usage_tokens_json(&g->row));
			usage_cost_json(o, g, prices);
			json_array_append_new(ser, o);
		}
		json_object_set_new(out, "series", ser);
	}
	usage_tree_free(&groups);
	usage_tree_free(&series);
	text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(out);
	if (text == NULL)
		fatal("%s", __func__);
	if (strlen(text) > MSG_USAGE_TEXT_MAX) {
		free(text);
		*why = "the answer is too large: ask for a shorter period, or "
		    "bucket=day";
		return NULL;
	}
	return text;
}

/*
 * QUERY from the management API's worker: uid is the caller's, owner the
 * service's owner: they and root read every row, another uid its own
 * (as the audit log's records).  The answer goes in parts: the first
 * (offset 0) is computed, the others come from it, so that they agree.
 */
void
control_usage_query_msg(struct proc_peer *p, struct msg *msg,
    uint32_t owner, const struct prices *prices)
{
	struct msg_control_usage_query	 q, a, b;
	const size_t			 cap = MSG_MAXPAYLOAD - sizeof(
					    struct msg_control_usage_reply);
	const char			*why = NULL;
	size_t				 n;

	memcpy(&q, msg->data, sizeof(q));	/* FIXED: the length checked */
	if (q.by > MSG_USAGE_BY_CONNECTOR || q.bucket > MSG_USAGE_BUCKET_DAY) {
		usage_reply(p, msg->hdr.reqid, 400, "no such grouping",
		    0, NULL, 0);
		return;
	}
	a = q;
	a.offset = 0;
	b = last.q;
	b.offset = 0;
	if (q.offset != 0) {
		if (last.text == NULL || last.peer != p->id ||
		    memcmp(&a, &b, sizeof(a)) != 0 || q.offset > last.len) {
			usage_reply(p, msg->hdr.reqid, 503, "the answer "
			    "changed; ask again", 0, NULL, 0);
			return;
		}
	} else {
		free(last.text);
		last.text = usage_answer(&q, q.uid == 0 || q.uid == owner,
		    prices, &why);
		if (last.text == NULL) {
			usage_reply(p, msg->hdr.reqid, strstr(why, "too large")
			    != NULL ? 413 : 503, why, 0, NULL, 0);
			return;
		}
		last.len = strlen(last.text);
		last.q = q;
		last.peer = p->id;
	}
	n = last.len - q.offset < cap ? last.len - q.offset : cap;
	usage_reply(p, msg->hdr.reqid, 0, NULL, last.len,
	    last.text + q.offset, n);
	if (q.offset + n == last.len) {
		free(last.text);
		last.text = NULL;
	}
}
