/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* gen.c: aileron-gen: specs to shims, man pages and the actions manifest. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "connector/spec.h"
#include "connector/manifest.h"

#define GEN_NAMELEN	128

static void		 gen_usage(void) __attribute__((__noreturn__));
static struct spec	*gen_load(const char *);
static FILE		*gen_open(const char *, char *, size_t);
static void		 gen_close(FILE *, const char *, const char *);
static void		 gen_kebab(const char *, char *, const char *);
static void		 gen_c_string(FILE *, const char *);
static const char	*gen_c_in(enum spec_arg_in);
static const char	*gen_c_type(enum spec_type);
static const char	*gen_c_body(enum spec_body);
static const char	*gen_c_inject(enum inject_kind);
static void		 gen_shim_args(const struct spec *, const char *,
			    FILE *);
static void		 gen_shim_actions(const struct spec *, const char *,
			    FILE *);
static void		 gen_shim(const struct spec *, const char *,
			    FILE *);
static void		 gen_man_escape(FILE *, const char *, int);
static void		 gen_man_text(FILE *, const char *);
static void		 gen_man_arg(FILE *, const struct spec_arg *);
static void		 gen_man_action(FILE *, const struct spec_action *,
			    const char *);
static void		 gen_man_tail(FILE *, const char *);
static void		 gen_man(const struct spec *, const char *, FILE *);
static int		 gen_manifest(const char *, int, char **);

static void
gen_usage(void)
{
	fprintf(stderr, "usage: aileron-gen shim spec.json out.c\n"
	    "       aileron-gen man spec.json out.1\n"
	    "       aileron-gen manifest out.json spec.json ...\n");
	exit(2);
}

/*
 * The loader has checked that no two commands or flags fold together and
 * that none is "help": a shim can tell every one apart.
 */
static struct spec *
gen_load(const char *path)
{
	struct spec	*spec;
	char		 err[1024];

	if ((spec = spec_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "aileron-gen: %s\n", err);
		exit(1);
	}
	return spec;
}

/* Write to a temporary file that gen_close renames: make never sees half. */
static FILE *
gen_open(const char *out, char *tmp, size_t tmplen)
{
	FILE	*fp;

	if ((size_t)snprintf(tmp, tmplen, "%s.tmp", out) >= tmplen) {
		fprintf(stderr, "aileron-gen: %s: path too long\n", out);
		exit(1);
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "aileron-gen: %s: %s\n", tmp, strerror(errno));
		exit(1);
	}
	return fp;
}

static void
gen_close(FILE *fp, const char *tmp, const char *out)
{
	if (ferror(fp) || fclose(fp) == EOF) {
		fprintf(stderr, "aileron-gen: %s: write error\n", tmp);
		(void)remove(tmp);
		exit(1);
	}
	if (rename(tmp, out) == -1) {
		fprintf(stderr, "aileron-gen: %s: %s\n", out, strerror(errno));
		(void)remove(tmp);
		exit(1);
	}
}

static void
gen_kebab(const char *name, char *buf, const char *path)
{
	if (manifest_kebab(name, buf, GEN_NAMELEN) == -1) {
		fprintf(stderr, "aileron-gen: %s: \"%s\" makes no command "
		    "or flag name\n", path, name);
		exit(1);
	}
}

/*
 * A C string literal; octal escapes are always three digits, so no
 * following character can extend them, and '?' is escaped so no trigraph
 * can form.
 */
static void
gen_c_string(FILE *fp, const char *s)
{
	const unsigned char	*p;

	if (s == NULL) {
		fputs("NULL", fp);
		return;
	}
	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n\"\n\t    \"", fp);
		else if (*p < 0x20 || *p >= 0x7f || *p == '?')
			fprintf(fp, "\\%03o", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

static const char *
gen_c_in(enum spec_arg_in in)
{
	switch (in) {
	case ARG_IN_PATH:
		return "ARG_IN_PATH";
	case ARG_IN_QUERY:
		return "ARG_IN_QUERY";
	case ARG_IN_BODY:
		return "ARG_IN_BODY";
	case ARG_IN_VARIABLE:
		return "ARG_IN_VARIABLE";
	}
	fprintf(stderr, "aileron-gen: unknown argument location %d\n", in);
	exit(1);
}

static const char *
gen_c_type(enum spec_type type)
{
	switch (type) {
	case TYPE_STRING:
		return "TYPE_STRING";
	case TYPE_INTEGER:
		return "TYPE_INTEGER";
	case TYPE_NUMBER:
		return "TYPE_NUMBER";
	case TYPE_BOOLEAN:
		return "TYPE_BOOLEAN";
	case TYPE_ARRAY:
		return "TYPE_ARRAY";
	case TYPE_MAP:
		return "TYPE_MAP";
	case TYPE_OBJECT:
		return "TYPE_OBJECT";
	}
	fprintf(stderr, "aileron-gen: unknown argument type %d\n", type);
	exit(1);
}

static const char *
gen_c_body(enum spec_body body)
{
	switch (body) {
	case BODY_NONE:
		return "BODY_NONE";
	case BODY_JSON:
		return "BODY_JSON";
	case BODY_FORM:
		return "BODY_FORM";
	case BODY_RAW:
		return "BODY_RAW";
	}
	fprintf(stderr, "aileron-gen: unknown body kind %d\n", body);
	exit(1);
}

static const char *
gen_c_inject(enum inject_kind inject)
{
	switch (inject) {
	case INJECT_BEARER:
		return "INJECT_BEARER";
	case INJECT_BASIC:
		return "INJECT_BASIC";
	case INJECT_HEADER:
		return "INJECT_HEADER";
	case INJECT_QUERY:
		return "INJECT_QUERY";
	}
	fprintf(stderr, "aileron-gen: unknown injection kind %d\n", inject);
	exit(1);
}

/* Each action's arguments, as an array args_N for action N. */
static void
gen_shim_args(const struct spec *spec, const char *path, FILE *fp)
{
	const struct spec_action	*a;
	const struct spec_arg		*g;
	char				 name[GEN_NAMELEN];
	size_t				 i, j;

	for (i = 0; i < spec->nactions; i++) {
		a = &spec->actions[i];
		if (a->nargs == 0)
			continue;
		fprintf(fp, "\nstatic const struct shim_arg args_%zu[] = {\n",
		    i);
		for (j = 0; j < a->nargs; j++) {
			g = &a->args[j];
			gen_kebab(g->name, name, path);
			fputs("\t{ ", fp);
			gen_c_string(fp, g->name);
			fputs(", ", fp);
			gen_c_string(fp, name);
			fputs(",\n\t    ", fp);
			gen_c_string(fp, g->description);
			fprintf(fp, ",\n\t    %s, %s, %s, %d },\n",
			    gen_c_in(g->in), gen_c_type(g->type),
			    gen_c_type(g->type == TYPE_ARRAY ? g->item_type :
			    TYPE_STRING), g->required != 0);
		}
		fputs("};\n", fp);
	}
}

static void
gen_shim_actions(const struct spec *spec, const char *path, FILE *fp)
{
	const struct spec_action	*a;
	char				 name[GEN_NAMELEN];
	size_t				 i;

	fputs("\nstatic const struct shim_action actions[] = {\n", fp);
	for (i = 0; i < spec->nactions; i++) {
		a = &spec->actions[i];
		gen_kebab(a->name, name, path);
		fputs("\t{ ", fp);
		gen_c_string(fp, a->name);
		fputs(", ", fp);
		gen_c_string(fp, name);
		fputs(",\n\t    ", fp);
		gen_c_string(fp, a->summary);
		fputs(",\n\t    ", fp);
		gen_c_string(fp, a->description);
		fputs(",\n\t    ", fp);
		gen_c_string(fp, a->method);
		fputs(", ", fp);
		gen_c_string(fp, a->path);
		fprintf(fp, ", %s,\n\t    ", gen_c_body(a->body));
		gen_c_string(fp, spec->graphql ? a->gql_document : NULL);
		if (a->nargs > 0)
			fprintf(fp, ",\n\t    args_%zu, %zu },\n", i, a->nargs);
		else
			fputs(",\n\t    NULL, 0 },\n", fp);
	}
	fputs("};\n", fp);
}

/* The tables shim/shim.h declares, for the connector of spec. */
static void
gen_shim(const struct spec *spec, const char *path, FILE *fp)
{
	size_t	 i;

	fprintf(fp, "/* Generated by aileron-gen from %s; do not edit. */\n\n"
	    "#include <stddef.h>\n\n#include \"shim/shim.h\"\n", path);
	gen_shim_args(spec, path, fp);
	gen_shim_actions(spec, path, fp);
	if (spec->nfixed_headers > 0) {
		fputs("\nstatic const struct shim_header headers[] = {\n", fp);
		for (i = 0; i < spec->nfixed_headers; i++) {
			fputs("\t{ ", fp);
			gen_c_string(fp, spec->fixed_header_names[i]);
			fputs(", ", fp);
			gen_c_string(fp, spec->fixed_header_values[i]);
			fputs(" },\n", fp);
		}
		fputs("};\n", fp);
	}
	fputs("\nconst struct shim_connector shim_connector = {\n\t", fp);
	gen_c_string(fp, spec->connector);
	fputs(",\n\t", fp);
	gen_c_string(fp, spec->title);
	fputs(",\n\t", fp);
	gen_c_string(fp, spec->version);
	fputs(",\n\t", fp);
	gen_c_string(fp, spec->scheme_host);
	fputs(",\n\t", fp);
	gen_c_string(fp, spec->base_path != NULL ? spec->base_path : "");
	fprintf(fp, ",\n\t%s,\n\t", gen_c_inject(spec->inject));
	gen_c_string(fp, spec->inject_name);
	fprintf(fp, ",\n\t%d,\n\tactions,\n\t%zu,\n", spec->graphql != 0,
	    spec->nactions);
	if (spec->nfixed_headers > 0)
		fprintf(fp, "\theaders,\n\t%zu\n};\n", spec->nfixed_headers);
	else
		fputs("\tNULL,\n\t0\n};\n", fp);
}

/*
 * Write user text so mandoc reads it as text: backslashes become \e,
 * non-ASCII becomes \[uXXXX], control characters become spaces.  In a
 * macro argument (inarg) quotes become \(dq and every word starts with
 * \& so that no word is taken for a macro.
 */
static void
gen_man_escape(FILE *fp, const char *s, int inarg)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 cp;
	int			 n, k, word = 1;

	for (; *p != '\0'; p++) {
		if (inarg && word && *p != ' ')
			fputs("\\&", fp);
		word = *p == ' ';
		if (*p == '\\')
			fputs("\\e", fp);
		else if (inarg && *p == '"')
			fputs("\\(dq", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fputc(' ', fp);
		else if (*p < 0x80)
			fputc(*p, fp);
		else {
			if ((*p & 0xe0) == 0xc0) {
				n = 1;
				cp = *p & 0x1f;
			} else if ((*p & 0xf0) == 0xe0) {
				n = 2;
				cp = *p & 0x0f;
			} else if ((*p & 0xf8) == 0xf0) {
				n = 3;
				cp = *p & 0x07;
			} else {
				fputc('?', fp);
				continue;
			}
			for (k = 1; k <= n; k++) {
				if ((p[k] & 0xc0) != 0x80)
					break;
				cp = (cp << 6) | (p[k] & 0x3f);
			}
			if (k <= n || cp < 0x80 || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff)) {
				fputc('?', fp);
				continue;
			}
			p += n;
			fprintf(fp, "\\[u%04X]", cp);
		}
	}
}

/*
 * Text lines: one sentence per source line, no blank lines (paragraphs
 * become .Pp), and no line that starts with a control character.
 */
static void
gen_man_text(FILE *fp, const char *s)
{
	char	*buf, *line, *next, *p, *end;
	int	 para = 0, any = 0;

	if (s == NULL)
		return;
	if ((buf = strdup(s)) == NULL) {
		fprintf(stderr, "aileron-gen: out of memory\n");
		exit(1);
	}
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t' || *line == '\r')
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*line == '\0') {
			para = any;
			continue;
		}
		if (para) {
			fputs(".Pp\n", fp);
			para = 0;
		}
		any = 1;
		/* Break after a sentence so each starts a source line. */
		while (*line != '\0') {
			for (p = line; *p != '\0'; p++) {
				if ((p[0] == '.' || p[0] == '?' ||
				    p[0] == '!') && p[1] == ' ' &&
				    isupper((unsigned char)p[2]))
					break;
			}
			if (*p != '\0') {
				p[1] = '\0';
				end = p + 2;
			} else
				end = p;
			if (*line == '.' || *line == '\'')
				fputs("\\&", fp);
			gen_man_escape(fp, line, 0);
			fputc('\n', fp);
			line = end;
			while (*line == ' ')
				line++;
		}
	}
	free(buf);
}

static void
gen_man_arg(FILE *fp, const struct spec_arg *g)
{
	char	 flag[GEN_NAMELEN];

	gen_kebab(g->name, flag, "spec");
	fprintf(fp, ".It Fl -%s", flag);
	switch (g->type == TYPE_ARRAY ? g->item_type : g->type) {
	case TYPE_STRING:
		fputs(" Ar string\n", fp);
		break;
	case TYPE_INTEGER:
		fputs(" Ar integer\n", fp);
		break;
	case TYPE_NUMBER:
		fputs(" Ar number\n", fp);
		break;
	case TYPE_BOOLEAN:
		fputs(" Cm true | false\n", fp);
		break;
	case TYPE_MAP:
		fputs(" Ar key Ns = Ns Ar value\n", fp);
		break;
	default:
		fputs(" Ar json\n", fp);
		break;
	}
	if (g->required)
		fputs("Required.\n", fp);
	if (g->type == TYPE_ARRAY)
		fputs("May be repeated; each adds one item.\n", fp);
	else if (g->type == TYPE_MAP)
		fputs("May be repeated; each adds one key.\n", fp);
	gen_man_text(fp, g->description);
}

/* One action: a subsection with its policy and flags, required first. */
static void
gen_man_action(FILE *fp, const struct spec_action *a, const char *path)
{
	char	 name[GEN_NAMELEN];
	size_t	 j, pass;

	gen_kebab(a->name, name, path);
	fprintf(fp, ".Ss %s\n", name);
	gen_man_text(fp, a->summary);
	if (a->description != NULL && a->summary != NULL &&
	    strcmp(a->description, a->summary) != 0) {
		fputs(".Pp\n", fp);
		gen_man_text(fp, a->description);
	}
	fprintf(fp, ".Pp\n%s requests need approval.\n",
	    a->approval == APPROVAL_ALWAYS ? "Its" : "None of its");
	if (a->nargs == 0) {
		fputs("It takes no flags.\n", fp);
		return;
	}
	fputs(".Bl -tag -width Ds\n", fp);
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < a->nargs; j++)
			if ((a->args[j].required != 0) == (pass == 0))
				gen_man_arg(fp, &a->args[j]);
	fputs(".El\n", fp);
}

/* The sections after the actions, the same for every shim but its name. */
static void
gen_man_tail(FILE *fp, const char *name)
{
	fputs(".Sh ENVIRONMENT\n.Bl -tag -width Ds\n"
	    ".It Ev HTTPS_PROXY\n"
	    "The proxy every request goes through\n"
	    ".Po\n.Ev https_proxy\n"
	    "first, as libcurl reads them; a\n.Ev NO_PROXY\n"
	    "entry is not honoured\n.Pc .\n"
	    "Inside an aileron sandbox it names the session's proxy;\n"
	    "elsewhere\n.Dl $ eval \"$(aileron session start --env)\"\n"
	    "sets it.\n"
	    "Without it the shim refuses to run.\n"
	    ".It Ev CURL_CA_BUNDLE\n"
	    "A file of CA certificates to verify the server with.\n"
	    ".It Ev SSL_CERT_FILE\n"
	    "Used instead when\n.Ev CURL_CA_BUNDLE\nis not set.\n"
	    "When neither is set, the system store is used.\n"
	    ".El\n", fp);
	fputs(".Sh EXIT STATUS\n.Bl -tag -width Ds\n"
	    ".It 0\nThe server answered with success.\n"
	    ".It 1\nThe server answered with an error, which is printed on "
	    "standard error, it could not be reached, or no proxy is "
	    "set.\n"
	    ".It 2\nThe command line was wrong; nothing was sent.\n"
	    ".El\n", fp);
	fprintf(fp, ".Sh EXAMPLES\nList the actions:\n.Pp\n.Dl $ %s --help\n",
	    name);
	fputs(".Sh SEE ALSO\n.Xr aileron 1\n", fp);
}

static void
gen_man(const struct spec *spec, const char *path, FILE *fp)
{
	static const char		*months[] = { "January", "February",
	    "March", "April", "May", "June", "July", "August", "September",
	    "October", "November", "December" };
	const char			*title, *epoch;
	char				 name[GEN_NAMELEN], upper[GEN_NAMELEN];
	struct tm			*tm;
	time_t				 now;
	size_t				 i;

	/* Reproducible builds pin the date with SOURCE_DATE_EPOCH. */
	now = time(NULL);
	if ((epoch = getenv("SOURCE_DATE_EPOCH")) != NULL)
		now = (time_t)strtoll(epoch, NULL, 10);
	if ((tm = gmtime(&now)) == NULL) {
		fprintf(stderr, "aileron-gen: bad date\n");
		exit(1);
	}
	gen_kebab(spec->connector, name, path);
	for (i = 0; name[i] != '\0'; i++)
		upper[i] = toupper((unsigned char)name[i]);
	upper[i] = '\0';
	title = spec->title != NULL ? spec->title : spec->connector;

	fprintf(fp, ".\\\" Generated by aileron-gen from %s; do not edit.\n"
	    ".Dd %s %d, %d\n.Dt %s 1\n.Os\n.Sh NAME\n.Nm %s\n.Nd ",
	    path, months[tm->tm_mon], tm->tm_mday, tm->tm_year + 1900,
	    upper, name);
	gen_man_escape(fp, title, 1);
	fputs(" client for agents behind aileron\n", fp);
	fputs(".Sh SYNOPSIS\n.Nm\n.Op Fl -help | Fl -version\n"
	    ".Nm\n.Ar action\n"
	    ".Op Fl -help\n.Op Fl - Ns Ar flag Ar value ...\n", fp);
	fprintf(fp, ".Sh DESCRIPTION\n.Nm\nsends one request to\n.Lk %s\n"
	    "for each invocation and prints the JSON response on standard "
	    "output.\nThe API is\n\\&", spec->scheme_host);
	gen_man_escape(fp, title, 0);
	fputs(".\n", fp);
	fputs("It holds no credential.\n"
	    "It sends a fixed placeholder instead, which the\n"
	    ".Xr aileron 1\n"
	    "proxy named by\n.Ev HTTPS_PROXY\n"
	    "replaces with the real credential.\n.Pp\n"
	    "Each action is a command.\n"
	    "Its arguments are flags, written\n"
	    ".Fl - Ns Ar flag Ar value\n"
	    "or\n"
	    ".Fl - Ns Ar flag Ns = Ns Ar value .\n"
	    "Integers, numbers and booleans are checked before anything "
	    "is sent.\n"
	    "A flag that takes\n.Ar json\n"
	    "takes one JSON value as its text.\n"
	    "With\n.Fl -help ,\n.Nm\n"
	    "lists the actions, and\n.Nm\n.Ar action\n.Fl -help\n"
	    "describes the flags of one action.\n"
	    "With\n.Fl -version\n(or\n.Fl V ) ,\n"
	    "it prints its name and the aileron version it was built "
	    "with.\n"
	    ".Pp\n"
	    "The shims are installed in a directory of their own,\n"
	    ".Pa $(PREFIX)/libexec/aileron/shims ,\n"
	    "so as not to shadow a vendor's command of the same name;\n"
	    ".Dl $ aileron shims path\n"
	    "prints it, and an agent's sandbox puts it first in\n"
	    ".Ev PATH .\n", fp);
	for (i = 0; i < spec->nactions; i++)
		gen_man_action(fp, &spec->actions[i], path);
	gen_man_tail(fp, name);
}

static int
gen_manifest(const char *out, int nspecs, char **paths)
{
	struct spec	**specs;
	json_t		 *m;
	FILE		 *fp;
	char		  tmp[1024];
	int		  i;

	if ((specs = calloc(nspecs, sizeof(*specs))) == NULL) {
		fprintf(stderr, "aileron-gen: out of memory\n");
		return 1;
	}
	for (i = 0; i < nspecs; i++)
		specs[i] = gen_load(paths[i]);
	if ((m = manifest_build(specs, nspecs)) == NULL) {
		fprintf(stderr, "aileron-gen: out of memory\n");
		return 1;
	}
	fp = gen_open(out, tmp, sizeof(tmp));
	if (json_dumpf(m, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == -1) {
		fprintf(stderr, "aileron-gen: %s: write error\n", tmp);
		return 1;
	}
	fputc('\n', fp);
	gen_close(fp, tmp, out);
	json_decref(m);
	for (i = 0; i < nspecs; i++)
		spec_free(specs[i]);
	free(specs);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct spec	*spec;
	FILE		*fp;
	char		 tmp[1024];

	if (argc < 4)
		gen_usage();
	if (strcmp(argv[1], "manifest") == 0)
		return gen_manifest(argv[2], argc - 3, argv + 3);
	if (argc != 4)
		gen_usage();
	if (strcmp(argv[1], "shim") == 0) {
		spec = gen_load(argv[2]);
		fp = gen_open(argv[3], tmp, sizeof(tmp));
		gen_shim(spec, argv[2], fp);
	} else if (strcmp(argv[1], "man") == 0) {
		spec = gen_load(argv[2]);
		fp = gen_open(argv[3], tmp, sizeof(tmp));
		gen_man(spec, argv[2], fp);
	} else
		gen_usage();
	gen_close(fp, tmp, argv[3]);
	spec_free(spec);
	return 0;
}
