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

static int	service_abspath(const char *, char *, size_t);
static int	service_check(const char *, const char *);

/*
 * The service changes directory (to / when it detaches, into each
 * process's own directory when it confines it) and rereads its files on
 * SIGHUP: every path it is given is made absolute first, against the
 * directory it was started in.
 */
static int
service_abspath(const char *path, char *buf, size_t len)
{
	char	 cwd[PATH_MAX];

	if (path[0] == '/')
		return strlcpy(buf, path, len) < len ? 0 : -1;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strcmp(path, ".") == 0)
		return strlcpy(buf, cwd, len) < len ? 0 : -1;
	if ((size_t)snprintf(buf, len, "%s%s%s", cwd,
	    strcmp(cwd, "/") == 0 ? "" : "/", path) >= len)
		return -1;
	return 0;
}

/*
 * -n: what the service checks before it binds anything: the state
 * directory (there, or creatable), the configuration and its specs, and
 * master_preflight's list (socket paths, users, modes).
 */
static int
service_check(const char *statedir, const char *file)
{
	struct master		 m;
	struct aileron_conf	*conf;
	struct spec		**specs;
	char			 path[PATH_MAX];
	size_t			 nspecs;
	int			 rv = 0;

	if (master_check_statedir(statedir) == -1)
		rv = -1;
	if (file == NULL && state_path(path, sizeof(path), statedir,
	    STATE_CONF) == 0 && master_check_private(path,
	    "configuration file") == -1)
		rv = -1;
	else if (file != NULL && master_check_private(file,
	    "configuration file") == -1)
		rv = -1;
	if ((conf = conf_parse_state(statedir, file, path)) == NULL)
		return -1;
	if (connectors_load(conf, &specs, &nspecs, NULL) == 0)
		connectors_free(specs, nspecs, NULL);
	else
		rv = -1;
	if (master_preflight(conf, statedir, path) == -1)
		rv = -1;
	/* The resolver's files, and the upstream CA store, which must load. */
	if (resolvconf_load(conf) == -1)
		rv = -1;
	if (rv == 0) {
		memset(&m, 0, sizeof(m));
		m.conf = conf;
		tls_prepare(&m);
	}
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
	char			 statedir[PATH_MAX], given[PATH_MAX];
	char			 conffile[PATH_MAX];
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
			    "[-f file] [-s statedir]\n"
			    "       aileron service stop [-s statedir]\n");
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
	if (state_resolve(sopt, given, sizeof(given)) == -1) {
		fprintf(stderr, "aileron service: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	if (service_abspath(given, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron service: state directory %s: the "
		    "path is too long or the current directory is gone\n",
		    given);
		return 1;
	}
	/* -n messages name the file as given; cwd does not change. */
	if (fopt != NULL && !check) {
		if (service_abspath(fopt, conffile, sizeof(conffile)) == -1) {
			fprintf(stderr, "aileron service: configuration file "
			    "%s: the path is too long or the current "
			    "directory is gone\n", fopt);
			return 1;
		}
		fopt = conffile;
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
