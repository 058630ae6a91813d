/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_store.c: tests for the Berkeley DB store on a real environment. */

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "log.h"
#include "vault/store.h"
#include "vault_test.h"

static int
modes_ok(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		 p[2048];
	int		 good = 1;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &sb) == -1 || (sb.st_mode & 077) != 0) {
			diag("%s has mode %03o", p, sb.st_mode & 0777);
			good = 0;
		}
	}
	closedir(d);
	return good;
}

int
main(void)
{
	char			 tmpl[] = "/tmp/aileron-vault-store.XXXXXX";
	char			 dir[256], bdir[256], key[64], val[300];
	struct store		*st, *bst;
	struct store_txn	*txn;
	struct store_cursor	*c;
	struct stat		 sb;
	const unsigned char	*cv;
	const char		*ck;
	unsigned char		*v;
	char			*d1, *d2;
	size_t			 len;
	int			 i, n, r;

	log_init(1, 0, "vault_store");
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/vault", tmpl);
	snprintf(bdir, sizeof(bdir), "%s/backup", tmpl);

	ok((st = store_open(dir)) != NULL, "open a new environment");
	ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700,
	    "directory is 0700");

	txn = store_begin(st);
	is(store_put(txn, "vaults/a/meta.json", "{}", 2), 0, "put");
	is(store_put(txn, "vaults/a/members.json", "[1]", 3), 0, "put 2");
	is(store_put(txn, "vaults/b/meta.json", "{\"b\":1}", 7), 0, "put 3");
	is(store_put(txn, "users/x/kdf.json", "k", 1), 0, "put 4");
	is(store_commit(txn), 0, "commit");

	txn = store_begin(st);
	is(store_get(txn, "vaults/a/meta.json", &v, &len), 0, "get");
	ok(len == 2 && memcmp(v, "{}", 2) == 0 && v[2] == '\0',
	    "value round trip, NUL after it");
	free(v);
	is(store_get(txn, "vaults/zz", &v, &len), STORE_NOTFOUND,
	    "missing key: not found");
	is(store_del(txn, "vaults/zz"), STORE_NOTFOUND, "del missing key");
	is(store_put(txn, "", "x", 1), -1, "empty key refused");
	memset(val, 'k', sizeof(val));
	val[sizeof(val) - 1] = '\0';
	{
		char	 big[STORE_KEY_MAX + 2];

		memset(big, 'k', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		is(store_put(txn, big, "x", 1), -1, "overlong key refused");
	}
	store_abort(txn);

	/* Abort discards. */
	txn = store_begin(st);
	store_put(txn, "vaults/a/x", "gone", 4);
	store_del(txn, "vaults/b/meta.json");
	store_abort(txn);
	txn = store_begin(st);
	is(store_get(txn, "vaults/a/x", &v, &len), STORE_NOTFOUND,
	    "aborted put is gone");
	is(store_get(txn, "vaults/b/meta.json", &v, &len), 0,
	    "aborted del is undone");
	free(v);

	/* Prefix iteration stays inside the prefix, in order. */
	c = store_cursor_open(txn, "vaults/a/");
	n = 0;
	while ((r = store_cursor_next(c, &ck, &cv, &len)) == 0) {
		if (n == 0)
			is_str(ck, "vaults/a/members.json", "first in order");
		if (n == 1)
			is_str(ck, "vaults/a/meta.json", "second in order");
		n++;
	}
	is(r, STORE_NOTFOUND, "iteration ends with not found");
	is(n, 2, "two keys under vaults/a/");
	store_cursor_close(c);
	c = store_cursor_open(txn, "vaults/");
	store_cursor_seek(c, "vaults/a0");
	r = store_cursor_next(c, &ck, &cv, &len);
	ok(r == 0 && strcmp(ck, "vaults/b/meta.json") == 0,
	    "seek skips past a vault");
	store_cursor_close(c);
	c = store_cursor_open(txn, "nothing/");
	is(store_cursor_next(c, &ck, &cv, &len), STORE_NOTFOUND,
	    "empty prefix range");
	store_cursor_close(c);
	store_abort(txn);

	/*
	 * A revoke over 10,000 credentials is one transaction of 20,000
	 * records: the lock table must hold it.
	 */
	txn = store_begin(st);
	for (i = 0, r = 0; i < 10000 && r == 0; i++) {
		snprintf(key, sizeof(key), "vaults/big/credentials/%08d.enc",
		    i);
		r = store_put(txn, key, val, 120);
		snprintf(key, sizeof(key),
		    "vaults/big/credentials/%08d.meta.json", i);
		if (r == 0)
			r = store_put(txn, key, val, 200);
	}
	is(r, 0, "20,000 puts in one transaction");
	is(store_commit(txn), 0, "and it commits");
	txn = store_begin(st);
	for (i = 0, r = 0; i < 10000 && r == 0; i++) {
		snprintf(key, sizeof(key), "vaults/big/credentials/%08d.enc",
		    i);
		r = store_put(txn, key, val, 121);
	}
	is(r, 0, "rewrite 10,000 in one transaction");
	is(store_commit(txn), 0, "and commit");

	d1 = vt_dump(st);
	store_close(st);
	ok((st = store_open(dir)) != NULL, "reopen with recovery");
	d2 = vt_dump(st);
	ok(vt_same(d1, d2), "contents survive reopen");
	free(d2);
	ok(modes_ok(dir), "every file in the environment is 0600");

	is(store_backup(st, bdir), 0, "hot backup");
	ok((bst = store_open(bdir)) != NULL, "open the backup");
	d2 = vt_dump(bst);
	ok(vt_same(d1, d2), "backup holds the same records");
	free(d2);
	store_close(bst);
	is(store_backup(st, bdir), -1, "backup refuses an existing directory");
	free(d1);
	store_close(st);

	chmod(dir, 0755);
	ok((st = store_open(dir)) != NULL, "open with a loose directory");
	ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700,
	    "directory tightened to 0700");
	store_close(st);

	vt_rmdir(dir);
	vt_rmdir(bdir);
	rmdir(tmpl);
	return done_testing();
}
