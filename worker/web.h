/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* web.h: the web page a worker serves on the "web listen" address. */

#ifndef AILERON_WORKER_WEB_H
#define AILERON_WORKER_WEB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct worker_ctx;

#define WEB_COOKIE	"aileron_web"	/* the web session's id */

/* One file of the page, embedded at build time (etc/webembed.sh). */
struct web_asset {
	const char	*path;		/* "/app.js" */
	const char	*ctype;
	const char	*data;		/* text, NUL-terminated */
};

extern const struct web_asset	web_assets[];
extern const size_t		web_nassets;

void	 web_serve(struct worker_ctx *, int, const char *);

/* web_parse.c: the browser's bytes, apart from HTTP. */
int	 web_cookie_value(const char *, char *, size_t);
int	 web_urldecode(char *);
int	 web_form_token(char *, char **);
int	 web_host_match(const char *, const char *, int);
int	 web_origin_ok(const char *, const char *, const char *, int);

#endif
