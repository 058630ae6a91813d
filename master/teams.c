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
 * teams.c: the master's part of teams (issue 11): control gets the user
 * lines (who is who on api.sock), vaultd the connector-vault lines
 * (which shared vault serves a connector), and api.sock is opened to the
 * group "aileron", whose members are the people who may use the service.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "master/parse.h"
#include "master/teams.h"

/*
 * control: one CONF_USER per user line, during its configuration (the
 * lines take a restart).  vaultd: an empty CONNECTOR_VAULT that opens a
 * new list, then one per line, at start and on every reload.
 */
int
teams_conf_send(struct chan *control, struct chan *vaultd,
    const struct aileron_conf *conf)
{
	struct msg_conf_user		 u;
	struct msg_conf_connector_vault	 cv;
	struct msg_conf_session_max	 sm;
	size_t				 i;

	for (i = 0; control != NULL && i < conf->nusermaps; i++) {
		memset(&u, 0, sizeof(u));
		u.uid = conf->usermaps[i].uid;
		strlcpy(u.user, conf->usermaps[i].user, sizeof(u.user));
		if (chan_compose(control, MSG_CONF_USER, 0, -1, &u,
		    sizeof(u)) == -1)
			return -1;
	}
	if (vaultd == NULL)
		return 0;
	memset(&sm, 0, sizeof(sm));
	sm.seconds = conf->session_max;
	if (chan_compose(vaultd, MSG_CONF_SESSION_MAX, 0, -1, &sm,
	    sizeof(sm)) == -1)
		return -1;
	memset(&cv, 0, sizeof(cv));
	if (chan_compose(vaultd, MSG_CONF_CONNECTOR_VAULT, 0, -1, &cv,
	    sizeof(cv)) == -1)
		return -1;
	for (i = 0; i < conf->nconnvaults; i++) {
		memset(&cv, 0, sizeof(cv));
		strlcpy(cv.connector, conf->connvaults[i].connector,
		    sizeof(cv.connector));
		strlcpy(cv.vault, conf->connvaults[i].vault, sizeof(cv.vault));
		if (chan_compose(vaultd, MSG_CONF_CONNECTOR_VAULT, 0, -1, &cv,
		    sizeof(cv)) == -1)
			return -1;
	}
	return 0;
}

/*
 * api.sock and vault.sock: mode 0660 and group "aileron" when that group
 * exists (make user creates it), so that its members may reach the
 * service; who each of them is, control decides by uid (and tells
 * vaultd).  Without the group a socket stays 0600, the owner's alone, as
 * it does for an ordinary user who is not in the group.
 */
void
teams_socket_group(const char *what, const char *path)
{
	struct group	*gr;

	if ((gr = getgrnam(TEAMS_API_GROUP)) == NULL) {
		log_info("%s %s: no group \"%s\"; only its owner may use it",
		    what, path, TEAMS_API_GROUP);
		return;
	}
	/*
	 * An ordinary user outside the group may not give it the socket:
	 * it stays theirs alone, which is what they run the service for.
	 */
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
		if (errno != EPERM)
			fatal("cannot give %s to group %s", path,
			    TEAMS_API_GROUP);
		log_info("%s %s: not a member of group \"%s\"; only its "
		    "owner may use it", what, path, TEAMS_API_GROUP);
		return;
	}
	if (chmod(path, 0660) == -1)
		fatal("cannot give %s to group %s", path, TEAMS_API_GROUP);
	log_debug("%s %s: mode 0660, group %s", what, path,
	    TEAMS_API_GROUP);
}

/*
 * <state>/sessions, where "aileron session start" writes each session's
 * certificates (not keys): the group aileron's members write there too
 * when the group exists, mode 01775, sticky so that none removes
 * another's.  Otherwise it stays 0755, the owner's.
 */
void
teams_sessions_dir(const char *path)
{
	struct group	*gr;
	struct stat	 st;

	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fatal("cannot make %s", path);
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", path);
	if ((gr = getgrnam(TEAMS_API_GROUP)) == NULL)
		return;
	if (st.st_gid != gr->gr_gid && chown(path, (uid_t)-1,
	    gr->gr_gid) == -1) {
		if (errno != EPERM)
			fatal("cannot give %s to group %s", path,
			    TEAMS_API_GROUP);
		return;
	}
	if (chmod(path, 01775) == -1)
		fatal("cannot give %s to group %s", path, TEAMS_API_GROUP);
}
