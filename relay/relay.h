/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* relay.h: aileron-relay's parts (relay.c, check.c). */

#ifndef AILERON_RELAY_H
#define AILERON_RELAY_H

void	relay_usage(void) __attribute__((noreturn));
int	relay_connect_tcp(const char *, const char *);
int	relay_check(int, char *[]);

#endif
