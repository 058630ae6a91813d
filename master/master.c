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
 * master.c: the master process of aileron service.  It reads the
 * configuration, binds the listening sockets, starts control and vaultd,
 * keeps the worker pool topped up, and shuts everything down when told to
 * or when control or vaultd dies (fail closed).
 *
 * The master never parses untrusted bytes and holds no secret and no
 * session state: every worker is forked from it, so whatever it holds,
 * every worker would inherit, and every page it touches slows each fork.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "pledge.h"
#include "proc.h"
#include "sandbox.h"
#include "state.h"
#include "connector/spec.h"
#include "master/connectors.h"
#include "vaultd/connmap.h"
#include "master/master.h"
#include "master/teams.h"
#include "master/parse.h"
#include "worker/worker.h"

/*
 * Reloads read the configuration and specs (rpath), service.json is
 * written and the sockets unlinked (wpath cpath), workers are forked,
 * signalled and reaped (proc).  Filters stack across fork, so this also
 * covers what a worker does before it loads its own: drop its user and
 * root (id), and later dial upstream (inet); unix is syslog's.
 */
const char	 master_promises[] =
    "stdio rpath wpath cpath inet unix sendfd proc id";

#define MASTER_START_TIMEOUT	10	/* s, for control and vaultd */
#define MASTER_DRAIN_TIMEOUT	10	/* s, for in-flight connections */
#define MASTER_STOP_TIMEOUT	5	/* s, for control and vaultd */
#define MASTER_LISTEN_BACKLOG	511

#define MASTER_UNDO_DEPTH	4	/* levels removed below a made dir */

static int	 master_sigpipe[2] = { -1, -1 };

/*
 * What this start made, undone if it fails before it is ready (from
 * atexit, so fatal() undoes it too): a failed start leaves the state
 * directory as it found it.  Only the master undoes: a forked worker
 * inherits the handler, and the pid tells them apart.
 */
static struct {
	pid_t	 pid;		/* 0: disarmed */
	char	 statedir[PATH_MAX];	/* made by this start, else "" */
	char	 apidir[PATH_MAX];
	char	 dirs[2][PATH_MAX];	/* control/, vault/ */
	char	 sessions[PATH_MAX];
	char	 lock[PATH_MAX];
	char	 socks[2][PATH_MAX];	/* api.sock, vault.sock */
	char	 json[PATH_MAX];
} master_undo;

/* Detached and not yet ready: stderr is the pipe the parent reads. */
static int	 master_detached;

static void	 master_sighandler(int);
static void	 master_detach(void);
static void	 master_ready(struct master *);
static void	 master_undo_run(void);
static void	 master_undo_tree(int, const char *, int);
static int	 master_mkdir_new(const char *, mode_t, char *);
static int	 master_sun_check(const char *, const char *);
static void	 master_apidir(struct master *);
static void	 master_signals(void);
static void	 master_dirs(struct master *);
static void	 master_bind(struct master *);
static int	 master_bind_tcp(struct master *, const struct conf_listen *,
		    int);
static int	 master_bind_unix(const char *, uid_t);
static void	 master_send_approval(struct master *);
static void	 master_start_children(struct master *);
static void	 master_send_conffile(struct master *);
static void	 master_send_conf(struct master *, struct proc_peer *,
		    const char *, const char *, int);
static void	 master_dispatch_control(struct proc *, struct proc_peer *,
		    struct msg *);
static void	 master_dispatch_vaultd(struct proc *, struct proc_peer *,
		    struct msg *);
static void	 master_dispatch_child(struct master *, struct proc_peer *,
		    struct msg *);
static void	 master_pong(struct chan *, struct msg *, void *);
static void	 master_lost_child(struct proc *, struct proc_peer *);
static void	 master_signal(struct proc *, int, void *);
static void	 master_tick(struct proc *, void *);
static void	 master_proc_fail(struct proc *, const char *)
		    __attribute__((__noreturn__));
static void	 master_running(struct master *);
static void	 master_kill_worker(struct master *, uint32_t, const char *);
static void	 master_reap(struct master *);
static void	 master_reload(struct master *);
static void	 master_shutdown(struct master *);
static void	 master_fail(struct master *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3), __noreturn__));
static void	 master_child_lost(struct master *, struct proc_child *,
		    const char *) __attribute__((__noreturn__));
static void	 master_cleanup(struct master *);
static void	 master_exit(struct master *, int)
		    __attribute__((__noreturn__));
static int	 master_timeout(struct master *);
static void	 master_deadline(struct master *, int);

static const struct proc_peer_type master_peers[] = {
	/* peer		trusted	handler			lost */
	{ PROC_CONTROL,	1,	master_dispatch_control, master_lost_child },
	{ PROC_VAULTD,	1,	master_dispatch_vaultd,	master_lost_child },
	{ PROC_WORKER,	0,	master_dispatch_worker,	master_lost_worker },
};

static const struct msg_accept master_accept[] = {
	/* type			from		fds */
	{ MSG_CONF_ACK,		PROC_CONTROL,	0 },
	{ MSG_PONG,		PROC_CONTROL,	0 },
	{ MSG_WORKER_BAD,	PROC_CONTROL,	0 },
	{ MSG_CONF_ACK,		PROC_VAULTD,	0 },
	{ MSG_PONG,		PROC_VAULTD,	0 },
	{ MSG_WORKER_BAD,	PROC_VAULTD,	0 },
	{ MSG_WORKER_BUSY,	PROC_WORKER,	0 },
	{ MSG_WORKER_POOL,	PROC_WORKER,	0 },	/* metrics */
};

static void
master_sighandler(int sig)
{
	unsigned char	 c = sig;
	int		 saved = errno;

	/* The loop reads this; the handler does nothing else. */
	if (write(master_sigpipe[1], &c, 1) == -1) {
		/* A full pipe already holds a wake-up. */
	}
	errno = saved;
}

static void
master_signals(void)
{
	struct sigaction	 sa;

	if (pipe2(master_sigpipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = master_sighandler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGCHLD, &sa, NULL) == -1)
		fatal("sigaction");
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Without -d the service detaches, and the command that started it
 * returns only once the service is ready (httpd -d users expect a daemon
 * that says it started to run): its stderr becomes a pipe the parent
 * copies to its own, and a NUL byte on it says "ready".  The daemon's
 * end closing without one means it failed, and the parent exits with its
 * status, the reason already on its stderr.
 */
static void
master_detach(void)
{
	char	 buf[512], why[64], *nul;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], fd, status;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		for (;;) {
			if ((n = read(p[0], buf, sizeof(buf))) == -1 &&
			    errno == EINTR)
				continue;
			if (n <= 0)
				break;
			nul = memchr(buf, '\0', n);
			if (write(STDERR_FILENO, buf,
			    nul != NULL ? nul - buf : n) == -1) {
				/* Nobody reads our stderr: carry on. */
			}
			if (nul != NULL)
				_exit(0);
		}
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			_exit(WEXITSTATUS(status));
		fprintf(stderr, "aileron service: the service %s before it "
		    "was ready\n", proc_status_str(status, why, sizeof(why)));
		_exit(1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(p[1], STDERR_FILENO) == -1)
		fatal("dup2");
	if (fd > STDERR_FILENO)
		close(fd);
	close(p[1]);
	/* A parent killed meanwhile must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* Connected now: the master's filter allows no new socket later. */
	openlog("aileron", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	master_detached = 1;
}

/*
 * Listeners bound, control and vaultd acknowledged, service.json written:
 * what this start made is the service's now, and a detached service
 * tells the command that started it, then logs to syslog.
 */
static void
master_ready(struct master *m)
{
	master_undo.pid = 0;
	if (!master_detached)
		return;
	master_detached = 0;
	if (write(STDERR_FILENO, "", 1) == -1) {
		/* The parent is gone: nothing to tell. */
	}
	log_init(0, log_getverbose(), "master");
	if (dup2(m->devnull, STDERR_FILENO) == -1)
		fatal("dup2");
}

/*
 * Remove what dfd's entry name holds, then the entry, never following a
 * link: the directories undone are control's and vaultd's, which their
 * own users can write.
 */
static void
master_undo_tree(int dfd, const char *name, int depth)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if (unlinkat(dfd, name, 0) == 0 || errno != EISDIR)
		return;
	if (depth > 0 && (fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) != -1) {
		if ((d = fdopendir(fd)) == NULL)
			close(fd);
		else {
			while ((de = readdir(d)) != NULL)
				if (strcmp(de->d_name, ".") != 0 &&
				    strcmp(de->d_name, "..") != 0)
					master_undo_tree(dirfd(d),
					    de->d_name, depth - 1);
			closedir(d);
		}
	}
	(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

static void
master_undo_run(void)
{
	size_t	 i;

	if (master_undo.pid == 0 || master_undo.pid != getpid())
		return;
	master_undo.pid = 0;
	for (i = 0; i < 2; i++)
		if (master_undo.socks[i][0] != '\0')
			(void)unlink(master_undo.socks[i]);
	if (master_undo.json[0] != '\0')
		(void)unlink(master_undo.json);
	for (i = 0; i < 2; i++)
		if (master_undo.dirs[i][0] != '\0')
			master_undo_tree(AT_FDCWD, master_undo.dirs[i],
			    MASTER_UNDO_DEPTH);
	/* Ours while we hold it: nobody else can be using it. */
	if (master_undo.lock[0] != '\0')
		(void)unlink(master_undo.lock);
	if (master_undo.sessions[0] != '\0')
		(void)rmdir(master_undo.sessions);
	if (master_undo.apidir[0] != '\0')
		(void)rmdir(master_undo.apidir);
	if (master_undo.statedir[0] != '\0')
		(void)rmdir(master_undo.statedir);
}

/*
 * mkdir path unless it exists; when this made it, note it in undo (a
 * PATH_MAX buffer of master_undo).
 */
static int
master_mkdir_new(const char *path, mode_t mode, char *undo)
{
	if (mkdir(path, mode) == 0) {
		strlcpy(undo, path, PATH_MAX);
		return 0;
	}
	return errno == EEXIST ? 0 : -1;
}

/* A local socket's path must fit sun_path, with its NUL. */
static int
master_sun_check(const char *what, const char *path)
{
	struct sockaddr_un	 sun;

	if (strlen(path) < sizeof(sun.sun_path))
		return 0;
	log_warnx("%s %s is %zu bytes long; a socket path may have at most "
	    "%zu: use a shorter state directory (-s)%s", what, path,
	    strlen(path), sizeof(sun.sun_path) - 1,
	    strcmp(what, "api socket") == 0 ?
	    " or a shorter api socket" : "");
	return -1;
}

/*
 * As root, sshd's StrictModes: a state directory or configuration that
 * another user can write would let that user rewrite what the service
 * runs as root.  A path that does not exist passes (it is made 0700, or
 * is not read).
 */
int
master_check_private(const char *path, const char *what)
{
	struct passwd	*pw;
	struct stat	 st;

	if (geteuid() != 0 || stat(path, &st) == -1)
		return 0;
	if (st.st_uid != 0) {
		pw = getpwuid(st.st_uid);
		log_warnx("%s %s belongs to %s%s (uid %u), not root, and the "
		    "service runs as root; fix with \"chown root %s\"", what,
		    path, pw != NULL ? "user " : "another user",
		    pw != NULL ? pw->pw_name : "", (unsigned)st.st_uid, path);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_warnx("%s %s is writable by %s, and the service runs as "
		    "root; fix with \"chmod go-w %s\"", what, path,
		    (st.st_mode & S_IWOTH) != 0 ? "every user" :
		    "its group", path);
		return -1;
	}
	return 0;
}

/*
 * The state directory exists (and is a directory no other user can
 * write), or its parent does, and it will be made.
 */
int
master_check_statedir(const char *statedir)
{
	struct stat	 st;
	char		 parent[PATH_MAX];

	if (stat(statedir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			log_warnx("state directory %s is not a directory; "
			    "use another -s", statedir);
			return -1;
		}
		return master_check_private(statedir, "state directory");
	}
	if (errno != ENOENT) {
		log_warn("state directory %s", statedir);
		return -1;
	}
	strlcpy(parent, statedir, sizeof(parent));
	if (stat(dirname(parent), &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("state directory %s does not exist, nor does %s to "
		    "make it in; create it or use another -s", statedir,
		    parent);
		return -1;
	}
	return 0;
}

/*
 * Everything start-up checks short of binding, for the master before it
 * makes anything and for -n: the local sockets' paths fit, the api
 * socket's directory is there or can be made, and as root, the users the
 * processes drop to.
 */
int
master_preflight(const struct aileron_conf *conf, const char *statedir,
    const char *conffile)
{
	struct stat	 st;
	char		 path[PATH_MAX], dir[PATH_MAX], *d;
	int		 rv = 0;

	if (state_path(path, sizeof(path), statedir, STATE_VAULT_SOCK) == -1 ||
	    master_sun_check("vault socket", path) == -1)
		rv = -1;
	if (master_sun_check("api socket", conf->api_socket) == -1)
		rv = -1;
	strlcpy(dir, conf->api_socket, sizeof(dir));
	d = dirname(dir);
	if (stat(d, &st) == -1) {
		strlcpy(path, d, sizeof(path));
		if (stat(dirname(path), &st) == -1 || !S_ISDIR(st.st_mode)) {
			log_warnx("api socket %s: neither its directory %s "
			    "nor %s exists; create it or name another api "
			    "socket in %s", conf->api_socket, d, path,
			    conffile);
			rv = -1;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		log_warnx("api socket %s: %s is not a directory",
		    conf->api_socket, d);
		rv = -1;
	}
	if (geteuid() == 0 && conf_check_users(conf, conffile) == -1)
		rv = -1;
	return rv;
}

/*
 * The api socket's directory (aileron.conf(5)'s /var/run/aileron, which
 * /var/run being a tmpfs loses at each boot) is made when its parent
 * exists: 0755, the starting user's, as sshd and httpd make theirs.
 */
static void
master_apidir(struct master *m)
{
	char	 dir[PATH_MAX], *d;

	strlcpy(dir, m->conf->api_socket, sizeof(dir));
	d = dirname(dir);
	if (master_mkdir_new(d, 0755, master_undo.apidir) == -1)
		fatal("cannot make the api socket's directory %s", d);
}

/*
 * control and vaultd live in their own Berkeley DB environment directories
 * and are confined there; as root, each belongs to that process's own user.
 */
static void
master_dirs(struct master *m)
{
	const char	*names[] = { STATE_CONTROL_DIR, STATE_VAULT_DIR };
	const char	*users[] = { m->conf->control_user,
			    m->conf->vault_user };
	char		 path[PATH_MAX];
	struct stat	 st;
	uid_t		 uid = 0;
	gid_t		 gid = 0;
	size_t		 i;
	int		 made;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (state_path(path, sizeof(path), m->statedir,
		    names[i]) == -1)
			fatal("%s", names[i]);
		if (m->drop && sandbox_lookup_user(users[i], &uid, &gid) == -1)
			fatalx("user \"%s\" does not exist", users[i]);
		made = lstat(path, &st) == -1 && errno == ENOENT;
		if (state_proc_dir(path, m->drop, uid, gid) == -1)
			fatal("cannot prepare %s", path);
		if (made)
			strlcpy(master_undo.dirs[i], path, PATH_MAX);
	}
	/* Where "session start" writes certificates: see teams.c. */
	if (state_path(path, sizeof(path), m->statedir, STATE_SESSIONS_DIR) ==
	    -1)
		fatal("%s", STATE_SESSIONS_DIR);
	made = lstat(path, &st) == -1 && errno == ENOENT;
	teams_sessions_dir(path);
	if (made)
		strlcpy(master_undo.sessions, path, PATH_MAX);
}

static int
master_bind_tcp(struct master *m, const struct conf_listen *cl, int kind)
{
	struct master_listener	*ml;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 host[INET6_ADDRSTRLEN];
	int			 fd, on = 1;
	in_port_t		 port;

	if (m->nlisteners == sizeof(m->listeners) / sizeof(m->listeners[0]))
		fatalx("too many listeners");
	if ((fd = socket(cl->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fatal("SO_REUSEADDR");
	if (cl->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		fatal("IPV6_V6ONLY");
	if (bind(fd, (const struct sockaddr *)&cl->ss, cl->sslen) == -1)
		fatal("cannot listen on %s", cl->name);
	if (listen(fd, MASTER_LISTEN_BACKLOG) == -1)
		fatal("listen on %s", cl->name);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		fatal("getsockname");
	ml = &m->listeners[m->nlisteners++];
	ml->fd = fd;
	ml->api = kind;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(ml->addr, sizeof(ml->addr), "%s:%u", host, port);
	} else {
		struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(ml->addr, sizeof(ml->addr), "[%s]:%u", host, port);
	}
	log_info("%s listening on %s", kind == WORKER_LISTEN_METRICS ?
	    "metrics" : kind == WORKER_LISTEN_WEB ? "web page" : "proxy",
	    ml->addr);
	return fd;
}

/* A local socket only its owner may connect to. */
static int
master_bind_unix(const char *path, uid_t owner)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	size_t			 i;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("socket path too long: %s", path);
	/* We hold the state lock, so a socket here is a stale one. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket", path);
		if (unlink(path) == -1)
			fatal("unlink %s", path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("cannot bind %s", path);
	umask(old);
	for (i = 0; i < 2; i++)
		if (master_undo.socks[i][0] == '\0') {
			strlcpy(master_undo.socks[i], path, PATH_MAX);
			break;
		}
	if (chmod(path, 0600) == -1 || chown(path, owner, (gid_t)-1) == -1)
		fatal("cannot set the mode of %s", path);
	if (listen(fd, MASTER_LISTEN_BACKLOG) == -1)
		fatal("listen %s", path);
	return fd;
}

static void
master_bind(struct master *m)
{
	struct conf_listen	*cl;
	struct master_listener	*ml;

	TAILQ_FOREACH(cl, &m->conf->listens, entry)
		master_bind_tcp(m, cl, WORKER_LISTEN_PROXY);
	if (m->conf->metrics_listen != NULL)
		master_bind_tcp(m, m->conf->metrics_listen,
		    WORKER_LISTEN_METRICS);
	if (m->conf->web != NULL)
		master_bind_tcp(m, m->conf->web, WORKER_LISTEN_WEB);
	if (m->nlisteners == sizeof(m->listeners) / sizeof(m->listeners[0]))
		fatalx("too many listeners");
	ml = &m->listeners[m->nlisteners++];
	ml->fd = master_bind_unix(m->conf->api_socket, m->owner_uid);
	teams_socket_group("api socket", m->conf->api_socket);
	ml->api = WORKER_LISTEN_API;
	strlcpy(ml->addr, m->conf->api_socket, sizeof(ml->addr));
}

/* Queue a frame for control or vaultd, unless that channel is gone. */
void
master_send(struct master *m, struct proc_peer *p, uint16_t type,
    uint32_t peerid, int fd, const void *data, size_t len)
{
	if (p == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (chan_compose(&p->chan, type, peerid, fd, data, len) == -1 &&
	    m->phase != PHASE_STOPPING)
		master_fail(m, "%s: cannot queue %s", p->chan.name,
		    msgtype_name(type));
}

static void
master_send_conf(struct master *m, struct proc_peer *p, const char *dir,
    const char *user, int fd)
{
	struct msg_builder	 b;
	char			 path[PATH_MAX];

	if (state_path(path, sizeof(path), m->statedir, dir) == -1)
		fatal("%s", dir);
	msg_builder_init(&b);
	msg_put_i32(&b, log_getverbose());
	msg_put_i32(&b, m->foreground);
	msg_put_u32(&b, m->owner_uid);
	msg_put_str(&b, m->drop ? user : "",
	    sizeof(((struct msg_conf_proc *)0)->user));
	msg_put_str(&b, path, sizeof(((struct msg_conf_proc *)0)->dir));
	if (b.bad)
		fatalx("%s: configuration does not fit", p->chan.name);
	master_send(m, p, MSG_CONF_PROC, 0, fd, b.buf, b.len);
	msg_builder_free(&b);
}

/* Control reads aileron.conf and the specs itself (issue 11's policy). */
static void
master_send_conffile(struct master *m)
{
	struct msg_conf_file	 cf;

	memset(&cf, 0, sizeof(cf));
	cf.must_exist = m->conf_given;
	strlcpy(cf.path, m->conffile, sizeof(cf.path));
	strlcpy(cf.api_socket, m->conf->api_socket, sizeof(cf.api_socket));
	master_send(m, m->control_peer, MSG_CONF_FILE, 0, -1, &cf,
	    sizeof(cf));
}

/* Approvals (issue 11, section 3): control's two lines. */
static void
master_send_approval(struct master *m)
{
	struct msg_conf_approval	 ca;

	memset(&ca, 0, sizeof(ca));
	ca.timeout = m->conf->approval_timeout;
	ca.pending = m->conf->approval_pending;
	master_send(m, m->control_peer, MSG_CONF_APPROVAL, 0, -1, &ca,
	    sizeof(ca));
}

static void
master_start_children(struct master *m)
{
	struct msg_conf_audit	 ca;
	char			 path[PATH_MAX];
	int			 vfd, cv[2], saved = -1;

	/*
	 * Detached, they log to syslog, and must not hold the pipe to the
	 * starting command: it has no reader once that command returns.
	 */
	if (master_detached && ((saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(m->devnull, STDERR_FILENO) == -1))
		fatal("dup2");
	if (proc_exec(m->self, PROC_CONTROL, m->foreground, log_getverbose(),
	    &m->control) == -1)
		fatal("cannot start control");
	if (proc_exec(m->self, PROC_VAULTD, m->foreground, log_getverbose(),
	    &m->vaultd) == -1)
		fatal("cannot start vaultd");
	if (saved != -1 && (dup2(saved, STDERR_FILENO) == -1 ||
	    close(saved) == -1))
		fatal("dup2");
	if ((m->control_peer = proc_peer_add(&m->ps, PROC_CONTROL,
	    m->control.fd, m->control.pid, "control")) == NULL ||
	    (m->vaultd_peer = proc_peer_add(&m->ps, PROC_VAULTD,
	    m->vaultd.fd, m->vaultd.pid, "vaultd")) == NULL)
		fatalx("cannot start control and vaultd");

	if (state_path(path, sizeof(path), m->statedir,
	    STATE_VAULT_SOCK) == -1)
		fatal("vault.sock");
	vfd = master_bind_unix(path, m->owner_uid);
	teams_socket_group("vault socket", path);

	/* Each gets only its part; vaultd owns vault.sock from now on. */
	master_send_conf(m, m->control_peer, STATE_CONTROL_DIR,
	    m->conf->control_user, -1);
	master_send_conffile(m);
	master_send_conf(m, m->vaultd_peer, STATE_VAULT_DIR,
	    m->conf->vault_user, vfd);

	/* control tells vaultd which session a worker serves. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cv) == -1)
		fatal("socketpair");
	master_send(m, m->control_peer, MSG_CONF_PEER, PROC_VAULTD, cv[0],
	    NULL, 0);
	master_send(m, m->vaultd_peer, MSG_CONF_PEER, PROC_CONTROL, cv[1],
	    NULL, 0);
	if (connmap_send(&m->vaultd_peer->chan, m->specs, m->nspecs,
	    m->conf->proxy.corp_cred ? m->conf->proxy.corp_host : "") == -1 ||
	    teams_conf_send(&m->control_peer->chan, &m->vaultd_peer->chan,
	    m->conf) == -1)
		fatalx("cannot queue the connector map");
	master_send_approval(m);
	memset(&ca, 0, sizeof(ca));
	ca.retention_s = m->conf->audit_retention;
	ca.syslog = m->conf->audit_syslog;
	master_send(m, m->control_peer, MSG_CONF_AUDIT, 0, -1, &ca,
	    sizeof(ca));
	master_send(m, m->control_peer, MSG_CONF_DONE, 0, -1, NULL, 0);
	master_send(m, m->vaultd_peer, MSG_CONF_DONE, 0, -1, NULL, 0);
	master_deadline(m, MASTER_START_TIMEOUT);
}

/*
 * control and vaultd are trusted peers: anything unexpected from them is a
 * bug, and the service stops rather than run half-understood.  Both say
 * the same few things, so both handlers come here.
 */
static void
master_dispatch_child(struct master *m, struct proc_peer *p, struct msg *msg)
{
	uint32_t	 cookie;

	switch (msg->hdr.type) {
	case MSG_CONF_ACK:
		if (m->phase != PHASE_STARTING)
			master_fail(m, "%s: unexpected CONF_ACK", p->chan.name);
		/* Configured; now it must answer within the start time. */
		cookie = (uint32_t)getpid();
		if (chan_call(&p->chan, MSG_PING, 0, &cookie, sizeof(cookie),
		    MASTER_START_TIMEOUT * 1000, master_pong, m) == -1)
			master_fail(m, "%s: cannot queue PING", p->chan.name);
		break;
	case MSG_WORKER_BAD:
		master_kill_worker(m, msg->hdr.peerid, p->chan.name);
		break;
	default:
		master_fail(m, "%s: unexpected message %s", p->chan.name,
		    msgtype_name(msg->hdr.type));
	}
}

static void
master_dispatch_control(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	master_dispatch_child(ps->arg, p, msg);
}

static void
master_dispatch_vaultd(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	master_dispatch_child(ps->arg, p, msg);
}

/* The answer to the PING after CONF_ACK: both answered, the pool starts. */
static void
master_pong(struct chan *c, struct msg *msg, void *arg)
{
	struct master	*m = arg;
	uint32_t	 cookie;

	if (m->phase != PHASE_STARTING)
		return;		/* a channel closed while stopping */
	if (msg == NULL)
		master_fail(m, "%s did not answer in %d s", c->name,
		    MASTER_START_TIMEOUT);
	if (msg->hdr.type != MSG_PONG || msg->len != sizeof(cookie))
		master_fail(m, "%s: wrong answer to PING", c->name);
	memcpy(&cookie, msg->data, sizeof(cookie));
	if (cookie != (uint32_t)getpid())
		master_fail(m, "%s: wrong PONG", c->name);
	log_debug("%s answers", c->name);
	/* Each child once: a repeated answer must not start the pool. */
	m->acks |= m->control_peer != NULL && c == &m->control_peer->chan ?
	    1 : 2;
	if (m->acks == 3)
		master_running(m);
}

/*
 * control's or vaultd's channel ended: it is dying.  While stopping, that
 * is what we asked for; otherwise wait a moment for its exit status so
 * the log says why, then fail closed.
 */
static void
master_lost_child(struct proc *ps, struct proc_peer *p)
{
	struct master	*m = ps->arg;
	int		 isctl = p == m->control_peer;

	if (isctl)
		m->control_peer = NULL;
	else
		m->vaultd_peer = NULL;
	if (m->phase == PHASE_STOPPING)
		return;
	master_child_lost(m, isctl ? &m->control : &m->vaultd,
	    isctl ? "control" : "vaultd");
}

/* control or vaultd closed a worker's channel for a bad frame. */
static void
master_kill_worker(struct master *m, uint32_t pid, const char *who)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &m->workers, entry) {
		if ((uint32_t)w->pid != pid)
			continue;
		log_warnx("worker %d: %s refused its messages; killing it",
		    (int)w->pid, who);
		if (kill(w->pid, SIGKILL) == 0)
			w->killed = 1;
		return;
	}
	/* Already gone: nothing to do. */
}

/* Both children are configured: start the pool and say where we are. */
static void
master_running(struct master *m)
{
	json_t		*j, *listen;
	const char	*proxy = NULL, *metrics = NULL, *web = NULL;
	char		 vsock[PATH_MAX];
	size_t		 i;

	m->phase = PHASE_RUNNING;

	if ((listen = json_array()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < m->nlisteners; i++) {
		if (m->listeners[i].api == WORKER_LISTEN_METRICS)
			metrics = m->listeners[i].addr;
		if (m->listeners[i].api == WORKER_LISTEN_WEB)
			web = m->listeners[i].addr;
		if (m->listeners[i].api != WORKER_LISTEN_PROXY)
			continue;
		if (proxy == NULL)
			proxy = m->listeners[i].addr;
		json_array_append_new(listen,
		    json_string(m->listeners[i].addr));
	}
	if (state_path(vsock, sizeof(vsock), m->statedir,
	    STATE_VAULT_SOCK) == -1)
		fatal("vault.sock");
	j = json_pack("{s:i, s:s?, s:o, s:s, s:s, s:s, s:s, s:s?}",
	    "pid", (int)getpid(),
	    "proxy", proxy,
	    "listen", listen,
	    "api_socket", m->conf->api_socket,
	    "vault_socket", vsock,
	    "state", m->statedir,
	    "version", AILERON_VERSION,
	    "metrics", metrics);
	if (j == NULL)
		fatalx("cannot build service.json");
	if (web != NULL)
		json_object_set_new(j, "web", json_string(web));
	if (state_path(master_undo.json, sizeof(master_undo.json),
	    m->statedir, STATE_SERVICE_JSON) == -1 ||
	    state_write_json(m->statedir, STATE_SERVICE_JSON, j) == -1)
		fatal("cannot write service.json");
	json_decref(j);
	/* Workers are forked after: they must not inherit the pipe. */
	master_ready(m);
	pool_fill(m);
	log_info("service running (pid %d), %d worker%s", (int)getpid(),
	    m->nworkers, PLURAL(m->nworkers));
}

static void
master_reap(struct master *m)
{
	char	 why[64];
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->control.pid || pid == m->vaultd.pid) {
			const char	*name = pid == m->control.pid ?
			    "control" : "vaultd";

			if (pid == m->control.pid)
				m->control.pid = 0;
			else
				m->vaultd.pid = 0;
			proc_status_str(status, why, sizeof(why));
			if (m->phase == PHASE_STOPPING) {
				log_debug("%s %s", name, why);
				continue;
			}
			master_fail(m, "%s %s; shutting down: the service "
			    "cannot run without it%s", name, why,
			    master_detached ? " (its reason is in the system "
			    "log; with -d it is shown here)" : "");
		}
		if (pool_reap(m, pid, status) == -1)
			log_debug("reaped unknown child %d", (int)pid);
	}
}

/*
 * SIGHUP: reread the configuration.  Pool sizes, connectors and the log
 * level apply to new workers, and idle workers are recycled so the new
 * configuration is in force at once; the rest needs a restart.
 */
static void
master_reload(struct master *m)
{
	struct aileron_conf	*nc, *oc = m->conf;
	struct conf_listen	*a, *b;
	struct spec		**specs;
	struct matcher		*matcher;
	size_t			 nspecs;
	int32_t			 v;
	int			 same = 1;

	log_info("reloading %s", m->conffile);
	if ((nc = conf_parse(m->conffile, m->statedir, m->conf_given)) ==
	    NULL) {
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration", m->conffile);
		return;
	}
	if (connectors_load(nc, &specs, &nspecs, &matcher) == -1) {
		log_warnx("reload: a connector spec has errors; keeping the "
		    "running configuration");
		conf_free(nc);
		return;
	}
	/* New workers resolve with the files as they are now. */
	if (resolvconf_load(nc) == -1) {
		log_warnx("reload: cannot read the resolver's files; keeping "
		    "the running configuration");
		connectors_free(specs, nspecs, matcher);
		conf_free(nc);
		return;
	}
	for (a = TAILQ_FIRST(&oc->listens), b = TAILQ_FIRST(&nc->listens);
	    a != NULL || b != NULL;
	    a = TAILQ_NEXT(a, entry), b = TAILQ_NEXT(b, entry)) {
		if (a == NULL || b == NULL || a->sslen != b->sslen ||
		    memcmp(&a->ss, &b->ss, a->sslen) != 0) {
			same = 0;
			break;
		}
	}
	if (!same)
		log_warnx("reload: listen addresses changed; this takes a "
		    "restart");
	if (strcmp(oc->api_socket, nc->api_socket) != 0)
		log_warnx("reload: api socket changed; this takes a restart");
	if ((oc->web == NULL) != (nc->web == NULL) || (oc->web != NULL &&
	    (oc->web->sslen != nc->web->sslen ||
	    memcmp(&oc->web->ss, &nc->web->ss, oc->web->sslen) != 0)))
		log_warnx("reload: web listen changed; this takes a restart");
	if (strcmp(oc->user, nc->user) != 0 ||
	    strcmp(oc->control_user, nc->control_user) != 0 ||
	    strcmp(oc->vault_user, nc->vault_user) != 0)
		log_warnx("reload: user changed; this takes a restart");
	/*
	 * Keep what only a restart changes, so service.json stays true.  The
	 * old listeners move over whole: a list head is not copied by value.
	 */
	while ((a = TAILQ_FIRST(&nc->listens)) != NULL) {
		TAILQ_REMOVE(&nc->listens, a, entry);
		free(a);
	}
	TAILQ_CONCAT(&nc->listens, &oc->listens, entry);
	free(nc->web);
	nc->web = oc->web;
	oc->web = NULL;
	strlcpy(nc->api_socket, oc->api_socket, sizeof(nc->api_socket));
	/* The metrics listener too; its token and allow lines are new. */
	if ((oc->metrics_listen == NULL) != (nc->metrics_listen == NULL) ||
	    (oc->metrics_listen != NULL && (oc->metrics_listen->sslen !=
	    nc->metrics_listen->sslen || memcmp(&oc->metrics_listen->ss,
	    &nc->metrics_listen->ss, oc->metrics_listen->sslen) != 0)))
		log_warnx("reload: metrics listen changed; this takes a "
		    "restart");
	free(nc->metrics_listen);
	nc->metrics_listen = oc->metrics_listen;
	oc->metrics_listen = NULL;
	strlcpy(nc->user, oc->user, sizeof(nc->user));
	strlcpy(nc->control_user, oc->control_user, sizeof(nc->control_user));
	strlcpy(nc->vault_user, oc->vault_user, sizeof(nc->vault_user));
	m->conf = nc;
	conf_free(oc);
	connectors_free(m->specs, m->nspecs, m->matcher);
	m->specs = specs;
	m->nspecs = nspecs;
	m->matcher = matcher;
	tls_prepare(m);
	if (m->vaultd_peer == NULL || connmap_send(&m->vaultd_peer->chan,
	    m->specs, m->nspecs, m->conf->proxy.corp_cred ?
	    m->conf->proxy.corp_host : "") == -1 || teams_conf_send(NULL,
	    &m->vaultd_peer->chan, m->conf) == -1)
		master_fail(m, "cannot send vaultd the connector map");

	if (!m->verbose) {
		log_setverbose(nc->verbose);
		v = nc->verbose;
		master_send(m, m->control_peer, MSG_CONF_VERBOSE, 0, -1, &v,
		    sizeof(v));
		master_send(m, m->vaultd_peer, MSG_CONF_VERBOSE, 0, -1, &v,
		    sizeof(v));
	}
	pool_signal(m, SIGTERM, 1);
	log_info("reloaded: prefork %d, max workers %d", nc->prefork,
	    nc->max_workers);
}

/* SIGTERM or SIGINT: stop accepting and let connections finish. */
static void
master_shutdown(struct master *m)
{
	if (m->phase == PHASE_DRAINING || m->phase == PHASE_STOPPING)
		return;
	log_info("shutting down");
	m->phase = PHASE_DRAINING;
	/* Idle workers exit at once; busy ones finish their connection. */
	pool_signal(m, SIGTERM, 0);
	master_deadline(m, MASTER_DRAIN_TIMEOUT);
}

static void
master_cleanup(struct master *m)
{
	char	 path[PATH_MAX];

	if (state_path(path, sizeof(path), m->statedir,
	    STATE_SERVICE_JSON) == 0)
		unlink(path);
	if (state_path(path, sizeof(path), m->statedir, STATE_VAULT_SOCK) == 0)
		unlink(path);
	if (m->conf != NULL)
		unlink(m->conf->api_socket);
	/* Still ours until exit: the next start makes a new one. */
	if (m->lockfd != -1 &&
	    state_path(path, sizeof(path), m->statedir, STATE_LOCK) == 0)
		unlink(path);
}

static void
master_exit(struct master *m, int status)
{
	master_cleanup(m);
	log_info("exiting");
	exit(status);
}

/* Fail closed: log why, take every child down, leave nothing behind. */
static void
master_fail(struct master *m, const char *fmt, ...)
{
	char		 buf[512];
	struct worker	*w;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
	m->phase = PHASE_STOPPING;
	TAILQ_FOREACH(w, &m->workers, entry)
		proc_sigkill_wait(w->pid, 1000);
	if (m->control.pid > 0)
		kill(m->control.pid, SIGTERM);
	if (m->vaultd.pid > 0)
		kill(m->vaultd.pid, SIGTERM);
	if (m->control.pid > 0 &&
	    proc_sigkill_wait(m->control.pid, 0) == -1)
		proc_sigkill_wait(m->control.pid, 2000);
	if (m->vaultd.pid > 0 && proc_sigkill_wait(m->vaultd.pid, 0) == -1)
		proc_sigkill_wait(m->vaultd.pid, 2000);
	master_exit(m, 1);
}

/*
 * control or vaultd closed its channel: it is dying.  Wait a moment for
 * its exit status so the log says why, then fail closed.
 */
static void
master_child_lost(struct master *m, struct proc_child *pc, const char *name)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	char		 why[64];
	int		 status, i;

	for (i = 0; i < 100 && pc->pid > 0; i++) {
		if (waitpid(pc->pid, &status, WNOHANG) == pc->pid) {
			pc->pid = 0;
			master_fail(m, "%s %s; shutting down: the service "
			    "cannot run without it%s", name,
			    proc_status_str(status, why, sizeof(why)),
			    master_detached ? " (its reason is in the system "
			    "log; with -d it is shown here)" : "");
		}
		nanosleep(&ts, NULL);
	}
	master_fail(m, "%s closed its channel; shutting down", name);
}

static void
master_deadline(struct master *m, int seconds)
{
	clock_gettime(CLOCK_MONOTONIC, &m->deadline);
	m->deadline.tv_sec += seconds;
}

static int
master_timeout(struct master *m)
{
	switch (m->phase) {
	case PHASE_STARTING:
		if (msg_past(&m->deadline))
			master_fail(m, "control and vaultd did not start in "
			    "%d s", MASTER_START_TIMEOUT);
		break;
	case PHASE_RUNNING:
		pool_fill(m);
		break;
	case PHASE_DRAINING:
		if (m->nworkers == 0 || msg_past(&m->deadline)) {
			if (m->nworkers > 0)
				log_warnx("%d worker%s still busy after %d s; "
				    "killing %s", m->nworkers,
				    PLURAL(m->nworkers), MASTER_DRAIN_TIMEOUT,
				    m->nworkers == 1 ? "it" : "them");
			pool_signal(m, SIGKILL, 0);
			/* vaultd zeroes every session key on the way out. */
			master_send(m, m->control_peer, MSG_SHUTDOWN, 0, -1,
			    NULL, 0);
			master_send(m, m->vaultd_peer, MSG_SHUTDOWN, 0, -1,
			    NULL, 0);
			m->phase = PHASE_STOPPING;
			master_deadline(m, MASTER_STOP_TIMEOUT);
		}
		break;
	case PHASE_STOPPING:
		if (m->control.pid == 0 && m->vaultd.pid == 0 &&
		    m->nworkers == 0)
			master_exit(m, m->exit_status);
		if (msg_past(&m->deadline)) {
			log_warnx("children did not stop in %d s; killing "
			    "them", MASTER_STOP_TIMEOUT);
			pool_signal(m, SIGKILL, 0);
			if (m->control.pid > 0)
				proc_sigkill_wait(m->control.pid, 2000);
			if (m->vaultd.pid > 0)
				proc_sigkill_wait(m->vaultd.pid, 2000);
			master_exit(m, m->exit_status);
		}
		break;
	}
	return m->phase == PHASE_RUNNING ? 1000 : 100;
}

/* The phases' deadlines and the pool's retries, on one timer. */
static void
master_tick(struct proc *ps, void *arg)
{
	struct master	*m = arg;

	proc_timer_set(ps, &m->tick, master_timeout(m), master_tick, m);
}

static void
master_proc_fail(struct proc *ps, const char *why)
{
	master_fail(ps->arg, "%s", why);
}

/* Signals arrive as bytes on a pipe, so they are handled in the loop. */
static void
master_signal(struct proc *ps, int fd, void *arg)
{
	struct master	*m = arg;
	unsigned char	 sigs[32];
	ssize_t		 nsig, i;

	(void)ps;
	while ((nsig = read(fd, sigs, sizeof(sigs))) > 0) {
		for (i = 0; i < nsig; i++) {
			switch (sigs[i]) {
			case SIGCHLD:
				master_reap(m);
				break;
			case SIGHUP:
				master_reload(m);
				break;
			default:
				master_shutdown(m);
				break;
			}
		}
	}
	/* A phase may have changed: look at it now, not in a second. */
	master_tick(&m->ps, m);
}

void
master(const char *statedir, const char *conffile, int foreground,
    int verbose)
{
	struct master	 mst, *m = &mst;
	struct stat	 st;
	pid_t		 holder;

	/*
	 * Nothing a caller left open reaches the service and its workers:
	 * not a terminal's descriptor, not a pipe that held a master key.
	 */
	closefrom(STDERR_FILENO + 1);
	memset(m, 0, sizeof(*m));
	proc_init(&m->ps, PROC_MASTER, master_peers,
	    sizeof(master_peers) / sizeof(master_peers[0]), master_accept,
	    sizeof(master_accept) / sizeof(master_accept[0]), m);
	m->ps.fail = master_proc_fail;
	TAILQ_INIT(&m->workers);
	m->foreground = foreground;
	m->verbose = verbose;
	m->devnull = -1;
	m->lockfd = -1;
	m->owner_uid = getuid();
	log_init(1, verbose, "master");

	/* From here on every message reaches whoever started us. */
	if (!foreground)
		master_detach();
	master_undo.pid = getpid();
	if (atexit(master_undo_run) != 0)
		fatalx("atexit");

	/* main() made both absolute: we change directory. */
	strlcpy(m->statedir, statedir, sizeof(m->statedir));
	if (conffile != NULL) {
		strlcpy(m->conffile, conffile, sizeof(m->conffile));
		m->conf_given = 1;
	} else if (state_path(m->conffile, sizeof(m->conffile), statedir,
	    STATE_CONF) == -1)
		fatal("configuration path");
	if (master_check_statedir(statedir) == -1)
		exit(1);
	if (master_mkdir_new(statedir, 0700, master_undo.statedir) == -1 ||
	    state_mkdir(statedir) == -1)
		fatal("cannot use state directory %s", statedir);
	if (master_check_private(m->conffile, "configuration file") == -1)
		exit(1);
	if ((m->conf = conf_parse(m->conffile, statedir, m->conf_given)) ==
	    NULL)
		exit(1);
	if (!verbose)
		log_setverbose(m->conf->verbose);
	/*
	 * Jansson seeds its hashes once per process, on first use.  Do it
	 * here, from getrandom(2), before the specs are parsed: every worker
	 * inherits the seed, and its sandbox could not read /dev/urandom.
	 */
	json_object_seed(arc4random() | 1);
	if (connectors_load(m->conf, &m->specs, &m->nspecs, &m->matcher) ==
	    -1)
		exit(1);
	/* The workers' nameservers and /etc/hosts: they can read no file. */
	if (resolvconf_load(m->conf) == -1)
		exit(1);
	tls_prepare(m);
	if (master_preflight(m->conf, statedir, m->conffile) == -1)
		exit(1);

	if (state_path(master_undo.lock, sizeof(master_undo.lock), statedir,
	    STATE_LOCK) == -1)
		fatal("service.lock");
	if (lstat(master_undo.lock, &st) == 0)
		master_undo.lock[0] = '\0';	/* not ours to remove */
	if ((m->lockfd = state_lock(statedir, &holder)) == -1) {
		if (errno == EWOULDBLOCK) {
			if (holder > 0)
				fatalx("a service is already running on %s "
				    "(pid %d)", statedir, (int)holder);
			fatalx("a service is already running on %s",
			    statedir);
		}
		fatal("cannot lock %s", statedir);
	}

	/* Workers, control and vaultd: three users, none of them root. */
	m->drop = geteuid() == 0;
	if (m->drop && (conf_check_users(m->conf, m->conffile) == -1 ||
	    sandbox_lookup_user(m->conf->user, &m->uid, &m->gid) == -1))
		exit(1);
	if (proc_self_path(m->self, sizeof(m->self)) == -1)
		fatal("cannot find my own binary");
	if ((m->devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	master_dirs(m);
	if (m->drop)
		sandbox_prepare_empty(SANDBOX_EMPTY_DIR);
	master_apidir(m);
	master_bind(m);

	master_signals();
	master_start_children(m);

	/*
	 * The master's filter goes on once the sockets are bound and control
	 * and vaultd are exec'd (so neither inherits it), and before the
	 * first worker is forked.  The workers' program is compiled here,
	 * once: each worker loads it with one call after fork.
	 */
	m->worker_filter = pledge_export(worker_promises);
	sandbox_pledge(PROC_MASTER, master_promises);

	proc_add_fd(&m->ps, master_sigpipe[0], master_signal, m);
	master_tick(&m->ps, m);
	proc_loop(&m->ps);
}
