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
 * proc.h: the shared privsep core: start a child process by fork and exec
 * of our own binary, with its channel to the parent on a fixed descriptor,
 * and describe how a child ended.
 */

#ifndef AILERON_PROC_H
#define AILERON_PROC_H

#include <sys/types.h>

#include "msgtypes.h"

/* A child started by proc_exec() finds its parent channel here. */
#define PROC_PARENT_FD	3

struct proc_child {
	enum proc_id	 id;
	pid_t		 pid;
	int		 fd;		/* our end of the channel */
};

/*
 * The undocumented test mode (aileron service -X), passed on to control
 * and vaultd and inherited by workers: the tests' harness only.
 */
extern int	 proc_testmode;

struct chan;
struct msg;
struct peers;
struct msg_conf_proc;

int		 proc_self_path(char *, size_t);
void		 proc_child_configure(struct chan *, struct msg_conf_proc *,
		    int *, void (*)(struct msg *, void *), void *);
void		 proc_child_sandbox(enum proc_id, const struct msg_conf_proc *,
		    const char *, int *, size_t);
void		 proc_child_check_parent(void);
int		 proc_child_dispatch(struct chan *, struct peers *,
		    struct msg *);
int		 proc_exec(const char *self, enum proc_id, int foreground,
		    int verbose, struct proc_child *);
const char	*proc_status_str(int status, char *buf, size_t len);
int		 proc_sigkill_wait(pid_t, int timeout_ms);

#endif
