/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vaultd.h: the key custody process, and what its source files share. */

#ifndef AILERON_VAULTD_H
#define AILERON_VAULTD_H

#include <stdint.h>
#include <time.h>

#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "vaultd/connmap.h"
#include "vaultd/session.h"

#define VAULTD_LIMIT_USERS	64	/* users tracked for wrong keys */
#define VAULTD_LIMIT_FREE	3	/* wrong keys before a delay */
#define VAULTD_LIMIT_MAXDELAY	300	/* seconds */
#define VAULTD_LIMIT_FORGET	3600	/* a quiet record may be reused */
#define VAULTD_MAX_CLI		32	/* vault.sock connections at once */
#define VAULTD_MAX_CLI_UID	8	/* of them, from one uid */
#define VAULTD_CLI_HELLO_MS	(10 * 1000)	/* for the first frame */
#define VAULTD_CLI_IDLE_MS	(300 * 1000)	/* between frames: a prompt */

/* Wrong master keys in a row for one user, from vault.sock. */
struct vaultd_limit {
	char		 user[VAULT_USER_MAX + 1];
	unsigned int	 fails;
	time_t		 until;		/* refuse keys before this */
	time_t		 last;
};

struct vaultd {
	struct proc		 ps;
	struct proc_peer	*parent;
	struct proc_peer	*control;	/* trusted, like the master */
	struct connmap		 connectors;	/* in force */
	struct connmap		 next;		/* being received */
	int			 receiving;
	struct msg_conf_proc	 conf;
	int			 listen_fd;	/* vault.sock */
	uint32_t		 cli_seq;
	struct vault		*vault;
	struct sessions		 sessions;
	struct vaultd_limit	 limits[VAULTD_LIMIT_USERS];
	struct vaultd_limit	 limit_overflow;	/* the rest */
	/* Teams (issue 11): aileron.conf's connector-vault lines. */
	struct msg_conf_connector_vault	*connvaults;
	size_t			 nconnvaults;
	/* Who is who on vault.sock, from control (MSG_VAULT_USERS). */
	struct msg_vault_uid	*uids;
	size_t			 nuids;
};

void	vaultd(int foreground, int verbose) __attribute__((__noreturn__));

/* teams.c: the connector-vault lines. */
int	vaultd_teams_conf(struct vaultd *, struct msg *);
void	vaultd_teams_attach(struct vaultd *);
extern const char vaultd_promises[];

/* vaultd/vaultsock.c: who may use vault.sock, and as whom */
const char *vaultd_user_of(const struct vaultd *, uint32_t);
int	vaultd_admin(const struct vaultd *, uint32_t);

/* A worker's refusals are logged up to this many, then counted no more. */
#define VAULTD_REFUSALS_LOGGED	32

/* vaultd/reply.c: for every handler */
const char *vaultd_printable(const char *);
int	vaultd_reply(struct proc_peer *, uint32_t, uint16_t, int32_t,
	    uint32_t, const void *, size_t);
void	vaultd_refused(struct proc_peer *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));

/* vaultd/vaultsock.c: requests on vault.sock.  -1: close the connection. */
int	vaultd_cli_request(struct vaultd *, struct proc_peer *, struct msg *);

/* vaultd/inject.c: a worker's INJECT.  -1: close that worker's channel. */
int	vaultd_inject(struct vaultd *, struct proc_peer *, struct msg *);

#endif
