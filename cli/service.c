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
 * service.c: "aileron service".  The service runs from a binary of its own,
 * aileron-service (master/main.c), linked only with what the service needs;
 * this execs it with the same arguments.  It is found beside this binary
 * (a build tree) or in the libexec directory it was installed to.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "cli/cli.h"

#define SERVICE_BINARY	"aileron-service"

static int	service_binary(char *, size_t);

static int
service_binary(char *buf, size_t len)
{
	char	 self[PATH_MAX], *slash;

	if (proc_self_path(self, sizeof(self)) == 0 &&
	    (slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		if ((size_t)snprintf(buf, len, "%s/%s", self,
		    SERVICE_BINARY) < len && access(buf, X_OK) == 0)
			return 0;
	}
	if ((size_t)snprintf(buf, len, "%s/%s", AILERON_LIBEXECDIR,
	    SERVICE_BINARY) >= len)
		return -1;
	return access(buf, X_OK);
}

int
cmd_service(int argc, char *argv[])
{
	char	 path[PATH_MAX];

	(void)argc;
	if (service_binary(path, sizeof(path)) == -1) {
		fprintf(stderr, "aileron service: cannot find %s beside aileron "
		    "or in %s; reinstall aileron\n", SERVICE_BINARY,
		    AILERON_LIBEXECDIR);
		return 1;
	}
	execv(path, argv);
	fprintf(stderr, "aileron service: cannot run %s: %s\n", path,
	    strerror(errno));
	return 1;
}
