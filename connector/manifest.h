/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* manifest.h: the actions manifest (actions.json) built from loaded specs. */

#ifndef AILERON_MANIFEST_H
#define AILERON_MANIFEST_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "connector/spec.h"

#define MANIFEST_VERSION	1

/*
 * {"version": 1, "actions": [{"connector", "action", "command", "summary",
 * "description", "arguments": JSON Schema, "idempotent", "approval"}]}.
 * Returns NULL only when out of memory.
 */
json_t		*manifest_build(struct spec **, size_t);

/* The listing "aileron actions list" prints without --json. */
void		 manifest_print_table(FILE *, json_t *);

/*
 * The shim's name for an action or argument: lower case words joined by
 * '-' (teamId -> team-id, pull_number -> pull-number, create_issue ->
 * create-issue).  Returns -1 when it does not fit or has no word in it.
 */
int		 manifest_kebab(const char *, char *, size_t);

/* The JSON Schema type name of an argument type: "string", "object"... */
const char	*manifest_type_name(enum spec_type);

#endif
