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
 * audit.c: "aileron audit query | verify | export" and "aileron backup",
 * through the management API (aileron-api(7)): control keeps the log and
 * decides what the caller may read; this only asks and prints.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"

#define AUDIT_CLI_PAGE		5000	/* records a request asks for */
#define AUDIT_CLI_PATH_MAX	240	/* what apiclient_call takes */

struct audit_opts {
	const char	*sopt;
	const char	*since, *until, *user, *action, *session;
	int		 json;
};

static int	audit_args(const char *, int, char *[], struct audit_opts *,
		    int);
static int	audit_connect(const char *, const struct audit_opts *,
		    char *, size_t, char *, size_t);
static int	audit_filters(const struct audit_opts *, char *, size_t);
static int	audit_prepare(const char *, const char *, int, char *[],
		    struct audit_opts *, char *, size_t, char *, size_t);
static int	audit_encode(char *, size_t, const char *, const char *);
static void	audit_print(json_t *);
static int	audit_query_cmd(int, char *[]);
static int	audit_verify_cmd(int, char *[]);
static int	audit_export_cmd(int, char *[]);
static int	audit_failed(const char *, long, const char *);

int
cmd_audit(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("audit", NULL, "name a subcommand");
	if (strcmp(argv[1], "query") == 0)
		return audit_query_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return audit_export_cmd(argc - 1, argv + 1);
	return cli_usage_error("audit", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

/* The options; filters only where the subcommand takes them. */
static int
audit_args(const char *sub, int argc, char *argv[], struct audit_opts *o,
    int filters)
{
	const char	**v;
	int		  i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		v = NULL;
		if (strcmp(argv[i], "-s") == 0)
			v = &o->sopt;
		else if (strcmp(argv[i], "--json") == 0 &&
		    strcmp(sub, "export") != 0) {
			o->json = 1;
			continue;
		} else if (filters && strcmp(argv[i], "--since") == 0)
			v = &o->since;
		else if (filters && strcmp(argv[i], "--until") == 0)
			v = &o->until;
		else if (filters && strcmp(argv[i], "--user") == 0)
			v = &o->user;
		else if (filters && strcmp(argv[i], "--action") == 0)
			v = &o->action;
		else if (filters && strcmp(argv[i], "--session") == 0)
			v = &o->session;
		if (v == NULL || i + 1 >= argc)
			return cli_bad_arg("audit", sub, argv[i]);
		*v = argv[++i];
	}
	return 0;
}

static int
audit_connect(const char *cmd, const struct audit_opts *o, char *statedir,
    size_t slen, char *sock, size_t socklen)
{
	if (state_resolve(o->sopt, statedir, slen) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return -1;
	}
	return apiclient_service(cmd, statedir, sock, socklen, NULL, 0);
}

/* name=value&, percent-encoded, appended to buf. */
static int
audit_encode(char *buf, size_t len, const char *name, const char *v)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 n = strlen(buf);

	if (v == NULL)
		return 0;
	if (snprintf(buf + n, len - n, "%s=", name) >= (int)(len - n))
		return -1;
	for (n = strlen(buf); *v != '\0'; v++) {
		if (n + 4 >= len)
			return -1;
		if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		    (*v >= '0' && *v <= '9') || strchr("-._~:", *v) != NULL)
			buf[n++] = *v;
		else {
			buf[n++] = '%';
			buf[n++] = hex[(unsigned char)*v >> 4];
			buf[n++] = hex[*v & 0xf];
		}
	}
	buf[n++] = '&';
	buf[n] = '\0';
	return 0;
}

static int
audit_filters(const struct audit_opts *o, char *buf, size_t len)
{
	if (audit_encode(buf, len, "since", o->since) == -1 ||
	    audit_encode(buf, len, "until", o->until) == -1 ||
	    audit_encode(buf, len, "user", o->user) == -1 ||
	    audit_encode(buf, len, "action", o->action) == -1 ||
	    audit_encode(buf, len, "session", o->session) == -1)
		return -1;
	return 0;
}

/*
 * query and export: the options, the filters as a query string (filters,
 * flen bytes) and api.sock (sock).  0, or the exit status.
 */
static int
audit_prepare(const char *cmd, const char *sub, int argc, char *argv[],
    struct audit_opts *o, char *filters, size_t flen, char *sock,
    size_t slen)
{
	char	 statedir[PATH_MAX];
	int	 rv;

	if ((rv = audit_args(sub, argc, argv, o, 1)) != 0)
		return rv;
	filters[0] = '\0';
	if (audit_filters(o, filters, flen) == -1)
		return cli_usage_error("audit", sub, "the filters are too "
		    "long");
	if (audit_connect(cmd, o, statedir, sizeof(statedir), sock,
	    slen) == -1)
		return 1;
	return 0;
}

static int
audit_failed(const char *cmd, long status, const char *resp)
{
	if (status == 400) {
		fprintf(stderr, "%s: %s\n", cmd, apiclient_problem(resp));
		return CLI_EXIT_USAGE;
	}
	fprintf(stderr, "%s: %s\n", cmd, status == 403 ?
	    "only the service's owner or root may do that" :
	    apiclient_problem(resp));
	return 1;
}

/* One line a record: time, number, event, then what it is about. */
static void
audit_print(json_t *r)
{
	static const char	*keys[] = { "user", "connector", "action",
				    "method", "host", "path", "arguments",
				    "command", "decision", "approver",
				    "latency_ms", "approval_ms", "status",
				    "tokens", "reason", "session" };
	char			*s;
	json_t			*v;
	size_t			 i;

	printf("%s %llu %s", json_string_value(json_object_get(r, "time")) ?
	    json_string_value(json_object_get(r, "time")) : "?",
	    (unsigned long long)json_integer_value(json_object_get(r, "seq")),
	    json_string_value(json_object_get(r, "event")) ?
	    json_string_value(json_object_get(r, "event")) : "?");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = json_object_get(r, keys[i])) == NULL)
			continue;
		if (json_is_string(v))
			printf(" %s=%s", keys[i], json_string_value(v));
		else if (json_is_integer(v))
			printf(" %s=%lld", keys[i],
			    (long long)json_integer_value(v));
		else if (json_is_object(v) && json_object_size(v) > 0 &&
		    (s = json_dumps(v, JSON_COMPACT)) != NULL) {
			printf(" %s=%s", keys[i], s);
			free(s);
		}
	}
	putchar('\n');
}

/*
 * audit query: every matching record the caller may read, a page of
 * AUDIT_CLI_PAGE at a time; --json prints them as one JSON array.
 */
static int
audit_query_cmd(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron audit query";
	struct audit_opts	 o;
	char			 sock[PATH_MAX];
	char			 filters[AUDIT_CLI_PATH_MAX], path[512], *resp;
	json_t			*all, *j, *recs, *next;
	long			 status = 0;
	unsigned long long	 after = 0;
	size_t			 i;
	int			 rv;

	if ((rv = audit_prepare(cmd, "query", argc, argv, &o, filters,
	    sizeof(filters), sock, sizeof(sock))) != 0)
		return rv;
	if ((all = json_array()) == NULL)
		return 1;
	for (;;) {
		snprintf(path, sizeof(path), "/v1/audit?%slimit=%d&after=%llu",
		    filters, AUDIT_CLI_PAGE, after);
		if (apiclient_call(cmd, sock, "GET", path, NULL, &status,
		    &resp) == -1) {
			json_decref(all);
			return 1;
		}
		if (status != 200) {
			rv = audit_failed(cmd, status, resp);
			free(resp);
			json_decref(all);
			return rv;
		}
		j = json_loads(resp, 0, NULL);
		free(resp);
		if ((recs = json_object_get(j, "records")) == NULL ||
		    !json_is_array(recs)) {
			fprintf(stderr, "%s: the service sent a malformed "
			    "answer\n", cmd);
			json_decref(j);
			json_decref(all);
			return 1;
		}
		json_array_extend(all, recs);
		next = json_object_get(j, "next");
		after = json_is_integer(next) ? json_integer_value(next) : 0;
		json_decref(j);
		if (after == 0)
			break;
	}
	if (o.json) {
		json_dumpf(all, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else
		for (i = 0; i < json_array_size(all); i++)
			audit_print(json_array_get(all, i));
	json_decref(all);
	return 0;
}

/* audit verify: 0 when the chain and the head agree, 1 otherwise. */
static int
audit_verify_cmd(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron audit verify";
	struct audit_opts	 o;
	char			 statedir[PATH_MAX], sock[PATH_MAX], *resp;
	json_t			*j;
	long			 status = 0;
	int			 rv;

	if ((rv = audit_args("verify", argc, argv, &o, 0)) != 0)
		return rv;
	if (audit_connect(cmd, &o, statedir, sizeof(statedir), sock,
	    sizeof(sock)) == -1)
		return 1;
	if (apiclient_call(cmd, sock, "GET", "/v1/audit/verify", NULL,
	    &status, &resp) == -1)
		return 1;
	if (status != 200) {
		rv = audit_failed(cmd, status, resp);
		free(resp);
		return rv;
	}
	if ((j = json_loads(resp, 0, NULL)) == NULL ||
	    !json_is_boolean(json_object_get(j, "ok"))) {
		fprintf(stderr, "%s: the service sent a malformed answer\n",
		    cmd);
		free(resp);
		json_decref(j);
		return 1;
	}
	rv = json_is_true(json_object_get(j, "ok")) ? 0 : 1;
	if (o.json)
		printf("%s\n", resp);
	else if (rv == 0 && json_integer_value(json_object_get(j,
	    "records")) == 0)
		printf("the audit log is intact: no record kept; head %lld "
		    "%s\n", (long long)json_integer_value(json_object_get(
		    json_object_get(j, "head"), "seq")),
		    json_string_value(json_object_get(json_object_get(j,
		    "head"), "sha256")));
	else if (rv == 0)
		printf("the audit log is intact from record %lld to %lld; "
		    "head %lld %s\n",
		    (long long)json_integer_value(json_object_get(j, "first")),
		    (long long)json_integer_value(json_object_get(j, "last")),
		    (long long)json_integer_value(json_object_get(
		    json_object_get(j, "head"), "seq")),
		    json_string_value(json_object_get(json_object_get(j,
		    "head"), "sha256")));
	else
		printf("the audit log was tampered with: %s\n",
		    json_string_value(json_object_get(j, "problem")));
	free(resp);
	json_decref(j);
	return rv;
}

/*
 * audit export: the records as control sealed them, one a line, so that
 * their hashes can be checked elsewhere; a page at a time, each going on
 * after the last record the one before printed.
 */
static int
audit_export_cmd(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron audit export";
	struct audit_opts	 o;
	char			 sock[PATH_MAX];
	char			 filters[AUDIT_CLI_PATH_MAX], path[512];
	char			*resp, *line, *last;
	json_t			*j;
	long			 status = 0;
	unsigned long long	 after = 0;
	size_t			 n;
	int			 rv;

	if ((rv = audit_prepare(cmd, "export", argc, argv, &o, filters,
	    sizeof(filters), sock, sizeof(sock))) != 0)
		return rv;
	for (;;) {
		snprintf(path, sizeof(path), "/v1/audit/export?%s"
		    "limit=%d&after=%llu", filters, AUDIT_CLI_PAGE, after);
		if (apiclient_call(cmd, sock, "GET", path, NULL, &status,
		    &resp) == -1)
			return 1;
		if (status != 200) {
			rv = audit_failed(cmd, status, resp);
			free(resp);
			return rv;
		}
		fputs(resp, stdout);
		/* The last line's number: where the next page starts. */
		n = 0;
		last = NULL;
		for (line = resp; *line != '\0'; line = strchr(line, '\n') +
		    1) {
			if (strchr(line, '\n') == NULL)
				break;
			last = line;
			n++;
		}
		j = last != NULL ? json_loadb(last, strcspn(last, "\n"), 0,
		    NULL) : NULL;
		after = json_integer_value(json_object_get(j, "seq"));
		json_decref(j);
		free(resp);
		if (n < AUDIT_CLI_PAGE)
			break;
		if (after == 0) {
			fprintf(stderr, "%s: a record without a number; the "
			    "export stops there (see aileron audit verify)\n",
			    cmd);
			return 1;
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: %s\n", cmd, strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * backup DIR: control copies its environment (the audit log and what
 * the management plane keeps) into a new directory of its own, which is
 * then moved to DIR, as "aileron vault backup" does with vaultd's.
 */
int
cmd_backup(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron backup";
	struct stat		 st;
	const char		*sopt = NULL, *dir = NULL, *name;
	char			 statedir[PATH_MAX], sock[PATH_MAX];
	char			 from[PATH_MAX], parent[PATH_MAX], *resp, *up;
	json_t			*j = NULL;
	long			 status = 0;
	int			 i, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (dir == NULL && argv[i][0] != '-')
			dir = argv[i];
		else
			return cli_bad_arg("backup", NULL, argv[i]);
	}
	if (dir == NULL)
		return cli_usage_error("backup", NULL, "name a new directory "
		    "for the backup");
	if (access(dir, F_OK) == 0) {
		fprintf(stderr, "%s: %s exists; name a new directory\n", cmd,
		    dir);
		return 1;
	}
	strlcpy(parent, dir, sizeof(parent));
	up = dirname(parent);
	if (stat(up, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: cannot create %s: %s is not a "
		    "directory\n", cmd, dir, up);
		return 1;
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return 1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL,
	    0) == -1)
		return 1;
	if (apiclient_call(cmd, sock, "POST", "/v1/backup", "", &status,
	    &resp) == -1)
		return 1;
	if (status != 200) {
		rv = audit_failed(cmd, status, resp);
		free(resp);
		return rv;
	}
	j = json_loads(resp, 0, NULL);
	free(resp);
	/* Control names a directory in its root: backup-TIME-HEX, no '/'. */
	if (j == NULL || (name = json_string_value(json_object_get(j,
	    "dir"))) == NULL || strncmp(name, "backup-", 7) != 0 ||
	    strspn(name + 7, "0123456789abcdef-") != strlen(name + 7)) {
		fprintf(stderr, "%s: the service sent a malformed answer\n",
		    cmd);
		goto done;
	}
	if (snprintf(from, sizeof(from), "%s/%s", statedir,
	    STATE_CONTROL_DIR) >= (int)sizeof(from))
		goto done;
	if (vault_backup_take(cmd, from, name, dir) == -1)
		goto done;
	printf("control's store backed up to %s; aileron(1) says how to "
	    "restore it\n", dir);
	rv = 0;
 done:
	json_decref(j);
	return rv;
}
