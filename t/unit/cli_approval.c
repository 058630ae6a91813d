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
 * cli_approval.c: table-driven tests of how an approval's arguments,
 * which the agent words, reach a person's terminal (cli/approval.c):
 * a line each, ASCII, never wider than the terminal, at most eight.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "cli/approval.h"

#define PREFIX	"[aileron]   "

static const struct {
	const char	*summary;	/* JSON */
	int		 width;
	const char	*want;		/* the lines, without PREFIX */
} cases[] = {
	{ "{}", 80, "(no arguments)\n" },
	{ "{\"title\":\"x\",\"n\":2}", 80, "\"title\": \"x\"\n\"n\": 2\n" },
	/* The agent's text, escaped: no control, nothing beyond ASCII. */
	{ "{\"a\\u001b[2J\":\"\\u00e9\\n\"}", 80,
	    "\"a\\u001B[2J\": \"\\u00E9\\n\"\n" },
	/* Cut to the terminal: 12 + 17 + "..." is 32 columns, one under 33. */
	{ "{\"k\":\"0123456789abcdefghij\"}", 33,
	    "\"k\": \"0123456789a...\n" },
	{ "{\"k\":\"0123456789\"}", 33, "\"k\": \"0123456789\"\n" },
	/* Too narrow for a line of its own. */
	{ "{\"k\":1}", 20, "(arguments: aileron approval list --json)\n" },
	/* Eight at most. */
	{ "{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,"
	    "\"i\":1}", 80, "\"a\": 1\n\"b\": 1\n\"c\": 1\n\"d\": 1\n"
	    "\"e\": 1\n\"f\": 1\n\"g\": 1\n\"h\": 1\n"
	    "(and more, not shown: aileron approval list --json)\n" },
};

/* want with PREFIX before each line. */
static char *
prefixed(const char *want)
{
	char		*out, *o;
	const char	*p;
	size_t		 lines = 0;

	for (p = want; *p != '\0'; p++)
		lines += *p == '\n';
	if ((out = malloc(strlen(want) + lines * strlen(PREFIX) + 1)) == NULL)
		abort();
	o = out;
	for (p = want; *p != '\0'; ) {
		o = stpcpy(o, PREFIX);
		while (*p != '\n')
			*o++ = *p++;
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

int
main(void)
{
	json_t		*j;
	char		*got, *want, *line, *save;
	size_t		 i;
	int		 wide, plain;
	const char	*c;

	json_object_seed(1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if ((j = json_loads(cases[i].summary, JSON_DECODE_ANY,
		    NULL)) == NULL)
			abort();
		got = approval_arg_lines(j, PREFIX, cases[i].width);
		want = prefixed(cases[i].want);
		ok(got != NULL && strcmp(got, want) == 0, "%s at %d columns",
		    cases[i].summary, cases[i].width);
		if (got != NULL && strcmp(got, want) != 0)
			diag("got:\n%swant:\n%s", got, want);
		wide = plain = 1;
		for (line = strtok_r(got != NULL ? got : "", "\n", &save);
		    line != NULL; line = strtok_r(NULL, "\n", &save)) {
			if ((int)strlen(line) >= cases[i].width &&
			    cases[i].width >= (int)strlen(PREFIX) + 12)
				wide = 0;
			for (c = line; *c != '\0'; c++)
				if (*c < 0x20 || *c >= 0x7f)
					plain = 0;
		}
		ok(wide && plain, "... each line narrower than the terminal, "
		    "printable ASCII");
		free(got);
		free(want);
		json_decref(j);
	}
	return done_testing();
}
