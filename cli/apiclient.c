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
 * apiclient.c: the CLI's side of the management API: one HTTP/1.1
 * request over api.sock with libcurl, the socket found in service.json,
 * and the title of a problem+json answer for a message.
 */

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "state.h"
#include "cli/apiclient.h"

#define APICLIENT_RESP_MAX	(4 * 1024 * 1024)
#define APICLIENT_TIMEOUT	30L	/* s */

struct apiclient_buf {
	char	*data;
	size_t	 len;
	int	 over;
};

static size_t	apiclient_write(char *, size_t, size_t, void *);

static size_t
apiclient_write(char *p, size_t size, size_t n, void *arg)
{
	struct apiclient_buf	*b = arg;
	size_t			 len = size * n;
	char			*nb;

	if (b->len + len > APICLIENT_RESP_MAX) {
		b->over = 1;
		return 0;
	}
	if ((nb = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	b->data = nb;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/*
 * One request to the management API on the unix socket sock: the status
 * and the body (the caller frees it).  Never a proxy from the
 * environment, never a redirect.  -1 when the API could not be asked.
 */
int
apiclient_call(const char *cmd, const char *sock, const char *method,
    const char *path, const char *body, long *status, char **resp)
{
	struct apiclient_buf	 b = { NULL, 0, 0 };
	struct curl_slist	*hdrs = NULL;
	CURL			*c;
	CURLcode		 rc;
	char			 url[256];

	*resp = NULL;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	if ((c = curl_easy_init()) == NULL) {
		fprintf(stderr, "%s: cannot set up libcurl\n", cmd);
		return -1;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, APICLIENT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, apiclient_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "%s: cannot reach the management API at %s: "
		    "%s (is the service running, and are you the user who "
		    "started it?)\n", cmd, sock, b.over ? "answer too long" :
		    curl_easy_strerror(rc));
		free(b.data);
		return -1;
	}
	*resp = b.data != NULL ? b.data : strdup("");
	return *resp != NULL ? 0 : -1;
}

/* A problem+json body's title, for a message; never NULL. */
const char *
apiclient_problem(const char *body)
{
	static char	 title[256];
	json_t		*j;
	const char	*s;

	strlcpy(title, "see the service log", sizeof(title));
	if ((j = json_loads(body, 0, NULL)) != NULL &&
	    (s = json_string_value(json_object_get(j, "title"))) != NULL)
		strlcpy(title, s, sizeof(title));
	json_decref(j);
	return title;
}

/* api.sock and the first proxy listener, from service.json. */
int
apiclient_service(const char *cmd, const char *statedir, char *sock,
    size_t socklen, char *proxy, size_t proxylen)
{
	json_t		*j;
	const char	*s, *p;
	pid_t		 pid;
	int		 stale, rv = -1;

	/* Teams: a member of group aileron cannot open the owner's lock. */
	if ((j = state_service(statedir, &pid, &stale)) == NULL)
		j = state_service_member(statedir);
	if (j == NULL) {
		fprintf(stderr, "%s: no service is running on %s; start one "
		    "with \"aileron service\"\n", cmd, statedir);
		return -1;
	}
	s = json_string_value(json_object_get(j, "api_socket"));
	p = json_string_value(json_object_get(j, "proxy"));
	if (s == NULL || strlcpy(sock, s, socklen) >= socklen) {
		fprintf(stderr, "%s: %s/service.json names no api socket; "
		    "restart the service\n", cmd, statedir);
		goto done;
	}
	if (proxy != NULL) {
		if (p == NULL || strlcpy(proxy, p, proxylen) >= proxylen) {
			fprintf(stderr, "%s: the service has no proxy "
			    "listener; add a \"listen on\" line to its "
			    "configuration\n", cmd);
			goto done;
		}
	}
	rv = 0;
 done:
	json_decref(j);
	return rv;
}
