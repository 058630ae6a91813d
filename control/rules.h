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
 * rules.h: aileron.conf(5)'s policy lines and the decision they give, the
 * one engine control decides with and "aileron policy check" explains.
 */

#ifndef AILERON_CONTROL_RULES_H
#define AILERON_CONTROL_RULES_H

#include <limits.h>
#include <stddef.h>

/* Ordered by strictness: a tie goes to the larger. */
enum rule_verdict {
	RULE_ALLOW,
	RULE_APPROVE,
	RULE_DENY
};

/* Ordered by precedence: a user's rule beats a team's beats everyone's. */
enum rule_scope {
	RULE_SCOPE_ALL,
	RULE_SCOPE_TEAM,
	RULE_SCOPE_USER
};

#define RULE_PATTERN_MAX	192	/* connector.action, '*' any run */
#define RULE_NAME_MAX		72	/* a user or team name */
#define RULES_MAX		4096

struct rule {
	char			 pattern[RULE_PATTERN_MAX];
	enum rule_verdict	 verdict;
	enum rule_scope		 scope;
	char			 who[RULE_NAME_MAX];	/* user or team */
	char			 where[PATH_MAX + 16];	/* "file:line" */
};

struct rules {
	struct rule		*v;
	size_t			 n;
};

/* What decided, and why: rule is NULL when the spec's default did. */
struct rule_decision {
	enum rule_verdict	 verdict;
	const struct rule	*rule;
};

int		 rules_add(struct rules *, const char *, enum rule_verdict,
		    enum rule_scope, const char *, const char *, char *,
		    size_t);
void		 rules_free(struct rules *);
int		 rules_match(const char *, const char *);
void		 rules_decide(const struct rules *, const char *,
		    const char *, const char *, int, struct rule_decision *);
const char	*rules_verdict_name(enum rule_verdict);
int		 rules_verdict_parse(const char *, enum rule_verdict *);

#endif
