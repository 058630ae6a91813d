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
 * vaultteam.c: team vaults on vault.sock (teams, issue 11): aileron
 * vault create --shared, grant, revoke, members and list.  vaultd
 * enforces the roles (a reader opens, a contributor also adds, an
 * owner also grants and revokes); these commands only ask.  A vault is
 * named by its name or its id; a name is looked up among the caller's
 * own vaults, so one can only name a vault one is a member of.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "msgtypes.h"
#include "cli/cli.h"
#include "cli/vaultclient.h"
#include "cli/vaultteam.h"
#include "vault/vault.h"

/* What the team commands take; which apply is each command's table. */
struct vteam_args {
	const char	*sopt;
	const char	*uopt;
	const char	*team;
	const char	*role;
	const char	*arg[2];	/* VAULT and USER, or NAME */
	int		 narg;
	int		 shared;
	int		 json;
	int		 keyfd;
	int		 memberfd;
};

static int	vteam_parse(const char *, int, char *[], struct vteam_args *,
		    int);
static int	vteam_begin(const char *, struct vteam_args *, struct vclient *,
		    char *, size_t);
static json_t	*vteam_vaults(struct vclient *, const char *);
static struct msg_vault_request *vteam_member_req(const char *,
		    struct vteam_args *, struct vclient *, uint32_t);
static int	vteam_create(int, char *[]);
static int	vteam_grant(int, char *[]);
static int	vteam_revoke(int, char *[]);
static int	vteam_members(int, char *[]);
static int	vteam_list(int, char *[]);

static int
vteam_parse(const char *sub, int argc, char *argv[], struct vteam_args *a,
    int nargs)
{
	int	 i;

	memset(a, 0, sizeof(*a));
	a->keyfd = a->memberfd = -1;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && cli_takes("vault", sub, argv[i]) == 0)
			break;
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			a->sopt = argv[++i];
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			a->uopt = argv[++i];
		else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc)
			a->team = argv[++i];
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			a->role = argv[++i];
		else if (strcmp(argv[i], "--shared") == 0)
			a->shared = 1;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd("aileron vault", argv[++i],
			    &a->keyfd) == -1)
				return -1;
		} else if (strcmp(argv[i], "--member-key-fd") == 0 &&
		    i + 1 < argc) {
			if (vclient_fd("aileron vault", argv[++i],
			    &a->memberfd) == -1)
				return -1;
		} else if (argv[i][0] != '-' && a->narg < nargs)
			a->arg[a->narg++] = argv[i];
		else
			break;
	}
	if (i < argc) {
		cli_bad_arg("vault", sub, argv[i]);
		return -1;
	}
	if (a->narg < nargs) {
		cli_usage_error("vault", sub, nargs == 1 ? "name the vault" :
		    "name the vault and the user");
		return -1;
	}
	return 0;
}

/* Who the caller is (user) and the connection to vaultd. */
static int
vteam_begin(const char *cmd, struct vteam_args *a, struct vclient *vc,
    char *user, size_t len)
{
	if (vclient_user(a->uopt, user, len) == -1) {
		fprintf(stderr, "%s: cannot tell who you are; use --user\n",
		    cmd);
		return -1;
	}
	return vclient_connect(vc, a->sopt, cmd);
}

/* The vaults user is a member of, as vaultd lists them; NULL: reported. */
static json_t *
vteam_vaults(struct vclient *vc, const char *user)
{
	struct msg_vault_request	 req;
	json_t				*j;
	char				*text;

	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_VAULTS;
	strlcpy(req.user, user, sizeof(req.user));
	if (vclient_simple(vc, &req, NULL, 0, &text) == -1)
		return NULL;
	j = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_array(j)) {
		json_decref(j);
		fprintf(stderr, "%s: vaultd sent a malformed answer\n",
		    vc->cmd);
		return NULL;
	}
	return j;
}

/*
 * The id of the shared vault that name (a name or an id) means, among
 * user's vaults, into id.  -1 when there is none (reported).
 */
int
vteam_vault_id(struct vclient *vc, const char *user, const char *name,
    char *id, size_t len)
{
	json_t		*j, *e;
	const char	*vid, *vname;
	size_t		 i;
	int		 rv = -1;

	if ((j = vteam_vaults(vc, user)) == NULL)
		return -1;
	json_array_foreach(j, i, e) {
		vid = json_string_value(json_object_get(e, "id"));
		vname = json_string_value(json_object_get(e, "name"));
		if (vid == NULL || vname == NULL || strcmp(json_string_value(
		    json_object_get(e, "type")), "shared") != 0)
			continue;
		if (strcmp(vid, name) == 0 || strcmp(vname, name) == 0) {
			strlcpy(id, vid, len);
			rv = 0;
			break;
		}
	}
	json_decref(j);
	if (rv == -1)
		fprintf(stderr, "%s: user %s is a member of no shared vault "
		    "%s; \"aileron vault list\" shows theirs\n", vc->cmd, user,
		    name);
	return rv;
}

/*
 * What grant and revoke share: the caller, the vault by name, the
 * caller's key, a request for op on the member arg[1], in the secure
 * heap.  NULL when refused (reported); vc is open unless then.
 */
static struct msg_vault_request *
vteam_member_req(const char *cmd, struct vteam_args *a, struct vclient *vc,
    uint32_t op)
{
	struct msg_vault_request	*req;
	char				 user[VAULT_USER_MAX + 1];
	char				 id[VAULT_ID_LEN + 1];

	if (!vault_valid_user(a->arg[1])) {
		fprintf(stderr, "%s: invalid user name \"%s\"\n", cmd,
		    a->arg[1]);
		return NULL;
	}
	if (vteam_begin(cmd, a, vc, user, sizeof(user)) == -1)
		return NULL;
	if (vteam_vault_id(vc, user, a->arg[0], id, sizeof(id)) == -1 ||
	    (req = vclient_secure(vc, sizeof(*req))) == NULL) {
		vclient_close(vc);
		return NULL;
	}
	if (vclient_derive(vc, user, a->keyfd, "Master key: ",
	    req->key) == -1) {
		vclient_secure_free(req, sizeof(*req));
		vclient_close(vc);
		return NULL;
	}
	req->op = op;
	strlcpy(req->user, user, sizeof(req->user));
	strlcpy(req->vault, id, sizeof(req->vault));
	strlcpy(req->member, a->arg[1], sizeof(req->member));
	return req;
}

int
vteam_cmd(int argc, char *argv[])
{
	if (strcmp(argv[0], "create") == 0)
		return vteam_create(argc, argv);
	if (strcmp(argv[0], "grant") == 0)
		return vteam_grant(argc, argv);
	if (strcmp(argv[0], "revoke") == 0)
		return vteam_revoke(argc, argv);
	if (strcmp(argv[0], "members") == 0)
		return vteam_members(argc, argv);
	if (strcmp(argv[0], "list") == 0)
		return vteam_list(argc, argv);
	return -1;
}

/* aileron vault create NAME --shared [--team T] */
static int
vteam_create(int argc, char *argv[])
{
	static const char		 cmd[] = "aileron vault create";
	struct msg_vault_request	*req = NULL;
	struct vteam_args		 a;
	struct vclient			 vc;
	json_t				*j = NULL;
	char				 user[VAULT_USER_MAX + 1], *text = NULL;
	int				 rv = 1;

	if (vteam_parse("create", argc, argv, &a, 1) == -1)
		return CLI_EXIT_USAGE;
	if (!a.shared)
		return cli_usage_error("vault", "create", "only shared vaults "
		    "are created (--shared): a personal vault comes with "
		    "\"aileron vault init\"");
	if (!vault_valid_name(a.arg[0]) ||
	    (a.team != NULL && !vault_valid_name(a.team)))
		return cli_usage_error("vault", "create", "a vault or team "
		    "name is 1 to %d letters, digits and ._-@+:",
		    VAULT_NAME_MAX);
	if (vteam_begin(cmd, &a, &vc, user, sizeof(user)) == -1)
		return 1;
	if ((req = vclient_secure(&vc, sizeof(*req))) == NULL ||
	    vclient_derive(&vc, user, a.keyfd, "Master key: ", req->key) == -1)
		goto done;
	req->op = MSG_VAULT_OP_SHARED_CREATE;
	strlcpy(req->user, user, sizeof(req->user));
	strlcpy(req->name, a.arg[0], sizeof(req->name));
	if (a.team != NULL)
		strlcpy(req->param, a.team, sizeof(req->param));
	if (vclient_simple(&vc, req, NULL, 0, &text) == -1)
		goto done;
	if ((j = json_loads(text, 0, NULL)) == NULL ||
	    json_string_value(json_object_get(j, "vault_id")) == NULL) {
		fprintf(stderr, "%s: vaultd sent a malformed answer\n", cmd);
		goto done;
	}
	printf("shared vault %s created (id %s%s%s); user %s is its owner\n",
	    a.arg[0], json_string_value(json_object_get(j, "vault_id")),
	    a.team != NULL ? ", team " : "", a.team != NULL ? a.team : "",
	    user);
	rv = 0;
 done:
	json_decref(j);
	free(text);
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}

/*
 * aileron vault grant VAULT USER --role R.  A key wrap is symmetric, so
 * the new member's key is needed: from their live session in vaultd,
 * or typed on --member-key-fd when they sit at the same terminal.
 */
static int
vteam_grant(int argc, char *argv[])
{
	static const char		 cmd[] = "aileron vault grant";
	struct msg_vault_request	*req;
	struct vteam_args		 a;
	struct vclient			 vc;
	enum vault_role			 role;
	char				 prompt[128];
	int				 rv = 1;

	if (vteam_parse("grant", argc, argv, &a, 2) == -1)
		return CLI_EXIT_USAGE;
	if (a.role == NULL || vault_role_parse(a.role, &role) == -1)
		return cli_usage_error("vault", "grant", "--role is owner, "
		    "contributor or reader");
	if ((req = vteam_member_req(cmd, &a, &vc, MSG_VAULT_OP_GRANT)) ==
	    NULL)
		return 1;
	if (a.memberfd != -1) {
		snprintf(prompt, sizeof(prompt), "Master key of %s: ",
		    a.arg[1]);
		if (vclient_derive(&vc, a.arg[1], a.memberfd, prompt,
		    req->member_key) == -1)
			goto done;
	} else
		req->flags = MSG_VAULT_F_MEMBER_SESSION;
	req->role = role;
	if (vclient_simple(&vc, req, NULL, 0, NULL) == -1)
		goto done;
	printf("user %s is now %s of vault %s\n", a.arg[1],
	    role == VAULT_ROLE_OWNER ? "an owner" : role ==
	    VAULT_ROLE_CONTRIBUTOR ? "a contributor" : "a reader", a.arg[0]);
	rv = 0;
 done:
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}

/* aileron vault revoke VAULT USER: a new vault key, re-encrypted. */
static int
vteam_revoke(int argc, char *argv[])
{
	static const char		 cmd[] = "aileron vault revoke";
	struct msg_vault_request	*req;
	struct vteam_args		 a;
	struct vclient			 vc;
	int				 rv = 1;

	if (vteam_parse("revoke", argc, argv, &a, 2) == -1)
		return CLI_EXIT_USAGE;
	if ((req = vteam_member_req(cmd, &a, &vc, MSG_VAULT_OP_REVOKE)) ==
	    NULL)
		return 1;
	if (vclient_simple(&vc, req, NULL, 0, NULL) == 0) {
		printf("user %s is no longer a member of vault %s; its key "
		    "was replaced and its credentials sealed again\n",
		    a.arg[1], a.arg[0]);
		rv = 0;
	}
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}

/* aileron vault members VAULT [--json] */
static int
vteam_members(int argc, char *argv[])
{
	static const char		 cmd[] = "aileron vault members";
	struct msg_vault_request	 req;
	struct vteam_args		 a;
	struct vclient			 vc;
	json_t				*j = NULL, *e;
	char				 user[VAULT_USER_MAX + 1], *text;
	char				 id[VAULT_ID_LEN + 1];
	size_t				 i;
	int				 rv = 1;

	if (vteam_parse("members", argc, argv, &a, 1) == -1)
		return CLI_EXIT_USAGE;
	if (vteam_begin(cmd, &a, &vc, user, sizeof(user)) == -1)
		return 1;
	if (vteam_vault_id(&vc, user, a.arg[0], id, sizeof(id)) == -1)
		goto done;
	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_MEMBERS;
	strlcpy(req.user, user, sizeof(req.user));
	strlcpy(req.vault, id, sizeof(req.vault));
	if (vclient_simple(&vc, &req, NULL, 0, &text) == -1)
		goto done;
	j = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_array(j)) {
		fprintf(stderr, "%s: vaultd sent a malformed answer\n", cmd);
		goto done;
	}
	if (a.json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else {
		printf("%-24s %s\n", "USER", "ROLE");
		json_array_foreach(j, i, e)
			printf("%-24s %s\n", json_string_value(
			    json_object_get(e, "user")), json_string_value(
			    json_object_get(e, "role")));
	}
	rv = 0;
 done:
	json_decref(j);
	vclient_close(&vc);
	return rv;
}

/* aileron vault list [--json]: the caller's vaults and roles. */
static int
vteam_list(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron vault list";
	struct vteam_args	 a;
	struct vclient		 vc;
	json_t			*j, *e;
	char			 user[VAULT_USER_MAX + 1];
	const char		*team;
	size_t			 i;

	if (vteam_parse("list", argc, argv, &a, 0) == -1)
		return CLI_EXIT_USAGE;
	if (vteam_begin(cmd, &a, &vc, user, sizeof(user)) == -1)
		return 1;
	if ((j = vteam_vaults(&vc, user)) == NULL) {
		vclient_close(&vc);
		return 1;
	}
	if (a.json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else {
		printf("%-20s %-9s %-12s %-12s %-8s %s\n", "NAME", "TYPE",
		    "TEAM", "ROLE", "MEMBERS", "ID");
		json_array_foreach(j, i, e) {
			team = json_string_value(json_object_get(e, "team"));
			printf("%-20s %-9s %-12s %-12s %-8lld %s\n",
			    json_string_value(json_object_get(e, "name")),
			    json_string_value(json_object_get(e, "type")),
			    team != NULL && team[0] != '\0' ? team : "-",
			    json_string_value(json_object_get(e, "role")),
			    (long long)json_integer_value(json_object_get(e,
			    "members")),
			    json_string_value(json_object_get(e, "id")));
		}
	}
	json_decref(j);
	vclient_close(&vc);
	return 0;
}
