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
 * match.c: table tests for the request-to-action matcher, against the
 * shipped specs/NAME.json and a hand-built spec for the template forms
 * none of them use.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "connector/match.h"
#include "connector/spec.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Actions of the LLM APIs, named once for the rows that expect them. */
#define ANTHROPIC_MSG	"anthropic.create_message"
#define OPENAI_CHAT	"openai.create_chat_completion"
#define OPENAI_RESP	"openai.create_response"

/*
 * Hand-built stand-ins with the shipped specs' actions, used in place of
 * specs/NAME.json only when it cannot be read, or fails to load (a failed
 * test of its own).  Run from the top of the tree, as make check does,
 * the test loads every shipped spec and uses none of these.
 */
#define ACT(n, m, p, b)	{ .name = n, .method = m, .path = p, .body = b }
#define GQL(n, f, d)	{ .name = n, .method = "POST", .path = "/graphql", \
			  .gql_field = f, .gql_document = d, .body = BODY_JSON }

static struct spec_action github_actions[] = {
	ACT("create_issue", "POST", "/repos/{owner}/{repo}/issues", BODY_JSON),
	ACT("list_issues", "GET", "/repos/{owner}/{repo}/issues", BODY_NONE),
	ACT("get_issue", "GET", "/repos/{owner}/{repo}/issues/{issue_number}",
	    BODY_NONE),
	ACT("comment_issue", "POST",
	    "/repos/{owner}/{repo}/issues/{issue_number}/comments", BODY_JSON),
	ACT("list_pulls", "GET", "/repos/{owner}/{repo}/pulls", BODY_NONE),
	ACT("create_pull", "POST", "/repos/{owner}/{repo}/pulls", BODY_JSON),
	ACT("merge_pull", "PUT",
	    "/repos/{owner}/{repo}/pulls/{pull_number}/merge", BODY_JSON),
	ACT("dispatch_workflow", "POST", "/repos/{owner}/{repo}/actions/"
	    "workflows/{workflow_id}/dispatches", BODY_JSON),
	ACT("get_repo", "GET", "/repos/{owner}/{repo}", BODY_NONE),
	ACT("delete_repo", "DELETE", "/repos/{owner}/{repo}", BODY_NONE),
};
static struct spec_action slack_actions[] = {
	ACT("post_message", "POST", "/chat.postMessage", BODY_JSON),
	ACT("list_channels", "GET", "/conversations.list", BODY_NONE),
	ACT("channel_history", "GET", "/conversations.history", BODY_NONE),
	ACT("add_reaction", "POST", "/reactions.add", BODY_JSON),
};
static struct spec_action stripe_actions[] = {
	ACT("get_customer", "GET", "/v1/customers/{customer}", BODY_NONE),
	ACT("update_customer", "POST", "/v1/customers/{customer}", BODY_FORM),
	ACT("list_charges", "GET", "/v1/charges", BODY_NONE),
	ACT("create_refund", "POST", "/v1/refunds", BODY_FORM),
};
static struct spec_action anthropic_actions[] = {
	ACT("create_message", "POST", "/v1/messages", BODY_JSON),
};
static struct spec_action openai_actions[] = {
	ACT("create_chat_completion", "POST", "/v1/chat/completions",
	    BODY_JSON),
	ACT("create_response", "POST", "/v1/responses", BODY_JSON),
};
static struct spec_action linear_actions[] = {
	GQL("create_issue", "issueCreate", "mutation IssueCreate($title: "
	    "String!, $teamId: String!) { issueCreate(input: {title: $title, "
	    "teamId: $teamId}) { success } }"),
	GQL("update_issue", "issueUpdate", "mutation IssueUpdate($id: String!) "
	    "{ issueUpdate(id: $id, input: {}) { success } }"),
	GQL("get_issue", "issue", "query Issue($id: String!) { issue(id: $id) "
	    "{ id } }"),
	GQL("list_issues", "issues",
	    "query Issues { issues { nodes { id } } }"),
	GQL("add_comment", "commentCreate", "mutation CommentCreate($issueId: "
	    "String!, $body: String!) { commentCreate(input: {issueId: "
	    "$issueId, body: $body}) { success } }"),
};
/* Template forms the shipped specs do not use. */
static struct spec_action demo_actions[] = {
	ACT("get_file", "GET", "/v1/files/{name}.json", BODY_NONE),
	ACT("get_file_any", "GET", "/v1/files/{id}", BODY_NONE),
	ACT("get_item", "GET", "/v1/items/{id}", BODY_NONE),
	ACT("search_items", "GET", "/v1/items/search", BODY_NONE),
	ACT("create_item", "POST", "/v1/items", BODY_JSON),
	ACT("root", "GET", "/", BODY_NONE),
	ACT("get_ta", "GET", "/v1/t/a{x}", BODY_NONE),
	ACT("get_tb", "GET", "/v1/t/{y}b", BODY_NONE),
};

static char *github_hosts[] = { "api.github.com" };
static char *slack_hosts[] = { "slack.com" };
static char *stripe_hosts[] = { "api.stripe.com" };
static char *anthropic_hosts[] = { "api.anthropic.com" };
static char *openai_hosts[] = { "api.openai.com" };
static char *linear_hosts[] = { "api.linear.app" };
static char *demo_hosts[] = { "api.example.com", "alt.example.com" };

#define SPEC(c, base, gql) { .connector = #c, .base_path = base,	\
	.hosts = c##_hosts, .nhosts = nitems(c##_hosts), .graphql = gql, \
	.actions = c##_actions, .nactions = nitems(c##_actions) }

static struct spec builtin[] = {
	SPEC(github, "", 0),
	SPEC(slack, "/api", 0),
	SPEC(stripe, "", 0),
	SPEC(anthropic, "", 0),
	SPEC(openai, "", 0),
	SPEC(linear, "", 1),
	SPEC(demo, "", 0),
};

#define J	"application/json"
#define F	"application/x-www-form-urlencoded"
#define GH	"api.github.com"
#define SL	"slack.com"
#define ST	"api.stripe.com"
#define AN	"api.anthropic.com"
#define OA	"api.openai.com"
#define LI	"api.linear.app"
#define EX	"api.example.com"
/* A GraphQL POST body around a document (JSON string contents). */
#define GQ(q)		"{\"query\":\"" q "\"}"
#define GQX(q, more)	"{\"query\":\"" q "\"," more "}"
#define LIN(q, want)	{ LI, "POST", "/graphql", J, GQ(q), want }
#define LINX(q, more, want) { LI, "POST", "/graphql", J, GQX(q, more), want }

#define OPS	"query A { issue(id: \\\"1\\\") { id } } " \
		"mutation B { issueCreate(input: {}) { success } }"

struct match_case {
	const char	*host;
	const char	*method;
	const char	*target;
	const char	*ctype;
	const char	*body;
	const char	*want;	/* connector.action or "none" */
};

static const struct match_case cases[] = {
	/* GitHub REST. */
	{ GH, "POST", "/repos/o/r/issues", J, "{\"title\":\"x\"}",
	  "github.create_issue" },
	{ GH, "GET", "/repos/o/r/issues", NULL, NULL, "github.list_issues" },
	{ GH, "GET", "/repos/o/r/issues?state=open&per_page=10", NULL, NULL,
	  "github.list_issues" },
	{ GH, "GET", "/repos/o/r/issues/42", NULL, NULL, "github.get_issue" },
	{ GH, "POST", "/repos/o/r/issues/42/comments", J, "{\"body\":\"b\"}",
	  "github.comment_issue" },
	{ GH, "GET", "/repos/o/r/pulls", NULL, NULL, "github.list_pulls" },
	{ GH, "GET", "/repos/o/r/pulls?per_page=5&page=2", NULL, NULL,
	  "github.list_pulls" },
	{ GH, "POST", "/repos/o/r/pulls", J, "{\"head\":\"a\",\"base\":\"b\"}",
	  "github.create_pull" },
	{ GH, "PUT", "/repos/o/r/pulls/7/merge", J, "{}",
	  "github.merge_pull" },
	{ GH, "POST", "/repos/o/r/actions/workflows/ci.yml/dispatches", J,
	  "{\"ref\":\"main\"}", "github.dispatch_workflow" },
	{ GH, "GET", "/repos/o/r", NULL, NULL, "github.get_repo" },
	{ GH, "DELETE", "/repos/o/r", NULL, NULL, "github.delete_repo" },
	/* Trailing slashes, empty and dot segments. */
	{ GH, "GET", "/repos/o/r/issues/", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues/42/", NULL, NULL, "none" },
	{ GH, "PUT", "/repos/o/r/pulls/7/merge/", J, "{}", "none" },
	{ GH, "GET", "/repos//r", NULL, NULL, "none" },
	{ GH, "GET", "//repos/o/r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/../r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/./r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/%2E%2E/issues", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/%2e/issues", NULL, NULL, "none" },
	{ GH, "GET", "/repos/../repos/o/r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues/..", NULL, NULL, "none" },
	/* Percent-encoding: unreserved decoded, the rest refused. */
	{ GH, "GET", "/repos/o/r/%69ssues", NULL, NULL, "github.list_issues" },
	{ GH, "GET", "/repos/%6F/r", NULL, NULL, "github.get_repo" },
	{ GH, "GET", "/repos/%7Eo/r", NULL, NULL, "github.get_repo" },
	{ GH, "GET", "/repos/o/r/issues/%34%32", NULL, NULL,
	  "github.get_issue" },
	{ GH, "PUT", "/repos/o/r/pulls/%37/merge", J, "{}",
	  "github.merge_pull" },
	{ GH, "GET", "/repos/o%2Fx/r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o%2fx/r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r%2F..%2Fx", NULL, NULL, "none" },
	{ GH, "PUT", "/repos/o/r/pulls/7%2F..%2F8/merge", J, "{}", "none" },
	{ GH, "GET", "/repos/o/r/issues%3Fstate=open", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues%23x", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues/%25", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r%20x", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issue%", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issue%6", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues/%zz", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues/%00", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/%5C/issues", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r\\x", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r;x/issues", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r x", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/\xc3\xa9", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues?x=1#frag", NULL, NULL, "none" },
	{ GH, "GET", "/Repos/o/r", NULL, NULL, "none" },
	{ GH, "GET", "repos/o/r", NULL, NULL, "none" },
	{ GH, "GET", "*", NULL, NULL, "none" },
	{ GH, "GET", "", NULL, NULL, "none" },
	{ GH, "GET", "https://api.github.com/repos/o/r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues/42/comments/extra", NULL, NULL,
	  "none" },
	{ GH, "GET", "/repos/o", NULL, NULL, "none" },
	/* Methods are exact. */
	{ GH, "DELETE", "/repos/o/r/issues", NULL, NULL, "none" },
	{ GH, "PATCH", "/repos/o/r", NULL, NULL, "none" },
	{ GH, "get", "/repos/o/r", NULL, NULL, "none" },
	{ GH, "HEAD", "/repos/o/r", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/pulls/7/merge", NULL, NULL, "none" },
	{ GH, "", "/repos/o/r", NULL, NULL, "none" },
	/* Hosts: case-insensitive, no port or 443 only. */
	{ "API.GITHUB.COM", "GET", "/repos/o/r", NULL, NULL,
	  "github.get_repo" },
	{ "Api.GitHub.com:443", "GET", "/repos/o/r", NULL, NULL,
	  "github.get_repo" },
	{ "api.github.com:8443", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "api.github.com:80", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "api.github.com:", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "api.github.com:0443", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "api.github.com.", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "api.github.com.evil.com", "GET", "/repos/o/r", NULL, NULL,
	  "none" },
	{ "github.com", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "evil.com", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "", "GET", "/repos/o/r", NULL, NULL, "none" },
	{ "api.github.com@evil.com", "GET", "/repos/o/r", NULL, NULL, "none" },
	/* Bodies: JSON objects, with limits and no duplicate keys. */
	{ GH, "POST", "/repos/o/r/issues", "application/json; charset=utf-8",
	  "{\"title\":\"x\"}", "github.create_issue" },
	{ GH, "POST", "/repos/o/r/issues", "Application/JSON",
	  "{\"title\":\"x\"}", "github.create_issue" },
	{ GH, "POST", "/repos/o/r/issues", NULL, NULL, "github.create_issue" },
	{ GH, "POST", "/repos/o/r/issues", J, "{\"title\":\"a\",\"title\":"
	  "\"b\"}", "none" },
	{ GH, "POST", "/repos/o/r/issues", J, "{\"a\":{\"b\":1,\"b\":2}}",
	  "none" },
	{ GH, "POST", "/repos/o/r/issues", J, "[{\"title\":\"x\"}]", "none" },
	{ GH, "POST", "/repos/o/r/issues", J, "{\"title\":", "none" },
	{ GH, "POST", "/repos/o/r/issues", J, "{\"t\":\"\\u0000\"}", "none" },
	{ GH, "POST", "/repos/o/r/issues", "text/plain", "{\"title\":\"x\"}",
	  "none" },
	{ GH, "POST", "/repos/o/r/issues", NULL, "{\"title\":\"x\"}", "none" },
	{ GH, "POST", "/repos/o/r/issues", "application/jsonx",
	  "{\"title\":\"x\"}", "none" },
	{ GH, "POST", "/repos/o/r/issues?title=a", J, "{\"title\":\"b\"}",
	  "none" },
	{ GH, "POST", "/repos/o/r/issues", J, "{\"a\":[[[[[[[[[[[[[[[[[[[[["
	  "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  "none" },
	{ GH, "POST", "/repos/o/r/issues", J, "{\"a\":\"[[[[[[[[[[[[[[[[[["
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", "github.create_issue" },
	/* Query strings: extra parameters fine, repeats and junk not. */
	{ GH, "GET", "/repos/o/r?", NULL, NULL, "github.get_repo" },
	{ GH, "GET", "/repos/o/r?a&b=&&c=1", NULL, NULL, "github.get_repo" },
	{ GH, "GET", "/repos/o/r/issues?state=open&state=closed", NULL, NULL,
	  "none" },
	{ GH, "GET", "/repos/o/r/issues?state=%ZZ", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues?%00=1", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues?=1", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues?a=b c", NULL, NULL, "none" },
	{ GH, "GET", "/repos/o/r/issues?a=%C3%A9", NULL, NULL,
	  "github.list_issues" },
	{ GH, "GET", "/repos/o/r/issues?a=%C3", NULL, NULL, "none" },

	/* Slack, below the base path /api. */
	{ SL, "POST", "/api/chat.postMessage", J,
	  "{\"channel\":\"C1\",\"text\":\"hi\"}", "slack.post_message" },
	{ SL, "GET", "/api/conversations.list", NULL, NULL,
	  "slack.list_channels" },
	{ SL, "GET", "/api/conversations.list?limit=10&cursor=abc", NULL,
	  NULL, "slack.list_channels" },
	{ SL, "GET", "/api/conversations.history?channel=C1", NULL, NULL,
	  "slack.channel_history" },
	{ SL, "POST", "/api/reactions.add", J, "{\"name\":\"eyes\"}",
	  "slack.add_reaction" },
	{ SL, "POST", "/api/chat%2EpostMessage", J, "{}",
	  "slack.post_message" },
	{ "SLACK.COM", "POST", "/api/chat.postMessage", J, "{}",
	  "slack.post_message" },
	{ SL, "POST", "/chat.postMessage", J, "{}", "none" },
	{ SL, "POST", "/api/chat.postMessage/", J, "{}", "none" },
	{ SL, "POST", "/api//chat.postMessage", J, "{}", "none" },
	{ SL, "POST", "/API/chat.postMessage", J, "{}", "none" },
	{ SL, "POST", "/api/chat.postmessage", J, "{}", "none" },
	{ SL, "GET", "/api/chat.postMessage", NULL, NULL, "none" },
	{ SL, "POST", "/api/chat.postMessage", F, "channel=C1&text=hi",
	  "none" },
	{ SL, "POST", "/api/chat.postMessage", J,
	  "{\"channel\":\"C1\",\"channel\":\"C2\"}", "none" },
	{ SL, "POST", "/api/../api/chat.postMessage", J, "{}", "none" },
	{ SL, "POST", "/api/x/../chat.postMessage", J, "{}", "none" },
	{ "www.slack.com", "POST", "/api/chat.postMessage", J, "{}", "none" },
	{ "slack.com:8080", "POST", "/api/chat.postMessage", J, "{}",
	  "none" },

	/* Stripe: form bodies. */
	{ ST, "GET", "/v1/customers/cus_123", NULL, NULL,
	  "stripe.get_customer" },
	{ ST, "POST", "/v1/customers/cus_123", F,
	  "name=x&metadata[order]=6", "stripe.update_customer" },
	{ ST, "POST", "/v1/customers/cus_123", F,
	  "expand[]=a&expand[]=b", "stripe.update_customer" },
	{ ST, "POST", "/v1/customers/cus_123", F,
	  "metadata%5Border%5D=6&name=a+b", "stripe.update_customer" },
	{ ST, "GET", "/v1/charges?limit=3", NULL, NULL,
	  "stripe.list_charges" },
	{ ST, "POST", "/v1/refunds", F, "charge=ch_1&amount=100",
	  "stripe.create_refund" },
	{ ST, "POST", "/v1/refunds", F "; charset=utf-8",
	  "charge=ch_1&amount=100", "stripe.create_refund" },
	{ ST, "GET", "/v1/customers/cus%5F1", NULL, NULL,
	  "stripe.get_customer" },
	{ ST, "POST", "/v1/refunds", J, "{\"charge\":\"ch_1\"}", "none" },
	{ ST, "POST", "/v1/refunds", NULL, "charge=ch_1", "none" },
	{ ST, "POST", "/v1/refunds", F, "charge=a&charge=b", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F,
	  "metadata[a]=1&metadata[a]=2", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "metadata=x&metadata[a]=1",
	  "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "metadata[a]=1&metadata=x",
	  "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "name=%zz", "none" },
	{ ST, "POST", "/v1/refunds", F, "charge=a b", "none" },
	{ ST, "POST", "/v1/refunds?amount=1", F, "amount=2", "none" },
	{ ST, "DELETE", "/v1/customers/cus_1", NULL, NULL, "none" },
	{ ST, "GET", "/v1/customers/cus_1/", NULL, NULL, "none" },
	{ ST, "GET", "/v1/customers/..%2Fcharges", NULL, NULL, "none" },
	{ ST, "GET", "/v1/customers/%2E%2E", NULL, NULL, "none" },
	{ ST, "GET", "/v1//charges", NULL, NULL, "none" },

	/* LLM APIs. */
	{ AN, "POST", "/v1/messages", J, "{\"model\":\"m\",\"max_tokens\":"
	  "10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
	  ANTHROPIC_MSG },
	{ "api.anthropic.com:443", "POST", "/v1/messages", J, "{}",
	  ANTHROPIC_MSG },
	{ AN, "POST", "/v1/messages?beta=true", J, "{}", ANTHROPIC_MSG },
	{ AN, "GET", "/v1/messages", NULL, NULL, "none" },
	{ AN, "POST", "/v1/messages/", J, "{}", "none" },
	{ AN, "POST", "/v1/messages", J, "  ", "none" },
	{ AN, "POST", "/v1/messages", J, "{\"model\":\"a\",\"model\":\"b\"}",
	  "none" },
	{ OA, "POST", "/v1/chat/completions", J, "{\"model\":\"m\","
	  "\"messages\":[]}", OPENAI_CHAT },
	{ OA, "POST", "/v1/chat/%63ompletions", J, "{}", OPENAI_CHAT },
	{ OA, "POST", "/v1/responses", J, "{\"model\":\"m\",\"input\":\"x\"}",
	  OPENAI_RESP },
	{ OA, "POST", "/v1/chat/completions/", J, "{}", "none" },
	{ OA, "POST", "/v1/chat//completions", J, "{}", "none" },
	{ OA, "POST", "/v1/chat%2Fcompletions", J, "{}", "none" },
	{ OA, "POST", "/v1/chat/completions", J, "{\"stream\":true,"
	  "\"stream\":false}", "none" },

	/* Linear GraphQL. */
	LIN("mutation { issueCreate(input: {title: $t}) { success } }",
	    "none"),
	LINX("mutation IssueCreate($title: String!, $teamId: String!) "
	    "{ issueCreate(input: {title: $title, teamId: $teamId}) "
	    "{ success } }", "\"variables\":{\"title\":\"t\",\"teamId\":\"T\"}",
	    "linear.create_issue"),
	LIN("mutation { a: issueCreate(input: {}) { success } }",
	    "linear.create_issue"),
	/* One request, one action: a field repeated under aliases too. */
	LIN("mutation { a: issueCreate(input: {}) { success } "
	    "b: issueCreate(input: {}) { success } }", "none"),
	LIN("mutation M($id: String!) { a: issueUpdate(id: $id, input: {}) "
	    "{ success } b: issueUpdate(id: \\\"ENG-2\\\", input: {}) "
	    "{ success } }", "none"),
	LIN("mutation { issueCreate(input: {}) { success } "
	    "...F } fragment F on Mutation { issueCreate(input: {}) "
	    "{ success } }", "none"),
	LIN("{ a: issue(id: \\\"1\\\") { id } b: issue(id: \\\"2\\\") "
	    "{ id } }", "none"),
	LIN("mutation { issueCreate(input: {}) { success } "
	    "commentCreate(input: {}) { success } }", "none"),
	LIN("mutation { issueCreate(input: {}) { success } "
	    "issueDelete(id: \\\"1\\\") { success } }", "none"),
	LIN("mutation { issueCreate: commentCreate(input: {}) { success } }",
	    "linear.add_comment"),
	LIN("mutation { ...F } fragment F on Mutation "
	    "{ issueCreate(input: {}) { success } }", "linear.create_issue"),
	LIN("mutation { ... on Mutation { issueCreate(input: {}) "
	    "{ success } } }", "linear.create_issue"),
	LIN("mutation { ... { commentCreate(input: {}) { success } } }",
	    "linear.add_comment"),
	LIN("mutation { issueCreate(input: {}) { success } ...F } "
	    "fragment F on Mutation { commentCreate(input: {}) { success } }",
	    "none"),
	LIN("mutation { issueCreate(input: {}) { success } "
	    "... on Mutation { commentCreate(input: {}) { success } } }",
	    "none"),
	LIN("mutation { ...F } fragment F on Mutation { ...F }", "none"),
	LIN("mutation { ...G }", "none"),
	LIN("mutation { issueCreate(input: {title: \\\"x\\\", teamId: "
	    "\\\"t\\\", n: 1.5, e: ENUM, l: [1, 2]}) { success } }",
	    "linear.create_issue"),
	LINX(OPS, "\"operationName\":\"B\"", "linear.create_issue"),
	LINX(OPS, "\"operationName\":\"A\"", "linear.get_issue"),
	LIN(OPS, "none"),
	LINX(OPS, "\"operationName\":\"C\"", "none"),
	LINX(OPS, "\"operationName\":\"\"", "none"),
	LINX(OPS, "\"operationName\":null", "none"),
	LINX(OPS, "\"operationName\":[\"B\"]", "none"),
	LINX("query A { issues { nodes { id } } }", "\"operationName\":null",
	    "linear.list_issues"),
	LINX("query A { issues { nodes { id } } }", "\"operationName\":\"A\"",
	    "linear.list_issues"),
	LINX(OPS, "\"operationName\":\"B\\u0000A\"", "none"),
	{ LI, "POST", "/graphql", J, "[" GQ("{ issues { nodes { id } } }")
	  "]", "none" },
	{ LI, "POST", "/graphql", J, "[" GQ("{ issues { nodes { id } } }")
	  "," GQ("mutation { issueCreate(input: {}) { success } }") "]",
	  "none" },
	{ LI, "POST", "/graphql", J, "{\"query\":\"{ issues }\",\"query\":"
	  "\"mutation { issueCreate(input: {}) { success } }\"}", "none" },
	{ LI, "POST", "/graphql", J, "{\"query\":\"{ issues }\",\"variables\""
	  ":{\"a\":1,\"a\":2}}", "none" },
	LIN("mutation { issueCreate(input: {description: \\\"\\\"\\\" } "
	    "commentCreate(input: {}) { \\\"\\\"\\\"}) { success } }",
	    "linear.create_issue"),
	LIN("mutation { issueCreate(input: {description: \\\"\\\"\\\" "
	    "\\\\\\\"\\\"\\\" } commentCreate { \\\"\\\"\\\"}) { success } }",
	    "linear.create_issue"),
	LIN("mutation { issueCreate(input: {description: \\\"a } "
	    "commentCreate { \\\"}) { success } }", "linear.create_issue"),
	LIN("mutation { issueCreate(input: {}) { success } # } "
	    "commentCreate(input: {}) {\\n }", "linear.create_issue"),
	LIN("# { commentCreate }\\nmutation { issueCreate(input: {}) "
	    "{ success } }", "linear.create_issue"),
	LIN("mutation { issueCreate(input: {}) { success } # }\\r "
	    "commentCreate(input: {}) { success } }", "none"),
	LIN("mutation { issueCreate(input: {description: \\\"unterminated) "
	    "{ success } }", "none"),
	LIN("\\u006d\\u0075tation { issueCreate(input: {}) { success } }",
	    "linear.create_issue"),
	LIN("mutation { issueUpdate(id: \\\"1\\\", input: {}) "
	    "{ success } }", "linear.update_issue"),
	LIN("{ issues(first: 10) { nodes { id } } }", "linear.list_issues"),
	LIN("query { issue(id: \\\"1\\\") { id } issues { nodes { id } } }",
	    "none"),
	LIN("query { issueCreate(input: {}) { success } }", "none"),
	LIN("mutation { issue(id: \\\"1\\\") { id } }", "none"),
	LIN("subscription { issueCreate { id } }", "none"),
	LIN("{ __typename issue(id: \\\"1\\\") { id } }", "linear.get_issue"),
	LIN("{ __typename }", "none"),
	LIN("{ __schema { types { name } } }", "none"),
	LIN("mutation { issueCreate(input: {}) { success } } }", "none"),
	LIN("mutation { issueCreate(input: {}) @skip(if: true) "
	    "{ success } commentCreate(input: {}) { success } }", "none"),
	LIN("", "none"),
	LIN("type Mutation { issueCreate: Int }", "none"),
	{ LI, "POST", "/graphql", J, "{\"query\":5}", "none" },
	{ LI, "POST", "/graphql", J, "{}", "none" },
	{ LI, "POST", "/graphql", J, "", "none" },
	{ LI, "POST", "/graphql", J, "{\"id\":\"abc\",\"variables\":{}}",
	  "none" },
	LINX("{ issues { nodes { id } } }", "\"id\":\"abc\"", "none"),
	LINX("{ issues { nodes { id } } }", "\"extensions\":{"
	    "\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"ab\"}}",
	    "none"),
	LINX("{ issues { nodes { id } } }", "\"extensions\":{}",
	    "linear.list_issues"),
	LINX("{ issues { nodes { id } } }", "\"variables\":[1]", "none"),
	LINX("{ issues { nodes { id } } }", "\"variables\":\"{}\"", "none"),
	LINX("{ issues { nodes { id } } }", "\"variables\":null",
	    "linear.list_issues"),
	LINX("{ issues { nodes { id } } }", "\"variables\":{\"a\":[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]}", "none"),
	{ LI, "POST", "/graphql", "text/plain", GQ("{ issues { nodes "
	  "{ id } } }"), "none" },
	{ LI, "POST", "/graphql", "application/graphql",
	  "{ issues { nodes { id } } }", "none" },
	{ LI, "POST", "/graphql?query=%7Bissues%7D", J,
	  GQ("{ issues { nodes { id } } }"), "none" },
	{ LI, "POST", "/graphql/", J, GQ("{ issues { nodes { id } } }"),
	  "none" },
	{ LI, "POST", "/Graphql", J, GQ("{ issues { nodes { id } } }"),
	  "none" },
	{ LI, "PUT", "/graphql", J, GQ("{ issues { nodes { id } } }"),
	  "none" },
	{ "api.linear.app:80", "POST", "/graphql", J,
	  GQ("{ issues { nodes { id } } }"), "none" },
	{ "API.LINEAR.APP:443", "POST", "/graphql", J,
	  GQ("{ issues { nodes { id } } }"), "linear.list_issues" },
	/* GraphQL over GET. */
	{ LI, "GET", "/graphql?query=%7B%20issue(id%3A%20%221%22)%20%7B%20id"
	  "%20%7D%20%7D", NULL, NULL, "linear.get_issue" },
	{ LI, "GET", "/graphql?query={issues{nodes{id}}}", NULL, NULL,
	  "linear.list_issues" },
	{ LI, "GET", "/graphql?query=query+A+%7B+issue+%7D+query+B+%7B+issues"
	  "+%7D&operationName=B", NULL, NULL, "linear.list_issues" },
	{ LI, "GET", "/graphql?query=query+A+%7B+issue+%7D+query+B+%7B+issues"
	  "+%7D", NULL, NULL, "none" },
	{ LI, "GET", "/graphql?query=%7Bissue%7D&variables=%7B%22id%22%3A%221"
	  "%22%7D", NULL, NULL, "linear.get_issue" },
	{ LI, "GET", "/graphql?query=%7Bissue%7D&variables=%7B", NULL, NULL,
	  "none" },
	{ LI, "GET", "/graphql?query=%7Bissue%7D&variables=5", NULL, NULL,
	  "none" },
	{ LI, "GET", "/graphql?query=%7Bissue%7D&query=%7Bissues%7D", NULL,
	  NULL, "none" },
	{ LI, "GET", "/graphql?query=%7Bissue%7D&id=1", NULL, NULL, "none" },
	{ LI, "GET", "/graphql?query=%7Bissue%20issueDelete%7D", NULL, NULL,
	  "none" },
	{ LI, "GET", "/graphql?query=mutation%7BissueCreate%7D", NULL, NULL,
	  "linear.create_issue" },
	{ LI, "GET", "/graphql", NULL, NULL, "none" },
	{ LI, "GET", "/graphql?operationName=A", NULL, NULL, "none" },
	{ LI, "GET", "/graphql?query=%7Bissue%7D%00", NULL, NULL, "none" },

	/* Templates with a literal around the parameter; literal wins. */
	{ EX, "GET", "/v1/files/report.json", NULL, NULL, "demo.get_file" },
	{ EX, "GET", "/v1/files/.json", NULL, NULL, "demo.get_file_any" },
	{ EX, "GET", "/v1/files/report.txt", NULL, NULL, "demo.get_file_any" },
	{ EX, "GET", "/v1/files/report.json/", NULL, NULL, "none" },
	{ EX, "GET", "/v1/items/search", NULL, NULL, "demo.search_items" },
	{ EX, "GET", "/v1/items/42", NULL, NULL, "demo.get_item" },
	{ EX, "POST", "/v1/items", J, "{}", "demo.create_item" },
	{ EX, "GET", "/", NULL, NULL, "demo.root" },
	{ "alt.example.com", "GET", "/v1/items/42", NULL, NULL,
	  "demo.get_item" },
	{ EX, "GET", "/v1/items", NULL, NULL, "none" },
	/* A segment two templates fit equally well is taken by neither. */
	{ EX, "GET", "/v1/t/ac", NULL, NULL, "demo.get_ta" },
	{ EX, "GET", "/v1/t/cb", NULL, NULL, "demo.get_tb" },
	{ EX, "GET", "/v1/t/acb", NULL, NULL, "none" },
	{ EX, "GET", "/v1/t/ab", NULL, NULL, "none" },
	/* Form and query keys with brackets that open or close nothing. */
	{ ST, "POST", "/v1/customers/cus_1", F, "metadata[a]x=1", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "[a]=1", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "name]=1", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "metadata[a=1", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "metadata[a[b]]=1", "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "metadata]a[=1", "none" },
	{ ST, "GET", "/v1/charges?limit]=3", NULL, NULL, "none" },
	{ ST, "POST", "/v1/customers/cus_1", F, "items[0][price]=1",
	  "stripe.update_customer" },
};

/* Spec for each connector: the shipped one, or its stand-in. */
static struct spec	*loaded[nitems(builtin)];
static struct spec	*use[nitems(builtin)];

static void
load_specs(void)
{
	char	 path[256], err[512];
	size_t	 i, nshipped = 0;

	for (i = 0; i < nitems(builtin); i++) {
		use[i] = &builtin[i];
		if (strcmp(builtin[i].connector, "demo") == 0)
			continue;
		snprintf(path, sizeof(path), "specs/%s.json",
		    builtin[i].connector);
		if (access(path, R_OK) == -1)
			continue;
		loaded[i] = spec_load(path, err, sizeof(err));
		if (!ok(loaded[i] != NULL, "%s loads", path))
			diag("%s", err);
		else {
			use[i] = loaded[i];
			nshipped++;
		}
	}
	diag("%zu shipped specs, %zu hand-built", nshipped,
	    nitems(builtin) - nshipped);
}

static void
run_table(const struct matcher *m)
{
	const struct match_case	*c;
	struct match_req	 req;
	struct match_result	 res;
	char			 got[128];
	size_t			 i;
	int			 rv;

	for (i = 0; i < nitems(cases); i++) {
		c = &cases[i];
		memset(&req, 0, sizeof(req));
		req.host = c->host;
		req.method = c->method;
		req.target = c->target;
		req.content_type = c->ctype;
		req.body = c->body;
		req.bodylen = c->body != NULL ? strlen(c->body) : 0;
		rv = match_request(m, &req, &res);
		if (rv == 1)
			snprintf(got, sizeof(got), "%s.%s",
			    res.spec->connector, res.action->name);
		else
			strlcpy(got, "none", sizeof(got));
		if (!is_str(got, c->want, "%zu: %s %s%.60s", i, c->method,
		    c->host, c->target) && rv != 1)
			diag("reason: %s", res.reason);
		if (rv == 0 && res.reason == NULL)
			ok(0, "%zu: no match gives a reason", i);
		match_result_clear(&res);
	}
}

/* Match one request; return its arguments as compact JSON text. */
static char *
args_of(const struct matcher *m, const char *host, const char *method,
    const char *target, const char *ctype, const char *body)
{
	struct match_req	 req;
	struct match_result	 res;
	char			*s = NULL;

	memset(&req, 0, sizeof(req));
	req.host = host;
	req.method = method;
	req.target = target;
	req.content_type = ctype;
	req.body = body;
	req.bodylen = body != NULL ? strlen(body) : 0;
	if (match_request(m, &req, &res) == 1)
		s = json_dumps(res.args, JSON_COMPACT | JSON_SORT_KEYS);
	match_result_clear(&res);
	return s;
}

static void
check_args(const struct matcher *m, const char *host, const char *method,
    const char *target, const char *ctype, const char *body,
    const char *want)
{
	char	*got;

	got = args_of(m, host, method, target, ctype, body);
	is_str(got, want, "args of %s %s", method, target);
	free(got);
}

static void
test_args(const struct matcher *m)
{
	check_args(m, GH, "POST", "/repos/o/r/issues", J,
	    "{\"title\":\"x\",\"labels\":[\"a\"]}",
	    "{\"labels\":[\"a\"],\"owner\":\"o\",\"repo\":\"r\","
	    "\"title\":\"x\"}");
	check_args(m, GH, "GET", "/repos/%6F%7E/r/issues?state=open", NULL,
	    NULL, "{\"owner\":\"o~\",\"repo\":\"r\",\"state\":\"open\"}");
	/* The path decides what the server acts on; the query cannot. */
	check_args(m, GH, "GET", "/repos/o/r?owner=evil", NULL, NULL,
	    "{\"owner\":\"o\",\"repo\":\"r\"}");
	check_args(m, GH, "PUT", "/repos/o/r/pulls/7/merge", J,
	    "{\"merge_method\":\"squash\"}",
	    "{\"merge_method\":\"squash\",\"owner\":\"o\",\"pull_number\":"
	    "\"7\",\"repo\":\"r\"}");
	check_args(m, ST, "POST", "/v1/customers/cus_123", F,
	    "name=a+b&metadata[order]=6&metadata%5Bx%5D=%26&expand[]=p&"
	    "expand[]=q&items[0][price]=3",
	    "{\"customer\":\"cus_123\",\"expand\":[\"p\",\"q\"],"
	    "\"items[0][price]\":\"3\",\"metadata\":{\"order\":\"6\","
	    "\"x\":\"&\"},\"name\":\"a b\"}");
	check_args(m, SL, "GET", "/api/conversations.list?limit=10&cursor=abc",
	    NULL, NULL, "{\"cursor\":\"abc\",\"limit\":\"10\"}");
	/* The server reads only the variables its operation declares. */
	check_args(m, LI, "POST", "/graphql", J,
	    GQX("mutation C($title: String!) { issueCreate(input: "
	    "{title: $title}) { success } }",
	    "\"variables\":{\"title\":\"t\",\"teamId\":\"T\"}"),
	    "{\"title\":\"t\"}");
	check_args(m, LI, "POST", "/graphql", J,
	    GQ("{ issues { nodes { id } } }"), "{}");
	check_args(m, LI, "GET", "/graphql?query=query%28%24id%3AID%29"
	    "%7Bissue%28id%3A%24id%29%7D&variables="
	    "%7B%22id%22%3A%22ENG-1%22%7D", NULL, NULL, "{\"id\":\"ENG-1\"}");
	check_args(m, LI, "GET", "/graphql?query=%7Bissue%7D&variables="
	    "%7B%22id%22%3A%22ENG-1%22%7D", NULL, NULL, "{}");
	check_args(m, EX, "GET", "/v1/files/a.b.json", NULL, NULL,
	    "{\"name\":\"a.b\"}");
}

/*
 * Arguments, and whether they are all of what the server acts on.  A
 * request here must match; want is its arguments as compact sorted JSON.
 */
struct args_case {
	const char	*host;
	const char	*method;
	const char	*target;
	const char	*ctype;
	const char	*body;
	const char	*want;
	int		 incomplete;
};

#define LINA(q, more, want, inc) \
	{ LI, "POST", "/graphql", J, GQX(q, more), want, inc }
#define CREATE_VARS	"mutation C($t: String!, $teamId: String!) " \
			"{ issueCreate(input: {title: $t, teamId: $teamId}) " \
			"{ success } }"
#define CREATE_DEFAULT	"mutation C($t: String!, $teamId: String = " \
			"\\\"T\\\") { issueCreate(input: {title: $t, " \
			"teamId: $teamId}) { success } }"

static const struct args_case args_cases[] = {
	/*
	 * Arguments are named by the place the action's document gives
	 * its variables, whatever the request calls them; variables the
	 * field does not read are not arguments.
	 */
	LINA(CREATE_VARS, "\"variables\":{\"t\":\"x\",\"teamId\":\"T\","
	    "\"evil\":1}", "{\"teamId\":\"T\",\"title\":\"x\"}", 0),
	LINA(CREATE_VARS, "\"variables\":{\"t\":\"x\"}", "{\"title\":\"x\"}",
	    0),
	LINA(CREATE_VARS, "\"variables\":null", "{}", 0),
	LINA(OPS, "\"operationName\":\"B\",\"variables\":{\"id\":\"1\"}",
	    "{}", 0),
	{ LI, "GET", "/graphql?query=query%28%24a%3AID%29%7Bissue%28id%3A%24a"
	  "%29%7D&variables=%7B%22a%22%3A%22x%22%2C%22b%22%3A%22y%22%7D",
	  NULL, NULL, "{\"id\":\"x\"}", 0 },
	LINA("mutation U($id: String!, $t: String!) { issueUpdate(id: $t, "
	    "input: {title: $id}) { success } }",
	    "\"variables\":{\"id\":\"ENG-1\",\"t\":\"ENG-2\"}",
	    "{\"id\":\"ENG-2\",\"title\":\"ENG-1\"}", 0),
	/* Literals in top-level arguments are arguments as well. */
	LINA("mutation { issueCreate(input: {title: \\\"x\\\", teamId: "
	    "\\\"T\\\"}) { success } }", "\"variables\":{\"teamId\":\"U\"}",
	    "{\"teamId\":\"T\",\"title\":\"x\"}", 0),
	LINA("mutation C($t: String!) { issueCreate(input: {title: $t, "
	    "teamId: \\\"T\\\"}) { success } }", "\"variables\":{\"t\":\"x\"}",
	    "{\"teamId\":\"T\",\"title\":\"x\"}", 0),
	LINA("mutation { issueUpdate(id: \\\"ENG-2\\\", input: {}) "
	    "{ success } }", "\"variables\":{\"id\":\"ENG-1\"}",
	    "{\"id\":\"ENG-2\"}", 0),
	LINA("mutation { issueCreate(input: {}) { success } }",
	    "\"variables\":{}", "{}", 0),
	LINA("mutation { issueCreate(input: {teamId: {a: [1, true, null, "
	    "E]}}) { success } }", "\"variables\":{}",
	    "{\"teamId\":{\"a\":[1,true,null,\"E\"]}}", 0),
	/* Values at places the document has no variable for. */
	LINA("mutation C($t: String!) { ...F } fragment F on Mutation "
	    "{ a: issueCreate(input: {title: $t, labels: [\\\"l\\\"]}) "
	    "{ success } }", "\"variables\":{\"t\":\"x\"}",
	    "{\"title\":\"x\"}", 1),
	LINA("mutation { issueUpdate(id: \\\"ENG-3\\\", input: {description: "
	    "\\\"pwned\\\", priority: 1}) { success } }", "\"variables\":{}",
	    "{\"description\":\"pwned\",\"id\":\"ENG-3\"}", 1),
	LINA("mutation C($i: In) { issueCreate(input: $i) { success } }",
	    "\"variables\":{\"i\":{\"title\":\"x\",\"priority\":1}}",
	    "{\"title\":\"x\"}", 1),
	LINA("mutation C($i: In) { issueCreate(input: $i) { success } }",
	    "\"variables\":{\"i\":{\"title\":\"x\",\"teamId\":\"T\"}}",
	    "{\"teamId\":\"T\",\"title\":\"x\"}", 0),
	/* Values JSON cannot hold, or copied a second time. */
	LINA("mutation { issueUpdate(id: 99999999999999999999, input: {}) "
	    "{ success } }", "\"variables\":{}", "{}", 1),
	LINA("mutation C($t: String!) { issueCreate(input: {title: $t, "
	    "teamId: $t}) { success } }", "\"variables\":{\"t\":\"x\"}",
	    "{\"title\":\"x\"}", 1),
	/* A default the server uses in place of an omitted variable. */
	LINA(CREATE_DEFAULT, "\"variables\":{\"t\":\"x\"}",
	    "{\"teamId\":\"T\",\"title\":\"x\"}", 0),
	LINA(CREATE_DEFAULT, "\"variables\":null", "{\"teamId\":\"T\"}", 0),
	LINA(CREATE_DEFAULT, "\"variables\":{\"t\":\"x\",\"teamId\":\"U\"}",
	    "{\"teamId\":\"U\",\"title\":\"x\"}", 0),
	LINA(CREATE_DEFAULT, "\"variables\":{\"t\":\"x\",\"teamId\":null}",
	    "{\"teamId\":null,\"title\":\"x\"}", 0),
	/* Complete: literals only in directives or deeper. */
	LINA("mutation C($t: String!) @d(x: 1) { issueCreate(input: "
	    "{title: $t}) @include(if: true) { success issue { labels("
	    "first: 5) { nodes { id } } } } }", "\"variables\":{\"t\":\"x\"}",
	    "{\"title\":\"x\"}", 0),
	LINA("{ issues { nodes { id } } }", "\"variables\":{}", "{}", 0),
	/* REST arguments are read whole. */
	{ GH, "POST", "/repos/o/r/issues", J, "{\"title\":\"x\"}",
	  "{\"owner\":\"o\",\"repo\":\"r\",\"title\":\"x\"}", 0 },
	{ ST, "POST", "/v1/refunds", F, "charge=ch_1", "{\"charge\":\"ch_1\"}",
	  0 },
};

/*
 * The documents the shims send pass every argument as a variable, so
 * policy sees their arguments whole.
 */
static void
test_shim_documents(const struct matcher *m)
{
	const struct spec_action	*a;
	struct match_req		 req;
	struct match_result		 res;
	json_t				*body;
	char				*text;
	size_t				 i, j;

	for (i = 0; i < nitems(use); i++) {
		for (j = 0; j < use[i]->nactions; j++) {
			a = &use[i]->actions[j];
			if (!use[i]->graphql || a->gql_document == NULL ||
			    use[i]->nhosts == 0)
				continue;
			if ((body = json_pack("{s:s}", "query",
			    a->gql_document)) == NULL ||
			    (text = json_dumps(body, JSON_COMPACT)) == NULL)
				abort();
			json_decref(body);
			memset(&req, 0, sizeof(req));
			req.host = use[i]->hosts[0];
			req.method = a->method;
			req.target = a->path;
			req.content_type = J;
			req.body = text;
			req.bodylen = strlen(text);
			ok(match_request(m, &req, &res) == 1 &&
			    res.action == a && res.args_incomplete == 0,
			    "%s.%s: own document matches, arguments complete",
			    use[i]->connector, a->name);
			match_result_clear(&res);
			free(text);
		}
	}
}

static void
test_args_complete(const struct matcher *m)
{
	const struct args_case	*c;
	struct match_req	 req;
	struct match_result	 res;
	char			*got;
	size_t			 i;

	for (i = 0; i < nitems(args_cases); i++) {
		c = &args_cases[i];
		memset(&req, 0, sizeof(req));
		req.host = c->host;
		req.method = c->method;
		req.target = c->target;
		req.content_type = c->ctype;
		req.body = c->body;
		req.bodylen = c->body != NULL ? strlen(c->body) : 0;
		if (!is(match_request(m, &req, &res), 1, "args %zu matches",
		    i)) {
			diag("reason: %s", res.reason);
			match_result_clear(&res);
			continue;
		}
		got = json_dumps(res.args, JSON_COMPACT | JSON_SORT_KEYS);
		is_str(got, c->want, "args %zu: %.70s", i,
		    c->body != NULL ? c->body : c->target);
		is(res.args_incomplete, c->incomplete,
		    "args %zu: args_incomplete", i);
		free(got);
		match_result_clear(&res);
	}

	test_shim_documents(m);

	/* No match: nothing is known, and nothing claims to be. */
	memset(&req, 0, sizeof(req));
	req.host = LI;
	req.method = "POST";
	req.target = "/graphql";
	req.content_type = J;
	req.body = GQ("mutation { issueDelete(id: \\\"1\\\") { success } }");
	req.bodylen = strlen(req.body);
	is(match_request(m, &req, &res), 0, "unknown field: no match");
	ok(res.args == NULL && res.args_incomplete == 0,
	    "and no arguments, not marked incomplete");
	match_result_clear(&res);

	/* One approval must not cover a second mutation under an alias. */
	req.body = GQX("mutation M($id: String!, $title: String) "
	    "{ a: issueUpdate(id: $id, input: {title: $title}) { success } "
	    "b: issueUpdate(id: \\\"ENG-2\\\", input: {stateId: "
	    "\\\"canceled\\\"}) { success } }", "\"variables\":"
	    "{\"id\":\"ENG-1\",\"title\":\"Fix typo\"}");
	req.bodylen = strlen(req.body);
	is(match_request(m, &req, &res), 0, "aliased second mutation: no match");
	is_str(res.reason, "more than one top-level GraphQL field",
	    "the reason says so");
	match_result_clear(&res);
}

static void
test_limits(const struct matcher *m)
{
	struct match_req	 req;
	struct match_result	 res;
	char			*buf;
	size_t			 i;

	memset(&req, 0, sizeof(req));
	req.host = GH;
	req.method = "GET";
	buf = malloc(MATCH_PATH_MAX + 64);

	/* A path of exactly MATCH_PATH_MAX bytes is read; one more is not. */
	snprintf(buf, MATCH_PATH_MAX + 64, "/repos/o/");
	for (i = strlen(buf); i < MATCH_PATH_MAX; i++)
		buf[i] = 'r';
	buf[i] = '\0';
	req.target = buf;
	is(match_request(m, &req, &res), 1, "path of %d bytes matches",
	    MATCH_PATH_MAX);
	match_result_clear(&res);
	strlcat(buf, "r", MATCH_PATH_MAX + 64);
	is(match_request(m, &req, &res), 0, "path of %d bytes refused",
	    MATCH_PATH_MAX + 1);
	match_result_clear(&res);

	/* Too many segments. */
	buf[0] = '\0';
	for (i = 0; i < MATCH_SEGMENTS_MAX + 1; i++)
		strlcat(buf, "/a", MATCH_PATH_MAX + 64);
	is(match_request(m, &req, &res), 0, "%d segments refused",
	    MATCH_SEGMENTS_MAX + 1);
	match_result_clear(&res);
	free(buf);

	/* A body over the limit is refused before it is parsed. */
	buf = malloc(MATCH_BODY_MAX + 16);
	memset(buf, ' ', MATCH_BODY_MAX + 16);
	memcpy(buf, "{\"title\":\"x\"}", 13);
	req.method = "POST";
	req.target = "/repos/o/r/issues";
	req.content_type = J;
	req.body = buf;
	req.bodylen = MATCH_BODY_MAX;
	is(match_request(m, &req, &res), 1, "body of %d bytes read",
	    MATCH_BODY_MAX);
	match_result_clear(&res);
	req.bodylen = MATCH_BODY_MAX + 1;
	is(match_request(m, &req, &res), 0, "body of %d bytes refused",
	    MATCH_BODY_MAX + 1);
	ok(res.reason != NULL && strstr(res.reason, "large") != NULL,
	    "reason: %s", res.reason ? res.reason : "(null)");
	match_result_clear(&res);
	free(buf);

	ok(match_host(m, "API.github.com:443") == use[0], "match_host");
	ok(match_host(m, "api.github.com:444") == NULL,
	    "match_host refuses another port");
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Cost per request, for the log, and a loose bound on the worst case. */
static void
test_speed(const struct matcher *m)
{
	struct match_req	 req;
	struct match_result	 res;
	const char		*body = GQX("mutation IssueCreate($title: "
				    "String!) { issueCreate(input: {title: "
				    "$title}) { success issue { id } } }",
				    "\"variables\":{\"title\":\"t\"}");
	char			*big;
	double			 t0, t;
	size_t			 i, n = 20000;

	memset(&req, 0, sizeof(req));
	req.host = LI;
	req.method = "POST";
	req.target = "/graphql";
	req.content_type = J;
	req.body = body;
	req.bodylen = strlen(body);
	t0 = now();
	for (i = 0; i < n; i++) {
		match_request(m, &req, &res);
		match_result_clear(&res);
	}
	t = (now() - t0) / n;
	diag("GraphQL POST: %.2f us per request", t * 1e6);
	req.host = GH;
	req.method = "GET";
	req.target = "/repos/o/r/pulls/7?per_page=5";
	t0 = now();
	for (i = 0; i < n; i++) {
		match_request(m, &req, &res);
		match_result_clear(&res);
	}
	t = (now() - t0) / n;
	diag("REST GET: %.2f us per request", t * 1e6);

	/* A body just under the limit, all tokens: refused, quickly. */
	big = malloc(MATCH_BODY_MAX);
	memcpy(big, "{\"query\":\"{", 11);
	for (i = 11; i < MATCH_BODY_MAX - 3; i += 2)
		memcpy(big + i, " a", 2);
	memcpy(big + i, "}\"}", 3);
	req.host = LI;
	req.method = "POST";
	req.target = "/graphql";
	req.body = big;
	req.bodylen = i + 3;
	t0 = now();
	is(match_request(m, &req, &res), 0, "1 MiB of GraphQL tokens refused");
	t = now() - t0;
	match_result_clear(&res);
	ok(t < 1.0, "and in %.1f ms", t * 1e3);
	free(big);
}

static void
test_compile_errors(void)
{
	struct spec_action	 dup[] = {
		ACT("a", "GET", "/x/{id}", BODY_NONE),
		ACT("b", "GET", "/x/{name}", BODY_NONE),
	};
	struct spec_action	 badt[] = {
		ACT("a", "GET", "/x/{id", BODY_NONE),
	};
	struct spec_action	 badg[] = {
		GQL("a", "issueCreate", "mutation { issueDelete { id } }"),
	};
	char			*h[] = { "x.example" };
	struct spec		 s = { .connector = "t", .base_path = "",
				    .hosts = h, .nhosts = 1 };
	struct spec		*sp[2];
	struct matcher		*m;
	char			 err[256];

	sp[0] = sp[1] = &s;
	s.actions = dup;
	s.nactions = nitems(dup);
	m = match_compile(sp, 1, err, sizeof(err));
	ok(m == NULL && strstr(err, "two actions") != NULL,
	    "same method and path shape refused: %s", err);
	match_free(m);
	s.actions = badt;
	s.nactions = nitems(badt);
	m = match_compile(sp, 1, err, sizeof(err));
	ok(m == NULL && strstr(err, "bad template") != NULL,
	    "bad template refused: %s", err);
	match_free(m);
	s.actions = badg;
	s.nactions = nitems(badg);
	s.graphql = 1;
	m = match_compile(sp, 1, err, sizeof(err));
	ok(m == NULL && strstr(err, "issueCreate") != NULL,
	    "document selecting another field refused: %s", err);
	match_free(m);
	s.graphql = 0;
	s.actions = dup;
	s.nactions = 1;
	m = match_compile(sp, 2, err, sizeof(err));
	ok(m == NULL && strstr(err, "claimed by both") != NULL,
	    "host in two specs refused: %s", err);
	match_free(m);
}

int
main(void)
{
	struct matcher	*m;
	char		 err[512];
	size_t		 i;

	load_specs();
	m = match_compile(use, nitems(use), err, sizeof(err));
	if (!ok(m != NULL, "matcher compiles")) {
		diag("%s", err);
		return done_testing();
	}
	ok(nitems(cases) >= 150, "table has %zu requests", nitems(cases));
	run_table(m);
	test_args(m);
	test_args_complete(m);
	test_limits(m);
	test_speed(m);
	test_compile_errors();
	match_free(m);
	for (i = 0; i < nitems(loaded); i++)
		if (loaded[i] != NULL)
			spec_free(loaded[i]);
	return done_testing();
}
