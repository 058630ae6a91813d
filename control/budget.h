/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* budget.h: spend limits on LLM calls, and their ledger in control's store. */

#ifndef AILERON_CONTROL_BUDGET_H
#define AILERON_CONTROL_BUDGET_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include <db.h>
#include <jansson.h>

#define BUDGET_DB_NAME		"budget.db"
#define BUDGET_REASON		"aileron:budget"

struct aileron_conf;
struct control;
struct control_policy;
struct control_session;
struct control_users;
struct msg;
struct msg_control_decision;
struct msg_control_policy;
struct proc;
struct proc_peer;
struct budget_hold;

struct control_budgets {
	const struct aileron_conf	*conf;
	DB				*db;
	TAILQ_HEAD(, budget_hold)	 holds;	/* one per worker at most */
	time_t				 now;	/* test mode: a fixed clock */
};

void	 control_budgets_init(struct control_budgets *);
int	 control_budgets_open(struct control_budgets *,
	    const struct aileron_conf *);
json_t	*control_budget_decide(struct control_budgets *,
	    const struct control_policy *, uint32_t,
	    const struct control_session *, const struct msg_control_policy *,
	    json_t *, struct msg_control_decision *);
void	 control_budget_outcome(struct control_budgets *, uint32_t, json_t *);
void	 control_budget_worker_gone(struct control_budgets *, uint32_t);
int	 control_budget_op(const struct msg *);
uint64_t control_budget_add(uint64_t, uint64_t);
int	 control_budget_period(int, time_t, char *, size_t, time_t *,
	    time_t *);
void	 control_budget_msg(struct control_budgets *, struct control *,
	    struct control_users *, struct proc *, struct proc_peer *,
	    struct msg *);

#endif
