/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* audit.h: the audit log's records, their hash chain and its head. */

#ifndef AILERON_CONTROL_AUDIT_H
#define AILERON_CONTROL_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define AUDIT_HEAD_FILE		"audit.head"	/* in the state directory */
#define AUDIT_DEPTH_MAX		8	/* a worker record's nesting */
#define AUDIT_HASH_LEN		32	/* SHA-256 */
#define AUDIT_TIME_LEN		24	/* 2026-12-06T10:43:48.123Z */
#define AUDIT_HEAD_SIZE		118	/* the head file's fixed text */

/* The chain's end: the last record's number and hash (0, zeros: none). */
struct audit_head {
	uint64_t	 seq;
	uint8_t		 hash[AUDIT_HASH_LEN];
};

/* What verification reads of one sealed record. */
struct audit_link {
	int		 ok;		/* the start is a sealed record's */
	uint64_t	 seq;
	int64_t		 time_ms;
	uint8_t		 prev[AUDIT_HASH_LEN];
	uint8_t		 hash[AUDIT_HASH_LEN];	/* of the whole record */
};

enum audit_break {
	AUDIT_INTACT,
	AUDIT_ALTERED,
	AUDIT_INSERTED,
	AUDIT_REMOVED,
	AUDIT_HEAD
};

struct audit_verdict {
	int		 ok;
	int		 kind;		/* enum audit_break */
	uint64_t	 at;		/* the record it concerns */
	uint64_t	 records;	/* walked and found linked */
	uint64_t	 first, last;
	char		 problem[200];
};

json_t	*control_audit_check(const void *, size_t, uint32_t, const char *,
	    const char *, const char **);
int	 control_audit_preauth(json_t *);
char	*control_audit_seal(json_t *, uint64_t, const uint8_t *,
	    const struct timespec *);
void	 control_audit_hash(const void *, size_t, uint8_t *);
void	 control_audit_link(const char *, size_t, struct audit_link *);
int	 control_audit_verify(int (*)(void *, struct audit_link *), void *,
	    uint64_t, const uint8_t *, const struct audit_head *,
	    struct audit_verdict *);
int	 control_audit_depth(const char *, size_t, int);
int64_t	 control_audit_time_ms(const char *);
void	 control_audit_hex(const uint8_t *, char *);
int	 control_audit_head_open(const char *);
void	 control_audit_head_format(const struct audit_head *, char *);
int	 control_audit_head_parse(const char *, size_t, struct audit_head *);
int	 control_audit_parse_time(const char *, int64_t, int64_t *);

#endif
