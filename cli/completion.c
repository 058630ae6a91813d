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
 * completion.c: "aileron completion bash | zsh": the shell's completion
 * script, written from the command table (cmds.c) so that it completes
 * exactly the commands and options aileron takes.  The Makefile builds
 * both into build/completion/ with this command.
 */

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void	completion_words(FILE *, const char *);
static void	completion_bash(FILE *);
static void	completion_zsh(FILE *);

/*
 * The options of a command, without the "=" that marks one taking a
 * value, then "--help", as one space-separated list.  Every word in the
 * table is plain ASCII without quotes, so it needs no quoting.
 */
static void
completion_words(FILE *fp, const char *opts)
{
	const char	*p;

	for (p = opts; *p != '\0'; p++)
		if (*p != '=')
			fputc(*p, fp);
	fprintf(fp, "%s--help", opts[0] != '\0' ? " " : "");
}

static void
completion_bash(FILE *fp)
{
	const struct cli_cmd	*c;
	const struct cli_sub	*s;
	size_t			 i;

	fprintf(fp, "# bash completion for aileron(1); written by "
	    "\"aileron completion bash\".\n\n_aileron_commands=\"");
	for (i = 0; i < cli_ncmds; i++)
		fprintf(fp, "%s%s", i == 0 ? "" : " ", cli_cmds[i].name);
	fprintf(fp, "\"\n\n"
	    "_aileron()\n{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]}\n"
	    "\tlocal prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tlocal w=\n\n"
	    "\tcase $prev in\n"
	    "\t-s)\tCOMPREPLY=($(compgen -d -- \"$cur\")); return;;\n"
	    "\t-f)\tCOMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
	    "\tesac\n"
	    "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	    "\t\tw=\"$_aileron_commands --help --version\"\n"
	    "\telse\n"
	    "\t\tcase ${COMP_WORDS[1]} in\n");
	for (i = 0; i < cli_ncmds; i++) {
		c = &cli_cmds[i];
		fprintf(fp, "\t\t%s)\n", c->name);
		if (strcmp(c->name, "help") == 0) {
			fprintf(fp, "\t\t\t[ \"$COMP_CWORD\" -eq 2 ] && "
			    "w=\"$_aileron_commands\";;\n");
			continue;
		}
		if (c->subs == NULL) {
			fprintf(fp, "\t\t\tw=\"");
			completion_words(fp, c->opts);
			fprintf(fp, "\";;\n");
			continue;
		}
		fprintf(fp, "\t\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then\n"
		    "\t\t\t\tw=\"");
		for (s = c->subs; s->name != NULL; s++)
			fprintf(fp, "%s ", s->name);
		completion_words(fp, c->opts != NULL ? c->opts : "");
		fprintf(fp, "\"\n\t\t\telse\n"
		    "\t\t\t\tcase ${COMP_WORDS[2]} in\n");
		for (s = c->subs; s->name != NULL; s++) {
			fprintf(fp, "\t\t\t\t%s)\tw=\"", s->name);
			completion_words(fp, s->opts);
			fprintf(fp, "\";;\n");
		}
		if (c->opts != NULL) {
			fprintf(fp, "\t\t\t\t*)\tw=\"");
			completion_words(fp, c->opts);
			fprintf(fp, "\";;\n");
		}
		fprintf(fp, "\t\t\t\tesac\n\t\t\tfi;;\n");
	}
	fprintf(fp, "\t\tesac\n"
	    "\tfi\n"
	    "\tCOMPREPLY=($(compgen -W \"$w\" -- \"$cur\"))\n"
	    "}\n\n"
	    "complete -F _aileron aileron\n");
}

static void
completion_zsh(FILE *fp)
{
	const struct cli_cmd	*c;
	const struct cli_sub	*s;
	size_t			 i;

	fprintf(fp, "#compdef aileron\n"
	    "# zsh completion for aileron(1); written by \"aileron "
	    "completion zsh\".\n\n_aileron_commands=(");
	for (i = 0; i < cli_ncmds; i++)
		fprintf(fp, "%s%s", i == 0 ? "" : " ", cli_cmds[i].name);
	fprintf(fp, ")\n\n"
	    "_aileron()\n{\n"
	    "\tcase $words[CURRENT-1] in\n"
	    "\t-s)\t_files -/; return;;\n"
	    "\t-f)\t_files; return;;\n"
	    "\tesac\n"
	    "\tif (( CURRENT == 2 )); then\n"
	    "\t\tcompadd -- $_aileron_commands --help --version\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tcase $words[2] in\n");
	for (i = 0; i < cli_ncmds; i++) {
		c = &cli_cmds[i];
		fprintf(fp, "\t%s)\n", c->name);
		if (strcmp(c->name, "help") == 0) {
			fprintf(fp, "\t\t(( CURRENT == 3 )) && "
			    "compadd -- $_aileron_commands;;\n");
			continue;
		}
		if (c->subs == NULL) {
			fprintf(fp, "\t\tcompadd -- ");
			completion_words(fp, c->opts);
			fprintf(fp, ";;\n");
			continue;
		}
		fprintf(fp, "\t\tif (( CURRENT == 3 )); then\n"
		    "\t\t\tcompadd -- ");
		for (s = c->subs; s->name != NULL; s++)
			fprintf(fp, "%s ", s->name);
		completion_words(fp, c->opts != NULL ? c->opts : "");
		fprintf(fp, "\n\t\t\treturn\n\t\tfi\n"
		    "\t\tcase $words[3] in\n");
		for (s = c->subs; s->name != NULL; s++) {
			fprintf(fp, "\t\t%s)\tcompadd -- ", s->name);
			completion_words(fp, s->opts);
			fprintf(fp, ";;\n");
		}
		if (c->opts != NULL) {
			fprintf(fp, "\t\t*)\tcompadd -- ");
			completion_words(fp, c->opts);
			fprintf(fp, ";;\n");
		}
		fprintf(fp, "\t\tesac;;\n");
	}
	fprintf(fp, "\tesac\n"
	    "}\n\n"
	    "_aileron \"$@\"\n");
}

int
cli_completion(FILE *fp, const char *shell)
{
	if (strcmp(shell, "bash") == 0)
		completion_bash(fp);
	else if (strcmp(shell, "zsh") == 0)
		completion_zsh(fp);
	else
		return -1;
	return 0;
}

/* aileron completion bash | zsh */
int
cmd_completion(int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage_error("completion", NULL, "name a shell: "
		    "bash or zsh");
	if (argc > 2)
		return cli_usage_error("completion", NULL, "unexpected "
		    "argument \"%s\"", argv[2]);
	if (cli_completion(stdout, argv[1]) == -1)
		return cli_usage_error("completion", NULL, "no completion for "
		    "\"%s\"; bash and zsh have one", argv[1]);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("aileron completion");
		return 1;
	}
	return 0;
}
