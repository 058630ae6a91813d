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
 * sessioninfo.c: "aileron session list" and "aileron session info", over
 * the management API (GET /v1/sessions, GET /v1/sessions/ID).  The
 * service decides what the caller sees: their own sessions, or every
 * session for root and the service's owner.  No token is ever shown:
 * the service does not have one to show.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "msgtypes.h"
#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

static int	sessioninfo_get(const char *, const char *, const char *,
		    const char *, json_t **);
static void	sessioninfo_print(const json_t *);
static int	sessioninfo_ca(const char *, const char *, char *, size_t);

/* GET path; the answer's JSON into *out, or -1 after saying why. */
static int
sessioninfo_get(const char *cmd, const char *sopt, const char *path,
    const char *id, json_t **out)
{
	char	 statedir[PATH_MAX], sock[PATH_MAX], *resp;
	long	 status = 0;
	int	 rv = -1;

	*out = NULL;
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return -1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL, 0) ==
	    -1 || apiclient_call(cmd, sock, "GET", path, NULL, &status,
	    &resp) == -1)
		return -1;
	switch (status) {
	case 200:
		if ((*out = json_loads(resp, 0, NULL)) != NULL) {
			rv = 0;
			break;
		}
		fprintf(stderr, "%s: the service answered something that is "
		    "not JSON\n", cmd);
		break;
	case 404:
		fprintf(stderr, "%s: no session %s on this service\n", cmd,
		    id);
		break;
	case 403:
		fprintf(stderr, "%s: session %s was started by another user; "
		    "only they, root or the service's owner may see it\n", cmd,
		    id);
		break;
	default:
		fprintf(stderr, "%s: %s\n", cmd, apiclient_problem(resp));
		break;
	}
	free(resp);
	return rv;
}

/*
 * When the session's CA expires, from its certificate in the state
 * directory (session start wrote it there): "YYYY-MM-DDTHH:MM:SSZ".
 */
static int
sessioninfo_ca(const char *sopt, const char *id, char *buf, size_t len)
{
	char	 statedir[PATH_MAX], path[PATH_MAX + 64];
	X509	*x = NULL;
	FILE	*f;
	struct tm tm;
	int	 rv = -1;

	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1 ||
	    (size_t)snprintf(path, sizeof(path), "%s/sessions/%s/ca.pem",
	    statedir, id) >= sizeof(path) ||
	    (f = fopen(path, "re")) == NULL)
		return -1;
	if ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL &&
	    ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1 &&
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		rv = 0;
	X509_free(x);
	fclose(f);
	return rv;
}

static void
sessioninfo_print(const json_t *s)
{
	static const char	*keys[] = { "session", "user", "uid", "agent",
				    "team", "project", "started", "used",
				    "expires", "ca_expires" };
	static const char	*names[] = { "session", "user", "uid", "agent",
				    "team", "project", "started", "last used",
				    "expires", "ca expires" };
	json_t			*v;
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(s, keys[i]);
		if (json_is_integer(v))
			printf("%-10s %lld\n", names[i],
			    (long long)json_integer_value(v));
		else
			printf("%-10s %s\n", names[i], json_string_value(v) !=
			    NULL ? json_string_value(v) : "");
	}
}

int
cmd_session_list(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron session list";
	const char		*sopt = NULL;
	json_t			*j, *list, *s;
	size_t			 i;
	int			 json = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("session", "list", argv[i]);
	}
	if (sessioninfo_get(cmd, sopt, "/v1/sessions", "", &j) == -1)
		return 1;
	if (!json_is_array(list = json_object_get(j, "sessions"))) {
		fprintf(stderr, "%s: the service's answer has no sessions\n",
		    cmd);
		json_decref(j);
		return 1;
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (json_array_size(list) == 0)
		printf("no sessions\n");
	else {
		printf("%-32s  %-12s  %-12s  %-10s  %-20s  %s\n", "SESSION",
		    "USER", "AGENT", "TEAM", "LAST USED", "EXPIRES");
		json_array_foreach(list, i, s)
			printf("%-32s  %-12s  %-12s  %-10s  %-20s  %s\n",
			    json_string_value(json_object_get(s, "session")),
			    json_string_value(json_object_get(s, "user")),
			    json_string_value(json_object_get(s, "agent")),
			    json_string_value(json_object_get(s, "team")),
			    json_string_value(json_object_get(s, "used")),
			    json_string_value(json_object_get(s,
			    "expires")));
	}
	json_decref(j);
	return 0;
}

/* No id: the session this shell runs in, $AILERON_SESSION. */
int
cmd_session_info(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron session info";
	const char		*sopt = NULL, *id = NULL;
	char			 path[128], exp[32];
	json_t			*j;
	int			 i, json = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			return cli_bad_arg("session", "info", argv[i]);
	}
	if (id == NULL && ((id = getenv("AILERON_SESSION")) == NULL ||
	    *id == '\0'))
		return cli_usage_error("session", "info", "name a session, "
		    "or set AILERON_SESSION");
	if (strlen(id) != MSG_VAULT_SESSION_LEN ||
	    strspn(id, "0123456789abcdef") != MSG_VAULT_SESSION_LEN) {
		fprintf(stderr, "%s: \"%s\" is not a session id (32 hex "
		    "digits)\n", cmd, id);
		return CLI_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/sessions/%s", id);
	if (sessioninfo_get(cmd, sopt, path, id, &j) == -1)
		return 1;
	if (sessioninfo_ca(sopt, id, exp, sizeof(exp)) == 0)
		json_object_set_new(j, "ca_expires", json_string(exp));
	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else
		sessioninfo_print(j);
	json_decref(j);
	return 0;
}
