/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* main.c: the aileron binary: dispatch to a subcommand. */

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int	main_wants_help(int, char *[]);

/* "--help" or "-h" anywhere after the command asks for its usage. */
static int
main_wants_help(int argc, char *argv[])
{
	int	 i;

	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct cli_cmd	*c;

	if (argc < 2) {
		cli_usage(stderr, NULL, NULL);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		if (argc > 2)
			return cli_usage_error(NULL, NULL, "unexpected "
			    "argument \"%s\" after %s", argv[2], argv[1]);
		printf("aileron %s\n", AILERON_VERSION);
		return 0;
	}
	if ((c = cli_cmd_find(argv[1])) == NULL)
		return cli_usage_error(NULL, NULL, "unknown command \"%s\"",
		    argv[1]);
	if (main_wants_help(argc, argv)) {
		cli_usage(stdout, c->name, argc > 2 &&
		    cli_sub_find(c, argv[2]) != NULL ? argv[2] : NULL);
		return 0;
	}
	return c->fn(argc - 1, argv + 1);
}
