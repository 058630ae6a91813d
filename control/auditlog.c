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
 * auditlog.c: the audit log, one btree (audit.db) in control's store:
 * sealed records (audit.c) under their sequence number, eight bytes
 * big-endian so that the btree's order is the chain's, and under key 0
 * where the chain starts (the first record kept and its predecessor's
 * hash, the anchor), which only retention moves.
 *
 * Group commit: the records of one turn of control's loop go into one
 * transaction, committed without sync; the log is flushed once, then the
 * head is written and the turn's decisions are answered.  So no action
 * is forwarded before its decision record is on disk, and a busy control
 * pays one fsync for many records.  When the commit fails, every
 * decision of the turn becomes a refusal: an action is never allowed
 * without its record.  An action's ALLOW goes to control's allow
 * callback rather than straight to the worker: vaultd must release the
 * action's credential to the worker first (control.c).
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <db.h>
#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/audit.h"
#include "control/auditlog.h"
#include "control/metrics.h"
#include "control/store.h"
#include "control/usage.h"

#define AUDIT_META_SIZE		(8 + AUDIT_HASH_LEN)	/* first, anchor */
#define AUDIT_CKP_GROUPS	256	/* commits between checkpoints */
#define AUDIT_SCAN_MAX		100000	/* records a query page looks at */
#define AUDIT_PAGE_MAX		1000	/* records a query page returns */
#define AUDIT_EXPIRE_BATCH	5000	/* records one expiry removes */
#define AUDIT_EXPIRE_MS		(3600 * 1000)

struct audit_pending {
	uint32_t			 worker;
	uint32_t			 reqid;
	struct msg_control_decision	 d;
	int				 action; /* a connector's, not a shell's */
	char				 connector[64];
	char				 host[256];
};

static struct {
	struct proc		*ps;
	DB			*db;
	int			 headfd;
	struct audit_head	 committed;	/* on disk */
	struct audit_head	 cur;		/* with the open group */
	uint64_t		 first;
	uint8_t			 anchor[AUDIT_HASH_LEN];
	DB_TXN			*txn;		/* the open group */
	int			 failed;	/* a put of the group failed */
	struct audit_pending	*pend;
	size_t			 npend, maxpend;
	char			**mirror;	/* audit syslog */
	size_t			 nmirror, maxmirror;
	int			 syslog;
	int64_t			 retention_ms;
	unsigned int		 groups;
	struct proc_timer	 expire;
	int			 off;	/* test mode: the bench's baseline */
	int			 failing; /* test mode: every commit fails */
	control_audit_allow_cb	*allow;	/* answers an action's ALLOW */
} al = { .headfd = -1 };

/* A cursor over the chain for control_audit_verify(). */
struct audit_walker {
	DBC		*dbc;
	DBT		 k, v;
};

static void	audit_key(uint8_t *, uint64_t);
static uint64_t	audit_key_seq(const DBT *);
static int	audit_meta_get(uint64_t *, uint8_t *);
static int	audit_meta_put(DB_TXN *, uint64_t, const uint8_t *);
static int	audit_last(struct audit_head *);
static int	audit_head_read(struct audit_head *);
static void	audit_head_write(void);
static void	audit_expire(struct proc *, void *);
static void	audit_after(struct proc *);
static int	audit_walk_next(void *, struct audit_link *);
static int	audit_verify(struct audit_verdict *, struct audit_head *);
static void	audit_reply(struct proc_peer *, uint32_t, int32_t,
		    const char *, uint32_t, uint64_t, const char *, size_t);
static void	audit_query(struct proc_peer *, uint32_t,
		    const struct msg_control_audit_query *, int);
static int	audit_match(const char *, size_t,
		    const struct msg_control_audit_query *, int);
static void	audit_verify_msg(struct proc_peer *, uint32_t);
static void	audit_backup_msg(struct proc_peer *, uint32_t);

static void
audit_key(uint8_t *b, uint64_t seq)
{
	int	 i;

	for (i = 7; i >= 0; i--, seq >>= 8)
		b[i] = seq & 0xff;
}

static uint64_t
audit_key_seq(const DBT *k)
{
	const uint8_t	*b = k->data;
	uint64_t	 seq = 0;
	size_t		 i;

	if (k->size != 8)
		return UINT64_MAX;
	for (i = 0; i < 8; i++)
		seq = seq << 8 | b[i];
	return seq;
}

/* Where the chain starts; 1 when there is no such record yet. */
static int
audit_meta_get(uint64_t *first, uint8_t *anchor)
{
	uint8_t	 kb[8], buf[AUDIT_META_SIZE];
	DBT	 k, v;
	int	 rv;

	audit_key(kb, 0);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = sizeof(kb);
	v.data = buf;
	v.ulen = sizeof(buf);
	v.flags = DB_DBT_USERMEM;
	if ((rv = al.db->get(al.db, NULL, &k, &v, 0)) == DB_NOTFOUND)
		return 1;
	if (rv != 0 || v.size != sizeof(buf))
		return -1;
	*first = audit_key_seq(&(DBT){ .data = buf, .size = 8 });
	memcpy(anchor, buf + 8, AUDIT_HASH_LEN);
	return 0;
}

static int
audit_meta_put(DB_TXN *txn, uint64_t first, const uint8_t *anchor)
{
	uint8_t	 kb[8], buf[AUDIT_META_SIZE];
	DBT	 k, v;

	audit_key(kb, 0);
	audit_key(buf, first);
	memcpy(buf + 8, anchor, AUDIT_HASH_LEN);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = sizeof(kb);
	v.data = buf;
	v.size = sizeof(buf);
	return al.db->put(al.db, txn, &k, &v, 0);
}

/* The store's last record, or the anchor when none is kept. */
static int
audit_last(struct audit_head *h)
{
	struct audit_link	 l;
	DBC			*dbc;
	DBT			 k, v;
	uint64_t		 seq;
	int			 rv;

	h->seq = al.first - 1;
	memcpy(h->hash, al.anchor, AUDIT_HASH_LEN);
	if ((rv = al.db->cursor(al.db, NULL, &dbc, 0)) != 0)
		return -1;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_MALLOC;
	v.flags = DB_DBT_MALLOC;
	rv = dbc->get(dbc, &k, &v, DB_LAST);
	dbc->close(dbc);
	if (rv == DB_NOTFOUND)
		return 0;
	if (rv != 0)
		return -1;
	seq = audit_key_seq(&k);
	if (seq != 0 && seq != UINT64_MAX) {
		control_audit_link(v.data, v.size, &l);
		h->seq = l.ok ? l.seq : seq;
		memcpy(h->hash, l.hash, AUDIT_HASH_LEN);
		if (!l.ok || l.seq != seq)
			log_warnx("audit: the last record (key %llu) is not "
			    "a sealed record; \"aileron audit verify\" says "
			    "more", (unsigned long long)seq);
	}
	free(k.data);
	free(v.data);
	return 0;
}

/* 0, 1 when the file holds no head yet, -1 when it holds a bad one. */
static int
audit_head_read(struct audit_head *h)
{
	char	 buf[AUDIT_HEAD_SIZE + 1];
	ssize_t	 n;

	memset(h, 0, sizeof(*h));
	if ((n = pread(al.headfd, buf, sizeof(buf), 0)) == -1)
		return -1;
	if (n == 0)
		return 1;
	return control_audit_head_parse(buf, n, h);
}

/* One pwrite of a fixed size: the old head or the new, never half. */
static void
audit_head_write(void)
{
	char	 buf[AUDIT_HEAD_SIZE + 1], hex[AUDIT_HASH_LEN * 2 + 1];

	control_audit_head_format(&al.committed, buf);
	if (pwrite(al.headfd, buf, AUDIT_HEAD_SIZE, 0) != AUDIT_HEAD_SIZE)
		log_warn("audit: cannot write %s", AUDIT_HEAD_FILE);
	control_audit_hex(al.committed.hash, hex);
	log_info("audit head %llu %s", (unsigned long long)al.committed.seq,
	    hex);
}

/*
 * Open the log in control's store (open) and reconcile it with the head
 * (headfd, <state>/audit.head, opened before the sandbox).  The chain
 * goes on from the head when the head is at or past the store's last
 * record: records cut off the tail, or a last record altered, then stay
 * visible to verification.  A store past the head (control stopped
 * between a commit and the head's write) moves the head, saying so.
 */
int
control_auditlog_open(struct proc *ps, int headfd,
    const struct msg_conf_audit *conf, control_audit_allow_cb *allow)
{
	struct audit_head	 head, last;
	char			 hex[AUDIT_HASH_LEN * 2 + 1];
	int			 rv, hr;

	al.ps = ps;
	al.allow = allow;
	al.headfd = headfd;
	al.syslog = conf->syslog != 0;
	al.retention_ms = conf->retention_s * 1000;
	if ((al.db = control_store_db(AUDIT_DB_NAME)) == NULL)
		return -1;
	if ((rv = audit_meta_get(&al.first, al.anchor)) == -1) {
		log_warnx("audit: where the chain starts cannot be read");
		return -1;
	}
	if (rv == 1) {
		al.first = 1;
		memset(al.anchor, 0, sizeof(al.anchor));
		if (audit_meta_put(NULL, al.first, al.anchor) != 0) {
			log_warnx("audit: cannot start the log");
			return -1;
		}
	}
	if (audit_last(&last) == -1) {
		log_warnx("audit: cannot read the log's last record");
		return -1;
	}
	al.cur = last;
	/* Issue 14: the hourly rollups, caught up with the log. */
	if (control_usage_open(ps, al.db, al.first, last.seq) == -1)
		return -1;
	if ((hr = audit_head_read(&head)) == -1)
		log_warnx("audit: %s is damaged; it is written anew from the "
		    "log", AUDIT_HEAD_FILE);
	else if (hr == 1 && last.seq > 0)
		log_warnx("audit: %s is empty but the log holds records up to "
		    "%llu; it is written anew", AUDIT_HEAD_FILE,
		    (unsigned long long)last.seq);
	else if (hr == 0 && head.seq > last.seq) {
		log_warnx("audit: the head is record %llu but the log ends at "
		    "%llu: records were removed from its tail; the log goes "
		    "on from the head", (unsigned long long)head.seq,
		    (unsigned long long)last.seq);
		al.cur = head;
	} else if (hr == 0 && head.seq == last.seq &&
	    memcmp(head.hash, last.hash, AUDIT_HASH_LEN) != 0) {
		log_warnx("audit: record %llu does not match the head: it "
		    "was altered; the log goes on from the head",
		    (unsigned long long)head.seq);
		al.cur = head;
	} else if (hr == 0 && head.seq < last.seq)
		log_warnx("audit: the log holds records %llu to %llu past the "
		    "head (control stopped before writing it); the head "
		    "moves to them", (unsigned long long)head.seq + 1,
		    (unsigned long long)last.seq);
	al.committed = al.cur;
	if (hr != 0 || head.seq != al.cur.seq ||
	    memcmp(head.hash, al.cur.hash, AUDIT_HASH_LEN) != 0)
		audit_head_write();
	control_audit_hex(al.cur.hash, hex);
	log_info("audit: log from record %llu, head %llu %s",
	    (unsigned long long)al.first, (unsigned long long)al.cur.seq,
	    hex);
	ps->turn = control_audit_commit;
	ps->after = audit_after;
	/*
	 * The bench measures what auditing costs against a service that
	 * records nothing: only ever in test mode (the undocumented -X).
	 */
	if (msg_testmode && getenv("AILERON_TEST_AUDIT_OFF") != NULL) {
		log_warnx("audit: OFF (test mode): nothing is recorded");
		al.off = 1;
	}
	/* And t/audit.t what the proxy does when a commit fails. */
	if (msg_testmode && getenv("AILERON_TEST_AUDIT_FAIL") != NULL) {
		log_warnx("audit: every commit fails (test mode)");
		al.failing = 1;
	}
	if (al.retention_ms > 0)
		audit_expire(ps, NULL);
	return 0;
}

/*
 * Append one record to the open group (begun when needed), sealed with
 * the next sequence number after the chain's head.  Takes the reference
 * to rec.  Returns the record's sequence number, or 0 when it could not
 * be added: then nothing it records may happen.  It is durable once
 * the turn's commit (control_audit_commit) is done, before any reply
 * the turn composed is sent.
 */
uint64_t
control_audit_append(struct control *ctl, json_t *rec)
{
	DB_ENV		*env = control_store_env();
	struct timespec	 now;
	uint8_t		 kb[8];
	DBT		 k, v;
	char		*s, **m;
	size_t		 n;
	int		 rv;

	(void)ctl;
	if (rec == NULL)
		return 0;
	if (al.off) {
		json_decref(rec);
		return al.cur.seq + 1;
	}
	if (al.db == NULL || env == NULL || al.failed) {
		json_decref(rec);
		return 0;
	}
	if (al.txn == NULL && (rv = env->txn_begin(env, NULL, &al.txn,
	    0)) != 0) {
		log_warnx("audit: cannot begin: %s", db_strerror(rv));
		al.txn = NULL;
		json_decref(rec);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	json_incref(rec);	/* metrics: counted once it is in the log */
	/* Its counts join the turn's rollups, committed with it. */
	control_usage_add(rec, (int64_t)now.tv_sec * 1000 +
	    now.tv_nsec / 1000000);
	if ((s = control_audit_seal(rec, al.cur.seq + 1, al.cur.hash,
	    &now)) == NULL) {
		json_decref(rec);
		log_warnx("audit: cannot seal a record: out of memory");
		al.failed = 1;
		return 0;
	}
	n = strlen(s);
	audit_key(kb, al.cur.seq + 1);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = sizeof(kb);
	v.data = s;
	v.size = n;
	if ((rv = al.db->put(al.db, al.txn, &k, &v, DB_NOOVERWRITE)) != 0) {
		log_warnx("audit: cannot add record %llu: %s",
		    (unsigned long long)al.cur.seq + 1, db_strerror(rv));
		al.failed = 1;
		free(s);
		json_decref(rec);
		return 0;
	}
	control_audit_hash(s, n, al.cur.hash);
	al.cur.seq++;
	control_metrics_record(rec);
	json_decref(rec);
	if (!al.syslog) {
		free(s);
		return al.cur.seq;
	}
	if (al.nmirror == al.maxmirror) {
		if ((m = reallocarray(al.mirror, al.maxmirror + 64,
		    sizeof(*m))) == NULL)
			fatal("%s", __func__);
		al.mirror = m;
		al.maxmirror += 64;
	}
	al.mirror[al.nmirror++] = s;
	return al.cur.seq;
}

/*
 * The open group's transaction, begun when needed, for what must be
 * written with this turn's records or not at all (budget.c's ledger).
 * NULL when the log is off (test mode) or no transaction can begin:
 * then the turn's records fail too.
 */
DB_TXN *
control_audit_txn(void)
{
	DB_ENV	*env = control_store_env();
	int	 rv;

	if (al.off || al.db == NULL || env == NULL)
		return NULL;
	if (al.txn == NULL && (rv = env->txn_begin(env, NULL, &al.txn,
	    0)) != 0) {
		log_warnx("audit: cannot begin: %s", db_strerror(rv));
		al.txn = NULL;
	}
	return al.txn;
}

/*
 * A decision to send once its record is committed (or refused).  For a
 * connector's action, connector and host are the action's (the worker's
 * POLICY); NULL for a shell command, which no credential serves.  Each
 * decision keeps its own: a worker may send several in one turn.
 */
void
control_audit_decided(uint32_t worker, uint32_t reqid,
    const struct msg_control_decision *d, const char *connector,
    const char *host)
{
	struct audit_pending	*p;

	if (al.npend == al.maxpend) {
		if ((p = reallocarray(al.pend, al.maxpend + 64,
		    sizeof(*p))) == NULL)
			fatal("%s", __func__);
		al.pend = p;
		al.maxpend += 64;
	}
	p = &al.pend[al.npend++];
	memset(p, 0, sizeof(*p));
	p->worker = worker;
	p->reqid = reqid;
	p->d = *d;
	if (connector != NULL && host != NULL) {
		p->action = 1;
		strlcpy(p->connector, connector, sizeof(p->connector));
		strlcpy(p->host, host, sizeof(p->host));
	}
}

/*
 * The end of a turn of control's loop (and before anything that reads
 * the log): commit the turn's records, flush the log once, write the
 * head, then answer the turn's decisions.  A group that did not commit
 * refuses every decision in it.
 */
void
control_audit_commit(struct proc *ps)
{
	DB_ENV			*env = control_store_env();
	struct audit_pending	*q;
	struct proc_peer	*p;
	size_t			 i;
	int			 rv, ok = 1;

	if (al.txn != NULL) {
		/* The turn's rollups, in the records' transaction. */
		if (!al.failed && !al.failing &&
		    control_usage_flush(al.txn) == -1)
			al.failed = 1;
		if (al.failed || al.failing) {
			control_usage_discard();
			al.txn->abort(al.txn);
			ok = 0;
			al.cur = al.committed;
		/* NOSYNC, then one log_flush below: the group's sync. */
		} else if ((rv = al.txn->commit(al.txn, DB_TXN_NOSYNC)) !=
		    0) {
			log_warnx("audit: commit: %s", db_strerror(rv));
			ok = 0;
			al.cur = al.committed;
		} else if ((rv = env->log_flush(env, NULL)) != 0) {
			/* Committed, but maybe not on disk: refuse. */
			log_warnx("audit: log flush: %s", db_strerror(rv));
			ok = 0;
		}
		al.txn = NULL;
		if (al.committed.seq != al.cur.seq) {
			al.committed = al.cur;
			audit_head_write();
		}
		if (!ok)
			log_warnx("audit: a group of records was not written; "
			    "the decisions in it are refused");
		if (++al.groups >= AUDIT_CKP_GROUPS) {
			al.groups = 0;
			(void)control_store_checkpoint();
		}
	}
	for (i = 0; i < al.nmirror; i++) {
		if (ok)
			log_info("audit record %s", al.mirror[i]);
		free(al.mirror[i]);
	}
	al.nmirror = 0;
	al.failed = 0;
	for (i = 0; i < al.npend; i++) {
		q = &al.pend[i];
		if (!ok || q->d.seq == 0) {
			q->d.verdict = MSG_CONTROL_DENY;
			q->d.seq = 0;
			strlcpy(q->d.reason, "aileron:audit",
			    sizeof(q->d.reason));
		}
		if (q->action && q->d.verdict == MSG_CONTROL_ALLOW &&
		    al.allow != NULL) {
			al.allow(ps, q->worker, q->reqid, &q->d, q->connector,
			    q->host);
			continue;
		}
		if ((p = proc_peer_find(ps, PROC_WORKER, q->worker)) != NULL &&
		    chan_reply(&p->chan, q->reqid, MSG_CONTROL_POLICY_REPLY,
		    &q->d, sizeof(q->d)) == -1)
			log_warnx("%s: cannot answer", p->chan.name);
	}
	al.npend = 0;
}

/*
 * After the turn's answers are sent: a log file the last checkpoint
 * freed goes (store.c).
 */
static void
audit_after(struct proc *ps)
{
	(void)ps;
	control_store_trim();
}

/*
 * Retention: records older than the configured age leave the log from
 * its start, a batch at a time; the first kept record's predecessor's
 * hash becomes the anchor, so the chain stays verifiable from there.  A
 * record that is not sealed is never removed: it is evidence.
 */
static void
audit_expire(struct proc *ps, void *arg)
{
	DB_ENV			*env = control_store_env();
	struct audit_link	 l;
	struct timespec		 now;
	DB_TXN			*txn;
	DBC			*dbc = NULL;
	DBT			 k, v;
	uint8_t			 kb[8], anchor[AUDIT_HASH_LEN];
	uint64_t		 first = al.first, seq, n = 0;
	int64_t			 cutoff, every;
	int			 rv;

	(void)arg;
	control_audit_commit(ps);
	clock_gettime(CLOCK_REALTIME, &now);
	cutoff = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 -
	    al.retention_ms;
	memcpy(anchor, al.anchor, sizeof(anchor));
	if ((rv = env->txn_begin(env, NULL, &txn, 0)) != 0)
		goto fail;
	if ((rv = al.db->cursor(al.db, txn, &dbc, 0)) != 0)
		goto abort;
	audit_key(kb, 1);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = sizeof(kb);
	k.flags = DB_DBT_MALLOC;
	v.flags = DB_DBT_MALLOC;
	for (rv = dbc->get(dbc, &k, &v, DB_SET_RANGE); rv == 0 &&
	    n < AUDIT_EXPIRE_BATCH; rv = dbc->get(dbc, &k, &v, DB_NEXT)) {
		seq = audit_key_seq(&k);
		control_audit_link(v.data, v.size, &l);
		if (k.data != kb)
			free(k.data);
		free(v.data);
		k.data = NULL;
		v.data = NULL;
		if (!l.ok || l.seq != seq || l.time_ms >= cutoff)
			break;
		if ((rv = dbc->del(dbc, 0)) != 0)
			goto abort;
		first = seq + 1;
		memcpy(anchor, l.hash, sizeof(anchor));
		n++;
	}
	if (k.data != kb)
		free(k.data);
	free(v.data);
	if (rv != 0 && rv != DB_NOTFOUND)
		goto abort;
	dbc->close(dbc);
	dbc = NULL;
	if (n > 0 && (rv = audit_meta_put(txn, first, anchor)) != 0)
		goto abort;
	/* The rollups' hours older than the records kept go with them. */
	if ((rv = control_usage_expire(txn, cutoff)) != 0)
		goto abort;
	if ((rv = txn->commit(txn, 0)) != 0)
		goto fail;
	if (n > 0) {
		al.first = first;
		memcpy(al.anchor, anchor, sizeof(anchor));
		log_info("audit: retention removed %llu record%s; the log "
		    "starts at record %llu", (unsigned long long)n,
		    n == 1 ? "" : "s", (unsigned long long)first);
	}
	every = al.retention_ms / 2;
	if (every > AUDIT_EXPIRE_MS)
		every = AUDIT_EXPIRE_MS;
	if (every < 1000 || n == AUDIT_EXPIRE_BATCH)
		every = 1000;
	proc_timer_set(ps, &al.expire, (int)every, audit_expire, NULL);
	return;
 abort:
	if (dbc != NULL)
		dbc->close(dbc);
	txn->abort(txn);
 fail:
	log_warnx("audit: retention: %s", db_strerror(rv));
	proc_timer_set(ps, &al.expire, AUDIT_EXPIRE_MS, audit_expire, NULL);
}

static int
audit_walk_next(void *arg, struct audit_link *l)
{
	struct audit_walker	*w = arg;
	int			 rv;

	for (;;) {
		if ((rv = w->dbc->get(w->dbc, &w->k, &w->v, DB_NEXT)) ==
		    DB_NOTFOUND)
			return 0;
		if (rv != 0)
			return -1;
		if (audit_key_seq(&w->k) != 0)
			break;
	}
	control_audit_link(w->v.data, w->v.size, l);
	return 1;
}

/* The whole chain, against the head file as it is now. */
static int
audit_verify(struct audit_verdict *vd, struct audit_head *head)
{
	struct audit_walker	 w;
	int			 rv, hr;

	control_audit_commit(al.ps);
	if ((hr = audit_head_read(head)) == -1)
		memset(head, 0, sizeof(*head));
	memset(&w, 0, sizeof(w));
	if (al.db->cursor(al.db, NULL, &w.dbc, 0) != 0)
		return -1;
	w.k.flags = DB_DBT_REALLOC;
	w.v.flags = DB_DBT_REALLOC;
	rv = control_audit_verify(audit_walk_next, &w, al.first, al.anchor,
	    head, vd);
	w.dbc->close(w.dbc);
	free(w.k.data);
	free(w.v.data);
	if (rv == 0 && vd->ok && hr != 0) {
		vd->ok = 0;
		vd->kind = AUDIT_HEAD;
		snprintf(vd->problem, sizeof(vd->problem), "head mismatch: "
		    "%s is %s", AUDIT_HEAD_FILE, hr == 1 ? "empty" :
		    "damaged");
	}
	return rv;
}

static void
audit_reply(struct proc_peer *p, uint32_t reqid, int32_t error,
    const char *reason, uint32_t count, uint64_t next, const char *text,
    size_t len)
{
	struct msg_control_audit_reply	 r;
	struct iovec			 iov[2];

	memset(&r, 0, sizeof(r));
	r.error = error;
	r.count = count;
	r.next = next;
	if (reason != NULL)
		strlcpy(r.reason, reason, sizeof(r.reason));
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = len;
	if (chan_replyv(&p->chan, reqid, MSG_CONTROL_AUDIT_REPLY, iov,
	    len > 0 ? 2 : 1) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
}

/*
 * Does a record match the query, and may the caller read it?  The
 * administrator reads every record; another uid only those of its own
 * sessions (the uid a record carries).
 */
static int
audit_match(const char *val, size_t len,
    const struct msg_control_audit_query *q, int admin)
{
	json_t		*j;
	const char	*s;
	int		 ok = 1;

	if (admin && q->user[0] == '\0' && q->action[0] == '\0' &&
	    q->session[0] == '\0')
		return 1;
	if ((j = json_loadb(val, len, 0, NULL)) == NULL)
		return admin;	/* altered: verify says so; root sees it */
	if (!admin && (!json_is_integer(json_object_get(j, "uid")) ||
	    json_integer_value(json_object_get(j, "uid")) != q->uid))
		ok = 0;
	if (ok && q->user[0] != '\0' && ((s = json_string_value(
	    json_object_get(j, "user"))) == NULL || strcmp(s, q->user) != 0))
		ok = 0;
	if (ok && q->action[0] != '\0' && ((s = json_string_value(
	    json_object_get(j, "action"))) == NULL ||
	    strcmp(s, q->action) != 0))
		ok = 0;
	if (ok && q->session[0] != '\0' && ((s = json_string_value(
	    json_object_get(j, "session"))) == NULL ||
	    strcmp(s, q->session) != 0))
		ok = 0;
	json_decref(j);
	return ok;
}

/*
 * One page of records after q->after, as JSON lines: as many as fit one
 * reply, at most AUDIT_PAGE_MAX (or the query's limit), looking at no
 * more than AUDIT_SCAN_MAX records, so that control is never long away
 * from its workers.  next says where the following page starts.
 */
static void
audit_query(struct proc_peer *p, uint32_t reqid,
    const struct msg_control_audit_query *q, int admin)
{
	static char		 buf[MSG_MAXPAYLOAD];
	const size_t		 cap = MSG_MAXPAYLOAD -
				    sizeof(struct msg_control_audit_reply);
	struct audit_link	 l;
	DBC			*dbc;
	DBT			 k, v;
	uint8_t			*kb;
	uint64_t		 seq, lastk = 0, next = 0, scanned = 0;
	uint32_t		 count = 0, limit;
	size_t			 len = 0;
	int			 rv;

	limit = q->limit == 0 || q->limit > AUDIT_PAGE_MAX ? AUDIT_PAGE_MAX :
	    q->limit;
	if (al.db->cursor(al.db, NULL, &dbc, 0) != 0) {
		audit_reply(p, reqid, 503, "the audit log cannot be read",
		    0, 0, NULL, 0);
		return;
	}
	/* REALLOC: the key Berkeley DB gives back replaces this one. */
	if ((kb = malloc(8)) == NULL)
		fatal("%s", __func__);
	audit_key(kb, q->after < al.first ? al.first : q->after + 1);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = 8;
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	for (rv = dbc->get(dbc, &k, &v, DB_SET_RANGE); rv == 0;
	    rv = dbc->get(dbc, &k, &v, DB_NEXT)) {
		if ((seq = audit_key_seq(&k)) == 0 || seq == UINT64_MAX)
			continue;
		if (count == limit || len + v.size + 1 > cap ||
		    scanned == AUDIT_SCAN_MAX) {
			next = lastk;
			break;
		}
		lastk = seq;
		scanned++;
		control_audit_link(v.data, v.size, &l);
		if (l.ok && ((q->since_ms != 0 && l.time_ms < q->since_ms) ||
		    (q->until_ms != 0 && l.time_ms > q->until_ms)))
			continue;
		if (!audit_match(v.data, v.size, q, admin))
			continue;
		memcpy(buf + len, v.data, v.size);
		len += v.size;
		buf[len++] = '\n';
		count++;
	}
	free(k.data);
	free(v.data);
	dbc->close(dbc);
	if (rv != 0 && rv != DB_NOTFOUND) {
		audit_reply(p, reqid, 503, "the audit log cannot be read",
		    0, 0, NULL, 0);
		return;
	}
	audit_reply(p, reqid, 0, NULL, count, next, buf, len);
}

static void
audit_verify_msg(struct proc_peer *p, uint32_t reqid)
{
	struct audit_verdict	 vd;
	struct audit_head	 head;
	static const char	*kinds[] = { "intact", "altered", "inserted",
				    "removed", "head" };
	char			 hex[AUDIT_HASH_LEN * 2 + 1], *s;
	json_t			*j;

	if (audit_verify(&vd, &head) == -1) {
		audit_reply(p, reqid, 503, "the audit log cannot be read",
		    0, 0, NULL, 0);
		return;
	}
	control_audit_hex(head.hash, hex);
	j = json_pack("{s:b, s:I, s:I, s:I, s:{s:I, s:s}}", "ok", vd.ok,
	    "records", (json_int_t)vd.records, "first", (json_int_t)vd.first,
	    "last", (json_int_t)vd.last, "head", "seq",
	    (json_int_t)head.seq, "sha256", hex);
	if (j != NULL && !vd.ok) {
		json_object_set_new(j, "problem", json_string(vd.problem));
		json_object_set_new(j, "kind", json_string(kinds[vd.kind]));
		json_object_set_new(j, "seq", json_integer(vd.at));
	}
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL)
		fatal("%s", __func__);
	json_decref(j);
	if (!vd.ok)
		log_warnx("audit: verification failed: %s", vd.problem);
	audit_reply(p, reqid, 0, NULL, 0, 0, s, strlen(s));
	free(s);
}

/*
 * A hot backup of control's environment into a new directory in its
 * root, which the CLI then moves where the administrator asked, as
 * "aileron vault backup" does with vaultd's.
 */
static void
audit_backup_msg(struct proc_peer *p, uint32_t reqid)
{
	DB_ENV	*env = control_store_env();
	uint8_t	 r[8];
	char	 dir[64], body[128];
	size_t	 i;
	int	 rv, n;

	control_audit_commit(al.ps);
	arc4random_buf(r, sizeof(r));
	n = snprintf(dir, sizeof(dir), "backup-%lld-", (long long)time(NULL));
	for (i = 0; i < sizeof(r); i++)
		n += snprintf(dir + n, sizeof(dir) - n, "%02x", r[i]);
	if ((rv = env->backup(env, dir, DB_CREATE | DB_EXCL)) != 0) {
		log_warnx("%s: backup of control's store failed: %s",
		    p->chan.name, rv > 0 ? strerror(rv) : db_strerror(rv));
		audit_reply(p, reqid, 503, "the backup failed; see the "
		    "service log", 0, 0, NULL, 0);
		return;
	}
	log_info("%s: control's store backed up to %s", p->chan.name, dir);
	snprintf(body, sizeof(body), "{\"dir\":\"%s\"}", dir);
	audit_reply(p, reqid, 0, NULL, 0, 0, body, strlen(body));
}

/*
 * QUERY, VERIFY or BACKUP from the management API's worker; uid is the
 * caller's, owner the service's owner: they and root are administrators.
 * A malformed query is a bad frame.
 */
void
control_audit_query_msg(struct proc *ps, struct proc_peer *p,
    struct msg *msg, uint32_t owner)
{
	struct msg_control_audit_query	 q;
	struct msg_reader		 r;
	uint64_t			 since, until;
	int				 admin;

	memset(&q, 0, sizeof(q));
	msg_reader_init(&r, msg);
	msg_get_u32(&r, &q.uid);
	msg_get_u32(&r, &q.op);
	msg_get_u64(&r, &q.after);
	msg_get_u64(&r, &since);
	msg_get_u64(&r, &until);
	msg_get_u32(&r, &q.limit);
	msg_get_str(&r, q.user, sizeof(q.user));
	msg_get_str(&r, q.action, sizeof(q.action));
	msg_get_str(&r, q.session, sizeof(q.session));
	msg_get_data(&r, q.pad, sizeof(q.pad));
	if (msg_get_end(&r) == -1 || q.op > MSG_AUDIT_BACKUP) {
		proc_bad_frame(ps, p);
		return;
	}
	q.since_ms = (int64_t)since;
	q.until_ms = (int64_t)until;
	admin = q.uid == 0 || q.uid == owner;
	switch (q.op) {
	case MSG_AUDIT_QUERY:
		control_audit_commit(ps);
		audit_query(p, msg->hdr.reqid, &q, admin);
		break;
	case MSG_AUDIT_VERIFY:
	case MSG_AUDIT_BACKUP:
		if (!admin) {
			audit_reply(p, msg->hdr.reqid, 403, "only the "
			    "service's owner or root may do that", 0, 0,
			    NULL, 0);
			return;
		}
		if (q.op == MSG_AUDIT_VERIFY)
			audit_verify_msg(p, msg->hdr.reqid);
		else
			audit_backup_msg(p, msg->hdr.reqid);
		break;
	}
}
