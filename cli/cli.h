/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* cli.h: the user-facing subcommands of the aileron binary. */

#ifndef AILERON_CLI_H
#define AILERON_CLI_H

#include <stdio.h>

/* Exit status of a usage error, everywhere (as BSD's sysexits EX_USAGE). */
#define CLI_EXIT_USAGE	2

/*
 * One subcommand ("vault init"): its usage, after "aileron ", and the
 * options it takes, space-separated; one that takes a value ends in "="
 * ("-s=": completion offers a directory after -s, a file after -f).
 */
struct cli_sub {
	const char	*name;
	const char	*usage;
	const char	*opts;
};

/*
 * One command: the table main() dispatches on, "aileron help" prints and
 * "aileron completion" turns into a shell's completion.  A command has
 * its own usage and opts, subcommands (subs, NULL-terminated by name), or
 * both ("service [-dnv]" beside "service stop"); a subcommand without a
 * usage of its own is shown by its command's.
 */
struct cli_cmd {
	const char		*name;
	int			(*fn)(int, char *[]);
	const char		*usage;
	const char		*opts;
	const struct cli_sub	*subs;
};

extern const struct cli_cmd	cli_cmds[];
extern const size_t		cli_ncmds;

const struct cli_cmd	*cli_cmd_find(const char *);
const struct cli_sub	*cli_sub_find(const struct cli_cmd *, const char *);
void	cli_usage(FILE *, const char *, const char *);
int	cli_usage_error(const char *, const char *, const char *, ...)
	    __attribute__((__format__ (printf, 3, 4)));
int	cli_bad_arg(const char *, const char *, const char *);
int	cli_takes(const char *, const char *, const char *);

int	cmd_actions(int, char *[]);
int	cmd_approval(int, char *[]);
int	cmd_audit(int, char *[]);
int	cmd_backup(int, char *[]);
int	cmd_budget(int, char *[]);	/* budgets: budget.c */
int	cmd_completion(int, char *[]);
int	cmd_help(int, char *[]);
int	cmd_launch(int, char *[]);
int	cmd_sandbox(int, char *[]);
int	cmd_shell(int, char *[]);
int	cmd_usage(int, char *[]);
int	cmd_service(int, char *[]);
int	cmd_session(int, char *[]);
int	cmd_shims(int, char *[]);
int	cmd_status(int, char *[]);
int	cmd_secret(int, char *[]);
int	cmd_vault(int, char *[]);
/* Policy and sessions (issue 11). */
int	cmd_policy(int, char *[]);
int	cmd_session_list(int, char *[]);
int	cmd_session_info(int, char *[]);
int	cmd_user(int, char *[]);	/* teams: users.c */

/* The completion script for a shell ("bash", "zsh"); -1 if unknown. */
int	cli_completion(FILE *, const char *);
int	cli_shims_dir(char *, size_t);

/* The backup's hand-over, apart so that a test can attack it. */
int	vault_backup_take(const char *, const char *, const char *,
	    const char *);

#endif
