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
 * rules.c: the policy lines of aileron.conf(5) and the decision they give
 * for one action, user and team.  Pure logic, no I/O: master/parse.c
 * fills the rules, control decides with them, "aileron policy check"
 * explains a decision with the same code, and the unit test drives it.
 *
 * Precedence: the most specific scope that has a matching rule decides
 * (a user's rules beat a team's, which beat everyone's); within it an
 * exact action name beats a pattern, and a longer pattern a shorter one;
 * rules as specific as each other go to the strictest.  Nothing matches:
 * the spec's default (an approval when the spec requires one).
 */

#include <stdlib.h>
#include <string.h>

#include "control/rules.h"

static int	rule_specificity(const struct rule *);
static int	rule_beats(const struct rule *, const struct rule *);

const char *
rules_verdict_name(enum rule_verdict v)
{
	switch (v) {
	case RULE_ALLOW:
		return "allow";
	case RULE_APPROVE:
		return "approve";
	case RULE_DENY:
		return "deny";
	}
	return "deny";
}

int
rules_verdict_parse(const char *s, enum rule_verdict *v)
{
	if (strcmp(s, "allow") == 0)
		*v = RULE_ALLOW;
	else if (strcmp(s, "approve") == 0)
		*v = RULE_APPROVE;
	else if (strcmp(s, "deny") == 0)
		*v = RULE_DENY;
	else
		return -1;
	return 0;
}

/*
 * A rule; where is "file:line".  -1 with a sentence in err when the
 * pattern cannot name an action: actions are "connector.action" of
 * letters, digits, '_' and '-', and '*' stands for any run of them.
 */
int
rules_add(struct rules *rs, const char *pattern, enum rule_verdict verdict,
    enum rule_scope scope, const char *who, const char *where, char *err,
    size_t errlen)
{
	struct rule	*r, *v;
	const char	*p;

	if (*pattern == '\0' || strlen(pattern) >= RULE_PATTERN_MAX) {
		strlcpy(err, "a policy names an action or a pattern of at "
		    "most 191 characters", errlen);
		return -1;
	}
	for (p = pattern; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.' || *p == '*')) {
			strlcpy(err, "a policy's action has only letters, "
			    "digits, '_', '-', '.' and '*'", errlen);
			return -1;
		}
	/* Every action has a dot: "stripe" alone would match nothing. */
	if (strchr(pattern, '.') == NULL && strcmp(pattern, "*") != 0) {
		strlcpy(err, "a policy names connector.action; for a whole "
		    "connector use \"connector.*\"", errlen);
		return -1;
	}
	if (scope != RULE_SCOPE_ALL && (who == NULL || *who == '\0' ||
	    strlen(who) >= RULE_NAME_MAX)) {
		strlcpy(err, "a user or team name of 1 to 71 characters",
		    errlen);
		return -1;
	}
	if (rs->n >= RULES_MAX) {
		strlcpy(err, "too many policy lines", errlen);
		return -1;
	}
	if ((v = reallocarray(rs->v, rs->n + 1, sizeof(*v))) == NULL) {
		strlcpy(err, "out of memory", errlen);
		return -1;
	}
	rs->v = v;
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	strlcpy(r->pattern, pattern, sizeof(r->pattern));
	r->verdict = verdict;
	r->scope = scope;
	if (scope != RULE_SCOPE_ALL)
		strlcpy(r->who, who, sizeof(r->who));
	strlcpy(r->where, where != NULL ? where : "", sizeof(r->where));
	return 0;
}

void
rules_free(struct rules *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

/* 1 when name matches pattern, where '*' matches any run, even empty. */
int
rules_match(const char *pattern, const char *name)
{
	const char	*star = NULL, *resume = NULL;

	while (*name != '\0') {
		if (*pattern == '*') {
			star = pattern++;
			resume = name;
		} else if (*pattern == *name) {
			pattern++;
			name++;
		} else if (star != NULL) {
			/* Let the last star take one more character. */
			pattern = star + 1;
			name = ++resume;
		} else
			return 0;
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* Within a scope: an exact name beats every pattern, longer beats shorter. */
static int
rule_specificity(const struct rule *r)
{
	if (strchr(r->pattern, '*') == NULL)
		return RULE_PATTERN_MAX;
	return (int)strlen(r->pattern);
}

/* 1 when a decides instead of b (b may be NULL). */
static int
rule_beats(const struct rule *a, const struct rule *b)
{
	if (b == NULL)
		return 1;
	if (a->scope != b->scope)
		return a->scope > b->scope;
	if (rule_specificity(a) != rule_specificity(b))
		return rule_specificity(a) > rule_specificity(b);
	return a->verdict > b->verdict;
}

/*
 * The decision for action ("connector.action") asked for by user of
 * team (either may be NULL or ""); approval is the spec's: 1 when it
 * requires one.  On a tie between rules the first in the file is named.
 */
void
rules_decide(const struct rules *rs, const char *action, const char *user,
    const char *team, int approval, struct rule_decision *d)
{
	const struct rule	*r, *best = NULL;
	size_t			 i;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (r->scope == RULE_SCOPE_USER && (user == NULL ||
		    strcmp(r->who, user) != 0))
			continue;
		if (r->scope == RULE_SCOPE_TEAM && (team == NULL ||
		    strcmp(r->who, team) != 0))
			continue;
		if (!rules_match(r->pattern, action))
			continue;
		if (rule_beats(r, best))
			best = r;
	}
	d->rule = best;
	if (best != NULL)
		d->verdict = best->verdict;
	else
		d->verdict = approval ? RULE_APPROVE : RULE_ALLOW;
}
