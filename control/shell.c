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
 * shell.c: control's decision on a command of a sandbox's shell (launch's
 * shell mediation), from the "shell deny" and "shell approve" lines: a
 * deny that matches wins, then the first approve that matches, else the
 * command runs.  This is policy for a cooperative agent, not a boundary:
 * the sandbox and the proxy are the boundary.
 */

#include <fnmatch.h>
#include <string.h>

#include "msgtypes.h"
#include "control/policy.h"
#include "control/shell.h"
#include "master/parse.h"

void
control_shell_decide(const struct aileron_conf *conf, const char *command,
    struct msg_control_decision *d, const char **where)
{
	const struct conf_shell	*r, *approve = NULL;
	size_t			 i;

	memset(d, 0, sizeof(*d));
	*where = NULL;
	for (i = 0; conf != NULL && i < conf->nshells; i++) {
		r = &conf->shells[i];
		if (fnmatch(r->pattern, command, 0) != 0)
			continue;
		if (!r->approve) {
			d->verdict = MSG_CONTROL_DENY;
			strlcpy(d->reason, POLICY_REASON_DENIED,
			    sizeof(d->reason));
			*where = r->where;
			return;
		}
		if (approve == NULL)
			approve = r;
	}
	if (approve != NULL) {
		d->verdict = MSG_CONTROL_APPROVE;
		strlcpy(d->reason, POLICY_REASON_APPROVAL, sizeof(d->reason));
		*where = approve->where;
	} else
		d->verdict = MSG_CONTROL_ALLOW;
}
