/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* shell.h: control's decision on a sandbox's shell commands. */

#ifndef AILERON_CONTROL_SHELL_H
#define AILERON_CONTROL_SHELL_H

struct aileron_conf;
struct msg_control_decision;

void	control_shell_decide(const struct aileron_conf *, const char *,
	    struct msg_control_decision *, const char **);

#endif
