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
 * spec_openapi.c: the OpenAPI part of a spec: each path's operations
 * become actions, their parameters and request bodies (through $ref into
 * components) become the actions' typed arguments.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connector/spec.h"
#include "connector/spec_priv.h"

static const char *spec_methods[] = {
	"get", "put", "post", "delete", "patch", "head", "options", "trace"
};

static const char *spec_rest_ext[] = {
	"x-aileron-action", "x-aileron-idempotent", "x-aileron-approval",
	"x-aileron-redact", "x-aileron-usage", "x-aileron-websocket", NULL
};
static const char *spec_gqlop_ext[] = {
	"x-aileron-operations", NULL
};

static int	 spec_operation(struct spec_ctx *, json_t *, json_t *,
		    const char *, const char *);
static int	 spec_rest_action(struct spec_ctx *, json_t *, json_t *,
		    const char *, const char *);
static int	 spec_parameters(struct spec_ctx *, struct spec_action *,
		    json_t *, int);
static int	 spec_request_body(struct spec_ctx *, struct spec_action *,
		    json_t *);
static int	 spec_add_arg(struct spec_ctx *, struct spec_action *,
		    const char *, enum spec_arg_in, json_t *, const char *,
		    int);
static int	 spec_schema_type(struct spec_ctx *, json_t *,
		    enum spec_type *, enum spec_type *, json_t **);
static int	 spec_type_name(struct spec_ctx *, json_t *, enum spec_type *);
static int	 spec_templates(struct spec_ctx *, struct spec_action *);

int
spec_paths(struct spec_ctx *ctx, json_t *root)
{
	json_t		*paths, *item, *op;
	const char	*path;
	size_t		 old, old2, old3, i;

	old = spec_push(ctx, "paths");
	if ((paths = json_object_get(root, "paths")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_object(paths))
		return spec_fail(ctx, "must be an object");
	json_object_foreach(paths, path, item) {
		old2 = spec_push(ctx, path);
		if (path[0] != '/' || strpbrk(path, "?# \t\r\n%") != NULL)
			return spec_fail(ctx, "a path must start with \"/\" "
			    "and have no query, fragment, space or escape");
		if (!json_is_object(item))
			return spec_fail(ctx, "must be an object");
		for (i = 0; i < sizeof(spec_methods) / sizeof(*spec_methods);
		    i++) {
			if ((op = json_object_get(item, spec_methods[i])) ==
			    NULL)
				continue;
			old3 = spec_push(ctx, spec_methods[i]);
			if (spec_operation(ctx, item, op, path,
			    spec_methods[i]) == -1)
				return -1;
			spec_pop(ctx, old3);
		}
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	return 0;
}

static int
spec_operation(struct spec_ctx *ctx, json_t *item, json_t *op,
    const char *path, const char *method)
{
	json_t	*ops;
	size_t	 old;

	if (!json_is_object(op))
		return spec_fail(ctx, "must be an object");
	if ((ops = json_object_get(op, "x-aileron-operations")) != NULL) {
		if (json_object_get(op, "x-aileron-action") != NULL) {
			spec_push(ctx, "x-aileron-action");
			return spec_fail(ctx, "an operation has either "
			    "x-aileron-action or x-aileron-operations");
		}
		if (spec_keys(ctx, op, spec_gqlop_ext, 1) == -1)
			return -1;
		old = spec_push(ctx, "x-aileron-operations");
		if (spec_gql_actions(ctx, ops, path, method) == -1)
			return -1;
		spec_pop(ctx, old);
		return 0;
	}
	if (json_object_get(op, "x-aileron-action") != NULL)
		return spec_rest_action(ctx, item, op, path, method);
	/* Outside the curated subset; but a stray extension is a mistake. */
	return spec_keys(ctx, op, (const char *[]){ NULL }, 1);
}

static int
spec_rest_action(struct spec_ctx *ctx, json_t *item, json_t *op,
    const char *path, const char *method)
{
	struct spec_action	*a;
	size_t			 old;

	if (spec_keys(ctx, op, spec_rest_ext, 1) == -1)
		return -1;
	if ((a = spec_new_action(ctx)) == NULL)
		return -1;
	if (spec_set_route(ctx, a, method, path) == -1 ||
	    spec_common(ctx, a, op) == -1 ||
	    spec_parameters(ctx, a, op, 0) == -1)
		return -1;
	/* Errors in path-item parameters name the path item. */
	old = ctx->ptrlen - strlen(method) - 1;
	spec_pop(ctx, old);
	if (spec_parameters(ctx, a, item, 1) == -1)
		return -1;
	spec_push(ctx, method);
	if (spec_request_body(ctx, a, op) == -1 ||
	    spec_templates(ctx, a) == -1 ||
	    spec_redact(ctx, a, op) == -1 ||
	    spec_flags_unique(ctx, a) == -1 ||
	    spec_usage(ctx, a, op) == -1)
		return -1;
	return 0;
}

/* Append a zeroed action; spec_free() copes with a half-filled one. */
struct spec_action *
spec_new_action(struct spec_ctx *ctx)
{
	struct spec		*sp = ctx->spec;
	struct spec_action	*actions;

	if ((actions = reallocarray(sp->actions, sp->nactions + 1,
	    sizeof(*actions))) == NULL) {
		spec_nomem(ctx);
		return NULL;
	}
	sp->actions = actions;
	memset(&actions[sp->nactions], 0, sizeof(*actions));
	return &actions[sp->nactions++];
}

int
spec_set_route(struct spec_ctx *ctx, struct spec_action *a,
    const char *method, const char *path)
{
	char	*p;

	if ((a->method = strdup(method)) == NULL ||
	    (a->path = strdup(path)) == NULL)
		return spec_nomem(ctx);
	for (p = a->method; *p != '\0'; p++)
		*p = toupper((unsigned char)*p);
	return 0;
}

/*
 * Path and query parameters.  Operation parameters come first and
 * override path-item ones of the same name and location, as in OpenAPI.
 */
static int
spec_parameters(struct spec_ctx *ctx, struct spec_action *a, json_t *node,
    int pathlevel)
{
	struct spec_refsave	 save;
	json_t			*params, *p, *schema;
	enum spec_arg_in	 in;
	char			*name = NULL, *where = NULL, *desc = NULL;
	size_t			 old, old2, i, j;
	int			 required, rv = -1, skip;

	old = spec_push(ctx, "parameters");
	if ((params = json_object_get(node, "parameters")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (!json_is_array(params))
		return spec_fail(ctx, "must be an array");
	json_array_foreach(params, i, p) {
		old2 = spec_pushidx(ctx, i);
		if (spec_follow(ctx, &p, "#/components/parameters/",
		    &save) == -1)
			goto done;
		if (!json_is_object(p)) {
			spec_fail(ctx, "must be an object");
			goto done;
		}
		if (spec_string(ctx, p, "name", 1, &name) == -1 ||
		    spec_string(ctx, p, "in", 1, &where) == -1 ||
		    spec_string(ctx, p, "description", 0, &desc) == -1)
			goto done;
		if (strcmp(where, "path") == 0)
			in = ARG_IN_PATH;
		else if (strcmp(where, "query") == 0)
			in = ARG_IN_QUERY;
		else {
			spec_push(ctx, "in");
			spec_fail(ctx, "must be \"path\" or \"query\"");
			goto done;
		}
		required = 0;
		if (spec_bool(ctx, p, "required", 0, &required) == -1)
			goto done;
		if (in == ARG_IN_PATH && !required) {
			spec_push(ctx, "required");
			spec_fail(ctx, "must be true for a path parameter");
			goto done;
		}
		skip = 0;
		if (pathlevel)
			for (j = 0; j < a->nargs; j++)
				if (strcmp(a->args[j].name, name) == 0 &&
				    a->args[j].in == in)
					skip = 1;
		if (!skip) {
			spec_push(ctx, "schema");
			if ((schema = json_object_get(p, "schema")) == NULL) {
				spec_fail(ctx, "is required");
				goto done;
			}
			if (spec_add_arg(ctx, a, name, in, schema, desc,
			    required) == -1)
				goto done;
		}
		free(name);
		free(where);
		free(desc);
		name = where = desc = NULL;
		spec_unfollow(ctx, &save);
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	rv = 0;
 done:
	free(name);
	free(where);
	free(desc);
	return rv;
}

static int
spec_request_body(struct spec_ctx *ctx, struct spec_action *a, json_t *op)
{
	struct spec_refsave	 save;
	json_t			*rb, *content, *media, *schema;
	const char		*type;
	size_t			 old;

	old = spec_push(ctx, "requestBody");
	if ((rb = json_object_get(op, "requestBody")) == NULL) {
		spec_pop(ctx, old);
		return 0;
	}
	if (strcmp(a->method, "GET") == 0 || strcmp(a->method, "HEAD") == 0)
		return spec_fail(ctx, "a %s request has no body", a->method);
	if (spec_follow(ctx, &rb, "#/components/requestBodies/",
	    &save) == -1)
		return -1;
	if (!json_is_object(rb))
		return spec_fail(ctx, "must be an object");
	spec_push(ctx, "content");
	if ((content = json_object_get(rb, "content")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_object(content) || json_object_size(content) != 1)
		return spec_fail(ctx, "must have exactly one media type");
	type = json_object_iter_key(json_object_iter(content));
	media = json_object_get(content, type);
	spec_push(ctx, type);
	if (strcmp(type, "application/json") == 0)
		a->body = BODY_JSON;
	else if (strcmp(type, "application/x-www-form-urlencoded") == 0)
		a->body = BODY_FORM;
	else
		a->body = BODY_RAW;
	if (!json_is_object(media))
		return spec_fail(ctx, "must be an object");
	/* An upload: the action takes a body, whose words are not read. */
	if (a->body == BODY_RAW) {
		spec_unfollow(ctx, &save);
		spec_pop(ctx, old);
		return 0;
	}
	spec_push(ctx, "schema");
	if ((schema = json_object_get(media, "schema")) == NULL)
		return spec_fail(ctx, "is required");
	if (spec_object_args(ctx, a, schema, ARG_IN_BODY) == -1)
		return -1;
	spec_unfollow(ctx, &save);
	spec_pop(ctx, old);
	return 0;
}

/*
 * The top-level properties of an object schema, as arguments: a request
 * body's or a GraphQL operation's variables.
 */
int
spec_object_args(struct spec_ctx *ctx, struct spec_action *a, json_t *schema,
    enum spec_arg_in in)
{
	struct spec_refsave	 save;
	json_t			*props, *req, *v, *d;
	enum spec_type		 type;
	const char		*key;
	size_t			 old, old2, i;
	int			 required;

	if (spec_follow(ctx, &schema, "#/components/schemas/", &save) == -1)
		return -1;
	if (!json_is_object(schema))
		return spec_fail(ctx, "must be a schema object");
	if (spec_type_name(ctx, schema, &type) == -1)
		return -1;
	if (type != TYPE_OBJECT) {
		spec_push(ctx, "type");
		return spec_fail(ctx, "must be \"object\"");
	}
	props = json_object_get(schema, "properties");
	if (props != NULL && !json_is_object(props)) {
		spec_push(ctx, "properties");
		return spec_fail(ctx, "must be an object");
	}
	if ((req = json_object_get(schema, "required")) != NULL) {
		old = spec_push(ctx, "required");
		if (!json_is_array(req))
			return spec_fail(ctx, "must be an array of strings");
		json_array_foreach(req, i, v) {
			old2 = spec_pushidx(ctx, i);
			if (!json_is_string(v))
				return spec_fail(ctx, "must be a string");
			if (props == NULL || json_object_get(props,
			    json_string_value(v)) == NULL)
				return spec_fail(ctx, "no property named "
				    "\"%s\"", json_string_value(v));
			spec_pop(ctx, old2);
		}
		spec_pop(ctx, old);
	}
	if (props == NULL) {
		spec_unfollow(ctx, &save);
		return 0;
	}
	old = spec_push(ctx, "properties");
	json_object_foreach(props, key, v) {
		old2 = spec_push(ctx, key);
		required = 0;
		json_array_foreach(req, i, d)
			if (json_is_string(d) &&
			    strcmp(json_string_value(d), key) == 0)
				required = 1;
		/* A description beside a $ref says more than the target's. */
		d = json_object_get(v, "description");
		if (spec_add_arg(ctx, a, key, in, v, json_is_string(d) ?
		    json_string_value(d) : NULL, required) == -1)
			return -1;
		spec_pop(ctx, old2);
	}
	spec_pop(ctx, old);
	spec_unfollow(ctx, &save);
	return 0;
}

/* Add one argument; the pointer is at the node that declares it. */
static int
spec_add_arg(struct spec_ctx *ctx, struct spec_action *a, const char *name,
    enum spec_arg_in in, json_t *schema, const char *description,
    int required)
{
	struct spec_arg	*arg, *args;
	json_t		*resolved = NULL, *d;
	enum spec_type	 type, item;
	size_t		 i;

	if (!spec_ident(name, 1))
		return spec_fail(ctx, "argument name \"%s\" must be a letter "
		    "or \"_\" then letters, digits or \"_\"", name);
	for (i = 0; i < a->nargs; i++)
		if (strcmp(a->args[i].name, name) == 0)
			return spec_fail(ctx, "duplicate argument \"%s\"",
			    name);
	if (spec_schema_type(ctx, schema, &type, &item, &resolved) == -1)
		return -1;
	if (description == NULL &&
	    (d = json_object_get(resolved, "description")) != NULL &&
	    json_is_string(d))
		description = json_string_value(d);
	if ((in == ARG_IN_PATH || in == ARG_IN_QUERY) &&
	    type == TYPE_OBJECT)
		return spec_fail(ctx, "a %s parameter cannot be an object",
		    in == ARG_IN_PATH ? "path" : "query");
	if (in == ARG_IN_PATH && (type == TYPE_ARRAY || type == TYPE_MAP))
		return spec_fail(ctx, "a path parameter must be a scalar");
	if ((in == ARG_IN_PATH || in == ARG_IN_QUERY ||
	    (in == ARG_IN_BODY && a->body == BODY_FORM)) &&
	    type == TYPE_ARRAY && item == TYPE_OBJECT)
		return spec_fail(ctx, "only a JSON body can carry an array "
		    "of objects");
	if (in == ARG_IN_BODY && a->body == BODY_FORM && type == TYPE_OBJECT)
		return spec_fail(ctx, "a form body cannot carry an object; "
		    "use a map of strings");
	if ((args = reallocarray(a->args, a->nargs + 1,
	    sizeof(*args))) == NULL)
		return spec_nomem(ctx);
	a->args = args;
	arg = &a->args[a->nargs];
	memset(arg, 0, sizeof(*arg));
	a->nargs++;
	if ((arg->name = strdup(name)) == NULL)
		return spec_nomem(ctx);
	if (description != NULL &&
	    (arg->description = strdup(description)) == NULL)
		return spec_nomem(ctx);
	arg->in = in;
	arg->type = type;
	arg->item_type = item;
	arg->required = required;
	return 0;
}

/*
 * The type of an argument's schema.  Arrays hold scalars, so a shim can
 * take them as repeated flags; an object whose values are strings is a
 * map, taken as --name key=value.  *resolved is the schema after $ref,
 * for its description.
 */
static int
spec_schema_type(struct spec_ctx *ctx, json_t *schema, enum spec_type *type,
    enum spec_type *item, json_t **resolved)
{
	struct spec_refsave	 save, save2;
	json_t			*items, *ap, *props;
	enum spec_type		 at;
	size_t			 old;

	*item = TYPE_STRING;
	if (spec_follow(ctx, &schema, "#/components/schemas/", &save) == -1)
		return -1;
	if (!json_is_object(schema))
		return spec_fail(ctx, "must be a schema object");
	if (spec_type_name(ctx, schema, type) == -1)
		return -1;
	if (*type == TYPE_ARRAY) {
		old = spec_push(ctx, "items");
		if ((items = json_object_get(schema, "items")) == NULL)
			return spec_fail(ctx, "is required for an array");
		if (spec_follow(ctx, &items, "#/components/schemas/",
		    &save2) == -1)
			return -1;
		if (!json_is_object(items))
			return spec_fail(ctx, "must be a schema object");
		if (spec_type_name(ctx, items, item) == -1)
			return -1;
		/* Objects are allowed: each flag is then one JSON object. */
		if (*item == TYPE_ARRAY) {
			spec_push(ctx, "type");
			return spec_fail(ctx, "array items must be string, "
			    "integer, number, boolean or object");
		}
		spec_unfollow(ctx, &save2);
		spec_pop(ctx, old);
	} else if (*type == TYPE_OBJECT &&
	    (ap = json_object_get(schema, "additionalProperties")) != NULL &&
	    json_is_object(ap)) {
		old = spec_push(ctx, "additionalProperties");
		if (spec_follow(ctx, &ap, "#/components/schemas/",
		    &save2) == -1)
			return -1;
		if (!json_is_object(ap))
			return spec_fail(ctx, "must be a schema object");
		if (spec_type_name(ctx, ap, &at) == -1)
			return -1;
		props = json_object_get(schema, "properties");
		if (at == TYPE_STRING && (props == NULL ||
		    json_object_size(props) == 0))
			*type = TYPE_MAP;
		spec_unfollow(ctx, &save2);
		spec_pop(ctx, old);
	}
	*resolved = schema;
	spec_unfollow(ctx, &save);
	return 0;
}

static int
spec_type_name(struct spec_ctx *ctx, json_t *schema, enum spec_type *type)
{
	json_t		*t;
	const char	*s;
	size_t		 old;

	old = spec_push(ctx, "type");
	if ((t = json_object_get(schema, "type")) == NULL)
		return spec_fail(ctx, "is required");
	if (!json_is_string(t))
		return spec_fail(ctx, "must be a string");
	s = json_string_value(t);
	if (strcmp(s, "string") == 0)
		*type = TYPE_STRING;
	else if (strcmp(s, "integer") == 0)
		*type = TYPE_INTEGER;
	else if (strcmp(s, "number") == 0)
		*type = TYPE_NUMBER;
	else if (strcmp(s, "boolean") == 0)
		*type = TYPE_BOOLEAN;
	else if (strcmp(s, "array") == 0)
		*type = TYPE_ARRAY;
	else if (strcmp(s, "object") == 0)
		*type = TYPE_OBJECT;
	else
		return spec_fail(ctx, "must be string, integer, number, "
		    "boolean, array or object");
	spec_pop(ctx, old);
	return 0;
}

/*
 * Every {name} in the path must be a path parameter and every path
 * parameter must appear: the matcher extracts one from the other.
 */
static int
spec_templates(struct spec_ctx *ctx, struct spec_action *a)
{
	const char	*p, *end;
	char		 name[SPEC_MAX_NAME + 1];
	size_t		 i, n;
	int		 found;

	for (p = a->path; *p != '\0'; p++) {
		if (*p == '}')
			return spec_fail(ctx, "unbalanced \"}\" in path");
		if (*p != '{')
			continue;
		if ((end = strchr(p + 1, '}')) == NULL)
			return spec_fail(ctx, "unbalanced \"{\" in path");
		n = end - p - 1;
		if (n == 0 || n > SPEC_MAX_NAME ||
		    memchr(p + 1, '{', n) != NULL || memchr(p + 1, '/', n) !=
		    NULL)
			return spec_fail(ctx, "bad template in path");
		memcpy(name, p + 1, n);
		name[n] = '\0';
		found = 0;
		for (i = 0; i < a->nargs; i++)
			if (a->args[i].in == ARG_IN_PATH &&
			    strcmp(a->args[i].name, name) == 0)
				found = 1;
		if (!found)
			return spec_fail(ctx, "path template {%s} has no path "
			    "parameter", name);
		p = end;
	}
	for (i = 0; i < a->nargs; i++) {
		if (a->args[i].in != ARG_IN_PATH)
			continue;
		n = strlen(a->args[i].name);
		found = 0;
		for (p = a->path; (p = strchr(p, '{')) != NULL; p++)
			if (strncmp(p + 1, a->args[i].name, n) == 0 &&
			    p[n + 1] == '}')
				found = 1;
		if (!found)
			return spec_fail(ctx, "path parameter \"%s\" is not "
			    "in the path", a->args[i].name);
	}
	return 0;
}

/* Two arguments must not become the same shim flag, nor --help. */
int
spec_flags_unique(struct spec_ctx *ctx, struct spec_action *a)
{
	char	 f1[SPEC_MAX_FLAG], f2[SPEC_MAX_FLAG];
	size_t	 i, j;

	for (i = 0; i < a->nargs; i++) {
		if (spec_kebab(a->args[i].name, f1, sizeof(f1)) == -1)
			return spec_fail(ctx, "argument name too long");
		if (strcmp(f1, "help") == 0)
			return spec_fail(ctx, "argument \"%s\" would be the "
			    "shim's --help", a->args[i].name);
		for (j = i + 1; j < a->nargs; j++) {
			if (spec_kebab(a->args[j].name, f2, sizeof(f2)) == -1)
				return spec_fail(ctx, "argument name too long");
			if (strcmp(f1, f2) == 0)
				return spec_fail(ctx, "arguments \"%s\" and "
				    "\"%s\" are both flag --%s",
				    a->args[i].name, a->args[j].name, f1);
		}
	}
	return 0;
}
