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
 * rules.c: unit tests of the policy engine (control/rules.c): patterns,
 * each step of the precedence, the spec's default, the rule's file:line,
 * and the lines the engine refuses.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "control/rules.h"
#include "tap.h"

static struct rules	 rs;
static int		 line;

static void
add(const char *pattern, enum rule_verdict v, enum rule_scope scope,
    const char *who)
{
	char	 where[32], err[128];

	snprintf(where, sizeof(where), "test.conf:%d", ++line);
	if (rules_add(&rs, pattern, v, scope, who, where, err,
	    sizeof(err)) == -1)
		diag("rules_add %s: %s", pattern, err);
}

static void
reset(void)
{
	rules_free(&rs);
	line = 0;
}

/* The verdict's name and the rule's place, "default" for none. */
static const char *
decide(const char *action, const char *user, const char *team, int approval)
{
	static char		 buf[PATH_MAX + 64];
	struct rule_decision	 d;

	rules_decide(&rs, action, user, team, approval, &d);
	snprintf(buf, sizeof(buf), "%s %s", rules_verdict_name(d.verdict),
	    d.rule != NULL ? d.rule->where : "default");
	return buf;
}

static void
test_match(void)
{
	ok(rules_match("stripe.*", "stripe.create_charge"), "stripe.* matches "
	    "a stripe action");
	ok(!rules_match("stripe.*", "github.delete_repo"), "stripe.* does not "
	    "match a github action");
	ok(!rules_match("stripe.*", "stripe"), "stripe.* needs the dot");
	ok(rules_match("linear.list_*", "linear.list_issues"),
	    "linear.list_* matches linear.list_issues");
	ok(!rules_match("linear.list_*", "linear.create_issue"),
	    "linear.list_* does not match linear.create_issue");
	ok(rules_match("*", "a.b"), "* matches everything");
	ok(rules_match("*.delete_*", "github.delete_repo"), "two stars");
	ok(rules_match("a*b*c", "aXbYbZc"), "a star backtracks");
	ok(!rules_match("a*b*c", "aXbYbZ"), "and still fails at the end");
	ok(rules_match("github.delete_repo", "github.delete_repo"),
	    "an exact name matches itself");
	ok(!rules_match("github.delete_repo", "github.delete_repos"),
	    "and nothing longer");
	ok(!rules_match("github.delete_repo", "github.delete_rep"),
	    "nor shorter");
}

static void
test_default(void)
{
	reset();
	is_str(decide("stripe.create_charge", "alice", "support", 1),
	    "approve default", "no rule: a spec requiring approval gives "
	    "approve");
	is_str(decide("stripe.list_charges", "alice", "support", 0),
	    "allow default", "no rule: otherwise allow");
	add("github.*", RULE_DENY, RULE_SCOPE_ALL, NULL);
	is_str(decide("stripe.create_charge", "alice", "support", 1),
	    "approve default", "a rule for another connector leaves the "
	    "default");
}

static void
test_within_scope(void)
{
	reset();
	add("stripe.*", RULE_APPROVE, RULE_SCOPE_ALL, NULL);		/* 1 */
	add("stripe.list_*", RULE_ALLOW, RULE_SCOPE_ALL, NULL);	/* 2 */
	add("stripe.list_charges", RULE_DENY, RULE_SCOPE_ALL, NULL);	/* 3 */
	add("*", RULE_DENY, RULE_SCOPE_ALL, NULL);			/* 4 */
	is_str(decide("stripe.list_charges", NULL, NULL, 0),
	    "deny test.conf:3", "the exact name beats every pattern");
	is_str(decide("stripe.list_refunds", NULL, NULL, 0),
	    "allow test.conf:2", "the longest pattern beats a shorter one");
	is_str(decide("stripe.create_charge", NULL, NULL, 0),
	    "approve test.conf:1", "a pattern beats a shorter one, even when "
	    "laxer than it");
	is_str(decide("github.delete_repo", NULL, NULL, 0),
	    "deny test.conf:4", "* is the last resort");
	/* The exact rule wins even when it comes first in the file. */
	reset();
	add("linear.create_issue", RULE_ALLOW, RULE_SCOPE_ALL, NULL);
	add("linear.*", RULE_DENY, RULE_SCOPE_ALL, NULL);
	is_str(decide("linear.create_issue", NULL, NULL, 1),
	    "allow test.conf:1", "order in the file does not matter");
	is_str(decide("linear.create_issue", NULL, NULL, 1),
	    "allow test.conf:1", "an allow rule overrides the spec's "
	    "approval");
}

static void
test_ties(void)
{
	reset();
	add("stripe.refund", RULE_ALLOW, RULE_SCOPE_ALL, NULL);	/* 1 */
	add("stripe.refund", RULE_DENY, RULE_SCOPE_ALL, NULL);		/* 2 */
	add("stripe.refund", RULE_APPROVE, RULE_SCOPE_ALL, NULL);	/* 3 */
	is_str(decide("stripe.refund", NULL, NULL, 0), "deny test.conf:2",
	    "equal exact rules: deny is the strictest");
	reset();
	add("stripe.a*", RULE_ALLOW, RULE_SCOPE_ALL, NULL);		/* 1 */
	add("stripe.*b", RULE_APPROVE, RULE_SCOPE_ALL, NULL);		/* 2 */
	is_str(decide("stripe.ab", NULL, NULL, 0), "approve test.conf:2",
	    "patterns as long: approve beats allow");
	reset();
	add("stripe.*", RULE_APPROVE, RULE_SCOPE_TEAM, "ops");		/* 1 */
	add("stripe.*", RULE_APPROVE, RULE_SCOPE_TEAM, "ops");		/* 2 */
	is_str(decide("stripe.x", NULL, "ops", 0), "approve test.conf:1",
	    "identical rules: the first in the file is named");
}

static void
test_scopes(void)
{
	reset();
	add("github.delete_repo", RULE_DENY, RULE_SCOPE_ALL, NULL);	/* 1 */
	add("github.*", RULE_APPROVE, RULE_SCOPE_TEAM, "support");	/* 2 */
	add("github.*", RULE_ALLOW, RULE_SCOPE_USER, "alice");		/* 3 */
	add("echo.danger", RULE_DENY, RULE_SCOPE_TEAM, "support");	/* 4 */
	add("echo.*", RULE_ALLOW, RULE_SCOPE_USER, "alice");		/* 5 */
	is_str(decide("github.delete_repo", "bob", "infra", 0),
	    "deny test.conf:1", "everyone's rule for an outsider");
	is_str(decide("github.delete_repo", "bob", "support", 0),
	    "approve test.conf:2", "a team's pattern beats everyone's exact "
	    "rule");
	is_str(decide("github.delete_repo", "alice", "support", 0),
	    "allow test.conf:3", "a user's pattern beats the team's and "
	    "everyone's");
	is_str(decide("echo.danger", "alice", "support", 1),
	    "allow test.conf:5", "a user's allow beats the team's exact deny");
	is_str(decide("echo.danger", "bob", "support", 1),
	    "deny test.conf:4", "the team's deny for another member");
	is_str(decide("echo.danger", "carol", "infra", 1),
	    "approve default", "no rule for another team: the spec's "
	    "default");
	is_str(decide("echo.danger", "alice", NULL, 1),
	    "allow test.conf:5", "a user's rule holds without a team");
	is_str(decide("echo.danger", NULL, "alice", 1),
	    "approve default", "a team named like a user is not the user");
	is_str(decide("echo.danger", "support", NULL, 1),
	    "approve default", "a user named like a team is not the team");
}

static void
test_refused(void)
{
	char	 err[128];

	reset();
	is(rules_add(&rs, "stripe", RULE_DENY, RULE_SCOPE_ALL, NULL, "f:1",
	    err, sizeof(err)), -1, "a connector without .* is refused");
	ok(strstr(err, "connector.*") != NULL, "and the error says how: %s",
	    err);
	is(rules_add(&rs, "", RULE_DENY, RULE_SCOPE_ALL, NULL, "f:1", err,
	    sizeof(err)), -1, "an empty pattern is refused");
	is(rules_add(&rs, "a.b c", RULE_DENY, RULE_SCOPE_ALL, NULL, "f:1",
	    err, sizeof(err)), -1, "a space is refused");
	is(rules_add(&rs, "a.?", RULE_DENY, RULE_SCOPE_ALL, NULL, "f:1",
	    err, sizeof(err)), -1, "a ? is refused");
	is(rules_add(&rs, "a.b", RULE_DENY, RULE_SCOPE_USER, "", "f:1", err,
	    sizeof(err)), -1, "an empty user is refused");
	is(rules_add(&rs, "*", RULE_DENY, RULE_SCOPE_ALL, NULL, "f:1", err,
	    sizeof(err)), 0, "* alone is taken");
	is((long long)rs.n, 1, "only the good rule was added");
}

static void
test_verdict_names(void)
{
	enum rule_verdict	 v;

	is(rules_verdict_parse("approve", &v), 0, "approve parses");
	is(v, RULE_APPROVE, "as RULE_APPROVE");
	is(rules_verdict_parse("Allow", &v), -1, "names are lower case");
	is_str(rules_verdict_name(RULE_DENY), "deny", "deny's name");
	ok(RULE_DENY > RULE_APPROVE && RULE_APPROVE > RULE_ALLOW,
	    "strictness order deny > approve > allow");
}

int
main(void)
{
	test_match();
	test_default();
	test_within_scope();
	test_ties();
	test_scopes();
	test_refused();
	test_verdict_names();
	reset();
	return done_testing();
}
