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
 * users.c: aileron user add | list | token (teams, issue 11), over
 * api.sock: the service knows the caller by uid, so none of them says
 * who is asking.  A user token is printed once, when it is made, and
 * zeroed here after.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "msgtypes.h"
#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

static int	users_call(const char *, const char *, const char *,
		    const char *, const char *, long, json_t **);
static int	users_add(int, char *[]);
static int	users_list(int, char *[]);
static int	users_token(int, char *[]);
static void	users_time(json_t *, const char *, char *, size_t);

int
cmd_user(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("user", NULL, "name a subcommand");
	if (strcmp(argv[1], "add") == 0)
		return users_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return users_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "token") == 0)
		return users_token(argc - 1, argv + 1);
	return cli_usage_error("user", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

/*
 * One request to the service on sopt's state directory; the answer's
 * JSON in *out when its status is want.  -1: refused (reported), or
 * 1 when it is 404 and want is not (the caller decides).
 */
static int
users_call(const char *cmd, const char *sopt, const char *method,
    const char *path, const char *body, long want, json_t **out)
{
	char	 statedir[PATH_MAX], sock[PATH_MAX], *resp = NULL;
	long	 status = 0;
	int	 rv = -1;

	*out = NULL;
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return -1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL, 0) ==
	    -1 || apiclient_call(cmd, sock, method, path, body, &status,
	    &resp) == -1)
		return -1;
	if (status == want) {
		if ((*out = json_loads(resp, 0, NULL)) == NULL)
			fprintf(stderr, "%s: the service sent a malformed "
			    "answer\n", cmd);
		else
			rv = 0;
	} else if (status == 404 && want != 404) {
		rv = 1;
		*out = json_loads(resp, 0, NULL);
	} else
		fprintf(stderr, "%s: the service refused: %s\n", cmd,
		    apiclient_problem(resp));
	if (resp != NULL) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
	}
	return rv;
}

static void
users_time(json_t *o, const char *field, char *buf, size_t len)
{
	time_t	 t = (time_t)json_integer_value(json_object_get(o, field));

	strftime(buf, len, "%Y-%m-%d %H:%M", localtime(&t));
}

/* aileron user add NAME --team T [--project P ...]: an administrator's. */
static int
users_add(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron user add";
	const char		*sopt = NULL, *name = NULL, *team = NULL;
	json_t			*body, *projects, *out;
	char			*s;
	int			 i, rv;

	if ((projects = json_array()) == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--team") == 0 && i + 1 < argc)
			team = argv[++i];
		else if (strcmp(argv[i], "--project") == 0 && i + 1 < argc) {
			if (json_array_size(projects) ==
			    MSG_CONTROL_PROJECTS_MAX) {
				json_decref(projects);
				return cli_usage_error("user", "add", "at most "
				    "%d projects", MSG_CONTROL_PROJECTS_MAX);
			}
			json_array_append_new(projects, json_string(argv[++i]));
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			json_decref(projects);
			return cli_bad_arg("user", "add", argv[i]);
		}
	}
	if (name == NULL || team == NULL) {
		json_decref(projects);
		return cli_usage_error("user", "add", "name the user and their "
		    "team (--team)");
	}
	body = json_pack("{s:s, s:s, s:o}", "name", name, "team", team,
	    "projects", projects);
	s = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (s == NULL)
		return 1;
	rv = users_call(cmd, sopt, "POST", "/v1/users", s, 201, &out);
	free(s);
	if (rv != 0) {
		if (rv == 1)
			fprintf(stderr, "%s: the service has no users; is it "
			    "older than this command?\n", cmd);
		json_decref(out);
		return 1;
	}
	printf("user %s added (team %s); they set their master key with "
	    "\"aileron vault init --user %s\"\n", name, team, name);
	json_decref(out);
	return 0;
}

/* aileron user list [--json] */
static int
users_list(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron user list";
	const char		*sopt = NULL;
	json_t			*out, *a, *e, *p;
	char			 c[32], projects[600];
	size_t			 i, k;
	int			 json = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("user", "list", argv[i]);
	}
	if (users_call(cmd, sopt, "GET", "/v1/users", NULL, 200, &out) != 0) {
		json_decref(out);
		return 1;
	}
	a = json_object_get(out, "users");
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (json_array_size(a) == 0)
		printf("no users; an administrator adds one with \"aileron "
		    "user add NAME --team TEAM\"\n");
	else {
		printf("%-20s %-16s %-6s %-16s %s\n", "NAME", "TEAM", "TOKEN",
		    "CREATED", "PROJECTS");
		json_array_foreach(a, i, e) {
			projects[0] = '\0';
			json_array_foreach(json_object_get(e, "projects"), k,
			    p) {
				if (k > 0)
					strlcat(projects, ",",
					    sizeof(projects));
				strlcat(projects, json_string_value(p),
				    sizeof(projects));
			}
			users_time(e, "created", c, sizeof(c));
			printf("%-20s %-16s %-6s %-16s %s\n",
			    json_string_value(json_object_get(e, "name")),
			    json_string_value(json_object_get(e, "team")),
			    json_is_true(json_object_get(e, "token")) ?
			    "yes" : "no", c, projects[0] != '\0' ? projects :
			    "-");
		}
		if (json_is_true(json_object_get(out, "truncated")))
			printf("(more users than one answer holds)\n");
	}
	json_decref(out);
	return 0;
}

/*
 * aileron user token [--rotate] [--json]: the caller's own.  Without a
 * token yet, one is made; with one, only its id and time are known (the
 * service keeps its hash), so a new one takes --rotate.
 */
static int
users_token(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron user token";
	const char		*sopt = NULL, *token;
	json_t			*out = NULL;
	char			 c[32];
	int			 i, rotate = 0, json = 0, rv;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rotate") == 0)
			rotate = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("user", "token", argv[i]);
	}
	if (!rotate) {
		rv = users_call(cmd, sopt, "GET", "/v1/users/me/token", NULL,
		    200, &out);
		if (rv == -1)
			return 1;
		if (rv == 0) {
			users_time(out, "created", c, sizeof(c));
			if (json) {
				json_dumpf(out, stdout, JSON_INDENT(2));
				printf("\n");
			} else
				printf("user %s has token %s, made %s; it was "
				    "shown then and is kept only as a hash: "
				    "\"aileron user token --rotate\" makes a "
				    "new one\n", json_string_value(
				    json_object_get(out, "user")),
				    json_string_value(json_object_get(out,
				    "token_id")), c);
			json_decref(out);
			return 0;
		}
		/* 404: no token yet, or no such user, which POST says. */
		json_decref(out);
	}
	if (users_call(cmd, sopt, "POST", "/v1/users/me/token", "", 201,
	    &out) != 0) {
		if (out != NULL)
			fprintf(stderr, "%s: %s\n", cmd, json_string_value(
			    json_object_get(out, "title")));
		json_decref(out);
		return 1;
	}
	if ((token = json_string_value(json_object_get(out, "token"))) ==
	    NULL) {
		fprintf(stderr, "%s: the service sent a malformed answer\n",
		    cmd);
		json_decref(out);
		return 1;
	}
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		printf("\n");
	} else
		printf("%s\nuser %s, token %s: shown this once; keep it for "
		    "the web page\n", token, json_string_value(
		    json_object_get(out, "user")), json_string_value(
		    json_object_get(out, "token_id")));
	/* The one copy of the token this process holds goes. */
	explicit_bzero((char *)token, strlen(token));
	json_decref(out);
	return 0;
}
