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
 * policy.c: "aileron policy check ACTION [--user U] [--team T]": the
 * decision control would take and the policy line (file:line) that
 * makes it, or the spec whose default does.  It reads aileron.conf and
 * the specs as "aileron actions list" does, and decides with control's
 * own code (control/policy.c, control/rules.c), so it needs no running
 * service and cannot disagree with one started from the same files.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "state.h"
#include "connector/spec.h"
#include "control/policy.h"
#include "control/rules.h"
#include "cli/cli.h"
#include "master/connectors.h"
#include "master/parse.h"

static int	policy_check(int, char *[]);
static void	policy_known(const char *, struct spec **, size_t);

int
cmd_policy(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("policy", NULL, "name a subcommand");
	if (strcmp(argv[1], "check") == 0)
		return policy_check(argc - 1, argv + 1);
	return cli_usage_error("policy", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

/* An unknown action: say which connectors there are. */
static void
policy_known(const char *action, struct spec **specs, size_t n)
{
	size_t	 i;

	fprintf(stderr, "aileron policy check: no action \"%s\"; ", action);
	if (n == 0) {
		fprintf(stderr, "no connectors are configured\n");
		return;
	}
	fprintf(stderr, "actions are connector.action, of the connectors");
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i > 0 ? "," : "", specs[i]->connector);
	fprintf(stderr, " (see \"aileron actions list --connector "
	    "NAME\")\n");
}

static int
policy_check(int argc, char *argv[])
{
	struct aileron_conf	*conf;
	struct spec		**specs = NULL;
	const struct spec	*spec = NULL;
	struct rule_decision	 d;
	const struct rule	*r;
	const char		*sopt = NULL, *fopt = NULL, *action = NULL;
	const char		*user = NULL, *team = NULL, *scope;
	char			 statedir[PATH_MAX], path[PATH_MAX];
	json_t			*j;
	size_t			 nspecs = 0;
	int			 i, json = 0, approval, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc)
			team = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			fopt = argv[++i];
		else if (action == NULL && argv[i][0] != '-')
			action = argv[i];
		else
			return cli_bad_arg("policy", "check", argv[i]);
	}
	if (action == NULL)
		return cli_usage_error("policy", "check", "name an action, "
		    "as connector.action");
	log_init_cli();
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron policy check: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	if ((conf = conf_parse_state(statedir, fopt, path)) == NULL)
		return 1;
	if (connectors_load(conf, &specs, &nspecs, NULL) == -1) {
		conf_free(conf);
		return 1;
	}
	if (control_policy_explain(&conf->rules, specs, nspecs, action, user,
	    team, &d, &spec) == -1) {
		policy_known(action, specs, nspecs);
		goto done;
	}
	r = d.rule;
	approval = spec_action_find(spec, strchr(action, '.') + 1)->approval !=
	    APPROVAL_NEVER;
	scope = r == NULL ? NULL : r->scope == RULE_SCOPE_USER ? "user" :
	    r->scope == RULE_SCOPE_TEAM ? "team" : "all";
	if (json) {
		j = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:b}",
		    "action", action, "user", user, "team", team,
		    "decision", rules_verdict_name(d.verdict),
		    "connector", spec->connector, "approval", approval);
		if (r != NULL)
			json_object_set_new(j, "rule", json_pack("{s:s, s:s, "
			    "s:s, s:s?}", "where", r->where, "pattern",
			    r->pattern, "scope", scope, "name",
			    r->scope != RULE_SCOPE_ALL ? r->who : NULL));
		else
			json_object_set_new(j, "rule", json_null());
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else if (r != NULL && r->scope != RULE_SCOPE_ALL)
		printf("%s: %s, by the rule at %s: policy \"%s\" %s for %s "
		    "\"%s\"\n", action, rules_verdict_name(d.verdict),
		    r->where, r->pattern, rules_verdict_name(r->verdict),
		    scope, r->who);
	else if (r != NULL)
		printf("%s: %s, by the rule at %s: policy \"%s\" %s\n",
		    action, rules_verdict_name(d.verdict), r->where,
		    r->pattern, rules_verdict_name(r->verdict));
	else
		printf("%s: %s, default from the spec %s (%s)\n", action,
		    rules_verdict_name(d.verdict), spec->connector, approval ?
		    "approval required" : "no approval");
	rv = 0;
 done:
	connectors_free(specs, nspecs, NULL);
	conf_free(conf);
	return rv;
}
