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
 * main.c: aileron-service, the service's own binary, which "aileron
 * service" execs: check the configuration, or run the master; with -P,
 * one of the processes the master starts by exec (control, vaultd).  It
 * links only what the service needs, never libcurl: every library the
 * master maps is paid again at each worker's fork and exit.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "sandbox.h"
#include "state.h"
#include "title.h"
#include "master/connectors.h"
#include "control/control.h"
#include "master/master.h"
#include "master/parse.h"
#include "vaultd/vaultd.h"

/* The processes the master starts by exec, by the name proc_exec gives. */
static const struct {
	enum proc_id	 id;
	void		(*main)(int, int);
} service_procs[] = {
	{ PROC_CONTROL,	control },
	{ PROC_VAULTD,	vaultd },
};

static int	service_check(const char *, const char *);

/*
 * -n: the configuration parses and its specs load; as root, when the
 * service would drop to them, its three users exist, are not root and
 * are three.
 */
static int
service_check(const char *statedir, const char *file)
{
	struct aileron_conf	*conf;
	struct spec		**specs;
	char			 path[PATH_MAX];
	size_t			 nspecs;
	int			 rv;

	if ((conf = conf_parse_state(statedir, file, path)) == NULL)
		return -1;
	if ((rv = connectors_load(conf, &specs, &nspecs, NULL)) == 0)
		connectors_free(specs, nspecs, NULL);
	if (geteuid() == 0 && conf_check_users(conf, path) == -1)
		rv = -1;
	conf_free(conf);
	return rv;
}

/*
 * Nothing from the environment may steer the service's TLS or its
 * upstream: no proxy variables (the upstream is the CONNECT authority and
 * nothing else), no key log, no OpenSSL configuration or CA paths.
 */
static const char *const service_unenv[] = {
	"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
	"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", "ftp_proxy",
	"SSLKEYLOGFILE", "OPENSSL_CONF", "OPENSSL_MODULES", "OPENSSL_ENGINES",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
	"RES_OPTIONS", "LOCALDOMAIN", "HOSTALIASES",
};

int
main(int argc, char *argv[])
{
	char			 statedir[PATH_MAX];
	const char		*sopt = NULL, *fopt = NULL, *proc = NULL;
	size_t			 i;
	int			 ch, foreground = 0, check = 0, verbose = 0;

	/*
	 * The processes name themselves for ps(1) and top(1) ("aileron:
	 * worker (idle)") over this argv and environment, which libbsd first
	 * copies aside.
	 */
	title_init(argc, argv);
	for (i = 0; i < sizeof(service_unenv) / sizeof(service_unenv[0]); i++)
		unsetenv(service_unenv[i]);
	while ((ch = getopt(argc, argv, "df:nP:s:vX")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			fopt = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'P':
			proc = optarg;
			break;
		case 's':
			sopt = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'X':
			/* Undocumented: the tests' messages and hooks. */
			msg_testmode = 1;
			break;
		default:
			fprintf(stderr, "usage: aileron service [-dnv] "
			    "[-f file] [-s statedir]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "aileron service: unexpected argument \"%s\"\n",
		    argv[optind]);
		return 2;
	}
	if (proc != NULL) {
		for (i = 0; i < sizeof(service_procs) /
		    sizeof(service_procs[0]); i++)
			if (strcmp(proc, proc_name(service_procs[i].id)) ==
			    0) {
				title_set("%s", proc);
				service_procs[i].main(foreground, verbose);
			}
		fprintf(stderr, "aileron service: unknown process \"%s\"\n",
		    proc);
		return 2;
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron service: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	if (check) {
		log_init_cli();
		if (service_check(statedir, fopt) == -1)
			return 1;
		printf("configuration OK\n");
		return 0;
	}
	/* Children reset only the signals we change: start from defaults. */
	sandbox_signals_init();
	title_set("master");
	master(statedir, fopt, foreground, verbose);
}
