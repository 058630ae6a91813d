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
 * shims.c: "aileron shims path": the directory of the connector shims.
 * They live apart from the system's PATH, where a shim named stripe or
 * openai would shadow the vendor's own command; an agent's sandbox puts
 * this directory first in the agent's PATH.
 */

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"
#include "cli/cli.h"

#define SHIMS_DIR	"shims"

/*
 * build/shims beside a build tree's build/aileron, else the installed
 * $(LIBEXECDIR)/shims.  -1 when neither is a directory.
 */
int
cli_shims_dir(char *buf, size_t len)
{
	struct stat	 st;
	char		 self[PATH_MAX], *slash;

	if (proc_self_path(self, sizeof(self)) == 0 &&
	    (slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		if ((size_t)snprintf(buf, len, "%s/%s", self, SHIMS_DIR) <
		    len && stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	if ((size_t)snprintf(buf, len, "%s/%s", AILERON_LIBEXECDIR,
	    SHIMS_DIR) >= len)
		return -1;
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* aileron shims path */
int
cmd_shims(int argc, char *argv[])
{
	char	 dir[PATH_MAX];

	if (argc < 2)
		return cli_usage_error("shims", NULL, "name what to show");
	if (strcmp(argv[1], "path") != 0)
		return cli_usage_error("shims", NULL, "unknown subcommand "
		    "\"%s\"", argv[1]);
	if (argc > 2)
		return cli_usage_error("shims", "path", "unexpected argument "
		    "\"%s\"", argv[2]);
	if (cli_shims_dir(dir, sizeof(dir)) == -1) {
		fprintf(stderr, "aileron shims path: no shims in %s/%s; "
		    "install them with \"make install\"\n",
		    AILERON_LIBEXECDIR, SHIMS_DIR);
		return 1;
	}
	printf("%s\n", dir);
	return 0;
}
