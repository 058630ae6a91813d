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
 * policy.c: the interim policy, until approvals exist: an action whose
 * spec never requires an approval is allowed, every other one is denied
 * with aileron:approval-unavailable, so nothing that needs a human is
 * forwarded without one.
 */

#include <string.h>

#include "msgtypes.h"
#include "control/policy.h"

void
control_policy_decide(const struct msg_control_policy *req,
    struct msg_control_decision *dec)
{
	memset(dec, 0, sizeof(*dec));
	if (req->approval == 0) {
		dec->verdict = MSG_CONTROL_ALLOW;
		return;
	}
	dec->verdict = MSG_CONTROL_APPROVE;
	strlcpy(dec->reason, "aileron:approval-required",
	    sizeof(dec->reason));
}
