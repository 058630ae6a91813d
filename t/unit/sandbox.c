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
 * sandbox.c: unit tests of lib/sandbox.c.  Every failure there is fatal
 * by design, so each case runs in a forked child and the parent reads its
 * exit status and what it reports over a pipe.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "tap.h"

static char	 tmp[] = "/tmp/aileron-sandbox.XXXXXX";

/* Run fn in a child; return its exit status (or 128 + signal). */
static int
child(void (*fn)(void *, int), void *arg, char *out, size_t outlen)
{
	pid_t	 pid;
	int	 p[2], status;
	ssize_t	 n;
	size_t	 got = 0;

	if (pipe(p) == -1)
		abort();
	if ((pid = fork()) == 0) {
		close(p[0]);
		/* Keep the test's stderr quiet: fatal messages are expected. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(99);
		fn(arg, p[1]);
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < outlen &&
	    (n = read(p[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

static void
run_prepare(void *arg, int fd)
{
	(void)fd;
	sandbox_prepare_empty(arg);
}

/* Drop into tmp as the given user, keeping one pipe, and report. */
static void
run_enter(void *arg, int fd)
{
	struct passwd	*pw = arg;
	struct sandbox	 sb;
	struct rlimit	 rl;
	char		 buf[512];
	uid_t		 r, e, s;
	int		 keep[1], devnull, n, nfds = 0, i;

	if ((devnull = open("/dev/null", O_RDWR)) == -1)
		_exit(98);
	keep[0] = fd;
	memset(&sb, 0, sizeof(sb));
	sb.proc = PROC_WORKER;
	sb.drop = 1;
	sb.root = tmp;
	sb.uid = pw->pw_uid;
	sb.gid = pw->pw_gid;
	sb.keep = keep;
	sb.nkeep = 1;
	sb.devnull = devnull;
	/* What the checks below call: rpath for access, id for setuid. */
	sb.promises = "stdio rpath id";
	sandbox_enter(&sb);
	for (i = 0; i < 64; i++)
		if (fcntl(i, F_GETFD) != -1)
			nfds++;
	getresuid(&r, &e, &s);
	getrlimit(RLIMIT_CORE, &rl);
	n = snprintf(buf, sizeof(buf), "fd=%d nfds=%d uid=%u,%u,%u "
	    "nnp=%d dumpable=%d core=%llu root=%s setuid0=%d",
	    keep[0], nfds, r, e, s, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0),
	    (unsigned long long)rl.rlim_cur,
	    access("/etc/passwd", F_OK) == 0 ? "host" : "jail",
	    setuid(0) == 0);
	if (write(keep[0], buf, n) != n)
		_exit(97);
}

/*
 * Descriptors in each other's way: keep[0] sits where keep[1] goes, keep[1]
 * where keep[0] goes, keep[2] on stdout and keep[3] on 20.  Each must land
 * in its place (told apart by inode), close-on-exec, and nothing else stay.
 */
static void
run_fds(void *arg, int fd)
{
	struct sandbox	 sb;
	struct stat	 st;
	char		 buf[256];
	ino_t		 ino[4];
	int		 keep[4], sp[2], p[2], devnull, nfds = 0, ok = 1, i, n;

	(void)arg;
	/* Everything first lands high, out of the way of 1 and 3 to 6. */
	if (dup2(fd, 20) == -1 || (fd != 20 && close(fd) == -1) ||
	    (devnull = open("/dev/null", O_RDWR)) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 || pipe(p) == -1 ||
	    dup2(devnull, 40) == -1 || dup2(sp[0], 41) == -1 ||
	    dup2(sp[1], 42) == -1 || dup2(p[0], 43) == -1)
		_exit(98);
	close(devnull);
	close(sp[0]);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
	if (dup2(41, 4) == -1 || dup2(42, 5) == -1 ||
	    dup2(43, STDOUT_FILENO) == -1)
		_exit(97);
	close(41);
	close(42);
	close(43);
	keep[0] = 4;			/* goes to 3 */
	keep[1] = 5;			/* goes to 4, where keep[0] is */
	keep[2] = STDOUT_FILENO;	/* goes to 5; stdout becomes /dev/null */
	keep[3] = 20;			/* the report pipe, to 6 */
	for (i = 0; i < 4; i++) {
		if (fstat(keep[i], &st) == -1)
			_exit(96);
		ino[i] = st.st_ino;
	}
	memset(&sb, 0, sizeof(sb));
	sb.proc = PROC_WORKER;
	sb.keep = keep;
	sb.nkeep = 4;
	sb.devnull = 40;
	sb.keep_stderr = 1;
	sb.promises = "stdio";
	sandbox_enter(&sb);
	for (i = 0; i < 4; i++)
		if (keep[i] != 3 + i || fstat(3 + i, &st) == -1 ||
		    st.st_ino != ino[i] || fcntl(3 + i, F_GETFD) != FD_CLOEXEC)
			ok = 0;
	for (i = 0; i < 256; i++)
		if (fcntl(i, F_GETFD) != -1)
			nfds++;
	n = snprintf(buf, sizeof(buf), "placed=%d nfds=%d", ok, nfds);
	if (write(6, buf, n) != n)
		_exit(95);
}

int
main(void)
{
	struct passwd	*pw;
	struct stat	 st;
	char		 path[512], out[512], want[128];
	int		 fd, rc;

	log_init(1, 0, "test");
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root: chroot and the user change\n");
		return 0;
	}
	if (mkdtemp(tmp) == NULL)
		abort();
	chmod(tmp, 0755);

	rc = child(run_prepare, tmp, out, sizeof(out));
	is(rc, 0, "an empty root-owned 0755 directory is accepted");

	snprintf(path, sizeof(path), "%s/new", tmp);
	rc = child(run_prepare, path, out, sizeof(out));
	ok(rc == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0755 && st.st_uid == 0,
	    "a missing directory is created, root-owned, 0755");
	rmdir(path);

	snprintf(path, sizeof(path), "%s/file", tmp);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) == -1)
		abort();
	close(fd);
	is(child(run_prepare, tmp, out, sizeof(out)), 1,
	    "a directory that is not empty is refused");
	unlink(path);

	chmod(tmp, 0777);
	is(child(run_prepare, tmp, out, sizeof(out)), 1,
	    "a world-writable directory is refused");
	chmod(tmp, 0755);

	rc = child(run_fds, NULL, out, sizeof(out));
	ok(rc == 0 && strcmp(out, "placed=1 nfds=7") == 0,
	    "descriptors in each other's way each land in place, "
	    "close-on-exec, and only they and stdio stay (%s)", out);

	if ((pw = getpwnam("_aileron")) == NULL &&
	    (pw = getpwnam("nobody")) == NULL) {
		skip(7, "no unprivileged user to drop to");
		rmdir(tmp);
		return done_testing();
	}
	rc = child(run_enter, pw, out, sizeof(out));
	is(rc, 0, "sandbox_enter succeeds (%s)", out);
	ok(strstr(out, "fd=3 nfds=4 ") != NULL,
	    "only stdio and the kept descriptor, renumbered to 3, survive");
	snprintf(want, sizeof(want), "uid=%u,%u,%u ", pw->pw_uid,
	    pw->pw_uid, pw->pw_uid);
	ok(strstr(out, want) != NULL, "real, effective and saved uid are %s",
	    pw->pw_name);
	ok(strstr(out, "nnp=1 ") != NULL, "no new privileges");
	ok(strstr(out, "dumpable=0 ") != NULL, "not dumpable");
	ok(strstr(out, "core=0 ") != NULL && strstr(out, "root=jail") != NULL,
	    "no core files, and the root is the empty directory");
	ok(strstr(out, "setuid0=0") != NULL, "root cannot be regained");
	rmdir(tmp);
	return done_testing();
}
