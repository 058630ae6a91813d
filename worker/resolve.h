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
 * resolve.h: name resolution and the address rules of the workers' upstream
 * dial.  The master prepares a struct resolve_conf (master/resolvconf.c);
 * the workers inherit it across fork and resolve with no file at all.
 */

#ifndef AILERON_RESOLVE_H
#define AILERON_RESOLVE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define RESOLVE_NAME_MAX	253	/* a DNS name, without the root dot */
#define RESOLVE_SERVERS_MAX	8	/* nameserver lines */
#define RESOLVE_NETS_MAX	256	/* allow network lines */
#define RESOLVE_PINS_MAX	256	/* resolve lines */
#define RESOLVE_HOSTS_MAX	4096	/* /etc/hosts name-address pairs */
#define RESOLVE_ADDRS_MAX	16	/* addresses one lookup returns */

/* An address, without a port: what /etc/hosts and CIDRs hold. */
struct resolve_addr {
	uint8_t		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network order; v4 in the first 4 */
};

/* allow network CIDR */
struct resolve_net {
	struct resolve_addr	 net;
	uint8_t			 prefix;
};

/* resolve "HOST" ADDR[:PORT]: port 0 keeps the port asked for. */
struct resolve_pin {
	char			 host[RESOLVE_NAME_MAX + 1];
	struct resolve_addr	 addr;
	uint16_t		 port;
};

/*
 * One of the service's own listeners, which no upstream dial may reach
 * whatever the allow network lines say: an agent must not talk to the
 * web page or the metrics through the proxy.  An unspecified address
 * (a wildcard bind) stands for every loopback address.
 */
struct resolve_self {
	struct resolve_addr	 addr;
	uint16_t		 port;
	char			 what[64];	/* why a dial is refused */
};

/* One name-address pair of /etc/hosts; the name is in names. */
struct resolve_hostent {
	uint32_t		 name;	/* offset into resolve_conf.names */
	struct resolve_addr	 addr;
};

/*
 * Everything a worker resolves with, in one allocation the master makes
 * once (and again on SIGHUP): the workers inherit it copy-on-write and
 * only ever read it, so a fork pays for none of its pages.
 */
struct resolve_conf {
	struct sockaddr_storage	 servers[RESOLVE_SERVERS_MAX];
	size_t			 nservers;
	const struct resolve_net *nets;
	size_t			 nnets;
	const struct resolve_pin *pins;
	size_t			 npins;
	const struct resolve_hostent *hosts;
	size_t			 nhosts;
	const char		*names;		/* NUL-separated */
	size_t			 namessz;
	const struct resolve_self *self;	/* the worker's, per dial */
	size_t			 nself;
};

/*
 * Resolve host for port: resolve lines first, then an address literal,
 * then /etc/hosts, then DNS (A and AAAA, over UDP, TCP when truncated)
 * within timeout_ms.  Fills out with up to max addresses that passed
 * resolve_addr_check, IPv4 first, and sets *n; the caller dials only
 * these (no second lookup).  Returns 0, or -1 with a sentence in err
 * ("no such host", "DNS timeout", "blocked address 10.0.0.1 (private)").
 */
int	resolve_host(const struct resolve_conf *, const char *host,
	    uint16_t port, struct sockaddr_storage *out, size_t max, size_t *n,
	    int timeout_ms, char *err, size_t errlen);

/*
 * 0 when addr may be dialled; -1 with its class in *why: "loopback",
 * "private", "link-local", "cgnat", "unique-local", "site-local",
 * "multicast", "reserved", "unspecified" or "metadata", or the what of
 * the service's own listener it names (rc->self).  allow network lines
 * permit all but metadata and unspecified addresses and our listeners.
 * An IPv4 address inside IPv6 (v4-mapped, NAT64, 6to4) is judged as the
 * IPv4.
 */
int	resolve_addr_check(const struct resolve_conf *, const struct sockaddr *,
	    const char **why);

/* A host name as DNS takes it: 1 valid, 0 not. */
int	resolve_valid_name(const char *);
/* "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" (port 0 when absent). */
int	resolve_parse_addrport(const char *, struct resolve_addr *,
	    uint16_t *);
/* "ADDR/PREFIX" or "ADDR"; -1 on error with a reason in *why. */
int	resolve_parse_net(const char *, struct resolve_net *, const char **);
void	resolve_addr_to_sockaddr(const struct resolve_addr *, uint16_t,
	    struct sockaddr_storage *);

#endif
