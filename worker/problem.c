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
 * problem.c: the answers the proxy gives of its own.  Each is
 * application/problem+json (RFC 9457) with a type an agent can tell apart
 * from an upstream's error, and x-should-retry: false where a retry
 * cannot help (the LLM SDKs retry 408, 409, 429 and 5xx by default: a
 * retried approval timeout would ask the human again).
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "worker/proxy.h"

/*
 * A status's title: our problems', and the reason phrase of every answer
 * (RFC 9110's, and a few of WebDAV's and RFC 6585's).
 */
const char *
problem_title(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 103:
		return "Early Hints";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 203:
		return "Non-Authoritative Information";
	case 204:
		return "No Content";
	case 205:
		return "Reset Content";
	case 206:
		return "Partial Content";
	case 207:
		return "Multi-Status";
	case 300:
		return "Multiple Choices";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 305:
		return "Use Proxy";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 417:
		return "Expectation Failed";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Content";
	case 423:
		return "Locked";
	case 424:
		return "Failed Dependency";
	case 425:
		return "Too Early";
	case 426:
		return "Upgrade Required";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 451:
		return "Unavailable For Legal Reasons";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	case 507:
		return "Insufficient Storage";
	case 511:
		return "Network Authentication Required";
	default:
		return "Error";
	}
}

/*
 * Answer status with a problem of type ("aileron:denied") and detail.
 * keep: the connection stays open for another request.  0, or -1 when
 * the agent could not be written to.
 */
int
problem_send(struct io *io, int status, const char *type, const char *detail,
    int keep)
{
	return problem_send_ext(io, status, type, detail, NULL, keep);
}

/* The same, with members of ext (RFC 9457 extensions) when not NULL. */
int
problem_send_ext(struct io *io, int status, const char *type,
    const char *detail, json_t *ext, int keep)
{
	json_t	*j;
	char	*body, head[512];
	int	 n, rv;

	j = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title",
	    problem_title(status), "status", status, "detail",
	    detail != NULL ? detail : "");
	if (j != NULL && ext != NULL)
		json_object_update_missing(j, ext);
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("%s: out of memory", __func__);
	json_decref(j);
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/problem+json\r\n"
	    "Content-Length: %zu\r\n"
	    "%s"
	    "Connection: %s\r\n\r\n", status, problem_title(status),
	    strlen(body),
	    status >= 500 || status == 408 || status == 409 || status == 429 ?
	    "x-should-retry: false\r\n" : "",
	    keep ? "keep-alive" : "close");
	rv = -1;
	if (n > 0 && (size_t)n < sizeof(head) &&
	    io_write(io, head, n, PROXY_IO_MS) == 0 &&
	    io_write(io, body, strlen(body), PROXY_IO_MS) == 0)
		rv = 0;
	free(body);
	return rv;
}

/* git and libcurl's anyauth send credentials only after this. */
int
problem_407(struct io *io, int keep)
{
	static const char body[] = "{\"type\":\"aileron:proxy-auth\","
	    "\"title\":\"Proxy Authentication Required\",\"status\":407,"
	    "\"detail\":\"the session token goes in Proxy-Authorization: "
	    "Basic, as the password\"}";
	char	 head[512];
	int	 n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 407 %s\r\n"
	    "Proxy-Authenticate: Basic realm=\"aileron\"\r\n"
	    "Content-Type: application/problem+json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: %s\r\n\r\n", problem_title(407), sizeof(body) - 1,
	    keep ? "keep-alive" : "close");
	if (io_write(io, head, n, PROXY_IO_MS) != 0 ||
	    io_write(io, body, sizeof(body) - 1, PROXY_IO_MS) != 0)
		return -1;
	return 0;
}
