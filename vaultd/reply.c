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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
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
 * A request of p's refused: logged, but only the first
 * VAULTD_REFUSALS_LOGGED of a peer, so that a worker that asks again and
 * again for what it may not have cannot fill the log; each is still
 * answered.
 */
void
vaultd_refused(struct proc_peer *p, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[600];

	if (p->refused > VAULTD_REFUSALS_LOGGED)
		return;
	if (++p->refused > VAULTD_REFUSALS_LOGGED) {
		log_warnx("%s: no more of its refusals are logged",
		    p->chan.name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", p->chan.name, line);
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
