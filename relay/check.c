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
 * check.c: "aileron-relay shell check -- COMMAND", the shell mediation of
 * a container, whose image need not run the host's aileron.  Like
 * "aileron shell check" it asks the service, through the proxy that
 * HTTPS_PROXY names, whether COMMAND may run; being static and without
 * TLS, it asks in plain HTTP (POST http://aileron.internal/v1/shell/check),
 * which the proxy answers itself: the request never leaves loopback.
 * Exit 0: run it; 1: not run, with the service's reason on stderr.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay/relay.h"

#define CHECK_CMD_MAX	1023		/* control's bound */
#define CHECK_RESP_MAX	(64 * 1024)

static const char	 check_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* http://USER:PASS@127.0.0.1:PORT[/]: the parts; -1 if not that shape. */
static int
check_proxy(const char *url, char *auth, size_t authlen, char *host,
    size_t hostlen, char *port, size_t portlen)
{
	const char	*p, *at, *colon, *end;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	if ((at = strchr(p, '@')) == NULL || (size_t)(at - p) >= authlen)
		return -1;
	memcpy(auth, p, at - p);
	auth[at - p] = '\0';
	p = at + 1;
	if ((end = strchr(p, '/')) == NULL)
		end = p + strlen(p);
	if ((colon = memchr(p, ':', end - p)) == NULL ||
	    (size_t)(colon - p) >= hostlen || (size_t)(end - colon - 1) >=
	    portlen || end == colon + 1)
		return -1;
	memcpy(host, p, colon - p);
	host[colon - p] = '\0';
	memcpy(port, colon + 1, end - colon - 1);
	port[end - colon - 1] = '\0';
	return 0;
}

static void
check_base64(const char *in, char *out)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 n = strlen(in), i;
	unsigned int		 v;

	for (i = 0; i + 2 < n; i += 3) {
		v = s[i] << 16 | s[i + 1] << 8 | s[i + 2];
		*out++ = check_b64[v >> 18];
		*out++ = check_b64[(v >> 12) & 63];
		*out++ = check_b64[(v >> 6) & 63];
		*out++ = check_b64[v & 63];
	}
	if (n - i == 1) {
		v = s[i] << 16;
		*out++ = check_b64[v >> 18];
		*out++ = check_b64[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		v = s[i] << 16 | s[i + 1] << 8;
		*out++ = check_b64[v >> 18];
		*out++ = check_b64[(v >> 12) & 63];
		*out++ = check_b64[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* Everything but unreserved characters as %XX (RFC 3986). */
static void
check_escape(const char *in, char *out)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)in;

	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s) != NULL)
			*out++ = *s;
		else {
			*out++ = '%';
			*out++ = hex[*s >> 4];
			*out++ = hex[*s & 15];
		}
	}
	*out = '\0';
}

/*
 * The "detail" of the service's problem body (JSON we wrote ourselves),
 * for the message: escapes other than the simple ones shown as '?'.
 */
static void
check_detail(const char *body, char *out, size_t outlen)
{
	const char	*p;
	size_t		 n = 0;

	out[0] = '\0';
	if ((p = strstr(body, "\"detail\":")) == NULL)
		return;
	p += 9;
	while (*p == ' ')
		p++;
	if (*p++ != '"')
		return;
	for (; *p != '\0' && *p != '"' && n + 1 < outlen; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			out[n++] = *p == 'n' ? ' ' : (*p == '"' || *p == '\\' ||
			    *p == '/') ? *p : '?';
			continue;
		}
		out[n++] = (unsigned char)*p < 0x20 ? '?' : *p;
	}
	out[n] = '\0';
}

int
relay_check(int argc, char *argv[])
{
	static char	 resp[CHECK_RESP_MAX + 1];
	char		 cmd[CHECK_CMD_MAX + 1], esc[CHECK_CMD_MAX * 3 + 1];
	char		 auth[256], auth64[345], host[64], port[8];
	char		 head[CHECK_CMD_MAX * 3 + 1024], detail[512];
	const char	*proxy, *body;
	size_t		 n = 0, len, got = 0;
	ssize_t		 r;
	int		 i = 2, fd, status, hl;

	if (argc < 2 || strcmp(argv[1], "check") != 0)
		relay_usage();
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		relay_usage();
	for (; i < argc; i++) {
		len = strlen(argv[i]);
		if (n + len + (n > 0) > CHECK_CMD_MAX) {
			fprintf(stderr, "aileron: shell: a command of more "
			    "than %d bytes is not run\n", CHECK_CMD_MAX);
			return 1;
		}
		if (n > 0)
			cmd[n++] = ' ';
		memcpy(cmd + n, argv[i], len + 1);
		n += len;
	}
	if (((proxy = getenv("HTTPS_PROXY")) == NULL &&
	    (proxy = getenv("https_proxy")) == NULL) ||
	    check_proxy(proxy, auth, sizeof(auth), host, sizeof(host), port,
	    sizeof(port)) == -1) {
		fprintf(stderr, "aileron: shell: no HTTPS_PROXY of aileron "
		    "launch's, so no service to ask: not run\n");
		return 1;
	}
	check_base64(auth, auth64);
	explicit_bzero(auth, sizeof(auth));
	check_escape(cmd, esc);
	hl = snprintf(head, sizeof(head), "POST http://aileron.internal/v1/"
	    "shell/check?command=%s HTTP/1.1\r\nHost: aileron.internal\r\n"
	    "Proxy-Authorization: Basic %s\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", esc, auth64);
	explicit_bzero(auth64, sizeof(auth64));
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return 1;
	/* No overall timeout: a person may take a while to approve. */
	if ((fd = relay_connect_tcp(host, port)) == -1) {
		fprintf(stderr, "aileron: shell: no answer from the service "
		    "at %s:%s: not run\n", host, port);
		explicit_bzero(head, sizeof(head));
		return 1;
	}
	r = write(fd, head, hl);
	explicit_bzero(head, sizeof(head));
	if (r != hl) {
		close(fd);
		return 1;
	}
	while (got < CHECK_RESP_MAX) {
		if ((r = read(fd, resp + got, CHECK_RESP_MAX - got)) == -1 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1) {
		fprintf(stderr, "aileron: shell: no answer from the service: "
		    "not run\n");
		return 1;
	}
	if (status == 200)
		return 0;
	body = strstr(resp, "\r\n\r\n");
	check_detail(body != NULL ? body + 4 : "", detail, sizeof(detail));
	fprintf(stderr, "aileron: %s: not run\n", detail[0] != '\0' ? detail :
	    "shell: refused");
	return 1;
}
