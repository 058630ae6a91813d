/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* users.h: who is who on api.sock, aileron's users and their tokens. */

#ifndef AILERON_CONTROL_USERS_H
#define AILERON_CONTROL_USERS_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <db.h>

#include "msgtypes.h"

struct msg;
struct proc;
struct proc_peer;

#define CUSER_MAX		1024	/* aileron users */
#define CUSER_PASSWD_MAX	65536	/* OS accounts remembered */
#define CUSER_NAME_MAX		64	/* VAULT_USER_MAX */
#define CUSER_LABEL_MAX		63	/* a team or a project */
#define CUSER_TOKEN_LEN		64	/* hex digits */
#define CUSER_HASH_LEN		32	/* SHA-256 */
#define CUSER_TOKEN_ID_LEN	16	/* hex digits; public */
#define CUSER_DB		"users.db"

struct control_user {
	TAILQ_ENTRY(control_user)	 entry;
	char		 name[CUSER_NAME_MAX + 1];
	char		 team[CUSER_LABEL_MAX + 1];
	char		 projects[MSG_CONTROL_PROJECTS_MAX]
			    [CUSER_LABEL_MAX + 1];
	size_t		 nprojects;
	int64_t		 created;
	/* The user token: only its hash is kept, here and on disk. */
	int		 has_token;
	uint8_t		 token_hash[CUSER_HASH_LEN];
	char		 token_id[CUSER_TOKEN_ID_LEN + 1];
	int64_t		 token_created;
};

/* A uid and the aileron user it is: a user line, or the OS account. */
struct control_uidname {
	uint32_t	 uid;
	char		 name[CUSER_NAME_MAX + 1];
};

struct control_users {
	TAILQ_HEAD(, control_user)	 list;
	size_t				 n;
	struct control_uidname		*lines;		/* user lines */
	size_t				 nlines;
	struct control_uidname		*passwd;	/* read at start */
	size_t				 npasswd;
	DB				*db;
};

void	 control_users_init(struct control_users *);
void	 control_users_clear(struct control_users *);
int	 control_users_conf(struct control_users *, struct msg *);
void	 control_users_passwd(struct control_users *);
int	 control_users_open(struct control_users *);
int	 control_users_identify(struct control_users *, uint32_t, uint32_t,
	    char *, size_t, int *);
struct control_user *control_user_find(struct control_users *,
	    const char *);
int	 control_user_in_project(const struct control_user *, const char *);
int	 control_user_token_check(struct control_users *, const char *,
	    const char *);
int	 control_users_vaultmap(struct control_users *, struct chan *);
void	 control_users_msg(struct control_users *, uint32_t, struct proc *,
	    struct proc_peer *, struct msg *);
int	 control_users_request(struct control_users *, uint32_t,
	    const struct msg_control_user *, int32_t *, char *, size_t,
	    char **);

#endif
