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
 * fuzz_msg.c: libFuzzer target for the message channel's reader: any byte
 * stream from a peer must give whole, bounded frames or an error.
 */

#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	struct chan	 c;
	struct msg	 m;
	size_t		 off = 0;
	ssize_t		 n;
	int		 sp[2], r = 1;

	if (!init) {
		log_init(1, 0, "fuzz");
		init = 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == -1)
		abort();
	chan_init(&c, sp[1], 1, "fuzz");
	/* Feed in slices so frames split across reads. */
	while (off < size && r != -1) {
		size_t	 slice = 1 + (data[off] % 97);

		if (slice > size - off)
			slice = size - off;
		if ((n = write(sp[0], data + off, slice)) <= 0)
			break;
		off += n;
		if ((r = chan_read(&c)) <= 0)
			break;
		while ((r = chan_get(&c, &m)) == 1) {
			if (m.len > MSG_MAXPAYLOAD ||
			    msgtype_check(m.hdr.type, m.len) == -1)
				abort();
			if (m.len > 0 && m.data[m.len - 1] == 0xfe)
				r = 1;	/* touch the last byte */
			if (m.fd != -1)
				close(m.fd);
		}
	}
	close(sp[0]);
	chan_clear(&c);
	return 0;
}
