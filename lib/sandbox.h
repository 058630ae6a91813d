/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* sandbox.h: the one privilege drop every child process goes through. */

#ifndef AILERON_SANDBOX_H
#define AILERON_SANDBOX_H

#include <sys/types.h>

#include "msgtypes.h"

#define SANDBOX_EMPTY_DIR	"/var/empty"
#define SANDBOX_MAX_KEEP	80	/* descriptors a child may keep */

struct sock_fprog;

struct sandbox {
	enum proc_id	 proc;
	int		 drop;		/* change root and user (we are root) */
	const char	*root;		/* chroot here when drop is set */
	uid_t		 uid;
	gid_t		 gid;
	int		*keep;		/* fds to keep; moved to 3, 4, ... */
	size_t		 nkeep;
	int		 devnull;	/* stdio goes here */
	int		 keep_stderr;	/* the log, in the foreground */
	const char	*promises;	/* seccomp, pledge style (pledge.c) */
	const struct sock_fprog *filter; /* those promises, compiled before */
};

void	sandbox_enter(struct sandbox *);
void	sandbox_pledge(enum proc_id, const char *);
void	sandbox_signals_init(void);
void	sandbox_prepare_empty(const char *);
int	sandbox_lookup_user(const char *, uid_t *, gid_t *);

#endif
