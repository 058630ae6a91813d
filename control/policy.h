/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* policy.h: control's decision on one action of one session. */

#ifndef AILERON_CONTROL_POLICY_H
#define AILERON_CONTROL_POLICY_H

#include <stddef.h>

#include "msgtypes.h"
#include "control/rules.h"

#define POLICY_REASON_DENIED	"aileron:denied"
#define POLICY_REASON_APPROVAL	"aileron:approval-required"

struct aileron_conf;
struct spec;

/* What control decides with: aileron.conf and the specs it names. */
struct control_policy {
	struct aileron_conf	*conf;
	struct spec		**specs;
	size_t			 nspecs;
};

int	control_policy_load(struct control_policy *, const char *, int,
	    const char *);
void	control_policy_free(struct control_policy *);
const struct spec *control_policy_spec(struct spec **, size_t, const char *);
int	control_policy_explain(const struct rules *, struct spec **, size_t,
	    const char *, const char *, const char *, struct rule_decision *,
	    const struct spec **);
void	control_policy_decide(const struct control_policy *,
	    const struct msg_control_policy *, const char *, const char *,
	    struct msg_control_decision *, const struct rule **);

#endif
