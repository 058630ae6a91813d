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
 * proc.c: unit tests of the process plumbing (lib/proc.c): a worker's
 * last frames are heard even when the master's word that it exited is
 * read before them.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "tap.h"

static int	heard, lost;

static void
worker_dispatch(struct proc *ps, struct proc_peer *p, struct msg *m)
{
	(void)ps;
	(void)p;
	if (m->hdr.type == MSG_CONTROL_AUDIT && m->len == 2 &&
	    ((const char *)m->data)[0] == '0' + heard)
		heard++;
}

static void
worker_lost(struct proc *ps, struct proc_peer *p)
{
	(void)ps;
	(void)p;
	lost++;
}

static const struct proc_peer_type types[] = {
	{ PROC_WORKER, 0, worker_dispatch, worker_lost },
};

static const struct msg_accept accept_tab[] = {
	{ MSG_CONTROL_AUDIT, PROC_WORKER, 0 },
};

int
main(void)
{
	struct proc		 ps;
	struct proc_peer	*p;
	struct chan		 w;
	struct msg		 gone;
	int			 sp[2], i;
	char			 c[2];

	log_init(1, 0, "test");
	plan(3);
	proc_init(&ps, PROC_CONTROL, types, 1, accept_tab, 1, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
	p = proc_peer_add(&ps, PROC_WORKER, sp[0], 4242, "worker 4242");
	ok(p != NULL, "a worker's channel");

	/*
	 * The worker writes three frames and exits; the master's WORKER_GONE
	 * is handled before control has read any of them.
	 */
	chan_init(&w, sp[1], 0, "control");
	for (i = 0; i < 3; i++) {
		c[0] = '0' + i;
		c[1] = '\0';
		if (chan_compose(&w, MSG_CONTROL_AUDIT, 0, -1, c, 2) == -1)
			abort();
	}
	if (chan_flush_wait(&w, 1000) != 1)
		abort();
	close(sp[1]);
	memset(&gone, 0, sizeof(gone));
	gone.hdr.type = MSG_WORKER_GONE;
	gone.hdr.peerid = 4242;
	gone.fd = -1;
	ok(proc_child_dispatch(&ps, NULL, &gone) == 1, "WORKER_GONE handled");
	ok(heard == 3 && lost == 1,
	    "its last frames are heard, in order, before it is lost "
	    "(heard %d, lost %d)", heard, lost);
	/* What the loop's sweep does with a closed peer. */
	TAILQ_REMOVE(&ps.peers, p, entry);
	free(p);
	return done_testing();
}
