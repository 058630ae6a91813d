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
 * launch_native.c: the sandbox's contract (its environment and files)
 * and the native backend: bubblewrap with new user, mount, pid, ipc, uts
 * and network namespaces.  The network namespace has only loopback, and
 * aileron-relay carries 127.0.0.1:PORT inside over a bind-mounted unix
 * socket to the proxy outside, so the proxy is all the agent can reach.
 * The root is an empty tmpfs with the system bound read-only into it
 * (/usr and /etc less its secrets), the project directory writable, a
 * private /tmp, /run and home, a fresh /proc; the state directory,
 * api.sock, the host's home and its other files are simply not there.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "cli/cli.h"
#include "cli/launch.h"

#define LAUNCH_BWRAP	"bwrap"
#define LAUNCH_ROOTS	"/etc/ssl/certs/ca-certificates.crt"

/* About 150 tokens: what an agent needs to know to work here. */
const char	 launch_hint[] =
    "You run inside an aileron sandbox. Your network access goes through "
    "a proxy that adds the credentials for you: do not ask for API keys "
    "or tokens and do not set any; the ones you see are placeholders. "
    "Command-line tools for the connected services are in your PATH; run "
    "one with --help to see its actions. The actions you may take are "
    "listed in /etc/aileron/actions.json (or the file $AILERON_ACTIONS "
    "names). Some actions need a human's approval: the request then "
    "waits until someone decides. A refusal comes back as HTTP 403 with "
    "a JSON body that says why; do not retry it unchanged. curl, git and "
    "Python's requests work as usual: the proxy and its CA are already "
    "configured.\n";

/* gh reads a token from here; the proxy replaces it with the real one. */
const char	 launch_gh_hosts[] =
    "github.com:\n"
    "    oauth_token: aileron-placeholder\n"
    "    git_protocol: https\n";

/* /etc entries the sandbox does not get: the host's secrets. */
static const char	*launch_etc_hidden[] = {
	"shadow", "shadow-", "gshadow", "gshadow-", "sudoers", "sudoers.d",
	"ssh", "aileron", "security", "krb5.keytab", "ssl", NULL
};

static char	*launch_env_strs[LAUNCH_ENV_MAX];
static size_t	 launch_nenv;

static int	launch_setenv(char **, size_t, const char *, const char *);
static int	launch_bind(char **, size_t *, const char *, const char *,
		    const char *);
static int	launch_bind_etc(char **, size_t *);
static int	launch_bind_root(char **, size_t *);

/* An executable named name in PATH, or beside this program. */
int
launch_which(const char *name, char *buf, size_t len)
{
	const char	*path = getenv("PATH"), *p, *e;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e == p || *p != '/')
			continue;
		if ((size_t)snprintf(buf, len, "%.*s/%s", (int)(e - p), p,
		    name) < len && access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

static int
launch_setenv(char **env, size_t i, const char *name, const char *value)
{
	if (launch_nenv >= LAUNCH_ENV_MAX || asprintf(&launch_env_strs[
	    launch_nenv], "%s=%s", name, value) == -1)
		return -1;
	env[i] = launch_env_strs[launch_nenv++];
	return 0;
}

/*
 * The contract's variables into env (at most max), for the backend:
 * where things are as the agent sees them.  Returns how many, or -1.
 */
size_t
launch_contract(const struct launch *l, char **env, size_t max)
{
	char		 url[512], path[PATH_MAX * 2 + 64], selfdir[PATH_MAX];
	char		 manifest[PATH_MAX], *slash;
	const char	*bundle, *ca, *home, *host;
	size_t		 n = 0;

	if (max < 22)
		return (size_t)-1;
	strlcpy(selfdir, l->self, sizeof(selfdir));
	if ((slash = strrchr(selfdir, '/')) != NULL)
		*slash = '\0';
	if (l->backend != LAUNCH_NONE) {
		host = "127.0.0.1";
		bundle = LAUNCH_ETC "/bundle.pem";
		ca = LAUNCH_ETC "/ca.pem";
		home = LAUNCH_HOME;
		strlcpy(manifest, LAUNCH_ETC "/" LAUNCH_MANIFEST,
		    sizeof(manifest));
		snprintf(path, sizeof(path), "%s%s%s:/usr/local/bin:/usr/bin:"
		    "/bin", l->shims, l->shims[0] != '\0' ? ":" : "", selfdir);
	} else {
		host = l->proxyhost;
		bundle = l->bundle;
		ca = l->ca;
		home = getenv("HOME") != NULL ? getenv("HOME") : "/";
		if ((size_t)snprintf(manifest, sizeof(manifest), "%s/%s",
		    l->tmp, LAUNCH_MANIFEST) >= sizeof(manifest))
			return (size_t)-1;
		snprintf(path, sizeof(path), "%s%s%s:%s", l->shims,
		    l->shims[0] != '\0' ? ":" : "", selfdir,
		    getenv("PATH") != NULL ? getenv("PATH") :
		    "/usr/local/bin:/usr/bin:/bin");
	}
	if ((size_t)snprintf(url, sizeof(url), "http://s:%s@%s:%s", l->token,
	    host, l->proxyport) >= sizeof(url))
		return (size_t)-1;
	if (launch_setenv(env, n++, "HTTPS_PROXY", url) == -1 ||
	    launch_setenv(env, n++, "https_proxy", url) == -1 ||
	    launch_setenv(env, n++, "HTTP_PROXY", url) == -1 ||
	    launch_setenv(env, n++, "http_proxy", url) == -1 ||
	    launch_setenv(env, n++, "NO_PROXY", "localhost,127.0.0.1,::1") ==
	    -1 ||
	    launch_setenv(env, n++, "no_proxy", "localhost,127.0.0.1,::1") ==
	    -1 ||
	    launch_setenv(env, n++, "NODE_USE_ENV_PROXY", "1") == -1 ||
	    launch_setenv(env, n++, "SSL_CERT_FILE", bundle) == -1 ||
	    launch_setenv(env, n++, "CURL_CA_BUNDLE", bundle) == -1 ||
	    launch_setenv(env, n++, "REQUESTS_CA_BUNDLE", bundle) == -1 ||
	    launch_setenv(env, n++, "GIT_SSL_CAINFO", bundle) == -1 ||
	    launch_setenv(env, n++, "NODE_EXTRA_CA_CERTS", ca) == -1 ||
	    launch_setenv(env, n++, "AILERON_SESSION", l->session) == -1 ||
	    launch_setenv(env, n++, "AILERON_AGENT", l->agent) == -1 ||
	    launch_setenv(env, n++, "AILERON_ACTIONS", manifest) == -1 ||
	    launch_setenv(env, n++, "AILERON_PROMPT_HINT", launch_hint) == -1) {
		explicit_bzero(url, sizeof(url));
		return (size_t)-1;
	}
	explicit_bzero(url, sizeof(url));
	/* A container keeps its image's PATH and HOME; the shims are the
	 * host's binaries, which need not run there. */
	if (l->backend != LAUNCH_DOCKER &&
	    (launch_setenv(env, n++, "PATH", path) == -1 ||
	    launch_setenv(env, n++, "HOME", home) == -1))
		return (size_t)-1;
	if (l->backend != LAUNCH_NONE && l->bashrc[0] != '\0' &&
	    launch_setenv(env, n++, "BASH_ENV", LAUNCH_ETC "/bashrc") == -1)
		return (size_t)-1;
	/* A container's image need not run the host's aileron. */
	if (l->backend == LAUNCH_DOCKER && l->bashrc[0] != '\0' &&
	    launch_setenv(env, n++, "AILERON_SHELL_CHECK", DOCKER_RELAY) == -1)
		return (size_t)-1;
	/* The user's own MCP servers, from the devcontainer. */
	if (l->mcps != NULL && launch_setenv(env, n++, "AILERON_MCP_CONFIG",
	    LAUNCH_ETC "/" LAUNCH_MCP) == -1)
		return (size_t)-1;
	return n;
}

/* The token is in some of them: zeroed, not only freed. */
void
launch_contract_free(void)
{
	size_t	 i;

	for (i = 0; i < launch_nenv; i++) {
		explicit_bzero(launch_env_strs[i], strlen(launch_env_strs[i]));
		free(launch_env_strs[i]);
		launch_env_strs[i] = NULL;
	}
	launch_nenv = 0;
}

/* aileron-relay: beside a build tree's aileron, or installed. */
int
launch_relay_find(struct launch *l)
{
	char	 dir[PATH_MAX], *slash;

	strlcpy(dir, l->self, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((size_t)snprintf(l->relay, sizeof(l->relay), "%s/aileron-relay",
	    dir) < sizeof(l->relay) && access(l->relay, X_OK) == 0)
		return 0;
	if ((size_t)snprintf(l->relay, sizeof(l->relay), "%s/aileron-relay",
	    AILERON_LIBEXECDIR) < sizeof(l->relay) &&
	    access(l->relay, X_OK) == 0)
		return 0;
	fprintf(stderr, "aileron launch: aileron-relay is not installed in "
	    "%s; run \"make install\"\n", AILERON_LIBEXECDIR);
	return -1;
}

/*
 * The sandbox's bash rc (shell mediation): etc/aileron/bashrc of the
 * source tree beside a build tree's build/aileron, else the installed
 * one.  "" when there is none: then bash is not mediated.
 */
void
launch_bashrc_find(struct launch *l)
{
	char	 dir[PATH_MAX], *slash;

	strlcpy(dir, l->self, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((size_t)snprintf(l->bashrc, sizeof(l->bashrc),
	    "%s/../etc/aileron/bashrc", dir) < sizeof(l->bashrc) &&
	    access(l->bashrc, R_OK) == 0)
		return;
	if ((size_t)snprintf(l->bashrc, sizeof(l->bashrc), "%s/bashrc",
	    AILERON_LIBEXECDIR) < sizeof(l->bashrc) &&
	    access(l->bashrc, R_OK) == 0)
		return;
	l->bashrc[0] = '\0';
}

int
launch_native_check(struct launch *l)
{
	if (launch_which(LAUNCH_BWRAP, l->bwrap, sizeof(l->bwrap)) == -1) {
		fprintf(stderr, "aileron launch: the native sandbox needs "
		    "bubblewrap (bwrap), which is not installed: install the "
		    "Debian package bubblewrap, or use --sandbox none\n");
		return -1;
	}
	launch_bashrc_find(l);
	return launch_relay_find(l);
}

/* "aileron-relay out": the host's end, ready when it has said so. */
pid_t
launch_native_relay(struct launch *l)
{
	char	 c;
	pid_t	 pid;
	int	 p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	switch (pid = fork()) {
	case -1:
		close(p[0]);
		close(p[1]);
		return -1;
	case 0:
		dup2(p[1], STDOUT_FILENO);
		closefrom(STDERR_FILENO + 1);
		execl(l->relay, "aileron-relay", "out", l->relaysock,
		    l->proxyhost, l->proxyport, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (read(p[0], &c, 1) == -1 && errno == EINTR)
		;
	close(p[0]);
	if (access(l->relaysock, F_OK) == -1) {
		fprintf(stderr, "aileron launch: the relay to the proxy did "
		    "not start\n");
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* One more argument of a command line made for exec. */
int
launch_push(char **argv, size_t *n, const char *s)
{
	if (*n + 1 >= LAUNCH_ARGV_MAX || (argv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	argv[*n] = NULL;
	return 0;
}

/* "--bind from to" and the like. */
static int
launch_bind(char **argv, size_t *n, const char *how, const char *from,
    const char *to)
{
	if (launch_push(argv, n, how) == -1 ||
	    launch_push(argv, n, from) == -1 ||
	    launch_push(argv, n, to) == -1)
		return -1;
	return 0;
}

/* path is dir or below it. */
int
launch_under(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/' || n == 1);
}

/* /etc, entry by entry, less what launch_etc_hidden names. */
static int
launch_bind_etc(char **argv, size_t *n)
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX], target[PATH_MAX];
	ssize_t		 tl;
	DIR		*d;
	size_t		 i;
	int		 rv = 0;

	if (launch_push(argv, n, "--dir") == -1 ||
	    launch_push(argv, n, "/etc") == -1 ||
	    (d = opendir("/etc")) == NULL)
		return -1;
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		for (i = 0; launch_etc_hidden[i] != NULL; i++)
			if (strcmp(de->d_name, launch_etc_hidden[i]) == 0)
				break;
		if (launch_etc_hidden[i] != NULL)
			continue;
		snprintf(path, sizeof(path), "/etc/%s", de->d_name);
		if (lstat(path, &st) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			if ((tl = readlink(path, target, sizeof(target) - 1)) <=
			    0)
				continue;
			target[tl] = '\0';
			rv = launch_push(argv, n, "--symlink") == -1 ||
			    launch_push(argv, n, target) == -1 ||
			    launch_push(argv, n, path) == -1 ? -1 : 0;
		} else
			rv = launch_push(argv, n, "--ro-bind") == -1 ||
			    launch_push(argv, n, path) == -1 ||
			    launch_push(argv, n, path) == -1 ? -1 : 0;
	}
	closedir(d);
	/* The system roots and OpenSSL's file, not /etc/ssl/private. */
	if (rv == 0 && access("/etc/ssl/certs", F_OK) == 0)
		rv = launch_bind(argv, n, "--ro-bind", "/etc/ssl/certs",
		    "/etc/ssl/certs");
	if (rv == 0 && access("/etc/ssl/openssl.cnf", F_OK) == 0)
		rv = launch_bind(argv, n, "--ro-bind", "/etc/ssl/openssl.cnf",
		    "/etc/ssl/openssl.cnf");
	return rv;
}

/* /usr, and /bin, /lib and the like as the host has them. */
static const char *const launch_trees[] = { "/usr", "/bin", "/sbin", "/lib",
	"/lib32", "/lib64", "/libx32", "/opt", NULL };

static int
launch_bind_root(char **argv, size_t *n)
{
	const char *const	*top = launch_trees;
	struct stat		 st;
	char			 target[PATH_MAX];
	ssize_t			 tl;
	size_t			 i;

	for (i = 0; top[i] != NULL; i++) {
		if (lstat(top[i], &st) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			if ((tl = readlink(top[i], target,
			    sizeof(target) - 1)) <= 0)
				continue;
			target[tl] = '\0';
			if (launch_push(argv, n, "--symlink") == -1 ||
			    launch_push(argv, n, target) == -1 ||
			    launch_push(argv, n, top[i]) == -1)
				return -1;
		} else if (S_ISDIR(st.st_mode) &&
		    (launch_push(argv, n, "--ro-bind") == -1 ||
		    launch_push(argv, n, top[i]) == -1 ||
		    launch_push(argv, n, top[i]) == -1))
			return -1;
	}
	return 0;
}

/*
 * The agent's seccomp filter, compiled for bwrap's --seccomp: every
 * system call but these, which reach parts of the kernel an agent never
 * needs and exploits often do (io_uring, eBPF, perf events, userfaultfd's
 * stalled page faults), or that need a privilege it must not have; they
 * fail with EPERM, as in Docker's default profile, and programs that try
 * io_uring fall back to plain calls.  The 32-bit ABIs get the same rules,
 * not a way around them.  A descriptor for launch_exec_fds(), or -1
 * with the reason on standard error.
 */
int
launch_native_seccomp(void)
{
	static const char *const deny[] = {
		"io_uring_setup", "io_uring_enter", "io_uring_register",
		"bpf", "perf_event_open", "userfaultfd",
		"kexec_load", "kexec_file_load", "init_module",
		"finit_module", "delete_module", "open_by_handle_at",
	};
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 fd = -1, k, nr, rv = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		goto done;
#if defined(__x86_64__)
	if (seccomp_arch_add(ctx, SCMP_ARCH_X86) != 0 ||
	    seccomp_arch_add(ctx, SCMP_ARCH_X32) != 0)
		goto done;
#endif
	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		/* Not a call of this kernel's ABIs: nothing to refuse. */
		if ((nr = seccomp_syscall_resolve_name(deny[i])) ==
		    __NR_SCMP_ERROR)
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0)
			goto done;
	}
	if ((fd = memfd_create("aileron-seccomp", MFD_CLOEXEC)) == -1)
		goto done;
	/* Launched with 0-2 closed: not where the agent's terminal goes. */
	if (fd <= STDERR_FILENO) {
		k = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		close(fd);
		if ((fd = k) == -1)
			goto done;
	}
	if (seccomp_export_bpf(ctx, fd) != 0 || lseek(fd, 0, SEEK_SET) == -1)
		goto done;
	rv = 0;
 done:
	if (ctx != NULL)
		seccomp_release(ctx);
	if (rv == -1) {
		fprintf(stderr, "aileron launch: cannot make the sandbox's "
		    "seccomp filter\n");
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * The project and its .devcontainer, opened now, for bwrap to bind by
 * descriptor: bound by path, a project inside another agent's could be
 * swapped for a symbolic link (to /, say) between launch's checks and
 * bwrap's mount.  The project's path is real (realpath), so a symbolic
 * link anywhere in it now is someone's doing: refused.
 */
int
launch_native_open(struct launch *l)
{
	struct open_how	 how;
	struct stat	 st;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	if ((l->dirfd = syscall(SYS_openat2, AT_FDCWD, l->dir, &how,
	    sizeof(how))) == -1) {
		if (errno == ENOSYS || errno == EPERM)
			fprintf(stderr, "aileron launch: the native sandbox "
			    "needs openat2(2), Linux 5.6 or later, which this "
			    "system refuses (%s): use --sandbox docker or "
			    "none\n", strerror(errno));
		else
			fprintf(stderr, "aileron launch: %s: %s\n", l->dir,
			    errno == ELOOP ? "a symbolic link is in its path "
			    "now (it changed since launch looked)" :
			    strerror(errno));
		return -1;
	}
	if ((l->devcfd = openat(l->dirfd, DEVC_DIR, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "aileron launch: %s/%s: %s\n", l->dir,
		    DEVC_DIR, strerror(errno));
		return -1;
	}
	/* O_PATH with O_NOFOLLOW opens a symbolic link itself. */
	if (fstat(l->devcfd, &st) == -1 || S_ISLNK(st.st_mode)) {
		fprintf(stderr, "aileron launch: %s/%s is a symbolic link: the "
		    "sandbox could not keep the agent from replacing it\n",
		    l->dir, DEVC_DIR);
		return -1;
	}
	return 0;
}

/* bubblewrap's command line, ending in aileron-relay and the agent. */
char **
launch_native_argv(const struct launch *l)
{
	static const char	*ns[] = { "--unshare-user", "--unshare-pid",
				    "--unshare-ipc", "--unshare-uts",
				    "--unshare-net", "--unshare-cgroup-try",
				    "--die-with-parent",
				    /*
				     * Run by root, bwrap would leave the agent
				     * every capability in its namespace, and
				     * the mounts made there are not locked: it
				     * could remount a read-only bind writable
				     * or lift the tmpfs over the state
				     * directory.  No capability, run by anyone.
				     */
				    "--cap-drop", "ALL",
				    "--proc", "/proc",
				    /*
				     * bwrap covers /proc/sys only when it can
				     * write it, and the kernel tells it no; a
				     * root agent could then set the host's
				     * sysctls (core_pattern runs a program as
				     * root, outside every namespace).
				     */
				    "--ro-bind", "/proc/sys", "/proc/sys",
				    "--dev", "/dev",
				    "--tmpfs", "/tmp", "--tmpfs", "/run",
				    "--dir", LAUNCH_RUN, "--tmpfs", LAUNCH_HOME,
				    "--dir", LAUNCH_HOME "/.config/gh",
				    "--dir", LAUNCH_ETC, NULL };
	static const char	*files[][2] = {
		{ LAUNCH_MANIFEST, LAUNCH_ETC "/" LAUNCH_MANIFEST },
		{ LAUNCH_HINT, LAUNCH_ETC "/" LAUNCH_HINT },
		{ LAUNCH_GH_HOSTS, LAUNCH_HOME "/.config/gh/hosts.yml" },
	};
	char			**argv, path[PATH_MAX], dir[PATH_MAX];
	char			 devc[PATH_MAX], id[32], *slash;
	char			 fd[16], devcfd[16];
	const char		*bound[16];
	size_t			 n = 0, i, nb = 0;

	if ((argv = calloc(LAUNCH_ARGV_MAX, sizeof(*argv))) == NULL)
		return NULL;
	if (launch_push(argv, &n, l->bwrap) == -1)
		goto fail;
	/*
	 * Without a pty of launch's, the agent must not share the user's
	 * terminal session (TIOCSTI could type into the user's shell); on
	 * launch's pty it needs that terminal as its own, and what it types
	 * there reaches only itself.
	 */
	if (!l->pty && launch_push(argv, &n, "--new-session") == -1)
		goto fail;
	/* The filter is descriptor 3 when bwrap runs (launch_exec_fds). */
	snprintf(id, sizeof(id), "%d", LAUNCH_FD_SECCOMP);
	if (l->seccomp != -1 && (launch_push(argv, &n, "--seccomp") == -1 ||
	    launch_push(argv, &n, id) == -1))
		goto fail;
	for (i = 0; ns[i] != NULL; i++)
		if (launch_push(argv, &n, ns[i]) == -1)
			goto fail;
	/* The launching user, as themselves. */
	snprintf(id, sizeof(id), "%u", (unsigned)getuid());
	if (launch_push(argv, &n, "--uid") == -1 ||
	    launch_push(argv, &n, id) == -1)
		goto fail;
	snprintf(id, sizeof(id), "%u", (unsigned)getgid());
	if (launch_push(argv, &n, "--gid") == -1 ||
	    launch_push(argv, &n, id) == -1 ||
	    launch_bind_root(argv, &n) == -1 ||
	    launch_bind_etc(argv, &n) == -1)
		goto fail;

	/* Our files, the session's certificates and the relay's socket. */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", l->tmp,
		    files[i][0]) >= sizeof(path) || launch_bind(argv, &n, "--ro-bind", path, files[i][1]) == -1)
			goto fail;
	}
	if (launch_bind(argv, &n, "--ro-bind", l->ca, LAUNCH_ETC "/ca.pem") ==
	    -1 || launch_bind(argv, &n, "--ro-bind", l->bundle, LAUNCH_ETC
	    "/bundle.pem") == -1 || (access(LAUNCH_ROOTS, F_OK) == 0 &&
	    launch_bind(argv, &n, "--ro-bind", l->bundle, LAUNCH_ROOTS) ==
	    -1) || launch_bind(argv, &n, "--bind", l->relaysock, LAUNCH_RUN
	    "/" LAUNCH_RELAY_SOCK) == -1)
		goto fail;

	/* Shell mediation: bash's rc, interactive or not (BASH_ENV). */
	if (l->bashrc[0] != '\0' && (launch_bind(argv, &n, "--ro-bind",
	    l->bashrc, LAUNCH_ETC "/bashrc") == -1 || launch_bind(argv, &n,
	    "--ro-bind", l->bashrc, LAUNCH_HOME "/.bashrc") == -1))
		goto fail;

	/* This program and the shims, where the agent's PATH has them. */
	strlcpy(dir, l->self, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (!launch_under(dir, "/usr")) {
		if (launch_bind(argv, &n, "--ro-bind", dir, dir) == -1)
			goto fail;
		bound[nb++] = dir;
	}
	if (l->shims[0] != '\0' && !launch_under(l->shims, "/usr") &&
	    !launch_under(l->shims, dir)) {
		if (launch_bind(argv, &n, "--ro-bind", l->shims, l->shims) ==
		    -1)
			goto fail;
		bound[nb++] = l->shims;
	}
	/*
	 * The agent may not write what a docker launch would build: where
	 * the project has no .devcontainer, a read-only empty file system
	 * takes its place (and bwrap leaves its mount point behind, an
	 * empty directory, which no launch reads).
	 */
	if ((size_t)snprintf(devc, sizeof(devc), "%s/%s", l->dir, DEVC_DIR) >=
	    sizeof(devc)) {
		fprintf(stderr, "aileron launch: %s: path too long\n", l->dir);
		launch_native_free(argv);
		return NULL;
	}
	/* By descriptor: launch_native_open. */
	snprintf(fd, sizeof(fd), "%d", LAUNCH_FD_DIR);
	snprintf(devcfd, sizeof(devcfd), "%d", LAUNCH_FD_DEVC);
	if (launch_bind(argv, &n, "--bind-fd", fd, l->dir) == -1 ||
	    (l->devcfd != -1 && launch_bind(argv, &n, "--ro-bind-fd", devcfd,
	    devc) == -1) ||
	    (l->devcfd == -1 && (launch_push(argv, &n, "--tmpfs") == -1 ||
	    launch_push(argv, &n, devc) == -1 ||
	    launch_push(argv, &n, "--remount-ro") == -1 ||
	    launch_push(argv, &n, devc) == -1)))
		goto fail;
	bound[nb++] = l->dir;
	/* launch_bind_root's trees, and /etc's entries (launch_bind_etc). */
	for (i = 0; launch_trees[i] != NULL; i++)
		bound[nb++] = launch_trees[i];
	bound[nb++] = "/etc";
	if (nb > sizeof(bound) / sizeof(bound[0]))
		abort();	/* launch_trees grew past bound[] */

	/* Where a bound tree holds the state or api.sock, hide them. */
	for (i = 0; i < nb; i++) {
		if (launch_under(l->statedir, bound[i]) &&
		    (launch_push(argv, &n, "--tmpfs") == -1 ||
		    launch_push(argv, &n, l->statedir) == -1))
			goto fail;
		strlcpy(path, l->apisock, sizeof(path));
		if ((slash = strrchr(path, '/')) != NULL && slash != path)
			*slash = '\0';
		if (!launch_under(path, l->statedir) &&
		    launch_under(path, bound[i]) &&
		    (launch_push(argv, &n, "--tmpfs") == -1 ||
		    launch_push(argv, &n, path) == -1))
			goto fail;
	}
	if (launch_push(argv, &n, "--chdir") == -1 ||
	    launch_push(argv, &n, l->dir) == -1 ||
	    launch_push(argv, &n, "--") == -1 ||
	    launch_push(argv, &n, l->relay) == -1 ||
	    launch_push(argv, &n, "in") == -1 ||
	    launch_push(argv, &n, l->proxyport) == -1 ||
	    launch_push(argv, &n, LAUNCH_RUN "/" LAUNCH_RELAY_SOCK) == -1)
		goto fail;
	for (i = 0; l->cmd[i] != NULL; i++)
		if (launch_push(argv, &n, l->cmd[i]) == -1)
			goto fail;
	return argv;
 fail:
	fprintf(stderr, "aileron launch: the sandbox's command line is too "
	    "long\n");
	launch_native_free(argv);
	return NULL;
}

void
launch_native_free(char **argv)
{
	size_t	 i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
