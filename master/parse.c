/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* parse.c: reads aileron.conf(5) into a struct aileron_conf for the master. */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "sandbox.h"
#include "state.h"
#include "vault/vault.h"

#define CONF_LINE_MAX		4096	/* bytes on a physical line */
#define CONF_FILE_MAX		(1024 * 1024)	/* bytes in the whole file */
#define CONF_WORDS_MAX		8	/* more than a directive takes */
#define CONF_SHOW_MAX		64	/* of a word in a message */

#define CONF_DEFAULT_PORT	8443
#define CONF_DEFAULT_PREFORK	4
#define CONF_DEFAULT_WORKERS	64
#define CONF_DEFAULT_USER	"_aileron"
#define CONF_DEFAULT_CONTROL_USER "_aileron-control"
#define CONF_DEFAULT_VAULT_USER	"_aileron-vault"
#define CONF_PREFORK_MAX	256
#define CONF_WORKERS_MAX	4096
#define CONF_USER_MAX		31	/* what useradd(8) accepts */
#define CONF_CONNECTOR_MAX	63
#define CONF_ALLOW_HOSTS_MAX	1024
#define CONF_TIMEOUT_HEADER	10	/* s: default, then the range's top */
#define CONF_TIMEOUT_HEADER_MAX	300
#define CONF_TIMEOUT_IDLE	60
#define CONF_TIMEOUT_IDLE_MAX	3600
#define CONF_TIMEOUT_UPSTREAM	300
#define CONF_TIMEOUT_UPSTREAM_MAX 86400
#define CONF_DNS_PORT		53
#define CONF_SESSION_IDLE	(12 * 3600)
#define CONF_SESSION_MAX	(7 * 86400)
#define CONF_SESSION_LIMIT	(366 * 86400)	/* either, at most */

/* One logical line: its words, split out of the file by the lexer. */
struct conf_stmt {
	char		 buf[2 * CONF_LINE_MAX];
	size_t		 len;
	char		*word[CONF_WORDS_MAX];
	size_t		 nwords;	/* stored; nseen counts all */
	size_t		 nseen;
	int		 inword;
	int		 toolong;	/* words did not fit in buf */
	int		 lineno;	/* where the statement starts */
	int		 errline;	/* first lexical error, if any */
	char		 err[256];
};

/* Where the parser is in one file, and what it needs to know about lines. */
struct conf_parser {
	FILE			*fp;
	const char		*path;
	char			 dir[PATH_MAX];
	int			 lineno;	/* physical line read */
	size_t			 linelen;	/* bytes read on it */
	size_t			 total;		/* bytes read in all */
	int			 eof;
	int			 errors;
	struct aileron_conf	*conf;
	int			 listen_seen;
	int			*listen_lines;	/* as conf->listens */
	size_t			 nlisten_lines;
	int			*conn_lines;	/* as conf->connectors */
	size_t			 nconn_lines;
	int			 prefork_line;
	int			 prices_line;
	int			 workers_line;
	int			 metrics_line;	/* metrics listen */
};

static void	 conf_error(struct conf_parser *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 conf_lexerr(struct conf_stmt *, int, const char *);
static const char
		*conf_show(const char *, char *, size_t);
static const char
		*conf_context(struct conf_stmt *, size_t, char *, size_t);
static int	 conf_getc(struct conf_parser *, struct conf_stmt *);
static void	 conf_ungetc(struct conf_parser *, int);
static void	 conf_addc(struct conf_stmt *, int);
static void	 conf_endword(struct conf_stmt *);
static void	 conf_lex_escape(struct conf_parser *, struct conf_stmt *);
static void	 conf_lex_continuation(struct conf_parser *,
		    struct conf_stmt *);
static void	 conf_lex_end(struct conf_stmt *);
static int	 conf_read_stmt(struct conf_parser *, struct conf_stmt *);
static int	 conf_want(struct conf_parser *, struct conf_stmt *, size_t,
		    const char *);
static const char
		*conf_arg(struct conf_parser *, struct conf_stmt *, size_t,
		    const char *);
static int	 conf_end(struct conf_parser *, struct conf_stmt *, size_t);
static int	 conf_number(struct conf_parser *, struct conf_stmt *,
		    const char *, const char *, long long, long long, int *);
static int	 conf_remember_line(int **, size_t *, int);
static int	 conf_add_listen(struct aileron_conf *, const char *,
		    const char *, int);
static int	 conf_same_listen(const struct conf_listen *,
		    const struct conf_listen *);
static struct conf_listen *conf_listen_words(struct conf_parser *,
		    struct conf_stmt *, const char *, const char **, int *);
static void	 conf_do_listen(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_api(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_prefork(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_max(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_user(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_proc_user(struct conf_parser *, struct conf_stmt *);
static void	 conf_set_user(struct conf_parser *, struct conf_stmt *, size_t,
		    char *, size_t);
static void	 conf_do_connector(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_log(struct conf_parser *, struct conf_stmt *);
static int	 conf_host_name(struct conf_parser *, struct conf_stmt *,
		    const char *, int, char *, size_t);
static int	 conf_append(struct conf_parser *, struct conf_stmt *, void *,
		    size_t *, size_t, size_t, const char *, const void *);
static void	 conf_do_resolve(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_nameserver(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_allow(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_egress(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_intercept(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_upstream(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_upstream_proxy(struct conf_parser *,
		    struct conf_stmt *);
static void	 conf_do_except(struct conf_parser *, struct conf_stmt *);
static int	 conf_host_in(char (*)[RESOLVE_NAME_MAX + 1], size_t,
		    const char *);
static void	 conf_do_timeout(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_stmt(struct conf_parser *, struct conf_stmt *);
/* Policy and sessions (issue 11): control's decisions and session limits. */
static void	 conf_do_policy(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_session(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_approval(struct conf_parser *, struct conf_stmt *);
static int	 conf_duration(struct conf_parser *, struct conf_stmt *,
		    const char *, const char *, long long, long long, int *);
static const char *conf_seconds(long long, char *, size_t);
static void	 conf_do_audit(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_shell(struct conf_parser *, struct conf_stmt *);
static void	 conf_check(struct conf_parser *);
static int	 conf_valid_user(const char *);
static int	 conf_valid_connector(const char *);
/* Teams (issue 11). */
static void	 conf_do_usermap(struct conf_parser *, struct conf_stmt *);
static void	 conf_do_connvault(struct conf_parser *, struct conf_stmt *);
/* The price table (issue 14). */
static void	 conf_do_prices(struct conf_parser *, struct conf_stmt *);
static void	 conf_load_prices(struct conf_parser *);
/* Budgets (issue 14). */
static void	 conf_do_budget(struct conf_parser *, struct conf_stmt *);
static int	 conf_budget_amount(const char *, int, uint64_t *);
static void	 conf_check_budgets(struct conf_parser *);
/* metrics lines (issue 14) */
static void	 conf_do_metrics(struct conf_parser *, struct conf_stmt *);
static int	 conf_metrics_addr(const char *, int,
		    struct sockaddr_storage *, socklen_t *);
/* The web page (issue 14). */
static void	 conf_do_web(struct conf_parser *, struct conf_stmt *);

static const struct {
	const char	*keyword;
	void		(*handler)(struct conf_parser *,
			    struct conf_stmt *);
} conf_directives[] = {
	{ "allow",	conf_do_allow },
	{ "approval",	conf_do_approval },
	{ "api",	conf_do_api },
	{ "audit",	conf_do_audit },
	{ "budget",	conf_do_budget },
	{ "connector",	conf_do_connector },
	{ "control",	conf_do_proc_user },
	{ "egress",	conf_do_egress },
	{ "except",	conf_do_except },
	{ "intercept",	conf_do_intercept },
	{ "listen",	conf_do_listen },
	{ "log",	conf_do_log },
	{ "max",	conf_do_max },
	{ "metrics",	conf_do_metrics },
	{ "nameserver",	conf_do_nameserver },
	{ "policy",	conf_do_policy },
	{ "prefork",	conf_do_prefork },
	{ "prices",	conf_do_prices },
	{ "resolve",	conf_do_resolve },
	{ "session",	conf_do_session },
	{ "shell",	conf_do_shell },
	{ "timeout",	conf_do_timeout },
	{ "upstream",	conf_do_upstream },
	{ "user",	conf_do_user },
	{ "vault",	conf_do_proc_user },
	{ "web",	conf_do_web },
};

/*
 * Every problem with the file goes to stderr in the form editors and
 * compilers use, so "aileron service -n" output can be jumped through.
 */
static void
conf_error(struct conf_parser *p, int lineno, const char *fmt, ...)
{
	char	 msg[1024];
	size_t	 i;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A word from the file must not split the message over lines. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	fprintf(stderr, "%s:%d: %s\n", p->path, lineno, msg);
	p->errors++;
}

/* Keep only the first lexical error of a statement: the rest follow from it. */
static void
conf_lexerr(struct conf_stmt *st, int lineno, const char *msg)
{
	if (st->errline != 0)
		return;
	st->errline = lineno;
	strlcpy(st->err, msg, sizeof(st->err));
}

/* A word as it appears in a message: quoted, printable and not too long. */
static const char *
conf_show(const char *word, char *buf, size_t bufsz)
{
	size_t	 i, n;

	n = 0;
	buf[n++] = '"';
	for (i = 0; word[i] != '\0' && n + 6 < bufsz; i++) {
		if (i == CONF_SHOW_MAX) {
			strlcpy(buf + n, "...", bufsz - n);
			n += 3;
			break;
		}
		if ((unsigned char)word[i] < 0x20 || word[i] == 0x7f)
			buf[n++] = '?';
		else
			buf[n++] = word[i];
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* The words before word i, to say where in a directive something is wrong. */
static const char *
conf_context(struct conf_stmt *st, size_t i, char *buf, size_t bufsz)
{
	char	 one[CONF_SHOW_MAX + 8];
	size_t	 k;

	buf[0] = '\0';
	for (k = 0; k < i && k < st->nwords; k++) {
		conf_show(st->word[k], one, sizeof(one));
		/* One pair of quotes goes around all the words. */
		one[strlen(one) - 1] = '\0';
		if (k > 0)
			strlcat(buf, " ", bufsz);
		strlcat(buf, one + 1, bufsz);
	}
	return buf;
}

/*
 * Read one byte, counting lines and noting a physical line over the limit:
 * a limit keeps a file of garbage from being taken in as one statement.
 */
static int
conf_getc(struct conf_parser *p, struct conf_stmt *st)
{
	char	 msg[64];
	int	 c;

	if ((c = getc(p->fp)) == EOF)
		return EOF;
	/* A device that never ends (-f /dev/zero) must not hang us. */
	if (++p->total > CONF_FILE_MAX) {
		if (p->total == CONF_FILE_MAX + 1) {
			snprintf(msg, sizeof(msg), "file is larger than %d "
			    "bytes", CONF_FILE_MAX);
			conf_lexerr(st, p->lineno, msg);
		}
		return EOF;
	}
	if (c == '\n') {
		p->lineno++;
		p->linelen = 0;
		return c;
	}
	if (++p->linelen == CONF_LINE_MAX + 1) {
		snprintf(msg, sizeof(msg), "line is longer than %d bytes",
		    CONF_LINE_MAX);
		conf_lexerr(st, p->lineno, msg);
	}
	return c;
}

static void
conf_ungetc(struct conf_parser *p, int c)
{
	if (c == EOF)
		return;
	/* Only ever called with a byte that is not a newline. */
	p->linelen--;
	ungetc(c, p->fp);
}

static void
conf_addc(struct conf_stmt *st, int c)
{
	if (!st->inword) {
		st->inword = 1;
		if (st->nwords < CONF_WORDS_MAX)
			st->word[st->nwords++] = st->buf + st->len;
		st->nseen++;
	}
	if (c == '\0')
		return;
	/* Leave room for this word's NUL and stay inside buf. */
	if (st->len + 2 >= sizeof(st->buf)) {
		st->len = sizeof(st->buf) - 1;
		st->toolong = 1;
		return;
	}
	st->buf[st->len++] = c;
}

static void
conf_endword(struct conf_stmt *st)
{
	if (!st->inword)
		return;
	st->inword = 0;
	if (st->len >= sizeof(st->buf))
		st->len = sizeof(st->buf) - 1;
	st->buf[st->len++] = '\0';
	if (st->len >= sizeof(st->buf))
		st->len = sizeof(st->buf) - 1;
}

/* A backslash in quotes: \" and \\ are escapes, and nothing else is. */
static void
conf_lex_escape(struct conf_parser *p, struct conf_stmt *st)
{
	char	 msg[64];
	int	 next;

	next = conf_getc(p, st);
	if (next == '"' || next == '\\')
		conf_addc(st, next);
	else if (next == '\n' || next == EOF)
		;	/* continued, or unterminated */
	else {
		snprintf(msg, sizeof(msg), "unknown escape \"\\%c\" in "
		    "quoted string; use \\\" or \\\\",
		    next >= 0x20 && next < 0x7f ? next : '?');
		conf_lexerr(st, p->lineno, msg);
	}
}

/* A backslash outside quotes continues the line; nothing may follow it. */
static void
conf_lex_continuation(struct conf_parser *p, struct conf_stmt *st)
{
	int	 next;

	next = conf_getc(p, st);
	/* A backslash ending the file ends it. */
	if (next == '\n' || next == EOF) {
		conf_endword(st);
		return;
	}
	conf_ungetc(p, next);
	conf_lexerr(st, p->lineno, "a backslash outside quotes must be the "
	    "last character of the line");
}

/* The statement's last word, and an error if it did not fit. */
static void
conf_lex_end(struct conf_stmt *st)
{
	char	 msg[64];

	conf_endword(st);
	if (st->toolong) {
		snprintf(msg, sizeof(msg), "statement is longer than %zu bytes",
		    sizeof(st->buf) - 1);
		conf_lexerr(st, st->lineno, msg);
	}
}

/*
 * Split one logical line into words.  Outside quotes, blanks separate words,
 * '#' starts a comment and a backslash may only end a line, continuing it.
 * Inside quotes only \" and \\ are escapes, so a path never changes meaning
 * by accident.  Returns 0 at the end of the file, else 1.
 */
static int
conf_read_stmt(struct conf_parser *p, struct conf_stmt *st)
{
	enum { LEX_WORD, LEX_QUOTE, LEX_COMMENT } state;
	int	 c, quoteline = 0;

	memset(st, 0, sizeof(*st));
	state = LEX_WORD;
	if (p->eof)
		return 0;
	st->lineno = p->lineno;
	for (;;) {
		c = conf_getc(p, st);
		if (c == EOF) {
			if (ferror(p->fp))
				return 0;
			p->eof = 1;
			if (state == LEX_QUOTE)
				conf_lexerr(st, quoteline,
				    "unterminated quoted string");
			break;
		}
		if (c == '\0') {
			conf_lexerr(st, p->lineno, "line contains a NUL byte");
			continue;
		}
		if (state == LEX_COMMENT) {
			if (c == '\n')
				break;
			continue;
		}
		if (state == LEX_QUOTE) {
			if (c == '"') {
				state = LEX_WORD;
				continue;
			}
			if (c == '\n') {
				conf_lexerr(st, quoteline,
				    "unterminated quoted string");
				break;
			}
			if (c == '\\') {
				conf_lex_escape(p, st);
				continue;
			}
			conf_addc(st, c);
			continue;
		}
		/* LEX_WORD: in a word or in the blanks between words. */
		if (c == '\n')
			break;
		if (c == ' ' || c == '\t' || c == '\r') {
			conf_endword(st);
			continue;
		}
		if (c == '#') {
			conf_endword(st);
			state = LEX_COMMENT;
			continue;
		}
		if (c == '"') {
			/* Quotes group; "" alone is an empty word. */
			conf_addc(st, '\0');
			state = LEX_QUOTE;
			quoteline = p->lineno;
			continue;
		}
		if (c == '\\') {
			conf_lex_continuation(p, st);
			continue;
		}
		conf_addc(st, c);
	}
	conf_lex_end(st);
	return 1;
}

/* Word i must be the keyword word. */
static int
conf_want(struct conf_parser *p, struct conf_stmt *st, size_t i,
    const char *word)
{
	char	 ctx[512], got[CONF_SHOW_MAX + 8];

	if (i >= st->nwords) {
		conf_error(p, st->lineno, "missing \"%s\" after \"%s\"", word,
		    conf_context(st, i, ctx, sizeof(ctx)));
		return -1;
	}
	if (strcmp(st->word[i], word) != 0) {
		conf_error(p, st->lineno, "expected \"%s\" after \"%s\", "
		    "got %s", word, conf_context(st, i, ctx, sizeof(ctx)),
		    conf_show(st->word[i], got, sizeof(got)));
		return -1;
	}
	return 0;
}

/* Word i is an argument, described by what when it is missing. */
static const char *
conf_arg(struct conf_parser *p, struct conf_stmt *st, size_t i,
    const char *what)
{
	char	 ctx[512];

	if (i >= st->nwords) {
		conf_error(p, st->lineno, "missing %s after \"%s\"", what,
		    conf_context(st, i, ctx, sizeof(ctx)));
		return NULL;
	}
	return st->word[i];
}

/* The directive ends at word n. */
static int
conf_end(struct conf_parser *p, struct conf_stmt *st, size_t n)
{
	char	 ctx[512], got[CONF_SHOW_MAX + 8];

	if (st->nseen <= n)
		return 0;
	conf_error(p, st->lineno, "unexpected %s after \"%s\"",
	    conf_show(st->word[n], got, sizeof(got)),
	    conf_context(st, n, ctx, sizeof(ctx)));
	return -1;
}

static int
conf_number(struct conf_parser *p, struct conf_stmt *st, const char *what,
    const char *word, long long min, long long max, int *out)
{
	char		 shown[CONF_SHOW_MAX + 8];
	const char	*errstr;
	long long	 n;

	n = strtonum(word, min, max, &errstr);
	if (errstr == NULL) {
		*out = (int)n;
		return 0;
	}
	conf_show(word, shown, sizeof(shown));
	/* strtonum takes a sign: "-1" is out of range, not junk. */
	if (strcmp(errstr, "invalid") == 0)
		conf_error(p, st->lineno, "%s %s is not a number", what, shown);
	else
		conf_error(p, st->lineno, "%s %s is out of range (%lld-%lld)",
		    what, shown, min, max);
	return -1;
}

static int
conf_remember_line(int **lines, size_t *n, int lineno)
{
	int	*l;

	if ((l = reallocarray(*lines, *n + 1, sizeof(**lines))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	l[(*n)++] = lineno;
	*lines = l;
	return 0;
}

/*
 * Add a listener.  Only literals are taken, never names to look up: the
 * master parses this before it drops privileges, and "localhost" is the
 * one name everybody means the same thing by.
 */
static int
conf_add_listen(struct aileron_conf *conf, const char *addr,
    const char *portstr, int port)
{
	struct conf_listen	*l;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	sin = (struct sockaddr_in *)&l->ss;
	sin6 = (struct sockaddr_in6 *)&l->ss;
	if (strcmp(addr, "localhost") == 0) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		l->sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		l->sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		l->sslen = sizeof(*sin6);
	} else {
		free(l);
		errno = EINVAL;
		return -1;
	}
	snprintf(l->name, sizeof(l->name), "%s port %s", addr, portstr);
	TAILQ_INSERT_TAIL(&conf->listens, l, entry);
	return 0;
}

/* Same address and port: the second bind could only fail. */
static int
conf_same_listen(const struct conf_listen *a, const struct conf_listen *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)&a->ss;
		b4 = (const struct sockaddr_in *)&b->ss;
		return a4->sin_port == b4->sin_port && a4->sin_port != 0 &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	a6 = (const struct sockaddr_in6 *)&a->ss;
	b6 = (const struct sockaddr_in6 *)&b->ss;
	return a6->sin6_port == b6->sin6_port && a6->sin6_port != 0 &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/*
 * "WORD ADDRESS port PORT" from the statement's second word (WORD: "on"
 * for a listen line, "listen" for web listen): a listener on no list
 * yet, its address as written in *addr; NULL when the line is wrong
 * (said).
 */
static struct conf_listen *
conf_listen_words(struct conf_parser *p, struct conf_stmt *st,
    const char *word, const char **addr, int *port)
{
	struct conf_listen	*l;
	const char		*portstr;
	char			 shown[CONF_SHOW_MAX + 8];

	if (conf_want(p, st, 1, word) == -1 ||
	    (*addr = conf_arg(p, st, 2, "an address")) == NULL ||
	    conf_want(p, st, 3, "port") == -1 ||
	    (portstr = conf_arg(p, st, 4, "a port number")) == NULL ||
	    conf_end(p, st, 5) == -1)
		return NULL;
	if (conf_number(p, st, "port", portstr, 0, 65535, port) == -1)
		return NULL;
	if (conf_add_listen(p->conf, *addr, portstr, *port) == -1) {
		if (errno == EINVAL)
			conf_error(p, st->lineno, "address %s is not an IPv4 "
			    "or IPv6 address or \"localhost\"",
			    conf_show(*addr, shown, sizeof(shown)));
		else
			p->errors++;
		return NULL;
	}
	l = TAILQ_LAST(&p->conf->listens, conf_listens);
	TAILQ_REMOVE(&p->conf->listens, l, entry);
	return l;
}

/* listen on ADDRESS port PORT */
static void
conf_do_listen(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_listen	*l, *last, *prev;
	const char		*addr;
	size_t			 i, n;
	int			 port;

	if ((last = conf_listen_words(p, st, "on", &addr, &port)) == NULL)
		return;

	/* The first listen replaces the built-in default. */
	if (!p->listen_seen) {
		p->listen_seen = 1;
		while ((l = TAILQ_FIRST(&p->conf->listens)) != NULL) {
			TAILQ_REMOVE(&p->conf->listens, l, entry);
			free(l);
		}
	}
	n = 0;
	TAILQ_FOREACH(l, &p->conf->listens, entry)
		n++;
	if (n >= CONF_LISTEN_MAX) {
		conf_error(p, st->lineno, "too many listen lines; at most %d",
		    CONF_LISTEN_MAX);
		free(last);
		return;
	}
	TAILQ_INSERT_TAIL(&p->conf->listens, last, entry);
	i = 0;
	TAILQ_FOREACH(prev, &p->conf->listens, entry) {
		if (prev == last)
			break;
		if (conf_same_listen(prev, last)) {
			conf_error(p, st->lineno, "listener %s port %d is "
			    "already defined on line %d", addr, port,
			    i < p->nlisten_lines ? p->listen_lines[i] : 0);
			TAILQ_REMOVE(&p->conf->listens, last, entry);
			free(last);
			return;
		}
		i++;
	}
	if (conf_remember_line(&p->listen_lines, &p->nlisten_lines,
	    st->lineno) == -1) {
		p->errors++;
		return;
	}
	if (!conf_is_loopback(last))
		fprintf(stderr, "%s:%d: warning: listening on %s exposes the "
		    "proxy beyond this host; agents' session tokens are the "
		    "only guard\n", p->path, st->lineno, addr);
}

/*
 * web listen ADDRESS port PORT (issue 14): the web page.  Loopback only:
 * it speaks plain HTTP, and its login carries a user token.
 */
static void
conf_do_web(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_listen	*l;
	const char		*addr;
	char			 shown[CONF_SHOW_MAX + 8];
	int			 port;

	if ((l = conf_listen_words(p, st, "listen", &addr, &port)) == NULL)
		return;
	if (p->conf->web != NULL) {
		conf_error(p, st->lineno, "web listen is already defined");
		free(l);
		return;
	}
	if (!conf_is_loopback(l)) {
		conf_error(p, st->lineno, "web listen %s: only a loopback "
		    "address (127.0.0.1, ::1 or localhost); the page speaks "
		    "plain HTTP and its login carries a user token",
		    conf_show(addr, shown, sizeof(shown)));
		free(l);
		return;
	}
	p->conf->web = l;
}

/* api socket "PATH" */
static void
conf_do_api(struct conf_parser *p, struct conf_stmt *st)
{
	struct sockaddr_un	 un;
	const char		*path;
	char			 shown[CONF_SHOW_MAX + 8];

	if (conf_want(p, st, 1, "socket") == -1 ||
	    (path = conf_arg(p, st, 2, "a path")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	conf_show(path, shown, sizeof(shown));
	if (path[0] != '/') {
		conf_error(p, st->lineno, "api socket %s is not an absolute "
		    "path", shown);
		return;
	}
	/* bind(2) takes no more than sun_path holds; say so now, not later. */
	if (strlen(path) >= sizeof(un.sun_path)) {
		conf_error(p, st->lineno, "api socket %s is longer than the "
		    "%zu bytes a socket path may have", shown,
		    sizeof(un.sun_path) - 1);
		return;
	}
	strlcpy(p->conf->api_socket, path, sizeof(p->conf->api_socket));
}

/* prefork N */
static void
conf_do_prefork(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*n;

	if ((n = conf_arg(p, st, 1, "a number")) == NULL ||
	    conf_end(p, st, 2) == -1)
		return;
	if (conf_number(p, st, "prefork", n, 1, CONF_PREFORK_MAX,
	    &p->conf->prefork) == -1)
		return;
	p->prefork_line = st->lineno;
}

/* max workers N */
static void
conf_do_max(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*n;

	if (conf_want(p, st, 1, "workers") == -1 ||
	    (n = conf_arg(p, st, 2, "a number")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	if (conf_number(p, st, "max workers", n, 1, CONF_WORKERS_MAX,
	    &p->conf->max_workers) == -1)
		return;
	p->workers_line = st->lineno;
}

/* The portable user names of useradd(8), in lower case. */
static int
conf_valid_user(const char *name)
{
	size_t	 i;

	if (name[0] == '\0' || strlen(name) > CONF_USER_MAX)
		return 0;
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return 0;
	for (i = 1; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

/* The user name in word i of st, into buf. */
static void
conf_set_user(struct conf_parser *p, struct conf_stmt *st, size_t i,
    char *buf, size_t len)
{
	const char	*name;
	char		 shown[CONF_SHOW_MAX + 8];

	if ((name = conf_arg(p, st, i, "a user name")) == NULL ||
	    conf_end(p, st, i + 1) == -1)
		return;
	if (!conf_valid_user(name)) {
		conf_error(p, st->lineno, "user %s is not a valid user name: "
		    "1 to %d of a-z, 0-9, _ and -, not starting with a digit "
		    "or -", conf_show(name, shown, sizeof(shown)),
		    CONF_USER_MAX);
		return;
	}
	strlcpy(buf, name, len);
}

/* user "NAME": the workers' user */
static void
conf_do_user(struct conf_parser *p, struct conf_stmt *st)
{
	if (st->nwords > 2 && strcmp(st->word[2], "uid") == 0) {
		conf_do_usermap(p, st);
		return;
	}
	conf_set_user(p, st, 1, p->conf->user, sizeof(p->conf->user));
}

/* control user "NAME", vault user "NAME" */
static void
conf_do_proc_user(struct conf_parser *p, struct conf_stmt *st)
{
	if (conf_want(p, st, 1, "user") == -1)
		return;
	if (strcmp(st->word[0], "control") == 0)
		conf_set_user(p, st, 2, p->conf->control_user,
		    sizeof(p->conf->control_user));
	else
		conf_set_user(p, st, 2, p->conf->vault_user,
		    sizeof(p->conf->vault_user));
}

/*
 * Started as root, the service runs the workers, control and vaultd each
 * as its own user, so that a compromised worker cannot signal or trace
 * the processes that hold sessions and keys.  Each must exist, must not
 * be root, and no two may share a uid.  Says why (on stderr, naming
 * conffile) and returns -1 otherwise.
 */
int
conf_check_users(const struct aileron_conf *conf, const char *conffile)
{
	const struct {
		const char	*what;
		const char	*name;
	} users[] = {
		{ "user", conf->user },
		{ "control user", conf->control_user },
		{ "vault user", conf->vault_user },
	};
	uid_t	 uid[3];
	gid_t	 gid;
	size_t	 i, j;
	int	 rv = 0;

	for (i = 0; i < 3; i++) {
		if (sandbox_lookup_user(users[i].name, &uid[i], &gid) == -1) {
			log_warnx("%s \"%s\" does not exist; create it with "
			    "\"adduser --system --group --no-create-home %s\" "
			    "(make user creates the defaults) or name another "
			    "in %s",
			    users[i].what, users[i].name, users[i].name,
			    conffile);
			rv = -1;
			continue;
		}
		if (uid[i] == 0) {
			log_warnx("%s \"%s\" is root; name an unprivileged "
			    "user in %s", users[i].what, users[i].name,
			    conffile);
			rv = -1;
			continue;
		}
		for (j = 0; j < i; j++)
			if (uid[j] == uid[i]) {
				log_warnx("%s \"%s\" and %s \"%s\" share uid "
				    "%u; each process needs a user of its own "
				    "(see aileron.conf(5))", users[j].what,
				    users[j].name, users[i].what,
				    users[i].name, (unsigned)uid[i]);
				rv = -1;
			}
	}
	return rv;
}

/* Connector names end up in action names, file names and log lines. */
static int
conf_valid_connector(const char *name)
{
	size_t	 i;

	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '-'))
			return 0;
	return i >= 1 && i <= CONF_CONNECTOR_MAX;
}

/* connector "NAME" spec "PATH" */
static void
conf_do_connector(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_connector	*c;
	const char		*name, *path;
	char			 shown[CONF_SHOW_MAX + 8];
	size_t			 i;
	int			 n;

	if (st->nwords > 2 && strcmp(st->word[2], "vault") == 0) {
		conf_do_connvault(p, st);
		return;
	}
	if ((name = conf_arg(p, st, 1, "a connector name")) == NULL ||
	    conf_want(p, st, 2, "spec") == -1 ||
	    (path = conf_arg(p, st, 3, "a spec path")) == NULL ||
	    conf_end(p, st, 4) == -1)
		return;
	if (!conf_valid_connector(name)) {
		conf_error(p, st->lineno, "connector name %s is not valid: "
		    "1 to %d of a-z, 0-9, _ and -",
		    conf_show(name, shown, sizeof(shown)), CONF_CONNECTOR_MAX);
		return;
	}
	if (strcmp(name, "upstream-proxy") == 0) {
		conf_error(p, st->lineno, "connector name \"upstream-proxy\" "
		    "is reserved for the upstream proxy's credential");
		return;
	}
	i = 0;
	TAILQ_FOREACH(c, &p->conf->connectors, entry) {
		if (strcmp(c->name, name) == 0) {
			conf_error(p, st->lineno, "connector \"%s\" is "
			    "already defined on line %d", name,
			    i < p->nconn_lines ? p->conn_lines[i] : 0);
			return;
		}
		i++;
	}
	if (path[0] == '\0') {
		conf_error(p, st->lineno, "connector \"%s\" has an empty spec "
		    "path", name);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		p->errors++;
		return;
	}
	strlcpy(c->name, name, sizeof(c->name));
	/*
	 * A relative spec is relative to this file, not to wherever the
	 * service happened to be started from.
	 */
	if (path[0] == '/')
		n = snprintf(c->spec, sizeof(c->spec), "%s", path);
	else
		n = snprintf(c->spec, sizeof(c->spec), "%s/%s", p->dir, path);
	if (n < 0 || (size_t)n >= sizeof(c->spec)) {
		conf_error(p, st->lineno, "spec path %s is too long",
		    conf_show(path, shown, sizeof(shown)));
		free(c);
		return;
	}
	/* A spec that does not load is reported at this line. */
	snprintf(c->where, sizeof(c->where), "%s:%d", p->path, st->lineno);
	if (conf_remember_line(&p->conn_lines, &p->nconn_lines,
	    st->lineno) == -1) {
		free(c);
		p->errors++;
		return;
	}
	TAILQ_INSERT_TAIL(&p->conf->connectors, c, entry);
}

/* log debug | log info */
static void
conf_do_log(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*level;
	char		 shown[CONF_SHOW_MAX + 8];

	if ((level = conf_arg(p, st, 1, "a log level")) == NULL ||
	    conf_end(p, st, 2) == -1)
		return;
	if (strcmp(level, "debug") == 0)
		p->conf->verbose = 1;
	else if (strcmp(level, "info") == 0)
		p->conf->verbose = 0;
	else
		conf_error(p, st->lineno, "unknown log level %s; use \"debug\" "
		    "or \"info\"", conf_show(level, shown, sizeof(shown)));
}

/*
 * A host name for resolve and allow host lines, into buf in lower case
 * without the root's dot; wildcard allows "*.example.com".
 */
static int
conf_host_name(struct conf_parser *p, struct conf_stmt *st, const char *name,
    int wildcard, char *buf, size_t len)
{
	char		 shown[CONF_SHOW_MAX + 8];
	const char	*check = name;
	size_t		 i, n;

	if (wildcard && strncmp(name, "*.", 2) == 0)
		check = name + 2;
	if (!resolve_valid_name(check)) {
		conf_error(p, st->lineno, "host %s is not a valid host name%s",
		    conf_show(name, shown, sizeof(shown)),
		    wildcard ? " or *.domain" : "");
		return -1;
	}
	/* "*." and a name of the longest: past what a host holds. */
	if ((n = strlcpy(buf, name, len)) >= len) {
		conf_error(p, st->lineno, "host %s is too long",
		    conf_show(name, shown, sizeof(shown)));
		return -1;
	}
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return 0;
}

/*
 * Append elem (size bytes) to the array *arrayp of *n, at most max of
 * them: the repeatable lines, counted and reported as the "what" lines.
 */
static int
conf_append(struct conf_parser *p, struct conf_stmt *st, void *arrayp,
    size_t *n, size_t size, size_t max, const char *what, const void *elem)
{
	void	**array = arrayp, *a;

	if (*n >= max) {
		conf_error(p, st->lineno, "too many %s lines; at most %zu",
		    what, max);
		return -1;
	}
	if ((a = reallocarray(*array, *n + 1, size)) == NULL) {
		log_warn("%s", __func__);
		p->errors++;
		return -1;
	}
	memcpy((char *)a + *n * size, elem, size);
	(*n)++;
	*array = a;
	return 0;
}

/* resolve "HOST" ADDRESS[:PORT] */
static void
conf_do_resolve(struct conf_parser *p, struct conf_stmt *st)
{
	struct resolve_pin	 pin;
	const char		*host, *addr;
	char			 shown[CONF_SHOW_MAX + 8];

	if ((host = conf_arg(p, st, 1, "a host name")) == NULL ||
	    (addr = conf_arg(p, st, 2, "an address")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	memset(&pin, 0, sizeof(pin));
	if (conf_host_name(p, st, host, 0, pin.host, sizeof(pin.host)) == -1)
		return;
	if (resolve_parse_addrport(addr, &pin.addr, &pin.port) == -1) {
		conf_error(p, st->lineno, "address %s is not ADDRESS, "
		    "ADDRESS:PORT or [IPv6]:PORT",
		    conf_show(addr, shown, sizeof(shown)));
		return;
	}
	(void)conf_append(p, st, &p->conf->pins, &p->conf->npins,
	    sizeof(pin), RESOLVE_PINS_MAX, "resolve", &pin);
}

/* nameserver ADDRESS[:PORT] */
static void
conf_do_nameserver(struct conf_parser *p, struct conf_stmt *st)
{
	struct resolve_addr	 a;
	const char		*addr;
	char			 shown[CONF_SHOW_MAX + 8];
	uint16_t		 port;

	if ((addr = conf_arg(p, st, 1, "an address")) == NULL ||
	    conf_end(p, st, 2) == -1)
		return;
	if (resolve_parse_addrport(addr, &a, &port) == -1) {
		conf_error(p, st->lineno, "nameserver %s is not ADDRESS, "
		    "ADDRESS:PORT or [IPv6]:PORT",
		    conf_show(addr, shown, sizeof(shown)));
		return;
	}
	if (p->conf->nnameservers >= RESOLVE_SERVERS_MAX) {
		conf_error(p, st->lineno, "too many nameserver lines; at most "
		    "%d", RESOLVE_SERVERS_MAX);
		return;
	}
	resolve_addr_to_sockaddr(&a, port != 0 ? port : CONF_DNS_PORT,
	    &p->conf->nameservers[p->conf->nnameservers++]);
}

/* allow network CIDR | allow host "HOST" */
static void
conf_do_allow(struct conf_parser *p, struct conf_stmt *st)
{
	struct proxy_conf	*pc = &p->conf->proxy;
	struct resolve_net	 net;
	const char		*what, *arg, *why;
	char			 shown[CONF_SHOW_MAX + 8];
	char			 host[RESOLVE_NAME_MAX + 1];

	if ((what = conf_arg(p, st, 1, "\"network\" or \"host\"")) == NULL)
		return;
	if (strcmp(what, "network") == 0) {
		if ((arg = conf_arg(p, st, 2, "a network")) == NULL ||
		    conf_end(p, st, 3) == -1)
			return;
		if (resolve_parse_net(arg, &net, &why) == -1) {
			conf_error(p, st->lineno, "network %s %s",
			    conf_show(arg, shown, sizeof(shown)), why);
			return;
		}
		(void)conf_append(p, st, &p->conf->nets, &p->conf->nnets,
		    sizeof(net), RESOLVE_NETS_MAX, "allow network", &net);
		return;
	}
	if (strcmp(what, "host") == 0) {
		if ((arg = conf_arg(p, st, 2, "a host name")) == NULL ||
		    conf_end(p, st, 3) == -1)
			return;
		if (conf_host_name(p, st, arg, 1, host, sizeof(host)) == -1)
			return;
		(void)conf_append(p, st, &pc->allow_hosts, &pc->nallow_hosts,
		    sizeof(host), CONF_ALLOW_HOSTS_MAX, "allow host", host);
		return;
	}
	conf_error(p, st->lineno, "expected \"network\" or \"host\" after "
	    "\"allow\", got %s", conf_show(what, shown, sizeof(shown)));
}

/* egress allow | egress deny */
static void
conf_do_egress(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*how;
	char		 shown[CONF_SHOW_MAX + 8];

	if ((how = conf_arg(p, st, 1, "\"allow\" or \"deny\"")) == NULL ||
	    conf_end(p, st, 2) == -1)
		return;
	if (strcmp(how, "allow") == 0)
		p->conf->proxy.egress_deny = 0;
	else if (strcmp(how, "deny") == 0)
		p->conf->proxy.egress_deny = 1;
	else
		conf_error(p, st->lineno, "egress %s: use \"allow\" or "
		    "\"deny\"", conf_show(how, shown, sizeof(shown)));
}

/* intercept all */
static void
conf_do_intercept(struct conf_parser *p, struct conf_stmt *st)
{
	if (conf_want(p, st, 1, "all") == -1 || conf_end(p, st, 2) == -1)
		return;
	p->conf->proxy.intercept_all = 1;
}

/*
 * Issue 12, a corporate proxy upstream:
 * upstream proxy "http://HOST[:PORT]" [credential] and except host "HOST".
 * With credential, each session authenticates to it with its user's
 * credential for the reserved connector upstream-proxy (CONNMAP_CORP),
 * which vaultd holds like any other.  Only http:// is taken: the CONNECT goes in the clear, as browsers send
 * it; the TLS inside is to the upstream itself.
 */
static void
conf_do_upstream_proxy(struct conf_parser *p, struct conf_stmt *st)
{
	struct proxy_conf	*pc = &p->conf->proxy;
	struct resolve_addr	 a;
	const char		*url, *h, *colon, *e;
	char			 shown[CONF_SHOW_MAX + 8];
	char			 host[RESOLVE_NAME_MAX + 1];
	size_t			 hlen;
	long			 port = 3128;
	uint16_t		 lport;

	if ((url = conf_arg(p, st, 2, "a proxy URL")) == NULL)
		return;
	if (st->nwords > 3) {
		if (conf_want(p, st, 3, "credential") == -1 ||
		    conf_end(p, st, 4) == -1)
			return;
		pc->corp_cred = 1;
	}
	conf_show(url, shown, sizeof(shown));
	if (pc->corp_host[0] != '\0') {
		conf_error(p, st->lineno, "a second upstream proxy line");
		return;
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		conf_error(p, st->lineno, "upstream proxy %s is not "
		    "http://HOST[:PORT]", shown);
		return;
	}
	h = url + 7;
	if ((e = strchr(h, '/')) != NULL && strcmp(e, "/") != 0) {
		conf_error(p, st->lineno, "upstream proxy %s has a path",
		    shown);
		return;
	}
	if (e == NULL)
		e = h + strlen(h);
	if (memchr(h, '@', e - h) != NULL) {
		conf_error(p, st->lineno, "upstream proxy %s: no user or "
		    "password in the URL; the file is not a secret", shown);
		return;
	}
	if (h[0] == '[') {
		if ((colon = memchr(h, ']', e - h)) == NULL) {
			conf_error(p, st->lineno, "upstream proxy %s: "
			    "unclosed [", shown);
			return;
		}
		hlen = colon - h - 1;
		h++;
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(h, ':', e - h);
		hlen = (colon != NULL ? colon : e) - h;
	}
	if (colon != NULL) {
		char	 num[8], *end;
		size_t	 nlen = e - colon - 1;

		if (nlen == 0 || nlen >= sizeof(num)) {
			conf_error(p, st->lineno, "upstream proxy %s: bad "
			    "port", shown);
			return;
		}
		memcpy(num, colon + 1, nlen);
		num[nlen] = '\0';
		errno = 0;
		port = strtol(num, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535) {
			conf_error(p, st->lineno, "upstream proxy %s: bad "
			    "port", shown);
			return;
		}
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		conf_error(p, st->lineno, "upstream proxy %s: bad host",
		    shown);
		return;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (resolve_parse_addrport(host, &a, &lport) == 0)
		strlcpy(pc->corp_host, host, sizeof(pc->corp_host));
	else if (conf_host_name(p, st, host, 0, pc->corp_host,
	    sizeof(pc->corp_host)) == -1)
		return;
	pc->corp_port = (uint16_t)port;
}

/* except host "HOST": dialled directly, not through the upstream proxy. */
static void
conf_do_except(struct conf_parser *p, struct conf_stmt *st)
{
	struct proxy_conf	*pc = &p->conf->proxy;
	const char		*arg;
	char			 host[RESOLVE_NAME_MAX + 1];

	if (conf_want(p, st, 1, "host") == -1 ||
	    (arg = conf_arg(p, st, 2, "a host name")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	if (conf_host_name(p, st, arg, 1, host, sizeof(host)) == -1)
		return;
	(void)conf_append(p, st, &pc->except_hosts, &pc->nexcept_hosts,
	    sizeof(host), CONF_ALLOW_HOSTS_MAX, "except host", host);
}

/* upstream ca "FILE": relative to this file, and it must be there. */
static void
conf_do_upstream(struct conf_parser *p, struct conf_stmt *st)
{
	struct proxy_conf	*pc = &p->conf->proxy;
	struct stat		 sb;
	const char		*path;
	char			 shown[CONF_SHOW_MAX + 8];
	int			 n;

	if (st->nwords > 1 && strcmp(st->word[1], "proxy") == 0) {
		conf_do_upstream_proxy(p, st);
		return;
	}
	if (conf_want(p, st, 1, "ca") == -1 ||
	    (path = conf_arg(p, st, 2, "a CA bundle path")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	conf_show(path, shown, sizeof(shown));
	if (path[0] == '\0') {
		conf_error(p, st->lineno, "upstream ca has an empty path");
		return;
	}
	if (path[0] == '/')
		n = snprintf(pc->upstream_ca, sizeof(pc->upstream_ca), "%s",
		    path);
	else
		n = snprintf(pc->upstream_ca, sizeof(pc->upstream_ca), "%s/%s",
		    p->dir, path);
	if (n < 0 || (size_t)n >= sizeof(pc->upstream_ca)) {
		conf_error(p, st->lineno, "upstream ca %s is too long", shown);
		pc->upstream_ca[0] = '\0';
		return;
	}
	if (stat(pc->upstream_ca, &sb) == -1) {
		conf_error(p, st->lineno, "upstream ca %s: %s", shown,
		    strerror(errno));
		pc->upstream_ca[0] = '\0';
	} else if (!S_ISREG(sb.st_mode)) {
		conf_error(p, st->lineno, "upstream ca %s is not a regular "
		    "file", shown);
		pc->upstream_ca[0] = '\0';
	}
}

/* timeout header|idle|upstream SECONDS */
static void
conf_do_timeout(struct conf_parser *p, struct conf_stmt *st)
{
	static const struct {
		const char	*name;
		size_t		 off;
		int		 max;
	} timeouts[] = {
		{ "header", offsetof(struct proxy_conf, timeout_header),
		    CONF_TIMEOUT_HEADER_MAX },
		{ "idle", offsetof(struct proxy_conf, timeout_idle),
		    CONF_TIMEOUT_IDLE_MAX },
		{ "upstream", offsetof(struct proxy_conf, timeout_upstream),
		    CONF_TIMEOUT_UPSTREAM_MAX },
	};
	const char	*which, *n;
	char		 shown[CONF_SHOW_MAX + 8], what[32];
	size_t		 i;

	if ((which = conf_arg(p, st, 1, "\"header\", \"idle\" or "
	    "\"upstream\"")) == NULL)
		return;
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
		if (strcmp(which, timeouts[i].name) == 0)
			break;
	if (i == sizeof(timeouts) / sizeof(timeouts[0])) {
		conf_error(p, st->lineno, "unknown timeout %s; use \"header\", "
		    "\"idle\" or \"upstream\"",
		    conf_show(which, shown, sizeof(shown)));
		return;
	}
	if ((n = conf_arg(p, st, 2, "a number of seconds")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	snprintf(what, sizeof(what), "timeout %s", which);
	(void)conf_number(p, st, what, n, 1, timeouts[i].max,
	    (int *)((char *)&p->conf->proxy + timeouts[i].off));
}

/*
 * A duration: seconds, or a number with s, m, h or d (10m, 12h, 7d),
 * within min..max seconds.
 */
static int
conf_duration(struct conf_parser *p, struct conf_stmt *st, const char *what,
    const char *word, long long min, long long max, int *out)
{
	char		 num[32], shown[CONF_SHOW_MAX + 8], lo[24], hi[24];
	const char	*errstr;
	long long	 n, unit = 1;
	size_t		 len = strlen(word);

	if (len == 0 || len >= sizeof(num))
		goto bad;
	strlcpy(num, word, sizeof(num));
	switch (num[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		unit = 0;
		break;
	}
	if (unit != 0)
		num[len - 1] = '\0';
	else
		unit = 1;
	n = strtonum(num, 0, max, &errstr);
	if (errstr != NULL || n * unit < min || n * unit > max)
		goto bad;
	*out = (int)(n * unit);
	return 0;
 bad:
	conf_error(p, st->lineno, "%s %s is not a duration from %s to %s (a "
	    "number and s, m, h or d)", what,
	    conf_show(word, shown, sizeof(shown)),
	    conf_seconds(min, lo, sizeof(lo)), conf_seconds(max, hi,
	    sizeof(hi)));
	return -1;
}

/* seconds as the largest unit that divides them: 600 is "10m". */
static const char *
conf_seconds(long long n, char *buf, size_t len)
{
	if (n > 0 && n % 86400 == 0)
		snprintf(buf, len, "%lldd", n / 86400);
	else if (n > 0 && n % 3600 == 0)
		snprintf(buf, len, "%lldh", n / 3600);
	else if (n > 0 && n % 60 == 0)
		snprintf(buf, len, "%lldm", n / 60);
	else
		snprintf(buf, len, "%llds", n);
	return buf;
}

/* approval timeout DURATION, approval pending N */
static void
conf_do_approval(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*which, *n;
	char		 shown[CONF_SHOW_MAX + 8];

	if ((which = conf_arg(p, st, 1, "\"timeout\" or \"pending\"")) ==
	    NULL)
		return;
	if (strcmp(which, "timeout") != 0 && strcmp(which, "pending") != 0) {
		conf_error(p, st->lineno, "unknown approval setting %s; use "
		    "\"timeout\" or \"pending\"",
		    conf_show(which, shown, sizeof(shown)));
		return;
	}
	if ((n = conf_arg(p, st, 2, which[0] == 't' ? "a duration" :
	    "a number of requests")) == NULL || conf_end(p, st, 3) == -1)
		return;
	if (which[0] == 't')
		(void)conf_duration(p, st, "approval timeout", n, 1,
		    CONF_APPROVAL_TIMEOUT_MAX, &p->conf->approval_timeout);
	else
		(void)conf_number(p, st, "approval pending", n, 1,
		    CONF_APPROVAL_PENDING_MAX, &p->conf->approval_pending);
}

/*
 * audit retention N{s,m,h,d}: records older than that leave control's
 * audit log (at least a second, at most 100 years).
 * audit syslog: each audit record goes to syslog too.
 */
static void
conf_do_audit(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*what, *n, *errstr;
	char		 shown[CONF_SHOW_MAX + 8], num[32];
	long long	 v, unit;
	size_t		 len;

	if ((what = conf_arg(p, st, 1, "\"retention\" or \"syslog\"")) ==
	    NULL)
		return;
	if (strcmp(what, "syslog") == 0) {
		if (conf_end(p, st, 2) == 0)
			p->conf->audit_syslog = 1;
		return;
	}
	if (strcmp(what, "retention") != 0) {
		conf_error(p, st->lineno, "unknown audit setting %s; use "
		    "\"retention\" or \"syslog\"",
		    conf_show(what, shown, sizeof(shown)));
		return;
	}
	if ((n = conf_arg(p, st, 2, "an age such as 400d")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	conf_show(n, shown, sizeof(shown));
	len = strlen(n);
	unit = len == 0 ? 0 : n[len - 1] == 's' ? 1 : n[len - 1] == 'm' ?
	    60 : n[len - 1] == 'h' ? 3600 : n[len - 1] == 'd' ? 86400 : 0;
	if (unit == 0 || len - 1 >= sizeof(num)) {
		conf_error(p, st->lineno, "audit retention %s: give a number "
		    "and a unit, s, m, h or d (400d)", shown);
		return;
	}
	memcpy(num, n, len - 1);
	num[len - 1] = '\0';
	v = strtonum(num, 1, 36500LL * 86400 / unit, &errstr);
	if (errstr != NULL) {
		conf_error(p, st->lineno, "audit retention %s is %s (1s to "
		    "36500d)", shown, strcmp(errstr, "invalid") == 0 ?
		    "not a number and a unit" : "out of range");
		return;
	}
	p->conf->audit_retention = v * unit;
}

/*
 * May the worker tunnel to host?  With egress allow, any host; with
 * egress deny, only a host on an allow host line ("*.example.com" is any
 * name under example.com, not example.com itself).  Names compare without
 * case and without the root's dot.  A connector's hosts are the matcher's
 * business: the caller asks this only for hosts no connector declares.
 */
int
conf_host_allowed(const struct proxy_conf *pc, const char *host)
{
	if (!pc->egress_deny)
		return 1;
	return conf_host_in(pc->allow_hosts, pc->nallow_hosts, host);
}

/* Is host on an except host line: dialled directly, not through the proxy? */
int
conf_host_excepted(const struct proxy_conf *pc, const char *host)
{
	return conf_host_in(pc->except_hosts, pc->nexcept_hosts, host);
}

static int
conf_host_in(char (*list)[RESOLVE_NAME_MAX + 1], size_t n, const char *host)
{
	const char	*a;
	size_t		 hlen, alen, i;

	hlen = strlen(host);
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	for (i = 0; i < n; i++) {
		a = list[i];
		alen = strlen(a);
		if (a[0] == '*') {
			/* ".example.com" must end host, after a label. */
			if (hlen > alen - 1 && strncasecmp(host + hlen -
			    (alen - 1), a + 1, alen - 1) == 0)
				return 1;
			continue;
		}
		if (hlen == alen && strncasecmp(host, a, alen) == 0)
			return 1;
	}
	return 0;
}

/*
 * policy "PATTERN" allow | approve | deny [for user "NAME" | for team
 * "NAME"]: control's decision on the actions PATTERN matches, overriding
 * the spec's default (control/rules.c has the precedence).
 */
static void
conf_do_policy(struct conf_parser *p, struct conf_stmt *st)
{
	enum rule_verdict	 v;
	enum rule_scope		 scope = RULE_SCOPE_ALL;
	const char		*pattern, *verdict, *kind, *who = NULL;
	char			 where[PATH_MAX + 16], err[256];
	char			 shown[CONF_SHOW_MAX + 8];

	if ((pattern = conf_arg(p, st, 1, "an action or pattern")) == NULL ||
	    (verdict = conf_arg(p, st, 2, "allow, approve or deny")) == NULL)
		return;
	if (rules_verdict_parse(verdict, &v) == -1) {
		conf_error(p, st->lineno, "policy %s: expected allow, approve "
		    "or deny", conf_show(verdict, shown, sizeof(shown)));
		return;
	}
	if (st->nseen > 3) {
		if (conf_want(p, st, 3, "for") == -1 ||
		    (kind = conf_arg(p, st, 4, "user or team")) == NULL ||
		    (who = conf_arg(p, st, 5, "a name")) == NULL ||
		    conf_end(p, st, 6) == -1)
			return;
		if (strcmp(kind, "user") == 0)
			scope = RULE_SCOPE_USER;
		else if (strcmp(kind, "team") == 0)
			scope = RULE_SCOPE_TEAM;
		else {
			conf_error(p, st->lineno, "policy ... for %s: "
			    "expected user or team",
			    conf_show(kind, shown, sizeof(shown)));
			return;
		}
	}
	snprintf(where, sizeof(where), "%s:%d", p->path, st->lineno);
	if (rules_add(&p->conf->rules, pattern, v, scope, who, where, err,
	    sizeof(err)) == -1)
		conf_error(p, st->lineno, "policy %s: %s",
		    conf_show(pattern, shown, sizeof(shown)), err);
}

/*
 * shell deny "PATTERN" | shell approve "PATTERN": what launch's shell
 * mediation asks control about; a pattern as fnmatch(3) reads it, over
 * the whole command line.
 */
static void
conf_do_shell(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_shell	*v;
	const char		*how, *pattern;
	char			 shown[CONF_SHOW_MAX + 8];

	if ((how = conf_arg(p, st, 1, "deny or approve")) == NULL ||
	    (pattern = conf_arg(p, st, 2, "a pattern")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	if (strcmp(how, "deny") != 0 && strcmp(how, "approve") != 0) {
		conf_error(p, st->lineno, "shell %s: expected deny or approve",
		    conf_show(how, shown, sizeof(shown)));
		return;
	}
	if (*pattern == '\0' || strlen(pattern) >= CONF_SHELL_PATTERN_MAX) {
		conf_error(p, st->lineno, "shell %s: a pattern of 1 to %d "
		    "characters", how, CONF_SHELL_PATTERN_MAX - 1);
		return;
	}
	if (p->conf->nshells >= CONF_SHELL_MAX) {
		conf_error(p, st->lineno, "more than %d shell lines",
		    CONF_SHELL_MAX);
		return;
	}
	if ((v = reallocarray(p->conf->shells, p->conf->nshells + 1,
	    sizeof(*v))) == NULL)
		fatal("%s", __func__);
	p->conf->shells = v;
	v = &p->conf->shells[p->conf->nshells++];
	memset(v, 0, sizeof(*v));
	strlcpy(v->pattern, pattern, sizeof(v->pattern));
	v->approve = strcmp(how, "approve") == 0;
	snprintf(v->where, sizeof(v->where), "%s:%d", p->path, st->lineno);
}

/* session idle DURATION | session max DURATION */
static void
conf_do_session(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*what, *val;
	char		 shown[CONF_SHOW_MAX + 8];

	if ((what = conf_arg(p, st, 1, "idle or max")) == NULL ||
	    (val = conf_arg(p, st, 2, "a duration")) == NULL ||
	    conf_end(p, st, 3) == -1)
		return;
	if (strcmp(what, "idle") == 0)
		conf_duration(p, st, "session idle", val, 1,
		    CONF_SESSION_LIMIT, &p->conf->session_idle);
	else if (strcmp(what, "max") == 0)
		conf_duration(p, st, "session max", val, 1,
		    CONF_SESSION_LIMIT, &p->conf->session_max);
	else
		conf_error(p, st->lineno, "session %s: expected idle or max",
		    conf_show(what, shown, sizeof(shown)));
}
/* End of policy and sessions. */

static void
conf_do_stmt(struct conf_parser *p, struct conf_stmt *st)
{
	char	 shown[CONF_SHOW_MAX + 8];
	size_t	 i;

	if (st->errline != 0) {
		conf_error(p, st->errline, "%s", st->err);
		return;
	}
	if (st->nwords == 0)
		return;
	for (i = 0; i < sizeof(conf_directives) / sizeof(conf_directives[0]);
	    i++) {
		if (strcmp(st->word[0], conf_directives[i].keyword) == 0) {
			conf_directives[i].handler(p, st);
			return;
		}
	}
	conf_error(p, st->lineno, "unknown keyword %s",
	    conf_show(st->word[0], shown, sizeof(shown)));
}

/*
 * metrics lines (issue 14):
 *
 *	metrics listen ADDRESS port PORT
 *	metrics token sha256:HEX
 *	metrics allow ADDRESS
 *
 * The listener is on loopback only: /metrics tells which connectors,
 * teams and models are in use, and the token travels in clear over TCP.
 * The token is configured as its SHA-256, so that neither this file nor
 * the master (whose memory every worker inherits) holds a secret.
 */
static int
conf_metrics_addr(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strcmp(addr, "localhost") == 0)
		addr = "127.0.0.1";
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*sslen = sizeof(*sin6);
	} else
		return -1;
	return 0;
}

static void
conf_do_metrics(struct conf_parser *p, struct conf_stmt *st)
{
	struct aileron_conf	*conf = p->conf;
	struct conf_listen	*l;
	struct sockaddr_storage	*a;
	const char		*what, *addr, *portstr, *tok;
	char			 shown[CONF_SHOW_MAX + 8];
	size_t			 i;
	int			 port, hi, lo;

	if ((what = conf_arg(p, st, 1, "listen, token or allow")) == NULL)
		return;
	if (strcmp(what, "listen") == 0) {
		if ((addr = conf_arg(p, st, 2, "an address")) == NULL ||
		    conf_want(p, st, 3, "port") == -1 ||
		    (portstr = conf_arg(p, st, 4, "a port number")) == NULL ||
		    conf_end(p, st, 5) == -1 ||
		    conf_number(p, st, "port", portstr, 0, 65535, &port) == -1)
			return;
		if (conf->metrics_listen != NULL) {
			conf_error(p, st->lineno, "metrics listen is already "
			    "defined");
			return;
		}
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatal("%s", __func__);
		if (conf_metrics_addr(addr, port, &l->ss, &l->sslen) == -1) {
			conf_error(p, st->lineno, "address %s is not an IPv4 "
			    "or IPv6 address or \"localhost\"",
			    conf_show(addr, shown, sizeof(shown)));
			free(l);
			return;
		}
		if (!conf_is_loopback(l)) {
			conf_error(p, st->lineno, "metrics listen %s: only a "
			    "loopback address; see aileron.conf(5)",
			    conf_show(addr, shown, sizeof(shown)));
			free(l);
			return;
		}
		snprintf(l->name, sizeof(l->name), "%s port %s", addr,
		    portstr);
		conf->metrics_listen = l;
		p->metrics_line = st->lineno;
	} else if (strcmp(what, "token") == 0) {
		if ((tok = conf_arg(p, st, 2, "sha256:HEX")) == NULL ||
		    conf_end(p, st, 3) == -1)
			return;
		if (strncmp(tok, "sha256:", 7) != 0 || strlen(tok + 7) != 64 ||
		    strspn(tok + 7, "0123456789abcdefABCDEF") != 64) {
			conf_error(p, st->lineno, "metrics token: expected "
			    "sha256: and the 64 hex digits of the token's "
			    "SHA-256, never the token itself");
			return;
		}
		if (conf->metrics_token_set) {
			conf_error(p, st->lineno, "metrics token is already "
			    "defined");
			return;
		}
		for (i = 0; i < 32; i++) {
			hi = tolower((unsigned char)tok[7 + i * 2]);
			lo = tolower((unsigned char)tok[8 + i * 2]);
			hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
			lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
			conf->metrics_token[i] = hi << 4 | lo;
		}
		conf->metrics_token_set = 1;
	} else if (strcmp(what, "allow") == 0) {
		if ((addr = conf_arg(p, st, 2, "an address")) == NULL ||
		    conf_end(p, st, 3) == -1)
			return;
		if (conf->nmetrics_allow >= CONF_METRICS_ALLOW_MAX) {
			conf_error(p, st->lineno, "too many metrics allow "
			    "lines; at most %d", CONF_METRICS_ALLOW_MAX);
			return;
		}
		if ((a = reallocarray(conf->metrics_allow,
		    conf->nmetrics_allow + 1, sizeof(*a))) == NULL)
			fatal("%s", __func__);
		conf->metrics_allow = a;
		a = &conf->metrics_allow[conf->nmetrics_allow];
		if (conf_metrics_addr(addr, 0, a, &(socklen_t){ 0 }) == -1) {
			conf_error(p, st->lineno, "address %s is not an IPv4 "
			    "or IPv6 address or \"localhost\"",
			    conf_show(addr, shown, sizeof(shown)));
			return;
		}
		conf->nmetrics_allow++;
	} else
		conf_error(p, st->lineno, "metrics %s: expected listen, token "
		    "or allow", conf_show(what, shown, sizeof(shown)));
}
/* End of metrics lines. */

/* Checks that need the whole file, reported at the line that decided them. */
/*
 * prices "PATH": the price table aileron-prices(5) describes, relative to
 * this file's directory.  Without the line, the installed table is used
 * when there is one.
 */
static void
conf_do_prices(struct conf_parser *p, struct conf_stmt *st)
{
	const char	*path;
	int		 n;

	if ((path = conf_arg(p, st, 1, "the price table's path")) == NULL ||
	    conf_end(p, st, 2) == -1)
		return;
	if (p->prices_line != 0) {
		conf_error(p, st->lineno, "a second prices line (the first is "
		    "line %d)", p->prices_line);
		return;
	}
	p->prices_line = st->lineno;
	if (*path == '/')
		n = snprintf(p->conf->prices_path,
		    sizeof(p->conf->prices_path), "%s", path);
	else
		n = snprintf(p->conf->prices_path,
		    sizeof(p->conf->prices_path), "%s/%s", p->dir, path);
	if (n < 0 || (size_t)n >= sizeof(p->conf->prices_path))
		conf_error(p, st->lineno, "prices: the path is too long");
}

static void
conf_load_prices(struct conf_parser *p)
{
	struct aileron_conf	*conf = p->conf;
	char			 err[512];

	if (conf->prices_path[0] == '\0') {
		if (access(AILERON_SYSCONFDIR "/prices", F_OK) == -1)
			return;
		strlcpy(conf->prices_path, AILERON_SYSCONFDIR "/prices",
		    sizeof(conf->prices_path));
	}
	if (prices_load(&conf->prices, conf->prices_path, err,
	    sizeof(err)) == -1) {
		if (p->prices_line != 0)
			conf_error(p, p->prices_line, "prices: %s", err);
		else {
			log_warnx("%s", err);
			p->errors++;
		}
	}
}

/*
 * Budgets (issue 14, section 2), which control keeps (control/budget.c):
 *
 *	budget user|team|agent|project "NAME" AMOUNT tokens|USD
 *	    per day|week|month
 *	budget reservation N
 */
const char *const conf_budget_scopes[] = { "user", "team", "agent",
    "project", NULL };
const char *const conf_budget_units[] = { "tokens", "USD", NULL };
const char *const conf_budget_periods[] = { "day", "week", "month", NULL };

static int
conf_budget_word(const char *const *words, const char *w)
{
	int	 i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], w) == 0)
			return i;
	return -1;
}

/*
 * A whole number of tokens, or dollars with up to six decimals (kept as
 * micro-dollars, exactly, as the price table's figures): 0 when valid.
 */
static int
conf_budget_amount(const char *w, int unit, uint64_t *out)
{
	uint64_t	 v = 0, frac = 0;
	int		 digits = 0, fdigits = 0;

	for (; *w >= '0' && *w <= '9'; w++, digits++) {
		if (v > CONF_BUDGET_AMOUNT_MAX / 10)
			return -1;
		v = v * 10 + (*w - '0');
	}
	if (*w == '.' && unit == BUDGET_USD)
		for (w++; *w >= '0' && *w <= '9'; w++, fdigits++) {
			if (fdigits == 6)
				return -1;
			frac = frac * 10 + (*w - '0');
		}
	if (*w != '\0' || digits == 0)
		return -1;
	if (unit == BUDGET_USD) {
		for (; fdigits < 6; fdigits++)
			frac *= 10;
		if (v > CONF_BUDGET_AMOUNT_MAX / 1000000)
			return -1;
		v = v * 1000000 + frac;
	}
	if (v == 0 || v > CONF_BUDGET_AMOUNT_MAX)
		return -1;
	*out = v;
	return 0;
}

static void
conf_do_budget(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_budget	 b;
	const char		*w, *name;
	char			 shown[CONF_SHOW_MAX + 8];
	int			 n;
	size_t			 i;

	if ((w = conf_arg(p, st, 1, "a scope (user, team, agent or "
	    "project) or \"reservation\"")) == NULL)
		return;
	if (strcmp(w, "reservation") == 0) {
		if ((w = conf_arg(p, st, 2, "a number of tokens")) == NULL ||
		    conf_end(p, st, 3) == -1)
			return;
		(void)conf_number(p, st, "budget reservation", w, 1,
		    CONF_BUDGET_RESERVATION_MAX, &p->conf->budget_reservation);
		return;
	}
	memset(&b, 0, sizeof(b));
	if ((b.scope = conf_budget_word(conf_budget_scopes, w)) == -1) {
		conf_error(p, st->lineno, "budget %s: expected user, team, "
		    "agent, project or reservation",
		    conf_show(w, shown, sizeof(shown)));
		return;
	}
	if ((name = conf_arg(p, st, 2, "a name")) == NULL ||
	    (w = conf_arg(p, st, 4, "tokens or USD")) == NULL)
		return;
	if ((b.unit = conf_budget_word(conf_budget_units, w)) == -1) {
		conf_error(p, st->lineno, "budget: %s is no unit; use tokens "
		    "or USD", conf_show(w, shown, sizeof(shown)));
		return;
	}
	if (conf_want(p, st, 5, "per") == -1 ||
	    (w = conf_arg(p, st, 6, "day, week or month")) == NULL ||
	    conf_end(p, st, 7) == -1)
		return;
	if ((b.period = conf_budget_word(conf_budget_periods, w)) == -1) {
		conf_error(p, st->lineno, "budget: %s is no period; use day, "
		    "week or month", conf_show(w, shown, sizeof(shown)));
		return;
	}
	if (*name == '\0' || strlen(name) > (b.scope == BUDGET_USER ?
	    CONF_BUDGET_NAME_MAX - 8 : 63) || (b.scope == BUDGET_USER ?
	    !vault_valid_user(name) : strcspn(name, "\"\\") !=
	    strlen(name))) {
		conf_error(p, st->lineno, "budget %s %s: not a valid name",
		    conf_budget_scopes[b.scope],
		    conf_show(name, shown, sizeof(shown)));
		return;
	}
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 ||
		    (unsigned char)name[i] > 0x7e) {
			conf_error(p, st->lineno, "budget %s: the name has a "
			    "control character", conf_budget_scopes[b.scope]);
			return;
		}
	strlcpy(b.name, name, sizeof(b.name));
	if (conf_budget_amount(st->word[3], b.unit, &b.limit) == -1) {
		conf_error(p, st->lineno, "budget: %s is not an amount of %s "
		    "(%s, more than 0)", conf_show(st->word[3], shown,
		    sizeof(shown)), conf_budget_units[b.unit],
		    b.unit == BUDGET_USD ? "dollars with up to six decimals" :
		    "a whole number");
		return;
	}
	for (i = 0; i < p->conf->nbudgets; i++)
		if (p->conf->budgets[i].scope == b.scope &&
		    p->conf->budgets[i].unit == b.unit &&
		    p->conf->budgets[i].period == b.period &&
		    strcmp(p->conf->budgets[i].name, b.name) == 0) {
			conf_error(p, st->lineno, "a second budget of %s %s "
			    "in %s per %s (the first is %s)",
			    conf_budget_scopes[b.scope], b.name,
			    conf_budget_units[b.unit],
			    conf_budget_periods[b.period],
			    p->conf->budgets[i].where);
			return;
		}
	b.lineno = st->lineno;
	n = snprintf(b.where, sizeof(b.where), "%s:%d", p->path, st->lineno);
	if (n < 0 || (size_t)n >= sizeof(b.where))
		strlcpy(b.where, "aileron.conf", sizeof(b.where));
	(void)conf_append(p, st, &p->conf->budgets, &p->conf->nbudgets,
	    sizeof(b), CONF_BUDGET_MAX, "budget", &b);
}

/* A budget in dollars needs prices: say so now, not at the first request. */
static void
conf_check_budgets(struct conf_parser *p)
{
	size_t	 i;

	for (i = 0; i < p->conf->nbudgets; i++)
		if (p->conf->budgets[i].unit == BUDGET_USD &&
		    p->conf->prices.n == 0) {
			conf_error(p, p->conf->budgets[i].lineno, "a budget "
			    "in USD needs a price table: a prices line "
			    "(aileron-prices(5))");
			return;
		}
}
/* End of budgets. */

static void
conf_check(struct conf_parser *p)
{
	struct aileron_conf	*conf = p->conf;

	if (conf->max_workers < conf->prefork)
		conf_error(p, p->workers_line >= p->prefork_line ?
		    p->workers_line : p->prefork_line,
		    "max workers (%d) is less than prefork (%d)",
		    conf->max_workers, conf->prefork);
	/* A listener nobody may use is a mistake. */
	if (conf->metrics_listen != NULL && !conf->metrics_token_set &&
	    conf->nmetrics_allow == 0)
		conf_error(p, p->metrics_line, "metrics listen needs a "
		    "metrics token or a metrics allow line");
}

struct aileron_conf *
conf_defaults(const char *statedir)
{
	struct aileron_conf	*conf;
	int			 n;

	if (statedir == NULL || *statedir == '\0') {
		log_warnx("%s: no state directory", __func__);
		return NULL;
	}
	if ((conf = calloc(1, sizeof(*conf))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	TAILQ_INIT(&conf->listens);
	TAILQ_INIT(&conf->connectors);
	n = snprintf(conf->api_socket, sizeof(conf->api_socket), "%s/api.sock",
	    statedir);
	if (n < 0 || (size_t)n >= sizeof(conf->api_socket)) {
		log_warnx("state directory %s is too long", statedir);
		free(conf);
		return NULL;
	}
	conf->prefork = CONF_DEFAULT_PREFORK;
	conf->max_workers = CONF_DEFAULT_WORKERS;
	strlcpy(conf->user, CONF_DEFAULT_USER, sizeof(conf->user));
	strlcpy(conf->control_user, CONF_DEFAULT_CONTROL_USER,
	    sizeof(conf->control_user));
	strlcpy(conf->vault_user, CONF_DEFAULT_VAULT_USER,
	    sizeof(conf->vault_user));
	conf->verbose = 0;
	conf->proxy.timeout_header = CONF_TIMEOUT_HEADER;
	conf->proxy.timeout_idle = CONF_TIMEOUT_IDLE;
	conf->proxy.timeout_upstream = CONF_TIMEOUT_UPSTREAM;
	conf->session_idle = CONF_SESSION_IDLE;
	conf->session_max = CONF_SESSION_MAX;
	conf->approval_timeout = CONF_APPROVAL_TIMEOUT;
	conf->approval_pending = CONF_APPROVAL_PENDING;
	conf->budget_reservation = CONF_BUDGET_RESERVATION;
	if (conf_add_listen(conf, "127.0.0.1", "8443", CONF_DEFAULT_PORT)
	    == -1) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

struct aileron_conf *
conf_parse(const char *path, const char *statedir, int must_exist)
{
	struct conf_parser	 p;
	struct conf_stmt	*st;
	struct aileron_conf	*conf;
	char			 dir[PATH_MAX], *d;

	if ((conf = conf_defaults(statedir)) == NULL)
		return NULL;
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.conf = conf;
	p.lineno = 1;
	if ((p.fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist) {
			conf_load_prices(&p);
			if (p.errors == 0)
				return conf;
			conf_free(conf);
			return NULL;
		}
		log_warn("cannot open configuration file %s", path);
		conf_free(conf);
		return NULL;
	}
	/* dirname(3) may write to its argument. */
	strlcpy(dir, path, sizeof(dir));
	d = dirname(dir);
	if (realpath(d, p.dir) == NULL)
		strlcpy(p.dir, d, sizeof(p.dir));
	if ((st = malloc(sizeof(*st))) == NULL) {
		log_warn("%s", __func__);
		fclose(p.fp);
		conf_free(conf);
		return NULL;
	}

	while (conf_read_stmt(&p, st))
		conf_do_stmt(&p, st);
	if (ferror(p.fp)) {
		log_warn("cannot read configuration file %s", path);
		p.errors++;
	}
	conf_check(&p);
	conf_load_prices(&p);
	conf_check_budgets(&p);

	free(st);
	free(p.listen_lines);
	free(p.conn_lines);
	fclose(p.fp);
	if (p.errors > 0) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

/*
 * The file a command names, else the state directory's aileron.conf,
 * which may be missing (all defaults then).  The name used goes to path
 * (PATH_MAX bytes), for messages.
 */
struct aileron_conf *
conf_parse_state(const char *statedir, const char *file, char *path)
{
	if (file != NULL) {
		strlcpy(path, file, PATH_MAX);
		return conf_parse(file, statedir, 1);
	}
	if (state_path(path, PATH_MAX, statedir, STATE_CONF) == -1) {
		log_warnx("state directory %s is too long", statedir);
		return NULL;
	}
	return conf_parse(path, statedir, 0);
}

void
conf_free(struct aileron_conf *conf)
{
	struct conf_listen	*l;
	struct conf_connector	*c;

	if (conf == NULL)
		return;
	while ((l = TAILQ_FIRST(&conf->listens)) != NULL) {
		TAILQ_REMOVE(&conf->listens, l, entry);
		free(l);
	}
	while ((c = TAILQ_FIRST(&conf->connectors)) != NULL) {
		TAILQ_REMOVE(&conf->connectors, c, entry);
		free(c);
	}
	free(conf->web);
	free(conf->proxy.allow_hosts);
	rules_free(&conf->rules);
	free(conf->usermaps);
	free(conf->connvaults);
	free(conf->shells);
	free(conf->proxy.except_hosts);
	free(conf->pins);
	free(conf->nets);
	free(conf->metrics_listen);
	free(conf->metrics_allow);
	resolvconf_free(conf->resolve);
	prices_free(&conf->prices);
	free(conf->budgets);
	free(conf);
}

/*
 * Loopback is 127.0.0.0/8 and ::1, and an IPv4 loopback address mapped into
 * IPv6: only these keep the proxy on this host.
 */
int
conf_is_loopback(const struct conf_listen *l)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const uint8_t			*a;

	switch (l->ss.ss_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)&l->ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == IN_LOOPBACKNET;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)&l->ss;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
		a = sin6->sin6_addr.s6_addr;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    a[12] == IN_LOOPBACKNET;
	default:
		return 0;
	}
}

/*
 * Teams (issue 11).  user "NAME" uid N: the OS uid N is the aileron user
 * NAME on api.sock, whatever its login name.  One line per uid and per
 * name, so that who is who never depends on the order of lines.
 */
static void
conf_do_usermap(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_usermap	 um;
	const char		*name, *errstr;
	char			 shown[CONF_SHOW_MAX + 8];
	long long		 uid;
	size_t			 i;

	if ((name = conf_arg(p, st, 1, "a user name")) == NULL ||
	    conf_want(p, st, 2, "uid") == -1 ||
	    conf_arg(p, st, 3, "a uid") == NULL || conf_end(p, st, 4) == -1)
		return;
	if (!vault_valid_user(name)) {
		conf_error(p, st->lineno, "user %s is not a valid aileron user "
		    "name: 1 to %d letters, digits, ., _ and -",
		    conf_show(name, shown, sizeof(shown)), VAULT_USER_MAX);
		return;
	}
	uid = strtonum(st->word[3], 0, UINT32_MAX - 1, &errstr);
	if (errstr != NULL) {
		conf_error(p, st->lineno, "uid %s is %s",
		    conf_show(st->word[3], shown, sizeof(shown)),
		    strcmp(errstr, "invalid") == 0 ? "not a number" :
		    "out of range");
		return;
	}
	for (i = 0; i < p->conf->nusermaps; i++) {
		if (p->conf->usermaps[i].uid == (unsigned int)uid) {
			conf_error(p, st->lineno, "uid %lld is already mapped "
			    "to user \"%s\"", uid, p->conf->usermaps[i].user);
			return;
		}
		if (strcmp(p->conf->usermaps[i].user, name) == 0) {
			conf_error(p, st->lineno, "user \"%s\" is already "
			    "mapped to uid %u", name, p->conf->usermaps[i].uid);
			return;
		}
	}
	memset(&um, 0, sizeof(um));
	um.uid = (unsigned int)uid;
	strlcpy(um.user, name, sizeof(um.user));
	conf_append(p, st, &p->conf->usermaps, &p->conf->nusermaps,
	    sizeof(um), CONF_USERMAP_MAX, "user uid", &um);
}

/*
 * connector "NAME" vault "VAULT": when several shared vaults of a user
 * hold a credential for the connector, the one named VAULT serves it.
 */
static void
conf_do_connvault(struct conf_parser *p, struct conf_stmt *st)
{
	struct conf_connvault	 cv;
	const char		*name, *vault;
	char			 shown[CONF_SHOW_MAX + 8];
	size_t			 i;

	if ((name = conf_arg(p, st, 1, "a connector name")) == NULL ||
	    conf_want(p, st, 2, "vault") == -1 ||
	    (vault = conf_arg(p, st, 3, "a vault name")) == NULL ||
	    conf_end(p, st, 4) == -1)
		return;
	if (!vault_valid_connector(name)) {
		conf_error(p, st->lineno, "connector name %s is not valid",
		    conf_show(name, shown, sizeof(shown)));
		return;
	}
	if (!vault_valid_name(vault)) {
		conf_error(p, st->lineno, "vault name %s is not valid: 1 to "
		    "%d letters, digits and ._-@+:",
		    conf_show(vault, shown, sizeof(shown)), VAULT_NAME_MAX);
		return;
	}
	for (i = 0; i < p->conf->nconnvaults; i++)
		if (strcmp(p->conf->connvaults[i].connector, name) == 0) {
			conf_error(p, st->lineno, "connector \"%s\" already "
			    "has its vault, \"%s\"", name,
			    p->conf->connvaults[i].vault);
			return;
		}
	memset(&cv, 0, sizeof(cv));
	strlcpy(cv.connector, name, sizeof(cv.connector));
	strlcpy(cv.vault, vault, sizeof(cv.vault));
	conf_append(p, st, &p->conf->connvaults, &p->conf->nconnvaults,
	    sizeof(cv), CONF_CONNVAULT_MAX, "connector vault", &cv);
}
