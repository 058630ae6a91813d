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
 * cmds.c: the table of aileron's commands, their usage and options, and
 * "aileron help".  main() dispatches on this table and the completion
 * scripts are generated from it, so a command cannot be run, listed and
 * completed differently.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define STATE_OPT	"-s"

static const struct cli_sub actions_subs[] = {
	{ "list", "actions list [--connector connector] [--json] [-f file] "
	    "[-s statedir]",
	    "--connector= --json -f= -s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub approval_subs[] = {
	{ "list", "approval list [--all] [--json] [-s statedir]",
	    "--all --json -s=" },
	{ "grant", "approval grant id [-s statedir]", "-s=" },
	{ "deny", "approval deny id [--reason reason] [-s statedir]",
	    "--reason= -s=" },
	{ "watch", "approval watch [-s statedir]", "-s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub audit_subs[] = {
	{ "query", "audit query [--since time] [--until time] [--user user]\n"
	    "           [--action action] [--session id] [--json] "
	    "[-s statedir]",
	    "--since= --until= --user= --action= --session= --json -s=" },
	{ "verify", "audit verify [--json] [-s statedir]", "--json -s=" },
	{ "export", "audit export [--since time] [--until time] [--user user]\n"
	    "           [--action action] [--session id] [-s statedir]",
	    "--since= --until= --user= --action= --session= -s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub completion_subs[] = {
	{ "bash", NULL, "" },
	{ "zsh", NULL, "" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub sandbox_subs[] = {
	{ "init", "sandbox init [--dir dir]", "--dir=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub secret_subs[] = {
	{ "add", "secret add name --connector connector [--kind bearer | "
	    "basic |\n"
	    "           header name | query param] [--replace] "
	    "[--vault vault]\n"
	    "           [--key-fd fd] [--user user] [-s statedir]",
	    "--connector= --kind= --replace --vault= --key-fd= --user= -s=" },
	{ "list", "secret list [--json] [--user user] [-s statedir]",
	    "--json --user= -s=" },
	{ "rm", "secret rm name [--key-fd fd] [--user user] [-s statedir]",
	    "--key-fd= --user= -s=" },
	{ "rotate", "secret rotate name [--key-fd fd] [--user user] "
	    "[-s statedir]",
	    "--key-fd= --user= -s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub policy_subs[] = {
	{ "check", "policy check action [--user user] [--team team] [--json]\n"
	    "           [-f file] [-s statedir]",
	    "--user= --team= --json -f= -s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub session_subs[] = {
	{ "start", "session start [--agent name] [--team name] "
	    "[--project name]\n"
	    "           [--user user] [--key-fd fd] [--json | --env] "
	    "[-s statedir]",
	    "--agent= --team= --project= --user= --key-fd= --json --env -s=" },
	{ "end", "session end id [-s statedir]", "-s=" },
	{ "list", "session list [--json] [-s statedir]", "--json -s=" },
	{ "info", "session info [id] [--json] [-s statedir]", "--json -s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub service_subs[] = {
	{ "stop", "service stop [-s statedir]", "-s=" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub shell_subs[] = {
	{ "check", "shell check [--] command [arg ...]", "" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub shims_subs[] = {
	{ "path", "shims path", "" },
	{ NULL, NULL, NULL }
};

static const struct cli_sub vault_subs[] = {
	{ "init", "vault init [--user user] [--key-fd fd] [--kdf-n N] "
	    "[-s statedir]",
	    "--user= --key-fd= --kdf-n= -s=" },
	{ "passwd", "vault passwd [--user user] [--key-fd fd] "
	    "[--new-key-fd fd]\n"
	    "           [--kdf-n N] [-s statedir]",
	    "--user= --key-fd= --new-key-fd= --kdf-n= -s=" },
	{ "backup", "vault backup dir [-s statedir]", "-s=" },
	/* Teams (issue 11): shared vaults. */
	{ "create", "vault create name --shared [--team team] [--user user]\n"
	    "           [--key-fd fd] [-s statedir]",
	    "--shared --team= --user= --key-fd= -s=" },
	{ "grant", "vault grant vault user --role owner | contributor | "
	    "reader\n"
	    "           [--user user] [--key-fd fd] [--member-key-fd fd] "
	    "[-s statedir]",
	    "--role= --user= --key-fd= --member-key-fd= -s=" },
	{ "revoke", "vault revoke vault user [--user user] [--key-fd fd] "
	    "[-s statedir]",
	    "--user= --key-fd= -s=" },
	{ "members", "vault members vault [--json] [--user user] "
	    "[-s statedir]",
	    "--json --user= -s=" },
	{ "list", "vault list [--json] [--user user] [-s statedir]",
	    "--json --user= -s=" },
	{ NULL, NULL, NULL }
};

/* Teams (issue 11): users, over api.sock. */
static const struct cli_sub user_subs[] = {
	{ "add", "user add name --team team [--project project ...] "
	    "[-s statedir]",
	    "--team= --project= -s=" },
	{ "list", "user list [--json] [-s statedir]", "--json -s=" },
	{ "token", "user token [--rotate] [--json] [-s statedir]",
	    "--rotate --json -s=" },
	{ NULL, NULL, NULL }
};

/* In the order "aileron help" lists them. */
const struct cli_cmd cli_cmds[] = {
	{ "actions", cmd_actions, NULL, NULL, actions_subs },
	{ "approval", cmd_approval, NULL, NULL, approval_subs },
	{ "audit", cmd_audit, NULL, NULL, audit_subs },
	{ "backup", cmd_backup, "backup [-s statedir] dir", "-s=", NULL },
	{ "budget", cmd_budget, "budget [--json] [-s statedir]", "--json -s=",
	    NULL },
	{ "completion", cmd_completion, "completion bash | zsh", NULL,
	    completion_subs },
	{ "help", cmd_help, "help [command [subcommand]]", "", NULL },
	{ "launch", cmd_launch, "launch [--sandbox native | docker | none] "
	    "[--agent name] [--team name]\n"
	    "           [--project name] [--user user] [--key-fd fd] "
	    "[--dir dir]\n"
	    "           [-s statedir] [--] command [arg ...]",
	    "--sandbox= --agent= --team= --project= --user= --key-fd= --dir= "
	    "-s=", NULL },
	{ "policy", cmd_policy, NULL, NULL, policy_subs },
	{ "sandbox", cmd_sandbox, NULL, NULL, sandbox_subs },
	{ "secret", cmd_secret, NULL, NULL, secret_subs },
	{ "service", cmd_service, "service [-dnv] [-f file] [-s statedir]",
	    "-d -n -v -f= -s=", service_subs },
	{ "session", cmd_session, NULL, NULL, session_subs },
	{ "shell", cmd_shell, NULL, NULL, shell_subs },
	{ "shims", cmd_shims, NULL, NULL, shims_subs },
	{ "status", cmd_status, "status [--json] [-s statedir]",
	    "--json -s=", NULL },
	{ "usage", cmd_usage, "usage [--by user | team | agent | project | "
	    "model | connector]\n"
	    "           [--since time] [--until time] [--bucket hour | day] "
	    "[--json]\n           [-s statedir]",
	    "--by= --since= --until= --bucket= --json -s=", NULL },
	{ "user", cmd_user, NULL, NULL, user_subs },
	{ "vault", cmd_vault, NULL, NULL, vault_subs },
};
const size_t cli_ncmds = sizeof(cli_cmds) / sizeof(cli_cmds[0]);

const struct cli_cmd *
cli_cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < cli_ncmds; i++)
		if (strcmp(cli_cmds[i].name, name) == 0)
			return &cli_cmds[i];
	return NULL;
}

const struct cli_sub *
cli_sub_find(const struct cli_cmd *c, const char *name)
{
	const struct cli_sub	*s;

	if (c == NULL || c->subs == NULL || name == NULL)
		return NULL;
	for (s = c->subs; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/*
 * The usage of command cmd (every command when NULL), or of its
 * subcommand sub alone when sub is one of its own.
 */
void
cli_usage(FILE *fp, const char *cmd, const char *sub)
{
	const struct cli_cmd	*c;
	const struct cli_sub	*s;
	const char		*lead = "usage:";
	size_t			 i;

	for (i = 0; i < cli_ncmds; i++) {
		c = &cli_cmds[i];
		if (cmd != NULL && strcmp(c->name, cmd) != 0)
			continue;
		if ((s = cli_sub_find(c, sub)) != NULL && s->usage != NULL) {
			fprintf(fp, "%s aileron %s\n", lead, s->usage);
			return;
		}
		if (c->usage != NULL) {
			fprintf(fp, "%s aileron %s\n", lead, c->usage);
			lead = "      ";
		}
		for (s = c->subs; s != NULL && s->name != NULL; s++) {
			if (s->usage == NULL)
				continue;
			fprintf(fp, "%s aileron %s\n", lead, s->usage);
			lead = "      ";
		}
	}
	if (cmd == NULL)
		fprintf(fp, "       aileron --version\n");
}

/*
 * A usage error: what is wrong, after "aileron cmd sub:", then the usage
 * of what was run.  Returns the exit status of every usage error.
 */
int
cli_usage_error(const char *cmd, const char *sub, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "aileron%s%s%s%s: ", cmd != NULL ? " " : "",
	    cmd != NULL ? cmd : "", sub != NULL ? " " : "",
	    sub != NULL ? sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(stderr, cmd, sub);
	return CLI_EXIT_USAGE;
}

/*
 * Whether "aileron cmd sub" takes option opt: 0 if not, 1 if it does
 * without a value, 2 with one.
 */
int
cli_takes(const char *cmd, const char *sub, const char *opt)
{
	const struct cli_cmd	*c;
	const struct cli_sub	*s;
	const char		*opts, *p;
	size_t			 len = strlen(opt);

	if (len == 0 || opt[0] != '-' || (c = cli_cmd_find(cmd)) == NULL)
		return 0;
	opts = (s = cli_sub_find(c, sub)) != NULL ? s->opts : c->opts;
	if (opts == NULL)
		return 0;
	for (p = opts; (p = strstr(p, opt)) != NULL; p += len) {
		if (p != opts && p[-1] != ' ')
			continue;
		if (p[len] == '=')
			return 2;
		if (p[len] == ' ' || p[len] == '\0')
			return 1;
	}
	return 0;
}

/*
 * The usage error for argument arg of "aileron cmd sub", which the
 * command's parser did not take: an option of its own lacked its value
 * or came with one it excludes, or the argument is not one of its own.
 */
int
cli_bad_arg(const char *cmd, const char *sub, const char *arg)
{
	switch (cli_takes(cmd, sub, arg)) {
	case 2:
		return cli_usage_error(cmd, sub, "\"%s\" needs a value",
		    arg);
	case 1:
		return cli_usage_error(cmd, sub, "\"%s\" does not go with "
		    "the other arguments", arg);
	}
	if (arg[0] == '-')
		return cli_usage_error(cmd, sub, "unknown option \"%s\"",
		    arg);
	return cli_usage_error(cmd, sub, "unexpected argument \"%s\"", arg);
}

/* aileron help [command [subcommand]] */
int
cmd_help(int argc, char *argv[])
{
	const struct cli_cmd	*c = NULL;

	if (argc > 3)
		return cli_usage_error("help", NULL, "unexpected argument "
		    "\"%s\"", argv[3]);
	if (argc >= 2 && (c = cli_cmd_find(argv[1])) == NULL)
		return cli_usage_error("help", NULL, "no command \"%s\"",
		    argv[1]);
	if (argc == 3 && cli_sub_find(c, argv[2]) == NULL)
		return cli_usage_error("help", NULL, "%s has no subcommand "
		    "\"%s\"", argv[1], argv[2]);
	cli_usage(stdout, c != NULL ? c->name : NULL, argc == 3 ? argv[2] :
	    NULL);
	if (c == NULL)
		printf("\nOne command's usage: \"aileron help <command>\" or "
		    "\"aileron <command> --help\";\nsee aileron(1).\n");
	return 0;
}
