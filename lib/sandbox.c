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
 * Landlock (where no chroot was possible) and the seccomp filter, last.
 * Each step is checked and fatal on failure: a child that cannot drop its
 * privileges must not run.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/filter.h>
#include <linux/landlock.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pledge.h"
#include "sandbox.h"

#define SANDBOX_FD_PARK	256	/* above anything we keep */

/*
 * Every signal an aileron process catches or ignores: the master catches
 * HUP, INT, TERM and CHLD and ignores PIPE, a worker a subset.  All other
 * signals are at their default in every process (the service resets them
 * once when it starts, control and vaultd are exec'd with defaults), so a
 * child resets only these: 5 system calls per worker rather than 64.  A
 * process that handles another signal adds it here; t/sandbox.t checks
 * that a worker inherits no disposition from the master.
 */
static const int sandbox_sigs[] = {
	SIGHUP, SIGINT, SIGPIPE, SIGTERM, SIGCHLD
};

static void	sandbox_fds(struct sandbox *);
static void	sandbox_landlock(const struct sandbox *);

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
 * Once, when the service starts: the default for every signal the invoker
 * ignored (nohup ignores HUP, a shell's background job INT and QUIT), so
 * that children need reset only sandbox_sigs.  exec leaves no signal
 * caught, so a handler here is the runtime's own (the sanitizers'): kept.
 */
void
sandbox_signals_init(void)
{
	struct sigaction	 sa, old;
	int			 sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* glibc's reserved two refuse with EINVAL: nothing to do. */
		if (sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			(void)sigaction(sig, &sa, NULL);
	}
}

/*
 * Keep exactly the listed descriptors, renumbered from 3 in list order and
 * close-on-exec, with stdio on /dev/null (stderr kept for the log in the
 * foreground).  Everything else is closed.  Each descriptor moves with one
 * dup3 straight to its place, or none when it is there already; only one
 * in the way (below 3, or the place of one still to move) is parked
 * first.  A worker pays this at every start, and a system call costs 3 us
 * on a VM: 6 here rather than 18.
 */
static void
sandbox_fds(struct sandbox *sb)
{
	size_t	 i, j;
	int	 to;

	for (i = 0; i < sb->nkeep; i++)
		if (sb->keep[i] <= STDERR_FILENO &&
		    (sb->keep[i] = fcntl(sb->keep[i], F_DUPFD_CLOEXEC,
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
		to = 3 + (int)i;
		if (sb->keep[i] == to) {
			if (fcntl(to, F_SETFD, FD_CLOEXEC) == -1)
				fatal("%s: FD_CLOEXEC", __func__);
			continue;
		}
		for (j = i + 1; j < sb->nkeep; j++)
			if (sb->keep[j] == to && (sb->keep[j] = fcntl(to,
			    F_DUPFD_CLOEXEC, SANDBOX_FD_PARK)) == -1)
				fatal("%s: dup", __func__);
		if (dup3(sb->keep[i], to, O_CLOEXEC) == -1)
			fatal("%s: dup3", __func__);
		sb->keep[i] = to;
	}
	closefrom(3 + sb->nkeep);
}

void
sandbox_enter(struct sandbox *sb)
{
	struct sigaction	 sa;
	struct rlimit		 rl;
	struct sock_fprog	*prog;
	uid_t			 ru, eu, su;
	gid_t			 rg, eg, sg;
	sigset_t		 none;
	size_t			 i;

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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sandbox_sigs) / sizeof(sandbox_sigs[0]); i++)
		if (sigaction(sandbox_sigs[i], &sa, NULL) == -1)
			fatal("sigaction");
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

	/* 6. Landlock stands in for the chroot an ordinary user lacks. */
	if (!sb->drop)
		sandbox_landlock(sb);

	/* 7. The seccomp filter, last: compiled here or by our parent. */
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

/*
 * Landlock's access rights by ABI version, and the ruleset attribute as
 * the running kernel knows it (older headers lack the later fields).
 */
#define SANDBOX_LL_FS_V1	((1ULL << 13) - 1)	/* ABI 1: 13 rights */
#define SANDBOX_LL_FS_REFER	(1ULL << 13)		/* ABI 2 */
#define SANDBOX_LL_FS_TRUNCATE	(1ULL << 14)		/* ABI 3 */
#define SANDBOX_LL_FS_IOCTL_DEV	(1ULL << 15)		/* ABI 5 */
#define SANDBOX_LL_SCOPE_ALL	((1ULL << 0) | (1ULL << 1)) /* ABI 6 */

struct sandbox_landlock_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;	/* ABI 4; left alone */
	uint64_t	 scoped;		/* ABI 6 */
};

/*
 * Run by an ordinary user the service cannot chroot: Landlock keeps
 * control and vaultd to their own directory and a worker to no file at
 * all, and (ABI 6) none of them can signal or reach an abstract socket
 * outside its own domain.  A kernel without Landlock is skipped quietly;
 * seccomp and no-new-privs still hold.
 */
static void
sandbox_landlock(const struct sandbox *sb)
{
	struct sandbox_landlock_attr		 attr;
	struct landlock_path_beneath_attr	 pb;
	size_t					 size;
	int					 abi, rfd, dfd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		log_debug("%s: no Landlock in this kernel",
		    proc_name(sb->proc));
		return;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = SANDBOX_LL_FS_V1;
	size = sizeof(attr.handled_access_fs);
	if (abi >= 2)
		attr.handled_access_fs |= SANDBOX_LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= SANDBOX_LL_FS_TRUNCATE;
	if (abi >= 4)
		size = offsetof(struct sandbox_landlock_attr, scoped);
	if (abi >= 5)
		attr.handled_access_fs |= SANDBOX_LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = SANDBOX_LL_SCOPE_ALL;
		size = sizeof(attr);
	}
	if ((rfd = syscall(SYS_landlock_create_ruleset, &attr, size, 0)) ==
	    -1)
		fatal("landlock_create_ruleset");
	if (sb->proc != PROC_WORKER) {
		if ((dfd = open(sb->root, O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			fatal("%s", sb->root);
		memset(&pb, 0, sizeof(pb));
		pb.allowed_access = attr.handled_access_fs;
		pb.parent_fd = dfd;
		if (syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1)
			fatal("landlock_add_rule %s", sb->root);
		close(dfd);
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1)
		fatal("landlock_restrict_self");
	close(rfd);
	log_debug("%s: Landlock ABI %d: %s", proc_name(sb->proc), abi,
	    sb->proc == PROC_WORKER ? "no files" : sb->root);
}
