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
 * spec.h: connector specs (OpenAPI 3.0 JSON with x-aileron-* extensions)
 * loaded into one plain model shared by the matcher, the generator and the
 * CLI.  The extensions are documented in aileron-spec(5).
 */

#ifndef AILERON_SPEC_H
#define AILERON_SPEC_H

#include <stddef.h>

#include "msgtypes.h"

enum spec_approval {
	APPROVAL_NEVER,
	APPROVAL_ALWAYS
};

enum spec_body {
	BODY_NONE,
	BODY_JSON,		/* application/json */
	BODY_FORM,		/* application/x-www-form-urlencoded */
	BODY_RAW		/* any other: its arguments are not read */
};

enum spec_arg_in {
	ARG_IN_PATH,
	ARG_IN_QUERY,
	ARG_IN_BODY,		/* a top-level property of the request body */
	ARG_IN_VARIABLE		/* a GraphQL variable */
};

enum spec_type {
	TYPE_STRING,
	TYPE_INTEGER,
	TYPE_NUMBER,
	TYPE_BOOLEAN,
	TYPE_ARRAY,		/* of item_type; repeated flags on a shim */
	TYPE_MAP,		/* object of strings; --name key=value */
	TYPE_OBJECT		/* any other JSON object; passed as JSON */
};

struct spec_arg {
	char			*name;		/* as on the wire: teamId */
	char			*description;
	enum spec_arg_in	 in;
	enum spec_type		 type;
	enum spec_type		 item_type;	/* TYPE_ARRAY only */
	int			 required;
	int			 redact;	/* never in an audit record */
};

/* More counts an LLM API reports, in usage_more's order; and the model. */
#define SPEC_USAGE_MORE		4
extern const char *const spec_usage_more[SPEC_USAGE_MORE];

/* Where an LLM API reports token usage in one kind of stream event. */
struct spec_usage_event {
	char			*event;		/* SSE event name; NULL: any */
	char			*input;		/* JSON pointer or NULL */
	char			*output;	/* JSON pointer or NULL */
	char			*more[SPEC_USAGE_MORE];	/* or NULL */
	int			 cumulative;	/* else each event is a delta */
};

struct spec_action {
	char			*name;		/* create_issue */
	char			*summary;
	char			*description;
	char			*method;	/* upper case: POST */
	/* Below the server's base path: /repos/{owner}/{repo}/issues. */
	char			*path;
	char			*gql_field;	/* GraphQL top-level field */
	char			*gql_document;	/* what the shim sends */
	int			 idempotent;
	int			 websocket;	/* x-aileron-websocket */
	enum spec_approval	 approval;
	enum spec_body		 body;
	struct spec_arg		*args;
	size_t			 nargs;
	/* LLM APIs: token usage in a plain JSON response and in streams. */
	char			*usage_input;
	char			*usage_output;
	char			*usage_more[SPEC_USAGE_MORE];
	struct spec_usage_event	*usage_events;
	size_t			 nusage_events;
	/* The vendor's input count includes the tokens read from cache. */
	int			 usage_input_has_cache;
};

struct spec {
	char			*connector;	/* linear */
	char			*title;
	char			*version;
	char			*scheme_host;	/* https://api.linear.app */
	char			*base_path;	/* "" or /api */
	char		       **hosts;		/* lower case, no port */
	size_t			 nhosts;
	enum inject_kind	 inject;
	char			*inject_name;	/* HEADER and QUERY only */
	char		       **strip_headers;	/* lower case */
	size_t			 nstrip_headers;
	char		       **strip_query;
	size_t			 nstrip_query;
	int			 graphql;
	struct spec_action	*actions;
	size_t			 nactions;
	/* x-aileron-headers: sent on every request; names lower case. */
	char		       **fixed_header_names;
	char		       **fixed_header_values;
	size_t			 nfixed_headers;
};

/*
 * Load and validate a spec.  On error return NULL and write into err a
 * message naming the file and the JSON pointer of the problem:
 * "specs/linear.json: /paths/~1graphql/post/x-aileron-approval: must be
 * \"never\" or \"always\"".
 */
struct spec	*spec_load(const char *path, char *err, size_t errlen);
struct spec	*spec_parse(const char *buf, size_t len, const char *name,
		    char *err, size_t errlen);
void		 spec_free(struct spec *);
const struct spec_action *spec_action_find(const struct spec *,
		    const char *name);
const char	*spec_inject_name(enum inject_kind);

/*
 * The shim's command or flag for an action or argument name, in kebab-case
 * (teamId: team-id).  Return -1 when it does not fit in len or is empty.
 */
int		 spec_kebab(const char *name, char *buf, size_t len);

#endif
