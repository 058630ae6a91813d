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
 * usage.c: "aileron usage": LLM tokens, requests, cost, actions,
 * approvals, errors and hosts per user, team, agent, project, model or
 * connector, as control sums them from its hourly rollups (GET
 * /v1/usage): the caller sees what the audit log would show them.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

static const char	*usage_kinds[] = {
	"input", "output", "cache_write", "cache_read", "reasoning"
};

static int	usage_encode(char *, size_t, const char *, const char *);
static void	usage_table(json_t *);
static void	usage_num(json_t *, const char *, int);

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

/* An integer member, right-aligned in width; "-" when null. */
static void
usage_num(json_t *o, const char *name, int width)
{
	json_t	*v = json_object_get(o, name);

	if (json_is_integer(v))
		printf(" %*lld", width, (long long)json_integer_value(v));
	else
		printf(" %*s", width, "-");
}

/*
 * The answer as a table: a line per row, the hosts last; then the
 * prices' date, and the models without a price, whose rows' cost is "-".
 */
static void
usage_table(json_t *j)
{
	json_t		*rows, *row, *tok, *ap, *v, *h;
	const char	*by, *key;
	size_t		 i, k;
	char		 cost[32], rate[16], apv[32];
	int		 unpriced = 0;

	by = json_string_value(json_object_get(j, "by"));
	rows = json_object_get(j, "rows");
	printf("%-16s %8s %10s %10s %9s %9s %9s %7s %12s %7s %11s %8s %8s "
	    "%6s  %s\n", by != NULL ? by : "key", "REQUESTS", "INPUT",
	    "OUTPUT", "CACHE_WR", "CACHE_RD", "REASONING", "UNKNOWN",
	    "COST_USD", "ACTIONS", "APPROVALS", "P50_MS", "P95_MS", "ERR%",
	    "HOSTS");
	json_array_foreach(rows, i, row) {
		key = json_string_value(json_object_get(row, "key"));
		printf("%-16.16s", key == NULL || *key == '\0' ? "-" : key);
		usage_num(row, "requests", 8);
		tok = json_object_get(row, "tokens");
		for (k = 0; k < sizeof(usage_kinds) / sizeof(usage_kinds[0]);
		    k++)
			usage_num(tok, usage_kinds[k], k < 2 ? 10 : 9);
		usage_num(row, "unknown", 7);
		v = json_object_get(row, "cost_usd");
		if (json_is_number(v))
			snprintf(cost, sizeof(cost), "%.6f",
			    json_number_value(v));
		else {
			strlcpy(cost, "-", sizeof(cost));
			unpriced = 1;
		}
		printf(" %12s", cost);
		usage_num(row, "actions", 7);
		ap = json_object_get(row, "approvals");
		snprintf(apv, sizeof(apv), "%lld/%lld/%lld",
		    (long long)json_integer_value(json_object_get(ap, "asked")),
		    (long long)json_integer_value(json_object_get(ap,
		    "granted")),
		    (long long)json_integer_value(json_object_get(ap,
		    "denied")));
		printf(" %11s", apv);
		usage_num(ap, "p50_ms", 8);
		usage_num(ap, "p95_ms", 8);
		v = json_object_get(row, "error_rate");
		if (json_is_number(v))
			snprintf(rate, sizeof(rate), "%.1f",
			    json_number_value(v) * 100);
		else
			strlcpy(rate, "-", sizeof(rate));
		printf(" %6s ", rate);
		json_array_foreach(json_object_get(row, "hosts"), k, h)
			printf("%s%s", k == 0 ? " " : ",",
			    json_string_value(h));
		if (json_is_true(json_object_get(row, "hosts_more")))
			printf(",...");
		printf("\n");
	}
	v = json_object_get(j, "prices_taken");
	printf("\ncost: %s%s%s", json_is_string(v) ? "prices taken " :
	    "no price table", json_is_string(v) ? json_string_value(v) : "",
	    unpriced ? "; - where a model has no price:" : "");
	json_array_foreach(rows, i, row) {
		json_array_foreach(json_object_get(row, "unpriced"), k, v)
			printf(" %s", json_string_value(v));
	}
	printf("\napprovals: asked/granted/denied; latency of the decided "
	    "ones, within 9%%\n");
}

int
cmd_usage(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron usage";
	const char		*by = "user", *since = NULL, *until = NULL;
	const char		*bucket = NULL, *sopt = NULL;
	char			 statedir[PATH_MAX], sock[PATH_MAX];
	char			 path[768], *resp;
	json_t			*j;
	long			 status = 0;
	int			 i, json = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since = argv[++i];
		else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
			until = argv[++i];
		else if (strcmp(argv[i], "--bucket") == 0 && i + 1 < argc)
			bucket = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("usage", NULL, argv[i]);
	}
	if (strcmp(by, "user") != 0 && strcmp(by, "team") != 0 &&
	    strcmp(by, "agent") != 0 && strcmp(by, "project") != 0 &&
	    strcmp(by, "model") != 0 && strcmp(by, "connector") != 0)
		return cli_usage_error("usage", NULL, "--by is user, team, "
		    "agent, project, model or connector, not \"%s\"", by);
	if (bucket != NULL && strcmp(bucket, "hour") != 0 &&
	    strcmp(bucket, "day") != 0)
		return cli_usage_error("usage", NULL, "--bucket is hour or "
		    "day, not \"%s\"", bucket);
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return 1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL, 0) == -1)
		return 1;
	snprintf(path, sizeof(path), "/v1/usage?by=%s", by);
	if (usage_encode(path, sizeof(path), "since", since) == -1 ||
	    usage_encode(path, sizeof(path), "until", until) == -1 ||
	    usage_encode(path, sizeof(path), "bucket", bucket) == -1)
		return cli_usage_error("usage", NULL, "--since or --until is "
		    "too long");
	if (apiclient_call(cmd, sock, "GET", path, NULL, &status, &resp) == -1)
		return 1;
	if (status != 200) {
		fprintf(stderr, "%s: %s\n", cmd, apiclient_problem(resp));
		free(resp);
		return 1;
	}
	if ((j = json_loads(resp, 0, NULL)) == NULL) {
		fprintf(stderr, "%s: the service's answer is not JSON\n", cmd);
		free(resp);
		return 1;
	}
	free(resp);
	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	} else
		usage_table(j);
	json_decref(j);
	return 0;
}
