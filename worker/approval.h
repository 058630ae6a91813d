/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* approval.h: a proxy worker waiting for a human's decision. */

#ifndef AILERON_WORKER_APPROVAL_H
#define AILERON_WORKER_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "msgtypes.h"

struct pconn;
struct spec;
struct spec_action;

/* How the wait ended, for the refusal and the audit record. */
struct approval_outcome {
	int		 state;		/* enum msg_approval_state */
	char		 id[MSG_APPROVAL_ID_LEN + 1];
	char		 approver[72];
	char		 reason[MSG_APPROVAL_REASON_MAX];
	uint32_t	 latency_ms;	/* asking to decision */
	int		 agent_gone;	/* withdrawn: the agent closed */
};

/* The exact request a grant binds to. */
struct approval_request {
	const char	*method;
	const char	*target;	/* origin-form, as the agent sent it */
	const char	*body;
	size_t		 bodylen;
};

int	approval_summary(const struct spec *, const struct spec_action *,
	    json_t *, int, int, char *, size_t);
void	approval_digest(const char *, uint16_t,
	    const struct approval_request *, uint8_t [32]);
void	approval_wait(struct pconn *, const struct spec_action *,
	    const char *, const struct approval_request *,
	    struct approval_outcome *);
void	approval_ask_wait(struct pconn *,
	    const struct msg_control_approval_ask *, const char *,
	    struct approval_outcome *);

#endif
