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
 * pledge.h: seccomp filters built from named promises, in the style of
 * OpenBSD's pledge(2).
 */

#ifndef AILERON_PLEDGE_H
#define AILERON_PLEDGE_H

struct sock_fprog;

struct sock_fprog	*pledge_export(const char *promises);
void			 pledge_load(const struct sock_fprog *, const char *);
void			 pledge_free(struct sock_fprog *);
int			 pledge_has(const char *promises, const char *word);

#endif
