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
 * fuzz_web.c: libFuzzer target for what the web page reads of a browser
 * besides HTTP (worker/web_parse.c): the input, up to a NUL, is a Cookie
 * header, a login form's body, a Host and an Origin at once.  A cookie
 * read is 64 hexadecimal digits; a form's token has no blank at either
 * end; Host and Origin match only the exact listener.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgtypes.h"
#include "worker/web.h"

#define BOUND	"127.0.0.1:8080"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*s, *body, *tok, out[MSG_WEB_SECRET_LEN + 1];
	size_t	 n;

	if ((s = malloc(len + 1)) == NULL || (body = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	if (web_cookie_value(s, out, sizeof(out)) == 0 &&
	    (strlen(out) != MSG_WEB_SECRET_LEN ||
	    strspn(out, "0123456789abcdef") != MSG_WEB_SECRET_LEN))
		abort();
	memcpy(body, s, len + 1);
	if (web_form_token(body, &tok) == 0 && (n = strlen(tok)) > 0 &&
	    (strchr(" \t\r\n", tok[0]) != NULL ||
	    strchr(" \t\r\n", tok[n - 1]) != NULL))
		abort();
	if (web_host_match(s, BOUND, 0) && strcmp(s, BOUND) != 0)
		abort();
	if (web_host_match(s, BOUND, 1) && strcmp(s, BOUND) != 0 &&
	    strcasecmp(s, "localhost:8080") != 0)
		abort();
	if (web_origin_ok(s, NULL, BOUND, 0) &&
	    strcmp(s, "http://" BOUND) != 0)
		abort();
	if (web_origin_ok(NULL, s, BOUND, 0))
		abort();
	if (web_origin_ok("http://" BOUND, s, BOUND, 0) &&
	    strcmp(s, "same-origin") != 0 &&
	    strcmp(s, "none") != 0)
		abort();
	free(s);
	free(body);
	return 0;
}
