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
 * msgdump.c: print, as JSON, what the Python test harnesses need to speak
 * our frames: the message numbers, the process ids, the vault.sock
 * operation, kind and role numbers, and each fixed layout as a Python
 * struct format.  Built with the tree, so the harnesses never copy a
 * number or a layout by hand.  Every layout is checked here to be its
 * fields end to end, with no padding and nothing left out.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtypes.h"
#include "vault/vault.h"

struct field {
	const char	*name;
	size_t		 off;
	size_t		 size;
	char		 kind;		/* I u32, i i32, H u16, Q u64, s bytes */
};

struct layout {
	const char		*name;
	size_t			 size;
	const struct field	*fields;
	size_t			 nfields;
};

#define FIELD(st, f, k)	{ #f, offsetof(struct st, f), \
			    sizeof(((struct st *)0)->f), k }
#define NF(a)		(sizeof(a) / sizeof((a)[0]))

static const struct field hdr_f[] = {
	FIELD(msg_hdr, type, 'H'), FIELD(msg_hdr, flags, 'H'),
	FIELD(msg_hdr, len, 'I'), FIELD(msg_hdr, reqid, 'I'),
	FIELD(msg_hdr, peerid, 'I'), FIELD(msg_hdr, pid, 'I'),
};
static const struct field conf_proc_f[] = {
	FIELD(msg_conf_proc, verbose, 'i'),
	FIELD(msg_conf_proc, foreground, 'i'),
	FIELD(msg_conf_proc, owner_uid, 'I'),
	FIELD(msg_conf_proc, user, 's'), FIELD(msg_conf_proc, dir, 's'),
};
static const struct field conf_connector_f[] = {
	FIELD(msg_conf_connector, name, 's'),
	FIELD(msg_conf_connector, inject, 'i'),
	FIELD(msg_conf_connector, inject_name, 's'),
	FIELD(msg_conf_connector, nhosts, 'I'),
};
static const struct field session_f[] = {
	FIELD(msg_vault_session, worker, 'I'),
	FIELD(msg_vault_session, session, 's'),
	FIELD(msg_vault_session, user, 's'),
};
static const struct field request_f[] = {
	FIELD(msg_vault_request, kdf_n, 'Q'),
	FIELD(msg_vault_request, op, 'I'),
	FIELD(msg_vault_request, flags, 'I'),
	FIELD(msg_vault_request, kind, 'I'),
	FIELD(msg_vault_request, kdf_r, 'I'),
	FIELD(msg_vault_request, kdf_p, 'I'),
	FIELD(msg_vault_request, zero, 'I'),
	FIELD(msg_vault_request, kdf_salt, 's'),
	FIELD(msg_vault_request, key, 's'),
	FIELD(msg_vault_request, new_key, 's'),
	FIELD(msg_vault_request, user, 's'),
	FIELD(msg_vault_request, session, 's'),
	FIELD(msg_vault_request, name, 's'),
	FIELD(msg_vault_request, connector, 's'),
	FIELD(msg_vault_request, param, 's'),
	FIELD(msg_vault_request, member_key, 's'),
	FIELD(msg_vault_request, role, 'I'),
	FIELD(msg_vault_request, vault, 's'),
	FIELD(msg_vault_request, member, 's'),
};
static const struct field reply_f[] = {
	FIELD(msg_vault_reply, error, 'i'), FIELD(msg_vault_reply, kind, 'I'),
};
static const struct field inject_f[] = {
	FIELD(msg_vault_inject, session, 's'),
	FIELD(msg_vault_inject, connector, 's'),
	FIELD(msg_vault_inject, host, 's'),
};
static const struct field release_f[] = {
	FIELD(msg_vault_release, worker, 'I'),
	FIELD(msg_vault_release, connector, 's'),
	FIELD(msg_vault_release, host, 's'),
};

static const struct layout layouts[] = {
	{ "HDR", sizeof(struct msg_hdr), hdr_f, NF(hdr_f) },
	{ "CONF_PROC", sizeof(struct msg_conf_proc), conf_proc_f,
	    NF(conf_proc_f) },
	{ "CONF_CONNECTOR", sizeof(struct msg_conf_connector),
	    conf_connector_f, NF(conf_connector_f) },
	{ "SESSION", sizeof(struct msg_vault_session), session_f,
	    NF(session_f) },
	{ "REQUEST", sizeof(struct msg_vault_request), request_f,
	    NF(request_f) },
	{ "REPLY", sizeof(struct msg_vault_reply), reply_f, NF(reply_f) },
	{ "INJECT", sizeof(struct msg_vault_inject), inject_f,
	    NF(inject_f) },
	{ "RELEASE", sizeof(struct msg_vault_release), release_f,
	    NF(release_f) },
};

static const struct {
	const char	*name;
	int		 value;
} ops[] = {
	{ "kdf", MSG_VAULT_OP_KDF }, { "init", MSG_VAULT_OP_INIT },
	{ "session_key", MSG_VAULT_OP_SESSION_KEY },
	{ "add", MSG_VAULT_OP_ADD }, { "rotate", MSG_VAULT_OP_ROTATE },
	{ "remove", MSG_VAULT_OP_REMOVE }, { "list", MSG_VAULT_OP_LIST },
	{ "passwd", MSG_VAULT_OP_PASSWD }, { "backup", MSG_VAULT_OP_BACKUP },
	{ "shared_create", MSG_VAULT_OP_SHARED_CREATE },
	{ "grant", MSG_VAULT_OP_GRANT }, { "revoke", MSG_VAULT_OP_REVOKE },
}, kinds[] = {
	{ "bearer", INJECT_BEARER }, { "basic", INJECT_BASIC },
	{ "header", INJECT_HEADER }, { "query", INJECT_QUERY },
}, roles[] = {
	{ "reader", VAULT_ROLE_READER },
	{ "contributor", VAULT_ROLE_CONTRIBUTOR },
	{ "owner", VAULT_ROLE_OWNER },
}, procs[] = {
	{ "master", PROC_MASTER }, { "control", PROC_CONTROL },
	{ "vaultd", PROC_VAULTD }, { "worker", PROC_WORKER },
	{ "cli", PROC_CLI },
}, consts[] = {
	{ "MSGF_HASFD", MSGF_HASFD }, { "MSGF_REPLY", MSGF_REPLY },
	{ "MSG_MAXPAYLOAD", MSG_MAXPAYLOAD },
	{ "MSG_VAULT_PROTOCOL", MSG_VAULT_PROTOCOL },
	{ "MSG_VAULT_ERR_REFUSED", MSG_VAULT_ERR_REFUSED },
	{ "MSG_VAULT_ERR_LIMITED", MSG_VAULT_ERR_LIMITED },
	{ "MSG_VAULT_ERR_MALFORMED", MSG_VAULT_ERR_MALFORMED },
	{ "MSG_VAULT_ERR_VERSION", MSG_VAULT_ERR_VERSION },
	{ "MSG_VAULT_F_REPLACE", MSG_VAULT_F_REPLACE },
	{ "MSG_CONF_HOST_LEN", MSG_CONF_HOST_LEN },
	{ "MSG_VAULT_RELEASE_MAX", MSG_VAULT_RELEASE_MAX },
};

static void	dump_table(const char *, const void *, size_t, int);
static void	dump_layout(const struct layout *, int);

static void
dump_table(const char *name, const void *t, size_t n, int last)
{
	const struct { const char *name; int value; } *e = t;
	size_t	 i;

	printf("  \"%s\": {", name);
	for (i = 0; i < n; i++)
		printf("%s\"%s\": %d", i ? ", " : "", e[i].name, e[i].value);
	printf("}%s\n", last ? "" : ",");
}

/* "=HHIIII": the fields must lie end to end and fill the struct. */
static void
dump_layout(const struct layout *l, int last)
{
	size_t	 i, off = 0;

	printf("    \"%s\": \"=", l->name);
	for (i = 0; i < l->nfields; i++) {
		if (l->fields[i].off != off) {
			fprintf(stderr, "msgdump: %s.%s: padding before it\n",
			    l->name, l->fields[i].name);
			exit(1);
		}
		if (l->fields[i].kind == 's')
			printf("%zus", l->fields[i].size);
		else
			printf("%c", l->fields[i].kind);
		off += l->fields[i].size;
	}
	if (off != l->size) {
		fprintf(stderr, "msgdump: %s: %zu bytes of fields, %zu in the "
		    "struct\n", l->name, off, l->size);
		exit(1);
	}
	printf("\"%s\n", last ? "" : ",");
}

int
main(void)
{
	unsigned int	 t;
	size_t		 i;

	printf("{\n  \"types\": {");
	for (t = 1; t < MSG_TYPE_MAX; t++)
		printf("%s\"%s\": %u", t > 1 ? ", " : "", msgtype_name(t), t);
	printf("},\n");
	dump_table("procs", procs, NF(procs), 0);
	dump_table("ops", ops, NF(ops), 0);
	dump_table("kinds", kinds, NF(kinds), 0);
	dump_table("roles", roles, NF(roles), 0);
	dump_table("consts", consts, NF(consts), 0);
	printf("  \"layouts\": {\n");
	for (i = 0; i < NF(layouts); i++)
		dump_layout(&layouts[i], i + 1 == NF(layouts));
	printf("  }\n}\n");
	return 0;
}
