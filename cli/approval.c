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
 * approval.c: aileron approval list | grant | deny | watch, the human's
 * side of the approvals, over the management API (api.sock, where the
 * caller is its uid).  watch asks in the terminal; without one it only
 * prints, since nothing but a person may answer.
 */

#include <sys/types.h>
#include <sys/ioctl.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "msgtypes.h"
#include "state.h"
#include "cli/apiclient.h"
#include "cli/approval.h"
#include "cli/cli.h"

#define APPROVAL_WATCH_MS	1000	/* between two looks */
#define APPROVAL_SEEN_MAX	1024

static int	approval_list_cmd(int, char *[]);
static int	approval_decide_cmd(int, char *[], int);
static int	approval_watch_cmd(int, char *[]);
static int	approval_socket(const char *, const char *, char *, size_t);
static int	approval_valid_id(const char *);
static void	approval_print(FILE *, json_t *, int);
static const char *approval_str(json_t *, const char *);
static int	approval_decide(const char *, const char *, const char *,
		    int, const char *);
static int	approval_line(FILE *, char *, size_t);

static volatile sig_atomic_t approval_stop;

int
cmd_approval(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("approval", NULL, "name a subcommand");
	if (strcmp(argv[1], "list") == 0)
		return approval_list_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "grant") == 0)
		return approval_decide_cmd(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "deny") == 0)
		return approval_decide_cmd(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "watch") == 0)
		return approval_watch_cmd(argc - 1, argv + 1);
	return cli_usage_error("approval", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

static int
approval_valid_id(const char *id)
{
	return strlen(id) == MSG_APPROVAL_ID_LEN &&
	    strspn(id, "0123456789abcdef") == MSG_APPROVAL_ID_LEN;
}

/* api.sock of the service on the state directory -s names, or the usual. */
static int
approval_socket(const char *cmd, const char *sopt, char *sock, size_t len)
{
	char	 statedir[PATH_MAX];

	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return -1;
	}
	return apiclient_service(cmd, statedir, sock, len, NULL, 0);
}

/* A member as text; "-" when absent or empty (the service is trusted). */
static const char *
approval_str(json_t *a, const char *name)
{
	const char	*s;

	if ((s = json_string_value(json_object_get(a, name))) == NULL ||
	    *s == '\0')
		return "-";
	return s;
}

/* The terminal fd's width in columns; 80 when it has none. */
int
approval_width(int fd)
{
	struct winsize	 ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/*
 * The request an approval is for, on one line: "connector.action, METHOD
 * host/path", the path cut to APPROVAL_PATH_SHOWN.  Control took only
 * visible ASCII for method, host and path; the rest comes from specs.
 */
void
approval_request(json_t *a, char *buf, size_t len)
{
	const char	*path = approval_str(a, "path");
	int		 cut = strlen(path) > APPROVAL_PATH_SHOWN;

	snprintf(buf, len, "%s.%s, %s %s%.*s%s", approval_str(a, "connector"),
	    approval_str(a, "action"), approval_str(a, "method"),
	    approval_str(a, "host"), APPROVAL_PATH_SHOWN, path,
	    cut ? "..." : "");
}

/*
 * An approval's arguments for a terminal: a line each, prefix then
 * "name: value" as JSON in ASCII (an agent's text holds no terminal
 * control then), cut so that no line is wider than width, and at most
 * APPROVAL_ARG_LINES of them.  The agent words the arguments: one line
 * each, none wrapping, they cannot pass for lines of ours nor push the
 * request out of sight.  Returns malloc'd text, or NULL.
 */
char *
approval_arg_lines(json_t *summary, const char *prefix, int width)
{
	const char	*key;
	json_t		*v, *k;
	char		*out = NULL, *ks, *vs, *line;
	size_t		 outlen, n = 0, room;
	FILE		*fp;

	if ((fp = open_memstream(&out, &outlen)) == NULL)
		return NULL;
	/* Too narrow for a line of its own: only where to read them. */
	if (width < (int)strlen(prefix) + 12) {
		fprintf(fp, "%s(arguments: aileron approval list --json)\n",
		    prefix);
		goto done;
	}
	room = width - strlen(prefix) - 1;
	json_object_foreach(summary, key, v) {
		if (n++ == APPROVAL_ARG_LINES)
			break;
		k = json_string(key);
		ks = k != NULL ? json_dumps(k, JSON_ENCODE_ANY |
		    JSON_ENSURE_ASCII) : NULL;
		vs = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
		    JSON_ENSURE_ASCII);
		json_decref(k);
		if (ks != NULL && vs != NULL &&
		    asprintf(&line, "%s: %s", ks, vs) != -1) {
			if (strlen(line) <= room)
				fprintf(fp, "%s%s\n", prefix, line);
			else
				fprintf(fp, "%s%.*s...\n", prefix,
				    (int)(room - 3), line);
			free(line);
		}
		free(ks);
		free(vs);
	}
	if (n == 0)
		fprintf(fp, "%s(no arguments)\n", prefix);
	else if (n > APPROVAL_ARG_LINES)
		fprintf(fp, "%s(and more, not shown: aileron approval list "
		    "--json)\n", prefix);
 done:
	if (fclose(fp) == EOF) {
		free(out);
		return NULL;
	}
	return out;
}

/* One approval, for a person: what, for whom, with which arguments. */
static void
approval_print(FILE *fp, json_t *a, int details)
{
	const char	*state, *approver, *reason;
	char		*sum;

	state = json_string_value(json_object_get(a, "state"));
	fprintf(fp, "%s  %-9s %s.%s  user %s, agent %s\n",
	    approval_str(a, "id"), approval_str(a, "state"),
	    approval_str(a, "connector"), approval_str(a, "action"),
	    approval_str(a, "user"), approval_str(a, "agent"));
	if (!details)
		return;
	fprintf(fp, "    %s https://%s%s\n", approval_str(a, "method"),
	    approval_str(a, "host"), approval_str(a, "path"));
	if ((sum = approval_arg_lines(json_object_get(a, "summary"),
	    "      ", approval_width(fileno(fp)))) != NULL)
		fputs(sum, fp);
	free(sum);
	if (state != NULL && strcmp(state, "pending") == 0)
		fprintf(fp, "    asked %s, decide before %s\n",
		    approval_str(a, "created"), approval_str(a, "deadline"));
	else {
		approver = json_string_value(json_object_get(a, "approver"));
		reason = json_string_value(json_object_get(a, "reason"));
		fprintf(fp, "    %s%s%s%s%s\n", state != NULL ? state : "",
		    approver != NULL ? " by " : "",
		    approver != NULL ? approver : "",
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	}
}

/* aileron approval list [--all] [--json] [-s statedir] */
static int
approval_list_cmd(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron approval list";
	const char		*sopt = NULL;
	char			 sock[PATH_MAX], *resp, *out;
	json_t			*j, *a;
	long			 status = 0;
	size_t			 i;
	int			 all = 0, asjson = 0, rv = 1;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--json") == 0)
			asjson = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("approval", "list", argv[i]);
	}
	if (approval_socket(cmd, sopt, sock, sizeof(sock)) == -1)
		return 1;
	if (apiclient_call(cmd, sock, "GET", all ? "/v1/approvals?state=all" :
	    "/v1/approvals", NULL, &status, &resp) == -1)
		return 1;
	if (status != 200 || (j = json_loads(resp, 0, NULL)) == NULL ||
	    !json_is_array(j)) {
		fprintf(stderr, "%s: the service did not list the approvals: "
		    "%s\n", cmd, status != 200 ? apiclient_problem(resp) :
		    "not a JSON list");
		free(resp);
		return 1;
	}
	free(resp);
	if (asjson) {
		if ((out = json_dumps(j, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER)) != NULL) {
			printf("%s\n", out);
			free(out);
			rv = 0;
		}
	} else {
		if (json_array_size(j) == 0)
			printf("no %sapprovals\n", all ? "" : "pending ");
		json_array_foreach(j, i, a)
			approval_print(stdout, a, 1);
		rv = 0;
	}
	json_decref(j);
	return rv;
}

/* Grant or deny id; 0 when done, 1 otherwise (said on stderr). */
static int
approval_decide(const char *cmd, const char *sock, const char *id,
    int grant, const char *reason)
{
	char	 path[128], *body, *resp;
	json_t	*j;
	long	 status = 0;
	int	 rv = 1;

	snprintf(path, sizeof(path), "/v1/approvals/%s/%s", id,
	    grant ? "grant" : "deny");
	j = reason != NULL ? json_pack("{s:s}", "reason", reason) :
	    json_object();
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		fprintf(stderr, "%s: the reason is not UTF-8 text\n", cmd);
		return 1;
	}
	json_decref(j);
	if (apiclient_call(cmd, sock, "POST", path, body, &status,
	    &resp) == -1) {
		free(body);
		return 1;
	}
	free(body);
	switch (status) {
	case 200:
		printf("approval %s %s\n", id, grant ? "granted" : "denied");
		rv = 0;
		break;
	case 404:
		fprintf(stderr, "%s: no approval %s on this service\n", cmd,
		    id);
		break;
	case 409:
		fprintf(stderr, "%s: %s\n", cmd, apiclient_problem(resp));
		break;
	default:
		fprintf(stderr, "%s: the service refused: %s\n", cmd,
		    apiclient_problem(resp));
		break;
	}
	free(resp);
	return rv;
}

/* aileron approval grant ID | deny ID [--reason R], [-s statedir] */
static int
approval_decide_cmd(int argc, char *argv[], int grant)
{
	const char	*cmd = grant ? "aileron approval grant" :
			    "aileron approval deny";
	const char	*sub = grant ? "grant" : "deny";
	const char	*sopt = NULL, *id = NULL, *reason = NULL;
	char		 sock[PATH_MAX];
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (!grant && strcmp(argv[i], "--reason") == 0 &&
		    i + 1 < argc)
			reason = argv[++i];
		else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			return cli_bad_arg("approval", sub, argv[i]);
	}
	if (id == NULL)
		return cli_usage_error("approval", sub, "name the approval");
	if (!approval_valid_id(id)) {
		fprintf(stderr, "%s: \"%s\" is not an approval id (32 hex "
		    "digits)\n", cmd, id);
		return CLI_EXIT_USAGE;
	}
	if (reason != NULL && strlen(reason) >= MSG_APPROVAL_REASON_MAX)
		return cli_usage_error("approval", sub, "the reason is longer "
		    "than %d bytes", MSG_APPROVAL_REASON_MAX - 1);
	if (approval_socket(cmd, sopt, sock, sizeof(sock)) == -1)
		return 1;
	return approval_decide(cmd, sock, id, grant, reason);
}

/* A line from the terminal, without its newline; -1 at its end. */
static int
approval_line(FILE *fp, char *buf, size_t len)
{
	if (fgets(buf, len, fp) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void
approval_sigint(int sig)
{
	(void)sig;
	approval_stop = 1;
}

/*
 * aileron approval watch [-s statedir]: look every second; each new
 * pending approval is printed and, on a terminal, asked about.
 */
static int
approval_watch_cmd(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron approval watch";
	static char		 seen[APPROVAL_SEEN_MAX][MSG_APPROVAL_ID_LEN +
				    1];
	const char		*sopt = NULL, *id;
	char			 sock[PATH_MAX], *resp, answer[16], req[400];
	char			 reason[MSG_APPROVAL_REASON_MAX];
	struct timespec		 pause = { 0, APPROVAL_WATCH_MS * 1000000L };
	struct sigaction	 sa;
	FILE			*tty = NULL;
	json_t			*j, *a;
	long			 status;
	size_t			 i, k, nseen = 0, next = 0;
	int			 ask, failures = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("approval", "watch", argv[i]);
	}
	if (approval_socket(cmd, sopt, sock, sizeof(sock)) == -1)
		return 1;
	ask = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (ask)
		tty = stdin;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = approval_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("watching for approvals%s; interrupt to stop\n", ask ? "" :
	    " (no terminal: printing only)");
	while (!approval_stop) {
		status = 0;
		if (apiclient_call(cmd, sock, "GET", "/v1/approvals", NULL,
		    &status, &resp) == -1) {
			/* The service went away: say so once, then end. */
			if (++failures >= 3)
				return 1;
			nanosleep(&pause, NULL);
			continue;
		}
		failures = 0;
		if (status != 200 || (j = json_loads(resp, 0, NULL)) ==
		    NULL) {
			fprintf(stderr, "%s: %s\n", cmd,
			    apiclient_problem(resp));
			free(resp);
			return 1;
		}
		free(resp);
		/* The oldest first: the list is newest first. */
		for (i = json_array_size(j); i-- > 0 && !approval_stop;) {
			a = json_array_get(j, i);
			if ((id = json_string_value(json_object_get(a,
			    "id"))) == NULL || !approval_valid_id(id))
				continue;
			for (k = 0; k < nseen; k++)
				if (strcmp(seen[k], id) == 0)
					break;
			if (k < nseen)
				continue;
			strlcpy(seen[next], id, sizeof(seen[next]));
			next = (next + 1) % APPROVAL_SEEN_MAX;
			if (nseen < APPROVAL_SEEN_MAX)
				nseen++;
			approval_print(stdout, a, 1);
			if (!ask)
				continue;
			for (;;) {
				/*
				 * The request again, by the question: the
				 * agent's arguments above may be made to
				 * look like another's.
				 */
				approval_request(a, req, sizeof(req));
				printf("grant %s (%s)? [y/n] ", id, req);
				fflush(stdout);
				if (approval_line(tty, answer,
				    sizeof(answer)) == -1) {
					approval_stop = 1;
					break;
				}
				if (strcmp(answer, "y") == 0 ||
				    strcmp(answer, "n") == 0)
					break;
			}
			if (approval_stop)
				break;
			if (answer[0] == 'y') {
				(void)approval_decide(cmd, sock, id, 1, NULL);
				continue;
			}
			printf("reason (optional): ");
			fflush(stdout);
			if (approval_line(tty, reason, sizeof(reason)) == -1)
				reason[0] = '\0';
			(void)approval_decide(cmd, sock, id, 0,
			    reason[0] != '\0' ? reason : NULL);
		}
		json_decref(j);
		if (!approval_stop)
			nanosleep(&pause, NULL);
	}
	return 0;
}
