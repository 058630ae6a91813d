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
 * sandbox.c: the one privilege drop every child process goes through, in
 * the order STYLE.md fixes: change root, change user, reset signals and
 * descriptors, then no new privileges, not dumpable, no core files, then
 * the seccomp filter, last.
 * Each step is checked and fatal on failure: a child that cannot drop its
 * privileges must not run.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/filter.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pledge.h"
#include "sandbox.h"

#define SANDBOX_FD_PARK	256	/* above anything we keep */

static void	sandbox_fds(struct sandbox *);

int
sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * The workers' root: an empty directory owned by root.  Created when
 * missing; refused when anything is in it, since a worker must find
 * nothing there.  Called once by the master, not per worker.
 */
void
sandbox_prepare_empty(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;

	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fatal("cannot create %s", path);
	if (lstat(path, &st) == -1)
		fatal("%s", path);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", path);
	if (st.st_uid != 0 || (st.st_mode & 022) != 0)
		fatalx("%s must be owned by root and not writable by others",
		    path);
	if ((d = opendir(path)) == NULL)
		fatal("%s", path);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		closedir(d);
		fatalx("%s is not empty (found \"%s\"); workers are confined "
		    "there and it must hold nothing", path, de->d_name);
	}
	closedir(d);
}

/*
 * Keep exactly the listed descriptors, renumbered from 3 in list order and
 * close-on-exec, with stdio on /dev/null (stderr kept for the log in the
 * foreground).  Everything else is closed.
 */
static void
sandbox_fds(struct sandbox *sb)
{
	int	 park[SANDBOX_MAX_KEEP];
	size_t	 i;

	if (sb->nkeep > sizeof(park) / sizeof(park[0]))
		fatalx("%s: too many descriptors to keep", __func__);
	for (i = 0; i < sb->nkeep; i++)
		if ((park[i] = fcntl(sb->keep[i], F_DUPFD_CLOEXEC,
		    SANDBOX_FD_PARK)) == -1)
			fatal("%s: dup", __func__);
	if (sb->devnull != -1) {
		if (dup2(sb->devnull, STDIN_FILENO) == -1 ||
		    dup2(sb->devnull, STDOUT_FILENO) == -1 ||
		    (!sb->keep_stderr &&
		    dup2(sb->devnull, STDERR_FILENO) == -1))
			fatal("%s: stdio", __func__);
	}
	for (i = 0; i < sb->nkeep; i++) {
		if (dup3(park[i], 3 + i, O_CLOEXEC) == -1)
			fatal("%s: dup3", __func__);
		close(park[i]);
		sb->keep[i] = 3 + i;
	}
	closefrom(3 + sb->nkeep);
}

void
sandbox_enter(struct sandbox *sb)
{
	struct rlimit	 rl;
	uid_t		 ru, eu, su;
	gid_t		 rg, eg, sg;
	sigset_t	 none;
	struct sock_fprog *prog;
	int		 sig;

	/* 1. Everything the process needs is already open.  2. chroot. */
	if (sb->drop) {
		if (chroot(sb->root) == -1)
			fatal("chroot %s", sb->root);
		if (chdir("/") == -1)
			fatal("chdir /");
	}

	/* 3. Change user, for good. */
	if (sb->drop) {
		if (setgroups(1, &sb->gid) == -1)
			fatal("setgroups");
		if (setresgid(sb->gid, sb->gid, sb->gid) == -1)
			fatal("setresgid");
		if (setresuid(sb->uid, sb->uid, sb->uid) == -1)
			fatal("setresuid");
		if (getresuid(&ru, &eu, &su) == -1 ||
		    getresgid(&rg, &eg, &sg) == -1)
			fatal("getresuid");
		if (ru != sb->uid || eu != sb->uid || su != sb->uid ||
		    rg != sb->gid || eg != sb->gid || sg != sb->gid)
			fatalx("%s: user change did not take", __func__);
		if (sb->uid != 0 && setuid(0) != -1)
			fatalx("%s: could regain root", __func__);
	}

	/* 4. Default signals, then only the descriptors we keep. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		fatal("sigprocmask");
	sandbox_fds(sb);

	/* 5. No new privileges, not dumpable or traceable, no core. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("RLIMIT_CORE");
	/* No children where none were promised: seccomp and the kernel. */
	if (sb->promises == NULL)
		fatalx("%s: %s has no promises", __func__,
		    proc_name(sb->proc));
	if (!pledge_has(sb->promises, "proc") &&
	    setrlimit(RLIMIT_NPROC, &rl) == -1)
		fatal("RLIMIT_NPROC");

	/* 6. The seccomp filter, last: compiled here or by our parent. */
	if (sb->filter != NULL)
		pledge_load(sb->filter, proc_name(sb->proc));
	else {
		prog = pledge_export(sb->promises);
		pledge_load(prog, proc_name(sb->proc));
		pledge_free(prog);
	}
	log_debug("%s: sandboxed%s%s", proc_name(sb->proc),
	    sb->drop ? " in " : " (not root: no chroot, no user change)",
	    sb->drop ? sb->root : "");
}

/*
 * For a process that starts no sandbox of its own (the master, which keeps
 * its user and root to serve reloads and its workers): no new privileges,
 * then the filter.
 */
void
sandbox_pledge(enum proc_id proc, const char *promises)
{
	struct sock_fprog	*prog;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	prog = pledge_export(promises);
	pledge_load(prog, proc_name(proc));
	pledge_free(prog);
	log_debug("%s: seccomp promises \"%s\"", proc_name(proc), promises);
}
