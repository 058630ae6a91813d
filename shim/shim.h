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
 * shim.h: the tables aileron-gen writes for one connector and the fixed
 * shim runtime (shim/shim.c) reads.
 */

#ifndef AILERON_SHIM_H
#define AILERON_SHIM_H

#include <stddef.h>

#include "connector/spec.h"

/*
 * The placeholder credentials shims send.  They are documented and fixed:
 * the proxy strips whatever the agent sent and injects the real one.
 */
#define SHIM_PLACEHOLDER	"aileron-placeholder"
/* base64("aileron:placeholder"), for Authorization: Basic. */
#define SHIM_PLACEHOLDER_BASIC	"YWlsZXJvbjpwbGFjZWhvbGRlcg=="

struct shim_arg {
	const char		*name;		/* on the wire: teamId */
	const char		*flag;		/* without "--": team-id */
	const char		*description;
	enum spec_arg_in	 in;
	enum spec_type		 type;
	enum spec_type		 item_type;	/* TYPE_ARRAY only */
	int			 required;
};

struct shim_action {
	const char		*name;		/* create_issue */
	const char		*command;	/* create-issue */
	const char		*summary;
	const char		*description;
	const char		*method;
	const char		*path;		/* below base_path */
	enum spec_body		 body;
	const char		*gql_document;	/* NULL unless GraphQL */
	const struct shim_arg	*args;
	size_t			 nargs;
};

/* A fixed header of the connector (x-aileron-headers). */
struct shim_header {
	const char		*name;		/* lower case */
	const char		*value;
};

struct shim_connector {
	const char		*name;		/* linear */
	const char		*title;
	const char		*version;
	const char		*scheme_host;	/* https://api.linear.app */
	const char		*base_path;
	enum inject_kind	 inject;
	const char		*inject_name;	/* HEADER and QUERY only */
	int			 graphql;
	const struct shim_action *actions;
	size_t			 nactions;
	const struct shim_header *headers;	/* sent on every request */
	size_t			 nheaders;
};

/* Written by aileron-gen into $(BUILD)/gen/shim-NAME.c. */
extern const struct shim_connector shim_connector;

#endif
