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
 * pledge.c: seccomp filters built from named promises, in the style of
 * OpenBSD's pledge(2).  A process says what it does ("stdio rpath flock"),
 * never which system calls: the table below is the one place that turns
 * promises into calls, so a new need (the proxy's upstream dial) adds a
 * promise to a process, not a list of calls to its file.  Any call outside
 * the promises kills the whole process (SCMP_ACT_KILL_PROCESS).
 *
 * A filter is compiled with libseccomp and exported as a BPF program in
 * memory, so that a process forked many times (a worker) loads a program
 * its parent compiled once, with one prctl().  Filters stack: a forked
 * child runs under its parent's filter as well as its own, so a parent's
 * promises must cover everything its children do.
 *
 * Linux cannot see inside a message, so "sendfd" and "recvfd" are taken
 * (and an OpenBSD build would enforce them) but add nothing here: "stdio"
 * already sends and receives on the sockets a process holds.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "pledge.h"
#include "proc.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1	/* si_code of a seccomp SIGSYS */
#endif

#define P_STDIO		0x0001	/* memory, time, signals, held descriptors */
#define P_RPATH		0x0002	/* read files and directories by name */
#define P_WPATH		0x0004	/* write existing files by name */
#define P_CPATH		0x0008	/* create, rename and remove names */
#define P_FATTR		0x0010	/* change modes and owners */
#define P_FLOCK		0x0020	/* file locks */
#define P_INET		0x0040	/* new IPv4 and IPv6 sockets */
#define P_UNIX		0x0080	/* new local sockets */
#define P_SENDFD	0x0100	/* pass descriptors (enforced on OpenBSD) */
#define P_RECVFD	0x0200	/* take descriptors (likewise) */
#define P_PROC		0x0400	/* fork, signal and reap children */
#define P_ID		0x0800	/* change user, group, root and limits */
#define P_DNS		0x1000	/* UDP and TCP sockets to ask nameservers */
#define P_SAN		0x8000	/* the sanitizer runtime (that build only) */

static const struct {
	const char	*word;
	unsigned int	 bit;
} pledge_words[] = {
	{ "stdio",	P_STDIO },
	{ "rpath",	P_RPATH },
	{ "wpath",	P_WPATH },
	{ "cpath",	P_CPATH },
	{ "fattr",	P_FATTR },
	{ "flock",	P_FLOCK },
	{ "inet",	P_INET },
	{ "unix",	P_UNIX },
	{ "sendfd",	P_SENDFD },
	{ "recvfd",	P_RECVFD },
	{ "proc",	P_PROC },
	{ "id",		P_ID },
	{ "dns",	P_DNS },
};

/* A call, or a call whose arguments compare so (alternatives by row). */
#define ALLOW(p, n)		{ .need = (p), .name = (n) }
#define ALLOW_IF(p, n, a)	{ .need = (p), .name = (n), .nargs = 1, \
				    .arg = { a } }
#define ALLOW_IF2(p, n, a, b)	{ .need = (p), .name = (n), .nargs = 2, \
				    .arg = { a, b } }
/* One comparison on argument i; masked: (arg & mask) == value. */
#define EQ(i, v)	{ (i), SCMP_CMP_EQ, (v), 0 }
#define MASKED(i, m, v)	{ (i), SCMP_CMP_MASKED_EQ, (m), (v) }

/* Opening for reading only, or without creating, by name. */
#define OPEN_RDONLY_MASK	(O_ACCMODE | O_CREAT | O_TRUNC | __O_TMPFILE)
#define OPEN_CREATE_MASK	(O_CREAT | __O_TMPFILE)
/* The type of a socket, without SOCK_NONBLOCK and SOCK_CLOEXEC. */
#define SOCK_TYPE_MASK		0xf
/* Namespaces and threads are nobody's business here. */
#define CLONE_DENY_MASK		(CLONE_THREAD | CLONE_NEWNS | \
    CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
    CLONE_NEWPID | CLONE_NEWNET)

/*
 * A call is allowed when every promise in need was made and its argument
 * comparisons hold; several rows for one call are alternatives.  Names a
 * platform does not have are skipped.
 */
static const struct pledge_rule {
	unsigned int		 need;
	const char		*name;
	unsigned int		 nargs;
	struct scmp_arg_cmp	 arg[2];
} pledge_rules[] = {
	/* stdio: what any process does with what it already holds. */
	ALLOW(P_STDIO, "read"),
	ALLOW(P_STDIO, "readv"),
	ALLOW(P_STDIO, "pread64"),
	ALLOW(P_STDIO, "preadv"),
	ALLOW(P_STDIO, "write"),
	ALLOW(P_STDIO, "writev"),
	ALLOW(P_STDIO, "pwrite64"),
	ALLOW(P_STDIO, "pwritev"),
	ALLOW(P_STDIO, "lseek"),
	ALLOW(P_STDIO, "close"),
	ALLOW(P_STDIO, "close_range"),
	ALLOW(P_STDIO, "dup"),
	ALLOW(P_STDIO, "dup2"),
	ALLOW(P_STDIO, "dup3"),
	ALLOW(P_STDIO, "fcntl"),
	ALLOW(P_STDIO, "fstat"),
	/* fstat() is fstatat(fd, "", AT_EMPTY_PATH) in glibc. */
	ALLOW_IF(P_STDIO, "newfstatat",
	    MASKED(3, AT_EMPTY_PATH, AT_EMPTY_PATH)),
	ALLOW_IF(P_STDIO, "statx", MASKED(2, AT_EMPTY_PATH, AT_EMPTY_PATH)),
	ALLOW(P_STDIO, "ftruncate"),
	ALLOW(P_STDIO, "fsync"),
	ALLOW(P_STDIO, "fdatasync"),
	ALLOW(P_STDIO, "pipe"),
	ALLOW(P_STDIO, "pipe2"),
	ALLOW(P_STDIO, "socketpair"),
	ALLOW(P_STDIO, "sendto"),
	ALLOW(P_STDIO, "sendmsg"),
	ALLOW(P_STDIO, "recvfrom"),
	ALLOW(P_STDIO, "recvmsg"),
	ALLOW(P_STDIO, "shutdown"),
	ALLOW(P_STDIO, "getsockopt"),
	ALLOW(P_STDIO, "getsockname"),
	ALLOW(P_STDIO, "getpeername"),
	/* A listening socket the process was given is one it may use. */
	ALLOW(P_STDIO, "accept"),
	ALLOW(P_STDIO, "accept4"),
	ALLOW(P_STDIO, "poll"),
	ALLOW(P_STDIO, "ppoll"),
	ALLOW(P_STDIO, "select"),
	ALLOW(P_STDIO, "pselect6"),
	ALLOW(P_STDIO, "epoll_create1"),
	ALLOW(P_STDIO, "epoll_ctl"),
	ALLOW(P_STDIO, "epoll_wait"),
	ALLOW(P_STDIO, "epoll_pwait"),
	ALLOW(P_STDIO, "brk"),
	ALLOW(P_STDIO, "mmap"),
	ALLOW(P_STDIO, "munmap"),
	ALLOW(P_STDIO, "mremap"),
	ALLOW(P_STDIO, "mprotect"),
	ALLOW(P_STDIO, "madvise"),
	ALLOW(P_STDIO, "mlock"),
	ALLOW(P_STDIO, "munlock"),
	ALLOW(P_STDIO, "futex"),
	ALLOW(P_STDIO, "rt_sigaction"),
	ALLOW(P_STDIO, "rt_sigprocmask"),
	ALLOW(P_STDIO, "rt_sigreturn"),
	ALLOW(P_STDIO, "sigaltstack"),
	ALLOW(P_STDIO, "restart_syscall"),
	ALLOW(P_STDIO, "clock_gettime"),
	ALLOW(P_STDIO, "clock_getres"),
	ALLOW(P_STDIO, "clock_nanosleep"),
	ALLOW(P_STDIO, "nanosleep"),
	ALLOW(P_STDIO, "gettimeofday"),
	ALLOW(P_STDIO, "time"),
	ALLOW(P_STDIO, "getpid"),
	ALLOW(P_STDIO, "gettid"),
	ALLOW(P_STDIO, "getppid"),
	ALLOW(P_STDIO, "getuid"),
	ALLOW(P_STDIO, "geteuid"),
	ALLOW(P_STDIO, "getgid"),
	ALLOW(P_STDIO, "getegid"),
	ALLOW(P_STDIO, "getresuid"),
	ALLOW(P_STDIO, "getresgid"),
	ALLOW(P_STDIO, "getgroups"),
	ALLOW(P_STDIO, "getrandom"),
	ALLOW(P_STDIO, "getrusage"),
	ALLOW(P_STDIO, "sched_yield"),
	ALLOW(P_STDIO, "sched_getaffinity"),
	ALLOW(P_STDIO, "umask"),
	ALLOW(P_STDIO, "exit"),
	ALLOW(P_STDIO, "exit_group"),
	/* Reading a limit, not setting one. */
	ALLOW_IF(P_STDIO, "prlimit64", EQ(2, 0)),
	ALLOW(P_STDIO, "getrlimit"),
	/* isatty(), and the two ioctls a socket's owner uses. */
	ALLOW_IF(P_STDIO, "ioctl", EQ(1, TCGETS)),
	ALLOW_IF(P_STDIO, "ioctl", EQ(1, FIONREAD)),
	ALLOW_IF(P_STDIO, "ioctl", EQ(1, FIONBIO)),
	/* Naming oneself, and the prctls that only take away. */
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_SET_NAME)),
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_GET_NAME)),
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_GET_DUMPABLE)),
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_GET_NO_NEW_PRIVS)),
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_GET_SECCOMP)),
	ALLOW_IF2(P_STDIO, "prctl", EQ(0, PR_SET_DUMPABLE), EQ(1, 0)),
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_SET_NO_NEW_PRIVS)),
	ALLOW_IF(P_STDIO, "prctl", EQ(0, PR_SET_SECCOMP)),
	/* A filter or a Landlock domain only ever narrows what is allowed. */
	ALLOW(P_STDIO, "seccomp"),
	ALLOW(P_STDIO, "landlock_create_ruleset"),
	ALLOW(P_STDIO, "landlock_add_rule"),
	ALLOW(P_STDIO, "landlock_restrict_self"),

	/* rpath, wpath, cpath: names in the file system. */
	ALLOW_IF(P_RPATH, "openat", MASKED(2, OPEN_RDONLY_MASK, O_RDONLY)),
	ALLOW_IF(P_RPATH, "open", MASKED(1, OPEN_RDONLY_MASK, O_RDONLY)),
	ALLOW(P_RPATH, "newfstatat"),
	ALLOW(P_RPATH, "statx"),
	ALLOW(P_RPATH, "stat"),
	ALLOW(P_RPATH, "lstat"),
	ALLOW(P_RPATH, "access"),
	ALLOW(P_RPATH, "faccessat"),
	ALLOW(P_RPATH, "faccessat2"),
	ALLOW(P_RPATH, "readlink"),
	ALLOW(P_RPATH, "readlinkat"),
	ALLOW(P_RPATH, "getdents64"),
	ALLOW(P_RPATH, "getcwd"),
	ALLOW(P_RPATH, "chdir"),
	ALLOW(P_RPATH, "fchdir"),
	ALLOW(P_RPATH, "statfs"),
	ALLOW(P_RPATH, "fstatfs"),
	ALLOW_IF(P_WPATH, "openat", MASKED(2, OPEN_CREATE_MASK, 0)),
	ALLOW_IF(P_WPATH, "open", MASKED(1, OPEN_CREATE_MASK, 0)),
	ALLOW(P_WPATH, "truncate"),
	ALLOW(P_WPATH, "fallocate"),
	ALLOW(P_CPATH | P_WPATH, "openat"),
	ALLOW(P_CPATH | P_WPATH, "open"),
	ALLOW(P_CPATH | P_WPATH, "creat"),
	ALLOW(P_CPATH, "mkdir"),
	ALLOW(P_CPATH, "mkdirat"),
	ALLOW(P_CPATH, "rmdir"),
	ALLOW(P_CPATH, "rename"),
	ALLOW(P_CPATH, "renameat"),
	ALLOW(P_CPATH, "renameat2"),
	ALLOW(P_CPATH, "unlink"),
	ALLOW(P_CPATH, "unlinkat"),
	ALLOW(P_CPATH, "link"),
	ALLOW(P_CPATH, "linkat"),
	ALLOW(P_CPATH, "symlink"),
	ALLOW(P_CPATH, "symlinkat"),
	ALLOW(P_FATTR, "chmod"),
	ALLOW(P_FATTR, "fchmod"),
	ALLOW(P_FATTR, "fchmodat"),
	ALLOW(P_FATTR, "chown"),
	ALLOW(P_FATTR, "fchown"),
	ALLOW(P_FATTR, "fchownat"),
	ALLOW(P_FATTR, "lchown"),
	ALLOW(P_FATTR, "utimensat"),
	ALLOW(P_FLOCK, "flock"),

	/*
	 * dns: what worker/resolve.c does to ask a nameserver (strace of
	 * t/resolve.t): a UDP socket, or a TCP one for a truncated answer,
	 * connected to the server; send, recv, poll, getsockopt(SO_ERROR)
	 * and getrandom for query ids are stdio's.  No bind, no listen.
	 */
	ALLOW_IF2(P_DNS, "socket", EQ(0, AF_INET),
	    MASKED(1, SOCK_TYPE_MASK, SOCK_DGRAM)),
	ALLOW_IF2(P_DNS, "socket", EQ(0, AF_INET),
	    MASKED(1, SOCK_TYPE_MASK, SOCK_STREAM)),
	ALLOW_IF2(P_DNS, "socket", EQ(0, AF_INET6),
	    MASKED(1, SOCK_TYPE_MASK, SOCK_DGRAM)),
	ALLOW_IF2(P_DNS, "socket", EQ(0, AF_INET6),
	    MASKED(1, SOCK_TYPE_MASK, SOCK_STREAM)),
	ALLOW(P_DNS, "connect"),

	/* inet, unix: new sockets of a family. */
	ALLOW_IF(P_INET, "socket", EQ(0, AF_INET)),
	ALLOW_IF(P_INET, "socket", EQ(0, AF_INET6)),
	ALLOW_IF(P_UNIX, "socket", EQ(0, AF_UNIX)),
	ALLOW(P_INET, "connect"),
	ALLOW(P_INET, "bind"),
	ALLOW(P_INET, "listen"),
	ALLOW(P_INET, "setsockopt"),
	ALLOW(P_UNIX, "connect"),
	ALLOW(P_UNIX, "bind"),
	ALLOW(P_UNIX, "listen"),
	ALLOW(P_UNIX, "setsockopt"),

	/* proc: children, and signals to them. */
	ALLOW(P_PROC, "fork"),
	ALLOW(P_PROC, "vfork"),
	ALLOW_IF(P_PROC, "clone", MASKED(0, CLONE_DENY_MASK, 0)),
	ALLOW(P_PROC, "kill"),
	ALLOW(P_PROC, "tgkill"),
	ALLOW(P_PROC, "wait4"),
	ALLOW(P_PROC, "waitid"),
	ALLOW(P_PROC, "setpgid"),
	ALLOW(P_PROC, "setsid"),
	ALLOW(P_PROC, "set_robust_list"),
	ALLOW(P_PROC, "prlimit64"),
	ALLOW(P_PROC, "setrlimit"),

	/* id: what a child does to drop its privileges. */
	ALLOW(P_ID, "chroot"),
	ALLOW(P_ID, "setuid"),
	ALLOW(P_ID, "setgid"),
	ALLOW(P_ID, "setreuid"),
	ALLOW(P_ID, "setregid"),
	ALLOW(P_ID, "setresuid"),
	ALLOW(P_ID, "setresgid"),
	ALLOW(P_ID, "setgroups"),
	ALLOW(P_ID, "prlimit64"),
	ALLOW(P_ID, "setrlimit"),

	/*
	 * The sanitizer runtime, in the ASan/UBSan build only: it reads its
	 * own maps and limits, and parks threads' stacks.
	 */
	ALLOW_IF(P_SAN, "openat", MASKED(2, OPEN_RDONLY_MASK, O_RDONLY)),
	ALLOW_IF(P_SAN, "open", MASKED(1, OPEN_RDONLY_MASK, O_RDONLY)),
	ALLOW(P_SAN, "readlink"),
	ALLOW(P_SAN, "readlinkat"),
	ALLOW(P_SAN, "getdents64"),
	ALLOW(P_SAN, "newfstatat"),
	ALLOW(P_SAN, "prlimit64"),
	ALLOW(P_SAN, "setrlimit"),
	ALLOW(P_SAN, "mincore"),
};

static char	pledge_procname[32] = "aileron";

static unsigned int	pledge_parse(const char *);
static scmp_filter_ctx	pledge_build(unsigned int);
static void		pledge_sigsys(int, siginfo_t *, void *);

/* The words of promises as bits; an unknown word is a bug, so fatal. */
static unsigned int
pledge_parse(const char *promises)
{
	const char	*p, *e;
	unsigned int	 set = 0;
	size_t		 i, len;

	for (p = promises; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		len = e - p;
		for (i = 0; i < sizeof(pledge_words) / sizeof(pledge_words[0]);
		    i++)
			if (strlen(pledge_words[i].word) == len &&
			    strncmp(pledge_words[i].word, p, len) == 0)
				break;
		if (i == sizeof(pledge_words) / sizeof(pledge_words[0]))
			fatalx("%s: unknown promise \"%.*s\"", __func__,
			    (int)len, p);
		set |= pledge_words[i].bit;
	}
	if ((set & P_STDIO) == 0)
		fatalx("%s: \"%s\" lacks stdio", __func__, promises);
#ifdef AILERON_SAN
	set |= P_SAN;
#endif
	return set;
}

int
pledge_has(const char *promises, const char *word)
{
	size_t	 len = strlen(word);
	const char *p;

	for (p = promises; (p = strstr(p, word)) != NULL; p += len)
		if ((p == promises || p[-1] == ' ') &&
		    (p[len] == '\0' || p[len] == ' '))
			return 1;
	return 0;
}

static scmp_filter_ctx
pledge_build(unsigned int set)
{
	static const struct scmp_arg_cmp unix_only[] = { EQ(0, AF_UNIX) };
	const struct pledge_rule *r;
	scmp_filter_ctx	 ctx;
	uint32_t	 deny;
	size_t		 i;
	int		 nr, rc;

	/*
	 * The test mode traps instead, so that a test can see which call
	 * was refused (pledge_sigsys); it still ends the process.
	 */
	deny = msg_testmode ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	if ((ctx = seccomp_init(deny)) == NULL)
		fatalx("%s: seccomp_init failed", __func__);
	/* Another architecture's calls (x32, i386 on x86_64): same fate. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, deny) != 0)
		fatalx("%s: cannot set the action for other architectures",
		    __func__);
	/* sandbox_enter() sets no-new-privs itself, checked. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) != 0)
		fatalx("%s: cannot leave no-new-privs to the caller",
		    __func__);
	for (i = 0; i < sizeof(pledge_rules) / sizeof(pledge_rules[0]); i++) {
		r = &pledge_rules[i];
		if ((r->need & set) != r->need)
			continue;
		if ((nr = seccomp_syscall_resolve_name(r->name)) ==
		    __NR_SCMP_ERROR)
			continue;	/* not on this platform */
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr,
		    r->nargs, r->arg);
		if (rc != 0 && rc != -EEXIST)
			fatalx("%s: cannot allow %s: %s", __func__, r->name,
			    strerror(-rc));
	}
	/*
	 * glibc's syslog() opens a new local socket when the old one broke
	 * (syslogd restarted): without "unix" that fails quietly instead of
	 * killing the process.  Any other family not promised is fatal.
	 */
	if ((set & P_UNIX) == 0 && (rc = seccomp_rule_add_array(ctx,
	    SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1, unix_only)) != 0)
		fatalx("%s: socket: %s", __func__, strerror(-rc));
	/* glibc falls back to clone(2), whose flags a filter can see. */
	nr = seccomp_syscall_resolve_name("clone3");
	if (nr != __NR_SCMP_ERROR && (rc = seccomp_rule_add(ctx,
	    SCMP_ACT_ERRNO(ENOSYS), nr, 0)) != 0)
		fatalx("%s: clone3: %s", __func__, strerror(-rc));
	return ctx;
}

/*
 * Compile promises into a BPF program in memory, to be loaded with
 * pledge_load() here or in a child forked later.
 */
struct sock_fprog *
pledge_export(const char *promises)
{
	scmp_filter_ctx		 ctx;
	struct sock_fprog	*prog;
	struct stat		 st;
	ssize_t			 n;
	int			 fd, rc;

	ctx = pledge_build(pledge_parse(promises));
	if ((fd = memfd_create("aileron-pledge", MFD_CLOEXEC)) == -1)
		fatal("%s: memfd_create", __func__);
	if ((rc = seccomp_export_bpf(ctx, fd)) != 0)
		fatalx("%s: seccomp_export_bpf: %s", __func__, strerror(-rc));
	seccomp_release(ctx);
	if (fstat(fd, &st) == -1)
		fatal("%s: fstat", __func__);
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		fatalx("%s: a filter of %lld bytes", __func__,
		    (long long)st.st_size);
	if ((prog = calloc(1, sizeof(*prog))) == NULL ||
	    (prog->filter = malloc(st.st_size)) == NULL)
		fatal("%s", __func__);
	prog->len = st.st_size / sizeof(struct sock_filter);
	if ((n = pread(fd, prog->filter, st.st_size, 0)) != st.st_size)
		fatal("%s: read", __func__);
	close(fd);
	return prog;
}

void
pledge_free(struct sock_fprog *prog)
{
	if (prog == NULL)
		return;
	free(prog->filter);
	free(prog);
}

/*
 * Test mode only: say which call the filter refused, then die.  Only
 * async-signal-safe calls that every promise set allows.
 */
static void
pledge_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char		 buf[96], num[16];
	size_t		 len, i = sizeof(num);
	int		 nr;

	(void)sig;
	(void)uctx;
	nr = si->si_code == SYS_SECCOMP ? si->si_syscall : -1;
	num[--i] = '\0';
	if (nr < 0)
		num[--i] = '?';
	while (nr >= 0 && i > 0) {
		num[--i] = '0' + nr % 10;
		if ((nr /= 10) == 0)
			break;
	}
	strlcpy(buf, pledge_procname, sizeof(buf));
	strlcat(buf, ": forbidden system call ", sizeof(buf));
	strlcat(buf, num + i, sizeof(buf));
	len = strlcat(buf, " (seccomp)\n", sizeof(buf));
	if (write(STDERR_FILENO, buf, len) == -1) {
		/* Nothing more to do: we die either way. */
	}
	_exit(128 + SIGSYS);
}

/*
 * The last step of a privilege drop: one call, after no-new-privs.  From
 * here on a call outside the promises ends the process.
 */
void
pledge_load(const struct sock_fprog *prog, const char *name)
{
	struct sigaction	 sa;

	if (msg_testmode) {
		strlcpy(pledge_procname, name, sizeof(pledge_procname));
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = pledge_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) == -1)
			fatal("%s: sigaction", __func__);
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) == -1)
		fatal("%s: cannot load the seccomp filter", __func__);
}
