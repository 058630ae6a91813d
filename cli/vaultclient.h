/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vaultclient.h: the CLI's side of vault.sock, and reading keys safely. */

#ifndef AILERON_CLI_VAULTCLIENT_H
#define AILERON_CLI_VAULTCLIENT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "msg.h"
#include "msgtypes.h"

#define VCLIENT_MASTER_MAX	1024	/* bytes of a master key */
/* A value buffer: the longest value, a CRLF, and a byte to see more. */
#define VCLIENT_VALUE_BUF	(MSG_VAULT_VALUE_MAX + 3)

struct vclient {
	struct chan	 chan;
	char		 statedir[PATH_MAX];
	const char	*cmd;		/* "aileron secret add", for messages */
	uint32_t	 reqid;
};

int	 vclient_connect(struct vclient *, const char *, const char *);
void	 vclient_close(struct vclient *);
int	 vclient_call(struct vclient *, struct msg_vault_request *,
	    const void *, size_t, char **, int *);
int	 vclient_simple(struct vclient *, struct msg_vault_request *,
	    const void *, size_t, char **);
int	 vclient_user(const char *, char *, size_t);
int	 vclient_read_master(struct vclient *, int, const char *, int, char *,
	    size_t);
int	 vclient_derive(struct vclient *, const char *, int, const char *,
	    unsigned char *);
int	 vclient_read_value(struct vclient *, const char *, char *, size_t,
	    size_t *);
int	 vclient_fd(const char *, const char *, int *);
void	*vclient_secure(struct vclient *, size_t);
void	 vclient_secure_free(void *, size_t);
int	 vclient_connectors(struct vclient *, json_t **);
int	 vclient_tty_hold(void);
int	 vclient_kdf_ready(struct vclient *, uint64_t, uint32_t, uint32_t,
	    int);
void	 vclient_kdf_note(uint64_t, uint32_t, uint32_t);
void	 vclient_bytes(uint64_t, char *, size_t);

#endif
