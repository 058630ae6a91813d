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
 * resolvconf.c: reads the nameservers of /etc/resolv.conf and the names of
 * /etc/hosts in the master, at start and on SIGHUP, into the one struct
 * resolve_conf the workers resolve with (worker/resolve.c): they are
 * chrooted and may open no file.  It is one allocation, written once and
 * only read after, so that a fork shares every page of it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "master/parse.h"
#include "worker/resolve.h"

#define RESOLVCONF_PATH		"/etc/resolv.conf"
#define RESOLVCONF_HOSTS	"/etc/hosts"
#define RESOLVCONF_NAMES_MAX	(64 * 1024)	/* bytes of /etc/hosts names */
#define RESOLVCONF_LINE_MAX	1024

struct hosts_table {
	struct resolve_hostent	*ents;
	size_t			 nents;
	char			*names;
	size_t			 namessz;
	int			 full;
};

static int	 resolvconf_servers(const char *, struct sockaddr_storage *,
		    size_t *);
static int	 resolvconf_hosts(const char *, struct hosts_table *);
static int	 resolvconf_add_host(struct hosts_table *, const char *,
		    const struct resolve_addr *);

/*
 * nameserver lines: IPv4 or IPv6, port 53.  A scoped address
 * (fe80::1%eth0) is skipped: its interface index needs an ioctl the
 * master's filter does not allow when it rereads this on SIGHUP.
 */
static int
resolvconf_servers(const char *path, struct sockaddr_storage *ss, size_t *n)
{
	struct resolve_addr	 a;
	FILE			*fp;
	char			 line[RESOLVCONF_LINE_MAX], *p, *word, *addr;

	*n = 0;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		p = line;
		if ((word = strsep(&p, " \t\r\n")) == NULL ||
		    strcmp(word, "nameserver") != 0)
			continue;
		while ((addr = strsep(&p, " \t\r\n")) != NULL && *addr == '\0')
			;
		if (addr == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, addr, a.addr) == 1)
			a.family = AF_INET;
		else if (inet_pton(AF_INET6, addr, a.addr) == 1)
			a.family = AF_INET6;
		else {
			log_warnx("%s: nameserver %s is not an IPv4 or "
			    "unscoped IPv6 address; skipped", path, addr);
			continue;
		}
		if (*n < RESOLVE_SERVERS_MAX)
			resolve_addr_to_sockaddr(&a, 53, &ss[(*n)++]);
	}
	fclose(fp);
	return 0;
}

static int
resolvconf_add_host(struct hosts_table *t, const char *name,
    const struct resolve_addr *a)
{
	struct resolve_hostent	*e;
	char			*names;
	size_t			 len = strlen(name) + 1, i;

	if (t->nents >= RESOLVE_HOSTS_MAX ||
	    t->namessz + len > RESOLVCONF_NAMES_MAX) {
		t->full = 1;
		return 0;
	}
	if ((e = reallocarray(t->ents, t->nents + 1, sizeof(*e))) == NULL)
		return -1;
	t->ents = e;
	if ((names = realloc(t->names, t->namessz + len)) == NULL)
		return -1;
	t->names = names;
	for (i = 0; i < len; i++)
		names[t->namessz + i] = (char)tolower((unsigned char)name[i]);
	if (len > 1 && names[t->namessz + len - 2] == '.')
		names[t->namessz + len - 2] = '\0';
	e[t->nents].name = (uint32_t)t->namessz;
	e[t->nents].addr = *a;
	t->nents++;
	t->namessz += len;
	return 0;
}

/* "ADDRESS NAME [ALIAS...]" lines; a scoped or bad address is skipped. */
static int
resolvconf_hosts(const char *path, struct hosts_table *t)
{
	struct resolve_addr	 a;
	FILE			*fp;
	char			 line[RESOLVCONF_LINE_MAX], *p, *word, *hash;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		p = line;
		while ((word = strsep(&p, " \t\r\n")) != NULL && *word == '\0')
			;
		if (word == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, word, a.addr) == 1)
			a.family = AF_INET;
		else if (inet_pton(AF_INET6, word, a.addr) == 1)
			a.family = AF_INET6;
		else
			continue;
		while ((word = strsep(&p, " \t\r\n")) != NULL) {
			if (*word == '\0' || !resolve_valid_name(word))
				continue;
			if (resolvconf_add_host(t, word, &a) == -1) {
				log_warn("%s", __func__);
				fclose(fp);
				return -1;
			}
		}
	}
	fclose(fp);
	if (t->full)
		log_warnx("%s: more than %d names; the rest are not used by "
		    "the proxy", path, RESOLVE_HOSTS_MAX);
	return 0;
}

/*
 * The workers' resolver configuration: the resolve, allow network and
 * nameserver lines of conf, and the files (nameserver lines override
 * resolvconf's).  One allocation; resolvconf_free() frees it.
 */
struct resolve_conf *
resolvconf_build(const struct aileron_conf *conf, const char *resolvconf,
    const char *hosts)
{
	struct resolve_conf	*rc;
	struct hosts_table	 t;
	struct sockaddr_in	*sin;
	size_t			 netsz, pinsz, hostsz, off;
	char			*base;

	memset(&t, 0, sizeof(t));
	if (hosts != NULL && resolvconf_hosts(hosts, &t) == -1)
		goto fail;
	netsz = conf->nnets * sizeof(struct resolve_net);
	pinsz = conf->npins * sizeof(struct resolve_pin);
	hostsz = t.nents * sizeof(struct resolve_hostent);
	if ((rc = calloc(1, sizeof(*rc) + netsz + pinsz + hostsz +
	    t.namessz + 1)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	/*
	 * After rc, by falling alignment: the hosts' offsets (4), the pins'
	 * ports (2), then bytes; each part's size is a multiple of the next
	 * part's alignment.
	 */
	base = (char *)(rc + 1);
	off = 0;
	if (hostsz > 0)
		memcpy(base + off, t.ents, hostsz);
	rc->hosts = (const struct resolve_hostent *)(base + off);
	rc->nhosts = t.nents;
	off += hostsz;
	if (pinsz > 0)
		memcpy(base + off, conf->pins, pinsz);
	rc->pins = (const struct resolve_pin *)(base + off);
	rc->npins = conf->npins;
	off += pinsz;
	if (netsz > 0)
		memcpy(base + off, conf->nets, netsz);
	rc->nets = (const struct resolve_net *)(base + off);
	rc->nnets = conf->nnets;
	off += netsz;
	if (t.namessz > 0)
		memcpy(base + off, t.names, t.namessz);
	rc->names = base + off;
	rc->namessz = t.namessz;

	if (conf->nnameservers > 0) {
		memcpy(rc->servers, conf->nameservers,
		    conf->nnameservers * sizeof(rc->servers[0]));
		rc->nservers = conf->nnameservers;
	} else if (resolvconf != NULL && resolvconf_servers(resolvconf,
	    rc->servers, &rc->nservers) == -1) {
		free(rc);
		goto fail;
	}
	/* As the C library does without a nameserver line. */
	if (rc->nservers == 0) {
		sin = (struct sockaddr_in *)&rc->servers[0];
		sin->sin_family = AF_INET;
		sin->sin_port = htons(53);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc->nservers = 1;
	}
	free(t.ents);
	free(t.names);
	return rc;
 fail:
	free(t.ents);
	free(t.names);
	return NULL;
}

/* The system's files, into conf->resolve (the old one, if any, goes). */
int
resolvconf_load(struct aileron_conf *conf)
{
	struct resolve_conf	*rc;

	if ((rc = resolvconf_build(conf, RESOLVCONF_PATH,
	    RESOLVCONF_HOSTS)) == NULL)
		return -1;
	resolvconf_free(conf->resolve);
	conf->resolve = rc;
	log_debug("resolver: %zu nameserver%s, %zu hosts entr%s, %zu pin%s, "
	    "%zu allowed network%s", rc->nservers, PLURAL(rc->nservers),
	    rc->nhosts, rc->nhosts == 1 ? "y" : "ies", rc->npins,
	    PLURAL(rc->npins), rc->nnets, PLURAL(rc->nnets));
	return 0;
}

void
resolvconf_free(struct resolve_conf *rc)
{
	free(rc);
}
