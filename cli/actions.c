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
 * actions.c: "aileron actions list [--connector C]": the actions of the
 * connectors the configuration names (or of C alone), as the manifest
 * an agent sees at /etc/aileron/actions.json.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "state.h"
#include "connector/manifest.h"
#include "connector/spec.h"
#include "cli/cli.h"
#include "master/connectors.h"
#include "master/parse.h"

int
cmd_actions(int argc, char *argv[])
{
	struct spec		**specs = NULL;
	char			 statedir[PATH_MAX];
	const char		*sopt = NULL, *fopt = NULL, *copt = NULL;
	json_t			*manifest;
	size_t			 nspecs = 0, k, first = 0, nshown;
	int			 i, json = 0;

	if (argc < 2)
		return cli_usage_error("actions", NULL, "name a subcommand");
	if (strcmp(argv[1], "list") != 0)
		return cli_usage_error("actions", NULL, "unknown subcommand "
		    "\"%s\"", argv[1]);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			fopt = argv[++i];
		else if (strcmp(argv[i], "--connector") == 0 && i + 1 < argc)
			copt = argv[++i];
		else
			return cli_bad_arg("actions", "list", argv[i]);
	}
	log_init_cli();
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron actions: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	if (connectors_load_file(statedir, fopt, &specs, &nspecs) == -1)
		return 1;
	nshown = nspecs;
	if (copt != NULL) {
		/* One connector's actions: the same manifest, cut to it. */
		for (k = 0; k < nspecs; k++)
			if (strcmp(specs[k]->connector, copt) == 0)
				break;
		if (k == nspecs) {
			fprintf(stderr, "aileron actions: no connector \"%s\"; "
			    "the configured ones are", copt);
			for (k = 0; k < nspecs; k++)
				fprintf(stderr, "%s %s", k > 0 ? "," : "",
				    specs[k]->connector);
			fprintf(stderr, "%s\n", nspecs == 0 ? " none" : "");
			connectors_free(specs, nspecs, NULL);
			return 1;
		}
		first = k;
		nshown = 1;
	}
	if ((manifest = manifest_build(specs + first, nshown)) == NULL) {
		fprintf(stderr, "aileron actions: cannot build the manifest\n");
		connectors_free(specs, nspecs, NULL);
		return 1;
	}
	if (json) {
		json_dumpf(manifest, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (nspecs == 0)
		printf("no connectors configured; add \"connector NAME spec "
		    "PATH\" to %s\n", fopt != NULL ? fopt : "aileron.conf");
	else
		manifest_print_table(stdout, manifest);
	json_decref(manifest);
	connectors_free(specs, nspecs, NULL);
	return 0;
}
