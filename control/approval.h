/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* approval.h: control's pending approvals and the humans who decide. */

#ifndef AILERON_CONTROL_APPROVAL_H
#define AILERON_CONTROL_APPROVAL_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "msgtypes.h"
#include "proc.h"

#define APPROVAL_TIMEOUT	600	/* s: approval timeout */
#define APPROVAL_PENDING	4	/* per session: approval pending */
#define APPROVAL_PENDING_ALL	4096	/* waiting, over every session */
#define APPROVAL_KEEP		256	/* decided ones kept for the API */
#define APPROVAL_USERS_MAX	4096	/* passwd entries kept */

struct control_session;
struct control_sessions;
struct msg;
struct proc_peer;

struct approval {
	TAILQ_ENTRY(approval)	 entry;
	char		 id[MSG_APPROVAL_ID_LEN + 1];
	int		 state;		/* enum msg_approval_state */
	char		 connector[64];
	char		 action[128];
	char		 method[16];
	char		 host[256];
	char		 path[512];
	json_t		*summary;
	char		 session[40];
	char		 user[72];
	char		 agent[64];
	uint8_t		 digest[32];
	time_t		 created;	/* wall clock, for people */
	time_t		 deadline_wall;
	time_t		 decided;
	struct timespec	 asked;		/* monotonic */
	struct timespec	 deadline;	/* monotonic */
	uint32_t	 worker;	/* the waiting worker's pid */
	uint32_t	 reqid;		/* its ASK */
	uint32_t	 latency_ms;
	int		 recorded;	/* its request's record came */
	char		 approver[72];
	char		 reason[MSG_APPROVAL_REASON_MAX];
};
TAILQ_HEAD(approval_list, approval);

/*
 * What a worker may ask a human about: the action its last decision said
 * needs one, with the method and path it was decided for (control.c
 * keeps it per worker, and an ASK uses it up).  A shell command binds by
 * its digest too, since control saw the command.
 */
struct approval_askable {
	int		 armed;
	int		 digested;
	char		 connector[64];
	char		 action[128];
	char		 method[16];
	char		 host[256];
	char		 path[256];	/* as POLICY has it: maybe cut */
	uint8_t		 digest[32];
};

/* A uid and its passwd name, read before the sandbox. */
struct approval_user {
	uint32_t	 uid;
	char		 name[72];
};

struct control_approvals {
	struct approval_list	 list;
	size_t			 npending;
	size_t			 ndecided;
	uint32_t		 timeout;
	uint32_t		 pending;
	struct proc		*ps;
	struct proc_timer	 timer;
	struct approval_user	*users;
	size_t			 nusers;
	uint32_t		 owner_uid;
	/* control's audit log: one record, taken */
	void			(*audit)(void *, json_t *);
	void			*arg;
	/*
	 * who a uid is (control_identity_user), when control knows users;
	 * the last argument is set for an administrator
	 */
	int			(*identify)(void *, uint32_t, char *, size_t,
				    int *);
	char			 who[72];
	/*
	 * Sends a grant's DONE to worker (reqid: its ASK), once vaultd has
	 * released the approval's connector for its host to that worker;
	 * NULL: at once (the unit tests, which have no vaultd).
	 */
	void			(*granted)(void *, uint32_t, uint32_t,
				    const char *, const char *,
				    const struct msg_control_approval_state *);
};

void	control_approvals_init(struct control_approvals *, struct proc *,
	    void (*)(void *, json_t *), void *);
int	control_approval_conf(struct control_approvals *, struct msg *);
void	control_approval_users_load(struct control_approvals *, uint32_t);
const char *control_approval_who(struct control_approvals *,
	    struct control_sessions *, uint32_t, int *);
void	control_approval_ask(struct control_approvals *, struct proc_peer *,
	    struct msg *, const struct control_session *,
	    const struct approval_askable *);
void	control_approval_withdraw(struct control_approvals *,
	    struct proc_peer *, struct msg *);
void	control_approval_api(struct control_approvals *,
	    struct control_sessions *, struct proc_peer *, struct msg *,
	    const char *);
void	control_approval_worker_gone(struct control_approvals *, uint32_t);
void	control_approval_session_gone(struct control_approvals *,
	    const char *);
int	control_approval_decide(struct control_approvals *, struct approval *,
	    int, const char *, const char *);
struct approval *control_approval_find(struct control_approvals *,
	    const char *);
json_t	*control_approval_json(const struct approval *);
int	 control_approval_outcome(struct control_approvals *, json_t *,
	    uint32_t, const char *);

#endif
