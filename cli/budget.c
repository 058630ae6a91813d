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
 * budget.c: "aileron budget": the budgets on LLM calls the caller may see
 * (GET /v1/budgets), each with what its current period has spent and
 * reserved.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

static void	budget_amount(json_t *, const char *, char *, size_t);

/* A member as the table shows it: tokens whole, dollars with cents. */
static void
budget_amount(json_t *b, const char *name, char *buf, size_t len)
{
	json_t	*v = json_object_get(b, name);

	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_number(v))
		snprintf(buf, len, "%.2f", json_number_value(v));
	else
		strlcpy(buf, "-", len);
}

int
cmd_budget(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron budget";
	const char		*sopt = NULL;
	char			 statedir[PATH_MAX], sock[PATH_MAX], *resp;
	char			 lim[32], spent[32], resv[32], who[80];
	json_t			*j, *list, *b;
	long			 status = 0;
	size_t			 i;
	int			 json = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("budget", NULL, argv[i]);
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return 1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL, 0) ==
	    -1 || apiclient_call(cmd, sock, "GET", "/v1/budgets", NULL,
	    &status, &resp) == -1)
		return 1;
	if (status != 200) {
		fprintf(stderr, "%s: %s\n", cmd, apiclient_problem(resp));
		free(resp);
		return 1;
	}
	j = json_loads(resp, 0, NULL);
	free(resp);
	if ((list = json_object_get(j, "budgets")) == NULL ||
	    !json_is_array(list)) {
		fprintf(stderr, "%s: the service's answer is not a list of "
		    "budgets\n", cmd);
		json_decref(j);
		return 1;
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
		return 0;
	}
	printf("%-32s %-6s %-5s %12s %12s %12s %8s  %s\n", "BUDGET", "UNIT",
	    "PER", "LIMIT", "SPENT", "RESERVED", "REFUSED", "RESETS");
	json_array_foreach(list, i, b) {
		snprintf(who, sizeof(who), "%s %s",
		    json_string_value(json_object_get(b, "scope")),
		    json_string_value(json_object_get(b, "name")));
		budget_amount(b, "limit", lim, sizeof(lim));
		budget_amount(b, "spent", spent, sizeof(spent));
		budget_amount(b, "reserved", resv, sizeof(resv));
		printf("%-32.32s %-6s %-5s %12s %12s %12s %8lld  %s\n", who,
		    json_string_value(json_object_get(b, "unit")),
		    json_string_value(json_object_get(b, "period")), lim,
		    spent, resv, (long long)json_integer_value(
		    json_object_get(b, "refused")),
		    json_string_value(json_object_get(b, "resets")));
	}
	json_decref(j);
	return 0;
}
