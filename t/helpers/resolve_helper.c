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
 * resolve_helper.c: resolves names the way a worker does, for t/resolve.t.
 * It reads an aileron.conf(5) and a hosts file as the master would, then
 * enters a worker's sandbox (chroot to an empty directory and the worker
 * user when root, the seccomp filter of the promises given) and resolves
 * each name, printing one line per name:
 *
 *	NAME<TAB>ok<TAB>ADDR:PORT[,ADDR:PORT...]<TAB>MS
 *	NAME<TAB>error<TAB>REASON<TAB>MS
 *
 * usage: resolve_helper -f conf [-H hosts] [-R resolv.conf] [-p promises]
 *	      [-t timeout_ms] [-u user] [-n] name...
 * -n: no sandbox (to compare).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "proc.h"
#include "sandbox.h"
#include "master/parse.h"
#include "worker/resolve.h"

static void	 helper_print(const struct sockaddr_storage *, size_t);

static void
helper_print(const struct sockaddr_storage *ss, size_t n)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 buf[INET6_ADDRSTRLEN];
	size_t				 i;

	for (i = 0; i < n; i++) {
		if (ss[i].ss_family == AF_INET) {
			sin = (const struct sockaddr_in *)&ss[i];
			inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
			printf("%s%s:%u", i ? "," : "", buf,
			    ntohs(sin->sin_port));
		} else {
			sin6 = (const struct sockaddr_in6 *)&ss[i];
			inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
			printf("%s[%s]:%u", i ? "," : "", buf,
			    ntohs(sin6->sin6_port));
		}
	}
}

int
main(int argc, char *argv[])
{
	struct aileron_conf	*conf;
	struct resolve_conf	*rc;
	struct sockaddr_storage	 out[RESOLVE_ADDRS_MAX];
	struct sandbox		 sb;
	struct timespec		 t0, t1;
	const char		*cfile = NULL, *hosts = NULL, *resolv = NULL;
	const char		*promises = "stdio dns", *user = "_aileron";
	char			 err[256];
	char			 root[] = "/tmp/aileron-resolve.XXXXXX";
	size_t			 n;
	pid_t			 pid;
	int			 ch, i, timeout = 3000, nosandbox = 0, status;

	log_init(1, 0, "resolve_helper");
	while ((ch = getopt(argc, argv, "f:H:np:R:t:u:")) != -1) {
		switch (ch) {
		case 'f':
			cfile = optarg;
			break;
		case 'H':
			hosts = optarg;
			break;
		case 'n':
			nosandbox = 1;
			break;
		case 'p':
			promises = optarg;
			break;
		case 'R':
			resolv = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'u':
			user = optarg;
			break;
		default:
			fprintf(stderr, "usage: resolve_helper -f conf [-n] "
			    "[-H hosts] [-R resolv.conf] [-p promises] "
			    "[-t ms] [-u user] name...\n");
			return 2;
		}
	}
	if (cfile == NULL)
		fatalx("-f is required");
	if ((conf = conf_parse(cfile, "/tmp", 1)) == NULL)
		return 1;
	if ((rc = resolvconf_build(conf, resolv, hosts)) == NULL)
		fatalx("cannot build the resolver configuration");

	if (!nosandbox) {
		memset(&sb, 0, sizeof(sb));
		sb.proc = PROC_WORKER;
		sb.drop = geteuid() == 0;
		if (sb.drop) {
			if (mkdtemp(root) == NULL)
				fatal("mkdtemp");
			if (sandbox_lookup_user(user, &sb.uid, &sb.gid) == -1)
				fatalx("no user %s", user);
		}
		sb.root = root;
		sb.devnull = -1;
		sb.keep_stderr = 1;
		sb.promises = promises;
		/* A refused call says which one on stderr before we die. */
		msg_testmode = 1;
		fflush(stdout);
		/* The parent removes the empty root when the child is done. */
		if ((pid = fork()) == -1)
			fatal("fork");
		if (pid != 0) {
			if (waitpid(pid, &status, 0) == -1)
				fatal("waitpid");
			if (sb.drop)
				(void)rmdir(root);
			if (WIFSIGNALED(status))
				fprintf(stderr, "resolve_helper: killed by "
				    "signal %d\n", WTERMSIG(status));
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		}
		sandbox_enter(&sb);
	}
	for (i = optind; i < argc; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (resolve_host(rc, argv[i], 443, out, RESOLVE_ADDRS_MAX, &n,
		    timeout, err, sizeof(err)) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("%s\tok\t", argv[i]);
			helper_print(out, n);
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("%s\terror\t%s", argv[i], err);
		}
		printf("\t%.3f\n", (t1.tv_sec - t0.tv_sec) * 1e3 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6);
		fflush(stdout);
	}
	return 0;
}
