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
 * connectors.c: the specs the configuration names, loaded and checked
 * once by the master (workers inherit them), and the part of each that
 * vaultd needs: which hosts a connector's credential may go to, and how.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "connector/match.h"
#include "msgtypes.h"
#include "connector/spec.h"
#include "state.h"
#include "master/connectors.h"
#include "master/parse.h"

/*
 * Load every spec and compile them into one matcher (which refuses, say,
 * a host claimed by two connectors).  Every error is reported, not just
 * the first; -1 when there was one.  matcherp may be NULL.
 */
int
connectors_load(const struct aileron_conf *conf, struct spec ***specsp,
    size_t *np, struct matcher **matcherp)
{
	struct matcher		*mt;
	struct conf_connector	*cc;
	struct spec		**specs = NULL, *s;
	char			 err[512];
	size_t			 n = 0, max = 0;
	int			 bad = 0;

	TAILQ_FOREACH(cc, &conf->connectors, entry)
		max++;
	if (max > 0 && (specs = calloc(max, sizeof(*specs))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	TAILQ_FOREACH(cc, &conf->connectors, entry) {
		if ((s = spec_load(cc->spec, err, sizeof(err))) == NULL) {
			log_warnx("%s: connector \"%s\": %s", cc->where,
			    cc->name, err);
			bad = 1;
			continue;
		}
		if (strcmp(s->connector, cc->name) != 0) {
			log_warnx("%s: connector \"%s\": %s describes "
			    "connector \"%s\"", cc->where, cc->name, cc->spec,
			    s->connector);
			spec_free(s);
			bad = 1;
			continue;
		}
		specs[n++] = s;
	}
	if (bad) {
		connectors_free(specs, n, NULL);
		return -1;
	}
	if ((mt = match_compile(specs, n, err, sizeof(err))) == NULL) {
		log_warnx("connectors: %s", err);
		connectors_free(specs, n, NULL);
		return -1;
	}
	if (matcherp != NULL)
		*matcherp = mt;
	else
		match_free(mt);
	*specsp = specs;
	*np = n;
	return 0;
}

/*
 * For the command line: the specs that file names, or statedir's
 * aileron.conf when file is NULL (a missing default file means none).
 */
int
connectors_load_file(const char *statedir, const char *file,
    struct spec ***specsp, size_t *np)
{
	struct aileron_conf	*conf;
	char			 path[PATH_MAX];
	int			 rv;

	if ((conf = conf_parse_state(statedir, file, path)) == NULL)
		return -1;
	rv = connectors_load(conf, specsp, np, NULL);
	conf_free(conf);
	return rv;
}

void
connectors_free(struct spec **specs, size_t n, struct matcher *mt)
{
	size_t	 i;

	if (mt != NULL)
		match_free(mt);
	for (i = 0; i < n; i++)
		spec_free(specs[i]);
	free(specs);
}

