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
 * control_session.c: unit tests of control's session table, its expiry
 * and listing, the policy decision and the audit record check
 * (control/session.c, sessinfo.c, policy.c, audit.c).  Ending a session
 * as another uid is tested here, where uids are only numbers.
 */

#include <sys/types.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "msgtypes.h"
#include "control/audit.h"
#include "control/policy.h"
#include "control/session.h"
#include "tap.h"

#define NSESS	200

static int
hex_len(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static void
test_ids(void)
{
	struct control_sessions	 ss;
	struct control_session	*s[NSESS];
	static char		 tok[NSESS][CSESSION_TOKEN_LEN + 1];
	char			 bad[CSESSION_TOKEN_LEN + 1];
	size_t			 i, j;
	int			 wellformed = 1, unique = 1, found = 1;
	int			 stored = 0;

	control_sessions_init(&ss, 0);
	is(ss.max, CSESSION_MAX, "the default bound is %d", CSESSION_MAX);
	for (i = 0; i < NSESS; i++) {
		s[i] = control_session_start(&ss, 1000, "alice", "claude",
		    "infra", "p1", tok[i], sizeof(tok[i]));
		if (s[i] == NULL)
			break;
		if (!hex_len(s[i]->id, CSESSION_ID_LEN) ||
		    !hex_len(tok[i], CSESSION_TOKEN_LEN))
			wellformed = 0;
		/* Only the token's hash is kept. */
		if (memmem(s[i], sizeof(*s[i]), tok[i], 16) != NULL)
			stored = 1;
	}
	is(i, NSESS, "%d sessions started", NSESS);
	ok(wellformed, "ids are 32 and tokens 64 lower-case hex digits");
	for (i = 0; i < NSESS; i++)
		for (j = i + 1; j < NSESS; j++)
			if (strcmp(s[i]->id, s[j]->id) == 0 ||
			    strcmp(tok[i], tok[j]) == 0 ||
			    strcmp(s[i]->id, tok[j]) == 0)
				unique = 0;
	ok(unique, "ids and tokens are all different");
	ok(!stored, "the session holds no copy of its token");
	/* First, middle and last: a match must not stop the scan early. */
	for (i = 0; i < NSESS; i++)
		if (control_session_lookup_token(&ss, tok[i]) != s[i] ||
		    control_session_find(&ss, s[i]->id) != s[i])
			found = 0;
	ok(found, "every token finds its own session, wherever it is");
	ok(strcmp(s[7]->user, "alice") == 0 && s[7]->uid == 1000 &&
	    strcmp(s[7]->agent, "claude") == 0 &&
	    strcmp(s[7]->team, "infra") == 0 &&
	    strcmp(s[7]->project, "p1") == 0, "a session keeps its labels");

	memcpy(bad, tok[3], sizeof(bad));
	bad[CSESSION_TOKEN_LEN - 1] = bad[CSESSION_TOKEN_LEN - 1] == '0' ?
	    '1' : '0';
	ok(control_session_lookup_token(&ss, bad) == NULL,
	    "a token one digit off finds nothing");
	memcpy(bad, tok[3], sizeof(bad));
	bad[0] = bad[0] >= 'a' ? bad[0] - 'a' + 'A' : 'G';
	ok(control_session_lookup_token(&ss, bad) == NULL,
	    "an upper-case or non-hex digit finds nothing");
	bad[0] = tok[3][0];
	bad[CSESSION_TOKEN_LEN - 1] = '\0';
	ok(control_session_lookup_token(&ss, bad) == NULL,
	    "a token cut short finds nothing");
	ok(control_session_lookup_token(&ss, "") == NULL &&
	    control_session_lookup_token(&ss, s[0]->id) == NULL,
	    "an empty token, or a session id, finds nothing");
	control_sessions_clear(&ss);
	is(ss.n, 0, "cleared");
	ok(control_session_lookup_token(&ss, tok[0]) == NULL,
	    "an ended session's token finds nothing");
}

static void
test_end(void)
{
	struct control_sessions	 ss;
	struct control_session	*s;
	char			 tok[CSESSION_TOKEN_LEN + 1], id[40];

	control_sessions_init(&ss, 8);
	s = control_session_start(&ss, 1000, "alice", "", "", "", tok,
	    sizeof(tok));
	strlcpy(id, s->id, sizeof(id));
	is(control_session_end(&ss, id, 1001, 500), CSESSION_ERR_FORBIDDEN,
	    "another uid may not end a session");
	ok(control_session_lookup_token(&ss, tok) == s,
	    "... and the session goes on");
	is(control_session_end(&ss, id, 1000, 500), 0,
	    "the uid that started it may");
	ok(control_session_lookup_token(&ss, tok) == NULL,
	    "an ended session's token authenticates nothing");
	is(control_session_end(&ss, id, 1000, 500), CSESSION_ERR_NOTFOUND,
	    "a second end: no such session");
	is(control_session_end(&ss, "nothex", 0, 500), CSESSION_ERR_NOTFOUND,
	    "a malformed id: no such session");

	s = control_session_start(&ss, 1000, "alice", "", "", "", tok,
	    sizeof(tok));
	is(control_session_end(&ss, s->id, 0, 500), 0, "root may end it");
	s = control_session_start(&ss, 1000, "alice", "", "", "", tok,
	    sizeof(tok));
	is(control_session_end(&ss, s->id, 500, 500), 0,
	    "the service's owner may end it");
	control_sessions_clear(&ss);
}

static void
test_bound(void)
{
	struct control_sessions	 ss;
	struct control_session	*s;
	char			 tok[CSESSION_TOKEN_LEN + 1];
	size_t			 i;

	control_sessions_init(&ss, 0);
	for (i = 0; i < CSESSION_MAX; i++)
		if ((s = control_session_start(&ss, 0, "u", "", "", "", tok,
		    sizeof(tok))) == NULL)
			break;
	is(i, CSESSION_MAX, "the table takes %d sessions", CSESSION_MAX);
	ok(control_session_start(&ss, 0, "u", "", "", "", tok,
	    sizeof(tok)) == NULL, "... and refuses one more");
	control_session_remove(&ss, TAILQ_FIRST(&ss.list));
	ok(control_session_start(&ss, 0, "u", "", "", "", tok,
	    sizeof(tok)) != NULL, "one ended makes room for one");
	control_sessions_clear(&ss);
	ok(control_session_valid_label("claude code 1.0") &&
	    !control_session_valid_label("a\"b") &&
	    !control_session_valid_label("a\nb") &&
	    !control_session_valid_label("\x7f"),
	    "labels: printable ASCII without quotes");
}

/* The decision from the spec control read, never the worker's flag. */
static void
test_policy(void)
{
	struct control_policy		 cp;
	struct msg_control_policy	 p;
	struct msg_control_decision	 d;
	const struct rule		*rule;
	char				 conf[] = "/tmp/aileron-pol.XXXXXX";
	char				 spec[PATH_MAX], text[PATH_MAX + 256];
	int				 fd;

	if (realpath("t/proxy/echo.json", spec) == NULL ||
	    (fd = mkstemp(conf)) == -1) {
		ok(0, "t/proxy/echo.json and a temporary file");
		return;
	}
	snprintf(text, sizeof(text), "connector echo spec \"%s\"\n"
	    "policy \"echo.echo_post\" deny\n"
	    "policy \"echo.*\" deny for team \"support\"\n"
	    "policy \"echo.danger\" allow for user \"alice\"\n", spec);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		diag("short write");
	close(fd);
	ok(control_policy_load(&cp, conf, 1, "/tmp") == 0,
	    "control reads aileron.conf and its specs");
	unlink(conf);
	if (cp.conf == NULL)
		return;
	memset(&p, 0, sizeof(p));
	strlcpy(p.connector, "echo", sizeof(p.connector));
	strlcpy(p.action, "danger", sizeof(p.action));
	p.approval = 0;
	memset(&d, 0xff, sizeof(d));
	control_policy_decide(&cp, &p, "bob", "infra", &d, &rule);
	ok(d.verdict == MSG_CONTROL_APPROVE && rule == NULL &&
	    strcmp(d.reason, "aileron:approval-required") == 0,
	    "a worker claiming no approval for echo.danger still gets "
	    "APPROVE, aileron:approval-required, from the spec");
	strlcpy(p.action, "echo_get", sizeof(p.action));
	p.approval = 1;
	control_policy_decide(&cp, &p, "bob", "infra", &d, &rule);
	ok(d.verdict == MSG_CONTROL_ALLOW && d.reason[0] == '\0' &&
	    rule == NULL, "a worker claiming approval for echo.echo_get is "
	    "allowed: the spec needs none");
	strlcpy(p.action, "echo_post", sizeof(p.action));
	control_policy_decide(&cp, &p, "bob", "infra", &d, &rule);
	ok(d.verdict == MSG_CONTROL_DENY && rule != NULL &&
	    strcmp(d.reason, "aileron:denied") == 0 &&
	    strstr(rule->where, ":2") != NULL,
	    "a deny rule refuses what the spec allows, naming its line");
	strlcpy(p.action, "danger", sizeof(p.action));
	control_policy_decide(&cp, &p, "alice", "support", &d, &rule);
	ok(d.verdict == MSG_CONTROL_ALLOW, "alice's allow beats her team's "
	    "deny");
	control_policy_decide(&cp, &p, "bob", "support", &d, &rule);
	ok(d.verdict == MSG_CONTROL_DENY, "the team's deny for bob");
	strlcpy(p.action, "nothing", sizeof(p.action));
	control_policy_decide(&cp, &p, "alice", "support", &d, &rule);
	ok(d.verdict == MSG_CONTROL_DENY, "an action of no spec: denied");
	strlcpy(p.connector, "echo.danger", sizeof(p.connector));
	strlcpy(p.action, "x", sizeof(p.action));
	control_policy_decide(&cp, &p, "alice", "support", &d, &rule);
	ok(d.verdict == MSG_CONTROL_DENY, "a connector with a dot: denied");
	control_policy_free(&cp);
}

/* Expiry, visibility and the API's pages (sessinfo.c). */
static void
test_sessinfo(void)
{
	struct control_sessions			 ss;
	struct control_session			*a, *b;
	struct msg_control_session_page		 pg;
	struct msg_control_session_info		 in[4];
	char					 tok[CSESSION_TOKEN_LEN + 1];
	int64_t					 t0;
	size_t					 n;

	control_sessions_init(&ss, 0);
	a = control_session_start(&ss, 1000, "alice", "claude", "infra", "p",
	    tok, sizeof(tok));
	b = control_session_start(&ss, 1001, "bob", "codex", "ops", "",
	    tok, sizeof(tok));
	if (a == NULL || b == NULL) {
		ok(0, "two sessions");
		return;
	}
	t0 = a->started_ms;
	ok(control_session_expired(a, t0 + 9999, 10, 100) == NULL,
	    "alive just before the idle limit");
	is_str(control_session_expired(a, t0 + 10000, 10, 100), "idle",
	    "expired at the idle limit");
	control_session_touch(a, t0 + 9000);
	ok(control_session_expired(a, t0 + 18000, 10, 100) == NULL,
	    "a use restarts the idle limit");
	control_session_touch(a, t0 + 99000);
	is_str(control_session_expired(a, t0 + 100000, 10, 100), "max",
	    "used or not, a session ends at its maximum life");
	ok(control_session_visible(a, 1000, 0) &&
	    !control_session_visible(a, 1001, 0) &&
	    control_session_visible(a, 0, 4242) &&
	    control_session_visible(a, 4242, 4242),
	    "its uid, root and the owner see a session; another uid does "
	    "not");
	n = control_sessions_page(&ss, 1001, 4242, "", 0, 10, 100, &pg, in, 4);
	ok(n == 1 && pg.total == 1 && pg.n == 1 &&
	    strcmp(in[0].session, b->id) == 0 && strcmp(in[0].user, "bob") ==
	    0 && strcmp(in[0].team, "ops") == 0 && in[0].uid == 1001,
	    "bob lists only his session");
	n = control_sessions_page(&ss, 4242, 4242, "", 0, 10, 100, &pg, in, 4);
	ok(n == 2 && pg.total == 2, "the owner lists both");
	n = control_sessions_page(&ss, 0, 4242, "", 1, 10, 100, &pg, in, 1);
	ok(n == 1 && pg.total == 2 && strcmp(in[0].session, b->id) == 0,
	    "a page from an offset");
	n = control_sessions_page(&ss, 1001, 4242, a->id, 0, 10, 100, &pg, in,
	    4);
	ok(n == 0 && pg.error == 403, "bob may not see alice's session");
	n = control_sessions_page(&ss, 1000, 4242, a->id, 0, 10, 100, &pg, in,
	    4);
	ok(n == 1 && pg.error == 0 && strcmp(in[0].agent, "claude") == 0 &&
	    in[0].expires <= in[0].started + 100 && in[0].expires >=
	    in[0].used, "alice sees hers, with when it expires");
	n = control_sessions_page(&ss, 0, 4242,
	    "0123456789abcdef0123456789abcdef", 0, 10, 100, &pg, in, 4);
	ok(n == 0 && pg.error == 404, "an unknown id: 404");
	control_sessions_clear(&ss);
}

/* A worker's record checked, then sealed as record 1, as control does. */
static char *
record(const char *s, const char *session, const char *user,
    const char **why)
{
	struct timespec	 ts = { 1796554245, 123456789 };
	uint8_t		 zero[AUDIT_HASH_LEN];
	json_t		*j;

	memset(zero, 0, sizeof(zero));
	if ((j = control_audit_check(s, strlen(s), 4123, session, user,
	    why)) == NULL)
		return NULL;
	return control_audit_seal(j, 1, zero, &ts);
}

static void
test_audit(void)
{
	const char	*why;
	char		*line, deep[64], buf[128];
	json_t		*j;
	int		 i;

	line = record("{\"host\":\"api.linear.app\",\"user\":\"mallory\","
	    "\"session\":\"x\",\"time\":\"then\",\"seq\":9,\"note\":\"a\\nb\","
	    "\"uid\":0}", "0123456789abcdef0123456789abcdef", "alice", &why);
	ok(line != NULL, "an object is taken");
	ok(line != NULL && strchr(line, '\n') == NULL,
	    "one line (a LF in a value stays escaped)");
	ok(line != NULL && strncmp(line, "{\"seq\":1,\"prev\":\"0000", 21) ==
	    0, "sealed: seq and prev first");
	j = line != NULL ? json_loads(line, 0, NULL) : NULL;
	ok(j != NULL && strcmp(json_string_value(json_object_get(j, "time")),
	    "2026-12-06T10:50:45.123Z") == 0 &&
	    json_integer_value(json_object_get(j, "seq")) == 1,
	    "time: RFC 3339 UTC, and seq, set by control");
	ok(j != NULL && json_integer_value(json_object_get(j, "worker")) ==
	    4123 && strcmp(json_string_value(json_object_get(j, "user")),
	    "alice") == 0 && strcmp(json_string_value(json_object_get(j,
	    "session")), "0123456789abcdef0123456789abcdef") == 0 &&
	    json_object_get(j, "uid") == NULL,
	    "worker, session, user and uid are control's, not the worker's");
	ok(j != NULL && strcmp(json_string_value(json_object_get(j, "host")),
	    "api.linear.app") == 0, "the worker's fields are kept");
	json_decref(j);
	free(line);

	line = record("{\"user\":\"mallory\",\"session\":\"x\"}", NULL, NULL,
	    &why);
	j = line != NULL ? json_loads(line, 0, NULL) : NULL;
	ok(j != NULL && json_object_get(j, "user") == NULL &&
	    json_object_get(j, "session") == NULL,
	    "a worker with no session cannot claim a user");
	json_decref(j);
	free(line);

	ok(record("[1,2]", NULL, NULL, &why) == NULL && why != NULL,
	    "an array is refused (%s)", why);
	ok(record("\"x\"", NULL, NULL, &why) == NULL && why != NULL,
	    "a string is refused");
	ok(record("{\"a\":1,\"a\":2}", NULL, NULL, &why) == NULL &&
	    why != NULL, "duplicate keys are refused");
	ok(record("{\"a\":1} x", NULL, NULL, &why) == NULL,
	    "trailing bytes are refused");
	ok(record("{\"a\":1", NULL, NULL, &why) == NULL,
	    "a cut object is refused");
	ok(record("{\"a\":\"\\u0000\"}", NULL, NULL, &why) == NULL,
	    "a NUL in a string is refused");

	/* AUDIT_DEPTH_MAX levels pass; one more does not. */
	for (i = 0; i < AUDIT_DEPTH_MAX; i++) {
		memcpy(deep + i * 6, "{\"a\":", 5);
		deep[i * 6 + 5] = ' ';
	}
	deep[AUDIT_DEPTH_MAX * 6] = '\0';
	strlcat(deep, "1", sizeof(deep));
	for (i = 0; i < AUDIT_DEPTH_MAX; i++)
		strlcat(deep, "}", sizeof(deep));
	line = record(deep, NULL, NULL, &why);
	ok(line != NULL, "%d levels of nesting pass", AUDIT_DEPTH_MAX);
	free(line);
	snprintf(buf, sizeof(buf), "{\"b\":%s}", deep);
	ok(record(buf, NULL, NULL, &why) == NULL && why != NULL &&
	    strstr(why, "deep") != NULL, "%d levels are refused",
	    AUDIT_DEPTH_MAX + 1);
	line = record("{\"a\":\"[[[[[[[[[[[[{{{{{{{{{{\\\"[[[[\"}", NULL,
	    NULL, &why);
	ok(line != NULL, "brackets inside strings do not count");
	free(line);
	ok(control_audit_check("{}", 1, 1, NULL, NULL, &why) == NULL &&
	    control_audit_check("{}", MSG_CONTROL_AUDIT_MAX + 1, 1, NULL,
	    NULL, &why) == NULL, "lengths out of bounds are refused");

	/* Before any session: a refusal's fields, and nothing else. */
	j = json_pack("{s:s, s:s, s:s, s:i}", "event", "request",
	    "connector", "stripe", "action", "create_refund", "status", 200);
	ok(j != NULL && control_audit_preauth(j) == -1,
	    "before a session, a request record is refused");
	json_decref(j);
	j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
	    "event", "proxy-auth", "status", 407, "type", "aileron:proxy-auth",
	    "reason", "missing or bad token", "connector", "stripe", "note",
	    "approved by alice", "host", "api.stripe.com", "peer",
	    "127.0.0.1:4242", "worker", 5);
	ok(j != NULL && control_audit_preauth(j) == 0 &&
	    json_object_size(j) == 7 && json_object_get(j, "note") == NULL &&
	    json_object_get(j, "connector") == NULL &&
	    json_integer_value(json_object_get(j, "status")) == 407 &&
	    strcmp(json_string_value(json_object_get(j, "host")),
	    "api.stripe.com") == 0,
	    "a proxy-auth record keeps event, status, type, reason, host, peer "
	    "and worker only");
	json_decref(j);
	j = json_pack("{s:s, s:i}", "event", "refused", "status", 400);
	ok(j != NULL && control_audit_preauth(j) == 0 &&
	    json_object_size(j) == 2, "a refused record is taken");
	json_decref(j);
}

int
main(void)
{
	test_ids();
	test_end();
	test_bound();
	test_policy();
	test_sessinfo();
	test_audit();
	return done_testing();
}
