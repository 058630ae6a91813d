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
 * service.c: "aileron service": check the configuration, or run the
 * service; also the internal entry of the processes the master starts.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "state.h"
#include "title.h"
#include "cli/cli.h"
#include "master/connectors.h"
#include "master/master.h"
#include "master/parse.h"
#include "vaultd/vaultd.h"

int
cmd_service(int argc, char *argv[])
{
	struct spec		**specs;
	size_t			 nspecs;
	char			 statedir[PATH_MAX];
	const char		*sopt = NULL, *fopt = NULL, *proc = NULL;
	int			 ch, foreground = 0, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "df:nP:s:v")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			fopt = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'P':
			proc = optarg;
			break;
		case 's':
			sopt = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: aileron service [-dnv] "
			    "[-f file] [-s statedir]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "aileron service: unexpected argument \"%s\"\n",
		    argv[optind]);
		return 2;
	}
	if (proc != NULL) {
		if (strcmp(proc, "control") == 0) {
			title_set("control");
			control(foreground, verbose);
		}
		if (strcmp(proc, "vaultd") == 0) {
			title_set("vaultd");
			vaultd(foreground, verbose);
		}
		fprintf(stderr, "aileron service: unknown process \"%s\"\n",
		    proc);
		return 2;
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron service: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	if (check) {
		log_init_cli();
		if (connectors_load_file(statedir, fopt, &specs, &nspecs) ==
		    -1)
			return 1;
		connectors_free(specs, nspecs, NULL);
		printf("configuration OK\n");
		return 0;
	}
	/* Children reset only the signals we change: start from defaults. */
	sandbox_signals_init();
	title_set("master");
	master(statedir, fopt, foreground, verbose);
}
