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
 * control_session.c: unit tests of control's session table, the interim
 * policy and the audit record check (control/session.c, policy.c,
 * audit.c).  Ending a session as another uid is tested here: api.sock is
 * its owner's alone, so the integration test cannot be another user.
 */

#include <sys/types.h>

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

static void
test_policy(void)
{
	struct msg_control_policy	 p;
	struct msg_control_decision	 d;

	memset(&p, 0, sizeof(p));
	strlcpy(p.action, "issues.list", sizeof(p.action));
	memset(&d, 0xff, sizeof(d));
	control_policy_decide(&p, &d);
	ok(d.verdict == MSG_CONTROL_ALLOW && d.reason[0] == '\0',
	    "no approval required: allowed");
	p.approval = 1;
	control_policy_decide(&p, &d);
	ok(d.verdict == MSG_CONTROL_DENY &&
	    strcmp(d.reason, "aileron:approval-unavailable") == 0,
	    "approval required: denied, aileron:approval-unavailable");
	p.approval = 7;
	control_policy_decide(&p, &d);
	ok(d.verdict == MSG_CONTROL_DENY, "any non-zero approval: denied");
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
}

int
main(void)
{
	test_ids();
	test_end();
	test_bound();
	test_policy();
	test_audit();
	return done_testing();
}
