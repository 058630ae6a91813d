/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* parse.c: tests of the aileron.conf(5) parser, its messages and limits. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "master/parse.h"

#define STATEDIR	"/var/db/aileron"
#define ERRS_MAX	65536

static char	 conf_path[] = "/tmp/aileron-parse-t.XXXXXX";
static char	 err_path[] = "/tmp/aileron-parse-e.XXXXXX";
static char	 errs[ERRS_MAX];

static void	 write_file(const char *, const char *, size_t);
static int	 capture_begin(void);
static void	 capture_end(int);
static struct aileron_conf
		*parse_buf(const char *, size_t);
static struct aileron_conf
		*parse_text(const char *);
static const char
		*expand(const char *);
static void	 bad(const char *, const char *);
static int	 listen_is(const struct conf_listen *, int, const char *,
		    int);
static const struct conf_listen
		*listen_nth(const struct aileron_conf *, int);
static int	 count_listens(const struct aileron_conf *);
static int	 count_connectors(const struct aileron_conf *);
static void	 test_defaults(void);
static void	 test_missing(void);
static void	 test_directives(void);
static void	 test_listen(void);
static void	 test_lexer(void);
static void	 test_relative_spec(void);
static void	 test_warning(void);
static void	 test_bad(void);
static void	 test_teams(void);
static void	 test_all_errors(void);
static void	 test_workers_vs_prefork(void);
static void	 test_long_lines(void);
static void	 test_sample_and_man(void);
static void	 test_random(void);
static void	 test_policy_session(void);
static void	 test_approval(void);

static void
write_file(const char *path, const char *buf, size_t len)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600)) == -1 ||
	    write(fd, buf, len) != (ssize_t)len || close(fd) == -1) {
		diag("write %s: %s", path, strerror(errno));
		exit(1);
	}
}

/* Send stderr to err_path until capture_end() puts it back into errs. */
static int
capture_begin(void)
{
	int	 efd, saved;

	if ((efd = open(err_path, O_RDWR | O_TRUNC)) == -1 ||
	    (saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(efd, STDERR_FILENO) == -1) {
		printf("Bail out! capture %s: %s\n", err_path, strerror(errno));
		exit(1);
	}
	close(efd);
	return saved;
}

static void
capture_end(int saved)
{
	ssize_t	 n;

	fflush(stderr);
	if ((n = pread(STDERR_FILENO, errs, sizeof(errs) - 1, 0)) < 0)
		n = 0;
	errs[n] = '\0';
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* Parse buf as the file conf_path, catching stderr in errs. */
static struct aileron_conf *
parse_buf(const char *buf, size_t len)
{
	struct aileron_conf	*conf;
	int			 saved;

	write_file(conf_path, buf, len);
	saved = capture_begin();
	conf = conf_parse(conf_path, STATEDIR, 1);
	capture_end(saved);
	return conf;
}

static struct aileron_conf *
parse_text(const char *text)
{
	return parse_buf(text, strlen(text));
}

/* Expected messages are written ":3: msg"; the file's name goes in front. */
static const char *
expand(const char *want)
{
	static char	 buf[ERRS_MAX];
	const char	*line, *nl;

	buf[0] = '\0';
	for (line = want; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		if (*line == ':')
			strlcat(buf, conf_path, sizeof(buf));
		strncat(buf, line, nl - line + 1);
	}
	return buf;
}

/* text must fail with exactly the messages in want. */
static void
bad(const char *text, const char *want)
{
	struct aileron_conf	*conf;
	char			 name[80];
	size_t			 i;

	/* Name the case by its text, on one line. */
	strlcpy(name, text, sizeof(name));
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20)
			name[i] = '|';
	conf = parse_text(text);
	ok(conf == NULL, "rejected: %s", name);
	is_str(errs, expand(want), "message: %s", name);
	conf_free(conf);
}

static const struct conf_listen *
listen_nth(const struct aileron_conf *conf, int n)
{
	const struct conf_listen	*l;

	TAILQ_FOREACH(l, &conf->listens, entry)
		if (n-- == 0)
			return l;
	return NULL;
}

static int
count_listens(const struct aileron_conf *conf)
{
	const struct conf_listen	*l;
	int				 n = 0;

	TAILQ_FOREACH(l, &conf->listens, entry)
		n++;
	return n;
}

static int
count_connectors(const struct aileron_conf *conf)
{
	const struct conf_connector	*c;
	int				 n = 0;

	TAILQ_FOREACH(c, &conf->connectors, entry)
		n++;
	return n;
}

/* A listener has the family, the address (as inet_ntop prints it) and port. */
static int
listen_is(const struct conf_listen *l, int af, const char *addr, int port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 buf[INET6_ADDRSTRLEN];

	if (l == NULL || l->ss.ss_family != af)
		return 0;
	if (af == AF_INET) {
		sin = (const struct sockaddr_in *)&l->ss;
		inet_ntop(af, &sin->sin_addr, buf, sizeof(buf));
		return l->sslen == sizeof(*sin) && strcmp(buf, addr) == 0 &&
		    ntohs(sin->sin_port) == port;
	}
	sin6 = (const struct sockaddr_in6 *)&l->ss;
	inet_ntop(af, &sin6->sin6_addr, buf, sizeof(buf));
	return l->sslen == sizeof(*sin6) && strcmp(buf, addr) == 0 &&
	    ntohs(sin6->sin6_port) == port;
}

static void
test_defaults(void)
{
	struct aileron_conf	*conf;

	conf = conf_defaults("/st");
	ok(conf != NULL, "defaults: built");
	if (conf == NULL)
		exit(1);
	is(count_listens(conf), 1, "defaults: one listener");
	ok(listen_is(listen_nth(conf, 0), AF_INET, "127.0.0.1", 8443),
	    "defaults: 127.0.0.1 port 8443");
	is_str(listen_nth(conf, 0)->name, "127.0.0.1 port 8443",
	    "defaults: listener name");
	ok(conf_is_loopback(listen_nth(conf, 0)), "defaults: loopback");
	is_str(conf->api_socket, "/st/api.sock", "defaults: api socket");
	is(conf->prefork, 4, "defaults: prefork 4");
	is(conf->max_workers, 64, "defaults: max workers 64");
	is_str(conf->user, "_aileron", "defaults: user _aileron");
	is_str(conf->control_user, "_aileron-control",
	    "defaults: control user _aileron-control");
	is_str(conf->vault_user, "_aileron-vault",
	    "defaults: vault user _aileron-vault");
	is(count_connectors(conf), 0, "defaults: no connectors");
	is(conf->verbose, 0, "defaults: log info");
	conf_free(conf);

	conf = parse_text("");
	ok(conf != NULL && errs[0] == '\0', "empty file: no complaint");
	ok(conf != NULL && conf->prefork == 4 && count_listens(conf) == 1 &&
	    strcmp(conf->api_socket, STATEDIR "/api.sock") == 0,
	    "empty file: defaults");
	conf_free(conf);

	conf = parse_text("\n\n# nothing but comments\n   \t\n  # indented\n");
	ok(conf != NULL && errs[0] == '\0', "comments and blanks only");
	conf_free(conf);

	conf_free(NULL);
	ok(1, "conf_free(NULL) is harmless");
}

static void
test_missing(void)
{
	struct aileron_conf	*conf;
	const char		*path = "/tmp/aileron-no-such-dir/x.conf";
	int			 saved;

	saved = capture_begin();
	conf = conf_parse(path, STATEDIR, 0);
	capture_end(saved);
	ok(conf != NULL && conf->prefork == 4 && count_listens(conf) == 1,
	    "missing file, must_exist 0: defaults");
	is_str(errs, "", "missing file, must_exist 0: no complaint");
	conf_free(conf);

	saved = capture_begin();
	conf = conf_parse(path, STATEDIR, 1);
	capture_end(saved);
	ok(conf == NULL, "missing file, must_exist 1: refused");
	ok(strstr(errs, path) != NULL && strstr(errs, "No such file") != NULL,
	    "missing file, must_exist 1: says which and why");
	conf_free(conf);

	saved = capture_begin();
	conf = conf_parse("/tmp", STATEDIR, 0);
	capture_end(saved);
	ok(conf == NULL && strstr(errs, "cannot read configuration file /tmp")
	    != NULL, "a directory is refused as unreadable");
	conf_free(conf);

	saved = capture_begin();
	conf = conf_defaults(NULL);
	capture_end(saved);
	ok(conf == NULL, "defaults: no state directory refused");
}

static void
test_directives(void)
{
	struct aileron_conf		*conf;
	const struct conf_connector	*c;

	conf = parse_text(
	    "listen on 127.0.0.1 port 9000\n"
	    "api socket \"/run/aileron/api.sock\"\n"
	    "prefork 8\n"
	    "max workers 128\n"
	    "user \"_proxy\"\n"
	    "control user \"_proxy-control\"\n"
	    "vault user _proxy-vault\n"
	    "connector \"linear\" spec "
	    "\"/usr/share/aileron/specs/linear.json\"\n"
	    "connector slack spec /specs/slack.json\n"
	    "log debug\n");
	ok(conf != NULL, "every directive: parsed");
	is_str(errs, "", "every directive: no messages");
	if (conf == NULL)
		return;
	is(count_listens(conf), 1, "listen replaces the default");
	ok(listen_is(listen_nth(conf, 0), AF_INET, "127.0.0.1", 9000),
	    "listen on 127.0.0.1 port 9000");
	is_str(listen_nth(conf, 0)->name, "127.0.0.1 port 9000",
	    "listener name as written");
	is_str(conf->api_socket, "/run/aileron/api.sock", "api socket");
	is(conf->prefork, 8, "prefork 8");
	is(conf->max_workers, 128, "max workers 128");
	is_str(conf->user, "_proxy", "user");
	is_str(conf->control_user, "_proxy-control", "control user");
	is_str(conf->vault_user, "_proxy-vault", "vault user, unquoted");
	is(count_connectors(conf), 2, "two connectors");
	c = TAILQ_FIRST(&conf->connectors);
	is_str(c->name, "linear", "connector 1 name");
	is_str(c->spec, "/usr/share/aileron/specs/linear.json",
	    "connector 1 spec");
	c = TAILQ_NEXT(c, entry);
	is_str(c->name, "slack", "connector 2 name, unquoted");
	is_str(c->spec, "/specs/slack.json", "connector 2 spec, unquoted");
	is(conf->verbose, 1, "log debug");
	conf_free(conf);

	conf = parse_text("log debug\nlog info\n");
	ok(conf != NULL && conf->verbose == 0, "log info after log debug");
	conf_free(conf);

	conf = parse_text("prefork 1\nmax workers 1\n");
	ok(conf != NULL && conf->prefork == 1 && conf->max_workers == 1,
	    "prefork 1, max workers 1: the lower bounds");
	conf_free(conf);
	conf = parse_text("max workers 4096\nprefork 256\n");
	ok(conf != NULL && conf->prefork == 256 && conf->max_workers == 4096,
	    "prefork 256, max workers 4096: the upper bounds");
	conf_free(conf);

	conf = parse_text("user _\n");
	ok(conf != NULL && strcmp(conf->user, "_") == 0, "user of one _");
	conf_free(conf);
	conf = parse_text("user abcdefghij-abcdefghij_abcdefghi\n");
	ok(conf != NULL && strlen(conf->user) == 31, "user of 31 characters");
	conf_free(conf);
	conf = parse_text("connector \"a123456789b123456789c123456789"
	    "d123456789e123456789f123456789abc\" spec /x\n");
	ok(conf != NULL &&
	    strlen(TAILQ_FIRST(&conf->connectors)->name) == 63,
	    "connector name of 63 characters");
	conf_free(conf);
}

static void
test_listen(void)
{
	struct aileron_conf	*conf;
	struct conf_listen	 l;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&l.ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&l.ss;

	conf = parse_text(
	    "listen on localhost port 8443\n"
	    "listen on ::1 port 8443\n"
	    "listen on 127.0.0.1 port 0\n"
	    "listen on 127.0.0.1 port 0\n"
	    "listen on 127.0.0.2 port 8443\n");
	ok(conf != NULL && errs[0] == '\0', "five listeners parsed quietly");
	if (conf == NULL)
		return;
	is(count_listens(conf), 5, "five listeners");
	ok(listen_is(listen_nth(conf, 0), AF_INET, "127.0.0.1", 8443),
	    "localhost is 127.0.0.1, not looked up");
	is_str(listen_nth(conf, 0)->name, "localhost port 8443",
	    "localhost named as written");
	ok(listen_is(listen_nth(conf, 1), AF_INET6, "::1", 8443),
	    "IPv6 ::1");
	ok(conf_is_loopback(listen_nth(conf, 1)), "::1 is loopback");
	is_str(listen_nth(conf, 1)->name, "::1 port 8443", "::1 named");
	ok(listen_is(listen_nth(conf, 2), AF_INET, "127.0.0.1", 0) &&
	    listen_is(listen_nth(conf, 3), AF_INET, "127.0.0.1", 0),
	    "port 0 twice is not a duplicate");
	ok(conf_is_loopback(listen_nth(conf, 4)), "127.0.0.2 is loopback");
	conf_free(conf);

	memset(&l, 0, sizeof(l));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &sin->sin_addr);
	ok(!conf_is_loopback(&l), "10.0.0.1 is not loopback");
	inet_pton(AF_INET, "127.255.255.254", &sin->sin_addr);
	ok(conf_is_loopback(&l), "127.255.255.254 is loopback");
	memset(&l, 0, sizeof(l));
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
	ok(conf_is_loopback(&l), "::ffff:127.0.0.1 is loopback");
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &sin6->sin6_addr);
	ok(!conf_is_loopback(&l), "::ffff:10.0.0.1 is not loopback");
	inet_pton(AF_INET6, "::", &sin6->sin6_addr);
	ok(!conf_is_loopback(&l), ":: is not loopback");
	memset(&l, 0, sizeof(l));
	l.ss.ss_family = AF_UNIX;
	ok(!conf_is_loopback(&l), "another family is not loopback");
}

static void
test_lexer(void)
{
	struct aileron_conf	*conf;

	conf = parse_text("connector \"a\" spec "
	    "\"/dir with space/q\\\"x\\\\y\"\n");
	ok(conf != NULL, "escapes: parsed");
	if (conf != NULL)
		is_str(TAILQ_FIRST(&conf->connectors)->spec,
		    "/dir with space/q\"x\\y", "escapes: \\\" and \\\\");
	conf_free(conf);

	conf = parse_text("connector \"a\" spec \"/x#y\" # a comment\n");
	ok(conf != NULL && strcmp(TAILQ_FIRST(&conf->connectors)->spec,
	    "/x#y") == 0, "# inside quotes is not a comment");
	conf_free(conf);

	conf = parse_text("prefork 8# comment right after\n");
	ok(conf != NULL && conf->prefork == 8, "# ends a word");
	conf_free(conf);

	conf = parse_text("listen \\\n\ton 127.0.0.1 \\\n  port 9001\n"
	    "prefork 5\n");
	ok(conf != NULL && listen_is(listen_nth(conf, 0), AF_INET,
	    "127.0.0.1", 9001) && conf->prefork == 5,
	    "continued lines");
	conf_free(conf);

	conf = parse_text("listen on 127.0.0.1\\\nport 9002\n");
	ok(conf != NULL && listen_is(listen_nth(conf, 0), AF_INET,
	    "127.0.0.1", 9002), "a continuation separates words");
	conf_free(conf);

	conf = parse_text("connector a spec \"/long/\\\npath\"\n");
	ok(conf != NULL && strcmp(TAILQ_FIRST(&conf->connectors)->spec,
	    "/long/path") == 0, "a continuation inside quotes joins");
	conf_free(conf);

	conf = parse_text("# a comment ending in a backslash \\\nprefork 7\n");
	ok(conf != NULL && conf->prefork == 7,
	    "a backslash does not continue a comment");
	conf_free(conf);

	conf = parse_text("prefork 6 \\");
	ok(conf != NULL && conf->prefork == 6,
	    "a backslash at the end of the file");
	conf_free(conf);

	conf = parse_text("\"prefork\" \"9\"\r\n\tmax\t workers\t\"10\"\r\n"
	    "log debug");
	ok(conf != NULL && conf->prefork == 9 && conf->max_workers == 10 &&
	    conf->verbose == 1,
	    "quoted keywords and numbers, tabs, CRLF, no final newline");
	conf_free(conf);

	conf = parse_text("user \"_a\"\"b\"c\n");
	ok(conf != NULL && strcmp(conf->user, "_abc") == 0,
	    "quoted and bare parts make one word");
	conf_free(conf);
}

static void
test_relative_spec(void)
{
	struct aileron_conf	*conf;
	char			 dir[PATH_MAX], real[PATH_MAX];
	char			 want[PATH_MAX + 32];

	strlcpy(dir, conf_path, sizeof(dir));
	if (realpath(dirname(dir), real) == NULL) {
		skip(2, "realpath of the temporary directory failed");
		return;
	}
	conf = parse_text("connector linear spec \"specs/linear.json\"\n"
	    "connector up spec ../x.json\n");
	snprintf(want, sizeof(want), "%s/specs/linear.json", real);
	ok(conf != NULL && strcmp(TAILQ_FIRST(&conf->connectors)->spec,
	    want) == 0, "relative spec is relative to the file's directory");
	snprintf(want, sizeof(want), "%s/../x.json", real);
	ok(conf != NULL && strcmp(TAILQ_LAST(&conf->connectors,
	    conf_connectors)->spec, want) == 0, "relative spec with ..");
	conf_free(conf);
}

static void
test_warning(void)
{
	struct aileron_conf	*conf;

	conf = parse_text("# outside\nlisten on 0.0.0.0 port 8443\n");
	ok(conf != NULL, "0.0.0.0 is accepted");
	is_str(errs, expand(":2: warning: listening on 0.0.0.0 exposes the "
	    "proxy beyond this host; agents' session tokens are the only "
	    "guard\n"), "0.0.0.0 draws the warning");
	ok(conf != NULL && !conf_is_loopback(listen_nth(conf, 0)),
	    "0.0.0.0 is not loopback");
	conf_free(conf);

	conf = parse_text("listen on :: port 1\nlisten on 192.0.2.1 port 2\n"
	    "listen on 127.0.0.1 port 3\n");
	ok(conf != NULL && count_listens(conf) == 3, ":: and 192.0.2.1 "
	    "accepted");
	is_str(errs, expand(
	    ":1: warning: listening on :: exposes the proxy beyond this host; "
	    "agents' session tokens are the only guard\n"
	    ":2: warning: listening on 192.0.2.1 exposes the proxy beyond this "
	    "host; agents' session tokens are the only guard\n"),
	    "one warning per outside listener, none for loopback");
	conf_free(conf);
}

static void
test_bad(void)
{
	struct aileron_conf	*conf;
	char			 buf[256], name[254], line[400];

	/*
	 * "*." and a name of 253 bytes: longer than a host the master
	 * keeps, refused rather than cut (or written past).
	 */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[63] = name[127] = name[191] = '.';
	snprintf(line, sizeof(line), "egress deny\nallow host \"*.%s\"\n",
	    name);
	conf = parse_text(line);
	ok(conf == NULL && strstr(errs, "is too long") != NULL,
	    "allow host \"*.\" and 253 bytes: refused, too long");
	conf_free(conf);

	/* Keywords and structure. */
	bad("prefork 4\n\nlistne on 127.0.0.1 port 8443\n",
	    ":3: unknown keyword \"listne\"\n");
	bad("\"\"\n", ":1: unknown keyword \"\"\n");
	bad("listne\001\n", ":1: unknown keyword \"listne?\"\n");
	bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaa\n", ":1: unknown keyword \"aaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"\n");
	bad("listen\n", ":1: missing \"on\" after \"listen\"\n");
	bad("listen 127.0.0.1 port 1\n",
	    ":1: expected \"on\" after \"listen\", got \"127.0.0.1\"\n");
	bad("listen on\n", ":1: missing an address after \"listen on\"\n");
	bad("listen on 127.0.0.1\n",
	    ":1: missing \"port\" after \"listen on 127.0.0.1\"\n");
	bad("listen on 127.0.0.1 8443\n", ":1: expected \"port\" after "
	    "\"listen on 127.0.0.1\", got \"8443\"\n");
	bad("listen on 127.0.0.1 port\n",
	    ":1: missing a port number after \"listen on 127.0.0.1 port\"\n");
	bad("listen on 127.0.0.1 port 1 tls\n",
	    ":1: unexpected \"tls\" after \"listen on 127.0.0.1 port 1\"\n");
	bad("listen on 127.0.0.1 port 1 a b c d e f g h i j k\n",
	    ":1: unexpected \"a\" after \"listen on 127.0.0.1 port 1\"\n");

	/* Ports and addresses. */
	bad("listen on 127.0.0.1 port 99999\n",
	    ":1: port \"99999\" is out of range (0-65535)\n");
	bad("listen on 127.0.0.1 port 65536\n",
	    ":1: port \"65536\" is out of range (0-65535)\n");
	bad("listen on 127.0.0.1 port -1\n",
	    ":1: port \"-1\" is out of range (0-65535)\n");
	bad("listen on 127.0.0.1 port https\n",
	    ":1: port \"https\" is not a number\n");
	bad("listen on 127.0.0.1 port 0x10\n",
	    ":1: port \"0x10\" is not a number\n");
	bad("listen on 127.0.0.1 port \"\"\n",
	    ":1: port \"\" is not a number\n");
	bad("listen on example.com port 1\n", ":1: address \"example.com\" is "
	    "not an IPv4 or IPv6 address or \"localhost\"\n");
	bad("listen on 127.0.0.256 port 1\n", ":1: address \"127.0.0.256\" is "
	    "not an IPv4 or IPv6 address or \"localhost\"\n");
	bad("listen on [::1] port 1\n", ":1: address \"[::1]\" is "
	    "not an IPv4 or IPv6 address or \"localhost\"\n");
	bad("listen on 127.0.0.1 port 1\n# same\nlisten on localhost port 1\n",
	    ":3: listener localhost port 1 is already defined on line 1\n");
	bad("listen on ::1 port 8443\nlisten on 127.0.0.1 port 8443\n"
	    "listen on 0:0::1 port 8443\n",
	    ":3: listener 0:0::1 port 8443 is already defined on line 1\n");

	/* api socket */
	bad("api socket \"run/api.sock\"\n",
	    ":1: api socket \"run/api.sock\" is not an absolute path\n");
	bad("api socket \"\"\n",
	    ":1: api socket \"\" is not an absolute path\n");
	bad("api sock /x\n",
	    ":1: expected \"socket\" after \"api\", got \"sock\"\n");
	bad("api socket\n", ":1: missing a path after \"api socket\"\n");
	snprintf(buf, sizeof(buf), "api socket /%0108d\n", 0);
	bad(buf, ":1: api socket \"/000000000000000000000000000000000000000"
	    "000000000000000000000000...\" is longer than the 107 bytes a "
	    "socket path may have\n");

	/* Numbers. */
	bad("prefork 0\n", ":1: prefork \"0\" is out of range (1-256)\n");
	bad("prefork 257\n", ":1: prefork \"257\" is out of range (1-256)\n");
	bad("prefork four\n", ":1: prefork \"four\" is not a number\n");
	bad("prefork 4.5\n", ":1: prefork \"4.5\" is not a number\n");
	bad("prefork 99999999999999999999999\n", ":1: prefork "
	    "\"99999999999999999999999\" is out of range (1-256)\n");
	bad("prefork\n", ":1: missing a number after \"prefork\"\n");
	bad("prefork 4 4\n", ":1: unexpected \"4\" after \"prefork 4\"\n");
	bad("max workers 0\n",
	    ":1: max workers \"0\" is out of range (1-4096)\n");
	bad("max workers 4097\n",
	    ":1: max workers \"4097\" is out of range (1-4096)\n");
	bad("max worker 5\n",
	    ":1: expected \"workers\" after \"max\", got \"worker\"\n");
	bad("max workers\n", ":1: missing a number after \"max workers\"\n");

	/* user */
	bad("user \"Root\"\n", ":1: user \"Root\" is not a valid user name: "
	    "1 to 31 of a-z, 0-9, _ and -, not starting with a digit or -\n");
	bad("user \"\"\n", ":1: user \"\" is not a valid user name: "
	    "1 to 31 of a-z, 0-9, _ and -, not starting with a digit or -\n");
	bad("user 1abc\n", ":1: user \"1abc\" is not a valid user name: "
	    "1 to 31 of a-z, 0-9, _ and -, not starting with a digit or -\n");
	bad("user -abc\n", ":1: user \"-abc\" is not a valid user name: "
	    "1 to 31 of a-z, 0-9, _ and -, not starting with a digit or -\n");
	bad("user abcdefghij-abcdefghij_abcdefghij\n", ":1: user "
	    "\"abcdefghij-abcdefghij_abcdefghij\" is not a valid user name: "
	    "1 to 31 of a-z, 0-9, _ and -, not starting with a digit or -\n");
	bad("user\n", ":1: missing a user name after \"user\"\n");
	bad("user a b\n", ":1: unexpected \"b\" after \"user a\"\n");
	bad("control user\n",
	    ":1: missing a user name after \"control user\"\n");
	bad("vault users _v\n",
	    ":1: expected \"user\" after \"vault\", got \"users\"\n");
	bad("control\n", ":1: missing \"user\" after \"control\"\n");
	bad("vault user \"Root\"\n", ":1: user \"Root\" is not a valid user "
	    "name: 1 to 31 of a-z, 0-9, _ and -, not starting with a digit "
	    "or -\n");
	bad("control user a b\n",
	    ":1: unexpected \"b\" after \"control user a\"\n");

	/* connector */
	bad("connector \"Linear\" spec /x\n",
	    ":1: connector name \"Linear\" is not valid: 1 to 63 of a-z, "
	    "0-9, _ and -\n");
	bad("connector \"lin ear\" spec /x\n", ":1: connector name \"lin ear\" "
	    "is not valid: 1 to 63 of a-z, 0-9, _ and -\n");
	bad("connector \"\" spec /x\n", ":1: connector name \"\" "
	    "is not valid: 1 to 63 of a-z, 0-9, _ and -\n");
	bad("connector "
	    "a123456789b123456789c123456789d123456789e123456789f123456789abcd"
	    " spec /x\n", ":1: connector name \"a123456789b123456789c12345678"
	    "9d123456789e123456789f123456789abcd\" is not valid: 1 to 63 of "
	    "a-z, 0-9, _ and -\n");
	bad("connector linear spec /a\nconnector slack spec /b\n"
	    "connector linear spec /c\n",
	    ":3: connector \"linear\" is already defined on line 1\n");
	bad("connector linear\n",
	    ":1: missing \"spec\" after \"connector linear\"\n");
	bad("connector linear path /x\n", ":1: expected \"spec\" after "
	    "\"connector linear\", got \"path\"\n");
	bad("connector linear spec\n",
	    ":1: missing a spec path after \"connector linear spec\"\n");
	bad("connector linear spec \"\"\n",
	    ":1: connector \"linear\" has an empty spec path\n");
	bad("connector\n",
	    ":1: missing a connector name after \"connector\"\n");

	/* log */
	bad("log verbose\n",
	    ":1: unknown log level \"verbose\"; use \"debug\" or \"info\"\n");
	bad("log\n", ":1: missing a log level after \"log\"\n");
	bad("log debug info\n",
	    ":1: unexpected \"info\" after \"log debug\"\n");

	/* The lexer. */
	bad("user \"abc\n", ":1: unterminated quoted string\n");
	bad("prefork 4\nuser \"abc", ":2: unterminated quoted string\n");
	bad("user \"a\\nb\"\n", ":1: unknown escape \"\\n\" in quoted string; "
	    "use \\\" or \\\\\n");
	bad("user a\\b\n", ":1: a backslash outside quotes must be the last "
	    "character of the line\n");
	bad("prefork 4 \\ \n", ":1: a backslash outside quotes must be the "
	    "last character of the line\n");
	bad("prefork \\\n  0\n", ":1: prefork \"0\" is out of range (1-256)\n");
	bad("prefork \\\n  8\nlistne\n", ":3: unknown keyword \"listne\"\n");
	bad("prefork \\\n\\\n\\\n8 9\n",
	    ":1: unexpected \"9\" after \"prefork 8\"\n");
}

static void
test_all_errors(void)
{
	struct aileron_conf	*conf;
	static const char	 nul[] = "prefork 4\nuser a\0b\nlog debug\n";

	bad("listne\n"
	    "prefork 0\n"
	    "# fine\n"
	    "log loud\n"
	    "listen on 0.0.0.0 port 1\n"
	    "user \"unterminated\n"
	    "max workers 2\n"
	    "connector x spec /a\n"
	    "connector x spec /b\n",
	    ":1: unknown keyword \"listne\"\n"
	    ":2: prefork \"0\" is out of range (1-256)\n"
	    ":4: unknown log level \"loud\"; use \"debug\" or \"info\"\n"
	    ":5: warning: listening on 0.0.0.0 exposes the proxy beyond this "
	    "host; agents' session tokens are the only guard\n"
	    ":6: unterminated quoted string\n"
	    ":9: connector \"x\" is already defined on line 8\n"
	    ":7: max workers (2) is less than prefork (4)\n");

	conf = parse_buf(nul, sizeof(nul) - 1);
	ok(conf == NULL, "a NUL byte is refused");
	is_str(errs, expand(":2: line contains a NUL byte\n"),
	    "a NUL byte is named with its line");
	conf_free(conf);
}

static void
test_workers_vs_prefork(void)
{
	bad("max workers 2\n",
	    ":1: max workers (2) is less than prefork (4)\n");
	bad("prefork 100\n",
	    ":1: max workers (64) is less than prefork (100)\n");
	bad("max workers 8\n\nprefork 16\n",
	    ":3: max workers (8) is less than prefork (16)\n");
	bad("prefork 16\n\nmax workers 8\n",
	    ":3: max workers (8) is less than prefork (16)\n");
	bad("max workers 8\nprefork 16\nmax workers 10\n",
	    ":3: max workers (10) is less than prefork (16)\n");
}

static void
test_long_lines(void)
{
	struct aileron_conf	*conf;
	char			*buf;
	size_t			 n;

	if ((buf = malloc(3 * 4096 + 64)) == NULL)
		exit(1);

	/* 4096 bytes before the newline is the most a line may hold. */
	memset(buf, ' ', 4096);
	memcpy(buf, "prefork 3", 9);
	buf[4095] = '#';
	strlcpy(buf + 4096, "\nlog debug\n", 64);
	conf = parse_text(buf);
	ok(conf != NULL && conf->prefork == 3 && conf->verbose == 1,
	    "a line of 4096 bytes is fine");
	conf_free(conf);

	memset(buf, ' ', 4097);
	memcpy(buf, "prefork 3", 9);
	strlcpy(buf + 4097, "\nlog debug\nlistne\n", 64);
	bad(buf, ":1: line is longer than 4096 bytes\n"
	    ":3: unknown keyword \"listne\"\n");

	/* A too long comment line is as wrong as any other. */
	memset(buf, '#', 5000);
	strlcpy(buf + 5000, "\nprefork 3\n", 64);
	bad(buf, ":1: line is longer than 4096 bytes\n");

	/* A quoted word may not run on past the limit either. */
	n = 0;
	memcpy(buf + n, "user \"", 6);
	n += 6;
	memset(buf + n, 'a', 6000);
	n += 6000;
	strlcpy(buf + n, "\"\nprefork 3\n", 64);
	bad(buf, ":1: line is longer than 4096 bytes\n");

	/* Continued lines, each short, add up to a statement too long. */
	n = 0;
	memcpy(buf + n, "user \"", 6);
	n += 6;
	while (n < 3 * 4000) {
		memset(buf + n, 'a', 3998);
		n += 3998;
		memcpy(buf + n, "\\\n", 2);
		n += 2;
	}
	strlcpy(buf + n, "\"\nlistne\n", 64);
	bad(buf, ":1: statement is longer than 8191 bytes\n"
	    ":5: unknown keyword \"listne\"\n");
	free(buf);
}

static void
test_sample_and_man(void)
{
	struct aileron_conf	*conf;
	FILE			*fp;
	char			 line[1024], example[4096], *p;
	size_t			 len;
	int			 saved, inblock;

	saved = capture_begin();
	conf = conf_parse("etc/aileron.conf", STATEDIR, 1);
	capture_end(saved);
	ok(conf != NULL, "etc/aileron.conf parses");
	is_str(errs, "", "etc/aileron.conf draws no message");
	conf_free(conf);

	/* The first example in the manual is a configuration file too. */
	if ((fp = fopen("man/aileron.conf.5", "r")) == NULL) {
		ok(0, "man/aileron.conf.5: %s", strerror(errno));
		return;
	}
	len = 0;
	inblock = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, ".Bd -literal", 12) == 0) {
			inblock = 1;
			continue;
		}
		if (inblock && strncmp(line, ".Ed", 3) == 0)
			break;
		if (!inblock)
			continue;
		/* mdoc writes a backslash as \e. */
		for (p = line; *p != '\0' && len < sizeof(example) - 1; p++) {
			example[len++] = *p;
			if (p[0] == '\\' && p[1] == 'e')
				p++;
		}
	}
	fclose(fp);
	example[len] = '\0';
	conf = parse_text(example);
	ok(conf != NULL && count_listens(conf) == 2 &&
	    count_connectors(conf) == 2 && conf->verbose == 1,
	    "the example in aileron.conf(5) parses");
	is_str(errs, "", "the example in aileron.conf(5) draws no message");
	conf_free(conf);

	if (system("command -v mandoc >/dev/null 2>&1") != 0) {
		skip(1, "mandoc is not installed");
		return;
	}
	is(system("mandoc -Tlint -Wwarning man/aileron.conf.5"), 0,
	    "mandoc -Tlint -Wwarning man/aileron.conf.5 is clean");
}

/*
 * Whatever bytes come, the parser returns, and it returns NULL exactly
 * when it printed an error: ASan in "make check" watches the buffers.
 */
static void
test_random(void)
{
	static const char	*words[] = {
		"listen", "on", "port", "api", "socket", "prefork", "max",
		"workers", "user", "connector", "spec", "log", "debug", "info",
		"127.0.0.1", "::1", "localhost", "0.0.0.0", "0", "8443",
		"65536", "-1", "4", "64", "\"", "\\", "\\\n", "#", "\n", " ",
		"\t", "\"/a b\"", "rel/path", "\"\\\"\"", "\"\\\\\"", "_x",
		"\r\n", "\"\"", "\0",
	};
	static const char	 base[] =
	    "listen on 127.0.0.1 port 8443 # loopback\n"
	    "listen on \"::1\" port 0\n"
	    "api socket \"/run/a b/api.sock\"\n"
	    "prefork 8\nmax \\\n  workers 64\n"
	    "user \"_aileron\"\n"
	    "connector \"linear\" spec \"specs/l\\\"q\\\\.json\"\n"
	    "connector github spec /x/github.json\n"
	    "log debug\n";
	struct aileron_conf	*conf;
	char			*buf, *line, *nl;
	size_t			 len, n, w, k;
	int			 i, iter = 3000, consistent = 0, oneline = 0;
	int			 accepted = 0;
	int			 errors;
	unsigned int		 seed = 20260101;

	if ((buf = malloc(10000)) == NULL)
		exit(1);
	conf = parse_text(base);
	ok(conf != NULL && errs[0] == '\0', "random input: the base parses");
	conf_free(conf);
	srandom(seed);
	diag("random inputs from seed %u", seed);
	for (i = 0; i < iter; i++) {
		len = 0;
		if (i % 3 == 0) {
			/* Raw bytes, sometimes long enough to pass a limit. */
			n = random() % (i % 10 == 0 ? 9000 : 300);
			for (k = 0; k < n; k++)
				buf[len++] = random() % 256;
		} else if (i % 3 == 1) {
			/* A good file with a few bytes changed. */
			len = strlcpy(buf, base, 10000);
			n = 1 + random() % 4;
			for (k = 0; k < n && len > 0; k++) {
				w = random() % len;
				switch (random() % 3) {
				case 0:
					buf[w] = random() % 256;
					break;
				case 1:
					memmove(buf + w + 1, buf + w, len - w);
					buf[w] = words[random() % 5 + 24][0];
					len++;
					break;
				default:
					memmove(buf + w, buf + w + 1,
					    len - w - 1);
					len--;
					break;
				}
			}
		} else {
			/* Words of the grammar, so the parser gets deep. */
			n = random() % 40;
			for (k = 0; k < n; k++) {
				w = random() % (sizeof(words) /
				    sizeof(words[0]));
				if (w == sizeof(words) / sizeof(words[0]) - 1) {
					buf[len++] = '\0';
					continue;
				}
				len += strlcpy(buf + len, words[w],
				    10000 - len);
				if (random() % 2)
					buf[len++] = ' ';
			}
		}
		conf = parse_buf(buf, len);
		errors = 0;
		for (line = errs; *line != '\0'; line = nl + 1) {
			if ((nl = strchr(line, '\n')) == NULL)
				break;
			if (strncmp(line, conf_path, strlen(conf_path)) != 0)
				break;
			*nl = '\0';
			if (strstr(line, ": warning: ") == NULL)
				errors++;
		}
		if (*line == '\0')
			oneline++;
		else
			diag("stray output: %s", line);
		if ((conf == NULL) == (errors > 0))
			consistent++;
		else
			diag("input %d: conf %p but %d errors", i, (void *)conf,
			    errors);
		if (conf != NULL)
			accepted++;
		conf_free(conf);
	}
	is(oneline, iter, "random input: every message is one "
	    "\"file:line: message\" line");
	is(consistent, iter, "random input: NULL exactly when an error "
	    "was printed");
	diag("%d of %d random inputs were valid configurations", accepted,
	    iter);
	free(buf);
}

/* Teams (issue 11): user NAME uid N; connector NAME vault VAULT. */
static void
test_teams(void)
{
	struct aileron_conf	*conf;

	conf = parse_text("user \"bob\" uid 1001\nuser alice.b uid 0\n"
	    "user \"_aileron\"\nconnector \"echo\" vault \"eng\"\n"
	    "connector github vault ops@x\n");
	ok(conf != NULL && conf->nusermaps == 2 &&
	    conf->usermaps[0].uid == 1001 &&
	    strcmp(conf->usermaps[0].user, "bob") == 0 &&
	    strcmp(conf->usermaps[1].user, "alice.b") == 0 &&
	    strcmp(conf->user, "_aileron") == 0,
	    "user lines map uids; user NAME still names the workers' user");
	ok(conf != NULL && conf->nconnvaults == 2 &&
	    strcmp(conf->connvaults[0].connector, "echo") == 0 &&
	    strcmp(conf->connvaults[0].vault, "eng") == 0 &&
	    strcmp(conf->connvaults[1].vault, "ops@x") == 0,
	    "connector-vault lines");
	conf_free(conf);
	bad("user bob uid 1\nuser carol uid 1\n",
	    ":2: uid 1 is already mapped to user \"bob\"\n");
	bad("user bob uid 1\nuser bob uid 2\n",
	    ":2: user \"bob\" is already mapped to uid 1\n");
	bad("user \"a/b\" uid 1\n", ":1: user \"a/b\" is not a valid "
	    "aileron user name: 1 to 64 letters, digits, ., _ and -\n");
	bad("user bob uid x\n", ":1: uid \"x\" is not a number\n");
	bad("user bob uid -1\n", ":1: uid \"-1\" is out of range\n");
	bad("user bob uid\n", ":1: missing a uid after \"user bob uid\"\n");
	bad("connector echo vault eng\nconnector echo vault ops\n",
	    ":2: connector \"echo\" already has its vault, \"eng\"\n");
	bad("connector echo vault \"a b\"\n", ":1: vault name \"a b\" is "
	    "not valid: 1 to 64 letters, digits and ._-@+:\n");
}

/* approval timeout DURATION, approval pending N (issue 11, section 3) */
static void
test_approval(void)
{
	struct aileron_conf	*conf;

	conf = parse_text("");
	ok(conf != NULL && conf->approval_timeout == 600 &&
	    conf->approval_pending == 4, "approvals: 600 s and 4 by default");
	conf_free(conf);
	conf = parse_text("approval timeout 2\napproval pending 8\n");
	ok(conf != NULL && conf->approval_timeout == 2 &&
	    conf->approval_pending == 8, "approval timeout 2, pending 8");
	conf_free(conf);
	conf = parse_text("approval timeout 10m\n");
	ok(conf != NULL && conf->approval_timeout == 600,
	    "approval timeout 10m is 600 s");
	conf_free(conf);
	conf = parse_text("approval timeout 2h\n");
	ok(conf != NULL && conf->approval_timeout == 7200,
	    "approval timeout 2h is 7200 s");
	conf_free(conf);
	conf = parse_text("approval timeout 7d\napproval timeout 90s\n");
	ok(conf != NULL && conf->approval_timeout == 90,
	    "approval timeout 7d, the most, then 90s: the last wins");
	conf_free(conf);
	bad("approval timeout 0\n", ":1: approval timeout \"0\" is not a "
	    "duration from 1s to 7d (a number and s, m, h or d)\n");
	bad("approval timeout 8d\n", ":1: approval timeout \"8d\" is not a "
	    "duration from 1s to 7d (a number and s, m, h or d)\n");
	bad("approval timeout 10x\n", ":1: approval timeout \"10x\" is not a "
	    "duration from 1s to 7d (a number and s, m, h or d)\n");
	bad("approval timeout m\n", ":1: approval timeout \"m\" is not a "
	    "duration from 1s to 7d (a number and s, m, h or d)\n");
	bad("approval timeout\n", ":1: missing a duration after "
	    "\"approval timeout\"\n");
	bad("approval maybe 3\n", ":1: unknown approval setting \"maybe\"; "
	    "use \"timeout\" or \"pending\"\n");
	bad("approval pending 0\n", ":1: approval pending \"0\" is out of "
	    "range (1-1024)\n");
	bad("approval timeout 1m 2\n", ":1: unexpected \"2\" after "
	    "\"approval timeout 1m\"\n");
}

int
main(void)
{
	int	 fd;

	if ((fd = mkstemp(conf_path)) == -1 || close(fd) == -1 ||
	    (fd = mkstemp(err_path)) == -1 || close(fd) == -1) {
		printf("Bail out! mkstemp: %s\n", strerror(errno));
		return 1;
	}
	test_defaults();
	test_missing();
	test_directives();
	test_listen();
	test_lexer();
	test_relative_spec();
	test_warning();
	test_bad();
	test_all_errors();
	test_workers_vs_prefork();
	test_long_lines();
	test_sample_and_man();
	test_random();
	test_policy_session();
	test_teams();
	test_approval();
	unlink(conf_path);
	unlink(err_path);
	return done_testing();
}

/* Policy and session lines (issue 11): parsed, placed, refused. */
static void
test_policy_session(void)
{
	struct aileron_conf	*conf;
	char			 where[PATH_MAX + 16];

	conf = parse_text("");
	ok(conf != NULL && conf->session_idle == 12 * 3600 &&
	    conf->session_max == 7 * 86400 && conf->rules.n == 0,
	    "defaults: session idle 12h, max 7d, no policy");
	conf_free(conf);
	conf = parse_text("policy \"stripe.*\" approve\n"
	    "\n"
	    "policy \"github.delete_repo\" deny for team \"support\"\n"
	    "policy \"linear.list_*\" allow for user \"alice\"\n"
	    "session idle 2s\nsession max 90m\n");
	ok(conf != NULL, "policy and session lines parse");
	if (conf == NULL) {
		diag("%s", errs);
		return;
	}
	is((long long)conf->rules.n, 3, "three rules");
	is(conf->session_idle, 2, "session idle 2s");
	is(conf->session_max, 90 * 60, "session max 90m");
	is(conf->rules.v[1].scope, RULE_SCOPE_TEAM, "for team");
	is_str(conf->rules.v[1].who, "support", "the team's name");
	is(conf->rules.v[1].verdict, RULE_DENY, "deny");
	is(conf->rules.v[2].scope, RULE_SCOPE_USER, "for user");
	snprintf(where, sizeof(where), "%s:3", conf_path);
	is_str(conf->rules.v[1].where, where, "a rule knows its file:line");
	conf_free(conf);
	bad("policy \"stripe\" deny\n", ":1: policy \"stripe\": a policy "
	    "names connector.action; for a whole connector use "
	    "\"connector.*\"\n");
	bad("policy \"a.b\" block\n", ":1: policy \"block\": expected "
	    "allow, approve or deny\n");
	bad("policy \"a.b\" deny for group \"x\"\n", ":1: policy ... for "
	    "\"group\": expected user or team\n");
	bad("policy \"a.b\" deny for user\n", ":1: missing a name after "
	    "\"policy a.b deny for user\"\n");
	bad("session idle 5x\n", ":1: session idle \"5x\" is not a "
	    "duration from 1s to 366d (a number and s, m, h or d)\n");
	bad("session max 367d\n", ":1: session max \"367d\" is not a "
	    "duration from 1s to 366d (a number and s, m, h or d)\n");
	bad("session idle 0\n", ":1: session idle \"0\" is not a "
	    "duration from 1s to 366d (a number and s, m, h or d)\n");
	bad("session life 1d\n", ":1: session \"life\": expected idle or "
	    "max\n");
}
