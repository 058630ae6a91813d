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
 * api_budget.c: GET /v1/budgets (aileron-api(7)): each budget the caller
 * may see, with what its current period has spent and reserved.  Control
 * decides who sees what, by the caller's uid; the worker relays.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include <http_parser.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/api.h"
#include "worker/api_budget.h"
#include "worker/worker.h"

#define API_BUDGETS	"/v1/budgets"

int
api_budget_match(const char *url)
{
	return strcmp(url, API_BUDGETS) == 0;
}

int
api_budget(struct worker_ctx *ctx, int fd, uid_t uid, int method)
{
	static uint8_t			 buf[sizeof(int32_t) +
					    MSG_BUDGET_JSON_MAX + 1];
	struct msg_control_budget	 m;
	struct chan			 c;
	int32_t				 status;
	size_t				 got;
	int				 rv;

	if (method != HTTP_GET) {
		api_send(fd, 405, "application/problem+json", "Allow: GET\r\n",
		    "{\"type\":\"aileron:bad-request\",\"title\":\"use GET\","
		    "\"status\":405}");
		return 405;
	}
	memset(&m, 0, sizeof(m));
	m.op = MSG_BUDGET_LIST;
	m.uid = uid;
	api_chan_open(ctx, &c);
	rv = api_call(&c, 1, MSG_CONTROL_BUDGET, &m, sizeof(m),
	    MSG_CONTROL_BUDGET_REPLY, sizeof(status), buf, sizeof(buf) - 1,
	    &got);
	api_chan_close(&c);
	if (rv == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	memcpy(&status, buf, sizeof(status));
	buf[got] = '\0';
	if (status == 0) {
		api_send(fd, 200, "application/json", NULL,
		    (const char *)buf + sizeof(status));
		return 200;
	}
	/* Control's problems: 403 (nobody here), 503 (the ledger). */
	status = status == 403 ? 403 : 503;
	api_problem(fd, status, status == 403 ? "aileron:denied" :
	    "aileron:unavailable", status == 403 ? "your uid is no aileron "
	    "user" : "the budgets cannot be read; see the service log");
	return status;
}
