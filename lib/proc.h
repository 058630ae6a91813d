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
#include <sys/queue.h>

#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "msg.h"
#include "msgtypes.h"

/* A child started by proc_exec() finds its parent channel here. */
#define PROC_PARENT_FD	3

struct proc_child {
	enum proc_id	 id;
	pid_t		 pid;
	int		 fd;		/* our end of the channel */
};

struct proc;
struct proc_peer;
struct msg_conf_proc;

/*
 * A row of a process's peer table: who may be at the far end of a channel,
 * whether a bad frame from it stops this process (trusted: master,
 * control, vaultd) or only costs that peer (a worker, the CLI), and the
 * handler its frames go to.  lost, when set, runs when the channel ends
 * for any reason; the default ends the process for a trusted peer.
 */
struct proc_peer_type {
	enum proc_id	 id;
	int		 trusted;
	void		(*dispatch)(struct proc *, struct proc_peer *,
			    struct msg *);
	void		(*lost)(struct proc *, struct proc_peer *);
};

/* One channel, to a peer of one of the table's types. */
struct proc_peer {
	TAILQ_ENTRY(proc_peer)	 entry;
	const struct proc_peer_type *type;
	uint32_t		 id;		/* a worker's pid, a CLI seq */
	uint32_t		 uid;		/* a CLI peer's uid */
	struct chan		 chan;
	void			*state;		/* the owner's */
	struct timespec		 idle;		/* when set: close at this time */
	int			 bad;		/* closed for a bad frame */
	int			 hello;		/* vault.sock: 1 said HELLO */
	int			 refused;	/* vaultd: its refusals logged */
	int			 dead;		/* closed; freed by the loop */
};
TAILQ_HEAD(proc_peers, proc_peer);

struct proc_timer {
	TAILQ_ENTRY(proc_timer)	 entry;
	struct timespec		 at;
	void			(*cb)(struct proc *, void *);
	void			*arg;
	int			 armed;
};

#define PROC_MAX_FDS	4	/* listeners and signal pipes */
#define PROC_PEER_OUTMAX (256 * 1024)	/* answers an untrusted peer left unread */

struct proc {
	enum proc_id		 self;
	const struct proc_peer_type *types;
	size_t			 ntypes;
	const struct msg_accept	*accept;	/* what this process takes */
	size_t			 naccept;
	struct proc_peers	 peers;
	struct proc_peer	*parent;	/* control, vaultd: the master */
	struct {
		int		 fd;
		void		(*cb)(struct proc *, int, void *);
		void		*arg;
	}			 fds[PROC_MAX_FDS];
	size_t			 nfds;
	TAILQ_HEAD(, proc_timer) timers;
	void			(*fail)(struct proc *, const char *);
	/* Once a turn, after its handlers and before its frames are sent. */
	void			(*turn)(struct proc *);
	/* Once a turn, after its frames are sent: what may wait. */
	void			(*after)(struct proc *);
	void			*arg;		/* the process's own state */
	struct pollfd		*pfd;
	struct proc_peer	**pp;
	size_t			 npfd;
};

void		 proc_init(struct proc *, enum proc_id,
		    const struct proc_peer_type *, size_t,
		    const struct msg_accept *, size_t, void *);
struct proc_peer *proc_peer_add(struct proc *, enum proc_id, int, uint32_t,
		    const char *);
struct proc_peer *proc_peer_find(struct proc *, enum proc_id, uint32_t);
void		 proc_peer_close(struct proc *, struct proc_peer *);
void		 proc_peer_drain(struct proc *, struct proc_peer *);
void		 proc_bad_frame(struct proc *, struct proc_peer *);
void		 proc_add_fd(struct proc *, int,
		    void (*)(struct proc *, int, void *), void *);
void		 proc_timer_set(struct proc *, struct proc_timer *, int,
		    void (*)(struct proc *, void *), void *);
void		 proc_timer_del(struct proc *, struct proc_timer *);
void		 proc_fail(struct proc *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3), __noreturn__));
void		 proc_loop(struct proc *) __attribute__((__noreturn__));

int		 proc_self_path(char *, size_t);
void		 proc_child_configure(struct proc *, struct proc_peer **,
		    struct msg_conf_proc *, int *,
		    void (*)(struct msg *, void *), void *);
void		 proc_child_sandbox(enum proc_id, const struct msg_conf_proc *,
		    const char *, int *, size_t);
void		 proc_child_check_parent(void);
int		 proc_child_dispatch(struct proc *, struct proc_peer *,
		    struct msg *);
int		 proc_exec(const char *self, enum proc_id, int foreground,
		    int verbose, struct proc_child *);
const char	*proc_status_str(int status, char *buf, size_t len);
int		 proc_sigkill_wait(pid_t, int timeout_ms);

#endif
