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
 * state.h: the state directory: where it is, the lock that says a service
 * runs on it, and service.json, which says where that service listens.
 */

#ifndef AILERON_STATE_H
#define AILERON_STATE_H

#include <sys/types.h>

#include <jansson.h>

#define STATE_LOCK		"service.lock"
#define STATE_SERVICE_JSON	"service.json"
#define STATE_VAULT_SOCK	"vault.sock"
#define STATE_API_SOCK		"api.sock"
#define STATE_CONF		"aileron.conf"
#define STATE_CONTROL_DIR	"control"
#define STATE_VAULT_DIR		"vault"
#define STATE_SESSIONS_DIR	"sessions"	/* session start's certificates */

int	 state_resolve(const char *opt, char *buf, size_t len);
int	 state_path(char *buf, size_t len, const char *statedir,
	    const char *name);
int	 state_mkdir(const char *statedir);
int	 state_proc_dir(const char *path, int own, uid_t, gid_t);
int	 state_lock(const char *statedir, pid_t *holder);
int	 state_lock_setpid(int);
pid_t	 state_running(const char *statedir);
int	 state_write_json(const char *statedir, const char *name, json_t *);
json_t	*state_service(const char *statedir, pid_t *pid, int *stale);
json_t	*state_service_member(const char *statedir);

#endif
