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
 * fuzz_ws.c: libFuzzer target for the WebSocket frame header parser.  The
 * input is read as a stream of frames, the way the relay reads it; the
 * first byte says which side sent it.  Whatever the input, a header is
 * never longer than WS_HDR_MAX nor than the bytes given, a prefix of a
 * header is never a frame, and a control frame is never over 125 bytes.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "worker/ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_frame	 f, g;
	struct ws_dir	 d = { 0, 0 };
	const char	*reason;
	size_t		 off, i;
	int		 fromclient, rc;

	if (size < 1)
		return 0;
	fromclient = data[0] & 1;
	off = 1;
	while (off < size) {
		rc = ws_frame_parse(data + off, size - off, &f, &reason);
		if (rc <= 0)
			break;
		if (f.hdrlen > WS_HDR_MAX || f.hdrlen > size - off)
			abort();
		if (f.opcode >= WS_OP_CLOSE && f.len > 125)
			abort();
		for (i = 0; i < f.hdrlen; i++)
			if (ws_frame_parse(data + off, i, &g, &reason) != 0)
				abort();
		if (ws_frame_check(&d, &f, fromclient, &reason) == -1)
			break;
		off += f.hdrlen;
		if (f.len > size - off)
			break;
		off += f.len;
	}
	return 0;
}
