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
 * ws.c: tests for the WebSocket frame header parser: every length form,
 * every cut of a header (a partial header is 0, never an error or a
 * frame), and the malformed headers RFC 6455 5.2 and 5.4 forbid.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "worker/ws.h"
#include "tap.h"

static int
parse(const unsigned char *b, size_t n, struct ws_frame *f)
{
	const char	*reason = NULL;

	return ws_frame_parse(b, n, f, &reason);
}

/* Every strict prefix of a whole header is "need more". */
static int
allcuts(const unsigned char *b, size_t hdrlen)
{
	struct ws_frame	 f;
	size_t		 i;

	for (i = 0; i < hdrlen; i++)
		if (parse(b, i, &f) != 0)
			return 0;
	return 1;
}

int
main(void)
{
	struct ws_frame	 f;
	struct ws_dir	 d;
	const char	*reason;
	unsigned char	 small[] = { 0x81, 0x85, 1, 2, 3, 4, 'h' };
	unsigned char	 mid[] = { 0x82, 0x7e, 0x01, 0x00 };
	unsigned char	 big[] = { 0x02, 0x7f, 0, 0, 0, 0, 0x06, 0x40, 0, 0 };
	unsigned char	 b[16];

	plan(26);

	is(parse(small, sizeof(small), &f), 1, "a short masked text frame");
	ok(f.fin && f.opcode == WS_OP_TEXT && f.masked && f.len == 5 &&
	    f.hdrlen == 6, "its fin, opcode, mask, length and header size");
	ok(allcuts(small, 6), "every cut of its header needs more");

	is(parse(mid, sizeof(mid), &f), 1, "a 16-bit length");
	ok(f.len == 256 && f.hdrlen == 4 && !f.masked &&
	    f.opcode == WS_OP_BINARY, "is 256 bytes after a 4-byte header");
	ok(allcuts(mid, 4), "every cut of a 16-bit header needs more");

	is(parse(big, sizeof(big), &f), 1, "a 64-bit length");
	ok(f.len == 100ULL * 1024 * 1024 && f.hdrlen == 10 && !f.fin,
	    "is 100 MiB, not final");
	ok(allcuts(big, 10), "every cut of a 64-bit header needs more");

	memcpy(b, "\x91\x00", 2);
	is(parse(b, 2, &f), -1, "reserved bit RSV1 (no deflate) refused");
	memcpy(b, "\x83\x00", 2);
	is(parse(b, 2, &f), -1, "an unknown opcode refused");
	memcpy(b, "\x09\x00", 2);
	is(parse(b, 2, &f), -1, "a fragmented ping refused");
	memcpy(b, "\x88\x7e\x00\x80", 4);
	is(parse(b, 4, &f), -1, "a close over 125 bytes refused");
	memcpy(b, "\x82\x7e\x00\x7d", 4);
	is(parse(b, 4, &f), -1, "a 16-bit length under 126 refused");
	memcpy(b, "\x82\x7f\x00\x00\x00\x00\x00\x00\xff\xff", 10);
	is(parse(b, 10, &f), -1, "a 64-bit length under 65536 refused");
	memcpy(b, "\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10);
	is(parse(b, 10, &f), -1, "a 64-bit length with its top bit refused");
	memcpy(b, "\x8a\x00", 2);
	is(parse(b, 2, &f), 1, "an empty pong is a frame");

	memset(&d, 0, sizeof(d));
	f.masked = 0;
	f.opcode = WS_OP_TEXT;
	f.fin = 1;
	is(ws_frame_check(&d, &f, 1, &reason), -1,
	    "an unmasked frame from the client refused");
	f.masked = 1;
	is(ws_frame_check(&d, &f, 0, &reason), -1,
	    "a masked frame from the server refused");
	f.masked = 0;
	f.opcode = WS_OP_CONT;
	is(ws_frame_check(&d, &f, 0, &reason), -1,
	    "a continuation outside a message refused");
	f.opcode = WS_OP_TEXT;
	f.fin = 0;
	is(ws_frame_check(&d, &f, 0, &reason), 0, "a text message begins");
	ok(d.inmsg && d.text, "open, and text");
	f.opcode = WS_OP_PING;
	f.fin = 1;
	is(ws_frame_check(&d, &f, 0, &reason), 0,
	    "a ping between its fragments");
	f.opcode = WS_OP_BINARY;
	f.fin = 1;
	is(ws_frame_check(&d, &f, 0, &reason), -1,
	    "a new message inside it refused");
	f.opcode = WS_OP_CONT;
	is(ws_frame_check(&d, &f, 0, &reason), 0, "its last fragment");
	ok(!d.inmsg, "the message is closed");
	return done_testing();
}
