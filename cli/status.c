/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* status.c: "aileron status": is a service running, and where. */

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"
#include "cli/cli.h"

int
cmd_status(int argc, char *argv[])
{
	char		 statedir[PATH_MAX];
	const char	*sopt = NULL;
	json_t		*j, *out;
	pid_t		 pid;
	int		 i, json = 0, stale;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("status", NULL, argv[i]);
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron status: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	j = state_service(statedir, &pid, &stale);
	if (j == NULL) {
		if (json) {
			out = json_pack("{s:b, s:s, s:b}", "running", 0,
			    "state", statedir, "stale_service_json", stale);
			json_dumpf(out, stdout, JSON_INDENT(2));
			printf("\n");
			json_decref(out);
		} else {
			if (stale)
				printf("a stale service.json in %s was left by "
				    "a service that is gone; ignoring it\n",
				    statedir);
			printf("no service is running on %s; start one with "
			    "\"aileron service\"\n", statedir);
		}
		return 1;
	}
	if (json) {
		json_object_set_new(j, "running", json_true());
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else {
		printf("service running on %s (pid %d)\n", statedir,
		    (int)pid);
		printf("proxy: %s\n",
		    json_string_value(json_object_get(j, "proxy")) ?
		    json_string_value(json_object_get(j, "proxy")) : "-");
		printf("api socket: %s\n",
		    json_string_value(json_object_get(j, "api_socket")) ?
		    json_string_value(json_object_get(j, "api_socket")) : "-");
		printf("version: %s\n",
		    json_string_value(json_object_get(j, "version")) ?
		    json_string_value(json_object_get(j, "version")) : "-");
	}
	json_decref(j);
	return 0;
}
