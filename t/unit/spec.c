/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* spec.c: the spec loader: every shipped spec loads, broken ones say where. */

#include <glob.h>
#include <libgen.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "connector/spec.h"
#include "tap.h"

/*
 * The inline specs are written with ' for " so they stay readable; none
 * needs an apostrophe.
 */
#define HEAD	"{'openapi':'3.0.3','info':{'title':'t','version':'1'}," \
		"'x-aileron-connector':'t'," \
		"'servers':[{'url':'https://API.example.com/v1/'}]," \
		"'x-aileron-inject':{'kind':'bearer'}," \
		"'x-aileron-strip':{'headers':['Authorization']},"
#define META	"'summary':'s','x-aileron-idempotent':true," \
		"'x-aileron-approval':'never'"
#define OP(n)	"'x-aileron-action':'" n "'," META
#define PID	"{'name':'id','in':'path','required':true," \
		"'schema':{'type':'string'}}"
#define BODY(props) "'requestBody':{'content':{'application/json':" \
		"{'schema':{'type':'object','properties':{" props "}}}}}"
#define GQL	"{'openapi':'3.0.3','info':{'title':'t','version':'1'}," \
		"'x-aileron-connector':'g','x-aileron-graphql':true," \
		"'servers':[{'url':'https://api.example.com'}]," \
		"'x-aileron-inject':{'kind':'bearer'}," \
		"'x-aileron-strip':{'headers':['authorization']},"
#define GQLOP(n, f, doc, props) "{'x-aileron-action':'" n "'," META "," \
		"'x-aileron-graphql':{'field':'" f "','document':'" doc "'}," \
		"'x-aileron-arguments':{'type':'object','properties':{" \
		props "}}}"
#define ITEM	"'paths':{'/items/{id}':{'get':{" OP("get_item") "," \
		"'parameters':[" PID "]}}}"
#define USAGE(u) HEAD "'paths':{'/m':{'post':{" OP("m") "," \
		"'x-aileron-usage':" u "}}}}"
#define FIXED(h) HEAD "'x-aileron-headers':" h "," ITEM "}"

struct broken {
	const char	*json;
	const char	*pointer;
	const char	*message;	/* a part of it */
};

static const struct broken broken[] = {
	{ "[]", "", "must be a JSON object" },
	{ "{'openapi':'2.0'}", "/openapi", "3.0" },
	{ "{'openapi':'3.0.3','info':{'title':'t'}}", "/info/version",
	    "is required" },
	{ HEAD "'x-aileron-connector':'Bad Name'}", "", "duplicate" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'Bad Name'}", "/x-aileron-connector",
	    "lower-case" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'http://api.example.com'}]}", "/servers/0/url", "https" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com'}],'x-aileron-inject':"
	    "{'kind':'header'}}", "/x-aileron-inject/name", "is required" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com'}],'x-aileron-inject':"
	    "{'kind':'header','name':'x-api-key'},'x-aileron-strip':"
	    "{'headers':['authorization']}}", "/x-aileron-strip/headers",
	    "x-api-key" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com'}],'x-aileron-inject':"
	    "{'kind':'query','name':'key'},'x-aileron-strip':"
	    "{'headers':['authorization'],'query':['api_key']}}",
	    "/x-aileron-strip/query", "\"key\"" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com'}],'x-aileron-inject':"
	    "{'kind':'basic','name':'x'}}", "/x-aileron-inject/name",
	    "only kinds" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com:99999'}]}", "/servers/0/url",
	    "the port must be 443" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com:8443'}]}", "/servers/0/url",
	    "the port must be 443" },
	{ HEAD "'x-aileron-hosts':['a b'],'paths':{}}", "/x-aileron-hosts/0",
	    "bad host" },
	{ HEAD "'paths':{}}", "/paths", "no operation" },
	{ HEAD "'paths':{'/items':{'get':{" OP("get_item") ","
	    "'x-aileron-aproval':'never'}}}}",
	    "/paths/~1items/get/x-aileron-aproval", "unknown extension" },
	{ HEAD "'paths':{'/items':{'get':{'x-aileron-action':'get_item',"
	    "'summary':'s','x-aileron-idempotent':true,"
	    "'x-aileron-approval':'sometimes'}}}}",
	    "/paths/~1items/get/x-aileron-approval", "\"never\" or" },
	{ HEAD "'paths':{'/items':{'get':{'x-aileron-action':'get_item',"
	    "'x-aileron-idempotent':true,'x-aileron-approval':'never'}}}}",
	    "/paths/~1items/get/summary", "is required" },
	{ HEAD "'paths':{'/items':{'get':{'x-aileron-action':'Get-Item',"
	    META "}}}}", "/paths/~1items/get/x-aileron-action", "lower-case" },
	{ HEAD "'paths':{'/a':{'get':{" OP("x") "}},'/b':{'get':{" OP("x")
	    "}}}}", "/paths/~1b/get/x-aileron-action", "duplicate action" },
	{ HEAD "'paths':{'/items/{id}':{'get':{" OP("get_item") "}}}}",
	    "/paths/~1items~1{id}/get", "{id} has no path parameter" },
	{ HEAD "'paths':{'/a~b/{id}':{'get':{" OP("get_item") "}}}}",
	    "/paths/~1a~0b~1{id}/get", "{id} has no path parameter" },
	{ HEAD "'paths':{'/items':{'get':{" OP("get_item") ",'parameters':["
	    PID "]}}}}", "/paths/~1items/get", "not in the path" },
	{ HEAD "'paths':{'/items/{id}':{'get':{" OP("get_item") ","
	    "'parameters':[{'name':'id','in':'path',"
	    "'schema':{'type':'string'}}]}}}}",
	    "/paths/~1items~1{id}/get/parameters/0/required", "must be true" },
	{ HEAD "'paths':{'/items':{'get':{" OP("get_item") ","
	    "'parameters':[{'name':'v','in':'header',"
	    "'schema':{'type':'string'}}]}}}}",
	    "/paths/~1items/get/parameters/0/in", "\"path\" or \"query\"" },
	{ HEAD "'paths':{'/items':{'parameters':[{'name':'v','in':'query',"
	    "'schema':{'type':'str'}}],'get':{" OP("get_item") "}}}}",
	    "/paths/~1items/parameters/0/schema/type", "must be string" },
	{ HEAD "'paths':{'/items':{'get':{" OP("get_item") ","
	    "'parameters':[{'name':'v','in':'query','schema':"
	    "{'type':'array','items':{'type':'array'}}}]}}}}",
	    "/paths/~1items/get/parameters/0/schema/items/type",
	    "array items" },
	{ HEAD "'paths':{'/items':{'get':{" OP("get_item") ","
	    "'parameters':[{'name':'v','in':'query',"
	    "'schema':{'$ref':'#/components/schemas/Nope'}}]}}}}",
	    "/paths/~1items/get/parameters/0/schema/$ref", "no such target" },
	{ HEAD "'components':{'schemas':{'A':{'$ref':'#/components/schemas/B'},"
	    "'B':{'$ref':'#/components/schemas/A'}}},"
	    "'paths':{'/items':{'get':{" OP("get_item") ","
	    "'parameters':[{'name':'v','in':'query',"
	    "'schema':{'$ref':'#/components/schemas/A'}}]}}}}",
	    "/components/schemas/B/$ref", "circular" },
	{ HEAD "'components':{'schemas':{'A':{'type':'number','items':1},"
	    "'B':{'type':'array','items':{'$ref':'#/components/schemas/C'}},"
	    "'C':{'type':'list'}}},"
	    "'paths':{'/items':{'get':{" OP("get_item") ","
	    "'parameters':[{'name':'v','in':'query',"
	    "'schema':{'$ref':'#/components/schemas/B'}}]}}}}",
	    "/components/schemas/C/type", "must be string" },
	{ HEAD "'paths':{'/items':{'get':{" OP("get_item") ","
	    BODY("'a':{'type':'string'}") "}}}}",
	    "/paths/~1items/get/requestBody", "GET request has no body" },
	{ HEAD "'paths':{'/items':{'post':{" OP("add") ",'requestBody':"
	    "{'content':{'application/json':{'schema':{'type':'object'}},"
	    "'application/xml':{}}}}}}}",
	    "/paths/~1items/post/requestBody/content", "exactly one" },
	{ HEAD "'paths':{'/items':{'post':{" OP("add") ",'requestBody':"
	    "{'content':{'application/json':{'schema':{'type':'object',"
	    "'required':['b'],'properties':{'a':{'type':'string'}}}}}}}}}}",
	    "/paths/~1items/post/requestBody/content/application~1json/"
	    "schema/required/0", "no property named \"b\"" },
	{ HEAD "'paths':{'/items':{'post':{" OP("add") ",'requestBody':"
	    "{'content':{'application/x-www-form-urlencoded':{'schema':"
	    "{'type':'object','properties':{'meta':{'type':'object'}}}}}}}}}}",
	    "/paths/~1items/post/requestBody/content/"
	    "application~1x-www-form-urlencoded/schema/properties/meta",
	    "form body" },
	{ HEAD "'paths':{'/items':{'post':{" OP("add") ","
	    BODY("'teamId':{'type':'string'},'team_id':{'type':'string'}")
	    "}}}}", "/paths/~1items/post", "both flag --team-id" },
	/* A GraphQL document is parsed as the matcher parses requests. */
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q($id: String!) { issue(id: $id) "
	    "{ id } other { id } }", "'id':{'type':'string'}") "]}}}}",
	    "/paths/~1graphql/post/x-aileron-operations/0/x-aileron-graphql/"
	    "document", "alone" },
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q($id: String!) { issue(id: $id) "
	    "{ id }", "'id':{'type':'string'}") "]}}}}",
	    "/paths/~1graphql/post/x-aileron-operations/0/x-aileron-graphql/"
	    "document", "does not parse" },
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q($id: String!) { other { issue(id: "
	    "$id) { id } } }", "'id':{'type':'string'}") "]}}}}",
	    "/paths/~1graphql/post/x-aileron-operations/0/x-aileron-graphql/"
	    "document", "alone" },
	{ GQL "'paths':{'/graphql':{'get':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q($id: String!) { issue(id: $id) "
	    "{ id } }", "'id':{'type':'string'}") "]}}}}",
	    "/paths/~1graphql/get/x-aileron-operations", "POST" },
	/* Flags fold as the shim folds them, acronyms included. */
	{ HEAD "'paths':{'/items':{'post':{" OP("add") ","
	    BODY("'teamID':{'type':'string'},'team_id':{'type':'string'}")
	    "}}}}", "/paths/~1items/post", "both flag --team-id" },
	{ HEAD "'paths':{'/a':{'get':{" OP("create_issue") "}},"
	    "'/b':{'get':{" OP("create__issue") "}}}}",
	    "/paths/~1b/get/x-aileron-action", "both the shim command" },
	{ HEAD "'paths':{'/a':{'get':{" OP("help") "}}}}",
	    "/paths/~1a/get/x-aileron-action", "shim's own command" },
	{ HEAD "'paths':{'/items':{'post':{" OP("add") ","
	    "'x-aileron-redact':['text']," BODY("'body':{'type':'string'}")
	    "}}}}", "/paths/~1items/post/x-aileron-redact/0",
	    "no argument named \"text\"" },
	{ USAGE("{'input':'usage/input_tokens'}"),
	    "/paths/~1m/post/x-aileron-usage/input", "RFC 6901" },
	{ USAGE("{'output':'/usage/a~2b'}"),
	    "/paths/~1m/post/x-aileron-usage/output", "RFC 6901" },
	{ USAGE("{'stream':[{'event':'message_delta',"
	    "'output':'/usage/output_tokens'}]}"),
	    "/paths/~1m/post/x-aileron-usage/stream/0/cumulative",
	    "is required" },
	{ USAGE("{'stream':[{'output':'/u','cumulative':true},"
	    "{'event':null,'input':'/i','cumulative':false}]}"),
	    "/paths/~1m/post/x-aileron-usage/stream/1", "twice" },
	{ HEAD "'paths':{'/graphql':{'post':{'x-aileron-operations':[]}}}}",
	    "/paths/~1graphql/post/x-aileron-operations",
	    "x-aileron-graphql" },
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q($id: String!) { issue(id: $id) "
	    "{ id } }", "'id':{'type':'string'}") ","
	    GQLOP("b", "issue", "query Q($id: String!) { issue(id: $id) "
	    "{ id } }", "'id':{'type':'string'}") "]}}}}",
	    "/paths/~1graphql/post/x-aileron-operations/1/x-aileron-graphql/"
	    "field", "already action \"a\"" },
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q($id: String!, $x: Int) "
	    "{ issue(id: $id, x: $x) { id } }", "'id':{'type':'string'}")
	    "]}}}}", "/paths/~1graphql/post/x-aileron-operations/0/"
	    "x-aileron-graphql/document", "$x is not in" },
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q { issues { id } }", "")
	    "]}}}}", "/paths/~1graphql/post/x-aileron-operations/0/"
	    "x-aileron-graphql/document", "field \"issue\"" },
	{ GQL "'paths':{'/graphql':{'post':{'x-aileron-operations':["
	    GQLOP("a", "issue", "query Q { issue { id } }", "") "],"
	    "'x-aileron-action':'b'}}}}",
	    "/paths/~1graphql/post/x-aileron-action", "either" },
	{ FIXED("['anthropic-version']"), "/x-aileron-headers",
	    "must be an object" },
	{ FIXED("{'api version':'1'}"), "/x-aileron-headers/api version",
	    "header name" },
	{ FIXED("{'':'1'}"), "/x-aileron-headers/", "header name" },
	{ FIXED("{'X-Version':'1','x-version':'2'}"),
	    "/x-aileron-headers/x-version", "\"x-version\" is given twice" },
	{ FIXED("{'Content-Type':'text/plain'}"),
	    "/x-aileron-headers/Content-Type", "cannot be fixed" },
	{ FIXED("{'host':'evil.example.com'}"), "/x-aileron-headers/host",
	    "cannot be fixed" },
	{ FIXED("{'Proxy-Authorization':'Basic x'}"),
	    "/x-aileron-headers/Proxy-Authorization", "cannot be fixed" },
	{ FIXED("{'transfer-encoding':'chunked'}"),
	    "/x-aileron-headers/transfer-encoding", "cannot be fixed" },
	{ "{'openapi':'3.0.3','info':{'title':'t','version':'1'},"
	    "'x-aileron-connector':'t','servers':[{'url':"
	    "'https://api.example.com'}],'x-aileron-inject':"
	    "{'kind':'header','name':'x-api-key'},'x-aileron-strip':"
	    "{'headers':['X-Api-Key','x-old-key']},"
	    "'x-aileron-headers':{'X-Old-Key':'1'}}",
	    "/x-aileron-headers/X-Old-Key", "in x-aileron-strip" },
	{ FIXED("{'x-version':1}"), "/x-aileron-headers/x-version",
	    "must be a string" },
	{ FIXED("{'x-version':''}"), "/x-aileron-headers/x-version",
	    "must not be empty" },
	{ FIXED("{'x-version':'1\\r\\nx-evil: 1'}"),
	    "/x-aileron-headers/x-version", "printable ASCII" },
	{ FIXED("{'x-version':'1\\u007fx'}"), "/x-aileron-headers/x-version",
	    "printable ASCII" },
	{ FIXED("{'x-version':'caf\\u00e9'}"),
	    "/x-aileron-headers/x-version", "printable ASCII" },
	{ FIXED("{'x-version':'1\\t'}"), "/x-aileron-headers/x-version",
	    "printable ASCII" },
	{ FIXED("{'x-version':' 1'}"), "/x-aileron-headers/x-version",
	    "space" },
	{ FIXED("{'x-version':'1'},'x-aileron-header':{}"),
	    "/x-aileron-header", "unknown extension" },
};

/* One spec with most features, checked field by field. */
static const char good_spec[] = HEAD
    "'x-aileron-headers':{'Anthropic-Version':'2023-06-01',"
    "'x-b':'a=b; c'},"
    "'x-aileron-hosts':['Uploads.Example.com','api.example.com'],"
    "'components':{'schemas':{'Meta':{'type':'object',"
    "'additionalProperties':{'type':'string'}},"
    "'Tags':{'type':'array','items':{'type':'string'}}}},"
    "'paths':{'/items/{id}':{'parameters':[" PID "],"
    "'get':{" OP("get_item") "},"
    "'post':{" OP("update_item") ",'x-aileron-redact':['secret'],"
    "'parameters':[{'name':'dry','in':'query','schema':"
    "{'type':'boolean'}}],'requestBody':{'content':"
    "{'application/x-www-form-urlencoded':{'schema':{'type':'object',"
    "'required':['tags'],'properties':{"
    "'metadata':{'$ref':'#/components/schemas/Meta'},"
    "'tags':{'$ref':'#/components/schemas/Tags','description':'x'},"
    "'secret':{'type':'string','description':'The secret.'}}}}}}},"
    "'delete':{'summary':'not curated'}}}}";

static char *
unquote(const char *s)
{
	char	*t, *p;

	if ((t = strdup(s)) == NULL)
		abort();
	for (p = t; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static void
test_good(void)
{
	struct spec			*sp;
	const struct spec_action	*a;
	char				 err[512], *json;

	json = unquote(good_spec);
	sp = spec_parse(json, strlen(json), "good.json", err, sizeof(err));
	free(json);
	if (!ok(sp != NULL, "good spec loads")) {
		diag("%s", err);
		skip(26, "no spec");
		return;
	}
	is_str(sp->connector, "t", "connector");
	is_str(sp->scheme_host, "https://api.example.com", "scheme_host");
	is_str(sp->base_path, "/v1", "base_path without trailing slash");
	is(sp->nhosts, 2, "hosts deduplicated");
	is_str(sp->hosts[1], "uploads.example.com", "hosts lower case");
	is_str(sp->strip_headers[0], "authorization", "strip lower case");
	is(sp->inject, INJECT_BEARER, "inject bearer");
	if (is(sp->nfixed_headers, 2, "fixed headers")) {
		is_str(sp->fixed_header_names[0], "anthropic-version",
		    "fixed header name lower case, in order");
		is_str(sp->fixed_header_values[0], "2023-06-01",
		    "fixed header value as given");
		is_str(sp->fixed_header_values[1], "a=b; c",
		    "fixed header value with spaces and separators");
	} else
		skip(3, "no fixed headers");
	is(sp->nactions, 2, "uncurated operation ignored");
	a = spec_action_find(sp, "update_item");
	if (!ok(a != NULL, "update_item found")) {
		skip(13, "no action");
		spec_free(sp);
		return;
	}
	is_str(a->method, "POST", "method upper case");
	is(a->body, BODY_FORM, "form body");
	is(a->nargs, 5, "query, body and path-item arguments");
	is_str(a->args[0].name, "dry", "operation parameter first");
	is(a->args[1].in, ARG_IN_PATH, "path-item parameter next");
	is(a->args[2].type, TYPE_MAP, "map through $ref");
	is(a->args[3].type, TYPE_ARRAY, "array through $ref");
	is(a->args[3].item_type, TYPE_STRING, "array of strings");
	is(a->args[3].required, 1, "required honoured");
	is(a->args[4].redact, 1, "redact honoured");
	is_str(a->args[4].description, "The secret.", "description");
	ok(spec_action_find(sp, "nope") == NULL, "unknown action");
	is_str(spec_inject_name(INJECT_QUERY), "query", "inject name");
	spec_free(sp);
}

/* An upload's body: declared, of another media type, its words unread. */
static void
test_raw_body(void)
{
	struct spec			*sp;
	const struct spec_action	*a;
	char				 err[512], *json;

	json = unquote(HEAD "'paths':{'/files':{'post':{" OP("upload") ","
	    "'requestBody':{'content':{'application/octet-stream':"
	    "{'schema':{'type':'string','format':'binary'}}}}}}}}");
	sp = spec_parse(json, strlen(json), "raw.json", err, sizeof(err));
	free(json);
	if (!ok(sp != NULL, "a spec with an octet-stream body loads")) {
		diag("%s", err);
		skip(1, "no spec");
		return;
	}
	a = spec_action_find(sp, "upload");
	ok(a != NULL && a->body == BODY_RAW && a->nargs == 0,
	    "its action takes a raw body, with no arguments from it");
	spec_free(sp);
}

static void
test_broken(void)
{
	struct spec	*sp;
	char		 err[512], want[512], *json;
	size_t		 i;

	for (i = 0; i < sizeof(broken) / sizeof(*broken); i++) {
		json = unquote(broken[i].json);
		err[0] = '\0';
		sp = spec_parse(json, strlen(json), "t.json", err,
		    sizeof(err));
		free(json);
		ok(sp == NULL, "broken %zu refused", i);
		spec_free(sp);
		if (strcmp(broken[i].message, "duplicate") == 0) {
			ok(strstr(err, "duplicate object key") != NULL &&
			    strncmp(err, "t.json: line ", 13) == 0,
			    "broken %zu: duplicate key: %s", i, err);
			continue;
		}
		snprintf(want, sizeof(want), "t.json: %s: ",
		    broken[i].pointer);
		ok(strncmp(err, want, strlen(want)) == 0 &&
		    strstr(err + strlen(want), broken[i].message) != NULL,
		    "broken %zu: %s", i, err);
		if (strncmp(err, want, strlen(want)) != 0)
			diag("expected pointer %s", broken[i].pointer);
	}
}

/* Each action of a shipped spec, checked for what the others rely on. */
static void
test_shipped(void)
{
	struct spec	*sp;
	glob_t		 g;
	char		 err[512];
	size_t		 i, j, k;
	int		 good_args;

	if (glob("specs/*.json", 0, NULL, &g) != 0) {
		ok(0, "specs/*.json found");
		return;
	}
	ok(g.gl_pathc >= 6, "at least six specs shipped");
	for (i = 0; i < g.gl_pathc; i++) {
		sp = spec_load(g.gl_pathv[i], err, sizeof(err));
		if (!ok(sp != NULL, "%s loads", g.gl_pathv[i])) {
			diag("%s", err);
			continue;
		}
		good_args = 1;
		for (j = 0; j < sp->nactions; j++)
			for (k = 0; k < sp->actions[j].nargs; k++)
				if (sp->actions[j].args[k].description == NULL)
					good_args = 0;
		ok(good_args, "%s: every argument has a description",
		    sp->connector);
		spec_free(sp);
	}
	globfree(&g);
}

static void
test_linear(void)
{
	struct spec			*sp;
	const struct spec_action	*a;
	char				 err[512];

	sp = spec_load("specs/linear.json", err, sizeof(err));
	if (sp == NULL) {
		skip(9, "linear.json does not load");
		return;
	}
	is(sp->graphql, 1, "linear: graphql");
	is(sp->inject, INJECT_HEADER, "linear: inject header");
	is_str(sp->inject_name, "authorization", "linear: header lower case");
	a = spec_action_find(sp, "create_issue");
	if (a == NULL) {
		skip(6, "no create_issue");
		spec_free(sp);
		return;
	}
	is_str(a->gql_field, "issueCreate", "linear: field");
	is_str(a->path, "/graphql", "linear: path");
	is(a->nargs, 3, "linear: three variables");
	is(a->args[1].in, ARG_IN_VARIABLE, "linear: variable");
	is(a->args[1].required, 1, "linear: teamId required");
	is(a->args[2].redact, 1, "linear: description redacted");
	spec_free(sp);
}

static void
test_anthropic(void)
{
	struct spec	*sp;
	char		 err[512];

	sp = spec_load("specs/anthropic.json", err, sizeof(err));
	if (sp == NULL) {
		skip(3, "anthropic.json does not load");
		return;
	}
	if (is(sp->nfixed_headers, 1, "anthropic: one fixed header")) {
		is_str(sp->fixed_header_names[0], "anthropic-version",
		    "anthropic: anthropic-version");
		is_str(sp->fixed_header_values[0], "2023-06-01",
		    "anthropic: version 2023-06-01");
	} else
		skip(2, "no fixed header");
	spec_free(sp);
}

static void
test_load_errors(void)
{
	char	 err[512];

	ok(spec_load("specs/nonexistent.json", err, sizeof(err)) == NULL &&
	    strstr(err, "specs/nonexistent.json: ") == err,
	    "missing file names the file: %s", err);
	ok(spec_load("specs", err, sizeof(err)) == NULL,
	    "a directory is refused: %s", err);
}

/* The shim flag of an argument: "--" and its kebab-case name. */
static void
flag_of(const char *name, char *buf, size_t len)
{
	buf[0] = buf[1] = '-';
	if (spec_kebab(name, buf + 2, len - 2) == -1)
		buf[0] = '\0';
}

/* The one kebab-case rule the loader, the shims and the manifest share. */
static void
test_kebab(void)
{
	static const struct {
		const char	*name, *want;
	} k[] = {
		{ "teamId", "team-id" },
		{ "team_id", "team-id" },
		{ "teamID", "team-id" },
		{ "team__id", "team-id" },
		{ "HTMLUrl", "html-url" },
		{ "v2Name", "v2-name" },
		{ "create_issue", "create-issue" },
		{ "_x", "x" },
	};
	char	 buf[64];
	size_t	 i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		if (spec_kebab(k[i].name, buf, sizeof(buf)) == -1)
			strlcpy(buf, "(error)", sizeof(buf));
		is_str(buf, k[i].want, "kebab %s", k[i].name);
	}
	ok(spec_kebab("_", buf, sizeof(buf)) == -1, "kebab of no word fails");
	ok(spec_kebab("abcdef", buf, 6) == -1, "kebab too long fails");
	ok(spec_kebab("abcde", buf, 6) == 0, "kebab that just fits");
}

static const struct spec_arg *
arg_by_flag(const struct spec_action *a, const char *flag)
{
	char	 f[128];
	size_t	 i;

	for (i = 0; i < a->nargs; i++) {
		flag_of(a->args[i].name, f, sizeof(f));
		if (strcmp(f, flag) == 0)
			return &a->args[i];
	}
	return NULL;
}

static const struct spec_arg *
arg_by_name(const struct spec_action *a, const char *name, enum spec_arg_in in)
{
	size_t	 i;

	for (i = 0; i < a->nargs; i++)
		if (strcmp(a->args[i].name, name) == 0 && a->args[i].in == in)
			return &a->args[i];
	return NULL;
}

/* Expand the action's path template with the golden's argv. */
static int
golden_path(const struct spec *sp, const struct spec_action *a,
    json_t *argv, char *buf, size_t len)
{
	const char	*p, *end, *v;
	char		 name[128], f[128];
	size_t		 i, n;

	snprintf(buf, len, "%s%s", sp->scheme_host, sp->base_path);
	for (p = a->path; *p != '\0'; p++) {
		n = strlen(buf);
		if (*p != '{') {
			if (n + 1 < len) {
				buf[n] = *p;
				buf[n + 1] = '\0';
			}
			continue;
		}
		if ((end = strchr(p, '}')) == NULL)
			return -1;
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		flag_of(name, f, sizeof(f));
		v = NULL;
		for (i = 0; i + 1 < json_array_size(argv); i++)
			if (strcmp(json_string_value(json_array_get(argv, i)),
			    f) == 0)
				v = json_string_value(json_array_get(argv,
				    i + 1));
		if (v == NULL)
			return -1;
		strlcat(buf, v, len);
		p = end;
	}
	return 0;
}

/*
 * Each golden against the spec it exercises: the action exists, method
 * and URL agree, every flag is an argument, every required argument is
 * given, every query, body and variable name is an argument of its kind.
 * The goldens were written from the vendors' pages, so a failure here
 * means the spec or the golden misread the vendor.
 */
static void
test_golden_file(const char *file)
{
	struct spec			*sp;
	const struct spec_action	*a;
	const struct spec_arg		*arg;
	json_t				*g, *argv, *v, *body;
	json_error_t			 jerr;
	char				 conn[64], act[64], path[256], err[512];
	char				 want[1024], *copy, *q, *tok, *eq, *br;
	const char			*url, *key;
	size_t				 i, j;
	int				 good, given;

	snprintf(path, sizeof(path), "%s", file);
	snprintf(act, sizeof(act), "%s", basename(path));
	act[strcspn(act, ".")] = '\0';
	snprintf(path, sizeof(path), "%s", file);
	snprintf(conn, sizeof(conn), "%s", basename(dirname(path)));
	snprintf(path, sizeof(path), "specs/%s.json", conn);
	if ((g = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		ok(0, "%s: %s", file, jerr.text);
		return;
	}
	if ((sp = spec_load(path, err, sizeof(err))) == NULL ||
	    (a = spec_action_find(sp, act)) == NULL) {
		ok(0, "%s: no action %s in %s", file, act, path);
		spec_free(sp);
		json_decref(g);
		return;
	}
	argv = json_object_get(g, "argv");
	url = json_string_value(json_object_get(g, "url"));
	good = json_is_string(json_object_get(g, "source")) &&
	    json_is_array(argv) && url != NULL;
	ok(good, "%s: source, argv and url", file);
	if (!good)
		goto done;
	is_str(json_string_value(json_object_get(g, "method")), a->method,
	    "%s: method", file);

	/* argv: command name, then --flag value pairs. */
	snprintf(want, sizeof(want), "%s", a->name);
	for (q = want; *q != '\0'; q++)
		if (*q == '_')
			*q = '-';
	good = strcmp(json_string_value(json_array_get(argv, 0)), want) == 0;
	for (i = 1; i < json_array_size(argv); i += 2) {
		v = json_array_get(argv, i);
		if ((arg = arg_by_flag(a, json_string_value(v))) == NULL) {
			diag("%s: flag %s is no argument", file,
			    json_string_value(v));
			good = 0;
		}
	}
	for (j = 0; j < a->nargs; j++) {
		if (!a->args[j].required)
			continue;
		flag_of(a->args[j].name, want, sizeof(want));
		for (given = 0, i = 1; i < json_array_size(argv); i += 2)
			if (strcmp(json_string_value(json_array_get(argv, i)),
			    want) == 0)
				given = 1;
		if (!given) {
			diag("%s: required %s not given", file, want);
			good = 0;
		}
	}
	ok(good, "%s: argv names the action and its arguments", file);

	if (golden_path(sp, a, argv, want, sizeof(want)) == -1)
		want[0] = '\0';
	ok(strncmp(url, want, strlen(want)) == 0 && want[0] != '\0' &&
	    (url[strlen(want)] == '\0' || url[strlen(want)] == '?'),
	    "%s: url %s is the path template %s", file, url, want);

	/*
	 * Headers: beside the content type and the credential's carrier,
	 * exactly the spec's fixed headers, with their values.
	 */
	good = 1;
	json_object_foreach(json_object_get(g, "headers"), key, v) {
		if (strcasecmp(key, "content-type") == 0 ||
		    strcasecmp(key, sp->inject == INJECT_HEADER ?
		    sp->inject_name : "authorization") == 0)
			continue;
		for (i = 0; i < sp->nfixed_headers; i++)
			if (strcasecmp(key, sp->fixed_header_names[i]) == 0)
				break;
		if (i == sp->nfixed_headers || !json_is_string(v) ||
		    strcmp(json_string_value(v),
		    sp->fixed_header_values[i]) != 0) {
			diag("%s: header %s is not a fixed header of the spec",
			    file, key);
			good = 0;
		}
	}
	for (i = 0; i < sp->nfixed_headers; i++) {
		given = 0;
		json_object_foreach(json_object_get(g, "headers"), key, v)
			if (strcasecmp(key, sp->fixed_header_names[i]) == 0)
				given = 1;
		if (!given) {
			diag("%s: fixed header %s is not expected", file,
			    sp->fixed_header_names[i]);
			good = 0;
		}
	}
	ok(good, "%s: headers are the spec's fixed headers", file);

	/* Query, body and variable names are arguments of their kind. */
	good = 1;
	if ((q = strchr(url, '?')) != NULL) {
		if ((copy = strdup(q + 1)) == NULL)
			abort();
		for (q = copy; (tok = strsep(&q, "&")) != NULL;) {
			if ((eq = strchr(tok, '=')) != NULL)
				*eq = '\0';
			if (arg_by_name(a, tok, ARG_IN_QUERY) == NULL) {
				diag("%s: query %s is no argument", file, tok);
				good = 0;
			}
		}
		free(copy);
	}
	if (a->gql_document != NULL) {
		body = json_object_get(g, "body_json");
		good = good && is_str(json_string_value(json_object_get(body,
		    "query")), a->gql_document, "%s: the spec's document",
		    file);
		json_object_foreach(json_object_get(body, "variables"), key,
		    v)
			if (arg_by_name(a, key, ARG_IN_VARIABLE) == NULL) {
				diag("%s: variable %s is no argument", file,
				    key);
				good = 0;
			}
	} else if ((body = json_object_get(g, "body_json")) != NULL) {
		good = good && a->body == BODY_JSON;
		json_object_foreach(body, key, v)
			if (arg_by_name(a, key, ARG_IN_BODY) == NULL) {
				diag("%s: body %s is no argument", file, key);
				good = 0;
			}
	} else if ((body = json_object_get(g, "body_form")) != NULL) {
		good = good && a->body == BODY_FORM;
		json_object_foreach(body, key, v) {
			snprintf(want, sizeof(want), "%s", key);
			if ((br = strchr(want, '[')) != NULL)
				*br = '\0';
			arg = arg_by_name(a, want, ARG_IN_BODY);
			if (arg == NULL || (br != NULL &&
			    arg->type != TYPE_MAP) || !json_is_string(v)) {
				diag("%s: form %s is no argument", file, key);
				good = 0;
			}
		}
	} else
		good = good && a->body == BODY_NONE;
	ok(good, "%s: query, body and variables are arguments", file);
 done:
	spec_free(sp);
	json_decref(g);
}

static void
test_goldens(void)
{
	struct spec	*sp;
	glob_t		 g, gs;
	char		 err[512], path[256];
	size_t		 i, j;
	int		 missing;

	if (glob("t/golden/*/*.json", 0, NULL, &g) != 0) {
		ok(0, "t/golden/*/*.json found");
		return;
	}
	for (i = 0; i < g.gl_pathc; i++)
		test_golden_file(g.gl_pathv[i]);
	globfree(&g);
	if (glob("specs/*.json", 0, NULL, &gs) != 0)
		return;
	for (i = 0; i < gs.gl_pathc; i++) {
		if ((sp = spec_load(gs.gl_pathv[i], err, sizeof(err))) == NULL)
			continue;
		missing = 0;
		for (j = 0; j < sp->nactions; j++) {
			snprintf(path, sizeof(path), "t/golden/%s/%s.json",
			    sp->connector, sp->actions[j].name);
			if (access(path, R_OK) == -1) {
				diag("no golden %s", path);
				missing = 1;
			}
		}
		ok(!missing, "%s: every action has a golden", sp->connector);
		spec_free(sp);
	}
	globfree(&gs);
}

int
main(void)
{
	test_good();
	test_raw_body();
	test_broken();
	test_shipped();
	test_linear();
	test_anthropic();
	test_load_errors();
	test_kebab();
	test_goldens();
	return done_testing();
}
