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
 * msgtypes.h: the one message enum of every channel, grouped by direction
 * and only ever appended to, with the payloads of the fixed-size messages.
 */

#ifndef AILERON_MSGTYPES_H
#define AILERON_MSGTYPES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One block per pair of processes, named for the direction.  Renumbered
 * once, for core v2 (and the vault.sock protocol version with it); from
 * now on types are only ever appended to their block's end or to the
 * enum's end, never moved.  Who may send a type to whom is each
 * receiver's accept table; sizes are in msgtypes.c.
 */
enum msg_type {
	MSG_NONE = 0,

	/* master -> control and vaultd: the start handshake, the service */
	MSG_CONF_PROC,		/* struct msg_conf_proc, vaultd: + vault.sock */
	MSG_CONF_PEER,		/* fd; peerid: the enum proc_id at the far end */
	MSG_CONF_DONE,		/* empty */
	MSG_CONF_VERBOSE,	/* int32_t */
	MSG_PING,		/* call; uint32_t cookie */
	MSG_WORKER_NEW,		/* fd: the worker's end; peerid: its pid */
	MSG_WORKER_GONE,	/* peerid: its pid */
	MSG_SHUTDOWN,		/* empty */

	/* control and vaultd -> master */
	MSG_CONF_ACK,		/* empty */
	MSG_PONG,		/* reply to PING; uint32_t cookie */
	MSG_WORKER_BAD,		/* peerid: a worker that sent a bad frame */

	/* master -> vaultd: the connector map, at start and on reload */
	MSG_CONF_CONNECTORS_BEGIN,	/* empty */
	MSG_CONF_CONNECTOR,		/* struct msg_conf_connector + hosts */
	MSG_CONF_CONNECTORS_END,	/* empty: the new map is in force */

	/* control -> vaultd: sessions (trusted), each a call */
	MSG_VAULT_SESSION_BEGIN,	/* struct msg_vault_session */
	MSG_VAULT_SESSION_END,		/* struct msg_vault_session */
	MSG_VAULT_SESSION_WORKER,	/* struct msg_vault_session */

	/* vaultd -> control */
	MSG_VAULT_SESSION_ACK,		/* reply; msg_vault_reply + text */

	/* worker -> control: nothing yet */

	/* worker -> vaultd (untrusted), and vaultd -> worker */
	MSG_VAULT_INJECT,		/* call; struct msg_vault_inject */
	MSG_VAULT_INJECT_REPLY,		/* reply; msg_vault_reply + line */

	/* worker -> master */
	MSG_WORKER_BUSY,	/* empty: accepted a connection */

	/* CLI -> vaultd on vault.sock (untrusted), and vaultd -> CLI */
	MSG_VAULT_HELLO,		/* call, first; uint32_t version */
	MSG_VAULT_REQUEST,		/* call; msg_vault_request + value */
	MSG_VAULT_REPLY,		/* reply; msg_vault_reply + text */

	/*
	 * Tests only, refused unless the service runs in test mode (the
	 * undocumented -X of aileron service): worker -> control, vaultd;
	 * control -> vaultd; and the reply.  A payload up to the maximum.
	 */
	MSG_TEST_ECHO,

	/* worker -> control (untrusted), and control -> worker: the proxy */
	MSG_CONTROL_AUTH,		/* call; struct msg_control_auth */
	MSG_CONTROL_AUTH_REPLY,		/* reply; struct msg_control_session */
	MSG_CONTROL_POLICY,		/* call; struct msg_control_policy */
	MSG_CONTROL_POLICY_REPLY,	/* reply; struct msg_control_decision */
	MSG_CONTROL_AUDIT,		/* one audit record, a JSON object */

	/* worker (management API) -> control, and the reply */
	MSG_CONTROL_SESSION_START,	/* call; msg_control_session_start */
	MSG_CONTROL_SESSION_END,	/* call; msg_control_session_end */
	MSG_CONTROL_SESSION_REPLY,	/* reply; msg_control_session_reply */
					/* + the session CA, PEM */

	/*
	 * The audit log (issue 11, section 4): the management API's
	 * worker -> control, and the reply; the master -> control, while
	 * it configures control.
	 */
	MSG_CONTROL_AUDIT_QUERY,	/* call; msg_control_audit_query */
	MSG_CONTROL_AUDIT_REPLY,	/* reply; msg_control_audit_reply */
					/* + text: JSON lines, or JSON */
	MSG_CONF_AUDIT,			/* struct msg_conf_audit */

	/* worker -> vaultd (untrusted), and vaultd -> worker: TLS */
	MSG_VAULT_LEAF,			/* call; struct msg_vault_host */
	MSG_VAULT_LEAF_REPLY,		/* reply; msg_vault_reply + uint32_t */
					/* certlen + cert DER + key DER */
	MSG_VAULT_TICKET_GET,		/* call; struct msg_vault_host */
	MSG_VAULT_TICKET_PUT,		/* msg_vault_host + session DER */
	MSG_VAULT_TICKET_REPLY,		/* reply; msg_vault_reply + DER */

	MSG_TYPE_MAX
};

/* Processes as they name themselves in logs and in sandbox_enter(). */
enum proc_id {
	PROC_MASTER,
	PROC_CONTROL,
	PROC_VAULTD,
	PROC_WORKER,
	PROC_CLI,		/* a vault.sock connection */
	PROC_NONE		/* a channel not yet told its peer */
};

/*
 * How a credential is injected: what a spec declares, what the vault stores
 * with a credential, and what vaultd sends with the line.  One enum for all
 * three, since they must agree; the numbers are stored, so only appended.
 */
enum inject_kind {
	INJECT_BEARER,		/* Authorization: Bearer VALUE */
	INJECT_BASIC,		/* Authorization: Basic base64(user:password) */
	INJECT_HEADER,		/* NAME: VALUE */
	INJECT_QUERY		/* ?PARAM=VALUE */
};

/* vault.sock: the version a client says in HELLO; see aileron-vault(5). */
#define MSG_VAULT_PROTOCOL	2

struct msg_conf_proc {
	int32_t		verbose;
	int32_t		foreground;
	uint32_t	owner_uid;	/* who started the service */
	char		user[64];	/* drop to this user */
	char		dir[PATH_MAX];	/* chroot here; the DB environment */
};

/*
 * What vaultd needs of a spec: where, and how, it may inject.  Written and
 * read in one place, vaultd/connmap.c.
 */
struct msg_conf_connector {
	char		name[64];
	int32_t		inject;		/* enum inject_kind */
	char		inject_name[64];	/* header or query name */
	uint32_t	nhosts;		/* followed by nhosts host fields */
};
#define MSG_CONF_HOSTS_MAX	64	/* hosts of one connector */
#define MSG_CONF_HOST_LEN	256	/* a host name's field, NUL-padded */

/*
 * vaultd's messages.  Strings are NUL-ended within their field; the
 * receiver checks that and every other bound.  Layouts have no padding,
 * so a test harness can pack them field by field.
 */
#define MSG_VAULT_SESSION_LEN	32	/* a session id: 32 hex digits */
#define MSG_VAULT_VALUE_MAX	8192	/* a credential's plaintext */
#define MSG_VAULT_TEXT_MAX	(64 * 1024 - 64)	/* within MSG_MAXPAYLOAD */

/* SESSION_BEGIN {session, user}, SESSION_END {session}, WORKER {all}. */
struct msg_vault_session {
	uint32_t	worker;		/* SESSION_WORKER: the worker's pid */
	char		session[40];
	char		user[72];
};

/* What the CLI asks; which fields count depends on op. */
enum msg_vault_op {
	MSG_VAULT_OP_KDF = 1,		/* user -> JSON {salt, N, r, p} */
	MSG_VAULT_OP_INIT,		/* user, kdf, key */
	MSG_VAULT_OP_SESSION_KEY,	/* session, user, key */
	MSG_VAULT_OP_ADD,		/* user, key, name, connector, kind, */
					/* param, flags; value follows */
	MSG_VAULT_OP_ROTATE,		/* user, key, name; value follows */
	MSG_VAULT_OP_REMOVE,		/* user, key, name */
	MSG_VAULT_OP_LIST,		/* user -> JSON array */
	MSG_VAULT_OP_PASSWD,		/* user, key, kdf, new_key */
	MSG_VAULT_OP_BACKUP,		/* -> JSON {dir} */
	MSG_VAULT_OP_SHARED_CREATE,	/* user, key, name -> JSON {vault_id} */
	MSG_VAULT_OP_GRANT,		/* user, key, vault, member, */
					/* member_key, role */
	MSG_VAULT_OP_REVOKE,		/* user, key, vault, member */
	MSG_VAULT_OP_CONNECTORS		/* -> JSON [{name, kind, param}], */
					/* the connectors in force */
};

#define MSG_VAULT_F_REPLACE	0x0001	/* ADD: replace the same connector */

struct msg_vault_request {
	uint64_t	kdf_n;
	uint32_t	op;		/* enum msg_vault_op */
	uint32_t	flags;
	uint32_t	kind;		/* enum inject_kind */
	uint32_t	kdf_r;
	uint32_t	kdf_p;
	uint32_t	zero;		/* 0; keeps the layout free of padding */
	uint8_t		kdf_salt[16];
	uint8_t		key[32];	/* the user key, never the master key */
	uint8_t		new_key[32];	/* PASSWD: the new user key */
	char		user[72];
	char		session[40];
	char		name[72];
	char		connector[72];
	char		param[72];	/* header NAME or query PARAM */
	/*
	 * Appended for shared vaults.  vault: ADD, ROTATE, REMOVE and LIST
	 * in that vault instead of the personal one, or "".  member_key:
	 * GRANT only, since a wrap is symmetric the new member's key is
	 * needed to wrap the vault key for them.
	 */
	uint8_t		member_key[32];	/* GRANT: the member's user key */
	uint32_t	role;		/* GRANT: enum vault_role */
	char		vault[36];	/* a vault id: 32 hex digits, or "" */
	char		member[72];	/* GRANT, REVOKE: the member's user */
};

/*
 * error 0: the text is the result (JSON, or the line to inject);
 * otherwise it is a sentence naming the problem.  error is an enum
 * vault_error or one of these.
 */
#define MSG_VAULT_ERR_REFUSED	100	/* vaultd refuses: see the text */
#define MSG_VAULT_ERR_LIMITED	101	/* too many wrong master keys */
#define MSG_VAULT_ERR_MALFORMED	102	/* a request out of bounds */
#define MSG_VAULT_ERR_VERSION	103	/* HELLO: another protocol version */

struct msg_vault_reply {
	int32_t		error;
	uint32_t	kind;		/* INJECT_REPLY: enum inject_kind */
};

/* A worker's request; vaultd ignores session: identity is the channel. */
struct msg_vault_inject {
	char		session[40];
	char		connector[72];
	char		host[256];
};

/*
 * The proxy's messages to control.  A worker asks control to validate the
 * token of the agent's Proxy-Authorization; control answers with the
 * session it belongs to and, before it answers, tells vaultd which
 * session the worker serves (SESSION_WORKER), so a worker never names
 * its session to vaultd.
 */
#define MSG_CONTROL_TOKEN_LEN	64	/* a session token: 64 hex digits */
#define MSG_CONTROL_AUDIT_MAX	16384	/* one audit record's JSON */

struct msg_control_auth {
	char		token[72];	/* as the agent sent it; NUL-ended */
};

/* error 0: the token is a live session's; otherwise refused. */
struct msg_control_session {
	int32_t		error;
	char		session[40];
	char		user[72];
	char		agent[64];
	char		team[64];
	char		project[64];
};

/* Which action a request maps to, for control's decision. */
struct msg_control_policy {
	uint32_t	approval;	/* the spec requires an approval */
	char		connector[64];
	char		action[128];
	char		host[256];
	char		method[16];
	char		path[256];	/* the target, no query; for audit */
};

enum msg_control_verdict {
	MSG_CONTROL_ALLOW,
	MSG_CONTROL_DENY,
	MSG_CONTROL_APPROVE		/* a human must decide first */
};

struct msg_control_decision {
	int32_t		verdict;	/* enum msg_control_verdict */
	char		reason[60];	/* a problem type: aileron:denied */
	uint64_t	seq;		/* the decision's audit record */
};

/*
 * From the worker that serves the management API: uid is the caller's,
 * read with SO_PEERCRED on api.sock; user is the name the caller gave.
 */
struct msg_control_session_start {
	uint32_t	uid;
	char		user[72];
	char		agent[64];
	char		team[64];
	char		project[64];
};

struct msg_control_session_end {
	uint32_t	uid;
	char		session[40];
};

/* error 0: started (or ended); otherwise reason says why. */
struct msg_control_session_reply {
	int32_t		error;
	char		session[40];
	char		token[72];
	char		reason[128];
};

/*
 * The audit log.  A query from the management API's worker: uid is the
 * caller's (SO_PEERCRED); records after the sequence number after, in
 * the time range (ms since the epoch, 0: open), matching the non-empty
 * fields, at most limit.  The reply's next is where the next page
 * starts (0: no more); the text is JSON lines (QUERY), or one JSON
 * object (VERIFY, BACKUP).
 */
enum msg_audit_op {
	MSG_AUDIT_QUERY,
	MSG_AUDIT_VERIFY,
	MSG_AUDIT_BACKUP
};

struct msg_control_audit_query {
	uint32_t	uid;
	uint32_t	op;		/* enum msg_audit_op */
	uint64_t	after;
	int64_t		since_ms;
	int64_t		until_ms;
	uint32_t	limit;
	char		user[72];
	char		action[128];
	char		session[40];
	char		pad[4];
};

struct msg_control_audit_reply {
	int32_t		error;		/* 0, or an HTTP status */
	uint32_t	count;
	uint64_t	next;
	char		reason[128];
};

/* The master's audit lines, for control (aileron.conf(5)). */
struct msg_conf_audit {
	int64_t		retention_s;	/* 0: keep every record */
	uint32_t	syslog;		/* each record to syslog too */
	uint32_t	pad;
};

/* LEAF and the tickets: one upstream or intercepted host. */
struct msg_vault_host {
	char		host[256];
};

const char	*msgtype_name(unsigned int);
int		 msgtype_check(unsigned int type, size_t len);
int		 msgtype_test(unsigned int type);
const char	*proc_name(enum proc_id);

#endif
