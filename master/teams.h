/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* teams.h: the master's part of teams: user and connector-vault lines. */

#ifndef AILERON_MASTER_TEAMS_H
#define AILERON_MASTER_TEAMS_H

#define TEAMS_API_GROUP	"aileron"	/* who may use api.sock */

struct aileron_conf;
struct chan;

int	teams_conf_send(struct chan *, struct chan *,
	    const struct aileron_conf *);
void	teams_socket_group(const char *, const char *);
void	teams_sessions_dir(const char *);

#endif
