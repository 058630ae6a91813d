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
	 * Policy and sessions (issue 11): the master names aileron.conf to
	 * control, which reads it and the specs itself; the API lists
	 * sessions.
	 */
	MSG_CONF_FILE,			/* master -> control: msg_conf_file */
	MSG_CONTROL_SESSION_LIST,	/* call; msg_control_session_list */
	MSG_CONTROL_SESSION_LIST_REPLY,	/* reply; msg_control_session_page */
					/* + n msg_control_session_info */

	/*
	 * Teams (issue 11): who is who on api.sock, users and their
	 * tokens; the master's user lines to control and connector-vault
	 * lines to vaultd.
	 */
	MSG_CONF_USER,			/* master -> control; msg_conf_user */
	MSG_CONF_CONNECTOR_VAULT,	/* master -> vaultd; */
					/* msg_conf_connector_vault */
	MSG_CONTROL_USER,		/* call; struct msg_control_user */
	MSG_CONTROL_USER_REPLY,		/* reply; msg_control_user_reply */
					/* + JSON */

	/*
	 * Approvals (issue 11, section 3): master -> control, the two
	 * configuration lines; worker -> control, a request that waits for
	 * a human (ASK, answered PENDING at once and DONE when decided, both
	 * replies to the ASK's id), the agent gone (WITHDRAW); the API's
	 * worker or aileron.internal -> control, a list, a look or a
	 * decision (APPROVAL_API), answered with a status and JSON.
	 */
	MSG_CONF_APPROVAL,		/* struct msg_conf_approval */
	MSG_CONTROL_APPROVAL_ASK,	/* call; msg_control_approval_ask */
					/* + the summary, a JSON object */
	MSG_CONTROL_APPROVAL_PENDING,	/* reply; msg_control_approval_state */
	MSG_CONTROL_APPROVAL_DONE,	/* reply; msg_control_approval_state */
	MSG_CONTROL_APPROVAL_WITHDRAW,	/* struct msg_control_approval_id */
	MSG_CONTROL_APPROVAL_API,	/* call; msg_control_approval_api */
	MSG_CONTROL_APPROVAL_API_REPLY,	/* reply; int32_t status + JSON */

	/*
	 * The audit log (issue 11, section 4): the management API's
	 * worker -> control, and the reply; the master -> control, while
	 * it configures control.
	 */
	MSG_CONTROL_AUDIT_QUERY,	/* call; msg_control_audit_query */
	MSG_CONTROL_AUDIT_REPLY,	/* reply; msg_control_audit_reply */
					/* + text: JSON lines, or JSON */
	MSG_CONF_AUDIT,			/* struct msg_conf_audit */

	/*
	 * Launch's shell mediation (issue 13): a worker serving
	 * aileron.internal asks control about a command of its session's
	 * shell; the answer is a MSG_CONTROL_POLICY_REPLY.
	 */
	MSG_CONTROL_SHELL_CHECK,	/* call; struct msg_control_shell */

	/*
	 * The session CA's lifetime (issue 12): the master tells vaultd
	 * "session max", so that no session outlives its CA.
	 */
	MSG_CONF_SESSION_MAX,		/* struct msg_conf_session_max */

	/*
	 * Who calls on api.sock, told by the kernel, not the worker: the
	 * API's worker hands control its accepted connection before its
	 * first call, and control reads SO_PEERCRED itself (issue 11).
	 */
	MSG_CONTROL_API_PEER,		/* no payload; the connection's fd */

	/*
	 * vault.sock is the aileron group's, like api.sock: control tells
	 * vaultd which uid is which aileron user (the whole table, at start
	 * and after "user add"), and vaultd lets a uid act only as its own
	 * user; the administrator acts as anyone (issue 11).
	 */
	MSG_VAULT_USERS,		/* control -> vaultd: n msg_vault_uid */

	/*
	 * Budgets (issue 14, section 2): a proxy worker refused with
	 * aileron:budget asks which budget (WHY); the API lists them
	 * (LIST).  The reply is an int32_t status and JSON.
	 */
	MSG_CONTROL_BUDGET,		/* call; struct msg_control_budget */
	MSG_CONTROL_BUDGET_REPLY,	/* reply; int32_t status + JSON */

	/*
	 * The web page (issue 14, section 4): a worker that serves the web
	 * listener asks control to log a user in with their user token, to
	 * check a web session (binding it to that worker's channel), or to
	 * end one; the answer is a msg_control_web_reply.
	 */
	MSG_CONTROL_WEB,		/* call; struct msg_control_web */
	MSG_CONTROL_WEB_REPLY,		/* reply; msg_control_web_reply */

	/*
	 * Usage (issue 14, the rollups): the management API's worker asks
	 * control for a period's sums (GET /v1/usage); the reply is a part
	 * of the JSON answer, from the query's offset.
	 */
	MSG_CONTROL_USAGE_QUERY,	/* call; msg_control_usage_query */
	MSG_CONTROL_USAGE_REPLY,	/* reply; msg_control_usage_reply */
					/* + a part of the JSON text */

	/* worker -> vaultd (untrusted), and vaultd -> worker: TLS */
	MSG_VAULT_LEAF,			/* call; struct msg_vault_host */
	MSG_VAULT_LEAF_REPLY,		/* reply; msg_vault_reply + uint32_t */
					/* certlen + cert DER + key DER */
	MSG_VAULT_TICKET_GET,		/* call; struct msg_vault_host */
	MSG_VAULT_TICKET_PUT,		/* msg_vault_host + session DER */
	MSG_VAULT_TICKET_REPLY,		/* reply; msg_vault_reply + DER */

	/*
	 * Metrics (issue 14, /metrics): the worker that serves /metrics
	 * asks control for the exposition text, page by page, and the
	 * master for the pool's gauges; a proxy worker tells control how
	 * long its calls to control and vaultd took, with its audit
	 * records.
	 */
	MSG_CONTROL_METRICS,		/* call; msg_control_metrics */
	MSG_CONTROL_METRICS_REPLY,	/* reply; msg_control_metrics_reply */
					/* + a page of the text */
	MSG_CONTROL_CALLS,		/* struct msg_control_calls */
	MSG_WORKER_POOL,		/* call (worker -> master); empty */
	MSG_WORKER_POOL_REPLY,		/* reply; msg_worker_pool */

	/*
	 * control -> vaultd, a call answered with SESSION_ACK: control
	 * allowed a worker an action of a connector on a host (a policy
	 * ALLOW, a human's GRANTED), so vaultd may inject that connector's
	 * credential for that host to that worker, and nothing else.
	 */
	MSG_VAULT_RELEASE,		/* call; struct msg_vault_release */

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
	MSG_VAULT_OP_CONNECTORS,	/* -> JSON [{name, kind, param}], */
					/* the connectors in force */
	/* Teams (issue 11). */
	MSG_VAULT_OP_VAULTS,		/* user -> JSON [{id, name, ...}] */
	MSG_VAULT_OP_MEMBERS		/* user, vault -> JSON [{user, role}] */
};

#define MSG_VAULT_F_REPLACE	0x0001	/* ADD: replace the same connector */
/*
 * GRANT: the member's key is the one of their live session in vaultd,
 * not member_key (which is then zero): the granter never needs the
 * member's master key.  SHARED_CREATE: param is the vault's team.
 */
#define MSG_VAULT_F_MEMBER_SESSION 0x0002

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
 * control's word that worker may have connector's credential injected
 * for host: the worker's pid, as in SESSION_WORKER.  A worker holds at
 * most MSG_VAULT_RELEASE_MAX of them; a new binding clears them.
 */
#define MSG_VAULT_RELEASE_MAX	64
struct msg_vault_release {
	uint32_t	worker;
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
/* + the arguments as the spec names them, redacted: a JSON object (or none) */
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
 * Policy and sessions (issue 11).  CONF_FILE: the file the master read,
 * which control reads again before its sandbox (must_exist: it was
 * named with -f, else a missing one is all defaults).
 */
/* One entry of MSG_VAULT_USERS. */
#define MSG_VAULT_USERS_MAX	768	/* entries in one message */
struct msg_vault_uid {
	uint32_t	uid;
	char		user[72];
};

struct msg_conf_file {
	uint32_t	must_exist;
	char		path[PATH_MAX];
	char		api_socket[108];	/* its sun_path */
};

/*
 * SESSION_LIST from the API's worker: uid is the caller's (SO_PEERCRED);
 * session "" lists what uid may see from the offset-th on, else that
 * one session.  The reply is a page of at most MSG_CONTROL_SESSION_PAGE;
 * error 0, or 403 (another's session) or 404.
 */
#define MSG_CONTROL_SESSION_PAGE	64

struct msg_control_session_list {
	uint32_t	uid;
	uint32_t	offset;
	char		session[40];
};

struct msg_control_session_page {
	int32_t		error;
	uint32_t	total;		/* visible to the caller */
	uint32_t	n;		/* infos that follow */
	uint32_t	zero;
};

/* Times are seconds since the epoch; never the token. */
struct msg_control_session_info {
	uint32_t	uid;		/* who started it */
	uint32_t	zero;
	int64_t		started;
	int64_t		used;		/* last AUTH or POLICY */
	int64_t		expires;	/* idle or maximum, whichever first */
	char		session[40];
	char		user[72];
	char		agent[64];
	char		team[64];
	char		project[64];
};

/*
 * Teams (issue 11).  A user line of aileron.conf, "user NAME uid N",
 * maps an OS uid to an aileron user; a connector-vault line, "connector
 * NAME vault VAULT", says which shared vault serves a connector that
 * several of a user's vaults hold.
 */
struct msg_conf_user {
	uint32_t	uid;
	char		user[72];
};

struct msg_conf_connector_vault {
	char		connector[72];
	char		vault[72];	/* a shared vault's name */
};

/* What the management API asks control of users; uid is SO_PEERCRED's. */
enum msg_control_user_op {
	MSG_CONTROL_USER_ME = 1,	/* -> {user, admin, team, projects} */
	MSG_CONTROL_USER_ADD,		/* name, team, projects -> the user */
	MSG_CONTROL_USER_LIST,		/* -> {users: [...]} */
	MSG_CONTROL_USER_TOKEN_GET,	/* -> {user, token_id, created} */
	MSG_CONTROL_USER_TOKEN_NEW	/* -> the same and {token}, once */
};

#define MSG_CONTROL_PROJECTS_MAX	8	/* projects of one user */
#define MSG_CONTROL_USER_JSON_MAX	(60 * 1024)

struct msg_control_user {
	uint32_t	uid;
	uint32_t	op;		/* enum msg_control_user_op */
	char		name[72];
	char		team[64];
	char		projects[MSG_CONTROL_PROJECTS_MAX][64];
};

/* error 0: the JSON that follows is the answer; else an HTTP status. */
struct msg_control_user_reply {
	int32_t		error;
	char		reason[156];
};

/*
 * Approvals (issue 11, section 3).  The summary after an ASK is a JSON
 * object of the action's arguments as the spec names them, redacted by
 * the worker; control checks it is one and bounds it.  Who asks is the
 * channel: control takes the requester from the session it authenticated
 * on that channel, never from the message.
 */
#define MSG_APPROVAL_ID_LEN	32	/* hex digits */
#define MSG_APPROVAL_SUMMARY_MAX 2048	/* the summary's JSON */
#define MSG_APPROVAL_REASON_MAX	256
#define MSG_APPROVAL_LIST_MAX	(60 * 1024)	/* an API reply's JSON */

/* How an approval stands, or ended; numbers go into no file. */
enum msg_approval_state {
	MSG_APPROVAL_PENDING,
	MSG_APPROVAL_GRANTED,
	MSG_APPROVAL_DENIED,
	MSG_APPROVAL_EXPIRED,
	MSG_APPROVAL_WITHDRAWN,
	MSG_APPROVAL_TOO_MANY,		/* refused: the session's cap */
	MSG_APPROVAL_REFUSED		/* refused: no session, no room */
};

struct msg_conf_approval {
	uint32_t	timeout;	/* seconds: approval timeout */
	uint32_t	pending;	/* per session: approval pending */
};

struct msg_control_approval_ask {
	uint8_t		digest[32];	/* SHA-256 of method, URL, body */
	char		connector[64];
	char		action[128];
	char		method[16];
	char		host[256];
	char		path[512];	/* without the query, for people */
};

struct msg_control_approval_state {
	int32_t		state;		/* enum msg_approval_state */
	uint32_t	timeout;	/* PENDING: seconds to the deadline */
	uint32_t	latency_ms;	/* DONE: from the ASK to the decision */
	uint8_t		digest[32];	/* DONE: what was decided on */
	char		id[40];
	char		approver[72];
	char		reason[MSG_APPROVAL_REASON_MAX];
};

struct msg_control_approval_id {
	char		id[40];
};

enum msg_approval_op {
	MSG_APPROVAL_OP_LIST,		/* pending ones */
	MSG_APPROVAL_OP_LIST_ALL,	/* and those decided, kept a while */
	MSG_APPROVAL_OP_GET,
	MSG_APPROVAL_OP_GRANT,
	MSG_APPROVAL_OP_DENY
};

/* uid: the API caller's (SO_PEERCRED); ignored from a proxy worker. */
struct msg_control_approval_api {
	uint32_t	uid;
	uint32_t	op;		/* enum msg_approval_op */
	char		id[40];
	char		reason[MSG_APPROVAL_REASON_MAX];
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

/* A command line of a sandbox's shell, NUL-terminated. */
#define MSG_CONTROL_SHELL_MAX	1024
/* A shell command's approval asks as this action (control binds it). */
#define MSG_SHELL_CONNECTOR	"shell"
#define MSG_SHELL_ACTION	"command"
#define MSG_SHELL_METHOD	"EXEC"
#define MSG_SHELL_HOST		"aileron.internal"
#define MSG_SHELL_PATH		"/v1/shell/check"

struct msg_control_shell {
	char		command[MSG_CONTROL_SHELL_MAX];
};

struct msg_conf_session_max {
	uint32_t	seconds;	/* session max */
	uint32_t	pad;
};

/* Budgets (issue 14, section 2): uid is the API caller's (SO_PEERCRED). */
enum msg_budget_op {
	MSG_BUDGET_WHY = 1,		/* this channel's last refusal */
	MSG_BUDGET_LIST			/* the budgets the caller may see */
};
#define MSG_BUDGET_JSON_MAX	(60 * 1024)

struct msg_control_budget {
	uint32_t	uid;		/* first, as in every API message */
	uint32_t	op;		/* enum msg_budget_op */
};

/*
 * The web page (issue 14, section 4).  LOGIN: secret is the user token
 * the login form carried; CHECK: secret is the session cookie's id, and
 * csrf the request's CSRF token (checked when MSG_WEB_F_CSRF is set);
 * LOGOUT: both, the session ends.  The reply's sid and csrf are set
 * only for LOGIN and CHECK.
 */
#define MSG_WEB_SECRET_LEN	64	/* hex digits of a token or an id */

enum msg_web_op {
	MSG_WEB_OP_LOGIN,
	MSG_WEB_OP_CHECK,
	MSG_WEB_OP_LOGOUT
};

#define MSG_WEB_F_CSRF		0x1	/* the request changes state */

struct msg_control_web {
	uint32_t	op;		/* enum msg_web_op */
	uint32_t	flags;
	char		secret[MSG_WEB_SECRET_LEN + 8];
	char		csrf[MSG_WEB_SECRET_LEN + 8];
};

struct msg_control_web_reply {
	int32_t		error;		/* 0, or an HTTP status */
	uint32_t	uid;		/* whom the session speaks for */
	uint32_t	admin;
	uint32_t	pad;
	char		user[72];
	char		sid[MSG_WEB_SECRET_LEN + 8];
	char		csrf[MSG_WEB_SECRET_LEN + 8];
	char		reason[128];
};

/*
 * Usage (issue 14): uid is the caller's (SO_PEERCRED); sums by one of
 * enum msg_usage_by over [since_ms, until_ms) (0: open), widened to
 * whole hours; bucket adds a time series.  The answer is one JSON text,
 * sent in parts: offset is where this part starts, total the text's
 * length; a part after the first comes from the first's text.
 */
enum msg_usage_by {
	MSG_USAGE_BY_USER,
	MSG_USAGE_BY_TEAM,
	MSG_USAGE_BY_AGENT,
	MSG_USAGE_BY_PROJECT,
	MSG_USAGE_BY_MODEL,
	MSG_USAGE_BY_CONNECTOR
};

enum msg_usage_bucket {
	MSG_USAGE_BUCKET_NONE,
	MSG_USAGE_BUCKET_HOUR,
	MSG_USAGE_BUCKET_DAY
};

#define MSG_USAGE_TEXT_MAX	(8 * 1024 * 1024)	/* the whole answer */

struct msg_control_usage_query {
	uint32_t	uid;
	uint32_t	by;		/* enum msg_usage_by */
	uint32_t	bucket;		/* enum msg_usage_bucket */
	uint32_t	pad;
	int64_t		since_ms;
	int64_t		until_ms;
	uint64_t	offset;
};

struct msg_control_usage_reply {
	int32_t		error;		/* 0, or an HTTP status */
	uint32_t	pad;
	uint64_t	total;
	char		reason[128];
};

/* LEAF and the tickets: one upstream or intercepted host. */
struct msg_vault_host {
	char		host[256];
};

/*
 * Metrics (issue 14).  METRICS from the worker serving /metrics: uid is
 * the api.sock caller's (SO_PEERCRED), or listener is 1 for the metrics
 * TCP listener, whose worker checked the token or the address; offset 0
 * asks control for a new snapshot of the text, another offset for the
 * rest of the one it gave this worker.  The reply's error is 0 or an
 * HTTP status (409: that snapshot is gone, start again).
 */
#define MSG_METRICS_PAGE	(60 * 1024)	/* text in one reply */
#define MSG_METRICS_TEXT_MAX	(4 * 1024 * 1024)	/* in a snapshot */

struct msg_control_metrics {
	uint32_t	uid;
	uint32_t	listener;
	uint32_t	offset;
	uint32_t	pad;
};

struct msg_control_metrics_reply {
	int32_t		error;
	uint32_t	total;		/* the snapshot's length */
	uint32_t	offset;		/* where this page starts */
	uint32_t	pad;
};

/*
 * How long a worker's calls took, counted into these buckets (upper
 * bounds in microseconds; the last one, +Inf, is the element after
 * them) since it last sent one: the worker measures, control keeps.
 */
#define MSG_METRICS_CALL_BUCKETS	16
#define MSG_METRICS_CALL_BOUNDS_US	{ 100, 250, 500, 1000, 2500, \
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, \
	2500000, 5000000 }

struct msg_control_calls {
	uint32_t	control[MSG_METRICS_CALL_BUCKETS];
	uint32_t	vaultd[MSG_METRICS_CALL_BUCKETS];
	uint64_t	control_us;	/* the sum of those durations */
	uint64_t	vaultd_us;
};

/* The pool as the master counts it, for /metrics. */
struct msg_worker_pool {
	uint32_t	workers;	/* forked and not yet reaped */
	uint32_t	idle;		/* waiting in accept() */
	uint32_t	max_workers;
	uint32_t	prefork;
};

/* Approvals: a state's name, as the API and the audit say it. */
const char	*msg_approval_state_name(int);

const char	*msgtype_name(unsigned int);
int		 msgtype_check(unsigned int type, size_t len);
int		 msgtype_test(unsigned int type);
const char	*proc_name(enum proc_id);

#endif
