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
 * sessinfo.c: when a session expires (idle longer than "session idle",
 * or older than "session max"), and what the API shows of sessions to
 * whom: a user sees the sessions their uid started, the administrator
 * (root or the service's owner) sees all.  Never the token, which
 * control does not have anyway.  Expiry runs on the monotonic clock, so
 * a wall clock set back or forth neither kills nor prolongs a session;
 * the wall clock only dates what the API shows.  Pure logic but for
 * reading the clocks: the unit test drives it with times of its own.
 */

#include <sys/types.h>

#include <string.h>
#include <time.h>

#include "msgtypes.h"
#include "control/session.h"

int64_t
control_session_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
control_session_touch(struct control_session *s, int64_t now_ms)
{
	s->used_ms = now_ms;
}

/* NULL while the session lives, else why it expired: "idle" or "max". */
const char *
control_session_expired(const struct control_session *s, int64_t now_ms,
    int idle, int max)
{
	if (now_ms - s->started_ms >= (int64_t)max * 1000)
		return "max";
	if (now_ms - s->used_ms >= (int64_t)idle * 1000)
		return "idle";
	return NULL;
}

int
control_session_visible(const struct control_session *s, uint32_t uid,
    uint32_t owner)
{
	return uid == 0 || uid == owner || uid == s->uid;
}

/* The API's view of s; now_ms is monotonic, the dates are the epoch's. */
void
control_session_info(const struct control_session *s, int64_t now_ms,
    int64_t now, int idle, int max, struct msg_control_session_info *in)
{
	int64_t	 used, end_idle, end_max;

	memset(in, 0, sizeof(*in));
	in->uid = s->uid;
	in->started = s->started;
	used = now - (now_ms - s->used_ms) / 1000;
	in->used = used < s->started ? s->started : used;
	end_idle = in->used + idle;
	end_max = s->started + max;
	in->expires = end_idle < end_max ? end_idle : end_max;
	strlcpy(in->session, s->id, sizeof(in->session));
	strlcpy(in->user, s->user, sizeof(in->user));
	strlcpy(in->agent, s->agent, sizeof(in->agent));
	strlcpy(in->team, s->team, sizeof(in->team));
	strlcpy(in->project, s->project, sizeof(in->project));
}

/*
 * One page for uid: the session id (or "" for all it may see, from the
 * offset-th on), at most max infos into in.  Returns how many.
 */
size_t
control_sessions_page(struct control_sessions *ss, uint32_t uid,
    uint32_t owner, const char *id, uint32_t offset, int idle, int max,
    struct msg_control_session_page *pg, struct msg_control_session_info *in,
    size_t nmax)
{
	struct control_session	*s;
	int64_t			 now_ms = control_session_now_ms();
	int64_t			 now = time(NULL);
	size_t			 n = 0;
	uint32_t		 seen = 0;

	memset(pg, 0, sizeof(*pg));
	if (*id != '\0') {
		if (!control_session_valid_id(id) ||
		    (s = control_session_find(ss, id)) == NULL)
			pg->error = CSESSION_ERR_NOTFOUND;
		else if (!control_session_visible(s, uid, owner))
			pg->error = CSESSION_ERR_FORBIDDEN;
		else if (nmax > 0) {
			control_session_info(s, now_ms, now, idle, max, in);
			pg->total = pg->n = n = 1;
		}
		return n;
	}
	TAILQ_FOREACH(s, &ss->list, entry) {
		if (!control_session_visible(s, uid, owner))
			continue;
		if (seen++ >= offset && n < nmax)
			control_session_info(s, now_ms, now, idle, max,
			    &in[n++]);
	}
	pg->total = seen;
	pg->n = n;
	return n;
}
