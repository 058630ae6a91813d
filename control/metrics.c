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
 * metrics.c: control's counters for /metrics (issue 14), in the
 * Prometheus text format 0.0.4 (aileron-metrics(7)).
 *
 * Every audit record passes through control, so the counters are kept
 * from the records as they are appended: what /metrics counts is what
 * the audit trail holds, and nothing else has to report.  They live in
 * memory from control's start, as Prometheus expects of a counter (a
 * restart is a reset, which rate() handles).  The one measure that is
 * not in a record, how long a worker's calls to control and vaultd
 * take, comes from the workers (MSG_CONTROL_CALLS).
 *
 * Labels are bounded: connectors and actions must be the specs', every
 * other value is one of a fixed list, or a team or model name among the
 * first few seen; anything else is "other".  Never a session, a user, a
 * path or a host.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "connector/spec.h"
#include "control/control.h"
#include "control/metrics.h"
#include "control/policy.h"

#define METRICS_BUCKETS_MAX	MSG_METRICS_CALL_BUCKETS
#define METRICS_SNAPS		8	/* scrapes read at once */
#define METRICS_USER_LEN	72

enum metrics_family {
	MF_RECORDS,
	MF_REQUESTS,
	MF_DECISIONS,
	MF_APPROVALS,
	MF_APPROVAL_SECONDS,
	MF_TOKENS,
	MF_LLM,
	MF_CALL_SECONDS,
	MF_N
};

static const double	 approval_bounds[] = {
	0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600
};
static const uint32_t	 call_bounds_us[] = MSG_METRICS_CALL_BOUNDS_US;

_Static_assert(sizeof(call_bounds_us) / sizeof(call_bounds_us[0]) + 1 ==
    MSG_METRICS_CALL_BUCKETS, "a bucket per bound and +Inf");
_Static_assert(sizeof(approval_bounds) / sizeof(approval_bounds[0]) <
    METRICS_BUCKETS_MAX, "the approvals' buckets fit");

static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} families[MF_N] = {
	[MF_RECORDS] = { "aileron_audit_records_total", "counter",
	    "Audit records appended since control started, by event." },
	[MF_REQUESTS] = { "aileron_requests_total", "counter",
	    "Proxied requests' outcomes, by connector, action and status "
	    "class." },
	[MF_DECISIONS] = { "aileron_decisions_total", "counter",
	    "Policy decisions, by connector, action and decision." },
	[MF_APPROVALS] = { "aileron_approvals_total", "counter",
	    "Approvals decided or ended, by connector, action and outcome." },
	[MF_APPROVAL_SECONDS] = { "aileron_approval_latency_seconds",
	    "histogram", "Time from an approval's request to its outcome." },
	[MF_TOKENS] = { "aileron_tokens_total", "counter",
	    "LLM tokens the upstreams reported, by model, team and kind." },
	[MF_LLM] = { "aileron_llm_responses_total", "counter",
	    "LLM responses, by model and team; usage unknown when the "
	    "counts could not be read." },
	[MF_CALL_SECONDS] = { "aileron_channel_call_seconds", "histogram",
	    "Time a worker's call to control or vaultd took." },
};

/* One series: a family and its rendered labels, k="v",k="v". */
struct mseries {
	int		 fam;
	char		 labels[256];
	uint64_t	 value;		/* counters; histograms: the count */
	uint64_t	 bucket[METRICS_BUCKETS_MAX];	/* not cumulative */
	double		 sum;
};

/* A scrape's text, read page by page by one worker. */
struct msnap {
	uint32_t	 worker;
	char		*text;
	size_t		 len;
	uint64_t	 tick;
};

static struct {
	const struct control_policy *policy;
	struct mseries	**series;	/* sorted by family, labels */
	size_t		 nseries;
	char		 models[METRICS_MODELS_MAX][METRICS_LABEL_MAX + 1];
	size_t		 nmodels;
	char		 teams[METRICS_TEAMS_MAX][METRICS_LABEL_MAX + 1];
	size_t		 nteams;
	struct msnap	 snaps[METRICS_SNAPS];
	uint64_t	 tick;
	time_t		 started;
} mt;

/* A growing text; on failure it stays failed and says so at the end. */
struct mbuf {
	char		*s;
	size_t		 len;
	size_t		 size;
	int		 failed;
};

static void	 mbuf_printf(struct mbuf *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	 metrics_cmp(int, const char *, const struct mseries *);
static struct mseries *metrics_series(int, const char *const *, size_t);
static int	 metrics_value_ok(const char *);
static const char *metrics_known(const char *, const char *const *);
static const char *metrics_bounded(const char *,
		    char (*)[METRICS_LABEL_MAX + 1], size_t *, size_t);
static void	 metrics_where(json_t *, const char **, const char **);
static void	 metrics_add(uint64_t *, json_int_t);
static void	 metrics_observe(struct mseries *, const double *, size_t,
		    double);
static void	 metrics_render_series(struct mbuf *, const struct mseries *);
static void	 metrics_reply(struct proc_peer *, uint32_t, int32_t,
		    uint32_t, uint32_t, const char *, size_t);

static const char *const events[] = {
	"request", "decision", "approval", "session-start", "session-end",
	"session-expire", "shell", "tunnel", "plain-http", "tls",
	"websocket", "refused", "proxy-auth", "connect", NULL
};
static const char *const verdicts[] = {
	"allow", "deny", "approve", NULL
};
static const char *const outcomes[] = {
	"pending", "granted", "denied", "expired", "withdrawn",
	"too-many-pending", "unavailable", NULL
};
static const char *const kinds[] = {
	"input", "output", "cache_write", "cache_read", "reasoning", NULL
};

void
control_metrics_init(const struct control_policy *policy)
{
	mt.policy = policy;
	mt.started = time(NULL);
}

static void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 want;
	char	*s;
	int	 n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL,
		    b->s != NULL ? b->size - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if (b->s != NULL && (size_t)n < b->size - b->len) {
			b->len += n;
			return;
		}
		want = b->size == 0 ? 16384 : b->size * 2;
		if (want < b->len + n + 1)
			want = b->len + n + 1;
		if (want > MSG_METRICS_TEXT_MAX ||
		    (s = realloc(b->s, want)) == NULL) {
			b->failed = 1;
			return;
		}
		b->s = s;
		b->size = want;
	}
}

static int
metrics_cmp(int fam, const char *labels, const struct mseries *s)
{
	if (fam != s->fam)
		return fam < s->fam ? -1 : 1;
	return strcmp(labels, s->labels);
}

/*
 * The series of family fam with these labels (names and values, in
 * pairs), made when new.  Past METRICS_SERIES_MAX, a new one folds into
 * the family's series whose every value is "other".
 */
static struct mseries *
metrics_series(int fam, const char *const *kv, size_t nkv)
{
	struct mseries	 *s, **v;
	char		  labels[sizeof(s->labels)];
	size_t		  i, lo, hi, mid;
	int		  c, other = 0, n;

 again:
	labels[0] = '\0';
	for (i = 0, n = 0; i + 1 < nkv * 2; i += 2)
		n += snprintf(labels + n, sizeof(labels) - n, "%s%s=\"%s\"",
		    i > 0 ? "," : "", kv[i], other ? "other" : kv[i + 1]);
	lo = 0;
	hi = mt.nseries;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = metrics_cmp(fam, labels, mt.series[mid])) == 0)
			return mt.series[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (mt.nseries >= METRICS_SERIES_MAX && !other && nkv > 0) {
		other = 1;
		goto again;
	}
	if ((v = reallocarray(mt.series, mt.nseries + 1, sizeof(*v))) ==
	    NULL || (s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	mt.series = v;
	s->fam = fam;
	strlcpy(s->labels, labels, sizeof(s->labels));
	memmove(&v[lo + 1], &v[lo], (mt.nseries - lo) * sizeof(*v));
	v[lo] = s;
	mt.nseries++;
	return s;
}

/*
 * A value that needs no escaping and says nothing it should not: short,
 * and letters, digits and a few marks only (model names have dots,
 * colons, slashes and at-signs).
 */
static int
metrics_value_ok(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= METRICS_LABEL_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:/@+-") == n;
}

/* s if it is in list, else "other". */
static const char *
metrics_known(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return *list;
	return "other";
}

/* s if it is among the first max values seen (set grows), else "other". */
static const char *
metrics_bounded(const char *s, char (*set)[METRICS_LABEL_MAX + 1],
    size_t *n, size_t max)
{
	size_t	 i;

	if (s == NULL || !metrics_value_ok(s))
		return "other";
	for (i = 0; i < *n; i++)
		if (strcmp(set[i], s) == 0)
			return set[i];
	if (*n >= max)
		return "other";
	strlcpy(set[*n], s, sizeof(set[*n]));
	return set[(*n)++];
}

/*
 * The connector and action of a record, if they are a spec's: a worker
 * could name anything.  "none" when the record names none.
 */
static void
metrics_where(json_t *rec, const char **conn, const char **act)
{
	const struct spec	*sp = NULL;
	const char		*c, *a;

	c = json_string_value(json_object_get(rec, "connector"));
	a = json_string_value(json_object_get(rec, "action"));
	*conn = c == NULL ? "none" : "other";
	*act = a == NULL ? "none" : "other";
	if (c == NULL || mt.policy == NULL || (sp = control_policy_spec(
	    mt.policy->specs, mt.policy->nspecs, c)) == NULL)
		return;
	*conn = sp->connector;
	if (a != NULL && metrics_value_ok(a) && spec_action_find(sp, a) !=
	    NULL)
		*act = a;
}

/* Counters saturate rather than wrap; a worker's count is not negative. */
static void
metrics_add(uint64_t *v, json_int_t n)
{
	if (n <= 0)
		return;
	*v = (uint64_t)n > UINT64_MAX - *v ? UINT64_MAX : *v + n;
}

static void
metrics_observe(struct mseries *s, const double *bounds, size_t nb,
    double v)
{
	size_t	 i;

	for (i = 0; i < nb && v > bounds[i]; i++)
		;
	s->bucket[i]++;
	s->value++;
	s->sum += v;
}

/*
 * One record, appended to the audit log: count it.  The record is
 * control's (checked, stamped, about to be sealed); only read here.
 */
void
control_metrics_record(json_t *rec)
{
	const char	*ev, *conn, *act, *team, *model, *v;
	const char	*kv[6];
	json_t		*tok, *n;
	char		 status[8];
	json_int_t	 code;
	size_t		 i;

	ev = json_string_value(json_object_get(rec, "event"));
	kv[0] = "event";
	kv[1] = metrics_known(ev, events);
	metrics_series(MF_RECORDS, kv, 1)->value++;
	if (ev == NULL)
		return;
	metrics_where(rec, &conn, &act);
	kv[0] = "connector";
	kv[1] = conn;
	kv[2] = "action";
	kv[3] = act;
	if (strcmp(ev, "request") == 0) {
		code = json_integer_value(json_object_get(rec, "status"));
		if (code >= 100 && code <= 599)
			snprintf(status, sizeof(status), "%dxx",
			    (int)(code / 100));
		else
			strlcpy(status, "none", sizeof(status));
		kv[4] = "status";
		kv[5] = status;
		metrics_series(MF_REQUESTS, kv, 3)->value++;
	} else if (strcmp(ev, "decision") == 0) {
		kv[4] = "decision";
		kv[5] = metrics_known(json_string_value(json_object_get(rec,
		    "decision")), verdicts);
		metrics_series(MF_DECISIONS, kv, 3)->value++;
		return;
	} else if (strcmp(ev, "approval") == 0) {
		kv[4] = "outcome";
		kv[5] = metrics_known(json_string_value(json_object_get(rec,
		    "decision")), outcomes);
		metrics_series(MF_APPROVALS, kv, 3)->value++;
		if ((n = json_object_get(rec, "latency_ms")) != NULL &&
		    json_is_integer(n) && json_integer_value(n) >= 0)
			metrics_observe(metrics_series(MF_APPROVAL_SECONDS,
			    kv + 4, 1), approval_bounds,
			    sizeof(approval_bounds) /
			    sizeof(approval_bounds[0]),
			    json_integer_value(n) / 1000.0);
		return;
	} else
		return;

	/* An LLM's response: its counts, or that they were unknown. */
	if ((tok = json_object_get(rec, "tokens")) == NULL)
		return;
	v = json_string_value(json_object_get(rec, "team"));
	team = v == NULL ? "none" : metrics_bounded(v, mt.teams, &mt.nteams,
	    METRICS_TEAMS_MAX);
	if (json_is_object(tok)) {
		v = json_string_value(json_object_get(tok, "model"));
		model = v == NULL ? "unknown" : metrics_bounded(v, mt.models,
		    &mt.nmodels, METRICS_MODELS_MAX);
	} else
		model = "unknown";
	kv[0] = "model";
	kv[1] = model;
	kv[2] = "team";
	kv[3] = team;
	kv[4] = "usage";
	kv[5] = json_is_object(tok) ? "known" : "unknown";
	metrics_series(MF_LLM, kv, 3)->value++;
	if (!json_is_object(tok))
		return;
	kv[4] = "kind";
	for (i = 0; kinds[i] != NULL; i++) {
		if ((n = json_object_get(tok, kinds[i])) == NULL ||
		    !json_is_integer(n))
			continue;
		kv[5] = kinds[i];
		metrics_add(&metrics_series(MF_TOKENS, kv, 3)->value,
		    json_integer_value(n));
	}
}

/*
 * A worker's call latencies since its last report.  Untrusted: every
 * count is bounded by what a worker can do in its life, and the sums by
 * the calls' deadline; a report out of bounds costs the worker.
 */
void
control_metrics_calls(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct msg_control_calls	 m;
	static const char *const	 peer[] = { "peer", "control" };
	static const char *const	 peer2[] = { "peer", "vaultd" };
	struct mseries			*s;
	const uint32_t			*b;
	uint64_t			 n, us;
	size_t				 i, k;

	memcpy(&m, msg->data, sizeof(m));	/* the type's size: checked */
	for (k = 0; k < 2; k++) {
		b = k == 0 ? m.control : m.vaultd;
		us = k == 0 ? m.control_us : m.vaultd_us;
		for (i = 0, n = 0; i < MSG_METRICS_CALL_BUCKETS; i++)
			n += b[i];
		if (n > 1000000 || us > n * 60 * 1000000ULL) {
			log_warnx("%s: call latencies out of bounds",
			    p->chan.name);
			proc_bad_frame(ps, p);
			return;
		}
	}
	for (k = 0; k < 2; k++) {
		b = k == 0 ? m.control : m.vaultd;
		for (i = 0, n = 0; i < MSG_METRICS_CALL_BUCKETS; i++)
			n += b[i];
		if (n == 0)
			continue;
		s = metrics_series(MF_CALL_SECONDS, k == 0 ? peer : peer2, 1);
		for (i = 0; i < MSG_METRICS_CALL_BUCKETS; i++)
			s->bucket[i] += b[i];
		s->value += n;
		s->sum += (k == 0 ? m.control_us : m.vaultd_us) / 1e6;
	}
}

static void
metrics_render_series(struct mbuf *b, const struct mseries *s)
{
	const char	*name = families[s->fam].name, *comma;
	uint64_t	 cum = 0;
	size_t		 i, nb;
	double		 bound;

	comma = s->labels[0] != '\0' ? "," : "";
	if (strcmp(families[s->fam].type, "counter") == 0) {
		mbuf_printf(b, "%s%s%s%s %llu\n", name,
		    s->labels[0] != '\0' ? "{" : "", s->labels,
		    s->labels[0] != '\0' ? "}" : "",
		    (unsigned long long)s->value);
		return;
	}
	nb = s->fam == MF_APPROVAL_SECONDS ? sizeof(approval_bounds) /
	    sizeof(approval_bounds[0]) : MSG_METRICS_CALL_BUCKETS - 1;
	for (i = 0; i <= nb; i++) {
		cum += s->bucket[i];
		if (i == nb) {
			mbuf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n",
			    name, s->labels, comma, (unsigned long long)cum);
			break;
		}
		bound = s->fam == MF_APPROVAL_SECONDS ? approval_bounds[i] :
		    call_bounds_us[i] / 1e6;
		mbuf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
		    s->labels, comma, bound, (unsigned long long)cum);
	}
	mbuf_printf(b, "%s_sum%s%s%s %.6f\n", name,
	    s->labels[0] != '\0' ? "{" : "", s->labels,
	    s->labels[0] != '\0' ? "}" : "", s->sum);
	mbuf_printf(b, "%s_count%s%s%s %llu\n", name,
	    s->labels[0] != '\0' ? "{" : "", s->labels,
	    s->labels[0] != '\0' ? "}" : "", (unsigned long long)s->value);
}

/*
 * The whole exposition text, every family with its help and type even
 * when it has no series yet; NULL when it would not fit.
 */
char *
control_metrics_text(size_t *len)
{
	struct mbuf	 b;
	size_t		 i, f;

	memset(&b, 0, sizeof(b));
	mbuf_printf(&b, "# HELP aileron_start_time_seconds When control "
	    "started: every counter here counts from then.\n"
	    "# TYPE aileron_start_time_seconds gauge\n"
	    "aileron_start_time_seconds %lld\n", (long long)mt.started);
	for (f = 0, i = 0; f < MF_N; f++) {
		mbuf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n",
		    families[f].name, families[f].help, families[f].name,
		    families[f].type);
		for (; i < mt.nseries && mt.series[i]->fam == (int)f; i++)
			metrics_render_series(&b, mt.series[i]);
	}
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

static void
metrics_reply(struct proc_peer *p, uint32_t reqid, int32_t error,
    uint32_t total, uint32_t offset, const char *page, size_t len)
{
	struct msg_control_metrics_reply	 r;
	struct iovec				 iov[2];

	memset(&r, 0, sizeof(r));
	r.error = error;
	r.total = total;
	r.offset = offset;
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)page;
	iov[1].iov_len = len;
	if (chan_replyv(&p->chan, reqid, MSG_CONTROL_METRICS_REPLY, iov,
	    len > 0 ? 2 : 1) == -1)
		log_warnx("%s: cannot answer its metrics query",
		    p->chan.name);
}

/*
 * A page of the text for the worker serving /metrics.  Who may read:
 * on api.sock, any uid that is an aileron user (the figures are counts
 * per connector, action, team and model: no user, session or argument);
 * on the metrics listener, whoever its worker let in with the token or
 * an allowed address.  The text is a snapshot taken at offset 0, so a
 * scrape read in pages is one moment's.  Which of the two it is, control
 * decided (listener), not the worker.
 */
void
control_metrics_query(struct control *ctl, struct proc_peer *p,
    struct msg *msg, int listener)
{
	struct msg_control_metrics	 m;
	struct msnap			*sn = NULL;
	char				 user[METRICS_USER_LEN];
	size_t				 i, n;
	int				 admin;

	memcpy(&m, msg->data, sizeof(m));	/* the type's size: checked */
	m.listener = listener;
	if (!m.listener && control_identity_user(ctl, m.uid, user,
	    sizeof(user), &admin) == -1) {
		metrics_reply(p, msg->hdr.reqid, 403, 0, 0, NULL, 0);
		return;
	}
	for (i = 0; i < METRICS_SNAPS; i++)
		if (mt.snaps[i].text != NULL && mt.snaps[i].worker == p->id) {
			sn = &mt.snaps[i];
			break;
		}
	if (m.offset == 0) {
		/* A new scrape: this worker's, else a free or the oldest. */
		if (sn == NULL) {
			sn = &mt.snaps[0];
			for (i = 0; i < METRICS_SNAPS; i++) {
				if (mt.snaps[i].text == NULL) {
					sn = &mt.snaps[i];
					break;
				}
				if (mt.snaps[i].tick < sn->tick)
					sn = &mt.snaps[i];
			}
		}
		free(sn->text);
		memset(sn, 0, sizeof(*sn));
		if ((sn->text = control_metrics_text(&sn->len)) == NULL) {
			log_warnx("metrics: the text is over %d bytes",
			    MSG_METRICS_TEXT_MAX);
			metrics_reply(p, msg->hdr.reqid, 500, 0, 0, NULL, 0);
			return;
		}
		sn->worker = p->id;
		sn->tick = ++mt.tick;
	} else if (sn == NULL || m.offset > sn->len) {
		metrics_reply(p, msg->hdr.reqid, 409, 0, 0, NULL, 0);
		return;
	}
	n = sn->len - m.offset;
	if (n > MSG_METRICS_PAGE)
		n = MSG_METRICS_PAGE;
	metrics_reply(p, msg->hdr.reqid, 0, sn->len, m.offset,
	    sn->text + m.offset, n);
	if (m.offset + n == sn->len) {
		free(sn->text);
		memset(sn, 0, sizeof(*sn));
	}
}
