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
 * ws.c: WebSocket (RFC 6455) frame headers.  The worker reads the headers
 * of both directions after a 101, to count frames, to follow the close
 * handshake and to know which upstream payload bytes are text (those are
 * masked like a response body); it never unmasks or rewrites a frame.
 */

#include <stddef.h>
#include <stdint.h>

#include "worker/ws.h"

/*
 * Parses the frame header at the start of buf.  1 with *f filled, 0 when
 * buf holds only part of a header, -1 with *reason when it is malformed:
 * reserved bits set (we negotiate no extension), an unknown opcode, a
 * control frame fragmented or over 125 bytes, a length not in its
 * shortest form or with the top bit set (RFC 6455 5.2).
 */
int
ws_frame_parse(const unsigned char *buf, size_t n, struct ws_frame *f,
    const char **reason)
{
	size_t		 need, i;
	uint64_t	 len;
	unsigned int	 b0, b1;

	if (n < 2)
		return 0;
	b0 = buf[0];
	b1 = buf[1];
	if (b0 & 0x70) {
		*reason = "reserved bits set";
		return -1;
	}
	f->fin = (b0 & 0x80) != 0;
	f->opcode = b0 & 0x0f;
	f->masked = (b1 & 0x80) != 0;
	switch (f->opcode) {
	case WS_OP_CONT:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		break;
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!f->fin) {
			*reason = "fragmented control frame";
			return -1;
		}
		if ((b1 & 0x7f) > 125) {
			*reason = "control frame over 125 bytes";
			return -1;
		}
		break;
	default:
		*reason = "unknown opcode";
		return -1;
	}
	len = b1 & 0x7f;
	need = 2;
	if (len == 126)
		need += 2;
	else if (len == 127)
		need += 8;
	if (f->masked)
		need += 4;
	if (n < need)
		return 0;
	if (len == 126) {
		len = (uint64_t)buf[2] << 8 | buf[3];
		if (len < 126) {
			*reason = "length not in its shortest form";
			return -1;
		}
	} else if (len == 127) {
		len = 0;
		for (i = 0; i < 8; i++)
			len = len << 8 | buf[2 + i];
		if (len >> 63) {
			*reason = "length with its top bit set";
			return -1;
		}
		if (len <= 0xffff) {
			*reason = "length not in its shortest form";
			return -1;
		}
	}
	f->hdrlen = need;
	f->len = len;
	return 1;
}

/*
 * Checks a parsed frame against its direction's message state and
 * updates it: frames from the client must be masked, the server's must
 * not (RFC 6455 5.1); a continuation needs an open message, a new data
 * frame needs none.  0, or -1 with *reason.
 */
int
ws_frame_check(struct ws_dir *d, const struct ws_frame *f, int fromclient,
    const char **reason)
{
	if (fromclient && !f->masked) {
		*reason = "unmasked frame from the client";
		return -1;
	}
	if (!fromclient && f->masked) {
		*reason = "masked frame from the server";
		return -1;
	}
	switch (f->opcode) {
	case WS_OP_CONT:
		if (!d->inmsg) {
			*reason = "continuation outside a message";
			return -1;
		}
		if (f->fin)
			d->inmsg = 0;
		break;
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (d->inmsg) {
			*reason = "new message inside a fragmented one";
			return -1;
		}
		d->text = f->opcode == WS_OP_TEXT;
		d->inmsg = !f->fin;
		break;
	default:
		break;
	}
	return 0;
}
