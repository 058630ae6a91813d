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
 * audit_tamper.c: what an attacker with the files would do to the audit
 * log, for t/audit.t, with the service stopped:
 *
 *	audit_tamper DIR edit SEQ	change "allow" to "ALLOW" in SEQ
 *	audit_tamper DIR delete SEQ	remove record SEQ
 *	audit_tamper DIR insert SEQ	a forged record after SEQ, linked
 *					to it, the later ones renumbered
 *	audit_tamper DIR truncate N	remove the last N records
 *
 * DIR is control's environment (<state>/control).  The one place a test
 * touches control's files: tampering is the point.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <db.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "control/audit.h"
#include "control/auditlog.h"
#include "control/store.h"

static DB	*db;

static void
key(DBT *k, uint8_t *b, uint64_t seq)
{
	int	 i;

	for (i = 7; i >= 0; i--, seq >>= 8)
		b[i] = seq & 0xff;
	memset(k, 0, sizeof(*k));
	k->data = b;
	k->size = 8;
}

static char *
get(uint64_t seq, size_t *len)
{
	uint8_t	 b[8];
	DBT	 k, v;
	char	*s;

	key(&k, b, seq);
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_MALLOC;
	if (db->get(db, NULL, &k, &v, 0) != 0)
		return NULL;
	if ((s = realloc(v.data, v.size + 1)) == NULL)
		exit(1);
	s[v.size] = '\0';
	*len = v.size;
	return s;
}

static int
put(uint64_t seq, const char *s, size_t len)
{
	uint8_t	 b[8];
	DBT	 k, v;

	key(&k, b, seq);
	memset(&v, 0, sizeof(v));
	v.data = (void *)s;
	v.size = len;
	return db->put(db, NULL, &k, &v, 0);
}

static int
del(uint64_t seq)
{
	uint8_t	 b[8];
	DBT	 k;

	key(&k, b, seq);
	return db->del(db, NULL, &k, 0);
}

static uint64_t
last(void)
{
	uint64_t	 seq;

	for (seq = 1; seq < 1000000; seq++) {
		size_t	 len;
		char	*s = get(seq, &len);

		if (s == NULL)
			return seq - 1;
		free(s);
	}
	return seq;
}

int
main(int argc, char *argv[])
{
	struct audit_link	 l;
	struct timespec		 now;
	uint64_t		 n, i, end;
	size_t			 len;
	char			*s, *p;
	int			 rv = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: audit_tamper dir edit | delete | "
		    "insert | truncate n\n");
		return 2;
	}
	n = strtoull(argv[3], NULL, 10);
	if (control_store_open(argv[1]) == -1 ||
	    (db = control_store_db(AUDIT_DB_NAME)) == NULL)
		return 1;
	end = last();
	if (strcmp(argv[2], "edit") == 0) {
		if ((s = get(n, &len)) == NULL ||
		    (p = strstr(s, "\"allow\"")) == NULL) {
			fprintf(stderr, "record %llu: no allow\n",
			    (unsigned long long)n);
			rv = 1;
		} else {
			memcpy(p + 1, "ALLOW", 5);
			rv = put(n, s, len) != 0;
		}
	} else if (strcmp(argv[2], "delete") == 0)
		rv = del(n) != 0;
	else if (strcmp(argv[2], "insert") == 0) {
		for (i = end; i > n; i--) {
			s = get(i, &len);
			rv |= put(i + 1, s, len) != 0;
			free(s);
		}
		s = get(n, &len);
		control_audit_link(s, len, &l);
		free(s);
		clock_gettime(CLOCK_REALTIME, &now);
		s = control_audit_seal(json_pack("{s:s, s:s}", "event",
		    "decision", "decision", "allow"), n + 1, l.hash, &now);
		rv |= put(n + 1, s, strlen(s)) != 0;
		free(s);
	} else if (strcmp(argv[2], "truncate") == 0) {
		for (i = 0; i < n && end - i > 0; i++)
			rv |= del(end - i) != 0;
	} else
		rv = 2;
	control_store_close();
	return rv;
}
