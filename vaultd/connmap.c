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
#include "msg.h"
#include "msgtypes.h"
#include "connector/spec.h"
#include "vaultd/connmap.h"

#define CONNMAP_HOST_MAX	253

/*
 * The master sends vaultd the map: BEGIN, one CONNECTOR per spec, END.
 * The writer and the reader of CONNECTOR are both here, so they cannot
 * drift apart.
 */
int
connmap_send(struct chan *c, struct spec **specs, size_t n,
    const char *corp)
{
	struct msg_builder	 b;
	size_t			 i, j;
	int			 rv;

	if (chan_compose(c, MSG_CONF_CONNECTORS_BEGIN, 0, -1, NULL, 0) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		msg_builder_init(&b);
		msg_put_str(&b, specs[i]->connector, CONNMAP_NAME_LEN);
		msg_put_i32(&b, specs[i]->inject);
		msg_put_str(&b, specs[i]->inject_name != NULL ?
		    specs[i]->inject_name : "", CONNMAP_NAME_LEN);
		msg_put_u32(&b, specs[i]->nhosts);
		for (j = 0; j < specs[i]->nhosts; j++)
			msg_put_str(&b, specs[i]->hosts[j], MSG_CONF_HOST_LEN);
		if (b.bad || specs[i]->nhosts > MSG_CONF_HOSTS_MAX) {
			log_warnx("connector %s does not fit the connector "
			    "map (at most %d hosts)", specs[i]->connector,
			    MSG_CONF_HOSTS_MAX);
			msg_builder_free(&b);
			return -1;
		}
		rv = chan_compose(c, MSG_CONF_CONNECTOR, 0, -1, b.buf, b.len);
		msg_builder_free(&b);
		if (rv == -1)
			return -1;
	}
	/* The corporate proxy (corp: its host, or ""), when it has one. */
	if (corp[0] != '\0') {
		msg_builder_init(&b);
		msg_put_str(&b, CONNMAP_CORP, CONNMAP_NAME_LEN);
		msg_put_i32(&b, INJECT_BASIC);
		msg_put_str(&b, "", CONNMAP_NAME_LEN);
		msg_put_u32(&b, 1);
		msg_put_str(&b, corp, MSG_CONF_HOST_LEN);
		rv = b.bad ? -1 : chan_compose(c, MSG_CONF_CONNECTOR, 0, -1,
		    b.buf, b.len);
		msg_builder_free(&b);
		if (rv == -1)
			return -1;
	}
	return chan_compose(c, MSG_CONF_CONNECTORS_END, 0, -1, NULL, 0);
}

/* Read one MSG_CONF_CONNECTOR; -1 when it is malformed. */
int
connmap_add(struct connmap *cm, struct msg *msg)
{
	struct msg_reader		 r;
	struct connmap_entry		 ce, *ne;
	char				 host[MSG_CONF_HOST_LEN];
	uint32_t			 nhosts, i;

	memset(&ce, 0, sizeof(ce));
	msg_reader_init(&r, msg);
	msg_get_str(&r, ce.name, sizeof(ce.name));
	msg_get_i32(&r, &ce.inject);
	msg_get_str(&r, ce.inject_name, sizeof(ce.inject_name));
	if (msg_get_u32(&r, &nhosts) == -1 || ce.name[0] == '\0' ||
	    ce.inject < INJECT_BEARER || ce.inject > INJECT_QUERY ||
	    ((ce.inject == INJECT_HEADER || ce.inject == INJECT_QUERY) &&
	    ce.inject_name[0] == '\0') ||
	    nhosts == 0 || nhosts > MSG_CONF_HOSTS_MAX ||
	    connmap_find(cm, ce.name) != NULL)
		return -1;
	if ((ce.hosts = calloc(nhosts, sizeof(char *))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < nhosts; i++) {
		if (msg_get_str(&r, host, sizeof(host)) == -1 ||
		    host[0] == '\0' || strlen(host) > CONNMAP_HOST_MAX)
			goto bad;
		if ((ce.hosts[i] = strdup(host)) == NULL)
			fatal("%s", __func__);
		ce.nhosts++;
	}
	if (msg_get_end(&r) == -1)
		goto bad;
	if ((ne = reallocarray(cm->entries, cm->n + 1, sizeof(*ne))) == NULL)
		fatal("%s", __func__);
	cm->entries = ne;
	cm->entries[cm->n++] = ce;
	return 0;
 bad:
	for (i = 0; i < ce.nhosts; i++)
		free(ce.hosts[i]);
	free(ce.hosts);
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
