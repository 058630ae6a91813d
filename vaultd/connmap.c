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
 * connmap.c: vaultd's map of connectors: the hosts each connector's
 * credential may be injected for, and how.  It comes from the master, a
 * trusted peer, but is checked field by field all the same: it decides
 * where a credential may go.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "msgtypes.h"
#include "spec.h"
#include "vaultd/connmap.h"

#define CONNMAP_MAX_HOSTS	256
#define CONNMAP_HOST_MAX	253

/* Parse one MSG_CONF_CONNECTOR payload; -1 when it is malformed. */
int
connmap_add(struct connmap *cm, const void *data, size_t len)
{
	struct msg_conf_connector	 mc;
	struct connmap_entry		*e, *ne;
	const char			*p, *end, *z;
	size_t				 i;

	if (len < sizeof(mc))
		return -1;
	memcpy(&mc, data, sizeof(mc));
	if (memchr(mc.name, '\0', sizeof(mc.name)) == NULL ||
	    mc.name[0] == '\0' ||
	    memchr(mc.inject_name, '\0', sizeof(mc.inject_name)) == NULL ||
	    mc.inject < INJECT_BEARER || mc.inject > INJECT_QUERY ||
	    ((mc.inject == INJECT_HEADER || mc.inject == INJECT_QUERY) &&
	    mc.inject_name[0] == '\0') ||
	    mc.nhosts == 0 || mc.nhosts > CONNMAP_MAX_HOSTS)
		return -1;
	if (connmap_find(cm, mc.name) != NULL)
		return -1;
	if ((ne = reallocarray(cm->entries, cm->n + 1, sizeof(*ne))) == NULL)
		fatal("%s", __func__);
	cm->entries = ne;
	e = &cm->entries[cm->n];
	memset(e, 0, sizeof(*e));
	strlcpy(e->name, mc.name, sizeof(e->name));
	e->inject = mc.inject;
	strlcpy(e->inject_name, mc.inject_name, sizeof(e->inject_name));
	if ((e->hosts = calloc(mc.nhosts, sizeof(char *))) == NULL)
		fatal("%s", __func__);

	/* Exactly nhosts NUL-ended names, and not a byte more. */
	p = (const char *)data + sizeof(mc);
	end = (const char *)data + len;
	for (i = 0; i < mc.nhosts; i++) {
		if (p >= end || (z = memchr(p, '\0', end - p)) == NULL ||
		    z == p || (size_t)(z - p) > CONNMAP_HOST_MAX)
			goto bad;
		if ((e->hosts[i] = strdup(p)) == NULL)
			fatal("%s", __func__);
		e->nhosts++;
		p = z + 1;
	}
	if (p != end)
		goto bad;
	cm->n++;
	return 0;
 bad:
	for (i = 0; i < e->nhosts; i++)
		free(e->hosts[i]);
	free(e->hosts);
	return -1;
}

void
connmap_free(struct connmap *cm)
{
	size_t	 i, j;

	for (i = 0; i < cm->n; i++) {
		for (j = 0; j < cm->entries[i].nhosts; j++)
			free(cm->entries[i].hosts[j]);
		free(cm->entries[i].hosts);
	}
	free(cm->entries);
	cm->entries = NULL;
	cm->n = 0;
}

const struct connmap_entry *
connmap_find(const struct connmap *cm, const char *name)
{
	size_t	 i;

	for (i = 0; i < cm->n; i++)
		if (strcmp(cm->entries[i].name, name) == 0)
			return &cm->entries[i];
	return NULL;
}

/* Does the connector declare this host?  Case-insensitive, exact. */
int
connmap_host_ok(const struct connmap_entry *e, const char *host)
{
	size_t	 i;

	for (i = 0; i < e->nhosts; i++)
		if (strcasecmp(e->hosts[i], host) == 0)
			return 1;
	return 0;
}
