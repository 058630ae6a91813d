/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* policy.h: control's decision on an action a worker matched. */

#ifndef AILERON_CONTROL_POLICY_H
#define AILERON_CONTROL_POLICY_H

#include "msgtypes.h"

#define POLICY_REASON_NO_APPROVAL	"aileron:approval-unavailable"

void	control_policy_decide(const struct msg_control_policy *,
	    struct msg_control_decision *);

#endif
