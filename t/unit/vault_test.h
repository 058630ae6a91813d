/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_test.h: helpers shared by the vault tests: temp dirs and dumps. */

#ifndef AILERON_VAULT_TEST_H
#define AILERON_VAULT_TEST_H

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/store.h"

/* Remove a directory holding plain files only (a test environment). */
static inline void
vt_rmdir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 p[2048];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Every key and value in the store as hex lines, for before/after. */
static inline char *
vt_dump(struct store *st)
{
	struct store_txn	*txn;
	struct store_cursor	*c;
	const unsigned char	*val;
	const char		*key;
	char			*out = NULL;
	size_t			 len, i, n = 0, cap = 0, need;

	if ((txn = store_begin(st)) == NULL ||
	    (c = store_cursor_open(txn, "")) == NULL)
		abort();
	while (store_cursor_next(c, &key, &val, &len) == 0) {
		need = n + strlen(key) + 2 * len + 4;
		if (need > cap) {
			cap = need * 2;
			if ((out = realloc(out, cap)) == NULL)
				abort();
		}
		n += sprintf(out + n, "%s=", key);
		for (i = 0; i < len; i++)
			n += sprintf(out + n, "%02x", val[i]);
		out[n++] = '\n';
		out[n] = '\0';
	}
	store_cursor_close(c);
	store_abort(txn);
	return out != NULL ? out : strdup("");
}

static inline int
vt_same(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Raw record access, as a tamperer with the service stopped would. */
static inline unsigned char *
vt_get(struct store *st, const char *key, size_t *len)
{
	struct store_txn	*txn;
	unsigned char		*val = NULL;

	if ((txn = store_begin(st)) == NULL)
		abort();
	if (store_get(txn, key, &val, len) != 0)
		val = NULL;
	store_abort(txn);
	return val;
}

static inline void
vt_put(struct store *st, const char *key, const void *val, size_t len)
{
	struct store_txn	*txn;

	if ((txn = store_begin(st)) == NULL ||
	    store_put(txn, key, val, len) != 0 || store_commit(txn) != 0)
		abort();
}

/* Does any file in dir contain the needle? */
static inline int
vt_dir_contains(const char *dir, const void *needle, size_t nlen)
{
	DIR		*d;
	struct dirent	*de;
	char		 p[2048], *buf;
	FILE		*f;
	struct stat	 sb;
	long		 sz;
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    (f = fopen(p, "rb")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0) {
			rewind(f);
			if ((buf = malloc(sz)) != NULL &&
			    fread(buf, 1, sz, f) == (size_t)sz &&
			    memmem(buf, sz, needle, nlen) != NULL)
				found = 1;
			free(buf);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

#endif
