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
 * budget.c: what the agent is told when control refused its request over
 * a budget (control/budget.c decides): the budget, its limit, period,
 * what is spent and reserved, as members of the 429's problem.  The
 * decision itself is a fixed struct; the details are asked for only on
 * a refusal, so an allowed request pays nothing for them.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/worker.h"
#include "worker/proxy.h"

/*
 * The "budget" member of the problem, or NULL when control cannot say;
 * the sentence for its detail goes into why.
 */
json_t *
budget_why(struct pconn *pc, char *why, size_t len)
{
	struct msg_control_budget	 m;
	struct msg			 reply;
	int32_t				 status;
	json_t				*j, *b, *d, *ext = NULL;

	strlcpy(why, "over a budget", len);
	memset(&m, 0, sizeof(m));
	m.op = MSG_BUDGET_WHY;
	if (call(pc, &pc->control, MSG_CONTROL_BUDGET, &m, sizeof(m),
	    MSG_CONTROL_BUDGET_REPLY, &reply) == -1 ||
	    reply.len < sizeof(status))
		return NULL;
	memcpy(&status, reply.data, sizeof(status));
	if (status != 0 || (j = json_loadb((const char *)reply.data +
	    sizeof(status), reply.len - sizeof(status), 0, NULL)) == NULL)
		return NULL;
	if ((d = json_object_get(j, "detail")) != NULL && json_is_string(d))
		strlcpy(why, json_string_value(d), len);
	if ((b = json_object_get(j, "budget")) != NULL && json_is_object(b))
		ext = json_pack("{s:O}", "budget", b);
	json_decref(j);
	return ext;
}
