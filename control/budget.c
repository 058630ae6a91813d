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
 * budget.c: budgets on LLM calls (aileron.conf(5): budget lines), kept in
 * a small ledger in control's store (budget.db): for each budget and
 * calendar period (UTC), what was spent and what is reserved, in tokens
 * or micro-dollars.
 *
 * A budgeted request is one of an action whose spec reads token usage
 * (x-aileron-usage).  When control decides it, it checks and reserves in
 * the same step: control is single-threaded, so parallel requests never
 * pass on the same remainder.  The estimate is the request's max_tokens
 * (or max_completion_tokens, max_output_tokens), as the worker read it
 * among the decision's arguments, else "budget reservation" tokens; in
 * dollars, at the model's output price, or the table's dearest when the
 * model is not priced.  A request whose estimate does not fit what is
 * left of every budget that applies to it is refused (aileron:budget).
 *
 * The outcome record's counts replace the reservation, written in the
 * audit group's transaction with that record and the decision's, so a
 * restart forgets nothing and a failed group leaves neither.  A
 * reservation whose usage stays unknown is kept until its period ends,
 * as is that of a worker that died: the safe side, never an overspend.
 * Only a request that never reached the upstream (refused by the proxy
 * itself, no body byte sent) gives its reservation back.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

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
#include "connector/spec.h"
#include "control/auditlog.h"
#include "control/budget.h"
#include "control/control.h"
#include "control/policy.h"
#include "control/session.h"
#include "control/store.h"
#include "control/users.h"
#include "master/parse.h"

#define BUDGET_KEY_MAX		192
#define BUDGET_ESTIMATE_MAX	100000000ULL	/* tokens a request reserves */
#define BUDGET_MODEL_MAX	127

/* One budget's period in the ledger; stored big-endian. */
struct budget_entry {
	uint64_t	 spent;
	uint64_t	 reserved;
	uint64_t	 requests;	/* admitted */
	uint64_t	 refused;
};
#define BUDGET_ENTRY_SIZE	32

/* What one worker's request reserved, until its outcome. */
struct budget_resv {
	size_t		 budget;	/* index of the budget line */
	char		 key[BUDGET_KEY_MAX];
	size_t		 keylen;
	uint64_t	 amount;
};

struct budget_hold {
	TAILQ_ENTRY(budget_hold)	 entry;
	uint32_t			 worker;
	char				 model[BUDGET_MODEL_MAX + 1];
	struct budget_resv		*v;
	size_t				 n;
	json_t				*refusal;	/* the last, for WHY */
};

static time_t	 budget_now(const struct control_budgets *);
static size_t	 budget_key(const struct conf_budget *, const char *, char *);
static int	 budget_get(struct control_budgets *, DB_TXN *, const char *,
		    size_t, struct budget_entry *);
static int	 budget_put(struct control_budgets *, DB_TXN *, const char *,
		    size_t, const struct budget_entry *);
static int	 budget_applies(const struct conf_budget *,
		    const struct control_session *);
static uint64_t	 budget_estimate(const struct control_budgets *,
		    const struct conf_budget *, uint64_t, const char *);
static int	 budget_actual(const struct control_budgets *,
		    const struct conf_budget *, json_t *, const char *,
		    uint64_t *);
static uint64_t	 budget_ceil(long double);
static json_t	*budget_amount(int, uint64_t);
static json_t	*budget_describe(const struct conf_budget *,
		    const struct budget_entry *, time_t, time_t);
static char	*budget_iso(time_t, char *, size_t);
static void	 budget_text(int, uint64_t, char *, size_t);
static struct budget_hold *budget_hold(struct control_budgets *, uint32_t,
		    int);
static void	 budget_reply(struct proc_peer *, uint32_t, int32_t,
		    json_t *);
static void	 budget_list(struct control_budgets *, struct control *,
		    struct control_users *, struct proc *, struct proc_peer *,
		    uint32_t, uint32_t);

void
control_budgets_init(struct control_budgets *bs)
{
	memset(bs, 0, sizeof(*bs));
	TAILQ_INIT(&bs->holds);
}

/*
 * After the store is open.  Test mode only (the undocumented -X): a
 * fixed clock, so that a test can cross a period's end.
 */
int
control_budgets_open(struct control_budgets *bs,
    const struct aileron_conf *conf)
{
	const char	*errstr, *e;

	bs->conf = conf;
	if ((bs->db = control_store_db(BUDGET_DB_NAME)) == NULL)
		return -1;
	if (msg_testmode && (e = getenv("AILERON_TEST_BUDGET_NOW")) != NULL) {
		bs->now = (time_t)strtonum(e, 1, 4102444800LL, &errstr);
		if (errstr != NULL)
			bs->now = 0;
		else
			log_warnx("budget: the clock is fixed at %lld (test "
			    "mode)", (long long)bs->now);
	}
	return 0;
}

static time_t
budget_now(const struct control_budgets *bs)
{
	return bs->now != 0 ? bs->now : time(NULL);
}

/*
 * The calendar period (UTC) that holds now: its name in the ledger's
 * key ("2026-12-06", "2026-W49", "2026-12"), its start and its end.
 */
int
control_budget_period(int period, time_t now, char *name, size_t len,
    time_t *start, time_t *end)
{
	struct tm	 tm, s;

	if (gmtime_r(&now, &tm) == NULL)
		return -1;
	s = tm;
	s.tm_hour = s.tm_min = s.tm_sec = 0;
	switch (period) {
	case BUDGET_DAY:
		strftime(name, len, "%Y-%m-%d", &tm);
		*start = timegm(&s);
		s.tm_mday++;
		break;
	case BUDGET_WEEK:
		/* ISO 8601 weeks start on Monday. */
		strftime(name, len, "%G-W%V", &tm);
		s.tm_mday -= (tm.tm_wday + 6) % 7;
		*start = timegm(&s);
		s = tm;
		s.tm_hour = s.tm_min = s.tm_sec = 0;
		s.tm_mday += 7 - (tm.tm_wday + 6) % 7;
		break;
	default:
		strftime(name, len, "%Y-%m", &tm);
		s.tm_mday = 1;
		*start = timegm(&s);
		s.tm_mon++;
		break;
	}
	*end = timegm(&s);
	return 0;
}

/* scope, name, unit, period and the period's name: a label has no tab. */
static size_t
budget_key(const struct conf_budget *b, const char *period, char *key)
{
	int	 n;

	n = snprintf(key, BUDGET_KEY_MAX, "%s\t%s\t%s\t%s\t%s",
	    conf_budget_scopes[b->scope], b->name, conf_budget_units[b->unit],
	    conf_budget_periods[b->period], period);
	if (n < 0 || n >= BUDGET_KEY_MAX)
		fatalx("%s: a budget's key is too long", __func__);
	return n;
}

static int
budget_get(struct control_budgets *bs, DB_TXN *txn, const char *key,
    size_t keylen, struct budget_entry *e)
{
	DBT		 k, v;
	uint8_t		 b[BUDGET_ENTRY_SIZE];
	uint64_t	*f[4] = { &e->spent, &e->reserved, &e->requests,
			    &e->refused };
	int		 rv, i, j;

	memset(e, 0, sizeof(*e));
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = keylen;
	v.data = b;
	v.ulen = sizeof(b);
	v.flags = DB_DBT_USERMEM;
	if ((rv = bs->db->get(bs->db, txn, &k, &v, 0)) == DB_NOTFOUND)
		return 0;
	if (rv != 0 || v.size != sizeof(b)) {
		log_warnx("budget: cannot read the ledger: %s", rv != 0 ?
		    db_strerror(rv) : "a damaged entry");
		return -1;
	}
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			*f[i] = *f[i] << 8 | b[i * 8 + j];
	return 0;
}

static int
budget_put(struct control_budgets *bs, DB_TXN *txn, const char *key,
    size_t keylen, const struct budget_entry *e)
{
	DBT		 k, v;
	uint8_t		 b[BUDGET_ENTRY_SIZE];
	uint64_t	 f[4] = { e->spent, e->reserved, e->requests,
			    e->refused };
	int		 rv, i, j;

	for (i = 0; i < 4; i++)
		for (j = 7; j >= 0; j--, f[i] >>= 8)
			b[i * 8 + j] = f[i] & 0xff;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = keylen;
	v.data = b;
	v.size = sizeof(b);
	if ((rv = bs->db->put(bs->db, txn, &k, &v, 0)) != 0) {
		log_warnx("budget: cannot write the ledger: %s",
		    db_strerror(rv));
		return -1;
	}
	return 0;
}

static int
budget_applies(const struct conf_budget *b, const struct control_session *s)
{
	const char	*who;

	switch (b->scope) {
	case BUDGET_USER:
		who = s->user;
		break;
	case BUDGET_TEAM:
		who = s->team;
		break;
	case BUDGET_AGENT:
		who = s->agent;
		break;
	default:
		who = s->project;
		break;
	}
	return who[0] != '\0' && strcmp(who, b->name) == 0;
}

/*
 * What tokens of output cost, in micro-dollars, rounded up: at the
 * model's output price, else at the dearest price of the table, so that
 * a model the table does not know never reserves too little.
 */
static uint64_t
budget_estimate(const struct control_budgets *bs, const struct conf_budget *b,
    uint64_t tokens, const char *model)
{
	const struct prices	*ps = &bs->conf->prices;
	const struct price	*pr;
	uint64_t		 micro = 0;
	size_t			 i;
	int			 k;

	if (b->unit == BUDGET_TOKENS)
		return tokens;
	if ((pr = prices_find(ps, model)) != NULL && pr->have[PRICE_OUTPUT])
		micro = pr->micro[PRICE_OUTPUT];
	else
		for (i = 0; i < ps->n; i++)
			for (k = 0; k < PRICE_KINDS; k++)
				if (ps->v[i].have[k] && ps->v[i].micro[k] >
				    micro)
					micro = ps->v[i].micro[k];
	return budget_ceil((long double)tokens * micro / 1e6L);
}

/*
 * What an outcome's token counts come to in b's unit: tokens of every
 * kind but reasoning (counted in output already), or what they cost.
 * -1 when it cannot be said (a model the price table does not price):
 * then the reservation is kept.
 */
static int
budget_actual(const struct control_budgets *bs, const struct conf_budget *b,
    json_t *tokens, const char *model, uint64_t *out)
{
	const struct price	*pr = NULL;
	json_t			*m, *v;
	long double		 sum = 0;
	uint64_t		 n;
	int			 k;

	if (b->unit == BUDGET_USD) {
		if ((m = json_object_get(tokens, "model")) != NULL &&
		    json_is_string(m))
			model = json_string_value(m);
		if ((pr = prices_find(&bs->conf->prices, model)) == NULL)
			return -1;
	}
	for (k = 0; k < PRICE_KINDS; k++) {
		if ((v = json_object_get(tokens, price_kinds[k])) == NULL)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		if ((n = (uint64_t)json_integer_value(v)) == 0)
			continue;
		if (b->unit == BUDGET_TOKENS) {
			if (k != PRICE_REASONING)
				sum += n;
			continue;
		}
		if (!pr->have[k]) {
			if (k == PRICE_REASONING)
				continue;
			return -1;
		}
		sum += (long double)n * pr->micro[k] / 1e6L;
	}
	if (sum > 1e18L)
		return -1;
	*out = budget_ceil(sum);
	return 0;
}

/* Rounded up: a fraction of a micro-dollar is never forgiven. */
static uint64_t
budget_ceil(long double v)
{
	uint64_t	 n = (uint64_t)v;

	return (long double)n < v ? n + 1 : n;
}

/* Tokens as a whole number; dollars from micro-dollars. */
static json_t *
budget_amount(int unit, uint64_t v)
{
	if (unit == BUDGET_TOKENS)
		return json_integer((json_int_t)v);
	return json_real((double)v / 1e6);
}

/* An amount for people: "4096 tokens", "0.061440 USD". */
static void
budget_text(int unit, uint64_t v, char *buf, size_t len)
{
	if (unit == BUDGET_TOKENS)
		snprintf(buf, len, "%llu tokens", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu.%06llu USD",
		    (unsigned long long)(v / 1000000),
		    (unsigned long long)(v % 1000000));
}

static char *
budget_iso(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(buf, "?", len);
	return buf;
}

/* One budget and its current period, as the API and a refusal say it. */
static json_t *
budget_describe(const struct conf_budget *b, const struct budget_entry *e,
    time_t start, time_t end)
{
	char	 s[32], t[32];
	json_t	*j;

	if ((j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I, "
	    "s:s, s:s}", "scope", conf_budget_scopes[b->scope], "name",
	    b->name, "unit", conf_budget_units[b->unit], "period",
	    conf_budget_periods[b->period], "limit",
	    budget_amount(b->unit, b->limit), "spent",
	    budget_amount(b->unit, e->spent), "reserved",
	    budget_amount(b->unit, e->reserved), "requests",
	    (json_int_t)e->requests, "refused", (json_int_t)e->refused,
	    "period_start", budget_iso(start, s, sizeof(s)), "resets",
	    budget_iso(end, t, sizeof(t)))) == NULL)
		fatal("%s", __func__);
	return j;
}

static struct budget_hold *
budget_hold(struct control_budgets *bs, uint32_t worker, int create)
{
	struct budget_hold	*h;

	TAILQ_FOREACH(h, &bs->holds, entry)
		if (h->worker == worker)
			return h;
	if (!create)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->v = calloc(bs->conf->nbudgets, sizeof(*h->v))) == NULL)
		fatal("%s", __func__);
	h->worker = worker;
	TAILQ_INSERT_TAIL(&bs->holds, h, entry);
	return h;
}

/*
 * a + b, held at the largest count JSON shows (INT64_MAX): the counts an
 * outcome reports are the worker's, and a ledger that wrapped round would
 * start the budget anew.
 */
uint64_t
control_budget_add(uint64_t a, uint64_t b)
{
	if (a > INT64_MAX || b > INT64_MAX - a)
		return INT64_MAX;
	return a + b;
}

/*
 * Check and reserve, for a request control just allowed (or sent for
 * approval).  Returns what the decision's record says of it (NULL when
 * no budget applies), and turns d into a refusal when a budget is short.
 */
json_t *
control_budget_decide(struct control_budgets *bs,
    const struct control_policy *pol, uint32_t worker,
    const struct control_session *s, const struct msg_control_policy *m,
    json_t *args, struct msg_control_decision *d)
{
	static const char *const names[] = { "max_tokens",
	    "max_completion_tokens", "max_output_tokens" };
	const struct conf_budget	*b, *over = NULL;
	const struct spec		*sp;
	const struct spec_action	*a;
	struct budget_hold		*h;
	struct budget_resv		*r;
	struct budget_entry		 e, overe;
	DB_TXN				*txn;
	json_t				*v, *rec;
	uint64_t			 tokens = 0, est, used;
	const char			*from = NULL;
	char				 pname[16], detail[512], sh[32];
	char				 lim[32], spent[32], rs[32], when[32];
	time_t				 now, start, end, ostart = 0, oend = 0;
	size_t				 i, n = 0;

	if (bs->conf == NULL || bs->conf->nbudgets == 0 ||
	    (d->verdict != MSG_CONTROL_ALLOW &&
	    d->verdict != MSG_CONTROL_APPROVE))
		return NULL;
	if ((sp = control_policy_spec(pol->specs, pol->nspecs,
	    m->connector)) == NULL || (a = spec_action_find(sp,
	    m->action)) == NULL || (a->usage_input == NULL &&
	    a->usage_output == NULL && a->nusage_events == 0))
		return NULL;
	h = budget_hold(bs, worker, 1);
	/* A request whose outcome never came keeps its reservation. */
	h->n = 0;
	h->model[0] = '\0';
	json_decref(h->refusal);
	h->refusal = NULL;
	for (i = 0; args != NULL && i < sizeof(names) / sizeof(names[0]);
	    i++)
		if ((v = json_object_get(args, names[i])) != NULL &&
		    json_is_integer(v) && json_integer_value(v) > 0) {
			tokens = (uint64_t)json_integer_value(v);
			from = names[i];
			break;
		}
	if (from == NULL)
		tokens = bs->conf->budget_reservation;
	if (tokens > BUDGET_ESTIMATE_MAX)
		tokens = BUDGET_ESTIMATE_MAX;
	if (args != NULL && (v = json_object_get(args, "model")) != NULL &&
	    json_is_string(v))
		strlcpy(h->model, json_string_value(v), sizeof(h->model));

	txn = control_audit_txn();
	now = budget_now(bs);
	for (i = 0; i < bs->conf->nbudgets; i++) {
		b = &bs->conf->budgets[i];
		if (!budget_applies(b, s))
			continue;
		r = &h->v[n++];
		r->budget = i;
		if (control_budget_period(b->period, now, pname,
		    sizeof(pname), &start, &end) == -1)
			goto fail;
		r->keylen = budget_key(b, pname, r->key);
		r->amount = est = budget_estimate(bs, b, tokens, h->model);
		if (budget_get(bs, txn, r->key, r->keylen, &e) == -1)
			goto fail;
		/* Nothing left, or not enough for this request's estimate. */
		used = control_budget_add(e.spent, e.reserved);
		if (over == NULL && (used >= b->limit ||
		    est > b->limit - used)) {
			over = b;
			overe = e;
			ostart = start;
			oend = end;
			overe.refused++;
			if (budget_put(bs, txn, r->key, r->keylen, &overe) ==
			    -1)
				goto fail;
		}
	}
	if (n == 0)
		return NULL;
	if (over != NULL) {
		h->n = 0;
		est = budget_estimate(bs, over, tokens, h->model);
		d->verdict = MSG_CONTROL_DENY;
		strlcpy(d->reason, BUDGET_REASON, sizeof(d->reason));
		budget_text(over->unit, over->limit, lim, sizeof(lim));
		budget_text(over->unit, overe.spent, spent, sizeof(spent));
		budget_text(over->unit, overe.reserved, rs, sizeof(rs));
		budget_text(over->unit, est, sh, sizeof(sh));
		snprintf(detail, sizeof(detail), "over the budget of %s \"%s\" "
		    "(%s per %s): %s spent and %s reserved, and this "
		    "request would reserve %s (%s); it resets at %s",
		    conf_budget_scopes[over->scope], over->name, lim,
		    conf_budget_periods[over->period], spent, rs, sh,
		    from != NULL ? from : "budget reservation: the request "
		    "names no maximum", budget_iso(oend, when, sizeof(when)));
		rec = budget_describe(over, &overe, ostart, oend);
		json_object_set_new(rec, "request", budget_amount(over->unit,
		    est));
		if ((h->refusal = json_pack("{s:s, s:O}", "detail", detail,
		    "budget", rec)) == NULL)
			fatal("%s", __func__);
		log_info("worker %u: session %s: %s.%s refused: over the "
		    "budget of %s %s (%s)", worker, s->id, m->connector,
		    m->action, conf_budget_scopes[over->scope], over->name,
		    over->where);
		return rec;
	}
	for (i = 0; i < n; i++) {
		r = &h->v[i];
		if (budget_get(bs, txn, r->key, r->keylen, &e) == -1)
			goto fail;
		e.reserved = control_budget_add(e.reserved, r->amount);
		e.requests++;
		if (budget_put(bs, txn, r->key, r->keylen, &e) == -1)
			goto fail;
	}
	h->n = n;
	if ((rec = json_pack("{s:I, s:s, s:I}", "tokens", (json_int_t)tokens,
	    "from", from != NULL ? from : "budget reservation",
	    "budgets", (json_int_t)n)) == NULL)
		fatal("%s", __func__);
	return json_pack("{s:o}", "reserved", rec);
 fail:
	/* The ledger cannot say: refused, as a decision without a record. */
	h->n = 0;
	d->verdict = MSG_CONTROL_DENY;
	strlcpy(d->reason, "aileron:audit", sizeof(d->reason));
	return NULL;
}

/*
 * The outcome of this worker's last decision: its counts replace the
 * reservation, in the audit group of the record rec, which says so.
 */
void
control_budget_outcome(struct control_budgets *bs, uint32_t worker,
    json_t *rec)
{
	const struct conf_budget	*b;
	struct budget_hold		*h;
	struct budget_resv		*r;
	struct budget_entry		 e;
	DB_TXN				*txn;
	json_t				*tokens, *up;
	uint64_t			 actual;
	size_t				 i;
	int				 known, released, kept = 0;

	if ((h = budget_hold(bs, worker, 0)) == NULL || h->n == 0)
		return;
	tokens = json_object_get(rec, "tokens");
	known = json_is_object(tokens);
	/* Refused by the proxy before a byte of the body went upstream. */
	up = json_object_get(rec, "bytes_up");
	released = !known && json_is_string(json_object_get(rec, "type")) &&
	    json_is_integer(up) && json_integer_value(up) == 0;
	txn = control_audit_txn();
	for (i = 0; i < h->n; i++) {
		r = &h->v[i];
		b = &bs->conf->budgets[r->budget];
		if (!released && (!known || budget_actual(bs, b, tokens,
		    h->model, &actual) == -1)) {
			kept = 1;
			continue;
		}
		if (budget_get(bs, txn, r->key, r->keylen, &e) == -1)
			continue;
		e.reserved -= r->amount < e.reserved ? r->amount : e.reserved;
		if (!released)
			e.spent = control_budget_add(e.spent, actual);
		(void)budget_put(bs, txn, r->key, r->keylen, &e);
	}
	h->n = 0;
	json_object_set_new(rec, "budget", json_string(released ? "released" :
	    kept ? "kept" : "charged"));
}

/* Its reservation stays: the worker may have spent it. */
void
control_budget_worker_gone(struct control_budgets *bs, uint32_t worker)
{
	struct budget_hold	*h;

	if ((h = budget_hold(bs, worker, 0)) == NULL)
		return;
	TAILQ_REMOVE(&bs->holds, h, entry);
	json_decref(h->refusal);
	free(h->v);
	free(h);
}

/* The op of a BUDGET message (its length is checked by the channel). */
int
control_budget_op(const struct msg *msg)
{
	struct msg_control_budget	 m;

	memcpy(&m, msg->data, sizeof(m));
	return m.op;
}

static void
budget_reply(struct proc_peer *p, uint32_t reqid, int32_t status, json_t *j)
{
	struct iovec	 iov[2];
	char		*s;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatal("%s", __func__);
	if (strlen(s) > MSG_BUDGET_JSON_MAX) {
		free(s);
		status = 500;
		if ((s = strdup("{\"detail\":\"too many budgets to list\"}")) ==
		    NULL)
			fatal("%s", __func__);
	}
	iov[0].iov_base = &status;
	iov[0].iov_len = sizeof(status);
	iov[1].iov_base = s;
	iov[1].iov_len = strlen(s);
	if (chan_replyv(&p->chan, reqid, MSG_CONTROL_BUDGET_REPLY, iov, 2) ==
	    -1)
		log_warnx("%s: cannot answer", p->chan.name);
	free(s);
}

/*
 * WHY, from a proxy worker: its last refusal.  LIST, from the API's
 * worker (control.c checked): the budgets the caller may see, an
 * administrator all of them, anybody else those of their user, team
 * and projects, and the agents' (a name, not a person).
 */
void
control_budget_msg(struct control_budgets *bs, struct control *ctl,
    struct control_users *users, struct proc *ps, struct proc_peer *p,
    struct msg *msg)
{
	struct msg_control_budget	 m;
	struct budget_hold		*h;
	json_t				*j;

	memcpy(&m, msg->data, sizeof(m));
	if (m.op == MSG_BUDGET_LIST) {
		budget_list(bs, ctl, users, ps, p, msg->hdr.reqid, m.uid);
		return;
	}
	if (m.op != MSG_BUDGET_WHY) {
		proc_bad_frame(ps, p);
		return;
	}
	if ((h = budget_hold(bs, p->id, 0)) != NULL && h->refusal != NULL) {
		budget_reply(p, msg->hdr.reqid, 0, h->refusal);
		return;
	}
	j = json_pack("{s:s}", "detail", "no budget refused this request");
	budget_reply(p, msg->hdr.reqid, 404, j);
	json_decref(j);
}

static void
budget_list(struct control_budgets *bs, struct control *ctl,
    struct control_users *users, struct proc *ps, struct proc_peer *p,
    uint32_t reqid, uint32_t uid)
{
	const struct conf_budget	*b;
	struct control_user		*u;
	struct budget_entry		 e;
	json_t				*j, *list;
	char				 me[CUSER_NAME_MAX + 1];
	char				 key[BUDGET_KEY_MAX], pname[16];
	time_t				 now = budget_now(bs), start, end;
	size_t				 i, k, keylen;
	int				 admin, see;

	if (control_identity_user(ctl, uid, me, sizeof(me), &admin) == -1) {
		j = json_pack("{s:s}", "detail", "your uid is no aileron user");
		budget_reply(p, reqid, 403, j);
		json_decref(j);
		return;
	}
	u = control_user_find(users, me);
	/* The turn's group holds the ledger's pages: commit it first. */
	control_audit_commit(ps);
	if ((list = json_array()) == NULL)
		fatal("%s", __func__);
	for (i = 0; bs->conf != NULL && i < bs->conf->nbudgets; i++) {
		b = &bs->conf->budgets[i];
		see = admin || b->scope == BUDGET_AGENT ||
		    (b->scope == BUDGET_USER && strcmp(b->name, me) == 0) ||
		    (b->scope == BUDGET_TEAM && u != NULL &&
		    strcmp(b->name, u->team) == 0);
		for (k = 0; !see && u != NULL && b->scope == BUDGET_PROJECT &&
		    k < u->nprojects; k++)
			see = strcmp(b->name, u->projects[k]) == 0;
		if (!see || control_budget_period(b->period, now, pname,
		    sizeof(pname), &start, &end) == -1)
			continue;
		keylen = budget_key(b, pname, key);
		if (budget_get(bs, NULL, key, keylen, &e) == -1) {
			json_decref(list);
			j = json_pack("{s:s}", "detail", "the budgets' ledger "
			    "cannot be read; see the service log");
			budget_reply(p, reqid, 503, j);
			json_decref(j);
			return;
		}
		json_array_append_new(list, budget_describe(b, &e, start,
		    end));
	}
	j = json_pack("{s:o, s:I}", "budgets", list, "reservation",
	    (json_int_t)(bs->conf != NULL ? bs->conf->budget_reservation :
	    CONF_BUDGET_RESERVATION));
	budget_reply(p, reqid, 0, j);
	json_decref(j);
}
