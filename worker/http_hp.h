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
 * http_hp.h: http-parser's reading of a complete head, the second opinion
 * http.c asks for.  Kept apart because <http_parser.h> names its HEAD
 * method HTTP_HEAD, as http.h names its first state.
 */

#ifndef AILERON_HTTP_HP_H
#define AILERON_HTTP_HP_H

#include <stddef.h>

struct http_hp_view {
	int		 complete;	/* reached the end of the head */
	size_t		 consumed;	/* head bytes it read, LF included */
	int		 error;		/* refused it */
	int		 bad_method;	/* refused its method */
	int		 major, minor;
	const char	*method;	/* requests */
	int		 status;	/* responses */
	int		 chunked;
	unsigned long long content_length;	/* ULLONG_MAX: none */
};

void	http_hp_request(const char *, size_t, struct http_hp_view *);
void	http_hp_response(const char *, size_t, int, struct http_hp_view *);

#endif
