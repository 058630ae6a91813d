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
 * session.c: "aileron session start" and "aileron session end".  A
 * session is started through the management API on api.sock (control
 * holds sessions); the user key is derived here from the master key and
 * delivered to vaultd over vault.sock, as the vault commands do, so that
 * only vaultd ever holds it.  The session CA and a trust bundle (the
 * system roots followed by the session CA: every variable that names a
 * bundle replaces the client's whole trust store) are written under the
 * state directory for the agent's sandbox to read.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "msgtypes.h"
#include "state.h"
#include "cli/apiclient.h"
#include "cli/cli.h"
#include "cli/vaultclient.h"
#include "vault/vault.h"

#define SESSION_DIR		STATE_SESSIONS_DIR
#define SESSION_ROOTS		"/etc/ssl/certs/ca-certificates.crt"

static int	session_start_cmd(int, char *[]);
static int	session_me(const char *, const char *, char *, size_t);
static int	session_end_cmd(int, char *[]);
static int	session_valid_id(const char *);
static void	session_ca_expiry(const char *, char *, size_t);
static int	session_write_file(int, const char *, const struct iovec *,
		    int);
static int	session_files(const char *, const char *, const char *,
		    const char *, char *, char *, size_t);
static void	session_remove_files(const char *, const char *);
static void	session_quote(const char *);

int
cmd_session(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("session", NULL, "name a subcommand");
	if (strcmp(argv[1], "start") == 0)
		return session_start_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "end") == 0)
		return session_end_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)	/* sessioninfo.c */
		return cmd_session_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return cmd_session_info(argc - 1, argv + 1);
	return cli_usage_error("session", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

static int
session_valid_id(const char *id)
{
	return strlen(id) == MSG_VAULT_SESSION_LEN &&
	    strspn(id, "0123456789abcdef") == MSG_VAULT_SESSION_LEN;
}

/* A new file in dfd, 0644, holding the n parts one after another. */
static int
session_write_file(int dfd, const char *name, const struct iovec *iov,
    int n)
{
	int	 fd, i, rv = 0;

	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return -1;
	if (fchmod(fd, 0644) == -1)
		rv = -1;
	for (i = 0; i < n && rv == 0; i++)
		if (iov[i].iov_len > 0 && write(fd, iov[i].iov_base,
		    iov[i].iov_len) != (ssize_t)iov[i].iov_len)
			rv = -1;
	if (close(fd) == -1)
		rv = -1;
	return rv;
}

/*
 * <statedir>/sessions/<id>/ca.pem and bundle.pem, readable by all (the
 * agent's sandbox reads them; they are certificates, not keys).  The
 * paths go into capath and bundlepath.
 */
static int
session_files(const char *cmd, const char *statedir, const char *id,
    const char *ca, char *capath, char *bundlepath, size_t len)
{
	char		 dir[PATH_MAX], *roots = NULL;
	size_t		 rlen = 0, calen = strlen(ca);
	struct iovec	 iov[4];
	FILE		*f;
	int		 dfd = -1, rv = -1;

	if (snprintf(dir, sizeof(dir), "%s/%s", statedir, SESSION_DIR) >=
	    (int)sizeof(dir) || (mkdir(dir, 0755) == -1 && errno != EEXIST))
		goto fail;
	if (snprintf(dir, sizeof(dir), "%s/%s/%s", statedir, SESSION_DIR,
	    id) >= (int)sizeof(dir) || mkdir(dir, 0755) == -1 ||
	    chmod(dir, 0755) == -1 || (dfd = open(dir, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto fail;
	if ((f = fopen(SESSION_ROOTS, "re")) != NULL) {
		roots = malloc(8 * 1024 * 1024);
		if (roots != NULL)
			rlen = fread(roots, 1, 8 * 1024 * 1024, f);
		if (ferror(f) || !feof(f) || roots == NULL) {
			fclose(f);
			fprintf(stderr, "%s: cannot read the system roots in "
			    "%s\n", cmd, SESSION_ROOTS);
			goto done;
		}
		fclose(f);
	} else
		fprintf(stderr, "%s: warning: no system roots in %s; the "
		    "bundle holds the session CA only\n", cmd, SESSION_ROOTS);
	iov[0].iov_base = (void *)ca;
	iov[0].iov_len = calen;
	iov[1].iov_base = roots;
	iov[1].iov_len = rlen;
	iov[2].iov_base = "\n";
	iov[2].iov_len = rlen > 0 && roots[rlen - 1] != '\n' ? 1 : 0;
	iov[3] = iov[0];
	if (session_write_file(dfd, "ca.pem", iov, 1) == -1 ||
	    session_write_file(dfd, "bundle.pem", iov + 1, 3) == -1)
		goto fail;
	if (snprintf(capath, len, "%s/ca.pem", dir) >= (int)len ||
	    snprintf(bundlepath, len, "%s/bundle.pem", dir) >= (int)len) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	rv = 0;
	goto done;
 fail:
	fprintf(stderr, "%s: cannot write the session's certificates in %s: "
	    "%s\n", cmd, dir, strerror(errno));
 done:
	free(roots);
	if (dfd != -1)
		close(dfd);
	return rv;
}

/* What session_files() made; nothing else in the directory is touched. */
static void
session_remove_files(const char *statedir, const char *id)
{
	char	 dir[PATH_MAX];
	int	 dfd;

	if (snprintf(dir, sizeof(dir), "%s/%s/%s", statedir, SESSION_DIR,
	    id) >= (int)sizeof(dir))
		return;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	unlinkat(dfd, "ca.pem", 0);
	unlinkat(dfd, "bundle.pem", 0);
	close(dfd);
	rmdir(dir);
}

/* A shell word: single-quoted, each ' as '\''. */
static void
session_quote(const char *s)
{
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

/*
 * When the session CA ends, as RFC 3339 UTC, into buf: the session cannot
 * outlive it ("" when the certificate does not parse).
 */
static void
session_ca_expiry(const char *pem, char *buf, size_t len)
{
	BIO		*bio;
	X509		*x = NULL;
	struct tm	 tm;

	buf[0] = '\0';
	if ((bio = BIO_new_mem_buf(pem, -1)) != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1 &&
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	X509_free(x);
	BIO_free(bio);
}

/* GET /v1/users/me: the aileron user the service takes us for. */
static int
session_me(const char *cmd, const char *sock, char *me, size_t len)
{
	json_t		*j;
	const char	*name;
	char		*resp = NULL;
	long		 status = 0;
	int		 rv = -1;

	if (apiclient_call(cmd, sock, "GET", "/v1/users/me", NULL, &status,
	    &resp) == -1 || status != 200) {
		free(resp);
		return -1;
	}
	if ((j = json_loads(resp, 0, NULL)) != NULL &&
	    (name = json_string_value(json_object_get(j, "user"))) != NULL &&
	    strlcpy(me, name, len) < len)
		rv = 0;
	json_decref(j);
	free(resp);
	return rv;
}

static int
session_start_cmd(int argc, char *argv[])
{
	static const char		 cmd[] = "aileron session start";
	struct msg_vault_request	*req = NULL;
	struct vclient			 vc;
	const char			*sopt = NULL, *uopt = NULL;
	const char			*agent = "", *team = "";
	const char			*project = "";
	const char			*id, *token, *ca;
	char				 user[VAULT_USER_MAX + 1], me[VAULT_USER_MAX + 1];
	char				 sock[PATH_MAX], proxy[300];
	char				 url[512], expires[32];
	char				 path[128], capath[PATH_MAX];
	char				 bundlepath[PATH_MAX];
	char				*body = NULL, *resp = NULL, *eresp;
	json_t				*j = NULL, *out;
	long				 status = 0;
	int				 i, keyfd = -1, json = 0, env = 0;
	int				 rv = 1, started = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--agent") == 0 && i + 1 < argc)
			agent = argv[++i];
		else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc)
			team = argv[++i];
		else if (strcmp(argv[i], "--project") == 0 && i + 1 < argc)
			project = argv[++i];
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			uopt = argv[++i];
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd(cmd, argv[++i], &keyfd) == -1)
				return 2;
		} else if (strcmp(argv[i], "--json") == 0 && !env)
			json = 1;
		else if (strcmp(argv[i], "--env") == 0 && !json)
			env = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("session", "start", argv[i]);
	}
	if (vclient_connect(&vc, sopt, cmd) == -1)
		return 1;
	if (apiclient_service(cmd, vc.statedir, sock, sizeof(sock), proxy,
	    sizeof(proxy)) == -1)
		goto done;
	/* Who the service says we are: a user line may name another. */
	if (uopt == NULL && session_me(cmd, sock, me, sizeof(me)) == 0)
		uopt = me;
	if (vclient_user(uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "%s: cannot tell who you are; use --user\n",
		    cmd);
		goto done;
	}
	/* The key first: a typing mistake then costs no session. */
	if ((req = vclient_secure(&vc, sizeof(*req))) == NULL ||
	    vclient_derive(&vc, user, keyfd, "Master key: ", req->key) == -1)
		goto done;

	if ((out = json_pack("{s:s, s:s, s:s, s:s}", "user", user, "agent",
	    agent, "team", team, "project", project)) == NULL ||
	    (body = json_dumps(out, JSON_COMPACT)) == NULL) {
		json_decref(out);
		fprintf(stderr, "%s: out of memory\n", cmd);
		goto done;
	}
	json_decref(out);
	if (apiclient_call(cmd, sock, "POST", "/v1/sessions", body, &status,
	    &resp) == -1)
		goto done;
	if (status != 201) {
		fprintf(stderr, "%s: the service refused: %s\n", cmd,
		    apiclient_problem(resp));
		goto done;
	}
	if ((j = json_loads(resp, 0, NULL)) == NULL ||
	    json_unpack(j, "{s:s, s:s, s:s}", "session", &id, "token", &token,
	    "ca", &ca) == -1 || !session_valid_id(id) ||
	    strlen(token) != MSG_CONTROL_TOKEN_LEN ||
	    strspn(token, "0123456789abcdef") != MSG_CONTROL_TOKEN_LEN) {
		fprintf(stderr, "%s: the service sent a malformed answer\n",
		    cmd);
		goto done;
	}
	started = 1;

	/* Only the user key goes to vaultd; it is zeroed right after. */
	req->op = MSG_VAULT_OP_SESSION_KEY;
	strlcpy(req->user, user, sizeof(req->user));
	strlcpy(req->session, id, sizeof(req->session));
	if (vclient_simple(&vc, req, NULL, 0, NULL) == -1) {
		fprintf(stderr, "%s: the user key was not accepted, so session "
		    "%s was ended\n", cmd, id);
		goto done;
	}
	vclient_secure_free(req, sizeof(*req));
	req = NULL;

	if (strncmp(ca, "-----BEGIN CERTIFICATE-----", 27) != 0) {
		fprintf(stderr, "%s: warning: the service sent no session CA "
		    "certificate; ca.pem is empty\n", cmd);
		ca = "";
	}
	if (session_files(cmd, vc.statedir, id, ca, capath, bundlepath,
	    sizeof(capath)) == -1) {
		fprintf(stderr, "%s: session %s was ended\n", cmd, id);
		goto done;
	}
	snprintf(url, sizeof(url), "http://s:%s@%s", token, proxy);
	session_ca_expiry(ca, expires, sizeof(expires));
	if (json) {
		out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "session",
		    id, "token", token, "proxy", url, "ca", capath, "bundle",
		    bundlepath, "ca_expires", expires);
		if (out == NULL)
			goto done;
		json_dumpf(out, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(out);
	} else if (env) {
		printf("export AILERON_SESSION=");
		session_quote(id);
		printf("\nexport HTTPS_PROXY=");
		session_quote(url);
		printf("\nexport https_proxy=");
		session_quote(url);
		printf("\nexport SSL_CERT_FILE=");
		session_quote(bundlepath);
		printf("\nexport CURL_CA_BUNDLE=");
		session_quote(bundlepath);
		printf("\nexport REQUESTS_CA_BUNDLE=");
		session_quote(bundlepath);
		printf("\nexport GIT_SSL_CAINFO=");
		session_quote(bundlepath);
		printf("\nexport NODE_EXTRA_CA_CERTS=");
		session_quote(capath);
		printf("\n");
	} else {
		printf("session %s started for user %s\n", id, user);
		printf("token:  %s\n", token);
		printf("proxy:  %s\n", url);
		printf("ca:     %s\n", capath);
		printf("bundle: %s\n", bundlepath);
		printf("the session CA expires %s\n", expires);
		printf("end it with \"aileron session end %s\"\n", id);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to standard output\n", cmd);
		session_remove_files(vc.statedir, id);
		goto done;
	}
	rv = 0;
 done:
	vclient_secure_free(req, sizeof(*req));
	if (rv != 0 && started) {
		snprintf(path, sizeof(path), "/v1/sessions/%s", id);
		if (apiclient_call(cmd, sock, "DELETE", path, NULL, &status,
		    &eresp) == 0) {
			if (status != 204)
				fprintf(stderr, "%s: session %s could not be "
				    "ended either: %s\n", cmd, id,
				    apiclient_problem(eresp));
			free(eresp);
		}
	}
	json_decref(j);
	free(body);
	if (resp != NULL) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
	}
	vclient_close(&vc);
	return rv;
}

static int
session_end_cmd(int argc, char *argv[])
{
	static const char	 cmd[] = "aileron session end";
	const char		*sopt = NULL, *id = NULL;
	char			 statedir[PATH_MAX], sock[PATH_MAX];
	char			 path[128], *resp;
	long			 status = 0;
	int			 i, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			return cli_bad_arg("session", "end", argv[i]);
	}
	if (id == NULL)
		return cli_usage_error("session", "end", "name the session to "
		    "end");
	if (!session_valid_id(id)) {
		fprintf(stderr, "%s: \"%s\" is not a session id (32 hex "
		    "digits)\n", cmd, id);
		return 2;
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return 1;
	}
	if (apiclient_service(cmd, statedir, sock, sizeof(sock), NULL, 0) == -1)
		return 1;
	snprintf(path, sizeof(path), "/v1/sessions/%s", id);
	if (apiclient_call(cmd, sock, "DELETE", path, NULL, &status, &resp) == -1)
		return 1;
	switch (status) {
	case 204:
		session_remove_files(statedir, id);
		printf("session %s ended\n", id);
		rv = 0;
		break;
	case 404:
		fprintf(stderr, "%s: no session %s on this service\n", cmd,
		    id);
		break;
	case 403:
		fprintf(stderr, "%s: session %s was started by another user; "
		    "only they, root or the service's owner may end it\n",
		    cmd, id);
		break;
	default:
		fprintf(stderr, "%s: the service could not end session %s: "
		    "%s\n", cmd, id, apiclient_problem(resp));
		break;
	}
	free(resp);
	return rv;
}
