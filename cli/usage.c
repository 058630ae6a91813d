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
 * usage.c: "aileron usage": the LLM tokens the proxy counted, summed per
 * user, team, agent, project, model or connector, from the audit records
 * the caller may read (GET /v1/audit, a page at a time).  A request whose
 * counts could not be read is counted as unknown, never guessed.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

#define USAGE_PAGE	10000
#define USAGE_PAGES	1000

static const char	*usage_kinds[] = {
	"input", "output", "cache_write", "cache_read", "reasoning"
};

static int	usage_add(json_t *, json_t *, const char *);
static int	usage_encode(char *, size_t, const char *, const char *);

/* One record into the sums, under its key for --by. */
static int
usage_add(json_t *sums, json_t *r, const char *by)
{
	json_t		*tok, *row, *v;
	json_int_t	 sum;
	const char	*key;
	size_t		 i;

	tok = json_object_get(r, "tokens");
	if (tok == NULL)
		return 0;
	if (strcmp(by, "model") == 0)
		key = json_string_value(json_object_get(tok, "model"));
	else
		key = json_string_value(json_object_get(r, by));
	if (key == NULL || *key == '\0')
		key = "-";
	if ((row = json_object_get(sums, key)) == NULL) {
		if ((row = json_pack("{s:i, s:i}", "requests", 0, "unknown",
		    0)) == NULL)
			return -1;
		for (i = 0; i < sizeof(usage_kinds) / sizeof(usage_kinds[0]);
		    i++)
			json_object_set_new(row, usage_kinds[i],
			    json_integer(0));
		json_object_set_new(sums, key, row);
	}
	json_object_set_new(row, "requests", json_integer(json_integer_value(
	    json_object_get(row, "requests")) + 1));
	if (!json_is_object(tok)) {
		json_object_set_new(row, "unknown", json_integer(
		    json_integer_value(json_object_get(row, "unknown")) + 1));
		return 0;
	}
	for (i = 0; i < sizeof(usage_kinds) / sizeof(usage_kinds[0]); i++) {
		if ((v = json_object_get(tok, usage_kinds[i])) == NULL ||
		    !json_is_integer(v) || json_integer_value(v) < 0)
			continue;
		sum = json_integer_value(json_object_get(row,
		    usage_kinds[i]));
		sum = sum > LLONG_MAX - json_integer_value(v) ?
		    LLONG_MAX : sum + json_integer_value(v);
		json_object_set_new(row, usage_kinds[i], json_integer(sum));
	}
	return 0;
}

/* "&name=value", percent-encoded; nothing when value is NULL. */
static int
usage_encode(char *buf, size_t len, const char *name, const char *value)
{
	size_t	 n = strlen(buf);
	int	 k;

	if (value == NULL)
		return 0;
	if ((k = snprintf(buf + n, len - n, "&%s=", name)) < 0 ||
	    (size_t)k >= len - n)
		return -1;
	n += k;
	for (; *value != '\0'; value++) {
		if (n + 4 >= len)
			return -1;
		if ((*value >= 'a' && *value <= 'z') ||
		    (*value >= 'A' && *value <= 'Z') ||
		    (*value >= '0' && *value <= '9') || *value == '-' ||
		    *value == '.' || *value == '_' || *value == ':')
			buf[n++] = *value;
		else
			n += snprintf(buf + n, len - n, "%%%02X",
			    (unsigned char)*value);
	}
	buf[n] = '\0';
	return 0;
}

int
cmd_usage(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron usage";
	const char		*by = "user", *since = NULL, *until = NULL;
	const char		*sopt = NULL, *key;
	char			 statedir[PATH_MAX], sock[PATH_MAX];
	char			 filters[512], path[768], *resp;
	json_t			*sums, *j, *recs, *r, *row;
	long			 status = 0;
	long long		 next = 0;
	size_t			 i, k;
	int			 json = 0, pages;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--by") == 0 && i + 1 < (size_t)argc)
			by = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 &&
		    i + 1 < (size_t)argc)
			since = argv[++i];
		else if (strcmp(argv[i], "--until") == 0 &&
		    i + 1 < (size_t)argc)
			until = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("usage", NULL, argv[i]);
	}
	if (strcmp(by, "user") != 0 && strcmp(by, "team") != 0 &&
	    strcmp(by, "agent") != 0 && strcmp(by, "project") != 0 &&
	    strcmp(by, "model") != 0 && strcmp(by, "connector") != 0)
		return cli_usage_error("usage", NULL, "--by is user, team, "
		    "agent, project, model or connector, not \"%s\"", by);
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return 1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL, 0) == -1)
		return 1;
	filters[0] = '\0';
	if (usage_encode(filters, sizeof(filters), "since", since) == -1 ||
	    usage_encode(filters, sizeof(filters), "until", until) == -1)
		return cli_usage_error("usage", NULL, "--since or --until is "
		    "too long");
	if ((sums = json_object()) == NULL)
		return 1;
	for (pages = 0; pages < USAGE_PAGES; pages++) {
		snprintf(path, sizeof(path), "/v1/audit?limit=%d&after=%lld%s",
		    USAGE_PAGE, next, filters);
		if (apiclient_call(cmd, sock, "GET", path, NULL, &status,
		    &resp) == -1) {
			json_decref(sums);
			return 1;
		}
		if (status != 200) {
			fprintf(stderr, "%s: %s\n", cmd,
			    apiclient_problem(resp));
			free(resp);
			json_decref(sums);
			return 1;
		}
		j = json_loads(resp, 0, NULL);
		free(resp);
		recs = json_object_get(j, "records");
		json_array_foreach(recs, i, r) {
			if (json_is_string(json_object_get(r, "event")) &&
			    strcmp(json_string_value(json_object_get(r,
			    "event")), "request") == 0 &&
			    usage_add(sums, r, by) == -1) {
				json_decref(j);
				json_decref(sums);
				return 1;
			}
		}
		next = json_integer_value(json_object_get(j, "next"));
		json_decref(j);
		if (next == 0)
			break;
	}
	if (json) {
		json_dumpf(sums, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else {
		printf("%-24s %8s %10s %10s %10s %10s %10s %8s\n", by,
		    "REQUESTS", "INPUT", "OUTPUT", "CACHE_WR", "CACHE_RD",
		    "REASONING", "UNKNOWN");
		json_object_foreach(sums, key, row) {
			printf("%-24.24s %8lld", key, (long long)
			    json_integer_value(json_object_get(row,
			    "requests")));
			for (k = 0; k < sizeof(usage_kinds) /
			    sizeof(usage_kinds[0]); k++)
				printf(" %10lld", (long long)
				    json_integer_value(json_object_get(row,
				    usage_kinds[k])));
			printf(" %8lld\n", (long long)json_integer_value(
			    json_object_get(row, "unknown")));
		}
	}
	json_decref(sums);
	return 0;
}
