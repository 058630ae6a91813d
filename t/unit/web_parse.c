/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* web_parse.c: table-driven tests of what the web page reads of a browser. */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "worker/web.h"

#define SID	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static const struct {
	const char	*hdr;
	const char	*want;		/* NULL: refused */
} cookies[] = {
	{ "aileron_web=" SID, SID },
	{ "a=b; aileron_web=" SID "; c=d", SID },
	{ "a=b;aileron_web=" SID, SID },
	{ "aileron_web=" SID "  ", SID },
	{ "aileron_web=" SID "0", NULL },		/* too long */
	{ "aileron_web=0123", NULL },
	{ "aileron_web=" "0123456789ABCDEF0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", NULL },	/* upper case */
	{ "xaileron_web=" SID, NULL },
	{ "aileron_webx=" SID, NULL },
	{ "aileron_web", NULL },
	{ "aileron_web=", NULL },
	{ "", NULL },
	{ "aileron_web=; aileron_web=" SID, NULL },	/* the first wins */
};

static const struct {
	const char	*body;
	const char	*want;		/* NULL: refused */
} forms[] = {
	{ "token=abc", "abc" },
	{ "x=1&token=abc&token=def", "abc" },
	{ "token=%20%20abc%0A", "abc" },
	{ "token=+abc+", "abc" },
	{ "token=a%2Fb", "a/b" },
	{ "token=a%00b", NULL },
	{ "token=a%2", NULL },
	{ "token=a%zz", NULL },
	{ "tokens=abc", NULL },
	{ "", NULL },
	{ "token=", "" },
};

static const struct {
	const char	*host;
	const char	*bound;
	int		 localhost;
	int		 want;
} hosts[] = {
	{ "127.0.0.1:8080", "127.0.0.1:8080", 0, 1 },
	{ "127.0.0.1:8081", "127.0.0.1:8080", 0, 0 },
	{ "127.0.0.1", "127.0.0.1:8080", 0, 0 },
	{ "localhost:8080", "127.0.0.1:8080", 0, 0 },
	{ "localhost:8080", "127.0.0.1:8080", 1, 1 },
	{ "LocalHost:8080", "127.0.0.1:8080", 1, 1 },
	{ "localhost:80800", "127.0.0.1:8080", 1, 0 },
	{ "localhost.evil.example:8080", "127.0.0.1:8080", 1, 0 },
	{ "evil.example:8080", "127.0.0.1:8080", 1, 0 },
	{ "[::1]:8080", "[::1]:8080", 0, 1 },
	{ "127.0.0.1:8080 ", "127.0.0.1:8080", 0, 0 },
	{ "127.0.0.1:8080", NULL, 0, 0 },
};

static const struct {
	const char	*origin;
	const char	*site;
	int		 want;
} origins[] = {
	/* A client that sends no Origin is no browser on our page. */
	{ NULL, NULL, 0 },
	{ NULL, "same-origin", 0 },
	{ NULL, "none", 0 },
	{ "http://127.0.0.1:8080", NULL, 1 },
	{ "http://127.0.0.1:8080", "same-origin", 1 },
	{ "http://127.0.0.1:8080", "none", 1 },
	{ "http://127.0.0.1:8081", "same-site", 0 },
	{ NULL, "same-site", 0 },
	{ NULL, "cross-site", 0 },
	{ "null", NULL, 0 },
	{ "https://127.0.0.1:8080", NULL, 0 },
	{ "http://evil.example", NULL, 0 },
	{ "http://127.0.0.1:8080", "cross-site", 0 },
	{ "http://127.0.0.1:8080/", NULL, 0 },
};

int
main(void)
{
	char	 out[80], body[256], *tok;
	size_t	 i;
	int	 rv;

	for (i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++) {
		rv = web_cookie_value(cookies[i].hdr, out, sizeof(out));
		ok(cookies[i].want == NULL ? rv == -1 :
		    rv == 0 && strcmp(out, cookies[i].want) == 0,
		    "cookie \"%.40s\": %s", cookies[i].hdr,
		    cookies[i].want == NULL ? "refused" : "read");
	}
	ok(web_cookie_value("aileron_web=" SID, out, 64) == -1,
	    "a value that does not fit is refused");
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		strlcpy(body, forms[i].body, sizeof(body));
		rv = web_form_token(body, &tok);
		ok(forms[i].want == NULL ? rv == -1 :
		    rv == 0 && strcmp(tok, forms[i].want) == 0,
		    "form \"%s\": %s", forms[i].body, forms[i].want == NULL ?
		    "refused" : forms[i].want);
	}
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		is(web_host_match(hosts[i].host, hosts[i].bound,
		    hosts[i].localhost), hosts[i].want, "Host %s%s against %s",
		    hosts[i].host, hosts[i].localhost ? " (localhost)" : "",
		    hosts[i].bound != NULL ? hosts[i].bound : "(none)");
	for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++)
		is(web_origin_ok(origins[i].origin, origins[i].site,
		    "127.0.0.1:8080", 0), origins[i].want,
		    "Origin %s, Sec-Fetch-Site %s",
		    origins[i].origin != NULL ? origins[i].origin : "(none)",
		    origins[i].site != NULL ? origins[i].site : "(none)");
	return done_testing();
}
