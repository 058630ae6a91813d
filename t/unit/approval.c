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
 * approval.c: table tests for what a worker makes of an approval: the
 * API's routes and bodies (api_approval_parse), the redacted summary a
 * person sees (approval_summary) and the digest a grant binds to
 * (approval_digest).
 */

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <http_parser.h>

#include "msgtypes.h"
#include "connector/spec.h"
#include "worker/approval.h"
#include "worker/api_approval.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define ID		"0123456789abcdef0123456789abcdef"

static const struct {
	const char	*url;
	int		 post;
	const char	*body;
	int		 status;	/* 0: parsed */
	int		 op;
	const char	*reason;
} routes[] = {
	{ "/v1/approvals", 0, "", 0, MSG_APPROVAL_OP_LIST, "" },
	{ "/v1/approvals?state=pending", 0, "", 0, MSG_APPROVAL_OP_LIST, "" },
	{ "/v1/approvals?state=all", 0, "", 0, MSG_APPROVAL_OP_LIST_ALL, "" },
	{ "/v1/approvals?state=done", 0, "", 400, 0, NULL },
	{ "/v1/approvals", 1, "", 405, 0, NULL },
	{ "/v1/approvals/" ID, 0, "", 0, MSG_APPROVAL_OP_GET, "" },
	{ "/v1/approvals/" ID, 1, "", 405, 0, NULL },
	{ "/v1/approvals/" ID "/grant", 1, "", 0, MSG_APPROVAL_OP_GRANT, "" },
	{ "/v1/approvals/" ID "/grant", 1, "{}", 0, MSG_APPROVAL_OP_GRANT,
	    "" },
	{ "/v1/approvals/" ID "/grant", 0, "", 405, 0, NULL },
	{ "/v1/approvals/" ID "/grant", 1, "{\"reason\":\"x\"}", 400, 0,
	    NULL },
	{ "/v1/approvals/" ID "/deny", 1, "{\"reason\":\"no\"}", 0,
	    MSG_APPROVAL_OP_DENY, "no" },
	{ "/v1/approvals/" ID "/deny", 1, "", 0, MSG_APPROVAL_OP_DENY, "" },
	{ "/v1/approvals/" ID "/deny", 1, "{\"reason\":1}", 400, 0, NULL },
	{ "/v1/approvals/" ID "/deny", 1, "{\"why\":\"no\"}", 400, 0, NULL },
	{ "/v1/approvals/" ID "/deny", 1, "[\"no\"]", 400, 0, NULL },
	{ "/v1/approvals/" ID "/deny", 1, "{\"reason\":", 400, 0, NULL },
	{ "/v1/approvals/" ID "/deny", 1,
	    "{\"reason\":\"a\",\"reason\":\"b\"}", 400, 0, NULL },
	{ "/v1/approvals/" ID "/deny", 1, "{\"reason\":\"a\\u0000b\"}", 400,
	    0, NULL },
	{ "/v1/approvals/" ID "/undo", 1, "", 404, 0, NULL },
	{ "/v1/approvals/" ID "/grant/x", 1, "", 404, 0, NULL },
	{ "/v1/approvals/0123", 0, "", 404, 0, NULL },
	{ "/v1/approvals/" "0123456789ABCDEF0123456789abcdef", 0, "", 404, 0,
	    NULL },
	{ "/v1/approvals/" ID "0", 0, "", 404, 0, NULL },
	{ "/v1/approvals/../sessions", 0, "", 404, 0, NULL },
};

static void
test_routes(void)
{
	struct msg_control_approval_api	 m;
	const char			*why;
	size_t				 i;
	int				 st;

	ok(api_approval_match("/v1/approvals") &&
	    api_approval_match("/v1/approvals?state=all") &&
	    api_approval_match("/v1/approvals/" ID) &&
	    !api_approval_match("/v1/approvalsx") &&
	    !api_approval_match("/v1/sessions"),
	    "api_approval_match: the prefix, whole");
	for (i = 0; i < nitems(routes); i++) {
		st = api_approval_parse(routes[i].url, routes[i].post,
		    routes[i].body, strlen(routes[i].body), &m, &why);
		is(st, routes[i].status, "%s %s %s", routes[i].post ? "POST" :
		    "GET", routes[i].url, routes[i].body);
		if (st == 0) {
			ok((int)m.op == routes[i].op &&
			    strcmp(m.reason, routes[i].reason) == 0 &&
			    (m.op < MSG_APPROVAL_OP_GET ||
			    strcmp(m.id, ID) == 0),
			    "... op %u, id and reason", m.op);
		} else
			ok(why != NULL && why[0] != '\0', "... says why");
	}
}

static const char spec_json[] =
    "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
    "\"servers\":[{\"url\":\"https://t.test\"}],"
    "\"x-aileron-connector\":\"t\","
    "\"x-aileron-inject\":{\"kind\":\"query\",\"name\":\"key\"},"
    "\"x-aileron-strip\":{\"headers\":[],\"query\":[\"key\"]},"
    "\"paths\":{\"/items/{item}\":{\"post\":{"
    "\"operationId\":\"pay\",\"x-aileron-action\":\"pay\",\"summary\":\"Pay\","
    "\"x-aileron-idempotent\":false,\"x-aileron-approval\":\"always\","
    "\"x-aileron-redact\":[\"card\"],"
    "\"parameters\":[{\"name\":\"item\",\"in\":\"path\",\"required\":true,"
    "\"schema\":{\"type\":\"string\"}},{\"name\":\"key\",\"in\":\"query\","
    "\"schema\":{\"type\":\"string\"}}],"
    "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":{"
    "\"type\":\"object\",\"properties\":{"
    "\"note\":{\"type\":\"string\"},\"amount\":{\"type\":\"integer\"},"
    "\"card\":{\"type\":\"string\"},\"tags\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\"}}}}}}}}}}}";

static void
test_summary(void)
{
	struct spec			*sp;
	const struct spec_action	*act;
	json_t				*args, *sum, *want;
	char				 err[256], out[2048], small[64];
	char				 mid[300];
	char				 big[300], longnote[400];

	if ((sp = spec_parse(spec_json, sizeof(spec_json) - 1, "t.json", err,
	    sizeof(err))) == NULL || (act = spec_action_find(sp, "pay")) ==
	    NULL) {
		ok(0, "the test spec loads: %s", err);
		return;
	}
	args = json_pack("{s:s, s:s, s:s, s:i, s:s, s:[s,s], s:s}", "item",
	    "it1", "key", "SECRETKEY", "note", "refund", "amount", 42, "card",
	    "4242-SECRET", "tags", "a", "b", "other", "not in the spec");
	ok(approval_summary(sp, act, args, 0, 0, out, sizeof(out)) == 0,
	    "summary: made");
	sum = json_loads(out, 0, NULL);
	want = json_pack("{s:s, s:s, s:s, s:i, s:s, s:[s,s]}", "item", "it1",
	    "key", "redacted", "note", "refund", "amount", 42, "card",
	    "redacted", "tags", "a", "b");
	ok(sum != NULL && json_equal(sum, want),
	    "summary: the spec's arguments; redacted ones and the credential's "
	    "query parameter hidden; others left out: %s", out);
	ok(strstr(out, "SECRET") == NULL, "summary: no secret in it");
	json_decref(sum);

	/* A human's: what the spec does not name goes upstream too. */
	json_object_set_new(want, "(not in the spec)", json_pack("{s:s}",
	    "other", "not in the spec"));
	ok(approval_summary(sp, act, args, 1, 0, out, sizeof(out)) == 0 &&
	    (sum = json_loads(out, 0, NULL)) != NULL && json_equal(sum, want),
	    "summary: for a human, the arguments the spec does not name, "
	    "marked: %s", out);
	json_decref(sum);
	json_decref(want);

	/* A long value is cut at a character, never inside one. */
	memset(longnote, 'a', sizeof(longnote) - 1);
	longnote[sizeof(longnote) - 1] = '\0';
	memcpy(longnote + 119, "\xc3\xa9", 2);	/* e-acute over the cut */
	json_object_set_new(args, "note", json_string(longnote));
	ok(approval_summary(sp, act, args, 1, 0, out, sizeof(out)) == 0 &&
	    (sum = json_loads(out, 0, NULL)) != NULL &&
	    strncmp(json_string_value(json_object_get(sum, "note")),
	    longnote, 119) == 0 &&
	    strcmp(json_string_value(json_object_get(sum, "note")) + 119,
	    "... (cut: 399 bytes in all)") == 0,
	    "summary: a long value is shortened at a character, and says "
	    "so: %s", out);
	json_decref(sum);

	/* An object too long shows its members, shortened, or its keys. */
	json_object_set_new(args, "note", json_string("short"));
	json_object_set_new(args, "meta", json_pack("{s:s, s:s, s:{s:s, s:s}}",
	    "a", longnote, "b", "x", "c", "d", longnote, "e", "y"));
	ok(approval_summary(sp, act, args, 1, 0, out, sizeof(out)) == 0 &&
	    (sum = json_loads(out, 0, NULL)) != NULL &&
	    (want = json_object_get(json_object_get(sum, "(not in the spec)"),
	    "meta")) != NULL && json_object_size(want) == 3 &&
	    strcmp(json_string_value(json_object_get(want, "b")), "x") == 0 &&
	    strstr(json_string_value(json_object_get(want, "a")), "(cut: ") !=
	    NULL && strstr(json_string_value(json_object_get(want, "c")),
	    "keys d, e)") != NULL,
	    "summary: an object too long shows its keys: %s", out);
	json_decref(sum);
	ok(approval_summary(sp, act, args, 1, 0, mid, sizeof(mid)) == 0 &&
	    strstr(mid, "\"meta\":\"(cut: ") != NULL &&
	    strstr(mid, "keys a, b, c)") != NULL,
	    "summary: one that does not fit the summary shows its keys: %s",
	    mid);
	json_object_del(args, "meta");

	/* Nested deeper than two, as the audit would refuse: keys. */
	json_object_set_new(args, "deep", json_pack("{s:{s:{s:[i]}}}", "a",
	    "b", "c", 1));
	ok(approval_summary(sp, act, args, 1, 0, out, sizeof(out)) == 0 &&
	    strstr(out, "\"deep\":{\"a\":\"(cut: 15 bytes of JSON, keys b)\"}")
	    != NULL, "summary: a value nested deep shows its keys: %s", out);
	json_object_del(args, "deep");

	/* Bounded: what does not fit is said, not shown. */
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_object_set_new(args, "note", json_string("short"));
	json_object_set_new(args, "tags", json_pack("[s]", big));
	ok(approval_summary(sp, act, args, 1, 0, small, sizeof(small)) == 0 &&
	    strlen(small) < sizeof(small) && strstr(small, "\"...\"") != NULL,
	    "summary: bounded by its buffer: %s", small);
	ok(approval_summary(sp, act, args, 1, 0, out, sizeof(out)) == 0 &&
	    strstr(out, "bytes of JSON") != NULL,
	    "summary: a large array is described, not shown: %s", out);
	ok(approval_summary(sp, act, NULL, 1, 0, out, sizeof(out)) == 0 &&
	    strcmp(out, "{}") == 0, "summary: no arguments: {}");

	/* Values the matcher could not show: the human is told. */
	ok(approval_summary(sp, act, args, 0, 1, out, sizeof(out)) == 0 &&
	    strncmp(out, "{\"...\":\"some arguments are not shown\",", 38) ==
	    0 && strstr(out, "\"item\":\"it1\"") != NULL,
	    "summary: incomplete arguments said first: %s", out);
	ok(approval_summary(sp, act, NULL, 0, 1, out, sizeof(out)) == 0 &&
	    strcmp(out, "{\"...\":\"some arguments are not shown\"}") == 0,
	    "summary: said with no arguments too: %s", out);
	ok(approval_summary(sp, act, args, 0, 1, small, sizeof(small)) == 0 &&
	    strstr(small, "not shown") != NULL,
	    "summary: said when little fits: %s", small);
	json_decref(args);
	spec_free(sp);
}

static void
test_digest(void)
{
	struct approval_request	 a = { "POST", "/x?y=1", "{}", 2 }, b;
	uint8_t			 da[32], db[32];

	approval_digest("t.test", 443, &a, da);
	b = a;
	approval_digest("t.test", 443, &b, db);
	ok(memcmp(da, db, 32) == 0, "digest: the same request, the same");
	b.body = "{ }";
	b.bodylen = 3;
	approval_digest("t.test", 443, &b, db);
	ok(memcmp(da, db, 32) != 0, "digest: another body, another digest");
	b = a;
	b.target = "/x?y=2";
	approval_digest("t.test", 443, &b, db);
	ok(memcmp(da, db, 32) != 0, "digest: another query");
	b = a;
	b.method = "PUT";
	approval_digest("t.test", 443, &b, db);
	ok(memcmp(da, db, 32) != 0, "digest: another method");
	approval_digest("t.test", 8443, &a, db);
	ok(memcmp(da, db, 32) != 0, "digest: another port");
	approval_digest("u.test", 443, &a, db);
	ok(memcmp(da, db, 32) != 0, "digest: another host");
	/* Bytes moved between the parts do not make the same digest. */
	b.method = "POS";
	b.target = "T/x?y=1";
	b.body = "{}";
	b.bodylen = 2;
	approval_digest("t.test", 443, &b, db);
	ok(memcmp(da, db, 32) != 0, "digest: the parts are delimited");
}

int
main(void)
{
	test_routes();
	test_summary();
	test_digest();
	return done_testing();
}
