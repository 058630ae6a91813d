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
 * teams.c: aileron.conf's connector-vault lines in vaultd.  A session
 * sees the credentials of every vault its user is a member of; when two
 * shared vaults hold one for the same connector, only such a line says
 * which serves it (vault/record.c: record_cred_choose), never the order
 * of the store.  The master sends the lines at start and on reload, each
 * list opened by an empty line, so a reload replaces the list whole.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "vault/vault.h"
#include "vaultd/vaultd.h"

static const char *teams_vault_for(void *, const char *);

/*
 * One CONNECTOR_VAULT from the master (trusted: a malformed one is
 * fatal).  An empty one opens a new list.  Returns 1 when msg was one.
 */
int
vaultd_teams_conf(struct vaultd *vd, struct msg *msg)
{
	struct msg_conf_connector_vault	 cv, *n;
	struct msg_reader		 r;
	size_t				 dropped;

	if (msg->hdr.type != MSG_CONF_CONNECTOR_VAULT)
		return 0;
	memset(&cv, 0, sizeof(cv));
	msg_reader_init(&r, msg);
	msg_get_str(&r, cv.connector, sizeof(cv.connector));
	msg_get_str(&r, cv.vault, sizeof(cv.vault));
	if (msg_get_end(&r) == -1)
		fatalx("malformed connector-vault line from the master");
	if (cv.connector[0] == '\0') {
		free(vd->connvaults);
		vd->connvaults = NULL;
		vd->nconnvaults = 0;
		/* What sessions chose under the old lines goes. */
		dropped = session_vkey_drop_all(&vd->sessions, NULL,
		    "connector-vault lines");
		log_debug("connector-vault lines: a new list; %zu cached "
		    "vault keys dropped", dropped);
		return 1;
	}
	if (!vault_valid_connector(cv.connector) ||
	    !vault_valid_name(cv.vault))
		fatalx("invalid connector-vault line from the master");
	if ((n = reallocarray(vd->connvaults, vd->nconnvaults + 1,
	    sizeof(*n))) == NULL)
		fatal("%s", __func__);
	vd->connvaults = n;
	vd->connvaults[vd->nconnvaults++] = cv;
	log_debug("connector %s: vault %s", cv.connector, cv.vault);
	return 1;
}

/* The vault layer asks which shared vault serves a connector. */
static const char *
teams_vault_for(void *arg, const char *connector)
{
	struct vaultd	*vd = arg;
	size_t		 i;

	for (i = 0; i < vd->nconnvaults; i++)
		if (strcmp(vd->connvaults[i].connector, connector) == 0)
			return vd->connvaults[i].vault;
	return NULL;
}

void
vaultd_teams_attach(struct vaultd *vd)
{
	struct vault_choices	 c;

	c.vault_for = teams_vault_for;
	c.arg = vd;
	vault_set_choices(vd->vault, &c);
}
