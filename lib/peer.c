/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* peer.c: the table of worker and CLI channels of control and vaultd. */

#include <sys/queue.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "peer.h"

struct peer *
peer_add(struct peers *ps, enum peer_kind kind, int fd, uint32_t id)
{
	struct peer	*p;
	char		 name[48];

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return NULL;
	}
	p->kind = kind;
	p->id = id;
	if (kind == PEER_WORKER)
		snprintf(name, sizeof(name), "worker %u", id);
	else
		snprintf(name, sizeof(name), "cli %u", id);
	/* Peers never pass us descriptors. */
	chan_init(&p->chan, fd, 0, name);
	TAILQ_INSERT_TAIL(ps, p, entry);
	return p;
}

struct peer *
peer_find(struct peers *ps, enum peer_kind kind, uint32_t id)
{
	struct peer	*p;

	TAILQ_FOREACH(p, ps, entry)
		if (p->kind == kind && p->id == id)
			return p;
	return NULL;
}

void
peer_del(struct peers *ps, struct peer *p)
{
	TAILQ_REMOVE(ps, p, entry);
	chan_clear(&p->chan);
	free(p);
}

/* Is p still in the table?  Compares pointers only: p may be freed. */
int
peer_has(struct peers *ps, const struct peer *p)
{
	struct peer	*q;

	TAILQ_FOREACH(q, ps, entry)
		if (q == p)
			return 1;
	return 0;
}

size_t
peer_count(struct peers *ps)
{
	struct peer	*p;
	size_t		 n = 0;

	TAILQ_FOREACH(p, ps, entry)
		n++;
	return n;
}

/* Fill pfd/pp with every peer; returns how many were written. */
size_t
peer_pollfds(struct peers *ps, struct pollfd *pfd, struct peer **pp,
    size_t max)
{
	struct peer	*p;
	size_t		 n = 0;

	TAILQ_FOREACH(p, ps, entry) {
		if (n == max)
			break;
		pfd[n].fd = p->chan.fd;
		pfd[n].events = POLLIN |
		    (chan_pending(&p->chan) ? POLLOUT : 0);
		pfd[n].revents = 0;
		pp[n] = p;
		n++;
	}
	return n;
}
