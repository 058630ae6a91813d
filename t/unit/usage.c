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
 * usage.c: tests for the streaming token counter (worker/usage.c) with
 * the responses LLM APIs send: Anthropic's Messages (JSON and its SSE
 * stream of running totals), OpenAI's Chat Completions (JSON, and a
 * stream whose last chunk alone carries usage, when asked for) and
 * Responses.  Each is fed whole, a byte at a time and cut at every point;
 * a document that is not JSON or breaks off gives no count.
 */

#include <stdio.h>
#include <string.h>

#include "worker/usage.h"
#include "tap.h"

static struct usage_spec	anthropic, openai_chat, openai_resp;

static void
set(struct usage_set *s, const char *event, int cumulative, const char *in,
    const char *out, const char *cw, const char *cr, const char *model)
{
	memset(s, 0, sizeof(*s));
	strlcpy(s->event, event, sizeof(s->event));
	s->cumulative = cumulative;
	strlcpy(s->ptr[USAGE_INPUT], in, USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_OUTPUT], out, USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_CACHE_WRITE], cw, USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_CACHE_READ], cr, USAGE_PTR_MAX);
	strlcpy(s->ptr[USAGE_MODEL], model, USAGE_PTR_MAX);
}

static void
specs(void)
{
	set(&anthropic.body, "", 0, "/usage/input_tokens",
	    "/usage/output_tokens", "/usage/cache_creation_input_tokens",
	    "/usage/cache_read_input_tokens", "/model");
	set(&anthropic.stream[0], "message_start", 1,
	    "/message/usage/input_tokens", "/message/usage/output_tokens",
	    "/message/usage/cache_creation_input_tokens",
	    "/message/usage/cache_read_input_tokens", "/message/model");
	set(&anthropic.stream[1], "message_delta", 1, "",
	    "/usage/output_tokens", "", "", "");
	anthropic.nstream = 2;
	set(&openai_chat.body, "", 0, "/usage/prompt_tokens",
	    "/usage/completion_tokens", "",
	    "/usage/prompt_tokens_details/cached_tokens", "/model");
	set(&openai_chat.stream[0], "", 1, "/usage/prompt_tokens",
	    "/usage/completion_tokens", "",
	    "/usage/prompt_tokens_details/cached_tokens", "/model");
	openai_chat.nstream = 1;
	set(&openai_resp.body, "", 0, "/usage/input_tokens",
	    "/usage/output_tokens", "", "", "/model");
	set(&openai_resp.stream[0], "response.completed", 1,
	    "/response/usage/input_tokens", "/response/usage/output_tokens",
	    "", "", "/response/model");
	strlcpy(openai_resp.stream[0].ptr[USAGE_REASONING],
	    "/response/usage/output_tokens_details/reasoning_tokens",
	    USAGE_PTR_MAX);
	openai_resp.nstream = 1;
}

/* Scan doc fed whole (how 0), a byte at a time (1) or cut at `at`. */
static struct usage
scan(const struct usage_spec *sp, int sse, const char *doc, int how,
    size_t at)
{
	struct usage_scan	*us;
	struct usage		 u;
	size_t			 i, len = strlen(doc);

	if ((us = usage_scan_new(sp, sse)) == NULL) {
		memset(&u, 0, sizeof(u));
		return u;
	}
	if (how == 0)
		usage_scan_feed(us, doc, len);
	else if (how == 1)
		for (i = 0; i < len; i++)
			usage_scan_feed(us, doc + i, 1);
	else {
		usage_scan_feed(us, doc, at);
		usage_scan_feed(us, doc + at, len - at);
	}
	usage_scan_end(us, &u);
	usage_scan_free(us);
	return u;
}

/* The same counts whole, byte by byte and cut at every point. */
static void
expect(const char *name, const struct usage_spec *sp, int sse,
    const char *doc, long long in, long long out, long long cw,
    long long cr, long long rs, const char *model)
{
	struct usage	 u;
	size_t		 at, len = strlen(doc);
	int		 how, bad = 0;

	for (how = 0; how < 3; how++)
		for (at = 0; at <= (how == 2 ? len : 0); at++) {
			u = scan(sp, sse, doc, how, at);
			if (u.count[USAGE_INPUT] != in ||
			    u.count[USAGE_OUTPUT] != out ||
			    u.count[USAGE_CACHE_WRITE] != cw ||
			    u.count[USAGE_CACHE_READ] != cr ||
			    u.count[USAGE_REASONING] != rs ||
			    strcmp(u.model, model) != 0 || !u.known) {
				if (bad++ == 0)
					printf("# %s: how %d at %zu: %lld %lld "
					    "%lld %lld %lld \"%s\"\n", name, how,
					    at, u.count[USAGE_INPUT],
					    u.count[USAGE_OUTPUT],
					    u.count[USAGE_CACHE_WRITE],
					    u.count[USAGE_CACHE_READ],
					    u.count[USAGE_REASONING], u.model);
			}
		}
	ok(bad == 0, "%s: the counts, however the bytes come", name);
}

static void
unknown(const char *name, const struct usage_spec *sp, int sse,
    const char *doc)
{
	struct usage	 u = scan(sp, sse, doc, 0, 0);

	ok(!u.known && u.count[USAGE_INPUT] == 0 &&
	    u.count[USAGE_OUTPUT] == 0, "%s: unknown, not guessed", name);
}

/* "input" is uncached input for every vendor, as the spec says. */
static void
normalise(void)
{
	struct usage_spec	 sp = openai_chat;
	struct usage		 u;

	u = scan(&sp, 0, "{\"usage\":{\"prompt_tokens\":19,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":4}}}", 0, 0);
	usage_normalise(&sp, &u);
	ok(u.count[USAGE_INPUT] == 19 && u.count[USAGE_CACHE_READ] == 4,
	    "without input_includes_cache_read, input is as sent");
	sp.input_has_cache = 1;
	usage_normalise(&sp, &u);
	ok(u.count[USAGE_INPUT] == 15 && u.count[USAGE_CACHE_READ] == 4,
	    "with it, input is the uncached part: 19 - 4");
	u.count[USAGE_INPUT] = 3;
	usage_normalise(&sp, &u);
	ok(u.count[USAGE_INPUT] == 0, "a cache count over the input: 0, "
	    "never negative");
	u = scan(&sp, 0, "{\"usage\":{\"prompt_tokens\":19}}", 0, 0);
	usage_normalise(&sp, &u);
	ok(u.count[USAGE_INPUT] == 19, "no cache count: input as sent");
}

int
main(void)
{
	specs();
	expect("anthropic JSON", &anthropic, 0,
	    "{\"id\":\"msg_1\",\"type\":\"message\",\"model\":\"claude-x\","
	    "\"content\":[{\"type\":\"text\",\"text\":\"usage: "
	    "{\\\"input_tokens\\\": 999}\"}],"
	    "\"usage\":{\"input_tokens\":25,\"output_tokens\":150,"
	    "\"cache_creation_input_tokens\":7,"
	    "\"cache_read_input_tokens\":3}}",
	    25, 150, 7, 3, 0, "claude-x");
	expect("anthropic SSE", &anthropic, 1,
	    "event: message_start\n"
	    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
	    "\"model\":\"claude-x\",\"usage\":{\"input_tokens\":472,"
	    "\"output_tokens\":2,\"cache_creation_input_tokens\":0,"
	    "\"cache_read_input_tokens\":10}}}\n\n"
	    "event: content_block_delta\n"
	    "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":"
	    "\"{\\\"usage\\\":{\\\"output_tokens\\\":77}}\"}}\n\n"
	    "event: ping\ndata: {\"type\": \"ping\"}\n\n"
	    "event: message_delta\r\n"
	    "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":"
	    "15}}\r\n\r\n"
	    "event: message_delta\n"
	    "data: {\"type\":\"message_delta\",\n"
	    "data: \"usage\":{\"output_tokens\":89}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	    472, 89, 0, 10, 0, "claude-x");
	expect("anthropic SSE, events passed over in every shape", &anthropic,
	    1,
	    ": a comment\n\n"
	    "event: ping\n\n"
	    "event: content_block_delta\r\ndata: {\"usage\":"
	    "{\"output_tokens\":7}}\r\n\r\n"
	    "event: message_start\n"
	    "data: {\"message\":{\"model\":\"claude-y\",\"usage\":"
	    "{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
	    "event: content_block_delta\ndata: {\"a\":1}\ndata: "
	    "{\"usage\":{\"output_tokens\":99}}\n\n"
	    "event: content_block_delta\n\n"
	    "event: message_delta\ndata: {\"usage\":{\"output_tokens\":"
	    "42}}\n\n",
	    3, 42, 0, 0, 0, "claude-y");
	expect("openai chat JSON", &openai_chat, 0,
	    "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-x\","
	    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
	    "\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":19,"
	    "\"completion_tokens\":10,\"total_tokens\":29,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":4}}}",
	    19, 10, 0, 4, 0, "gpt-x");
	expect("openai chat stream with include_usage", &openai_chat, 1,
	    "data: {\"id\":\"c\",\"model\":\"gpt-x\",\"choices\":[{\"delta\":"
	    "{\"content\":\"a\"}}],\"usage\":null}\n\n"
	    "data: {\"id\":\"c\",\"model\":\"gpt-x\",\"choices\":[],"
	    "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n"
	    "data: [DONE]\n\n",
	    9, 12, 0, 0, 0, "gpt-x");
	unknown("openai chat stream without include_usage", &openai_chat, 1,
	    "data: {\"id\":\"c\",\"model\":\"gpt-x\",\"choices\":[{\"delta\":"
	    "{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n");
	expect("openai responses stream", &openai_resp, 1,
	    "event: response.created\ndata: {\"response\":{\"usage\":null}}"
	    "\n\nevent: response.completed\ndata: {\"type\":"
	    "\"response.completed\",\"response\":{\"model\":\"o-x\",\"usage\":"
	    "{\"input_tokens\":31,\"output_tokens\":400,"
	    "\"output_tokens_details\":{\"reasoning_tokens\":256}}}}\n\n",
	    31, 400, 0, 0, 256, "o-x");
	unknown("not JSON", &anthropic, 0, "<html>502 Bad Gateway</html>");
	unknown("a body cut off before its usage", &anthropic, 0,
	    "{\"model\":\"claude-x\",\"content\":[{\"type\":\"text\"");
	unknown("usage at another depth", &anthropic, 0,
	    "{\"data\":{\"usage\":{\"input_tokens\":5}}}");
	unknown("a count that is not an integer", &anthropic, 0,
	    "{\"usage\":{\"input_tokens\":5.5,\"output_tokens\":-1}}");
	unknown("a key with an escape does not match", &anthropic, 0,
	    "{\"\\u0075sage\":{\"input_tokens\":5}}");
	unknown("too deep to follow", &anthropic, 0,
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]");
	unknown("an event the spec does not name", &anthropic, 1,
	    "event: message_stop\ndata: {\"usage\":{\"output_tokens\":5}}\n\n");
	normalise();
	return done_testing();
}
