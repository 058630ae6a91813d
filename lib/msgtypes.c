/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* msgtypes.c: names and payload bounds of every message type. */

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "msgtypes.h"

struct msgtype_info {
	const char	*name;
	size_t		 min;
	size_t		 max;
};

#define HOSTS_MAX	(MSG_CONF_HOSTS_MAX * MSG_CONF_HOST_LEN)

/* The vault's layouts are packed by hand in the tests: no padding. */
_Static_assert(sizeof(struct msg_vault_session) == 116, "padding");
_Static_assert(sizeof(struct msg_vault_request) == 584, "padding");
_Static_assert(sizeof(struct msg_vault_reply) == 8, "padding");
_Static_assert(sizeof(struct msg_vault_inject) == 368, "padding");
_Static_assert(sizeof(struct msg_vault_release) == 332, "padding");
_Static_assert(sizeof(struct msg_hdr) == 20, "padding");
_Static_assert(sizeof(struct msg_control_auth) == 72, "padding");
_Static_assert(sizeof(struct msg_control_session) == 308, "padding");
_Static_assert(sizeof(struct msg_control_policy) == 724, "padding");
_Static_assert(sizeof(struct msg_control_decision) == 72, "padding");
_Static_assert(sizeof(struct msg_control_audit_query) == 280, "padding");
_Static_assert(sizeof(struct msg_control_audit_reply) == 144, "padding");
_Static_assert(sizeof(struct msg_conf_audit) == 16, "padding");
_Static_assert(sizeof(struct msg_conf_session_max) == 8, "padding");
_Static_assert(sizeof(struct msg_control_session_start) == 268, "padding");
_Static_assert(sizeof(struct msg_control_session_end) == 44, "padding");
_Static_assert(sizeof(struct msg_control_session_reply) == 244, "padding");
_Static_assert(sizeof(struct msg_vault_host) == 256, "padding");
_Static_assert(sizeof(struct msg_control_session_list) == 48, "padding");
_Static_assert(sizeof(struct msg_control_usage_query) == 40, "padding");
_Static_assert(sizeof(struct msg_control_usage_reply) == 144, "padding");
_Static_assert(sizeof(struct msg_control_session_page) == 16, "padding");
_Static_assert(sizeof(struct msg_control_session_info) == 336, "padding");
_Static_assert(sizeof(struct msg_conf_user) == 76, "padding");
_Static_assert(sizeof(struct msg_conf_connector_vault) == 144, "padding");
_Static_assert(sizeof(struct msg_control_user) == 656, "padding");
_Static_assert(sizeof(struct msg_control_user_reply) == 160, "padding");
_Static_assert(sizeof(struct msg_vault_uid) == 76, "padding");
_Static_assert(sizeof(struct msg_control_budget) == 8, "padding");
_Static_assert(sizeof(struct msg_control_metrics) == 16, "padding");
_Static_assert(sizeof(struct msg_control_metrics_reply) == 16, "padding");
_Static_assert(sizeof(struct msg_control_calls) == 144, "padding");
_Static_assert(sizeof(struct msg_worker_pool) == 16, "padding");
_Static_assert(sizeof(struct msg_control_metrics_reply) + MSG_METRICS_PAGE <=
    MSG_MAXPAYLOAD, "a page fits a frame");
_Static_assert(sizeof(struct msg_control_web) == 152, "padding");
_Static_assert(sizeof(struct msg_control_web_reply) == 360, "padding");

#define FIXED(t)	sizeof(struct t), sizeof(struct t)

/*
 * Fixed structs must match their length exactly (min == max); variable
 * payloads have bounds here and are checked field by field by the handler.
 */
static const struct msgtype_info msgtypes[MSG_TYPE_MAX] = {
	[MSG_NONE] =		{ "NONE", 1, 0 },	/* never valid */
	[MSG_CONF_PROC] =	{ "CONF_PROC", sizeof(struct msg_conf_proc),
				  sizeof(struct msg_conf_proc) },
	[MSG_CONF_CONNECTOR] =	{ "CONF_CONNECTOR",
				  sizeof(struct msg_conf_connector),
				  sizeof(struct msg_conf_connector) +
				  HOSTS_MAX },
	[MSG_CONF_DONE] =	{ "CONF_DONE", 0, 0 },
	[MSG_CONF_VERBOSE] =	{ "CONF_VERBOSE", sizeof(int32_t),
				  sizeof(int32_t) },
	[MSG_PING] =		{ "PING", sizeof(uint32_t), sizeof(uint32_t) },
	[MSG_WORKER_NEW] =	{ "WORKER_NEW", 0, 0 },
	[MSG_WORKER_GONE] =	{ "WORKER_GONE", 0, 0 },
	[MSG_SHUTDOWN] =	{ "SHUTDOWN", 0, 0 },
	[MSG_CONF_ACK] =	{ "CONF_ACK", 0, 0 },
	[MSG_PONG] =		{ "PONG", sizeof(uint32_t), sizeof(uint32_t) },
	[MSG_WORKER_BUSY] =	{ "WORKER_BUSY", 0, 0 },
	[MSG_TEST_ECHO] =	{ "TEST_ECHO", 0, MSG_MAXPAYLOAD },
	[MSG_VAULT_HELLO] =	{ "VAULT_HELLO", sizeof(uint32_t),
				  sizeof(uint32_t) },
	[MSG_CONF_PEER] =	{ "CONF_PEER", 0, 0 },
	[MSG_CONF_CONNECTORS_BEGIN] = { "CONF_CONNECTORS_BEGIN", 0, 0 },
	[MSG_CONF_CONNECTORS_END] = { "CONF_CONNECTORS_END", 0, 0 },
	[MSG_VAULT_SESSION_BEGIN] = { "VAULT_SESSION_BEGIN",
				  sizeof(struct msg_vault_session),
				  sizeof(struct msg_vault_session) },
	[MSG_VAULT_SESSION_END] = { "VAULT_SESSION_END",
				  sizeof(struct msg_vault_session),
				  sizeof(struct msg_vault_session) },
	[MSG_VAULT_SESSION_WORKER] = { "VAULT_SESSION_WORKER",
				  sizeof(struct msg_vault_session),
				  sizeof(struct msg_vault_session) },
	[MSG_VAULT_SESSION_ACK] = { "VAULT_SESSION_ACK",
				  sizeof(struct msg_vault_reply),
				  sizeof(struct msg_vault_reply) + 4096 },
	[MSG_VAULT_REQUEST] =	{ "VAULT_REQUEST",
				  sizeof(struct msg_vault_request),
				  sizeof(struct msg_vault_request) +
				  MSG_VAULT_VALUE_MAX },
	[MSG_VAULT_REPLY] =	{ "VAULT_REPLY", sizeof(struct msg_vault_reply),
				  sizeof(struct msg_vault_reply) +
				  MSG_VAULT_TEXT_MAX },
	[MSG_VAULT_INJECT] =	{ "VAULT_INJECT",
				  sizeof(struct msg_vault_inject),
				  sizeof(struct msg_vault_inject) },
	[MSG_VAULT_INJECT_REPLY] = { "VAULT_INJECT_REPLY",
				  sizeof(struct msg_vault_reply),
				  sizeof(struct msg_vault_reply) + 16384 },
	[MSG_WORKER_BAD] =	{ "WORKER_BAD", 0, 0 },
	[MSG_CONTROL_AUTH] =	{ "CONTROL_AUTH", FIXED(msg_control_auth) },
	[MSG_CONTROL_AUTH_REPLY] = { "CONTROL_AUTH_REPLY",
				  FIXED(msg_control_session) },
	[MSG_CONTROL_POLICY] =	{ "CONTROL_POLICY",
				  sizeof(struct msg_control_policy),
				  sizeof(struct msg_control_policy) +
				  MSG_APPROVAL_SUMMARY_MAX },
	[MSG_CONTROL_POLICY_REPLY] = { "CONTROL_POLICY_REPLY",
				  FIXED(msg_control_decision) },
	[MSG_CONTROL_AUDIT] =	{ "CONTROL_AUDIT", 2, MSG_CONTROL_AUDIT_MAX },
	[MSG_CONTROL_SESSION_START] = { "CONTROL_SESSION_START",
				  FIXED(msg_control_session_start) },
	[MSG_CONTROL_SESSION_END] = { "CONTROL_SESSION_END",
				  FIXED(msg_control_session_end) },
	[MSG_CONTROL_SESSION_REPLY] = { "CONTROL_SESSION_REPLY",
				  sizeof(struct msg_control_session_reply),
				  sizeof(struct msg_control_session_reply) +
				  4096 },
	[MSG_CONF_FILE] =	{ "CONF_FILE", FIXED(msg_conf_file) },
	[MSG_CONTROL_SESSION_LIST] = { "CONTROL_SESSION_LIST",
				  FIXED(msg_control_session_list) },
	[MSG_CONTROL_SESSION_LIST_REPLY] = { "CONTROL_SESSION_LIST_REPLY",
				  sizeof(struct msg_control_session_page),
				  sizeof(struct msg_control_session_page) +
				  MSG_CONTROL_SESSION_PAGE *
				  sizeof(struct msg_control_session_info) },
	/* Approvals (issue 11, section 3). */
	[MSG_CONF_APPROVAL] =	{ "CONF_APPROVAL", FIXED(msg_conf_approval) },
	[MSG_CONTROL_APPROVAL_ASK] = { "CONTROL_APPROVAL_ASK",
				  sizeof(struct msg_control_approval_ask) + 2,
				  sizeof(struct msg_control_approval_ask) +
				  MSG_APPROVAL_SUMMARY_MAX },
	[MSG_CONTROL_APPROVAL_PENDING] = { "CONTROL_APPROVAL_PENDING",
				  FIXED(msg_control_approval_state) },
	[MSG_CONTROL_APPROVAL_DONE] = { "CONTROL_APPROVAL_DONE",
				  FIXED(msg_control_approval_state) },
	[MSG_CONTROL_APPROVAL_WITHDRAW] = { "CONTROL_APPROVAL_WITHDRAW",
				  FIXED(msg_control_approval_id) },
	[MSG_CONTROL_APPROVAL_API] = { "CONTROL_APPROVAL_API",
				  FIXED(msg_control_approval_api) },
	[MSG_CONTROL_APPROVAL_API_REPLY] = { "CONTROL_APPROVAL_API_REPLY",
				  sizeof(int32_t) + 2,
				  sizeof(int32_t) + MSG_APPROVAL_LIST_MAX },
	[MSG_CONTROL_AUDIT_QUERY] = { "CONTROL_AUDIT_QUERY",
				  FIXED(msg_control_audit_query) },
	[MSG_CONTROL_AUDIT_REPLY] = { "CONTROL_AUDIT_REPLY",
				  sizeof(struct msg_control_audit_reply),
				  MSG_MAXPAYLOAD },
	[MSG_CONF_AUDIT] =	{ "CONF_AUDIT", FIXED(msg_conf_audit) },
	[MSG_CONTROL_SHELL_CHECK] = { "CONTROL_SHELL_CHECK",
				  FIXED(msg_control_shell) },
	[MSG_CONF_SESSION_MAX] = { "CONF_SESSION_MAX",
				  FIXED(msg_conf_session_max) },
	[MSG_CONTROL_API_PEER] = { "CONTROL_API_PEER", 0, 0 },
	[MSG_VAULT_USERS] =	{ "VAULT_USERS", 0,
				  MSG_VAULT_USERS_MAX *
				  sizeof(struct msg_vault_uid) },
	/* Budgets (issue 14, section 2). */
	[MSG_CONTROL_BUDGET] =	{ "CONTROL_BUDGET", FIXED(msg_control_budget) },
	[MSG_CONTROL_BUDGET_REPLY] = { "CONTROL_BUDGET_REPLY",
				  sizeof(int32_t) + 2,
				  sizeof(int32_t) + MSG_BUDGET_JSON_MAX },
	/* The web page (issue 14). */
	[MSG_CONTROL_WEB] =	{ "CONTROL_WEB", FIXED(msg_control_web) },
	[MSG_CONTROL_WEB_REPLY] = { "CONTROL_WEB_REPLY",
				  FIXED(msg_control_web_reply) },
	[MSG_VAULT_LEAF] =	{ "VAULT_LEAF", FIXED(msg_vault_host) },
	[MSG_VAULT_LEAF_REPLY] = { "VAULT_LEAF_REPLY",
				  sizeof(struct msg_vault_reply),
				  sizeof(struct msg_vault_reply) + 8192 },
	[MSG_VAULT_TICKET_GET] = { "VAULT_TICKET_GET", FIXED(msg_vault_host) },
	[MSG_VAULT_TICKET_PUT] = { "VAULT_TICKET_PUT",
				  sizeof(struct msg_vault_host) + 1,
				  sizeof(struct msg_vault_host) + 8192 },
	[MSG_VAULT_TICKET_REPLY] = { "VAULT_TICKET_REPLY",
				  sizeof(struct msg_vault_reply),
				  sizeof(struct msg_vault_reply) + 8192 },
	/* Teams (issue 11). */
	[MSG_CONF_USER] =	{ "CONF_USER", FIXED(msg_conf_user) },
	[MSG_CONF_CONNECTOR_VAULT] = { "CONF_CONNECTOR_VAULT",
				  FIXED(msg_conf_connector_vault) },
	[MSG_CONTROL_USER] =	{ "CONTROL_USER", FIXED(msg_control_user) },
	[MSG_CONTROL_USER_REPLY] = { "CONTROL_USER_REPLY",
				  sizeof(struct msg_control_user_reply),
				  sizeof(struct msg_control_user_reply) +
				  MSG_CONTROL_USER_JSON_MAX },
	/* Metrics (issue 14). */
	[MSG_CONTROL_METRICS] =	{ "CONTROL_METRICS",
				  FIXED(msg_control_metrics) },
	[MSG_CONTROL_METRICS_REPLY] = { "CONTROL_METRICS_REPLY",
				  sizeof(struct msg_control_metrics_reply),
				  sizeof(struct msg_control_metrics_reply) +
				  MSG_METRICS_PAGE },
	[MSG_CONTROL_CALLS] =	{ "CONTROL_CALLS",
				  FIXED(msg_control_calls) },
	[MSG_WORKER_POOL] =	{ "WORKER_POOL", 0, 0 },
	[MSG_WORKER_POOL_REPLY] = { "WORKER_POOL_REPLY",
				  FIXED(msg_worker_pool) },
	/* control -> vaultd: what a worker may have injected. */
	[MSG_VAULT_RELEASE] =	{ "VAULT_RELEASE", FIXED(msg_vault_release) },
	/* Usage (issue 14, the rollups). */
	[MSG_CONTROL_USAGE_QUERY] = { "CONTROL_USAGE_QUERY",
				  FIXED(msg_control_usage_query) },
	[MSG_CONTROL_USAGE_REPLY] = { "CONTROL_USAGE_REPLY",
				  sizeof(struct msg_control_usage_reply),
				  MSG_MAXPAYLOAD },
};

const char *
msgtype_name(unsigned int type)
{
	if (type >= MSG_TYPE_MAX || msgtypes[type].name == NULL)
		return "UNKNOWN";
	return msgtypes[type].name;
}

/* Refused outside test mode (aileron-service -X). */
int
msgtype_test(unsigned int type)
{
	return type == MSG_TEST_ECHO;
}

int
msgtype_check(unsigned int type, size_t len)
{
	if (type == MSG_NONE || type >= MSG_TYPE_MAX ||
	    msgtypes[type].name == NULL)
		return -1;
	if (len < msgtypes[type].min || len > msgtypes[type].max)
		return -1;
	return 0;
}

/* Approvals (issue 11, section 3): the API's and the audit's words. */
const char *
msg_approval_state_name(int state)
{
	switch (state) {
	case MSG_APPROVAL_PENDING:
		return "pending";
	case MSG_APPROVAL_GRANTED:
		return "granted";
	case MSG_APPROVAL_DENIED:
		return "denied";
	case MSG_APPROVAL_EXPIRED:
		return "expired";
	case MSG_APPROVAL_WITHDRAWN:
		return "withdrawn";
	case MSG_APPROVAL_TOO_MANY:
		return "too-many-pending";
	}
	return "unavailable";
}

const char *
proc_name(enum proc_id id)
{
	switch (id) {
	case PROC_MASTER:
		return "master";
	case PROC_CONTROL:
		return "control";
	case PROC_VAULTD:
		return "vaultd";
	case PROC_WORKER:
		return "worker";
	case PROC_CLI:
		return "cli";
	case PROC_NONE:
		break;
	}
	return "unknown";
}
