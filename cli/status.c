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
 * sessions, the approvals waiting and the actions decided today that
 * the caller may see, from the management API.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

static json_int_t	status_count(const char *, const char *, const char *);
static json_int_t	status_actions_today(const char *);

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

/*
 * The actions decided since midnight UTC that the caller may read: the
 * audit's decision records, a page at a time; -1 when it would not say.
 */
static json_int_t
status_actions_today(const char *sock)
{
	json_t		*j, *recs, *r;
	json_int_t	 n = 0, next = 0;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 day[32], path[128], *resp;
	long		 status = 0;
	size_t		 i;
	int		 pages;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT00:00:00Z", &tm) == 0)
		return -1;
	for (pages = 0; pages < 1000; pages++) {
		snprintf(path, sizeof(path), "/v1/audit?since=%s&limit=10000"
		    "&after=%lld", day, (long long)next);
		if (apiclient_call("aileron status", sock, "GET", path, NULL,
		    &status, &resp) == -1)
			return -1;
		j = status == 200 ? json_loads(resp, 0, NULL) : NULL;
		free(resp);
		if (j == NULL)
			return -1;
		recs = json_object_get(j, "records");
		json_array_foreach(recs, i, r) {
			if (json_is_string(json_object_get(r, "event")) &&
			    strcmp(json_string_value(json_object_get(r,
			    "event")), "decision") == 0)
				n++;
		}
		next = json_integer_value(json_object_get(j, "next"));
		json_decref(j);
		if (next == 0)
			break;
	}
	return n;
}

int
cmd_status(int argc, char *argv[])
{
	char		 statedir[PATH_MAX];
	const char	*sopt = NULL, *sock;
	json_t		*j, *out;
	json_int_t	 sessions = -1, pending = -1, today = -1;
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
		today = status_actions_today(sock);
	}
	if (json) {
		json_object_set_new(j, "running", json_true());
		if (sessions >= 0)
			json_object_set_new(j, "sessions",
			    json_integer(sessions));
		if (pending >= 0)
			json_object_set_new(j, "approvals_pending",
			    json_integer(pending));
		if (today >= 0)
			json_object_set_new(j, "actions_today",
			    json_integer(today));
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
		if (today >= 0)
			printf("actions today (UTC): %lld\n", (long long)today);
	}
	json_decref(j);
	return 0;
}
