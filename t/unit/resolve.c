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
 * resolve.c: tests of the worker's address rules (resolve_addr_check), of
 * the lookups that need no DNS (pins, literals, /etc/hosts), and of the
 * configuration lines that feed them.  DNS itself is t/resolve.t's.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "master/parse.h"
#include "worker/resolve.h"

#define STATEDIR	"/var/db/aileron"

static char	 dir[] = "/tmp/aileron-resolve-t.XXXXXX";
static char	 conf_path[256], hosts_path[256], err_path[256];
static char	 errs[8192];

/* Address, allow network lines, and the class it must get ("" = allowed). */
static const struct {
	const char	*addr;
	const char	*nets;
	const char	*want;
} checks[] = {
	{ "93.184.216.34",	"",			"" },
	{ "2606:2800:220:1::1",	"",			"" },
	{ "127.0.0.1",		"",			"loopback" },
	{ "127.255.1.2",	"",			"loopback" },
	{ "::1",		"",			"loopback" },
	{ "10.0.0.1",		"",			"private" },
	{ "172.16.0.1",		"",			"private" },
	{ "172.31.255.255",	"",			"private" },
	{ "172.32.0.1",		"",			"" },
	{ "192.168.1.1",	"",			"private" },
	{ "169.254.1.1",	"",			"link-local" },
	{ "fe80::1",		"",			"link-local" },
	{ "100.64.0.1",		"",			"cgnat" },
	{ "100.127.255.255",	"",			"cgnat" },
	{ "100.128.0.1",	"",			"" },
	{ "fd12:3456::1",	"",			"unique-local" },
	{ "fc00::1",		"",			"unique-local" },
	{ "fec0::1",		"",			"site-local" },
	{ "224.0.0.1",		"",			"multicast" },
	{ "ff02::1",		"",			"multicast" },
	{ "240.0.0.1",		"",			"reserved" },
	{ "255.255.255.255",	"",			"reserved" },
	{ "0.0.0.0",		"",			"unspecified" },
	{ "::",			"",			"unspecified" },
	{ "169.254.169.254",	"",			"metadata" },
	{ "fd00:ec2::254",	"",			"metadata" },
	/* IPv4 in IPv6 is the IPv4. */
	{ "::ffff:10.0.0.1",	"",			"private" },
	{ "::ffff:127.0.0.1",	"",			"loopback" },
	{ "::ffff:169.254.169.254", "",			"metadata" },
	{ "::ffff:93.184.216.34", "",			"" },
	{ "64:ff9b::a00:1",	"",			"private" },
	{ "2002:a00:1::1",	"",			"private" },
	/* allow network lets a class through, never metadata. */
	{ "10.0.0.1",		"10.0.0.0/8",		"" },
	{ "10.0.0.1",		"10.0.0.0/32",		"private" },
	{ "10.0.0.0",		"10.0.0.0/32",		"" },
	{ "127.0.0.1",		"127.0.0.0/8",		"" },
	{ "::ffff:127.0.0.1",	"127.0.0.0/8",		"" },
	{ "::1",		"127.0.0.0/8",		"loopback" },
	{ "::1",		"::1/128",		"" },
	{ "fd12::1",		"fd00::/8",		"" },
	{ "fe80::1",		"fd00::/8",		"link-local" },
	{ "172.20.0.1",		"172.16.0.0/12",	"" },
	{ "172.32.0.1",		"172.16.0.0/12",	"" },
	{ "192.168.1.1",	"192.168.1.128/25",	"private" },
	{ "192.168.1.200",	"192.168.1.128/25",	"" },
	{ "169.254.169.254",	"169.254.0.0/16",	"metadata" },
	{ "169.254.169.254",	"0.0.0.0/0",		"metadata" },
	{ "fd00:ec2::254",	"::/0",			"metadata" },
	{ "::ffff:169.254.169.254", "::/0 0.0.0.0/0",	"metadata" },
	{ "0.0.0.0",		"0.0.0.0/0",		"unspecified" },
	{ "10.0.0.1",		"0.0.0.0/0",		"" },
	/* Other ways to carry an IPv4 address, or to reach one. */
	{ "::7f00:1",		"",			"loopback" },
	{ "::127.0.0.2",	"",			"loopback" },
	{ "::0.0.0.2",		"",			"unspecified" },
	{ "::ffff:0:7f00:1",	"",			"loopback" },
	{ "64:ff9b:1::7f00:1",	"",			"translated" },
	{ "64:ff9b:1::7f00:1",	"64:ff9b:1::/48",	"" },
	{ "2001:0:4136:e378:8000:63bf:80ff:fffe", "",	"loopback" },
	{ "::ffff:0.0.0.0",	"0.0.0.0/0 ::/0",	"unspecified" },
	{ "64:ff9b::a9fe:a9fe",	"64:ff9b::/96",		"metadata" },
	{ "2002:a9fe:a9fe::",	"2002::/16",		"metadata" },
};

/* Bad lines and the message each must draw (the file's name goes first). */
static const struct {
	const char	*text;
	const char	*want;
} bads[] = {
	{ "resolve \"x.test\"\n", ":1: missing an address after "
	    "\"resolve x.test\"\n" },
	{ "resolve \"bad name\" 127.0.0.1:1\n", ":1: host \"bad name\" is "
	    "not a valid host name\n" },
	{ "resolve \"x.test\" 127.0.0.1:0\n", ":1: address \"127.0.0.1:0\" "
	    "is not ADDRESS, ADDRESS:PORT or [IPv6]:PORT\n" },
	{ "resolve \"x.test\" localhost:80\n", ":1: address \"localhost:80\" "
	    "is not ADDRESS, ADDRESS:PORT or [IPv6]:PORT\n" },
	{ "resolve \"x.test\" [::1:80\n", ":1: address \"[::1:80\" is not "
	    "ADDRESS, ADDRESS:PORT or [IPv6]:PORT\n" },
	{ "nameserver 1.2.3.4:99999\n", ":1: nameserver \"1.2.3.4:99999\" is "
	    "not ADDRESS, ADDRESS:PORT or [IPv6]:PORT\n" },
	{ "allow network 10.0.0.1/8\n", ":1: network \"10.0.0.1/8\" has bits "
	    "set past its prefix length\n" },
	{ "allow network 10.0.0.0/33\n", ":1: network \"10.0.0.0/33\" has a "
	    "prefix length outside 0-32\n" },
	{ "allow network ::/129\n", ":1: network \"::/129\" has a prefix "
	    "length outside 0-128\n" },
	{ "allow network example.com\n", ":1: network \"example.com\" is not "
	    "an IPv4 or IPv6 network (ADDRESS/PREFIX)\n" },
	{ "allow everything\n", ":1: expected \"network\" or \"host\" after "
	    "\"allow\", got \"everything\"\n" },
	{ "allow host \"*\"\n", ":1: host \"*\" is not a valid host name or "
	    "*.domain\n" },
	{ "egress maybe\n", ":1: egress \"maybe\": use \"allow\" or "
	    "\"deny\"\n" },
	{ "intercept some\n", ":1: expected \"all\" after \"intercept\", got "
	    "\"some\"\n" },
	{ "upstream ca \"/nonexistent/ca.pem\"\n", ":1: upstream ca "
	    "\"/nonexistent/ca.pem\": No such file or directory\n" },
	{ "upstream ca \"/tmp\"\n", ":1: upstream ca \"/tmp\" is not a "
	    "regular file\n" },
	{ "timeout header 0\n", ":1: timeout header \"0\" is out of range "
	    "(1-300)\n" },
	{ "timeout idle 3601\n", ":1: timeout idle \"3601\" is out of range "
	    "(1-3600)\n" },
	{ "timeout upstream soon\n", ":1: timeout upstream \"soon\" is not a "
	    "number\n" },
	{ "timeout body 5\n", ":1: unknown timeout \"body\"; use \"header\", "
	    "\"idle\" or \"upstream\"\n" },
	{ "# two errors\negress\ntimeout idle\n", ":2: missing \"allow\" or "
	    "\"deny\" after \"egress\"\n:3: missing a number of seconds after "
	    "\"timeout idle\"\n" },
};

static void	 write_file(const char *, const char *);
static struct aileron_conf *parse_text(const char *);
static struct resolve_conf *conf_with_nets(const char *);
static void	 test_checks(void);
static void	 test_self(void);
static void	 test_parse_good(void);
static void	 test_parse_bad(void);
static void	 test_lookup(void);
static void	 test_host_allowed(void);
static void	 test_resolv_conf(void);

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) == EOF) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Parse text as conf_path; stderr goes to errs. */
static struct aileron_conf *
parse_text(const char *text)
{
	struct aileron_conf	*conf;
	ssize_t			 n;
	int			 efd, saved;

	write_file(conf_path, text);
	if ((efd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(efd, STDERR_FILENO) == -1) {
		printf("Bail out! capture: %s\n", strerror(errno));
		exit(1);
	}
	conf = conf_parse(conf_path, STATEDIR, 1);
	fflush(stderr);
	if ((n = pread(efd, errs, sizeof(errs) - 1, 0)) < 0)
		n = 0;
	errs[n] = '\0';
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(efd);
	return conf;
}

/* A resolver configuration with the allow network lines in nets. */
static struct resolve_conf *
conf_with_nets(const char *nets)
{
	struct aileron_conf	*conf;
	struct resolve_conf	*rc;
	char			 text[1024], buf[256], *p, *w;

	text[0] = '\0';
	strlcpy(buf, nets, sizeof(buf));
	for (p = buf; (w = strsep(&p, " ")) != NULL;) {
		if (*w == '\0')
			continue;
		strlcat(text, "allow network ", sizeof(text));
		strlcat(text, w, sizeof(text));
		strlcat(text, "\n", sizeof(text));
	}
	if ((conf = parse_text(text)) == NULL) {
		printf("Bail out! %s: %s", text, errs);
		exit(1);
	}
	rc = resolvconf_build(conf, NULL, NULL);
	conf_free(conf);
	return rc;
}

static void
test_checks(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct resolve_conf	*rc;
	const char		*why;
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		rc = conf_with_nets(checks[i].nets);
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, checks[i].addr, &sin->sin_addr) == 1)
			sin->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, checks[i].addr,
		    &sin6->sin6_addr) == 1)
			sin6->sin6_family = AF_INET6;
		why = "";
		rv = resolve_addr_check(rc, (struct sockaddr *)&ss, &why);
		if (checks[i].want[0] == '\0')
			ok(rv == 0, "%s allowed%s%s", checks[i].addr,
			    checks[i].nets[0] ? " with allow network " : "",
			    checks[i].nets);
		else
			ok(rv == -1 && strcmp(why, checks[i].want) == 0,
			    "%s refused as %s%s%s (got %d, %s)",
			    checks[i].addr, checks[i].want,
			    checks[i].nets[0] ? " with allow network " : "",
			    checks[i].nets, rv, rv == 0 ? "allowed" : why);
		resolvconf_free(rc);
	}
}

/*
 * The service's own listeners, refused whatever allow network says: an
 * exact address and port, and a wildcard bind at every loopback address.
 */
static void
test_self(void)
{
	static const struct {
		const char	*addr;
		uint16_t	 port;
		const char	*want;	/* "" allowed */
	} dials[] = {
		{ "127.0.0.1", 8080, "web" },
		{ "::ffff:127.0.0.1", 8080, "web" },
		{ "127.0.0.1", 8081, "" },
		{ "127.0.0.2", 8080, "" },
		{ "127.0.0.9", 3128, "proxy" },
		{ "::1", 3128, "proxy" },
		{ "10.0.0.1", 3128, "" },
		{ "10.0.0.1", 8080, "" },
	};
	struct resolve_self	 self[2];
	struct resolve_conf	*rc;
	struct resolve_addr	 a;
	struct sockaddr_storage	 ss;
	const char		*why;
	uint16_t		 port;
	size_t			 i;
	int			 rv;

	memset(self, 0, sizeof(self));
	resolve_parse_addrport("127.0.0.1:8080", &self[0].addr,
	    &self[0].port);
	strlcpy(self[0].what, "web", sizeof(self[0].what));
	resolve_parse_addrport("0.0.0.0:3128", &self[1].addr, &self[1].port);
	strlcpy(self[1].what, "proxy", sizeof(self[1].what));
	rc = conf_with_nets("127.0.0.0/8 ::1/128 10.0.0.0/8");
	rc->self = self;
	rc->nself = 2;
	for (i = 0; i < sizeof(dials) / sizeof(dials[0]); i++) {
		if (resolve_parse_addrport(dials[i].addr, &a, &port) == -1) {
			ok(0, "%s parses", dials[i].addr);
			continue;
		}
		resolve_addr_to_sockaddr(&a, dials[i].port, &ss);
		why = "";
		rv = resolve_addr_check(rc, (struct sockaddr *)&ss, &why);
		if (dials[i].want[0] == '\0')
			ok(rv == 0, "%s port %u allowed (%s)", dials[i].addr,
			    dials[i].port, rv == 0 ? "" : why);
		else
			ok(rv == -1 && strcmp(why, dials[i].want) == 0,
			    "%s port %u refused as our %s listener (%s)",
			    dials[i].addr, dials[i].port, dials[i].want,
			    rv == 0 ? "allowed" : why);
	}
	rc->self = NULL;
	rc->nself = 0;
	resolvconf_free(rc);
}

static void
test_parse_good(void)
{
	struct aileron_conf	*conf;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 ca[300], text[2048];

	conf = parse_text("");
	ok(conf != NULL && conf->proxy.egress_deny == 0 &&
	    conf->proxy.intercept_all == 0 &&
	    conf->proxy.upstream_ca[0] == '\0' &&
	    conf->proxy.timeout_header == 10 &&
	    conf->proxy.timeout_idle == 60 &&
	    conf->proxy.timeout_upstream == 300 && conf->npins == 0 &&
	    conf->nnets == 0 && conf->nnameservers == 0,
	    "defaults: egress allow, connector hosts only, system CAs, "
	    "timeouts 10, 60, 300");
	conf_free(conf);

	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	write_file(ca, "not checked here\n");
	snprintf(text, sizeof(text),
	    "resolve \"API.Example.COM.\" 127.0.0.1:8443\n"
	    "resolve \"api.example.com\" [::1]:8444\n"
	    "resolve \"v6.example.com\" 2001:db8::1\n"
	    "nameserver 127.0.0.1:5353\n"
	    "nameserver [::1]\n"
	    "nameserver 192.0.2.53\n"
	    "allow network 127.0.0.0/8\n"
	    "allow network fd00::/8\n"
	    "allow network 10.1.2.3\n"
	    "egress deny\n"
	    "allow host \"github.com\"\n"
	    "allow host \"*.Example.org\"\n"
	    "intercept all\n"
	    "upstream ca \"ca.pem\"\n"
	    "timeout header 5\n"
	    "timeout idle 120\n"
	    "timeout upstream 900\n");
	conf = parse_text(text);
	ok(conf != NULL, "every proxy line parses");
	is_str(errs, "", "and draws no message");
	if (conf == NULL) {
		skip(12, "no configuration");
		return;
	}
	is((long long)conf->npins, 3, "three resolve lines");
	ok(strcmp(conf->pins[0].host, "api.example.com") == 0 &&
	    conf->pins[0].port == 8443 && conf->pins[0].addr.family ==
	    AF_INET, "resolve: lower case, no root dot, v4 and port");
	ok(conf->pins[1].addr.family == AF_INET6 && conf->pins[1].port ==
	    8444 && conf->pins[2].port == 0, "[v6]:port, and v6 without one");
	is((long long)conf->nnameservers, 3, "three nameserver lines");
	sin = (struct sockaddr_in *)&conf->nameservers[0];
	sin6 = (struct sockaddr_in6 *)&conf->nameservers[1];
	ok(sin->sin_family == AF_INET && ntohs(sin->sin_port) == 5353 &&
	    sin6->sin6_family == AF_INET6 && ntohs(sin6->sin6_port) == 53 &&
	    ntohs(((struct sockaddr_in *)&conf->nameservers[2])->sin_port) ==
	    53, "nameserver: a port, or 53");
	ok(conf->nnets == 3 && conf->nets[0].prefix == 8 &&
	    conf->nets[1].prefix == 8 && conf->nets[2].prefix == 32,
	    "allow network: v4, v6, and one address as /32");
	ok(conf->proxy.egress_deny == 1 && conf->proxy.nallow_hosts == 2 &&
	    strcmp(conf->proxy.allow_hosts[1], "*.example.org") == 0,
	    "egress deny and allow host lines, lower case");
	ok(conf->proxy.intercept_all == 1, "intercept all");
	is_str(conf->proxy.upstream_ca, ca,
	    "upstream ca: relative to the file's directory");
	ok(conf->proxy.timeout_header == 5 && conf->proxy.timeout_idle ==
	    120 && conf->proxy.timeout_upstream == 900, "timeouts");
	conf_free(conf);

	conf = parse_text("egress deny\negress allow\n");
	ok(conf != NULL && conf->proxy.egress_deny == 0,
	    "the last egress line wins");
	conf_free(conf);
	unlink(ca);
}

static void
test_parse_bad(void)
{
	struct aileron_conf	*conf;
	char			 want[1024], name[64];
	const char		*line, *nl;
	size_t			 i, k;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		strlcpy(name, bads[i].text, sizeof(name));
		for (k = 0; name[k] != '\0'; k++)
			if (name[k] == '\n')
				name[k] = '|';
		want[0] = '\0';
		for (line = bads[i].want; *line != '\0'; line = nl + 1) {
			nl = strchr(line, '\n');
			strlcat(want, conf_path, sizeof(want));
			strncat(want, line, nl - line + 1);
		}
		conf = parse_text(bads[i].text);
		ok(conf == NULL, "rejected: %s", name);
		is_str(errs, want, "message: %s", name);
		conf_free(conf);
	}
}

/* Lookups that never reach DNS: no nameserver answers in this test. */
static void
test_lookup(void)
{
	struct aileron_conf	*conf;
	struct resolve_conf	*rc;
	struct sockaddr_storage	 out[RESOLVE_ADDRS_MAX];
	struct sockaddr_in	*sin = (struct sockaddr_in *)&out[0];
	char			 err[256], addr[64];
	size_t			 n;
	int			 rv;

	write_file(hosts_path,
	    "# comment\n"
	    "127.0.0.1\tlocalhost\n"
	    "192.0.2.10   files.test  Alias.Test  # trailing\n"
	    "10.9.9.9 inner.test\n"
	    "not-an-address bogus.test\n"
	    "fe80::1%eth0 scoped.test\n"
	    "2001:db8::10 files.test\n");
	conf = parse_text("resolve \"pin.test\" 192.0.2.20:8443\n"
	    "resolve \"files.test\" 192.0.2.30\n"
	    "resolve \"loop.test\" 127.0.0.1:1234\n"
	    "resolve \"md.test\" 169.254.169.254:80\n"
	    "nameserver 127.0.0.1:9\n");
	if (conf == NULL || (rc = resolvconf_build(conf, NULL,
	    hosts_path)) == NULL) {
		printf("Bail out! lookup configuration: %s", errs);
		exit(1);
	}
	is((long long)rc->nhosts, 5, "hosts: five name-address pairs kept");

	rv = resolve_host(rc, "pin.test", 443, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	ok(rv == 0 && n == 1 && strcmp(addr, "192.0.2.20") == 0 &&
	    ntohs(sin->sin_port) == 8443, "a pin gives its address and port");
	rv = resolve_host(rc, "files.test", 443, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	ok(rv == 0 && n == 1 && strcmp(addr, "192.0.2.30") == 0 &&
	    ntohs(sin->sin_port) == 443,
	    "a pin wins over /etc/hosts and keeps the port asked");
	rv = resolve_host(rc, "ALIAS.test.", 80, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	ok(rv == 0 && n == 1 && strcmp(addr, "192.0.2.10") == 0,
	    "/etc/hosts aliases, without case or root dot");
	rv = resolve_host(rc, "inner.test", 443, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	ok(rv == -1 && strcmp(err, "blocked address 10.9.9.9 (private)") == 0,
	    "an /etc/hosts address is checked too (%s)", err);
	rv = resolve_host(rc, "loop.test", 443, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	ok(rv == -1 && strcmp(err, "blocked address 127.0.0.1 (loopback)") ==
	    0, "a pin is checked: loopback needs allow network (%s)", err);
	rv = resolve_host(rc, "md.test", 443, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	ok(rv == -1 && strstr(err, "(metadata)") != NULL,
	    "a pin to the metadata address is refused (%s)", err);
	rv = resolve_host(rc, "192.0.2.40", 443, out, RESOLVE_ADDRS_MAX, &n,
	    100, err, sizeof(err));
	ok(rv == 0 && n == 1, "an address literal needs no lookup");
	rv = resolve_host(rc, "[::ffff:10.0.0.1]", 443, out,
	    RESOLVE_ADDRS_MAX, &n, 100, err, sizeof(err));
	ok(rv == -1 && strstr(err, "(private)") != NULL,
	    "a bracketed v4-mapped literal is judged as its IPv4 (%s)", err);
	rv = resolve_host(rc, "bad_name..test", 443, out, RESOLVE_ADDRS_MAX,
	    &n, 100, err, sizeof(err));
	ok(rv == -1 && strcmp(err, "invalid host name") == 0,
	    "an invalid name is refused before any query (%s)", err);
	rv = resolve_host(rc, "a\r\nb", 443, out, RESOLVE_ADDRS_MAX, &n, 100,
	    err, sizeof(err));
	ok(rv == -1 && strcmp(err, "invalid host name") == 0,
	    "CR LF in a name is refused");
	resolvconf_free(rc);
	conf_free(conf);
	unlink(hosts_path);
}

static void
test_host_allowed(void)
{
	struct aileron_conf	*conf;

	conf = parse_text("allow host \"github.com\"\n");
	ok(conf != NULL && conf_host_allowed(&conf->proxy, "evil.test"),
	    "egress allow: every host may be tunnelled");
	conf_free(conf);
	conf = parse_text("egress deny\nallow host \"github.com\"\n"
	    "allow host \"*.example.org\"\n");
	if (conf == NULL) {
		skip(6, "no configuration");
		return;
	}
	ok(conf_host_allowed(&conf->proxy, "github.com"), "listed host");
	ok(conf_host_allowed(&conf->proxy, "GitHub.com."),
	    "listed host, without case or root dot");
	ok(!conf_host_allowed(&conf->proxy, "api.github.com"),
	    "a listed host's subdomain is not listed");
	ok(!conf_host_allowed(&conf->proxy, "notgithub.com"),
	    "a suffix that is not a label is not the host");
	ok(conf_host_allowed(&conf->proxy, "a.b.example.org"),
	    "*.example.org: any name under it");
	ok(!conf_host_allowed(&conf->proxy, "example.org") &&
	    !conf_host_allowed(&conf->proxy, "badexample.org"),
	    "*.example.org: not the apex, not a longer label");
	conf_free(conf);
}

/* nameserver lines of resolv.conf, unless the configuration has its own. */
static void
test_resolv_conf(void)
{
	struct aileron_conf	*conf;
	struct resolve_conf	*rc;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 path[300], a[INET6_ADDRSTRLEN];

	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	write_file(path, "# nameserver 192.0.2.1\n"
	    "search example.com\n"
	    "nameserver 192.0.2.53\n"
	    "nameserver\tfe80::1%eth0\n"
	    "nameserver 2001:db8::53\n"
	    "options ndots:5\n");
	conf = parse_text("");
	rc = resolvconf_build(conf, path, NULL);
	ok(rc != NULL && rc->nservers == 2, "resolv.conf: two nameservers, "
	    "a comment and a scoped address skipped");
	if (rc != NULL && rc->nservers == 2) {
		sin = (struct sockaddr_in *)&rc->servers[0];
		sin6 = (struct sockaddr_in6 *)&rc->servers[1];
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		ok(sin->sin_family == AF_INET && ntohs(sin->sin_port) == 53 &&
		    sin->sin_addr.s_addr == htonl(0xc0000235) &&
		    sin6->sin6_family == AF_INET6 &&
		    ntohs(sin6->sin6_port) == 53 &&
		    strcmp(a, "2001:db8::53") == 0,
		    "in order, IPv4 and IPv6, port 53");
	} else
		skip(1, "no nameservers");
	resolvconf_free(rc);
	conf_free(conf);

	conf = parse_text("nameserver 127.0.0.1:5353\n");
	rc = resolvconf_build(conf, path, NULL);
	sin = rc != NULL ? (struct sockaddr_in *)&rc->servers[0] : NULL;
	ok(rc != NULL && rc->nservers == 1 && ntohs(sin->sin_port) == 5353,
	    "nameserver lines replace resolv.conf's");
	resolvconf_free(rc);
	conf_free(conf);

	unlink(path);
	conf = parse_text("");
	rc = resolvconf_build(conf, path, NULL);
	sin = rc != NULL ? (struct sockaddr_in *)&rc->servers[0] : NULL;
	ok(rc != NULL && rc->nservers == 1 &&
	    sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	    ntohs(sin->sin_port) == 53,
	    "no resolv.conf: 127.0.0.1 port 53, as the C library does");
	resolvconf_free(rc);
	conf_free(conf);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(conf_path, sizeof(conf_path), "%s/r.conf", dir);
	snprintf(hosts_path, sizeof(hosts_path), "%s/hosts", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	test_checks();
	test_self();
	test_parse_good();
	test_parse_bad();
	test_lookup();
	test_host_allowed();
	test_resolv_conf();
	unlink(conf_path);
	unlink(err_path);
	rmdir(dir);
	return done_testing();
}
