/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* manifest.c: the actions manifest (actions.json) built from loaded specs. */

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "connector/spec.h"
#include "connector/manifest.h"

static json_t	*manifest_arg_schema(const struct spec_arg *);
static json_t	*manifest_action(const struct spec *,
		    const struct spec_action *);
static int	 manifest_set(json_t *, const char *, json_t *);
static void	 manifest_first_line(const char *, char *, size_t);

/* The loader checked names with this same function; see spec_kebab(). */
int
manifest_kebab(const char *name, char *buf, size_t len)
{
	return spec_kebab(name, buf, len);
}

const char *
manifest_type_name(enum spec_type type)
{
	switch (type) {
	case TYPE_STRING:
		return "string";
	case TYPE_INTEGER:
		return "integer";
	case TYPE_NUMBER:
		return "number";
	case TYPE_BOOLEAN:
		return "boolean";
	case TYPE_ARRAY:
		return "array";
	case TYPE_MAP:
	case TYPE_OBJECT:
		return "object";
	}
	return "string";
}

/* json_object_set_new that also takes a NULL value, from a failed alloc. */
static int
manifest_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

static json_t *
manifest_arg_schema(const struct spec_arg *arg)
{
	json_t	*p, *items;
	char	 flag[128];

	if ((p = json_object()) == NULL)
		return NULL;
	if (manifest_set(p, "type",
	    json_string(manifest_type_name(arg->type))) == -1)
		goto fail;
	if (arg->description != NULL && manifest_set(p, "description",
	    json_string(arg->description)) == -1)
		goto fail;
	if (arg->type == TYPE_ARRAY) {
		if ((items = json_object()) == NULL ||
		    manifest_set(p, "items", items) == -1 ||
		    manifest_set(items, "type",
		    json_string(manifest_type_name(arg->item_type))) == -1)
			goto fail;
	} else if (arg->type == TYPE_MAP) {
		if ((items = json_object()) == NULL ||
		    manifest_set(p, "additionalProperties", items) == -1 ||
		    manifest_set(items, "type", json_string("string")) == -1)
			goto fail;
	}
	/* How the argument is spelled on the shim's command line. */
	if (manifest_kebab(arg->name, flag + 2, sizeof(flag) - 2) == 0) {
		flag[0] = flag[1] = '-';
		if (manifest_set(p, "x-aileron-flag", json_string(flag)) == -1)
			goto fail;
	}
	return p;
 fail:
	json_decref(p);
	return NULL;
}

static json_t *
manifest_action(const struct spec *spec, const struct spec_action *act)
{
	json_t		*a, *schema, *required, *props;
	const char	*desc;
	char		 cmd[256], kebab[128];
	size_t		 i, pass;

	if ((a = json_object()) == NULL)
		return NULL;
	desc = act->description != NULL && act->description[0] != '\0' ?
	    act->description : act->summary;
	if (manifest_set(a, "connector", json_string(spec->connector)) == -1 ||
	    manifest_set(a, "action", json_string(act->name)) == -1 ||
	    manifest_set(a, "summary",
	    json_string(act->summary != NULL ? act->summary : "")) == -1 ||
	    manifest_set(a, "description",
	    json_string(desc != NULL ? desc : "")) == -1 ||
	    manifest_set(a, "idempotent",
	    json_boolean(act->idempotent)) == -1 ||
	    manifest_set(a, "approval", json_string(act->approval ==
	    APPROVAL_ALWAYS ? "always" : "never")) == -1)
		goto fail;
	if (manifest_kebab(act->name, kebab, sizeof(kebab)) == 0) {
		(void)snprintf(cmd, sizeof(cmd), "%s %s", spec->connector,
		    kebab);
		if (manifest_set(a, "command", json_string(cmd)) == -1)
			goto fail;
	}

	if ((schema = json_object()) == NULL ||
	    manifest_set(a, "arguments", schema) == -1 ||
	    manifest_set(schema, "type", json_string("object")) == -1 ||
	    (required = json_array()) == NULL ||
	    manifest_set(schema, "required", required) == -1 ||
	    (props = json_object()) == NULL ||
	    manifest_set(schema, "properties", props) == -1 ||
	    manifest_set(schema, "additionalProperties", json_false()) == -1)
		goto fail;
	/* Required arguments first, as the shim's --help lists them. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < act->nargs; i++) {
			if ((act->args[i].required != 0) != (pass == 0))
				continue;
			if (act->args[i].required &&
			    json_array_append_new(required,
			    json_string(act->args[i].name)) == -1)
				goto fail;
			if (manifest_set(props, act->args[i].name,
			    manifest_arg_schema(&act->args[i])) == -1)
				goto fail;
		}
	}
	return a;
 fail:
	json_decref(a);
	return NULL;
}

json_t *
manifest_build(struct spec **specs, size_t nspecs)
{
	json_t	*m, *actions;
	size_t	 i, j;

	if ((m = json_object()) == NULL)
		return NULL;
	if (manifest_set(m, "version", json_integer(MANIFEST_VERSION)) == -1 ||
	    (actions = json_array()) == NULL ||
	    manifest_set(m, "actions", actions) == -1)
		goto fail;
	for (i = 0; i < nspecs; i++) {
		for (j = 0; j < specs[i]->nactions; j++) {
			if (json_array_append_new(actions, manifest_action(
			    specs[i], &specs[i]->actions[j])) == -1)
				goto fail;
		}
	}
	return m;
 fail:
	json_decref(m);
	return NULL;
}

/* The first line of a description, for a one-line listing. */
static void
manifest_first_line(const char *s, char *buf, size_t len)
{
	size_t	 n;

	n = strcspn(s, "\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

void
manifest_print_table(FILE *fp, json_t *manifest)
{
	json_t		*actions, *a;
	const char	*connector, *action, *approval, *desc;
	char		 name[256], line[256];
	size_t		 i;
	int		 width = (int)strlen("ACTION"), n;

	actions = json_object_get(manifest, "actions");
	json_array_foreach(actions, i, a) {
		connector = json_string_value(json_object_get(a, "connector"));
		action = json_string_value(json_object_get(a, "action"));
		n = snprintf(name, sizeof(name), "%s.%s",
		    connector != NULL ? connector : "?",
		    action != NULL ? action : "?");
		if (n > width && n < (int)sizeof(name))
			width = n;
	}
	fprintf(fp, "%-*s  %-8s  %-10s  %s\n", width, "ACTION", "APPROVAL",
	    "IDEMPOTENT", "DESCRIPTION");
	json_array_foreach(actions, i, a) {
		connector = json_string_value(json_object_get(a, "connector"));
		action = json_string_value(json_object_get(a, "action"));
		approval = json_string_value(json_object_get(a, "approval"));
		/* A summary fits a line; a description may not. */
		desc = json_string_value(json_object_get(a, "summary"));
		if (desc == NULL || desc[0] == '\0')
			desc = json_string_value(json_object_get(a,
			    "description"));
		manifest_first_line(desc != NULL ? desc : "", line,
		    sizeof(line));
		(void)snprintf(name, sizeof(name), "%s.%s",
		    connector != NULL ? connector : "?",
		    action != NULL ? action : "?");
		fprintf(fp, "%-*s  %-8s  %-10s  %s\n", width, name,
		    approval != NULL ? approval : "?",
		    json_is_true(json_object_get(a, "idempotent")) ?
		    "yes" : "no", line);
	}
}
