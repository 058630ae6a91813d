/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vaultteam.h: team vaults' commands (create, grant, revoke, ...). */

#ifndef AILERON_CLI_VAULTTEAM_H
#define AILERON_CLI_VAULTTEAM_H

#include <stddef.h>

struct vclient;

int	vteam_cmd(int, char *[]);
int	vteam_vault_id(struct vclient *, const char *, const char *, char *,
	    size_t);

#endif
