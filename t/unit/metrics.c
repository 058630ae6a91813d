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
 * metrics.c: unit tests of control's counters (control/metrics.c): what
 * a record counts as, the bounds on every label (a worker's or an
 * upstream's names never reach the text unchecked), saturation, the
 * histograms' buckets, and the cap on series.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connector/spec.h"
#include "control/metrics.h"
#include "control/policy.h"
#include "tap.h"

static const char spec_json[] =
    "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"echo\",\"version\":\"1\"},"
    "\"servers\":[{\"url\":\"https://echo.test\"}],"
    "\"x-aileron-connector\":\"echo\","
    "\"x-aileron-inject\":{\"kind\":\"bearer\"},"
    "\"x-aileron-strip\":{\"headers\":[\"authorization\"]},"
    "\"paths\":{\"/echo\":{\"get\":{\"operationId\":\"echoGet\","
    "\"x-aileron-action\":\"echo_get\",\"summary\":\"Echo\","
    "\"x-aileron-idempotent\":true,\"x-aileron-approval\":\"never\"}}}}";

static char	*text;

/* Count one record given as JSON. */
static void
rec(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	json_t	*j;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((j = json_loads(buf, 0, NULL)) == NULL) {
		diag("bad JSON in the test: %s", buf);
		return;
	}
	control_metrics_record(j);
	json_decref(j);
}

static void
render(void)
{
	size_t	 len;

	free(text);
	text = control_metrics_text(&len);
}

/* Does the text have this line, whole? */
static int
has(const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while (p != NULL && (p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* Lines that start with prefix. */
static int
lines(const char *prefix)
{
	const char	*p;
	int		 n = 0;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

int
main(void)
{
	struct control_policy	 pol;
	struct spec		*sp, *specs[1];
	char			 err[256];
	int			 i, j;

	plan(20);
	memset(&pol, 0, sizeof(pol));
	sp = spec_parse(spec_json, strlen(spec_json), "echo.json", err,
	    sizeof(err));
	ok(sp != NULL, "a spec for the connectors and actions: %s",
	    sp == NULL ? err : "echo");
	specs[0] = sp;
	pol.specs = specs;
	pol.nspecs = sp != NULL ? 1 : 0;
	control_metrics_init(&pol);

	render();
	ok(text != NULL && has("# TYPE aileron_requests_total counter") &&
	    has("# TYPE aileron_approval_latency_seconds histogram"),
	    "every family has its type before any series");

	rec("{\"event\":\"request\",\"connector\":\"echo\","
	    "\"action\":\"echo_get\",\"status\":200}");
	rec("{\"event\":\"request\",\"connector\":\"echo\","
	    "\"action\":\"echo_get\",\"status\":204}");
	rec("{\"event\":\"request\",\"connector\":\"evil\","
	    "\"action\":\"echo_get\",\"status\":502}");
	rec("{\"event\":\"request\",\"connector\":\"echo\","
	    "\"action\":\"rm_rf\",\"status\":403}");
	rec("{\"event\":\"request\",\"host\":\"x.example\",\"status\":0}");
	rec("{\"event\":\"decision\",\"connector\":\"echo\","
	    "\"action\":\"echo_get\",\"decision\":\"deny\"}");
	rec("{\"event\":\"decision\",\"connector\":\"echo\","
	    "\"action\":\"echo_get\",\"decision\":\"maybe\"}");
	rec("{\"event\":\"made-up\"}");
	rec("{\"no\":\"event\"}");
	render();
	ok(has("aileron_requests_total{connector=\"echo\","
	    "action=\"echo_get\",status=\"2xx\"} 2"),
	    "a spec's connector and action, by status class");
	ok(has("aileron_requests_total{connector=\"other\","
	    "action=\"other\",status=\"5xx\"} 1"),
	    "a connector no spec has: other, and its action with it");
	ok(has("aileron_requests_total{connector=\"echo\","
	    "action=\"other\",status=\"4xx\"} 1"),
	    "an action the spec does not have: other");
	ok(has("aileron_requests_total{connector=\"none\","
	    "action=\"none\",status=\"none\"} 1"),
	    "none named, no answer: none");
	ok(has("aileron_decisions_total{connector=\"echo\","
	    "action=\"echo_get\",decision=\"deny\"} 1") &&
	    has("aileron_decisions_total{connector=\"echo\","
	    "action=\"echo_get\",decision=\"other\"} 1"),
	    "decisions: the known verdicts, the rest other");
	ok(has("aileron_audit_records_total{event=\"request\"} 5") &&
	    has("aileron_audit_records_total{event=\"other\"} 2"),
	    "records by event, an unknown or missing one as other");
	ok(strstr(text, "x.example") == NULL, "never a host");

	/* Tokens: a model's name is the upstream's, so it is checked. */
	rec("{\"event\":\"request\",\"connector\":\"echo\",\"team\":\"red\","
	    "\"status\":200,\"tokens\":{\"input\":7,\"output\":5,"
	    "\"model\":\"m-ok\"}}");
	rec("{\"event\":\"request\",\"team\":\"red\",\"status\":200,"
	    "\"tokens\":{\"input\":1,\"model\":\"a\\\"} 99\\nx{b=\\\"\"}}");
	rec("{\"event\":\"request\",\"status\":200,\"tokens\":\"unknown\"}");
	rec("{\"event\":\"request\",\"team\":\"red\",\"status\":200,"
	    "\"tokens\":{\"input\":-5,\"output\":\"9\",\"model\":\"m-ok\"}}");
	render();
	ok(has("aileron_tokens_total{model=\"m-ok\",team=\"red\","
	    "kind=\"input\"} 7") && has("aileron_tokens_total{"
	    "model=\"m-ok\",team=\"red\",kind=\"output\"} 5"),
	    "tokens by model, team and kind");
	ok(has("aileron_tokens_total{model=\"other\",team=\"red\","
	    "kind=\"input\"} 1") && strstr(text, "} 99") == NULL,
	    "a model name with quotes and a line end: other, never in the "
	    "text");
	ok(has("aileron_llm_responses_total{model=\"unknown\",team=\"none\","
	    "usage=\"unknown\"} 1") && has("aileron_llm_responses_total{"
	    "model=\"m-ok\",team=\"red\",usage=\"known\"} 2"),
	    "responses known and unknown");
	rec("{\"event\":\"request\",\"team\":\"sat\",\"status\":200,"
	    "\"tokens\":{\"input\":9223372036854775807,\"model\":\"m-ok\"}}");
	rec("{\"event\":\"request\",\"team\":\"sat\",\"status\":200,"
	    "\"tokens\":{\"input\":9223372036854775807,\"model\":\"m-ok\"}}");
	rec("{\"event\":\"request\",\"team\":\"sat\",\"status\":200,"
	    "\"tokens\":{\"input\":9223372036854775807,\"model\":\"m-ok\"}}");
	render();
	ok(has("aileron_tokens_total{model=\"m-ok\",team=\"sat\","
	    "kind=\"input\"} 18446744073709551615"),
	    "a counter saturates, never wraps; a negative or a string count "
	    "adds nothing");

	/* Approvals: outcome and latency. */
	rec("{\"event\":\"approval\",\"connector\":\"echo\","
	    "\"action\":\"echo_get\",\"decision\":\"granted\","
	    "\"latency_ms\":1500}");
	rec("{\"event\":\"approval\",\"connector\":\"echo\","
	    "\"action\":\"echo_get\",\"decision\":\"expired\","
	    "\"latency_ms\":600000}");
	render();
	ok(has("aileron_approvals_total{connector=\"echo\","
	    "action=\"echo_get\",outcome=\"granted\"} 1"),
	    "approval outcomes");
	ok(has("aileron_approval_latency_seconds_bucket{outcome=\"granted\","
	    "le=\"1\"} 0") && has("aileron_approval_latency_seconds_bucket{"
	    "outcome=\"granted\",le=\"5\"} 1") &&
	    has("aileron_approval_latency_seconds_bucket{outcome=\"granted\","
	    "le=\"+Inf\"} 1") && has("aileron_approval_latency_seconds_sum{"
	    "outcome=\"granted\"} 1.500000") &&
	    has("aileron_approval_latency_seconds_count{outcome=\"granted\"} "
	    "1"), "a histogram: cumulative buckets, +Inf, sum and count");
	ok(has("aileron_approval_latency_seconds_bucket{outcome=\"expired\","
	    "le=\"600\"} 1") && has("aileron_approval_latency_seconds_bucket{"
	    "outcome=\"expired\",le=\"300\"} 0"),
	    "a bound is inclusive: 600 s is in le=\"600\"");

	/* The caps: models, teams, then series. */
	for (i = 0; i < 40; i++)
		rec("{\"event\":\"request\",\"team\":\"red\",\"status\":200,"
		    "\"tokens\":{\"input\":1,\"model\":\"cap-%d\"}}", i);
	render();
	ok(has("aileron_tokens_total{model=\"cap-30\",team=\"red\","
	    "kind=\"input\"} 1") && strstr(text, "cap-31") == NULL,
	    "32 model names (one was before), then other");
	for (i = 0; i < 70; i++)
		for (j = 0; j < 2; j++)
			rec("{\"event\":\"request\",\"team\":\"t%d\","
			    "\"status\":200,\"tokens\":{\"input\":1,"
			    "\"output\":1,\"reasoning\":1,\"cache_read\":1,"
			    "\"cache_write\":1,\"model\":\"cap-%d\"}}", i, j);
	render();
	ok(strstr(text, "team=\"t61\"") != NULL &&
	    strstr(text, "team=\"t62\"") == NULL,
	    "64 teams (red and sat were first), then other");
	for (i = 0; i < 32; i++)
		for (j = 0; j < 66; j++)
			rec("{\"event\":\"request\",\"team\":\"t%d\","
			    "\"status\":200,\"tokens\":{\"input\":1,"
			    "\"output\":1,\"reasoning\":1,\"cache_read\":1,"
			    "\"cache_write\":1,\"model\":\"cap-%d\"}}", j, i);
	render();
	ok(lines("aileron_") <= METRICS_SERIES_MAX + 64,
	    "the series stay under the cap (%d lines)", lines("aileron_"));
	ok(has("aileron_tokens_total{model=\"other\",team=\"other\","
	    "kind=\"other\"} ") || strstr(text, "aileron_tokens_total{"
	    "model=\"other\",team=\"other\",kind=\"other\"}") != NULL,
	    "past it, a new combination counts as all other");
	free(text);
	spec_free(sp);
	return done_testing();
}
