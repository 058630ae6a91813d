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
 * policy.c: control's decision on an action, from what control read
 * itself before its sandbox: aileron.conf's policy lines and the specs
 * it names (the administrator's files, trusted).  A worker names only
 * the connector and the action; whether the action needs an approval
 * is the spec's, as control read it, never what the worker says, and
 * who asks is the session the worker authenticated.  An action control
 * does not know is denied.  "aileron policy check" explains a decision
 * with control_policy_explain, the same code.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msgtypes.h"
#include "connector/spec.h"
#include "control/policy.h"
#include "control/rules.h"
#include "master/connectors.h"
#include "master/parse.h"

/*
 * Read path (statedir's defaults; a missing file is all defaults unless
 * must_exist) and the specs it names.  -1 when either is bad; the
 * master checked both before it started control, so that is rare.
 */
int
control_policy_load(struct control_policy *cp, const char *path,
    int must_exist, const char *statedir)
{
	memset(cp, 0, sizeof(*cp));
	if ((cp->conf = conf_parse(path, statedir, must_exist)) == NULL)
		return -1;
	if (connectors_load(cp->conf, &cp->specs, &cp->nspecs, NULL) == -1) {
		conf_free(cp->conf);
		cp->conf = NULL;
		return -1;
	}
	return 0;
}

void
control_policy_free(struct control_policy *cp)
{
	connectors_free(cp->specs, cp->nspecs, NULL);
	conf_free(cp->conf);
	memset(cp, 0, sizeof(*cp));
}

const struct spec *
control_policy_spec(struct spec **specs, size_t n, const char *connector)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(specs[i]->connector, connector) == 0)
			return specs[i];
	return NULL;
}

/*
 * The decision on action ("connector.action") for user and team, and
 * the spec whose default applies when no rule does.  -1 when no spec
 * has that action.
 */
int
control_policy_explain(const struct rules *rules, struct spec **specs,
    size_t n, const char *action, const char *user, const char *team,
    struct rule_decision *d, const struct spec **specp)
{
	const struct spec		*s;
	const struct spec_action	*a;
	char				 connector[128];
	const char			*dot;

	if ((dot = strchr(action, '.')) == NULL ||
	    (size_t)(dot - action) >= sizeof(connector))
		return -1;
	memcpy(connector, action, dot - action);
	connector[dot - action] = '\0';
	if ((s = control_policy_spec(specs, n, connector)) == NULL ||
	    (a = spec_action_find(s, dot + 1)) == NULL)
		return -1;
	rules_decide(rules, action, user, team, a->approval != APPROVAL_NEVER,
	    d);
	if (specp != NULL)
		*specp = s;
	return 0;
}

/*
 * A worker's POLICY for the session of user and team.  The worker's
 * approval flag is not read: the spec control loaded says.  *rulep is
 * the rule that decided, NULL for the spec's default or an unknown
 * action.
 */
void
control_policy_decide(const struct control_policy *cp,
    const struct msg_control_policy *req, const char *user,
    const char *team, struct msg_control_decision *dec,
    const struct rule **rulep)
{
	struct rule_decision	 d;
	char			 action[sizeof(req->connector) +
				    sizeof(req->action) + 1];
	int			 n;

	memset(dec, 0, sizeof(*dec));
	*rulep = NULL;
	n = snprintf(action, sizeof(action), "%s.%s", req->connector,
	    req->action);
	if (n < 0 || (size_t)n >= sizeof(action) ||
	    strchr(req->connector, '.') != NULL ||
	    control_policy_explain(&cp->conf->rules, cp->specs, cp->nspecs,
	    action, user, team, &d, NULL) == -1) {
		dec->verdict = MSG_CONTROL_DENY;
		strlcpy(dec->reason, POLICY_REASON_DENIED, sizeof(dec->reason));
		return;
	}
	*rulep = d.rule;
	switch (d.verdict) {
	case RULE_ALLOW:
		dec->verdict = MSG_CONTROL_ALLOW;
		break;
	case RULE_APPROVE:
		dec->verdict = MSG_CONTROL_APPROVE;
		strlcpy(dec->reason, POLICY_REASON_APPROVAL,
		    sizeof(dec->reason));
		break;
	case RULE_DENY:
		dec->verdict = MSG_CONTROL_DENY;
		strlcpy(dec->reason, POLICY_REASON_DENIED, sizeof(dec->reason));
		break;
	}
}
