/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* main.c: the aileron binary: dispatch to a subcommand or a process. */

#include <stdio.h>
#include <string.h>

#include "log.h"

int
main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: aileron command [args]\n");
		return 2;
	}
	fprintf(stderr, "aileron: unknown command: %s\n", argv[1]);
	return 2;
}
