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
 * status.c: "aileron status": is a service running, and where; the
 * sessions and the approvals waiting that the caller may see, from the
 * management API.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

static json_int_t	status_count(const char *, const char *, const char *);

/*
 * How many items GET path lists (the array, or the array member key of
 * the object); -1 when the API would not say.
 */
static json_int_t
status_count(const char *sock, const char *path, const char *key)
{
	json_t		*j, *a;
	json_int_t	 n = -1;
	char		*resp;
	long		 status = 0;

	if (apiclient_call("aileron status", sock, "GET", path, NULL, &status,
	    &resp) == -1)
		return -1;
	if (status == 200 && (j = json_loads(resp, 0, NULL)) != NULL) {
		a = key != NULL && json_is_object(j) ? json_object_get(j, key) :
		    j;
		if (json_is_array(a))
			n = json_array_size(a);
		json_decref(j);
	}
	free(resp);
	return n;
}

int
cmd_status(int argc, char *argv[])
{
	char		 statedir[PATH_MAX];
	const char	*sopt = NULL, *sock;
	json_t		*j, *out;
	json_int_t	 sessions = -1, pending = -1;
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
	sock = json_string_value(json_object_get(j, "api_socket"));
	if (sock != NULL) {
		sessions = status_count(sock, "/v1/sessions", "sessions");
		pending = status_count(sock, "/v1/approvals", NULL);
	}
	if (json) {
		json_object_set_new(j, "running", json_true());
		if (sessions >= 0)
			json_object_set_new(j, "sessions",
			    json_integer(sessions));
		if (pending >= 0)
			json_object_set_new(j, "approvals_pending",
			    json_integer(pending));
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
		if (sessions >= 0)
			printf("sessions: %lld\n", (long long)sessions);
		if (pending >= 0)
			printf("approvals waiting: %lld%s\n", (long long)pending,
			    pending > 0 ? " (aileron approval list)" : "");
	}
	json_decref(j);
	return 0;
}
