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
 * reply.c: what every vaultd handler (vault.sock, INJECT, sessions) uses
 * to answer and to name what a peer sent; the handlers call these and
 * never back into vaultd.c, so the dependency runs one way.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <ctype.h>
#include <string.h>

#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "vaultd/vaultd.h"

/*
 * For logs and refusals: a peer's string only when it is plain printable
 * ASCII, so a worker or the CLI cannot forge log lines.
 */
const char *
vaultd_printable(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isprint((unsigned char)*p))
			return "(unprintable)";
	return *s == '\0' ? "(empty)" : s;
}

/*
 * The one reply vaultd sends to a call, whoever made it (control, a
 * worker, the CLI): the error (0, or why not), the injection kind for
 * INJECT_REPLY, then the text: JSON, a sentence, or the line to inject.
 * The channel zeroes the frame once it is sent.
 */
int
vaultd_reply(struct proc_peer *p, uint32_t reqid, uint16_t type,
    int32_t error, uint32_t kind, const void *text, size_t len)
{
	struct msg_vault_reply	 r;
	struct iovec		 iov[2];

	memset(&r, 0, sizeof(r));
	r.error = error;
	r.kind = kind;
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = len;
	return chan_replyv(&p->chan, reqid, type, iov, len > 0 ? 2 : 1);
}
