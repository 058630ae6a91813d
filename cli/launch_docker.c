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
 * launch_docker.c: the docker backend of "aileron launch", the project's
 * .devcontainer/devcontainer.json, and "aileron sandbox init".
 *
 * The container has no network ("--network none"): as in the native
 * sandbox, the static aileron-relay, mounted in, listens on 127.0.0.1 at
 * the proxy's port and carries each connection over the bind-mounted
 * unix socket to the proxy.  The session token reaches the container in
 * an --env-file of mode 0600 in launch's private directory, removed when
 * the agent exits: never in docker's argv, which ps shows to everyone.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/launch.h"

#define DOCKER_WORK	"/workspace"
#define DEVC_FILE	"devcontainer.json"
#define DEVC_MAX	(256 * 1024)

static int	docker_mount(char **, size_t *, const char *, const char *,
		    int);
static int	docker_tmpfs(char **, size_t *, const char *,
		    const char *);
static int	docker_hide(const struct launch *, char **, size_t *);
static int	docker_tmp(const struct launch *, const char *, char *,
		    size_t);
static int	docker_quiet(const char *, char *const []);
static int	docker_envfile(const struct launch *, char *const []);
static int	devc_mcps(json_t *, struct devc *, const char *, char *,
		    size_t);

/*
 * devcontainer.json is JSON with comments and trailing commas (JSONC):
 * drop both, outside strings, so that Jansson reads the rest.
 */
void
devc_strip(char *s)
{
	char	*r = s, *w = s, *k;
	int	 instr = 0;

	while (*r != '\0') {
		if (instr) {
			if (*r == '\\' && r[1] != '\0')
				*w++ = *r++;
			else if (*r == '"')
				instr = 0;
			*w++ = *r++;
		} else if (*r == '"') {
			instr = 1;
			*w++ = *r++;
		} else if (r[0] == '/' && r[1] == '/') {
			while (*r != '\0' && *r != '\n')
				r++;
		} else if (r[0] == '/' && r[1] == '*') {
			for (r += 2; *r != '\0' && !(r[0] == '*' &&
			    r[1] == '/'); r++)
				;
			if (*r != '\0')
				r += 2;
		} else if (*r == ',') {
			for (k = r + 1; *k == ' ' || *k == '\t' || *k == '\n' ||
			    *k == '\r'; k++)
				;
			if (*k != '}' && *k != ']')
				*w++ = *r;
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

static const char *
devc_string(json_t *o, const char *a, const char *b)
{
	json_t	*v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_string_value(v);
}

int
devc_exists(const char *dir)
{
	char	 path[PATH_MAX];

	return (size_t)snprintf(path, sizeof(path), "%s/%s/%s", dir, DEVC_DIR,
	    DEVC_FILE) < sizeof(path) && access(path, F_OK) == 0;
}

/*
 * dir/.devcontainer into path, for a sandbox to lay over it: 1 when it is
 * there (to be bound read-only), 0 when it is not (an empty file system
 * takes its place, so that the agent cannot make one for the next launch
 * to build), -1 when it is a symbolic link, which the agent could
 * replace whatever is mounted where it points.
 */
int
devc_cover(const char *dir, char *path, size_t len)
{
	struct stat	 st;

	if ((size_t)snprintf(path, len, "%s/%s", dir, DEVC_DIR) >= len) {
		fprintf(stderr, "aileron launch: %s: path too long\n", dir);
		return -1;
	}
	if (lstat(path, &st) == -1)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		fprintf(stderr, "aileron launch: %s is a symbolic link: the "
		    "sandbox could not keep the agent from replacing it\n",
		    path);
		return -1;
	}
	return 1;
}

/*
 * dir/.devcontainer/devcontainer.json into dc; 0 when there is none
 * (dc empty), -1 with the reason in err when it cannot be used.
 */
int
devc_load(const char *dir, struct devc *dc, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*j, *aileron, *v;
	const char	*s;
	char		 path[PATH_MAX], *buf;
	ssize_t		 n;
	size_t		 len = 0, i;
	int		 fd, rv = -1;

	memset(dc, 0, sizeof(*dc));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", dir, DEVC_DIR,
	    DEVC_FILE) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(DEVC_MAX + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((n = read(fd, buf + len, DEVC_MAX - len)) > 0)
		len += n;
	close(fd);
	if (n == -1 || len == DEVC_MAX) {
		snprintf(err, errlen, "%s: %s", path, n == -1 ?
		    strerror(errno) : "larger than 256 KiB");
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	devc_strip(buf);
	if ((j = json_loads(buf, 0, &jerr)) == NULL || !json_is_object(j)) {
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line,
		    j == NULL ? jerr.text : "not a JSON object");
		json_decref(j);
		free(buf);
		return -1;
	}
	free(buf);
	aileron = json_object_get(json_object_get(j, "customizations"),
	    "aileron");
	/* The aileron image first: it is the one made for the agent. */
	if ((s = devc_string(aileron, "image", NULL)) != NULL ||
	    (s = devc_string(j, "image", NULL)) != NULL)
		strlcpy(dc->image, s, sizeof(dc->image));
	/* docker run would read "-v/:/host" as an option, not an image. */
	if (dc->image[0] == '-') {
		snprintf(err, errlen, "%s: an image name may not begin with "
		    "'-'", path);
		goto done;
	}
	if ((s = devc_string(j, "build", "dockerfile")) != NULL)
		strlcpy(dc->dockerfile, s, sizeof(dc->dockerfile));
	if ((s = devc_string(j, "build", "context")) != NULL)
		strlcpy(dc->context, s, sizeof(dc->context));
	/* Shell mediation is on unless the file says "none". */
	dc->mediation = 1;
	if ((v = json_object_get(aileron, "mediation")) != NULL) {
		s = json_string_value(v);
		if (s == NULL || (strcmp(s, "default") != 0 &&
		    strcmp(s, "shell") != 0 && strcmp(s, "none") != 0)) {
			snprintf(err, errlen, "%s: customizations.aileron."
			    "mediation: expected \"default\", \"shell\" or "
			    "\"none\"", path);
			goto done;
		}
		dc->mediation = strcmp(s, "none") != 0;
	}
	v = json_object_get(aileron, "approval_surface");
	if (json_is_string(v))
		strlcpy(dc->approval_surface, json_string_value(v),
		    sizeof(dc->approval_surface));
	else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			if ((s = json_string_value(json_array_get(v, i))) ==
			    NULL)
				continue;
			if (dc->approval_surface[0] != '\0')
				strlcat(dc->approval_surface, ",",
				    sizeof(dc->approval_surface));
			strlcat(dc->approval_surface, s,
			    sizeof(dc->approval_surface));
		}
	}
	if (devc_mcps(json_object_get(aileron, "mcps"), dc, path, err,
	    errlen) == -1)
		goto done;
	if (dc->image[0] == '\0' && dc->dockerfile[0] == '\0') {
		snprintf(err, errlen, "%s: neither \"image\" nor "
		    "\"build\": {\"dockerfile\"} names what to run", path);
		goto done;
	}
	dc->found = 1;
	rv = 0;
 done:
	if (rv == -1)
		devc_free(dc);
	json_decref(j);
	return rv;
}

void
devc_free(struct devc *dc)
{
	free(dc->mcps);
	dc->mcps = NULL;
}

/*
 * customizations.aileron.mcps, the user's own MCP servers: an object of
 * servers by name, or an array of servers that carry a "name", each with
 * a "command" (run in the sandbox) or a "url" (reached through the
 * proxy like any host).  Written for the agent as {"mcpServers": ...},
 * the shape MCP clients read.
 */
static int
devc_mcps(json_t *v, struct devc *dc, const char *path, char *err,
    size_t errlen)
{
	json_t		*servers, *srv, *copy;
	const char	*name, *why = NULL;
	size_t		 i, len;

	if (v == NULL || (json_is_array(v) && json_array_size(v) == 0))
		return 0;
	if ((servers = json_object()) == NULL)
		goto nomem;
	if (json_is_object(v)) {
		json_object_foreach(v, name, srv)
			if (json_object_set(servers, name, srv) == -1)
				goto nomem;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, srv) {
			name = json_string_value(json_object_get(srv, "name"));
			if (name == NULL) {
				why = "an array entry without a \"name\"";
				goto bad;
			}
			if ((copy = json_deep_copy(srv)) == NULL ||
			    json_object_del(copy, "name") == -1 ||
			    json_object_set_new(servers, name, copy) == -1)
				goto nomem;
		}
	} else {
		why = "expected an object of servers by name, or an array";
		goto bad;
	}
	json_object_foreach(servers, name, srv) {
		len = strlen(name);
		if (len == 0 || len > 64 || strspn(name, "abcdefghijklmnopqrstu"
		    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len) {
			why = "a server name of 1 to 64 letters, digits, '_', "
			    "'.' or '-'";
			goto bad;
		}
		if (!json_is_object(srv) ||
		    (!json_is_string(json_object_get(srv, "command")) &&
		    !json_is_string(json_object_get(srv, "url")))) {
			why = "a server without a \"command\" or a \"url\"";
			goto bad;
		}
	}
	if ((copy = json_pack("{s:o}", "mcpServers", servers)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dc->mcps = json_dumps(copy, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(copy);
	if (dc->mcps == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
 bad:
	snprintf(err, errlen, "%s: customizations.aileron.mcps: %s", path,
	    why);
	json_decref(servers);
	return -1;
 nomem:
	snprintf(err, errlen, "out of memory");
	json_decref(servers);
	return -1;
}

static int
docker_mount(char **argv, size_t *n, const char *from, const char *to,
    int ro)
{
	char	 spec[PATH_MAX * 2 + 8];

	/* -v splits on ':': a path holding one cannot be said this way. */
	if (strchr(from, ':') != NULL || strchr(to, ':') != NULL ||
	    (size_t)snprintf(spec, sizeof(spec), "%s:%s%s", from, to,
	    ro ? ":ro" : "") >= sizeof(spec))
		return -1;
	if (launch_push(argv, n, "-v") == -1 || launch_push(argv, n, spec) ==
	    -1)
		return -1;
	return 0;
}

/* An empty file system at the project's path below /workspace. */
static int
docker_tmpfs(char **argv, size_t *n, const char *rel, const char *opts)
{
	char	 spec[PATH_MAX + 32];

	/* --tmpfs splits on ':' too. */
	if (strchr(rel, ':') != NULL ||
	    (size_t)snprintf(spec, sizeof(spec), "%s%s%s", DOCKER_WORK, rel,
	    opts) >= sizeof(spec))
		return -1;
	if (launch_push(argv, n, "--tmpfs") == -1 ||
	    launch_push(argv, n, spec) == -1)
		return -1;
	return 0;
}

/*
 * As in the native sandbox: where the project holds the state directory,
 * or api.sock's apart from it, an empty file system covers it.  The
 * container runs as the user who owns the service: api.sock would make
 * it the service's administrator, free to grant its own approvals.
 */
static int
docker_hide(const struct launch *l, char **argv, size_t *n)
{
	char	 sockdir[PATH_MAX], *slash;
	size_t	 len = strlen(l->dir);

	if (launch_under(l->statedir, l->dir) &&
	    docker_tmpfs(argv, n, l->statedir + len, "") == -1)
		return -1;
	strlcpy(sockdir, l->apisock, sizeof(sockdir));
	if ((slash = strrchr(sockdir, '/')) != NULL && slash != sockdir)
		*slash = '\0';
	if (!launch_under(sockdir, l->statedir) &&
	    launch_under(sockdir, l->dir) &&
	    docker_tmpfs(argv, n, sockdir + len, "") == -1)
		return -1;
	return 0;
}

/* A file of launch's private directory. */
static int
docker_tmp(const struct launch *l, const char *name, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/%s", l->tmp, name) < len ?
	    0 : -1;
}

/* Run docker with args, its output hidden: its exit status, or -1. */
static int
docker_quiet(const char *docker, char *const args[])
{
	pid_t	 pid;
	int	 status, null;

	switch (pid = fork()) {
	case -1:
		return -1;
	case 0:
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv(docker, args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether a Docker engine answers: the default backend then. */
int
launch_docker_available(char *docker, size_t len)
{
	char	*args[] = { "docker", "info", "--format",
		    "{{.ServerVersion}}", NULL };

	if (launch_which("docker", docker, len) == -1)
		return 0;
	return docker_quiet(docker, args) == 0;
}

/*
 * The environment as an --env-file: NAME=VALUE a line, as docker reads
 * it (no quoting, so no value may hold a newline).
 */
static int
docker_envfile(const struct launch *l, char *const env[])
{
	char	 path[PATH_MAX];
	size_t	 i, len;
	int	 fd, rv = 0;

	if (docker_tmp(l, LAUNCH_DOCKER_ENV, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_WRONLY |
	    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return -1;
	for (i = 0; env[i] != NULL && rv == 0; i++) {
		len = strcspn(env[i], "\n");
		if (write(fd, env[i], len) != (ssize_t)len ||
		    write(fd, "\n", 1) != 1)
			rv = -1;
	}
	if (close(fd) == -1)
		rv = -1;
	return rv;
}

/*
 * The image to run: the devcontainer's, built first when it names only
 * a Dockerfile (tagged after the session, removed by nobody: docker's
 * cache makes the next build cheap).
 */
int
launch_docker_image(const struct launch *l, const struct devc *dc,
    char *image, size_t len)
{
	char	 file[PATH_MAX], ctx[PATH_MAX], *args[12];
	char	 real[PATH_MAX], realctx[PATH_MAX];
	size_t	 n = 0;

	if (dc->image[0] != '\0')
		return strlcpy(image, dc->image, len) < len ? 0 : -1;
	if ((size_t)snprintf(file, sizeof(file), "%s/%s/%s", l->dir, DEVC_DIR,
	    dc->dockerfile) >= sizeof(file) ||
	    (size_t)snprintf(ctx, sizeof(ctx), "%s/%s/%s", l->dir, DEVC_DIR,
	    dc->context[0] != '\0' ? dc->context : ".") >= sizeof(ctx) ||
	    (size_t)snprintf(image, len, "aileron-%s", l->agent) >= len)
		return -1;
	/* The project's own files only: a "../" could reach the host's. */
	if (realpath(file, real) == NULL || !launch_under(real, l->dir) ||
	    realpath(ctx, realctx) == NULL || !launch_under(realctx, l->dir)) {
		fprintf(stderr, "aileron launch: the devcontainer's Dockerfile "
		    "and context must be in %s\n", l->dir);
		return -1;
	}
	args[n++] = "docker";
	args[n++] = "build";
	args[n++] = "-q";
	args[n++] = "-t";
	args[n++] = image;
	args[n++] = "-f";
	args[n++] = real;
	args[n++] = realctx;
	args[n] = NULL;
	fprintf(stderr, "aileron launch: building %s from %s\n", image, file);
	if (docker_quiet(l->docker, args) != 0) {
		fprintf(stderr, "aileron launch: docker build failed; run "
		    "\"docker build -f %s %s\" to see why\n", file, ctx);
		return -1;
	}
	return 0;
}

/* docker run's command line; the environment goes to the env-file. */
char **
launch_docker_argv(const struct launch *l, const char *image,
    char *const env[])
{
	char	**argv, path[PATH_MAX], id[64], devc[PATH_MAX];
	size_t	 n = 0, i;
	int	 hasdevc;

	/* The agent may not write what the next launch builds. */
	if ((hasdevc = devc_cover(l->dir, devc, sizeof(devc))) == -1)
		return NULL;
	if (docker_envfile(l, env) == -1) {
		fprintf(stderr, "aileron launch: cannot write the container's "
		    "environment in %s\n", l->tmp);
		return NULL;
	}
	if ((argv = calloc(LAUNCH_ARGV_MAX, sizeof(*argv))) == NULL)
		return NULL;
	snprintf(id, sizeof(id), "%u:%u", (unsigned)getuid(),
	    (unsigned)getgid());
	if (launch_push(argv, &n, l->docker) == -1 ||
	    launch_push(argv, &n, "run") == -1 ||
	    launch_push(argv, &n, "--rm") == -1 ||
	    launch_push(argv, &n, isatty(STDIN_FILENO) ? "-it" : "-i") == -1 ||
	    launch_push(argv, &n, "--network") == -1 ||
	    launch_push(argv, &n, "none") == -1 ||
	    launch_push(argv, &n, "--cap-drop") == -1 ||
	    launch_push(argv, &n, "ALL") == -1 ||
	    launch_push(argv, &n, "--security-opt") == -1 ||
	    launch_push(argv, &n, "no-new-privileges") == -1 ||
	    launch_push(argv, &n, "--user") == -1 ||
	    launch_push(argv, &n, id) == -1 ||
	    launch_push(argv, &n, "--env-file") == -1)
		goto fail;
	if (docker_tmp(l, LAUNCH_DOCKER_ENV, path, sizeof(path)) == -1 ||
	    launch_push(argv, &n, path) == -1 ||
	    launch_push(argv, &n, "--label") == -1 ||
	    launch_push(argv, &n, "aileron.session") == -1)
		goto fail;
	if (docker_tmp(l, LAUNCH_MANIFEST, path, sizeof(path)) == -1 ||
	    docker_mount(argv, &n, path, LAUNCH_ETC "/" LAUNCH_MANIFEST, 1) ==
	    -1 || docker_tmp(l, LAUNCH_HINT, path, sizeof(path)) == -1 ||
	    docker_mount(argv, &n, path, LAUNCH_ETC "/" LAUNCH_HINT, 1) == -1 ||
	    (l->mcps != NULL && (docker_tmp(l, LAUNCH_MCP, path,
	    sizeof(path)) == -1 || docker_mount(argv, &n, path, LAUNCH_ETC
	    "/" LAUNCH_MCP, 1) == -1)) ||
	    docker_mount(argv, &n, l->ca, LAUNCH_ETC "/ca.pem", 1) == -1 ||
	    docker_mount(argv, &n, l->bundle, LAUNCH_ETC "/bundle.pem", 1) ==
	    -1 ||
	    docker_mount(argv, &n, l->relaysock, LAUNCH_RUN "/"
	    LAUNCH_RELAY_SOCK, 0) == -1 ||
	    docker_mount(argv, &n, l->relay, DOCKER_RELAY, 1) == -1 ||
	    (l->bashrc[0] != '\0' && docker_mount(argv, &n, l->bashrc,
	    LAUNCH_ETC "/bashrc", 1) == -1) ||
	    docker_mount(argv, &n, l->dir, DOCKER_WORK, 0) == -1 ||
	    (hasdevc && docker_mount(argv, &n, devc, DOCKER_WORK "/"
	    DEVC_DIR, 1) == -1) ||
	    (!hasdevc && docker_tmpfs(argv, &n, "/" DEVC_DIR, ":ro") == -1) ||
	    docker_hide(l, argv, &n) == -1 ||
	    launch_push(argv, &n, "-w") == -1 ||
	    launch_push(argv, &n, DOCKER_WORK) == -1 ||
	    launch_push(argv, &n, "--entrypoint") == -1 ||
	    launch_push(argv, &n, DOCKER_RELAY) == -1 ||
	    launch_push(argv, &n, image) == -1 ||
	    launch_push(argv, &n, "in") == -1 ||
	    launch_push(argv, &n, l->proxyport) == -1 ||
	    launch_push(argv, &n, LAUNCH_RUN "/" LAUNCH_RELAY_SOCK) == -1)
		goto fail;
	for (i = 0; l->cmd[i] != NULL; i++)
		if (launch_push(argv, &n, l->cmd[i]) == -1)
			goto fail;
	return argv;
 fail:
	fprintf(stderr, "aileron launch: cannot say the container's mounts "
	    "to docker (a path with ':' in it, or too long)\n");
	launch_native_free(argv);
	return NULL;
}

/* "aileron sandbox init": a devcontainer for the agent, never over one. */
static const char	 devc_json[] =
    "// The agent's container for \"aileron launch --sandbox docker\".\n"
    "// See aileron-launch(1).\n"
    "{\n"
    "\t\"name\": \"aileron agent\",\n"
    "\t\"build\": { \"dockerfile\": \"Dockerfile\", \"context\": \"..\" },\n"
    "\t\"customizations\": {\n"
    "\t\t\"aileron\": {\n"
    "\t\t\t// \"image\": \"my/agent:latest\",\n"
    "\t\t\t\"mediation\": \"shell\",\n"
    "\t\t\t\"approval_surface\": [\"terminal\"],\n"
    "\t\t\t\"mcps\": []\n"
    "\t\t}\n"
    "\t}\n"
    "}\n";

static const char	 devc_dockerfile[] =
    "# The agent's image for \"aileron launch --sandbox docker\".  The\n"
    "# container has no network of its own: aileron mounts in a relay to\n"
    "# its proxy and the session's CA; install the agent and its tools.\n"
    "FROM debian:bookworm-slim\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends \\\n"
    "        ca-certificates curl git python3 && \\\n"
    "    rm -rf /var/lib/apt/lists/*\n";

int
cmd_sandbox(int argc, char *argv[])
{
	const char	*dir = ".";
	char		 path[PATH_MAX];
	int		 i, fd;
	size_t		 k;
	static const struct { const char *name, *text; } files[] = {
		{ DEVC_FILE, devc_json },
		{ "Dockerfile", devc_dockerfile },
	};

	if (argc < 2)
		return cli_usage_error("sandbox", NULL, "name a subcommand");
	if (strcmp(argv[1], "init") != 0)
		return cli_usage_error("sandbox", NULL, "unknown subcommand "
		    "\"%s\"", argv[1]);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			return cli_bad_arg("sandbox", "init", argv[i]);
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, DEVC_DIR) >=
	    sizeof(path) || (mkdir(path, 0755) == -1 && errno != EEXIST)) {
		fprintf(stderr, "aileron sandbox init: cannot make %s: %s\n",
		    path, strerror(errno));
		return 1;
	}
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s/%s", dir, DEVC_DIR,
		    files[k].name);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644)) == -1) {
			fprintf(stderr, "aileron sandbox init: %s: %s%s\n",
			    path, strerror(errno), errno == EEXIST ?
			    " (left as it is; remove it to start over)" : "");
			return 1;
		}
		if (write(fd, files[k].text, strlen(files[k].text)) !=
		    (ssize_t)strlen(files[k].text) || close(fd) == -1) {
			fprintf(stderr, "aileron sandbox init: cannot write "
			    "%s\n", path);
			return 1;
		}
		printf("wrote %s\n", path);
	}
	return 0;
}
