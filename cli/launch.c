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
 * launch.c: "aileron launch": start the service if none runs, start a
 * session, run the agent in a sandbox whose only way out is the proxy,
 * and end the session when the agent exits, exiting with its status.
 *
 * The session is started by "aileron session start --json" run as a
 * child, so that the master key is read, the user key derived and handed
 * to vaultd exactly as that command does, and ended by "aileron session
 * end".  Meanwhile a request on api.sock holds it, so that the service
 * ends it should launch itself be killed.  The sandbox (launch_native.c) sees the token only in its proxy
 * variables; never the master key, a credential, the state directory or
 * api.sock.
 */

#include <sys/types.h>
#ifdef __linux__
#include <sys/syscall.h>
#include <linux/keyctl.h>
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "state.h"
#include "cli/cli.h"
#include "cli/launch.h"

#define LAUNCH_OUT_MAX	(4 * 1024 * 1024)	/* a child's stdout */

extern char	**environ;

static volatile sig_atomic_t	 launch_child;	/* the agent's pid, or 0 */

static int	launch_parse(int, char *[], struct launch *);
static int	launch_self(struct launch *, char *const [], char **, int,
		    int);
static void	launch_closefrom_except(int);
static int	launch_service(struct launch *);
static int	launch_session(struct launch *);
static void	launch_session_end(struct launch *);
static int	launch_files(struct launch *);
static void	launch_files_remove(struct launch *);
static int	launch_write(const char *, const char *, const char *,
		    size_t);
static int	launch_env(struct launch *, char ***);
static int	launch_run(struct launch *, char *const [], char *const []);
static void	launch_forward(int);
static int	launch_hold(struct launch *);
static int	launch_docker_check(struct launch *, struct devc *);
static int	launch_dir_safe(const char *);
static int	launch_dir_holds(const char *, const char *);
static int	launch_devnull(int);
static int	launch_realdir(char *, size_t);

static int
launch_parse(int argc, char *argv[], struct launch *l)
{
	const char	*sandbox = NULL;
	int		 i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc || (argv[i][1] != '-' &&
		    strcmp(argv[i], "-s") != 0))
			return cli_bad_arg("launch", NULL, argv[i]);
		if (strcmp(argv[i], "--sandbox") == 0)
			sandbox = argv[++i];
		else if (strcmp(argv[i], "--agent") == 0)
			l->agent = argv[++i];
		else if (strcmp(argv[i], "--team") == 0)
			l->team = argv[++i];
		else if (strcmp(argv[i], "--project") == 0)
			l->project = argv[++i];
		else if (strcmp(argv[i], "--user") == 0)
			l->user = argv[++i];
		else if (strcmp(argv[i], "--key-fd") == 0) {
			l->keyfd = argv[++i];
			if ((l->keyfdn = (int)strtonum(l->keyfd, 0, INT_MAX,
			    NULL)) == 0 && strcmp(l->keyfd, "0") != 0)
				return cli_usage_error("launch", NULL,
				    "--key-fd takes a descriptor number, not "
				    "\"%s\"", l->keyfd);
		}
		else if (strcmp(argv[i], "--dir") == 0)
			l->dir = argv[++i];
		else if (strcmp(argv[i], "-s") == 0)
			l->sopt = argv[++i];
		else
			return cli_bad_arg("launch", NULL, argv[i]);
	}
	if (i >= argc)
		return cli_usage_error("launch", NULL, "name the agent's "
		    "command");
	l->cmd = argv + i;
	if (sandbox == NULL)
		l->backend = LAUNCH_DEFAULT;
	else if (strcmp(sandbox, "native") == 0)
		l->backend = LAUNCH_NATIVE;
	else if (strcmp(sandbox, "none") == 0)
		l->backend = LAUNCH_NONE;
	else if (strcmp(sandbox, "docker") == 0)
		l->backend = LAUNCH_DOCKER;
	else
		return cli_usage_error("launch", NULL, "--sandbox is native, "
		    "docker or none, not \"%s\"", sandbox);
	if (l->agent == NULL) {
		l->agent = strrchr(l->cmd[0], '/') != NULL ?
		    strrchr(l->cmd[0], '/') + 1 : l->cmd[0];
	}
	return -1;
}

/* Close every descriptor above stderr but keep (-1: none). */
static void
launch_closefrom_except(int keep)
{
	int	 fd;

	if (keep <= STDERR_FILENO) {
		closefrom(STDERR_FILENO + 1);
		return;
	}
	for (fd = STDERR_FILENO + 1; fd < keep; fd++)
		(void)close(fd);
	closefrom(keep + 1);
}

/*
 * Run this program with args; its standard output into *out (NUL
 * terminated, the caller frees) when out is not NULL, else to /dev/null
 * when quiet.  Its standard error is ours.  Returns its exit status, or
 * -1 when it could not be run.
 */
static int
launch_self(struct launch *l, char *const args[], char **out, int quiet,
    int keep)
{
	char	*buf = NULL, *nb;
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], status, null;

	if (out != NULL)
		*out = NULL;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	switch (pid = fork()) {
	case -1:
		close(p[0]);
		close(p[1]);
		return -1;
	case 0:
		if (out != NULL)
			dup2(p[1], STDOUT_FILENO);
		else if (quiet && (null = open("/dev/null", O_WRONLY)) != -1)
			dup2(null, STDOUT_FILENO);
		/* Only session start reads the master key's descriptor. */
		launch_closefrom_except(keep);
		execv(l->self, args);
		fprintf(stderr, "aileron launch: cannot run %s: %s\n",
		    l->self, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if ((nb = realloc(buf, len + 4097)) == NULL)
			break;
		buf = nb;
		if ((n = read(p[0], buf + len, 4096)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		len += n;
		if (len > LAUNCH_OUT_MAX)
			break;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (buf != NULL)
		buf[len] = '\0';
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* path's directory resolved, its last component kept. */
static int
launch_realdir(char *path, size_t len)
{
	char	 dir[PATH_MAX], res[PATH_MAX], *slash;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return -1;
	*slash = '\0';
	if (realpath(dir, res) == NULL || (size_t)snprintf(path, len,
	    "%s/%s", res, slash + 1) >= len)
		return -1;
	return 0;
}

/* A running service, started detached when none runs; its addresses. */
static int
launch_service(struct launch *l)
{
	char		*args[] = { "aileron", "service", "-s", l->statedir,
			    NULL };
	const char	*proxy, *sock, *colon;
	json_t		*j;
	pid_t		 pid;
	int		 stale;

	if ((j = state_service(l->statedir, &pid, &stale)) == NULL) {
		fprintf(stderr, "aileron launch: no service runs on %s; "
		    "starting one\n", l->statedir);
		if (launch_self(l, args, NULL, 0, -1) != 0) {
			fprintf(stderr, "aileron launch: the service did not "
			    "start (above, why)\n");
			return -1;
		}
		if ((j = state_service(l->statedir, &pid, &stale)) == NULL) {
			fprintf(stderr, "aileron launch: the service started "
			    "but %s/service.json is not there\n",
			    l->statedir);
			return -1;
		}
	}
	proxy = json_string_value(json_object_get(j, "proxy"));
	sock = json_string_value(json_object_get(j, "api_socket"));
	if (proxy == NULL || (colon = strrchr(proxy, ':')) == NULL ||
	    (size_t)(colon - proxy) >= sizeof(l->proxyhost) ||
	    strlcpy(l->proxyport, colon + 1, sizeof(l->proxyport)) >=
	    sizeof(l->proxyport) || sock == NULL ||
	    strlcpy(l->apisock, sock, sizeof(l->apisock)) >=
	    sizeof(l->apisock)) {
		fprintf(stderr, "aileron launch: the service has no proxy "
		    "listener or api socket; see aileron.conf(5)\n");
		json_decref(j);
		return -1;
	}
	memcpy(l->proxyhost, proxy, colon - proxy);
	l->proxyhost[colon - proxy] = '\0';
	json_decref(j);
	/* Compared with the sandbox's paths: resolved, as they are. */
	if (launch_realdir(l->apisock, sizeof(l->apisock)) == -1) {
		fprintf(stderr, "aileron launch: cannot resolve %s\n",
		    l->apisock);
		return -1;
	}
	return 0;
}

/* "aileron session start --json": the session, its token and CA files. */
static int
launch_session(struct launch *l)
{
	char		*args[20], *out = NULL;
	const char	*id, *token, *ca, *bundle;
	json_t		*j = NULL;
	size_t		 n = 0;
	int		 rv = -1;

	args[n++] = "aileron";
	args[n++] = "session";
	args[n++] = "start";
	args[n++] = "--json";
	args[n++] = "--agent";
	args[n++] = (char *)l->agent;
	if (l->team != NULL) {
		args[n++] = "--team";
		args[n++] = (char *)l->team;
	}
	if (l->project != NULL) {
		args[n++] = "--project";
		args[n++] = (char *)l->project;
	}
	if (l->user != NULL) {
		args[n++] = "--user";
		args[n++] = (char *)l->user;
	}
	if (l->keyfd != NULL) {
		args[n++] = "--key-fd";
		args[n++] = (char *)l->keyfd;
	}
	args[n++] = "-s";
	args[n++] = l->statedir;
	args[n] = NULL;
	if (launch_self(l, args, &out, 0, l->keyfdn) != 0 || out == NULL)
		goto done;
	if ((j = json_loads(out, 0, NULL)) == NULL ||
	    json_unpack(j, "{s:s, s:s, s:s, s:s}", "session", &id, "token",
	    &token, "ca", &ca, "bundle", &bundle) == -1 ||
	    strlcpy(l->session, id, sizeof(l->session)) >=
	    sizeof(l->session) ||
	    strlcpy(l->token, token, sizeof(l->token)) >= sizeof(l->token) ||
	    strlcpy(l->ca, ca, sizeof(l->ca)) >= sizeof(l->ca) ||
	    strlcpy(l->bundle, bundle, sizeof(l->bundle)) >=
	    sizeof(l->bundle)) {
		fprintf(stderr, "aileron launch: aileron session start gave "
		    "an answer it cannot read\n");
		goto done;
	}
	rv = 0;
 done:
	json_decref(j);
	if (out != NULL) {
		explicit_bzero(out, strlen(out));
		free(out);
	}
	return rv;
}

static void
launch_session_end(struct launch *l)
{
	char	*args[] = { "aileron", "session", "end", l->session, "-s",
		    l->statedir, NULL };

	if (l->session[0] == '\0')
		return;
	if (launch_self(l, args, NULL, 1, -1) != 0)
		fprintf(stderr, "aileron launch: session %s may still be "
		    "open: end it with \"aileron session end %s\"\n",
		    l->session, l->session);
	explicit_bzero(l->token, sizeof(l->token));
}

static int
launch_write(const char *dir, const char *name, const char *data,
    size_t len)
{
	char	 path[PATH_MAX];
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (fd = open(path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * A private directory of what the sandbox is given: the manifest, the
 * prompt hint, placeholder configurations, and the relay's socket.
 */
static int
launch_files(struct launch *l)
{
	char		*args[] = { "aileron", "actions", "list", "--json",
			    "-s", l->statedir, NULL };
	char		*manifest = NULL;
	const char	*tmp;
	int		 rv = -1;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(l->tmp, sizeof(l->tmp), "%s/aileron-launch."
	    "XXXXXX", tmp) >= sizeof(l->tmp) || mkdtemp(l->tmp) ==
	    NULL) {
		fprintf(stderr, "aileron launch: cannot make a directory in "
		    "%s: %s\n", tmp, strerror(errno));
		l->tmp[0] = '\0';
		return -1;
	}
	/* The sandbox maps the launching user: enough to read it. */
	if (chmod(l->tmp, 0700) == -1)
		goto fail;
	if (launch_self(l, args, &manifest, 0, -1) != 0 || manifest == NULL) {
		fprintf(stderr, "aileron launch: cannot list the actions for "
		    "the manifest\n");
		goto done;
	}
	if (launch_write(l->tmp, LAUNCH_MANIFEST, manifest,
	    strlen(manifest)) == -1 ||
	    launch_write(l->tmp, LAUNCH_HINT, launch_hint,
	    strlen(launch_hint)) == -1 ||
	    launch_write(l->tmp, LAUNCH_GH_HOSTS, launch_gh_hosts,
	    strlen(launch_gh_hosts)) == -1 ||
	    (l->mcps != NULL && launch_write(l->tmp, LAUNCH_MCP, l->mcps,
	    strlen(l->mcps)) == -1))
		goto fail;
	if ((size_t)snprintf(l->relaysock, sizeof(l->relaysock), "%s/%s",
	    l->tmp, LAUNCH_RELAY_SOCK) >= sizeof(l->relaysock)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	rv = 0;
	goto done;
 fail:
	fprintf(stderr, "aileron launch: cannot write the sandbox's files in "
	    "%s: %s\n", l->tmp, strerror(errno));
 done:
	free(manifest);
	return rv;
}

static void
launch_files_remove(struct launch *l)
{
	static const char	*names[] = { LAUNCH_MANIFEST, LAUNCH_HINT,
				    LAUNCH_GH_HOSTS, LAUNCH_RELAY_SOCK,
				    LAUNCH_DOCKER_ENV, LAUNCH_MCP };
	char			 path[PATH_MAX];
	size_t			 i;

	if (l->tmp[0] == '\0')
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", l->tmp,
		    names[i]) < sizeof(path))
			(void)unlink(path);
	(void)rmdir(l->tmp);
}

/*
 * The agent's environment.  In a sandbox: the terminal's and the
 * locale's variables of the host and nothing else (a token exported in
 * the user's shell stays out), then the sandbox's contract
 * (launch_native.c).  Without one: the host's, less anything that names
 * a proxy, a trust store or aileron's state, then the contract.
 */
static int
launch_env(struct launch *l, char ***envp)
{
	static const char	*drop[] = { "HTTPS_PROXY=", "https_proxy=",
				    "HTTP_PROXY=", "http_proxy=", "ALL_PROXY=",
				    "all_proxy=", "NO_PROXY=", "no_proxy=",
				    "SSL_CERT_FILE=", "SSL_CERT_DIR=",
				    "CURL_CA_BUNDLE=", "REQUESTS_CA_BUNDLE=",
				    "GIT_SSL_CAINFO=", "NODE_EXTRA_CA_CERTS=",
				    "NODE_USE_ENV_PROXY=", "AILERON_",
				    "PATH=", "HOME=", "SSLKEYLOGFILE=", NULL };
	static const char	*keep[] = { "TERM=", "COLORTERM=", "LANG=",
				    "LANGUAGE=", "LC_", "TZ=", "COLUMNS=",
				    "LINES=", NULL };
	const char		**list;
	char			**env, **e;
	size_t			 n = 0, i, k;

	for (e = environ; *e != NULL; e++)
		n++;
	if ((env = calloc(n + LAUNCH_ENV_MAX + 1, sizeof(*env))) == NULL)
		return -1;
	list = l->backend == LAUNCH_NONE ? drop : keep;
	for (n = 0, e = environ; *e != NULL; e++) {
		for (k = 0; list[k] != NULL; k++)
			if (strncmp(*e, list[k], strlen(list[k])) == 0)
				break;
		if ((list == drop) == (list[k] == NULL))
			env[n++] = *e;
	}
	if ((i = launch_contract(l, env + n, LAUNCH_ENV_MAX)) == (size_t)-1) {
		free(env);
		return -1;
	}
	env[n + i] = NULL;
	*envp = env;
	return 0;
}

/*
 * A project directory the agent may write: never / nor the user's home or
 * one above it, whose every secret would be the agent's.
 */
static int
launch_dir_safe(const char *dir)
{
	/*
	 * Shared directories: their sockets (a tmux or X server, an ssh
	 * agent, another launch's relay) reach the host by path from any
	 * network namespace, and other launches keep session files there.
	 */
	const char	*shared[] = { "/tmp", "/var/tmp", "/dev/shm", "/run",
	    "/var", getenv("XDG_RUNTIME_DIR"), getenv("TMPDIR") };
	const char	*home = getenv("HOME");
	size_t		 i;

	if (strcmp(dir, "/") == 0 || launch_dir_holds(dir, home)) {
		fprintf(stderr, "aileron launch: %s holds your home "
		    "directory; run the agent in a project directory "
		    "(--dir)\n", dir);
		return -1;
	}
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		if (launch_dir_holds(dir, shared[i])) {
			fprintf(stderr, "aileron launch: %s is or holds %s, "
			    "which other programs share: their sockets would "
			    "reach the agent; run it in a project directory "
			    "(--dir)\n", dir, shared[i]);
			return -1;
		}
	}
	return 0;
}

/* /dev/null on descriptor fd, in place of what it was. */
static int
launch_devnull(int fd)
{
	int	 null, rv = 0;

	if ((null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY :
	    O_WRONLY)) == -1)
		return -1;
	if (null != fd) {
		rv = dup2(null, fd) == -1 ? -1 : 0;
		close(null);
	}
	return rv;
}

/*
 * Is dir (a real path) path, once resolved, or one of its parents?  A
 * path that is not absolute (an odd environment variable) is none.
 */
static int
launch_dir_holds(const char *dir, const char *path)
{
	char	 r[PATH_MAX];
	size_t	 n = strlen(dir);

	if (path == NULL || path[0] != '/' || realpath(path, r) == NULL)
		return 0;
	return strncmp(r, dir, n) == 0 && (r[n] == '\0' || r[n] == '/');
}

/* The engine, the project's devcontainer and the relay to mount in. */
static int
launch_docker_check(struct launch *l, struct devc *dc)
{
	char	 why[PATH_MAX + 128];

	if (l->docker[0] == '\0' && !launch_docker_available(l->docker,
	    sizeof(l->docker))) {
		fprintf(stderr, "aileron launch: --sandbox docker: no Docker "
		    "engine answers \"docker info\"\n");
		return -1;
	}
	if (devc_load(l->dir, dc, why, sizeof(why)) == -1) {
		fprintf(stderr, "aileron launch: %s\n", why);
		return -1;
	}
	if (!dc->found) {
		fprintf(stderr, "aileron launch: --sandbox docker: %s has no "
		    ".devcontainer/devcontainer.json; make one with \"aileron "
		    "sandbox init\"\n", l->dir);
		return -1;
	}
	/* Shell mediation, unless the devcontainer turns it off. */
	if (dc->mediation)
		launch_bashrc_find(l);
	return launch_relay_find(l);
}

/*
 * Hold the session on api.sock for the agent's life: when this process
 * goes, however it goes, the connection closes and the service ends the
 * session.  The descriptor is close-on-exec: the agent never holds it.
 */
static int
launch_hold(struct launch *l)
{
	struct sockaddr_un	 sun;
	char			 req[256], head[64];
	ssize_t			 n;
	size_t			 len;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, l->apisock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	len = snprintf(req, sizeof(req), "POST /v1/sessions/%s/hold HTTP/1.1"
	    "\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",
	    l->session);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    write(fd, req, len) != (ssize_t)len ||
	    (n = read(fd, head, sizeof(head) - 1)) < 12) {
		close(fd);
		return -1;
	}
	head[n] = '\0';
	if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
launch_forward(int sig)
{
	int	 saved = errno;

	/* kill(2) is safe here, and no signal can slip past a check. */
	if (launch_child > 0)
		(void)kill(launch_child, sig);
	errno = saved;
}

/*
 * Run argv with envp and wait.  SIGINT and SIGQUIT are the agent's (from
 * the terminal, as under a shell); SIGTERM and SIGHUP are passed on.
 */
static int
launch_run(struct launch *l, char *const argv[], char *const envp[])
{
	struct sigaction	 sa, oint, oquit, oterm, ohup;
	sigset_t		 block, omask;
	pid_t			 pid;
	int			 status, rv;

	/*
	 * The handlers are in place before the agent exists, and the
	 * signals they forward held until its pid is known: a SIGTERM in
	 * between reaches the agent, not only launch.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGQUIT, &sa, &oquit);
	sa.sa_handler = launch_forward;
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &omask);
	switch (pid = fork()) {
	case -1:
		fprintf(stderr, "aileron launch: fork: %s\n", strerror(errno));
		status = 1 << 8;
		goto restore;
	case 0:
		/* The agent gets the user's dispositions, not ours. */
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		sigaction(SIGTERM, &oterm, NULL);
		sigaction(SIGHUP, &ohup, NULL);
		sigprocmask(SIG_SETMASK, &omask, NULL);
		if (l->backend == LAUNCH_NONE && chdir(l->dir) == -1) {
			fprintf(stderr, "aileron launch: %s: %s\n", l->dir,
			    strerror(errno));
			_exit(127);
		}
		if (envp == NULL)	/* docker: the agent's is in a file */
			envp = environ;
		/* Nothing of ours: not the master key's descriptor. */
		if (launch_exec_fds(l) == -1) {
			fprintf(stderr, "aileron launch: cannot hand the "
			    "sandbox its seccomp filter and the project's "
			    "descriptors: %s\n", strerror(errno));
			_exit(127);
		}
		launch_keyring_fresh();
		execve(argv[0], argv, envp);
		if (strchr(argv[0], '/') == NULL)
			execvpe(argv[0], argv, envp);
		fprintf(stderr, "aileron launch: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	launch_child = pid;
	sigprocmask(SIG_SETMASK, &omask, NULL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			status = 1 << 8;
			break;
		}
	launch_child = 0;
 restore:
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	if (WIFSIGNALED(status))
		rv = 128 + WTERMSIG(status);
	else
		rv = WEXITSTATUS(status);
	return rv;
}

int
cmd_launch(int argc, char *argv[])
{
	struct launch	 l;
	char		**env = NULL, **sargv = NULL;
	char		 cwd[PATH_MAX];
	struct devc	 dc;
	struct stat	 sb;
	char		 image[256], devc[PATH_MAX];
	pid_t		 relay = -1;
	int		 rv = 1, r, hold = -1, devcmade = 0;

	memset(&l, 0, sizeof(l));
	memset(&dc, 0, sizeof(dc));
	l.keyfdn = -1;
	l.seccomp = -1;
	l.dirfd = l.devcfd = -1;
	if ((r = launch_parse(argc, argv, &l)) != -1)
		return r;
	if (l.dir == NULL) {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			fprintf(stderr, "aileron launch: cannot tell the "
			    "current directory; use --dir\n");
			return 1;
		}
		l.dir = cwd;
	}
	if (realpath(l.dir, l.dirbuf) == NULL) {
		fprintf(stderr, "aileron launch: %s: %s\n", l.dir,
		    strerror(errno));
		return 1;
	}
	l.dir = l.dirbuf;
	if (launch_dir_safe(l.dir) == -1)
		return 1;
	if (state_resolve(l.sopt, l.statedir, sizeof(l.statedir)) == -1) {
		fprintf(stderr, "aileron launch: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	if (proc_self_path(l.self, sizeof(l.self)) == -1) {
		fprintf(stderr, "aileron launch: cannot find this program\n");
		return 1;
	}
	if (cli_shims_dir(l.shims, sizeof(l.shims)) == -1)
		l.shims[0] = '\0';
	/*
	 * By default docker when an engine answers and the project has a
	 * devcontainer for it, else native.  Both sandboxes show the agent
	 * .devcontainer read-only: the agent cannot rewrite what the next
	 * launch builds.
	 */
	if (l.backend == LAUNCH_DEFAULT) {
		l.backend = devc_exists(l.dir) && launch_docker_available(
		    l.docker, sizeof(l.docker)) ? LAUNCH_DOCKER : LAUNCH_NATIVE;
		if (l.backend == LAUNCH_DOCKER)
			fprintf(stderr, "aileron launch: a Docker engine "
			    "answers and %s has a devcontainer: the docker "
			    "sandbox (--sandbox native for the other)\n",
			    l.dir);
	}
	if (l.backend == LAUNCH_NATIVE && launch_native_check(&l) == -1)
		return 1;
	if (l.backend == LAUNCH_DOCKER && launch_docker_check(&l, &dc) == -1)
		return 1;
	l.mcps = dc.mcps;
	/*
	 * On a terminal the agent gets a pty of launch's, and approvals are
	 * asked there, unless the devcontainer's approval_surface leaves
	 * the terminal out.
	 */
	l.pty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
	    (dc.approval_surface[0] == '\0' ||
	    strstr(dc.approval_surface, "terminal") != NULL);
	if (dc.found && !dc.mediation)
		fprintf(stderr, "aileron launch: the devcontainer turns shell "
		    "mediation off (\"mediation\": \"none\")\n");
	if (l.backend == LAUNCH_NONE)
		fprintf(stderr, "aileron launch: warning: --sandbox none: "
		    "nothing bounds the agent; it can reach any host "
		    "directly, around the proxy, and read what you can\n");

	if (launch_service(&l) == -1 || launch_files(&l) == -1)
		goto done;
	/* Compared with the sandbox's paths: resolved, as they are. */
	if (realpath(l.statedir, cwd) == NULL ||
	    strlcpy(l.statedir, cwd, sizeof(l.statedir)) >=
	    sizeof(l.statedir)) {
		fprintf(stderr, "aileron launch: cannot resolve %s\n",
		    l.statedir);
		goto done;
	}
	if (launch_session(&l) == -1)
		goto done;
	/*
	 * The master key was read: its descriptor goes nowhere else.  One
	 * of the standard three (--key-fd 0 < keyfile) would be the agent's:
	 * it could read the file again from /proc/self/fd.  A terminal stays
	 * (the key was typed; the agent's terminal is the user's); anything
	 * else becomes /dev/null.
	 */
	if (l.keyfdn > STDERR_FILENO)
		(void)close(l.keyfdn);
	else if (l.keyfdn >= 0 && !isatty(l.keyfdn) &&
	    launch_devnull(l.keyfdn) == -1) {
		fprintf(stderr, "aileron launch: cannot close the key's "
		    "descriptor %d: %s\n", l.keyfdn, strerror(errno));
		goto done;
	}
	if ((hold = launch_hold(&l)) == -1) {
		fprintf(stderr, "aileron launch: the service would not hold "
		    "session %s for the agent's life\n", l.session);
		goto done;
	}
	if (launch_env(&l, &env) == -1) {
		fprintf(stderr, "aileron launch: out of memory\n");
		goto done;
	}
	if (l.backend == LAUNCH_NATIVE) {
		/*
		 * bwrap makes the mount point of what covers a missing
		 * .devcontainer in the project: an empty directory, removed
		 * again below (rmdir(2) removes nothing else).
		 */
		if ((size_t)snprintf(devc, sizeof(devc), "%s/.devcontainer",
		    l.dir) < sizeof(devc) && lstat(devc, &sb) == -1 &&
		    errno == ENOENT)
			devcmade = 1;
		if (launch_native_open(&l) == -1 ||
		    (relay = launch_native_relay(&l)) == -1 ||
		    (l.seccomp = launch_native_seccomp()) == -1 ||
		    (sargv = launch_native_argv(&l)) == NULL)
			goto done;
		fprintf(stderr, "aileron launch: session %s: running %s in "
		    "the native sandbox\n", l.session, l.cmd[0]);
		rv = l.pty ? launch_pty_run(&l, sargv, env) :
		    launch_run(&l, sargv, env);
	} else if (l.backend == LAUNCH_DOCKER) {
		if (launch_docker_image(&l, &dc, image, sizeof(image)) == -1 ||
		    (relay = launch_native_relay(&l)) == -1 ||
		    (sargv = launch_docker_argv(&l, image, env)) == NULL)
			goto done;
		fprintf(stderr, "aileron launch: session %s: running %s in "
		    "a container of %s\n", l.session, l.cmd[0], image);
		rv = l.pty ? launch_pty_run(&l, sargv, NULL) :
		    launch_run(&l, sargv, NULL);
	} else {
		fprintf(stderr, "aileron launch: session %s: running %s with "
		    "no sandbox\n", l.session, l.cmd[0]);
		rv = l.pty ? launch_pty_run(&l, l.cmd, env) :
		    launch_run(&l, l.cmd, env);
	}
 done:
	if (relay != -1) {
		kill(relay, SIGTERM);
		while (waitpid(relay, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (devcmade)
		(void)rmdir(devc);
	launch_session_end(&l);
	if (hold != -1)
		close(hold);
	if (l.session[0] != '\0')
		fprintf(stderr, "aileron launch: session %s ended; the agent "
		    "exited with status %d\n", l.session, rv);
	launch_files_remove(&l);
	launch_native_free(sargv);
	free(env);
	launch_contract_free();
	devc_free(&dc);
	if (l.seccomp != -1)
		close(l.seccomp);
	if (l.dirfd != -1)
		close(l.dirfd);
	if (l.devcfd != -1)
		close(l.devcfd);
	explicit_bzero(&l, sizeof(l));
	return rv;
}

/*
 * In the agent's process, before it runs: descriptors 0-2, and for bwrap
 * its seccomp filter as 3, the project as 4 and its .devcontainer as 5,
 * each when there is one; nothing else of ours (not the master key's
 * descriptor).
 */
int
launch_exec_fds(const struct launch *l)
{
	const int	 from[] = { l->seccomp, l->dirfd, l->devcfd };
	const int	 to[] = { LAUNCH_FD_SECCOMP, LAUNCH_FD_DIR,
			    LAUNCH_FD_DEVC };
	int		 high[3], i;

	/* Out of the way first, so that no dup2 closes another's source. */
	for (i = 0; i < 3; i++)
		if ((high[i] = from[i]) != -1 &&
		    (high[i] = fcntl(from[i], F_DUPFD_CLOEXEC,
		    LAUNCH_FD_DEVC + 1)) == -1)
			return -1;
	for (i = 0; i < 3; i++)
		if (high[i] != -1 && dup2(high[i], to[i]) == -1)
			return -1;
	/* What is not ours at 3 to 5 goes too: closefrom leaves them. */
	for (i = 0; i < 3; i++)
		if (high[i] == -1)
			(void)close(to[i]);
	closefrom(LAUNCH_FD_DEVC + 1);
	return 0;
}

/*
 * In the agent's process, before it runs: a session keyring of its own,
 * empty.  It would otherwise share the user's login session keyring,
 * where Kerberos keeps tickets and programs keep tokens (keyctl(1)), and
 * no sandbox of ours takes the keyctl calls away.
 */
void
launch_keyring_fresh(void)
{
#ifdef __linux__
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1 &&
	    errno != ENOSYS) {
		fprintf(stderr, "aileron launch: cannot give the agent a "
		    "keyring of its own: %s\n", strerror(errno));
		_exit(127);
	}
#endif
}
