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
 * shell.c: "aileron shell check -- COMMAND", which the sandbox's bash rc
 * (etc/aileron/bashrc) runs before each command: it asks the service,
 * through the proxy and the session token in HTTPS_PROXY, at the reserved
 * host aileron.internal, whether the command may run; a person may have
 * to approve it first.  Exit 0: it may; 1: it may not, or no answer came
 * (the shell then skips the command).  Policy for a cooperative agent,
 * not a boundary: the sandbox and the proxy are that.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli.h"

#define SHELL_CMD_MAX	1023	/* control's bound */
#define SHELL_RESP_MAX	(64 * 1024)
#define SHELL_URL	"https://aileron.internal/v1/shell/check?command="

struct shell_buf {
	char	 data[SHELL_RESP_MAX + 1];
	size_t	 len;
};

static size_t	shell_write(char *, size_t, size_t, void *);

static size_t
shell_write(char *p, size_t size, size_t n, void *arg)
{
	struct shell_buf	*b = arg;
	size_t			 len = size * n;

	if (b->len + len > SHELL_RESP_MAX)
		return 0;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

int
cmd_shell(int argc, char *argv[])
{
	static struct shell_buf	 b;
	const char		*proxy, *bundle, *why = NULL;
	char			 cmd[SHELL_CMD_MAX + 1], *esc, *url;
	json_t			*j;
	CURL			*c;
	CURLcode		 rc;
	long			 status = 0;
	size_t			 n = 0, len;
	int			 i;

	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return cli_usage_error("shell", NULL, "the subcommand is "
		    "check");
	i = 2;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return cli_usage_error("shell", "check", "name the command");
	cmd[0] = '\0';
	for (; i < argc; i++) {
		len = strlen(argv[i]);
		if (n + len + (n > 0) > SHELL_CMD_MAX) {
			fprintf(stderr, "aileron: shell: a command of more "
			    "than %d bytes is not run\n", SHELL_CMD_MAX);
			return 1;
		}
		if (n > 0)
			cmd[n++] = ' ';
		memcpy(cmd + n, argv[i], len + 1);
		n += len;
	}
	if ((proxy = getenv("HTTPS_PROXY")) == NULL &&
	    (proxy = getenv("https_proxy")) == NULL) {
		fprintf(stderr, "aileron: shell: no HTTPS_PROXY, so no service "
		    "to ask: not run (this runs in what aileron launch "
		    "made)\n");
		return 1;
	}
	if ((bundle = getenv("SSL_CERT_FILE")) == NULL)
		bundle = getenv("CURL_CA_BUNDLE");
	if ((c = curl_easy_init()) == NULL ||
	    (esc = curl_easy_escape(c, cmd, 0)) == NULL) {
		fprintf(stderr, "aileron: shell: cannot set up libcurl\n");
		return 1;
	}
	if (asprintf(&url, "%s%s", SHELL_URL, esc) == -1) {
		curl_free(esc);
		return 1;
	}
	curl_free(esc);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, proxy);
	if (bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, bundle);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	/* No overall timeout: a person may take a while to approve. */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, shell_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	free(url);
	if (rc != CURLE_OK) {
		fprintf(stderr, "aileron: shell: no answer from the service "
		    "(%s): not run\n", curl_easy_strerror(rc));
		return 1;
	}
	if (status == 200)
		return 0;
	if ((j = json_loads(b.data, 0, NULL)) != NULL)
		why = json_string_value(json_object_get(j, "detail"));
	fprintf(stderr, "aileron: %s: not run\n", why != NULL && *why != '\0' ?
	    why : "shell: refused");
	json_decref(j);
	return 1;
}
