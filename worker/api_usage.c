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
 * api_usage.c: the usage rollups' part of the management API:
 *
 *	GET /v1/usage?by=&since=&until=&bucket=
 *		-> 200 {"by":..., "since":..., "until":..., "prices_taken":...,
 *			"rows":[...], "series":[...]}
 *
 * Control sums its hourly rows and decides what the caller (the uid from
 * SO_PEERCRED) may see; this worker parses the query, gathers control's
 * answer (in parts, when it is larger than one message) and sends it.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <http_parser.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "control/audit.h"
#include "worker/api.h"
#include "worker/api_audit.h"
#include "worker/api_usage.h"
#include "worker/worker.h"

static int	api_usage_params(char *, struct msg_control_usage_query *,
		    const char **);

/*
 * The query string into q: each parameter at most once, none unknown.
 * Times are RFC 3339, an age (30s, 15m, 1h, 7d: that long ago) or the
 * same with a leading '-' (-7d), as the web page writes them.
 */
static int
api_usage_params(char *qs, struct msg_control_usage_query *q,
    const char **why)
{
	static const char	*bys[] = { "user", "team", "agent", "project",
				    "model", "connector" };
	static const char *const names[] = { "by", "since", "until", "bucket",
				    NULL };
	struct timespec		 now;
	char			*v;
	int64_t			 nowms, ms;
	unsigned int		 seen = 0, bit, i;
	int			 k;

	clock_gettime(CLOCK_REALTIME, &now);
	nowms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	while ((k = api_query_next(&qs, names, &seen, &v, "unknown query "
	    "parameter; use by, since, until and bucket", why)) != -1) {
		if (k == -2)
			return -1;
		bit = 1U << k;
		switch (bit) {
		case 1:
			for (i = 0; i < sizeof(bys) / sizeof(bys[0]); i++)
				if (strcmp(v, bys[i]) == 0)
					break;
			if (i == sizeof(bys) / sizeof(bys[0])) {
				*why = "by is user, team, agent, project, "
				    "model or connector";
				return -1;
			}
			q->by = i;
			break;
		case 2:
		case 4:
			if (*v == '-' && v[1] >= '0' && v[1] <= '9')
				v++;
			if (control_audit_parse_time(v, nowms, &ms) == -1 ||
			    ms <= 0) {
				*why = "since and until are RFC 3339 times or "
				    "ages (30s, 15m, 1h, 7d, or -7d)";
				return -1;
			}
			if (bit == 2)
				q->since_ms = ms;
			else
				q->until_ms = ms;
			break;
		case 8:
			if (strcmp(v, "hour") == 0)
				q->bucket = MSG_USAGE_BUCKET_HOUR;
			else if (strcmp(v, "day") == 0)
				q->bucket = MSG_USAGE_BUCKET_DAY;
			else {
				*why = "bucket is hour or day";
				return -1;
			}
			break;
		}
	}
	if (q->since_ms != 0 && q->until_ms != 0 &&
	    q->until_ms <= q->since_ms) {
		*why = "until must be after since";
		return -1;
	}
	return 0;
}

/* GET /v1/usage; url has the query. */
/*
 * Control's answer to q, whole: the JSON text (the caller frees it), or
 * NULL with *status and *why (a problem's HTTP status and detail).
 */
char *
api_usage_text(struct worker_ctx *ctx, struct msg_control_usage_query *q,
    int *status, const char **why)
{
	static uint8_t			 buf[MSG_MAXPAYLOAD];
	static uint32_t			 reqid;
	static char			 reason[sizeof(((struct
					    msg_control_usage_reply *)0)->reason)];
	struct msg_control_usage_reply	 r;
	struct chan			 c;
	char				*text = NULL;
	size_t				 got, len = 0, n;

	*status = 200;
	*why = NULL;
	api_chan_open(ctx, &c);
	for (;;) {
		q->offset = len;
		if (api_call(&c, ++reqid, MSG_CONTROL_USAGE_QUERY, q,
		    sizeof(*q), MSG_CONTROL_USAGE_REPLY, sizeof(r), buf,
		    sizeof(buf), &got) == -1) {
			*status = 503;
			*why = "control did not answer; see the service log";
			break;
		}
		memcpy(&r, buf, sizeof(r));
		r.reason[sizeof(r.reason) - 1] = '\0';
		if (r.error != 0) {
			*status = r.error == 400 || r.error == 403 ||
			    r.error == 413 ? r.error : 503;
			strlcpy(reason, r.reason[0] != '\0' ? r.reason :
			    "control refused", sizeof(reason));
			*why = reason;
			break;
		}
		n = got - sizeof(r);
		/* Control's text must add up to the total it announced. */
		if (r.total > MSG_USAGE_TEXT_MAX || len + n > r.total ||
		    (n == 0 && len < r.total)) {
			log_warnx("api: usage: control's answer does not add "
			    "up");
			*status = 503;
			*why = "control's answer was malformed";
			break;
		}
		if (text == NULL && (text = malloc(r.total + 1)) == NULL)
			fatal("%s", __func__);
		memcpy(text + len, buf + sizeof(r), n);
		len += n;
		if (len == r.total)
			break;
	}
	api_chan_close(&c);
	if (*status != 200) {
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

int
api_usage(struct worker_ctx *ctx, int fd, uid_t uid, int method, char *url)
{
	struct msg_control_usage_query	 q;
	const char			*why = NULL;
	char				*qs, *text;
	int				 status;

	memset(&q, 0, sizeof(q));
	q.uid = uid;
	q.by = MSG_USAGE_BY_USER;
	if ((qs = strchr(url, '?')) != NULL)
		*qs++ = '\0';
	if (strcmp(url, "/v1/usage") != 0) {
		api_problem(fd, 404, "aileron:not-found", "no such resource; "
		    "see aileron-api(7)");
		return 404;
	}
	if (method != HTTP_GET) {
		api_send(fd, 405, "application/problem+json", "Allow: GET\r\n",
		    "{\"type\":\"aileron:bad-request\",\"title\":\"use GET\","
		    "\"status\":405}");
		return 405;
	}
	if (qs != NULL && api_usage_params(qs, &q, &why) == -1) {
		api_problem(fd, 400, "aileron:bad-request", why);
		return 400;
	}
	if ((text = api_usage_text(ctx, &q, &status, &why)) == NULL) {
		api_problem(fd, status, status == 403 ? "aileron:denied" :
		    status == 503 ? "aileron:unavailable" :
		    "aileron:bad-request", why);
		return status;
	}
	api_send(fd, 200, "application/json", NULL, text);
	free(text);
	return 200;
}
