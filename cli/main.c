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

struct cmd {
	const char	*name;
	int		(*fn)(int, char *[]);
	const char	*usage;
};

static const struct cmd cmds[] = {
	{ "actions", cmd_actions,
	    "actions list [--json] [-f file] [-s statedir]" },
	{ "service", cmd_service,
	    "service [-dnv] [-f file] [-s statedir]" },
	{ "session", cmd_session,
	    "session start | end ... (see aileron(1))" },
	{ "status", cmd_status, "status [--json] [-s statedir]" },
	{ "secret", cmd_secret,
	    "secret add | list | rm | rotate ... (see aileron(1))" },
	{ "vault", cmd_vault,
	    "vault init | passwd | backup ... (see aileron(1))" },
};

static void	usage(FILE *);

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage:");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "%s aileron %s\n", i == 0 ? "" : "      ",
		    cmds[i].usage);
}

int
main(int argc, char *argv[])
{
	size_t	 i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "aileron: unknown command \"%s\"; see aileron(1)\n",
	    argv[1]);
	usage(stderr);
	return 2;
}
