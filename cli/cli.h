/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* cli.h: the user-facing subcommands of the aileron binary. */

#ifndef AILERON_CLI_H
#define AILERON_CLI_H

int	cmd_actions(int, char *[]);
int	cmd_service(int, char *[]);
int	cmd_session(int, char *[]);
int	cmd_status(int, char *[]);
int	cmd_secret(int, char *[]);
int	cmd_vault(int, char *[]);

/* The backup's hand-over, apart so that a test can attack it. */
int	vault_backup_take(const char *, const char *, const char *,
	    const char *);

#endif
