/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* parse.h: the aileron.conf(5) parser and the configuration it produces. */

#ifndef AILERON_PARSE_H
#define AILERON_PARSE_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <limits.h>

/* listen lines; each is a descriptor in every worker, kept small. */
#define CONF_LISTEN_MAX	64

struct conf_listen {
	TAILQ_ENTRY(conf_listen)	 entry;
	struct sockaddr_storage		 ss;	/* address and port; port 0 = any free */
	socklen_t			 sslen;
	char				 name[128];	/* as written: "127.0.0.1 port 8443" */
};
TAILQ_HEAD(conf_listens, conf_listen);

struct conf_connector {
	TAILQ_ENTRY(conf_connector)	 entry;
	char				 name[64];
	char				 spec[PATH_MAX];
};
TAILQ_HEAD(conf_connectors, conf_connector);

struct aileron_conf {
	struct conf_listens	 listens;	/* default: one, 127.0.0.1 port 8443 */
	char			 api_socket[PATH_MAX];	/* default: "<statedir>/api.sock" */
	int			 prefork;	/* default 4, range 1..256 */
	int			 max_workers;	/* default 64, range 1..4096, must be >= prefork */
	char			 user[64];	/* workers; default "_aileron" */
	char			 control_user[64]; /* default "_aileron-control" */
	char			 vault_user[64];	/* default "_aileron-vault" */
	struct conf_connectors	 connectors;	/* default: none */
	int			 verbose;	/* "log debug" -> 1; "log info" -> 0 (default) */
};

/*
 * Parse path; a missing file is all defaults when must_exist is 0.  Errors go
 * to stderr as "file:line: message" (one line each) and the function returns
 * NULL after reporting every error in the file, not just the first.
 */
struct aileron_conf	*conf_parse(const char *path, const char *statedir, int must_exist);
struct aileron_conf	*conf_parse_state(const char *statedir, const char *file,
			    char *path);
struct aileron_conf	*conf_defaults(const char *statedir);
void			 conf_free(struct aileron_conf *);
int			 conf_is_loopback(const struct conf_listen *);
int			 conf_check_users(const struct aileron_conf *, const char *);

#endif
