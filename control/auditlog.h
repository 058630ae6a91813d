/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* auditlog.h: the audit log, kept in control's store. */

#ifndef AILERON_CONTROL_AUDITLOG_H
#define AILERON_CONTROL_AUDITLOG_H

#include <stdint.h>

#include <db.h>
#include <jansson.h>

#define AUDIT_DB_NAME	"audit.db"

struct control;
struct msg;
struct msg_conf_audit;
struct msg_control_decision;
struct proc;
struct proc_peer;

/*
 * Who answers an action's ALLOW once its record is on disk: worker,
 * reqid, the decision, the action's connector and host.
 */
typedef void	 control_audit_allow_cb(struct proc *, uint32_t, uint32_t,
		    const struct msg_control_decision *, const char *,
		    const char *);

int	 control_auditlog_open(struct proc *, int,
	    const struct msg_conf_audit *, control_audit_allow_cb *);
uint64_t control_audit_append(struct control *, json_t *);
void	 control_audit_decided(uint32_t, uint32_t,
	    const struct msg_control_decision *, const char *, const char *);
void	 control_audit_commit(struct proc *);
DB_TXN	*control_audit_txn(void);	/* budgets (issue 14) */
void	 control_audit_query_msg(struct proc *, struct proc_peer *,
	    struct msg *, uint32_t);

#endif
