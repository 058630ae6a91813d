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
 * fuzz_approval.c: libFuzzer target for the approvals' routes and bodies
 * (api_approval_parse) and for control's answer as the worker relays it
 * (api_approval_answer).  The first byte says GET or POST, then comes the
 * URL up to a NUL, then the body.  A parsed request has a known op, an id
 * of 32 hexadecimal digits where the op takes one, and a reason ended
 * within its field; a refusal is a status the API sends, with a reason.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msgtypes.h"
#include "worker/api_approval.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_send(void *arg, int status, const char *type, const char *s)
{
	(void)arg;
	if (status < 200 || status > 599 || s == NULL ||
	    (status >= 300 && type == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct msg_control_approval_api	 m;
	const uint8_t			*nul;
	const char			*why;
	char				*url;
	size_t				 ulen;
	int				 st;

	if (len < 1)
		return 0;
	api_approval_answer(data, len, fuzz_send, NULL);
	if ((nul = memchr(data + 1, '\0', len - 1)) == NULL)
		return 0;
	ulen = nul - (data + 1);
	if ((url = malloc(ulen + 1)) == NULL)
		abort();
	memcpy(url, data + 1, ulen + 1);
	if (api_approval_match(url)) {
		st = api_approval_parse(url, data[0] & 1,
		    (const char *)nul + 1, len - ulen - 2, &m, &why);
		if (st == 0) {
			if (m.op > MSG_APPROVAL_OP_DENY ||
			    memchr(m.reason, '\0', sizeof(m.reason)) == NULL ||
			    (m.op >= MSG_APPROVAL_OP_GET &&
			    (strlen(m.id) != MSG_APPROVAL_ID_LEN ||
			    strspn(m.id, "0123456789abcdef") !=
			    MSG_APPROVAL_ID_LEN)) ||
			    (m.op != MSG_APPROVAL_OP_DENY &&
			    m.reason[0] != '\0'))
				abort();
		} else if ((st != 400 && st != 404 && st != 405) ||
		    why == NULL)
			abort();
	}
	free(url);
	return 0;
}
