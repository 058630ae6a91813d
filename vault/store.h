/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* store.h: the vault store, one btree in a transactional Berkeley DB. */

#ifndef AILERON_VAULT_STORE_H
#define AILERON_VAULT_STORE_H

#include <stddef.h>

#define STORE_DB_NAME	"store.db"
#define STORE_DB_NEW	"store.db.chksum"	/* while checksums are added */
#define STORE_KEY_MAX	512		/* longest key we build or accept */
#define STORE_NOTFOUND	1		/* get/del/cursor: no such key */

struct store;
struct store_txn;
struct store_cursor;

struct store	*store_open(const char *dir);
void		 store_close(struct store *);
int		 store_checkpoint(struct store *);
int		 store_backup(struct store *, const char *dir);
int		 store_backup_remove(int, const char *);

struct store_txn *store_begin(struct store *);
int		 store_commit(struct store_txn *);
void		 store_abort(struct store_txn *);

int	 store_get(struct store_txn *, const char *key, unsigned char **val,
	    size_t *len);
int	 store_put(struct store_txn *, const char *key, const void *val,
	    size_t len);
int	 store_del(struct store_txn *, const char *key);

struct store_cursor *store_cursor_open(struct store_txn *, const char *prefix);
int	 store_cursor_next(struct store_cursor *, const char **key,
	    const unsigned char **val, size_t *len);
int	 store_cursor_seek(struct store_cursor *, const char *key);
void	 store_cursor_close(struct store_cursor *);

#endif
