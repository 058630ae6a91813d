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
 * web_parse.c: what the web page's worker reads out of a browser's
 * request besides HTTP itself (api.c): its cookie, the login form's
 * token, and whether Host, Origin and Sec-Fetch-Site name this page.
 * Kept apart from web.c, with no state, so that a table-driven test and
 * a fuzz target can reach every byte of it.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msgtypes.h"
#include "worker/web.h"

/*
 * Our cookie's value in a Cookie header (name=value pairs split by ";"):
 * 0 and the value in out, or -1 when it is absent or not 64 lower-case
 * hexadecimal digits.
 */
int
web_cookie_value(const char *hdr, char *out, size_t outlen)
{
	const char	*p = hdr, *v;
	size_t		 n, name = strlen(WEB_COOKIE);

	while (*p != '\0') {
		p += strspn(p, " \t;");
		n = strcspn(p, ";");
		if (n > name && strncmp(p, WEB_COOKIE "=", name + 1) == 0) {
			v = p + name + 1;
			n -= name + 1;
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n != MSG_WEB_SECRET_LEN || n >= outlen ||
			    strspn(v, "0123456789abcdef") < n)
				return -1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
		p += n;
	}
	return -1;
}

/* Percent-decoding of a form value, in place; -1 on a bad escape or NUL. */
int
web_urldecode(char *s)
{
	char		*o = s;
	unsigned int	 v;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s != '%')
			*o++ = *s;
		else {
			if (strspn(s + 1, "0123456789abcdefABCDEF") < 2 ||
			    sscanf(s + 1, "%2x", &v) != 1 || v == 0)
				return -1;
			*o++ = (char)v;
			s += 2;
		}
	}
	*o = '\0';
	return 0;
}

/*
 * The login form's body (form-encoded, NUL-terminated, changed in
 * place): 0 and its first token= value, decoded and without the blanks
 * a paste brings, in *token; -1 when there is none or it is badly
 * encoded.
 */
int
web_form_token(char *body, char **token)
{
	char	*p, *v = body, *t = NULL;

	while ((p = strsep(&v, "&")) != NULL)
		if (strncmp(p, "token=", 6) == 0 && t == NULL)
			t = p + 6;
	if (t == NULL || web_urldecode(t) == -1)
		return -1;
	t += strspn(t, " \t\r\n");
	t[strcspn(t, " \t\r\n")] = '\0';
	*token = t;
	return 0;
}

/*
 * Does host (a Host header, or an Origin's host and port) name the page?
 * bound is the listener's address and port as bound ("127.0.0.1:8080",
 * "[::1]:8080"); localhost, that the configuration said localhost, which
 * then names it too.  Exact: no other name, no default port.
 */
int
web_host_match(const char *host, const char *bound, int localhost)
{
	const char	*port;
	size_t		 n = strlen("localhost");

	if (bound == NULL)
		return 0;
	if (strcmp(host, bound) == 0)
		return 1;
	if (!localhost || (port = strrchr(bound, ':')) == NULL)
		return 0;
	return strncasecmp(host, "localhost", n) == 0 &&
	    strcmp(host + n, port) == 0;
}

/*
 * Behind the page's token, a second line for a request that changes
 * state: a browser says where it comes from (Origin) and whether it is
 * this site's (Sec-Fetch-Site).  Origin must be sent (not NULL) and name
 * this page: every browser sends it on such a request, so a client
 * without one is no page of ours.  Sec-Fetch-Site, when sent, must say
 * it is ours.
 */
int
web_origin_ok(const char *origin, const char *site, const char *bound,
    int localhost)
{
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return 0;
	if (origin == NULL)
		return 0;
	return strncmp(origin, "http://", 7) == 0 &&
	    web_host_match(origin + 7, bound, localhost);
}
