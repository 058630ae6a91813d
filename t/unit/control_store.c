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
 * control_store.c: control's store keeps only the log files recovery
 * needs.  Records written past several checkpoints leave behind log
 * files the checkpoints freed; control_store_trim removes them one a
 * call (control's loop calls it once a turn, after the turn's answers),
 * and the store opens again, recovered, with every record.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <db.h>

#include "control/store.h"
#include "tap.h"

#define VALUE_LEN	4000
#define RECORDS		6000	/* about 24 MiB of log */
#define CRASHED		100000	/* the keys the dying control writes */

static int
logs(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir(".")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "log.", 4) == 0)
			n++;
	closedir(d);
	return n;
}

static int
put(DB *db, uint32_t i, const char *value)
{
	DB_ENV	*env = control_store_env();
	DB_TXN	*txn;
	DBT	 k, v;
	int	 rv;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = &i;
	k.size = sizeof(i);
	v.data = (void *)value;
	v.size = VALUE_LEN;
	if (env->txn_begin(env, NULL, &txn, 0) != 0)
		return -1;
	if ((rv = db->put(db, txn, &k, &v, 0)) != 0) {
		txn->abort(txn);
		return -1;
	}
	return txn->commit(txn, DB_TXN_NOSYNC) == 0 ? 0 : -1;
}

int
main(void)
{
	char		 tmpl[] = "/tmp/aileron-cstore.XXXXXX", cwd[PATH_MAX];
	char		 value[VALUE_LEN], cmd[PATH_MAX + 16];
	DB		*db = NULL;
	DBT		 k, v;
	uint32_t	 i, key;
	pid_t		 pid;
	int		 most = 0, n, before, bad = 0, one = 1, status;

	if (getcwd(cwd, sizeof(cwd)) == NULL || mkdtemp(tmpl) == NULL ||
	    chdir(tmpl) == -1) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	/* As control: its home is its working directory. */
	ok(control_store_open(".") == 0 &&
	    (db = control_store_db("t.db")) != NULL, "open a control store");
	memset(value, 'x', sizeof(value));
	bad = db == NULL;
	for (i = 1; i <= RECORDS && !bad; i++) {
		value[0] = i & 0xff;
		if (put(db, i, value) == -1)
			bad = 1;
		if (i % 200 == 0) {
			control_store_checkpoint();
			before = logs();
			control_store_trim();
			/* At most one file a call, so no turn pays for many. */
			if (before - logs() > 1)
				one = 0;
			control_store_trim();
			control_store_trim();
		}
		if ((n = logs()) > most)
			most = n;
	}
	ok(!bad, "%d records of %d bytes written", RECORDS, VALUE_LEN);
	ok(one, "a trim removes at most one log file");
	ok(most > 0 && most <= 16, "the log files never pile up: at most %d "
	    "for about 24 MiB of log", most);
	for (n = 0; n < 64; n++)
		control_store_trim();
	control_store_close();
	ok(logs() <= 2, "closed: the log files the last checkpoint freed are "
	    "gone (%d left)", logs());
	/* A service that stops before its first checkpoint, again and again. */
	for (n = 0; n < 10 && !bad; n++) {
		if (control_store_open(".") != 0 ||
		    (db = control_store_db("t.db")) == NULL) {
			bad = 1;
			break;
		}
		for (i = 1; i <= 400 && !bad; i++)
			if (put(db, RECORDS + n * 400 + i, value) == -1)
				bad = 1;
		control_store_close();
	}
	ok(!bad && logs() <= 2, "ten runs that stop before a checkpoint "
	    "leave no log files behind (%d)", logs());

	/*
	 * A control that dies after checkpoints and trims, its last group
	 * flushed as control flushes each one: recovery finds every record.
	 */
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (control_store_open(".") != 0 ||
		    (db = control_store_db("t.db")) == NULL)
			_exit(1);
		for (i = 1; i <= 3000; i++) {
			if (put(db, CRASHED + i, value) == -1)
				_exit(1);
			if (i % 200 == 0) {
				control_store_checkpoint();
				control_store_trim();
			}
		}
		if (control_store_env()->log_flush(control_store_env(),
		    NULL) != 0)
			_exit(1);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "a control dies, never closing its "
	    "store");
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	key = CRASHED + 3000;
	k.data = &key;
	k.size = sizeof(key);
	v.flags = DB_DBT_MALLOC;
	ok(control_store_open(".") == 0 &&
	    (db = control_store_db("t.db")) != NULL &&
	    db->get(db, NULL, &k, &v, 0) == 0 && v.size == VALUE_LEN,
	    "recovered: its last record is there");
	free(v.data);
	control_store_close();
	ok(control_store_open(".") == 0 &&
	    (db = control_store_db("t.db")) != NULL,
	    "the store opens again, recovered");
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	key = RECORDS;
	k.data = &key;
	k.size = sizeof(key);
	v.flags = DB_DBT_MALLOC;
	ok(db != NULL && db->get(db, NULL, &k, &v, 0) == 0 &&
	    v.size == VALUE_LEN && ((unsigned char *)v.data)[0] ==
	    (RECORDS & 0xff), "the last record is there");
	free(v.data);
	control_store_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	ok(chdir(cwd) == 0 && system(cmd) == 0, "the directory removed");
	return done_testing();
}
