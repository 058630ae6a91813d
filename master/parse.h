/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* parse.h: the aileron.conf(5) parser and the configuration it produces. */

#ifndef AILERON_PARSE_H
#define AILERON_PARSE_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <limits.h>

#include "worker/resolve.h"
#include "control/rules.h"
#include "prices.h"

/* listen lines; each is a descriptor in every worker, kept small. */
#define CONF_LISTEN_MAX	64

struct conf_listen {
	TAILQ_ENTRY(conf_listen)	 entry;
	struct sockaddr_storage		 ss;	/* address and port; port 0 = any free */
	socklen_t			 sslen;
	char				 name[128];	/* as written: "127.0.0.1 port 8443" */
};
TAILQ_HEAD(conf_listens, conf_listen);

struct conf_connector {
	TAILQ_ENTRY(conf_connector)	 entry;
	char				 name[64];
	char				 spec[PATH_MAX];
	char				 where[PATH_MAX + 16]; /* "file:line" */
};
TAILQ_HEAD(conf_connectors, conf_connector);

/*
 * What the proxy's data path needs from the file; workers inherit it with
 * the rest of the configuration and read it as conf->proxy.
 */
struct proxy_conf {
	int		 egress_deny;	/* tunnel only allow host lines */
	int		 intercept_all;	/* every host, not connectors' only */
	char		 upstream_ca[PATH_MAX];	/* "": the system store */
	int		 timeout_header;	/* s; default 10, 1..300 */
	int		 timeout_idle;		/* s; default 60, 1..3600 */
	int		 timeout_upstream;	/* s; default 300, 1..86400 */
	/* allow host lines, lower case, no root dot; "*.example.com" too */
	char		(*allow_hosts)[RESOLVE_NAME_MAX + 1];
	size_t		 nallow_hosts;
	/* upstream proxy "http://HOST:PORT": "" when dialled directly */
	char		 corp_host[RESOLVE_NAME_MAX + 1];
	uint16_t	 corp_port;
	int		 corp_cred;	/* credential: the vault's, per session */
	/* except host lines: dialled directly; same form as allow_hosts */
	char		(*except_hosts)[RESOLVE_NAME_MAX + 1];
	size_t		 nexcept_hosts;
};

/* Teams (issue 11): user NAME uid N; connector NAME vault VAULT. */
#define CONF_USERMAP_MAX	4096
#define CONF_CONNVAULT_MAX	256
struct conf_usermap {
	unsigned int	 uid;
	char		 user[65];
};
struct conf_connvault {
	char		 connector[65];
	char		 vault[65];
};

/* shell deny|approve "PATTERN" (launch's shell mediation) */
#define CONF_SHELL_PATTERN_MAX	256
#define CONF_SHELL_MAX		1024

struct conf_shell {
	char		 pattern[CONF_SHELL_PATTERN_MAX];
	int		 approve;		/* else deny */
	char		 where[PATH_MAX + 16];	/* "file:line" */
};

struct aileron_conf {
	struct conf_listens	 listens;	/* default: one, 127.0.0.1 port 8443 */
	char			 api_socket[PATH_MAX];	/* default: "<statedir>/api.sock" */
	int			 prefork;	/* default 4, range 1..256 */
	int			 max_workers;	/* default 64, range 1..4096, must be >= prefork */
	char			 user[64];	/* workers; default "_aileron" */
	char			 control_user[64]; /* default "_aileron-control" */
	char			 vault_user[64];	/* default "_aileron-vault" */
	struct conf_connectors	 connectors;	/* default: none */
	int			 verbose;	/* "log debug" -> 1; "log info" -> 0 (default) */
	struct proxy_conf	 proxy;
	struct resolve_pin	*pins;		/* resolve lines */
	size_t			 npins;
	struct resolve_net	*nets;		/* allow network lines */
	size_t			 nnets;
	/* nameserver lines; none: those of /etc/resolv.conf */
	struct sockaddr_storage	 nameservers[RESOLVE_SERVERS_MAX];
	size_t			 nnameservers;
	struct resolve_conf	*resolve;	/* resolvconf_load() */
	/* Policy and sessions: control reads these (issue 11). */
	struct rules		 rules;		/* policy lines */
	int			 session_idle;	/* s; default 12h */
	int			 session_max;	/* s; default 7d */
	/* Teams (issue 11): user and connector-vault lines. */
	struct conf_usermap	*usermaps;
	size_t			 nusermaps;
	struct conf_connvault	*connvaults;
	size_t			 nconnvaults;
	/* Approvals (issue 11, section 3): control's two lines. */
	int			 approval_timeout;	/* s; default 600 */
	int			 approval_pending;	/* default 4 */
	/* shell lines: control decides the sandbox's shell commands */
	struct conf_shell	*shells;
	size_t			 nshells;
	/* audit lines: control's audit log */
	long long		 audit_retention;	/* s; 0: keep all */
	int			 audit_syslog;	/* each record to syslog too */
	/* The price table (issue 14): "prices" line, else the installed one */
	char			 prices_path[PATH_MAX];	/* "" if none */
	struct prices		 prices;
	/* Budgets (issue 14): budget lines, control's */
	struct conf_budget	*budgets;
	size_t			 nbudgets;
	int			 budget_reservation;	/* tokens */
	/*
	 * metrics lines (issue 14): /metrics on a loopback TCP listener,
	 * for a bearer whose SHA-256 is the token's (the token itself is
	 * never here) or a peer on an allow line.
	 */
	struct conf_listen	*metrics_listen;	/* NULL: none */
	uint8_t			 metrics_token[32];	/* SHA-256 */
	int			 metrics_token_set;
	struct sockaddr_storage	*metrics_allow;
	size_t			 nmetrics_allow;
	/* The web page (issue 14): "web listen", loopback only; or NULL */
	struct conf_listen	*web;
};
#define CONF_METRICS_ALLOW_MAX	64

/*
 * Parse path; a missing file is all defaults when must_exist is 0.  Errors go
 * to stderr as "file:line: message" (one line each) and the function returns
 * NULL after reporting every error in the file, not just the first.
 */
/*
 * Budgets (issue 14, section 2): budget SCOPE "NAME" AMOUNT UNIT per
 * PERIOD.  A USD amount is kept in micro-dollars, as the price table's.
 */
enum conf_budget_scope {
	BUDGET_USER, BUDGET_TEAM, BUDGET_AGENT, BUDGET_PROJECT
};
enum conf_budget_unit { BUDGET_TOKENS, BUDGET_USD };
enum conf_budget_period { BUDGET_DAY, BUDGET_WEEK, BUDGET_MONTH };
#define CONF_BUDGET_MAX			1024
#define CONF_BUDGET_NAME_MAX		72	/* a user; a label: 64 */
#define CONF_BUDGET_AMOUNT_MAX		1000000000000000ULL
#define CONF_BUDGET_RESERVATION		4096	/* tokens */
#define CONF_BUDGET_RESERVATION_MAX	10000000

struct conf_budget {
	int		 scope;		/* enum conf_budget_scope */
	int		 unit;		/* enum conf_budget_unit */
	int		 period;	/* enum conf_budget_period */
	uint64_t	 limit;		/* tokens, or micro-USD */
	char		 name[CONF_BUDGET_NAME_MAX + 1];
	char		 where[PATH_MAX + 16];	/* "file:line" */
	int		 lineno;
};

extern const char *const conf_budget_scopes[];
extern const char *const conf_budget_units[];
extern const char *const conf_budget_periods[];

#define CONF_APPROVAL_TIMEOUT		600
#define CONF_APPROVAL_TIMEOUT_MAX	(7 * 86400)
#define CONF_APPROVAL_PENDING		4
#define CONF_APPROVAL_PENDING_MAX	1024

struct aileron_conf	*conf_parse(const char *path, const char *statedir, int must_exist);
struct aileron_conf	*conf_parse_state(const char *statedir, const char *file,
			    char *path);
struct aileron_conf	*conf_defaults(const char *statedir);
void			 conf_free(struct aileron_conf *);
int			 conf_is_loopback(const struct conf_listen *);
int			 conf_check_users(const struct aileron_conf *, const char *);
int			 conf_host_allowed(const struct proxy_conf *,
			    const char *host);
int			 conf_host_excepted(const struct proxy_conf *,
			    const char *host);

/* resolvconf.c: the workers' resolver configuration, read in the master. */
int			 resolvconf_load(struct aileron_conf *);
struct resolve_conf	*resolvconf_build(const struct aileron_conf *,
			    const char *resolvconf, const char *hosts);
void			 resolvconf_free(struct resolve_conf *);

#endif
