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
 * msgtypes.h: the one message enum of every channel, grouped by direction
 * and only ever appended to, with the payloads of the fixed-size messages.
 */

#ifndef AILERON_MSGTYPES_H
#define AILERON_MSGTYPES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

enum msg_type {
	MSG_NONE = 0,

	/* master -> control, vaultd: the start handshake and its life */
	MSG_CONF_PROC,		/* struct msg_conf_proc, vaultd: + vault.sock */
	MSG_CONF_CONNECTOR,	/* struct msg_conf_connector + hosts */
	MSG_CONF_DONE,		/* empty */
	MSG_CONF_VERBOSE,	/* int */
	MSG_PING,		/* uint32_t cookie */
	MSG_WORKER_NEW,		/* fd: the worker's end; peerid: its pid */
	MSG_WORKER_GONE,	/* peerid: its pid */
	MSG_SHUTDOWN,		/* empty */

	/* control, vaultd -> master */
	MSG_CONF_ACK,		/* empty */
	MSG_PONG,		/* uint32_t cookie */

	/* worker -> master */
	MSG_WORKER_BUSY,	/* empty: accepted a connection */

	/* tests only: any size up to the maximum */
	MSG_TEST_ECHO,

	/* master -> control, vaultd: the channel between those two */
	MSG_CONF_PEER,		/* fd; peerid: the enum proc_id at the far end */
	/* master -> vaultd: a new connector map, CONNECTORs in between */
	MSG_CONF_CONNECTORS_BEGIN,	/* empty */
	MSG_CONF_CONNECTORS_END,	/* empty: the new map is in force */

	MSG_TYPE_MAX
};

/* Processes as they name themselves in logs and in sandbox_enter(). */
enum proc_id {
	PROC_MASTER,
	PROC_CONTROL,
	PROC_VAULTD,
	PROC_WORKER
};

struct msg_conf_proc {
	int32_t		verbose;
	int32_t		foreground;
	uint32_t	owner_uid;	/* who started the service */
	char		user[64];	/* drop to this user */
	char		dir[PATH_MAX];	/* chroot here; the DB environment */
};

/* What vaultd needs of a spec: where, and how, it may inject. */
struct msg_conf_connector {
	char		name[64];
	int32_t		inject;		/* enum spec_inject */
	char		inject_name[64];	/* header or query name */
	uint32_t	nhosts;		/* followed by nhosts NUL-ended names */
};

const char	*msgtype_name(unsigned int);
int		 msgtype_check(unsigned int type, size_t len);
const char	*proc_name(enum proc_id);

#endif
