/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* title.h: how a process names itself for ps(1) and top(1). */

#ifndef AILERON_TITLE_H
#define AILERON_TITLE_H

void	title_init(int, char *[]);
void	title_set(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));

#endif
