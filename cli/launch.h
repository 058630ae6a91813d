/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* launch.h: "aileron launch" and its sandboxes. */

#ifndef AILERON_CLI_LAUNCH_H
#define AILERON_CLI_LAUNCH_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

/* In launch's private directory, and where the sandbox sees them. */
#define LAUNCH_MANIFEST		"actions.json"
#define LAUNCH_HINT		"prompt-hint.txt"
#define LAUNCH_MCP		"mcp.json"
#define DOCKER_RELAY		"/usr/libexec/aileron/aileron-relay"
#define LAUNCH_GH_HOSTS		"gh-hosts.yml"
#define DEVC_DIR		".devcontainer"
#define LAUNCH_RELAY_SOCK	"proxy.sock"
#define LAUNCH_DOCKER_ENV	"docker.env"
#define LAUNCH_ETC		"/etc/aileron"
#define LAUNCH_HOME		"/home/agent"
#define LAUNCH_RUN		"/run/aileron"
#define LAUNCH_ENV_MAX		24	/* variables the contract sets */
#define LAUNCH_ARGV_MAX		4096	/* bubblewrap's: /etc is bound entry by entry */
/* What bwrap finds on these descriptors (launch_exec_fds). */
#define LAUNCH_FD_SECCOMP	3
#define LAUNCH_FD_DIR		4
#define LAUNCH_FD_DEVC		5

enum launch_backend {
	LAUNCH_DEFAULT,		/* docker with an engine and a devcontainer */
	LAUNCH_NATIVE,
	LAUNCH_DOCKER,
	LAUNCH_NONE
};

/* What launch reads of .devcontainer/devcontainer.json. */
struct devc {
	int			 found;
	char			 image[256];
	char			 dockerfile[256];
	char			 context[256];
	int			 mediation;	/* the shell's DEBUG trap */
	char			 approval_surface[64];
	char			*mcps;		/* {"mcpServers": ...} or NULL */
};

struct launch {
	enum launch_backend	 backend;
	const char		*agent, *team, *project, *user, *keyfd;
	const char		*sopt, *dir;
	char			*const *cmd;
	char			 dirbuf[PATH_MAX];
	char			 statedir[PATH_MAX];
	char			 self[PATH_MAX];	/* the aileron CLI */
	char			 shims[PATH_MAX];	/* or "" */
	char			 relay[PATH_MAX];	/* aileron-relay */
	char			 bashrc[PATH_MAX];	/* or "" */
	const char		*mcps;		/* the devcontainer's, or NULL */
	char			 bwrap[PATH_MAX];
	char			 docker[PATH_MAX];
	char			 tmp[PATH_MAX];		/* private, 0700 */
	char			 relaysock[PATH_MAX];
	char			 apisock[PATH_MAX];
	char			 proxyhost[64];
	char			 proxyport[8];
	char			 session[64];
	char			 token[128];
	char			 ca[PATH_MAX];
	char			 bundle[PATH_MAX];
	int			 pty;		/* the agent on launch's pty */
	int			 keyfdn;	/* --key-fd's, or -1 */
	int			 seccomp;	/* bwrap's filter, or -1 */
	int			 dirfd;		/* the project, or -1 */
	int			 devcfd;	/* its .devcontainer, or -1 */
};

extern const char	 launch_hint[];
extern const char	 launch_gh_hosts[];

size_t	 launch_contract(const struct launch *, char **, size_t);
void	 launch_contract_free(void);
int	 launch_which(const char *, char *, size_t);
int	 launch_push(char **, size_t *, const char *);
int	 launch_under(const char *, const char *);
int	 launch_relay_find(struct launch *);
int	 launch_native_check(struct launch *);
pid_t	 launch_native_relay(struct launch *);
char	**launch_native_argv(const struct launch *);
int	 launch_native_seccomp(void);
int	 launch_native_open(struct launch *);
int	 launch_exec_fds(const struct launch *);
void	 launch_native_free(char **);
int	 launch_pty_run(struct launch *, char *const [], char *const []);
void	 launch_keyring_fresh(void);
void	 devc_strip(char *);
int	 devc_load(const char *, struct devc *, char *, size_t);
void	 devc_free(struct devc *);
int	 devc_exists(const char *);
int	 devc_cover(const char *, char *, size_t);
void	 launch_bashrc_find(struct launch *);
int	 launch_docker_available(char *, size_t);
int	 launch_docker_image(const struct launch *, const struct devc *,
	    char *, size_t);
char	**launch_docker_argv(const struct launch *, const char *,
	    char *const []);

#endif
