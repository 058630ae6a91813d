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
 * fuzz_metrics.c: libFuzzer target for /metrics.  The input is a request
 * head for the metrics listener (worker/metrics_req.c), fed whole and in
 * two pieces cut where the first byte says: both ways end the same, and
 * every field stays within its bounds and NUL-ended.  The same bytes,
 * when they are a JSON object, are an audit record for control's
 * counters (control/metrics.c): the text they render has only comment
 * lines and aileron_ series, with no byte a label could be broken out
 * with.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "proc.h"
#include "connector/spec.h"
#include "control/control.h"
#include "control/metrics.h"
#include "control/policy.h"
#include "worker/metrics_req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What metrics.c calls of control, not under test here. */
const struct spec *
control_policy_spec(struct spec **specs, size_t n, const char *connector)
{
	(void)specs;
	(void)n;
	return strcmp(connector, "echo") == 0 ? (const struct spec *)1 : NULL;
}

const struct spec_action *
spec_action_find(const struct spec *s, const char *name)
{
	(void)s;
	return strcmp(name, "echo_get") == 0 ?
	    (const struct spec_action *)1 : NULL;
}

int
control_identity_user(struct control *ctl, uid_t uid, char *user,
    size_t len, int *admin)
{
	(void)ctl;
	(void)uid;
	(void)user;
	(void)len;
	*admin = 0;
	return -1;
}

void
proc_bad_frame(struct proc *ps, struct proc_peer *p)
{
	(void)ps;
	(void)p;
}

static void
head(const uint8_t *d, size_t len, size_t cut, struct metrics_req *rq)
{
	int	 r;

	metrics_req_init(rq);
	r = metrics_req_feed(rq, (const char *)d, cut);
	if (r == 0 && len > cut)
		r = metrics_req_feed(rq, (const char *)d + cut, len - cut);
	rq->status = r;
	if (rq->urllen >= sizeof(rq->url) || rq->url[rq->urllen] != '\0' ||
	    rq->hostlen >= METRICS_HDR_MAX || rq->host[rq->hostlen] != '\0' ||
	    rq->authlen >= METRICS_HDR_MAX || rq->auth[rq->authlen] != '\0' ||
	    rq->fieldlen >= sizeof(rq->field))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t len)
{
	static struct metrics_req	 a, b;
	static const uint8_t		 hash[32];
	static int			 once;
	json_t				*j;
	char				*text, *p;
	size_t				 tlen, i;

	if (!once) {
		once = 1;
		log_init(1, 0, "fuzz");
		control_metrics_init(NULL);
	}
	if (len == 0)
		return 0;
	head(d + 1, len - 1, d[0] % len, &a);
	head(d + 1, len - 1, len - 1, &b);
	/* The cut may fall after a head ends; a whole one reads alike. */
	if (a.status == 1 && b.status == 1 && (strcmp(a.url, b.url) != 0 ||
	    strcmp(a.host, b.host) != 0 || strcmp(a.auth, b.auth) != 0 ||
	    a.nhost != b.nhost || a.nauth != b.nauth))
		abort();
	if (b.nauth > 0)
		(void)metrics_req_token_ok(b.auth, hash, 1);

	if ((j = json_loadb((const char *)d, len, 0, NULL)) == NULL)
		return 0;
	if (json_is_object(j))
		control_metrics_record(j);
	json_decref(j);
	if ((text = control_metrics_text(&tlen)) == NULL)
		abort();
	for (p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (*p != '#' && strncmp(p, "aileron_", 8) != 0)
			abort();
		if (strchr(p, '\n') == NULL)
			abort();
	}
	for (i = 0; i < tlen; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\n')
			abort();
	free(text);
	return 0;
}
