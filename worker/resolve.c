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
 * resolve.c: the worker's name resolution and the rules for which addresses
 * it may dial.  Workers are chrooted to an empty directory under a seccomp
 * filter that allows no file open, so everything comes from the struct
 * resolve_conf the master prepared: resolve pins, /etc/hosts, nameservers.
 *
 * DNS messages are built and parsed by c-ares (ares_create_query,
 * ares_parse_a_reply, ares_parse_aaaa_reply: name compression and CNAME
 * chains are where a hand-written parser goes wrong).  The transport is
 * ours, not a c-ares channel: Debian's c-ares 1.18.1 opens /dev/urandom in
 * ares_init_options for its query ids and reopens it whenever a read fails,
 * which the workers' filter forbids; a channel made in the master would
 * hand every worker the same cached random bytes, hence the same query
 * ids.  Here each query id comes from getrandom(2), each attempt uses a
 * fresh connected socket (a new source port; the kernel drops datagrams
 * from anyone but the server), and a reply counts only with our id and our
 * question.  Every address is checked before it is returned, so the
 * caller dials exactly what was checked: no second lookup, no rebinding.
 */

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>

#include "worker/resolve.h"

#define RESOLVE_TRY_MIN_MS	200	/* one attempt on one server */
#define RESOLVE_TRY_MAX_MS	2000
/* Once one family answered, how much longer the other may take. */
#define RESOLVE_STRAGGLER_MS	200
#define RESOLVE_UDP_MAX		1232	/* bytes of a reply we read */

enum qstate { Q_PENDING, Q_DONE, Q_NXDOMAIN, Q_FAILED };

struct query {
	int		 type;		/* ns_t_a or ns_t_aaaa */
	unsigned char	*buf;		/* from ares_create_query */
	int		 len;
	enum qstate	 state;
	int		 truncated;
	struct resolve_addr addrs[RESOLVE_ADDRS_MAX];
	size_t		 naddrs;
};

static const struct resolve_addr
		*resolve_embedded_v4(const struct resolve_addr *,
		    struct resolve_addr *);
static const char *resolve_classify(const struct resolve_addr *);
static const struct resolve_self
		*resolve_self_find(const struct resolve_conf *,
		    const struct resolve_addr *, uint16_t);
static int	 resolve_in_net(const struct resolve_addr *,
		    const struct resolve_net *);
static void	 resolve_from_sockaddr(const struct sockaddr *,
		    struct resolve_addr *);
static int	 resolve_literal(const char *, struct resolve_addr *);
static int64_t	 resolve_now_ms(void);
static int	 resolve_new_query(struct query *, const char *, int);
static int	 resolve_reply(struct query *, size_t, const unsigned char *,
		    size_t);
static int	 resolve_udp(const struct sockaddr_storage *, struct query *,
		    size_t, int64_t);
static int	 resolve_tcp_io(int, unsigned char *, size_t, int, int64_t);
static int	 resolve_tcp(const struct sockaddr_storage *, struct query *,
		    int64_t);
static int	 resolve_same_question(const unsigned char *,
		    const unsigned char *, size_t);
static int	 resolve_dns(const struct resolve_conf *, const char *,
		    struct resolve_addr *, size_t, size_t *, int, char *,
		    size_t);
static int	 resolve_collect(const struct resolve_conf *,
		    const struct resolve_addr *, size_t, uint16_t,
		    struct sockaddr_storage *, size_t, size_t *, char *,
		    size_t);

/*
 * The IPv4 address carried in v4-mapped, v4-translated (SIIT),
 * v4-compatible, NAT64, 6to4 and Teredo (the client's, inverted).
 */
static const struct resolve_addr *
resolve_embedded_v4(const struct resolve_addr *a, struct resolve_addr *v4)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t siit[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff };
	static const uint8_t zero[12];
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	const uint8_t	*p = NULL;
	int		 teredo = 0, i;

	if (a->family != AF_INET6)
		return a;
	if (memcmp(a->addr, mapped, 12) == 0 ||
	    memcmp(a->addr, siit, 12) == 0 ||
	    memcmp(a->addr, nat64, 12) == 0)
		p = a->addr + 12;
	else if (memcmp(a->addr, zero, 12) == 0 &&
	    ((a->addr[12] | a->addr[13] | a->addr[14]) != 0 ||
	    a->addr[15] > 1))
		p = a->addr + 12;	/* ::a.b.c.d, not :: or ::1 */
	else if (a->addr[0] == 0x20 && a->addr[1] == 0x02)
		p = a->addr + 2;	/* 6to4 */
	else if (a->addr[0] == 0x20 && a->addr[1] == 0x01 &&
	    a->addr[2] == 0 && a->addr[3] == 0) {
		p = a->addr + 12;	/* Teredo: 2001::/32 */
		teredo = 1;
	}
	if (p == NULL)
		return a;
	memset(v4, 0, sizeof(*v4));
	v4->family = AF_INET;
	memcpy(v4->addr, p, 4);
	for (i = 0; teredo && i < 4; i++)
		v4->addr[i] ^= 0xff;
	return v4;
}

/* The class of an address that is not on the open internet, or NULL. */
static const char *
resolve_classify(const struct resolve_addr *a)
{
	static const uint8_t md6[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0x02, 0x54 };
	static const uint8_t zero[16];
	const uint8_t	*b = a->addr;
	uint32_t	 v;

	if (a->family == AF_INET) {
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
		if (v == 0xa9fea9fe)			/* 169.254.169.254 */
			return "metadata";
		if (b[0] == 0)				/* 0.0.0.0/8 */
			return "unspecified";
		if (b[0] == 127)
			return "loopback";
		if (b[0] == 10 || (v & 0xfff00000) == 0xac100000 ||
		    (v & 0xffff0000) == 0xc0a80000)
			return "private";
		if ((v & 0xffff0000) == 0xa9fe0000)
			return "link-local";
		if ((v & 0xffc00000) == 0x64400000)	/* 100.64.0.0/10 */
			return "cgnat";
		if ((v & 0xf0000000) == 0xe0000000)
			return "multicast";
		if ((v & 0xf0000000) == 0xf0000000)	/* and broadcast */
			return "reserved";
		return NULL;
	}
	if (memcmp(b, md6, 16) == 0)
		return "metadata";
	if (memcmp(b, zero, 16) == 0)
		return "unspecified";
	if (memcmp(b, zero, 15) == 0 && b[15] == 1)
		return "loopback";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "site-local";
	if ((b[0] & 0xfe) == 0xfc)
		return "unique-local";
	/* Local-use NAT64 (RFC 8215): where the IPv4 sits is the site's. */
	if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    b[4] == 0 && b[5] == 1)
		return "translated";
	if (b[0] == 0xff)
		return "multicast";
	return NULL;
}

/*
 * Does a (the address dialled, or the IPv4 inside it), at port, name one
 * of the service's own listeners?  A listener bound to a wildcard
 * address takes every loopback address at its port; the host's other
 * addresses are not known here.
 */
static const struct resolve_self *
resolve_self_find(const struct resolve_conf *rc, const struct resolve_addr *a,
    uint16_t port)
{
	const struct resolve_self	*s;
	const char			*class;
	size_t				 i;

	for (i = 0; rc != NULL && i < rc->nself; i++) {
		s = &rc->self[i];
		if (s->port != port)
			continue;
		if (s->addr.family == a->family &&
		    memcmp(s->addr.addr, a->addr, sizeof(a->addr)) == 0)
			return s;
		class = resolve_classify(&s->addr);
		if (class != NULL && strcmp(class, "unspecified") == 0 &&
		    (class = resolve_classify(a)) != NULL &&
		    strcmp(class, "loopback") == 0)
			return s;
	}
	return NULL;
}

static int
resolve_in_net(const struct resolve_addr *a, const struct resolve_net *n)
{
	unsigned int	 bits = n->prefix, i;
	uint8_t		 mask;

	if (a->family != n->net.family)
		return 0;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a->addr[i] != n->net.addr[i])
			return 0;
	if (bits == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits));
	return (a->addr[i] & mask) == (n->net.addr[i] & mask);
}

static void
resolve_from_sockaddr(const struct sockaddr *sa, struct resolve_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(a->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(a->addr,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

void
resolve_addr_to_sockaddr(const struct resolve_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
	}
}

int
resolve_addr_check(const struct resolve_conf *rc, const struct sockaddr *sa,
    const char **why)
{
	struct resolve_addr	 a, v4;
	const struct resolve_addr *eff;
	const struct resolve_self *self;
	const char		*class;
	uint16_t		 port;
	size_t			 i;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		*why = "not an internet address";
		return -1;
	}
	resolve_from_sockaddr(sa, &a);
	/* An IPv4 address in IPv6 clothing reaches the IPv4 host. */
	eff = resolve_embedded_v4(&a, &v4);
	port = ntohs(sa->sa_family == AF_INET ?
	    ((const struct sockaddr_in *)sa)->sin_port :
	    ((const struct sockaddr_in6 *)sa)->sin6_port);
	if ((self = resolve_self_find(rc, eff, port)) != NULL ||
	    (eff != &a && (self = resolve_self_find(rc, &a, port)) != NULL)) {
		*why = self->what;
		return -1;
	}
	if ((class = resolve_classify(eff)) == NULL)
		return 0;
	/* Cloud credentials, and "any address" that means this host. */
	if (strcmp(class, "metadata") == 0 ||
	    strcmp(class, "unspecified") == 0) {
		*why = class;
		return -1;
	}
	for (i = 0; rc != NULL && i < rc->nnets; i++)
		if (resolve_in_net(eff, &rc->nets[i]) ||
		    (eff != &a && resolve_in_net(&a, &rc->nets[i])))
			return 0;
	*why = class;
	return -1;
}

/*
 * Letters, digits, hyphens and underscores (SRV-style names are real),
 * labels of 1 to 63 bytes, 253 in all; one trailing dot is allowed.
 */
int
resolve_valid_name(const char *name)
{
	size_t	 len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > RESOLVE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* An IPv4 or IPv6 literal, IPv6 with or without brackets. */
static int
resolve_literal(const char *s, struct resolve_addr *a)
{
	char	 buf[INET6_ADDRSTRLEN + 2];
	size_t	 len = strlen(s);

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']' &&
	    len - 2 < sizeof(buf)) {
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

int
resolve_parse_addrport(const char *s, struct resolve_addr *a, uint16_t *port)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	const char	*colon, *errstr;
	long long	 p;

	*port = 0;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strlcpy(buf, s, sizeof(buf));
	if (buf[0] == '[') {
		/* [v6] or [v6]:port */
		if ((colon = strchr(buf, ']')) == NULL)
			return -1;
		if (colon[1] == ':') {
			p = strtonum(colon + 2, 1, 65535, &errstr);
			if (errstr != NULL)
				return -1;
			*port = (uint16_t)p;
		} else if (colon[1] != '\0')
			return -1;
		buf[colon - buf + 1] = '\0';
		if (resolve_literal(buf, a) == -1 || a->family != AF_INET6)
			return -1;
		return 0;
	}
	/* One colon: v4:port; more: a bare v6 address. */
	if ((colon = strchr(buf, ':')) != NULL && strchr(colon + 1, ':') ==
	    NULL) {
		p = strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL)
			return -1;
		*port = (uint16_t)p;
		buf[colon - buf] = '\0';
		if (resolve_literal(buf, a) == -1 || a->family != AF_INET)
			return -1;
		return 0;
	}
	return resolve_literal(buf, a);
}

int
resolve_parse_net(const char *s, struct resolve_net *n, const char **why)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	const char	*errstr;
	long long	 prefix;
	unsigned int	 i, bits;
	uint8_t		 mask;
	int		 max;

	memset(n, 0, sizeof(*n));
	*why = "is not an IPv4 or IPv6 network (ADDRESS/PREFIX)";
	if (strlen(s) >= sizeof(buf))
		return -1;
	strlcpy(buf, s, sizeof(buf));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (strchr(buf, '[') != NULL || resolve_literal(buf, &n->net) == -1)
		return -1;
	max = n->net.family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash != NULL) {
		prefix = strtonum(slash, 0, max, &errstr);
		if (errstr != NULL) {
			*why = n->net.family == AF_INET ?
			    "has a prefix length outside 0-32" :
			    "has a prefix length outside 0-128";
			return -1;
		}
	}
	n->prefix = (uint8_t)prefix;
	/* 10.0.0.1/8 means one address or a network: ask which. */
	for (i = 0, bits = n->prefix; i < 16; i++) {
		mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		bits = bits >= 8 ? bits - 8 : 0;
		if ((n->net.addr[i] & ~mask) != 0) {
			*why = "has bits set past its prefix length";
			return -1;
		}
	}
	return 0;
}

static int64_t
resolve_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
resolve_new_query(struct query *q, const char *name, int type)
{
	unsigned short	 id;

	if (q->buf != NULL)
		ares_free_string(q->buf);
	q->buf = NULL;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return -1;
	if (ares_create_query(name, ns_c_in, type, id, 1, &q->buf, &q->len,
	    0) != ARES_SUCCESS)
		return -1;
	q->type = type;
	return 0;
}

/* The question sections match; names compare without regard to case. */
static int
resolve_same_question(const unsigned char *a, const unsigned char *b,
    size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return 0;
	return 1;
}

/*
 * A reply for one of the queries: our id, a response, and our question
 * (names compared without regard to case).  Returns 1 when it settled a
 * query, 0 to keep waiting (someone else's or a broken packet).
 */
static int
resolve_reply(struct query *qs, size_t nq, const unsigned char *buf,
    size_t len)
{
	struct hostent		*he = NULL;
	struct ares_addrttl	 a4[RESOLVE_ADDRS_MAX];
	struct ares_addr6ttl	 a6[RESOLVE_ADDRS_MAX];
	struct query		*q = NULL;
	size_t			 i, qlen;
	int			 rcode, n = RESOLVE_ADDRS_MAX, rv, k;

	/* The header: id, QR (a response), TC, RCODE, one question. */
	if (len < NS_HFIXEDSZ || (buf[2] & 0x80) == 0 || buf[4] != 0 ||
	    buf[5] != 1)
		return 0;
	for (i = 0; i < nq && q == NULL; i++) {
		if (qs[i].state != Q_PENDING || qs[i].buf == NULL ||
		    buf[0] != qs[i].buf[0] || buf[1] != qs[i].buf[1])
			continue;
		qlen = (size_t)qs[i].len - NS_HFIXEDSZ;
		if (len >= NS_HFIXEDSZ + qlen && resolve_same_question(buf +
		    NS_HFIXEDSZ, qs[i].buf + NS_HFIXEDSZ, qlen))
			q = &qs[i];
	}
	if (q == NULL)
		return 0;
	if (buf[2] & 0x02) {
		q->truncated = 1;
		return 1;
	}
	rcode = buf[3] & 0x0f;
	if (rcode == ns_r_nxdomain) {
		q->state = Q_NXDOMAIN;
		return 1;
	}
	if (rcode != ns_r_noerror) {
		q->state = Q_FAILED;	/* SERVFAIL, REFUSED: next server */
		return 1;
	}
	if (q->type == ns_t_a)
		rv = ares_parse_a_reply(buf, (int)len, &he, a4, &n);
	else
		rv = ares_parse_aaaa_reply(buf, (int)len, &he, a6, &n);
	if (he != NULL)
		ares_free_hostent(he);
	if (rv == ARES_ENODATA) {
		/* The name exists, without an address of this family. */
		q->state = Q_DONE;
		return 1;
	}
	if (rv != ARES_SUCCESS) {
		q->state = Q_FAILED;
		return 1;
	}
	for (k = 0; k < n && q->naddrs < RESOLVE_ADDRS_MAX; k++) {
		struct resolve_addr	*a = &q->addrs[q->naddrs++];

		memset(a, 0, sizeof(*a));
		if (q->type == ns_t_a) {
			a->family = AF_INET;
			memcpy(a->addr, &a4[k].ipaddr, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->addr, &a6[k].ip6addr, 16);
		}
	}
	q->state = Q_DONE;
	return 1;
}

/*
 * One attempt: send every pending query to server over a fresh connected
 * UDP socket and read replies until they are settled or until the
 * attempt's end.  -1 when the server cannot be reached (no socket, or
 * an ICMP error such as port unreachable).
 */
static int
resolve_udp(const struct sockaddr_storage *server, struct query *qs,
    size_t nq, int64_t end)
{
	unsigned char	 buf[RESOLVE_UDP_MAX];
	struct pollfd	 pfd;
	socklen_t	 slen;
	ssize_t		 r;
	size_t		 i, pending;
	int64_t		 now;
	int		 fd, rv = 0;

	slen = server->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if ((fd = socket(server->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)server, slen) == -1) {
		close(fd);
		return -1;
	}
	/* An ICMP error from the first query can surface at the second. */
	for (i = 0; i < nq; i++)
		if (qs[i].state == Q_PENDING && !qs[i].truncated &&
		    send(fd, qs[i].buf, qs[i].len, 0) == -1 &&
		    errno != EAGAIN && errno != EINTR) {
			close(fd);
			return -1;
		}
	for (;;) {
		pending = 0;
		for (i = 0; i < nq; i++)
			if (qs[i].state == Q_PENDING && !qs[i].truncated)
				pending++;
		if (pending == 0 || (now = resolve_now_ms()) >= end)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		/* ICMP unreachable shows up here: this server is done. */
		if ((r = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			rv = -1;
			break;
		}
		resolve_reply(qs, nq, buf, (size_t)r);
	}
	close(fd);
	return rv;
}

/* Read or write all of len bytes before end; -1 otherwise. */
static int
resolve_tcp_io(int fd, unsigned char *buf, size_t len, int out, int64_t end)
{
	struct pollfd	 pfd;
	size_t		 done = 0;
	ssize_t		 r;
	int64_t		 now;

	while (done < len) {
		if ((now = resolve_now_ms()) >= end)
			return -1;
		pfd.fd = fd;
		pfd.events = out ? POLLOUT : POLLIN;
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		r = out ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
		    recv(fd, buf + done, len - done, 0);
		if (r == 0)
			return -1;
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* A truncated answer, asked again over TCP (RFC 7766). */
static int
resolve_tcp(const struct sockaddr_storage *server, struct query *q,
    int64_t end)
{
	unsigned char	*buf = NULL, hdr[2];
	struct pollfd	 pfd;
	socklen_t	 slen, elen = sizeof(int);
	size_t		 len;
	int64_t		 now;
	int		 fd, err = 0, rv = -1;

	slen = server->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if ((fd = socket(server->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)server, slen) == -1) {
		if (errno != EINPROGRESS)
			goto done;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if ((now = resolve_now_ms()) >= end ||
		    poll(&pfd, 1, (int)(end - now)) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
		    err != 0)
			goto done;
	}
	q->truncated = 0;
	hdr[0] = (unsigned char)(q->len >> 8);
	hdr[1] = (unsigned char)q->len;
	if (resolve_tcp_io(fd, hdr, 2, 1, end) == -1 ||
	    resolve_tcp_io(fd, q->buf, (size_t)q->len, 1, end) == -1 ||
	    resolve_tcp_io(fd, hdr, 2, 0, end) == -1)
		goto done;
	if ((len = (size_t)hdr[0] << 8 | hdr[1]) < NS_HFIXEDSZ ||
	    (buf = malloc(len)) == NULL ||
	    resolve_tcp_io(fd, buf, len, 0, end) == -1)
		goto done;
	if (resolve_reply(q, 1, buf, len) == 1 && !q->truncated)
		rv = 0;
 done:
	free(buf);
	close(fd);
	return rv;
}

/*
 * A and AAAA for name, asked of each server in turn until both are
 * settled or timeout_ms has passed; an answer for one family gives the
 * other a short grace, not the whole deadline.
 */
static int
resolve_dns(const struct resolve_conf *rc, const char *name,
    struct resolve_addr *out, size_t max, size_t *n, int timeout_ms,
    char *err, size_t errlen)
{
	struct query	 qs[2];
	int64_t		 start, end, tryend, now;
	size_t		 i, k, s, settled;
	int		 try, tries, per, rv = -1, failed = 0;

	*n = 0;
	memset(qs, 0, sizeof(qs));
	if (rc->nservers == 0) {
		snprintf(err, errlen, "no nameserver configured");
		return -1;
	}
	start = resolve_now_ms();
	end = start + timeout_ms;
	/* Every server gets at least two tries when the deadline allows. */
	per = timeout_ms / (int)(2 * rc->nservers);
	if (per < RESOLVE_TRY_MIN_MS)
		per = RESOLVE_TRY_MIN_MS;
	if (per > RESOLVE_TRY_MAX_MS)
		per = RESOLVE_TRY_MAX_MS;
	tries = timeout_ms / per + 1;
	for (try = 0; try < tries && (now = resolve_now_ms()) < end; try++) {
		s = (size_t)try % rc->nservers;
		for (i = 0; i < 2; i++) {
			if (qs[i].state == Q_FAILED)
				qs[i].state = Q_PENDING;
			if (qs[i].state == Q_PENDING &&
			    resolve_new_query(&qs[i], name,
			    i == 0 ? ns_t_a : ns_t_aaaa) == -1) {
				snprintf(err, errlen, "cannot make a DNS "
				    "query for %s", name);
				goto done;
			}
		}
		tryend = now + per < end ? now + per : end;
		if (resolve_udp(&rc->servers[s], qs, 2, tryend) == -1)
			failed++;
		for (i = 0; i < 2; i++)
			if (qs[i].state == Q_PENDING && qs[i].truncated)
				(void)resolve_tcp(&rc->servers[s], &qs[i],
				    end);
		/* A name that does not exist has no address of either family. */
		settled = 0;
		for (i = 0; i < 2; i++) {
			if (qs[i].state == Q_NXDOMAIN)
				settled = 2;
			else if (qs[i].state == Q_DONE)
				settled++;
		}
		if (settled >= 2)
			break;
		/* One family answered: the other gets a little longer. */
		if (qs[0].naddrs + qs[1].naddrs > 0 &&
		    end > resolve_now_ms() + RESOLVE_STRAGGLER_MS)
			end = resolve_now_ms() + RESOLVE_STRAGGLER_MS;
	}
	for (i = 0; i < 2; i++)
		for (k = 0; k < qs[i].naddrs && *n < max; k++)
			out[(*n)++] = qs[i].addrs[k];
	if (*n > 0)
		rv = 0;
	else if (qs[0].state == Q_NXDOMAIN || qs[1].state == Q_NXDOMAIN)
		snprintf(err, errlen, "no such host %s", name);
	else if (qs[0].state == Q_DONE && qs[1].state == Q_DONE)
		snprintf(err, errlen, "no address for host %s", name);
	else if (qs[0].state == Q_FAILED || qs[1].state == Q_FAILED)
		snprintf(err, errlen, "DNS server failure for %s", name);
	else if (failed == try)
		snprintf(err, errlen, "no nameserver reachable for %s", name);
	else
		snprintf(err, errlen, "DNS timeout for %s after %d ms", name,
		    (int)(resolve_now_ms() - start));
 done:
	for (i = 0; i < 2; i++)
		if (qs[i].buf != NULL)
			ares_free_string(qs[i].buf);
	return rv;
}

/* Checked addresses as sockaddrs; the first refusal names the reason. */
static int
resolve_collect(const struct resolve_conf *rc, const struct resolve_addr *a,
    size_t na, uint16_t port, struct sockaddr_storage *out, size_t max,
    size_t *n, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	char			 shown[INET6_ADDRSTRLEN];
	const char		*why;
	size_t			 i, refused = 0;

	*n = 0;
	for (i = 0; i < na && *n < max; i++) {
		resolve_addr_to_sockaddr(&a[i], port, &ss);
		if (resolve_addr_check(rc, (struct sockaddr *)&ss, &why) ==
		    -1) {
			if (refused++ == 0) {
				inet_ntop(a[i].family, a[i].addr, shown,
				    sizeof(shown));
				snprintf(err, errlen, "blocked address %s "
				    "(%s)", shown, why);
			}
			continue;
		}
		out[(*n)++] = ss;
	}
	if (*n == 0 && refused == 0)
		snprintf(err, errlen, "no address");
	return *n > 0 ? 0 : -1;
}

int
resolve_host(const struct resolve_conf *rc, const char *host, uint16_t port,
    struct sockaddr_storage *out, size_t max, size_t *n, int timeout_ms,
    char *err, size_t errlen)
{
	struct resolve_addr	 addrs[RESOLVE_ADDRS_MAX];
	char			 name[RESOLVE_NAME_MAX + 2];
	size_t			 len, na = 0, i;
	uint16_t		 pinport = 0;
	int			 pinned = 0;

	*n = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (max > RESOLVE_ADDRS_MAX)
		max = RESOLVE_ADDRS_MAX;
	/* Names compare without case and without the root's dot. */
	if ((len = strlcpy(name, host, sizeof(name))) >= sizeof(name)) {
		snprintf(err, errlen, "host name is too long");
		return -1;
	}
	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	for (i = 0; i < len; i++)
		name[i] = (char)tolower((unsigned char)name[i]);

	for (i = 0; i < rc->npins && na < RESOLVE_ADDRS_MAX; i++)
		if (strcmp(rc->pins[i].host, name) == 0) {
			addrs[na++] = rc->pins[i].addr;
			/* Several lines for one host share the first's port. */
			if (!pinned)
				pinport = rc->pins[i].port;
			pinned = 1;
		}
	if (pinned)
		return resolve_collect(rc, addrs, na, pinport != 0 ? pinport :
		    port, out, max, n, err, errlen);
	if (resolve_literal(name, &addrs[0]) == 0)
		return resolve_collect(rc, addrs, 1, port, out, max, n, err,
		    errlen);
	if (!resolve_valid_name(name)) {
		snprintf(err, errlen, "invalid host name");
		return -1;
	}
	for (i = 0; i < rc->nhosts && na < RESOLVE_ADDRS_MAX; i++)
		if (strcmp(rc->names + rc->hosts[i].name, name) == 0)
			addrs[na++] = rc->hosts[i].addr;
	if (na == 0 && resolve_dns(rc, name, addrs, RESOLVE_ADDRS_MAX, &na,
	    timeout_ms, err, errlen) == -1)
		return -1;
	return resolve_collect(rc, addrs, na, port, out, max, n, err, errlen);
}
