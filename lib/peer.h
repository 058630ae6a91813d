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
 * peer.h: the table of channels a process accepts messages on besides its
 * parent: the workers' socketpairs, local CLI connections.  Identity is
 * the channel: a peer is who the master said it is when it handed us the
 * descriptor, never what the peer claims in a message.
 */

#ifndef AILERON_PEER_H
#define AILERON_PEER_H

#include <sys/queue.h>

#include <poll.h>
#include <stdint.h>

#include "msg.h"

enum peer_kind {
	PEER_WORKER,
	PEER_CLI
};

struct peer {
	TAILQ_ENTRY(peer)	 entry;
	enum peer_kind		 kind;
	uint32_t		 id;		/* a worker's pid */
	uint32_t		 uid;		/* a CLI peer's uid */
	struct chan		 chan;
	void			*state;		/* the owner's, per peer */
};
TAILQ_HEAD(peers, peer);

struct peer	*peer_add(struct peers *, enum peer_kind, int, uint32_t);
struct peer	*peer_find(struct peers *, enum peer_kind, uint32_t);
void		 peer_del(struct peers *, struct peer *);
int		 peer_has(struct peers *, const struct peer *);
size_t		 peer_count(struct peers *);
size_t		 peer_pollfds(struct peers *, struct pollfd *, struct peer **,
		    size_t);

#endif
