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
 * secret.c: "aileron secret": add, list, rm and rotate the credentials in
 * the user's vault.  Values never appear on a command line: they come
 * from the terminal without echo, or from stdin.  A credential is for a
 * connector the running service injects for, and that connector's spec
 * decides how it is injected.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "msgtypes.h"
#include "connector/spec.h"
#include "state.h"
#include "cli/cli.h"
#include "cli/vaultclient.h"
#include "cli/vaultteam.h"
#include "vault/crypto.h"
#include "vault/vault.h"

struct secret_args {
	const char	*sopt;
	const char	*uopt;
	const char	*name;
	const char	*connector;
	const char	*kind;
	const char	*param;
	const char	*vault;		/* teams: a shared vault */
	int		 replace;
	int		 json;
	int		 keyfd;
};

static int	secret_parse(int, char *[], struct secret_args *, int);
static size_t	secret_distance(const char *, const char *);
static int	secret_connector(struct vclient *, const char *, int *,
		    char *, size_t);
static int	secret_add(int, char *[]);
static int	secret_list(int, char *[]);
static int	secret_change(int, char *[], int);

/*
 * Options after the subcommand argv[0], which must be its own (cmds.c);
 * a name is required when want_name.  A usage error has been reported
 * when -1.
 */
static int
secret_parse(int argc, char *argv[], struct secret_args *a, int want_name)
{
	int	 i;

	memset(a, 0, sizeof(*a));
	a->keyfd = -1;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && cli_takes("secret", argv[0],
		    argv[i]) == 0)
			break;
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			a->sopt = argv[++i];
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			a->uopt = argv[++i];
		else if (strcmp(argv[i], "--connector") == 0 && i + 1 < argc)
			a->connector = argv[++i];
		else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc) {
			a->kind = argv[++i];
			if (strcmp(a->kind, "header") == 0 ||
			    strcmp(a->kind, "query") == 0) {
				if (i + 1 >= argc) {
					cli_usage_error("secret", argv[0],
					    "--kind %s needs a name", a->kind);
					return -1;
				}
				a->param = argv[++i];
			}
		} else if (strcmp(argv[i], "--vault") == 0 && i + 1 < argc)
			a->vault = argv[++i];
		else if (strcmp(argv[i], "--replace") == 0)
			a->replace = 1;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd("aileron secret", argv[++i],
			    &a->keyfd) == -1)
				return -1;
		} else if (want_name && a->name == NULL && argv[i][0] != '-')
			a->name = argv[i];
		else
			break;
	}
	if (i < argc) {
		cli_bad_arg("secret", argv[0], argv[i]);
		return -1;
	}
	if (want_name && a->name == NULL) {
		cli_usage_error("secret", argv[0], "name the credential");
		return -1;
	}
	return 0;
}

/* Levenshtein distance, for "did you mean"; names are short. */
static size_t
secret_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, d, sub;
	size_t	 row[VAULT_CONNECTOR_MAX + 2], diag;

	if (la > VAULT_CONNECTOR_MAX || lb > VAULT_CONNECTOR_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			sub = diag + (a[i - 1] != b[j - 1]);
			diag = row[j];
			d = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 :
			    row[j - 1] + 1;
			row[j] = sub < d ? sub : d;
		}
	}
	return row[lb];
}

/*
 * How the running service injects for connector, from vaultd's map of
 * connectors (what the master loaded from the configured specs): 0 with
 * its kind and parameter, -1 when it is not there (said, with the names
 * that are and the nearest one) or vaultd could not be asked.
 */
static int
secret_connector(struct vclient *vc, const char *connector, int *kind,
    char *param, size_t len)
{
	json_t		*a, *e;
	enum inject_kind k;
	const char	*name, *best = NULL, *p;
	size_t		 i, d, bestd = SIZE_MAX;
	char		 names[1024] = "";
	int		 rv = -1;

	if (vclient_connectors(vc, &a) == -1)
		return -1;
	json_array_foreach(a, i, e) {
		if ((name = json_string_value(json_object_get(e,
		    "name"))) == NULL)
			continue;
		if (strcmp(name, connector) == 0) {
			p = json_string_value(json_object_get(e, "param"));
			if (vault_kind_parse(json_string_value(
			    json_object_get(e, "kind")), &k) == -1) {
				fprintf(stderr, "%s: vaultd sent a malformed "
				    "answer\n", vc->cmd);
				goto done;
			}
			*kind = k;
			strlcpy(param, p != NULL ? p : "", len);
			rv = 0;
			goto done;
		}
		if ((d = secret_distance(connector, name)) < bestd) {
			bestd = d;
			best = name;
		}
		if (names[0] != '\0')
			strlcat(names, ", ", sizeof(names));
		strlcat(names, name, sizeof(names));
	}
	if (names[0] == '\0') {
		fprintf(stderr, "%s: the running service has no connector "
		    "%s, nor any other: a credential is stored for a connector "
		    "a spec defines; name one in aileron.conf (see "
		    "aileron.conf(5)) and restart the service\n", vc->cmd,
		    connector);
		goto done;
	}
	/* A suggestion only when it is a likely typo, not any name. */
	if (best != NULL && bestd <= (strlen(connector) + 2) / 3 + 1)
		fprintf(stderr, "%s: the running service has no connector "
		    "%s; did you mean %s? (it has: %s)\n", vc->cmd, connector,
		    best, names);
	else
		fprintf(stderr, "%s: the running service has no connector "
		    "%s (it has: %s); add its spec to aileron.conf and restart "
		    "the service\n", vc->cmd, connector, names);
 done:
	json_decref(a);
	return rv;
}

int
cmd_secret(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("secret", NULL, "name a subcommand");
	if (strcmp(argv[1], "add") == 0)
		return secret_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return secret_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0)
		return secret_change(argc - 1, argv + 1, MSG_VAULT_OP_REMOVE);
	if (strcmp(argv[1], "rotate") == 0)
		return secret_change(argc - 1, argv + 1, MSG_VAULT_OP_ROTATE);
	return cli_usage_error("secret", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

static int
secret_add(int argc, char *argv[])
{
	struct msg_vault_request	*req = NULL;
	struct secret_args		 a;
	struct vclient			 vc;
	json_t				*j = NULL;
	enum inject_kind			 k = INJECT_BEARER;
	const char			*replaced = NULL;
	char				 user[VAULT_USER_MAX + 1];
	char				 param[VAULT_PARAM_MAX + 1] = "";
	char				 vid[VAULT_ID_LEN + 1] = "";
	char				*value = NULL, *text = NULL;
	char				 prompt[128];
	size_t				 vlen = 0;
	int				 speckind, rv = 1;

	if (secret_parse(argc, argv, &a, 1) == -1)
		return CLI_EXIT_USAGE;
	if (a.connector == NULL)
		return cli_usage_error("secret", "add", "--connector is "
		    "required: name the connector %s is for", a.name);
	if (a.kind != NULL && vault_kind_parse(a.kind, &k) == -1) {
		fprintf(stderr, "aileron secret add: --kind is bearer, basic, "
		    "header NAME or query PARAM\n");
		return CLI_EXIT_USAGE;
	}
	/* What is invalid is refused before a key is asked for. */
	if (!vault_valid_name(a.name)) {
		fprintf(stderr, "aileron secret add: invalid credential name "
		    "\"%s\": 1 to %d letters, digits and %s\n", a.name,
		    VAULT_NAME_MAX, "._-@+:");
		return CLI_EXIT_USAGE;
	}
	if (!vault_valid_connector(a.connector)) {
		fprintf(stderr, "aileron secret add: invalid connector name "
		    "\"%s\": 1 to %d letters, digits and ._-\n", a.connector,
		    VAULT_CONNECTOR_MAX);
		return CLI_EXIT_USAGE;
	}
	if (a.param != NULL && !vault_valid_param(a.param)) {
		fprintf(stderr, "aileron secret add: invalid %s name \"%s\": "
		    "an HTTP token of at most %d characters\n",
		    vault_kind_name(k), a.param, VAULT_PARAM_MAX);
		return CLI_EXIT_USAGE;
	}
	if (vclient_user(a.uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "aileron secret add: cannot tell who you are; "
		    "use --user\n");
		return 1;
	}
	if (vclient_connect(&vc, a.sopt, "aileron secret add") == -1)
		return 1;

	/*
	 * Only a connector the running service injects for: a credential
	 * for any other would never be used.  Its spec knows how its API
	 * takes a credential; a guess does not.
	 */
	if (secret_connector(&vc, a.connector, &speckind, prompt,
	    sizeof(prompt)) == -1)
		goto done;
	if (a.kind != NULL && ((int)k != speckind ||
	    (a.param != NULL && strcasecmp(a.param, prompt) != 0))) {
		fprintf(stderr, "aileron secret add: connector %s injects "
		    "%s%s%s (its spec says so); drop --kind\n", a.connector,
		    vault_kind_name(speckind), prompt[0] != '\0' ? " " : "",
		    prompt);
		goto done;
	}
	k = speckind;
	strlcpy(param, prompt, sizeof(param));
	/* Teams: a shared vault by name or id, among the user's own. */
	if (a.vault != NULL && vteam_vault_id(&vc, user, a.vault, vid,
	    sizeof(vid)) == -1)
		goto done;

	/* The user key and the value: in the secure heap. */
	if ((req = vclient_secure(&vc, sizeof(*req))) == NULL ||
	    (value = vclient_secure(&vc, VCLIENT_VALUE_BUF)) == NULL)
		goto done;
	if (vclient_derive(&vc, user, a.keyfd, "Master key: ", req->key) == -1)
		goto done;
	snprintf(prompt, sizeof(prompt), "Value of %s%s: ", a.name,
	    k == INJECT_BASIC ? " (user:password)" : "");
	if (vclient_read_value(&vc, prompt, value, VCLIENT_VALUE_BUF,
	    &vlen) == -1)
		goto done;
	req->op = MSG_VAULT_OP_ADD;
	strlcpy(req->vault, vid, sizeof(req->vault));
	req->flags = a.replace ? MSG_VAULT_F_REPLACE : 0;
	req->kind = k;
	if (strlcpy(req->user, user, sizeof(req->user)) >= sizeof(req->user) ||
	    strlcpy(req->name, a.name, sizeof(req->name)) >=
	    sizeof(req->name) ||
	    strlcpy(req->connector, a.connector, sizeof(req->connector)) >=
	    sizeof(req->connector) ||
	    strlcpy(req->param, param, sizeof(req->param)) >=
	    sizeof(req->param)) {
		fprintf(stderr, "aileron secret add: a name is too long\n");
		goto done;
	}
	if (vclient_simple(&vc, req, value, vlen, &text) == -1)
		goto done;
	/* vaultd names what it replaced ("" for nothing). */
	if ((j = json_loads(text, 0, NULL)) != NULL)
		replaced = json_string_value(json_object_get(j, "replaced"));
	printf("credential %s for connector %s %s (%s%s%s)", a.name,
	    a.connector, replaced != NULL && replaced[0] != '\0' ? "stored" :
	    "added", vault_kind_name(k), param[0] != '\0' ? " " : "", param);
	if (a.vault != NULL)
		printf(" in vault %s", a.vault);
	if (replaced != NULL && replaced[0] != '\0')
		printf("; replaced %s", replaced);
	printf("\n");
	rv = 0;
 done:
	json_decref(j);
	free(text);
	vclient_secure_free(value, VCLIENT_VALUE_BUF);
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}

static int
secret_list(int argc, char *argv[])
{
	struct msg_vault_request	 req;
	struct secret_args		 a;
	struct vclient			 vc;
	json_t				*j = NULL, *e;
	char				 user[VAULT_USER_MAX + 1], *text;
	char				 c[32], r[32];
	time_t				 t;
	size_t				 i;
	int				 rv = 1;

	if (secret_parse(argc, argv, &a, 0) == -1)
		return CLI_EXIT_USAGE;
	if (vclient_user(a.uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "aileron secret list: cannot tell who you "
		    "are; use --user\n");
		return 1;
	}
	if (vclient_connect(&vc, a.sopt, "aileron secret list") == -1)
		return 1;
	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_LIST;
	strlcpy(req.user, user, sizeof(req.user));
	if (vclient_simple(&vc, &req, NULL, 0, &text) == -1)
		goto done;
	j = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_array(j)) {
		fprintf(stderr, "aileron secret list: vaultd sent a malformed "
		    "answer\n");
		goto done;
	}
	if (a.json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (json_array_size(j) == 0)
		printf("no credentials for user %s; add one with \"aileron "
		    "secret add\"\n", user);
	else {
		printf("%-20s %-12s %-20s %-16s %s\n", "NAME", "CONNECTOR",
		    "KIND", "CREATED", "ROTATED");
		json_array_foreach(j, i, e) {
			const char	*p = json_string_value(
			    json_object_get(e, "param"));
			char		 kind[96];

			t = json_integer_value(json_object_get(e, "created"));
			strftime(c, sizeof(c), "%Y-%m-%d %H:%M",
			    localtime(&t));
			t = json_integer_value(json_object_get(e, "rotated"));
			strftime(r, sizeof(r), "%Y-%m-%d %H:%M",
			    localtime(&t));
			snprintf(kind, sizeof(kind), "%s%s%s",
			    json_string_value(json_object_get(e, "kind")),
			    p != NULL ? " " : "", p != NULL ? p : "");
			printf("%-20s %-12s %-20s %-16s %s\n",
			    json_string_value(json_object_get(e, "name")),
			    json_string_value(json_object_get(e,
			    "connector")), kind, c, r);
		}
	}
	rv = 0;
 done:
	json_decref(j);
	vclient_close(&vc);
	return rv;
}

/* rm and rotate: both need the master key; rotate a new value too. */
static int
secret_change(int argc, char *argv[], int op)
{
	struct msg_vault_request	*req = NULL;
	struct secret_args		 a;
	struct vclient			 vc;
	const char			*cmd;
	char				 user[VAULT_USER_MAX + 1];
	char				*value = NULL;
	char				 prompt[128];
	size_t				 vlen = 0;
	int				 rv = 1;

	cmd = op == MSG_VAULT_OP_REMOVE ? "aileron secret rm" :
	    "aileron secret rotate";
	if (secret_parse(argc, argv, &a, 1) == -1)
		return CLI_EXIT_USAGE;
	if (!vault_valid_name(a.name)) {
		fprintf(stderr, "%s: invalid credential name \"%s\": 1 to %d "
		    "letters, digits and %s\n", cmd, a.name, VAULT_NAME_MAX,
		    "._-@+:");
		return CLI_EXIT_USAGE;
	}
	if (vclient_user(a.uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "%s: cannot tell who you are; use --user\n",
		    cmd);
		return 1;
	}
	if (vclient_connect(&vc, a.sopt, cmd) == -1)
		return 1;
	/* The user key and the value: in the secure heap. */
	if ((req = vclient_secure(&vc, sizeof(*req))) == NULL ||
	    (value = vclient_secure(&vc, VCLIENT_VALUE_BUF)) == NULL)
		goto done;
	if (vclient_derive(&vc, user, a.keyfd, "Master key: ", req->key) == -1)
		goto done;
	if (op == MSG_VAULT_OP_ROTATE) {
		snprintf(prompt, sizeof(prompt), "New value of %s: ", a.name);
		if (vclient_read_value(&vc, prompt, value, VCLIENT_VALUE_BUF,
		    &vlen) == -1)
			goto done;
	}
	req->op = op;
	if (strlcpy(req->user, user, sizeof(req->user)) >= sizeof(req->user) ||
	    strlcpy(req->name, a.name, sizeof(req->name)) >=
	    sizeof(req->name)) {
		fprintf(stderr, "%s: the name is too long\n", cmd);
		goto done;
	}
	if (vclient_simple(&vc, req, value, vlen, NULL) == -1)
		goto done;
	printf("credential %s %s\n", a.name, op == MSG_VAULT_OP_REMOVE ?
	    "removed" : "rotated");
	rv = 0;
 done:
	vclient_secure_free(value, VCLIENT_VALUE_BUF);
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}
