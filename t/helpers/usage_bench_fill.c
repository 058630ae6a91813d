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
 * usage_bench_fill.c: fill a state directory's control store with N
 * audit records of LLM requests, spread over the last 30 days, through
 * control's own code (its store, the records' seal and chain, the
 * rollups written in the records' transactions), for "make bench" to
 * time "aileron usage" against the service started on it (etc/
 * bench-usage.py).  Fifty users in ten teams, five agents, twenty
 * projects, six models; one request in fifty asked for an approval, one
 * in a hundred failed.
 *
 *	usage_bench_fill <state>/control N
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <db.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "log.h"
#include "control/audit.h"
#include "control/auditlog.h"
#include "control/store.h"
#include "control/usage.h"

#define FILL_BATCH	10000		/* records a transaction */
#define FILL_SPAN_MS	(30LL * 24 * 3600 * 1000)

static const char *models[] = {
	"claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o", "gpt-4o-mini",
	"o3", "gpt-5"
};

int
main(int argc, char *argv[])
{
	DB_ENV		*env;
	DB_TXN		*txn = NULL;
	DB		*db;
	DBT		 k, v;
	struct timespec	 now, ts;
	const char	*errstr;
	json_t		*rec;
	uint8_t		 prev[AUDIT_HASH_LEN], kb[8];
	char		 user[16], team[16], agent[16], project[16], *s;
	long long	 n, i, u, m;
	int64_t		 t0, t;
	int		 j;

	if (argc != 3)
		errx(2, "usage: usage_bench_fill <state>/control N");
	n = strtonum(argv[2], 1, 100000000, &errstr);
	if (errstr != NULL)
		errx(2, "N is %s", errstr);
	log_init(1, 0, "usage_bench_fill");
	if (control_store_open(argv[1]) == -1 ||
	    (db = control_store_db(AUDIT_DB_NAME)) == NULL ||
	    control_usage_open(NULL, db, 1, 0) == -1)
		errx(1, "cannot open the store in %s", argv[1]);
	env = control_store_env();
	clock_gettime(CLOCK_REALTIME, &now);
	t0 = (int64_t)now.tv_sec * 1000 - FILL_SPAN_MS;
	memset(prev, 0, sizeof(prev));
	for (i = 1; i <= n; i++) {
		if (txn == NULL && env->txn_begin(env, NULL, &txn, 0) != 0)
			errx(1, "cannot begin");
		u = (i * 7919) % 50;
		m = (u + (i & 1)) % 6;
		snprintf(user, sizeof(user), "user%02lld", u);
		snprintf(team, sizeof(team), "team%lld", u % 10);
		snprintf(agent, sizeof(agent), "agent%lld", u % 5);
		snprintf(project, sizeof(project), "project%02lld", u % 20);
		rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, "
		    "s:s, s:s, s:i, s:{s:i, s:i, s:i, s:s}}",
		    "event", "request", "host", m < 2 ? "api.anthropic.com" :
		    "api.openai.com", "method", "POST", "path", m < 2 ?
		    "/v1/messages" : "/v1/chat/completions", "connector",
		    m < 2 ? "anthropic" : "openai", "action", m < 2 ?
		    "create_message" : "create_chat_completion", "status",
		    i % 100 == 0 ? 500 : 200, "session", "0123456789abcdef"
		    "0123456789abcdef", "user", user, "team", team, "agent",
		    agent, "uid", (int)(1000 + u), "tokens", "input",
		    (int)(100 + i % 900), "output", (int)(10 + i % 300),
		    "cache_read", (int)(i % 64), "model", models[m]);
		if (rec == NULL)
			errx(1, "out of memory");
		json_object_set_new(rec, "project", json_string(project));
		if (i % 50 == 0) {
			json_object_set_new(rec, "approval",
			    json_string("0123456789abcdef0123456789abcdef"));
			json_object_set_new(rec, "decision", json_string(
			    i % 200 == 0 ? "denied" : "granted"));
			json_object_set_new(rec, "approval_ms",
			    json_integer(500 + (i * 37) % 60000));
		}
		t = t0 + FILL_SPAN_MS * (i - 1) / n;
		ts.tv_sec = t / 1000;
		ts.tv_nsec = (t % 1000) * 1000000;
		control_usage_add(rec, t);
		if ((s = control_audit_seal(rec, i, prev, &ts)) == NULL)
			errx(1, "cannot seal");
		for (j = 0; j < 8; j++)
			kb[j] = (uint64_t)i >> (56 - 8 * j);
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = kb;
		k.size = sizeof(kb);
		v.data = s;
		v.size = strlen(s);
		if (db->put(db, txn, &k, &v, DB_NOOVERWRITE) != 0)
			errx(1, "cannot add record %lld", i);
		SHA256((unsigned char *)s, v.size, prev);
		free(s);
		if (i % FILL_BATCH == 0 || i == n) {
			if (control_usage_flush(txn) == -1 ||
			    txn->commit(txn, DB_TXN_NOSYNC) != 0)
				errx(1, "cannot commit");
			txn = NULL;
		}
	}
	if (env->log_flush(env, NULL) != 0 || control_store_checkpoint() == -1)
		errx(1, "cannot flush");
	control_store_close();
	printf("%lld records\n", n);
	return 0;
}
