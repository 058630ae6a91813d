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
 * store.c: control's own transactional Berkeley DB environment, in
 * control's directory (<state>/control), holding one btree per
 * subsystem (the audit log, and what the management plane keeps).
 *
 * Only control opens it: DB_RECOVER at open would corrupt a region
 * another process is using.  Opening runs recovery, so after a crash
 * every transaction is either wholly there or wholly gone.  Every page
 * carries a checksum (DB_CHKSUM), so a damaged page is an error, not a
 * wild read.  Files are 0600 and the directory 0700: what control keeps
 * (who did what, when) is private.
 *
 * Callers choose how a transaction commits: synchronously (the default),
 * or without sync followed by one log flush for a group of them (see
 * audit.c).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <db.h>

#include "log.h"
#include "control/store.h"

/*
 * Small: control's records are a few hundred bytes and its transactions
 * touch a handful of pages.  The regions grow on demand up to the
 * maximum, as vaultd's do.  Berkeley DB's default lock table (65537
 * buckets in 10 partitions, written at open) was 7 MiB of control's
 * 12 MiB of PSS; one single-threaded process needs neither.  Appends
 * touch the last pages of each tree, so a cache of 1 MiB does what 2 did
 * (the same audited rate, side by side) in 1 MiB less of memory.
 */
#define CSTORE_LK_INIT		1000	/* locks and locked objects */
#define CSTORE_LK_LOCKERS	64
#define CSTORE_LK_TABLE		1031	/* lock hash buckets, not 65537 */
#define CSTORE_TXN_INIT		32
#define CSTORE_REGION_MAX	(16 * 1024 * 1024)
#define CSTORE_CACHE_BYTES	(1024 * 1024)	/* the log's tail, the rollups */
/*
 * A checkpoint writes the cache's dirty pages and syncs each database:
 * 2-4 ms here, during which control answers no one.  After every MiB of
 * log that was one and a half times a second under load, and the requests
 * it held up were a quarter of the p99 latency; after 8 MiB, recovery
 * still replays at most that, in well under a second.
 */
#define CSTORE_CKP_KBYTES	8192
/*
 * DB_LOG_ZERO fills each new log file with zeros, and the first sync in it
 * writes them all: with Berkeley DB's 10 MiB files that held control up
 * for 20-30 ms every second or two under load.  1 MiB files make it a
 * pause of 2-3 ms, several times a second.
 */
#define CSTORE_LOG_FILE		(1024 * 1024)

static struct {
	DB_ENV	*env;
	char	**trim;		/* log files to remove, from log_archive */
	size_t	  ntrimmed;
	struct {
		char	 name[CSTORE_NAME_MAX];
		DB	*db;
	}	 dbs[CSTORE_DB_MAX];
	size_t	 ndbs;
} cstore;

static int	cstore_dir_prepare(const char *);
static int	cstore_env_configure(DB_ENV *);
static void	cstore_trim_list(void);
static void	cstore_errcall(const DB_ENV *, const char *, const char *);

static void
cstore_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	log_warnx("%s: %s", pfx != NULL ? pfx : "control store", msg);
}

/* The directory is ours and nobody else's: 0700. */
static int
cstore_dir_prepare(const char *dir)
{
	struct stat	 sb;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("cannot create %s", dir);
		return -1;
	}
	if (stat(dir, &sb) == -1) {
		log_warn("cannot stat %s", dir);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("%s is not a directory", dir);
		return -1;
	}
	if ((sb.st_mode & 077) != 0 && chmod(dir, 0700) == -1) {
		log_warn("chmod %s", dir);
		return -1;
	}
	return 0;
}

/*
 * Errors to our log, files 0600 (control_store_trim removes the logs
 * recovery no longer needs).  DB_LOG_ZERO: a log file is written full of
 * zeros when it is created, so that a commit's fdatasync(2) writes the
 * log's pages and not the file's growing size too (a journal commit): on
 * the bench's VM, a third of control's system time per audited request.
 */
static int
cstore_env_configure(DB_ENV *env)
{
	int	 rv;

	env->set_errcall(env, cstore_errcall);
	env->set_errpfx(env, "control store");
	if ((rv = env->set_memory_init(env, DB_MEM_LOCK,
	    CSTORE_LK_INIT)) != 0 ||
	    (rv = env->set_memory_init(env, DB_MEM_LOCKOBJECT,
	    CSTORE_LK_INIT)) != 0 ||
	    (rv = env->set_memory_init(env, DB_MEM_LOCKER,
	    CSTORE_LK_LOCKERS)) != 0 ||
	    (rv = env->set_memory_init(env, DB_MEM_TRANSACTION,
	    CSTORE_TXN_INIT)) != 0 ||
	    (rv = env->set_memory_max(env, 0, CSTORE_REGION_MAX)) != 0 ||
	    (rv = env->set_lk_tablesize(env, CSTORE_LK_TABLE)) != 0 ||
	    (rv = env->set_lk_partitions(env, 1)) != 0 ||
	    (rv = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0 ||
	    (rv = env->set_cachesize(env, 0, CSTORE_CACHE_BYTES, 1)) != 0 ||
	    (rv = env->set_lg_filemode(env, 0600)) != 0 ||
	    (rv = env->set_lg_max(env, CSTORE_LOG_FILE)) != 0 ||
	    (rv = env->log_set_config(env, DB_LOG_ZERO, 1)) != 0)
		return rv;
	return 0;
}

/*
 * Open the environment in dir, running recovery.  Control calls it once
 * it is sandboxed, with dir ".": its root or working directory is
 * <state>/control for as long as it lives, Berkeley DB opens new log
 * files by name relative to it, and the sandbox would close the
 * descriptors of an environment opened before it.  -1 on error, logged.
 */
int
control_store_open(const char *dir)
{
	mode_t	 omask;
	int	 rv;

	if (cstore.env != NULL) {
		log_warnx("%s: already open", __func__);
		return -1;
	}
	if (cstore_dir_prepare(dir) == -1)
		return -1;
	omask = umask(077);
	if ((rv = db_env_create(&cstore.env, 0)) != 0) {
		log_warnx("%s: db_env_create: %s", __func__, db_strerror(rv));
		cstore.env = NULL;
		goto fail;
	}
	if ((rv = cstore_env_configure(cstore.env)) != 0) {
		log_warnx("%s: configuring the environment: %s", __func__,
		    db_strerror(rv));
		goto fail;
	}
	if ((rv = cstore.env->open(cstore.env, dir, DB_CREATE |
	    DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	    DB_RECOVER, 0600)) != 0) {
		log_warnx("cannot open control's store in %s: %s", dir,
		    db_strerror(rv));
		goto fail;
	}
	umask(omask);
	/* Those the last run's final checkpoint freed: trimmed as we go. */
	cstore_trim_list();
	return 0;
 fail:
	umask(omask);
	if (cstore.env != NULL)
		cstore.env->close(cstore.env, 0);
	cstore.env = NULL;
	return -1;
}

DB_ENV *
control_store_env(void)
{
	return cstore.env;
}

/*
 * A btree named name in the environment, created on first use with page
 * checksums; the same handle for the same name.  Call it at start, once
 * the environment is open: NULL on error, logged.
 */
DB *
control_store_db(const char *name)
{
	DB	*db;
	size_t	 i;
	mode_t	 omask;
	int	 rv;

	if (cstore.env == NULL) {
		log_warnx("%s: %s: the store is not open", __func__, name);
		return NULL;
	}
	for (i = 0; i < cstore.ndbs; i++)
		if (strcmp(cstore.dbs[i].name, name) == 0)
			return cstore.dbs[i].db;
	if (cstore.ndbs == CSTORE_DB_MAX ||
	    strlen(name) >= sizeof(cstore.dbs[0].name)) {
		log_warnx("%s: %s: no room for another database", __func__,
		    name);
		return NULL;
	}
	if ((rv = db_create(&db, cstore.env, 0)) != 0) {
		log_warnx("%s: %s: %s", __func__, name, db_strerror(rv));
		return NULL;
	}
	omask = umask(077);
	if ((rv = db->set_flags(db, DB_CHKSUM)) != 0 ||
	    (rv = db->open(db, NULL, name, NULL, DB_BTREE, DB_CREATE |
	    DB_AUTO_COMMIT, 0600)) != 0) {
		umask(omask);
		log_warnx("cannot open %s in control's store: %s", name,
		    db_strerror(rv));
		db->close(db, 0);
		return NULL;
	}
	umask(omask);
	strlcpy(cstore.dbs[cstore.ndbs].name, name,
	    sizeof(cstore.dbs[0].name));
	cstore.dbs[cstore.ndbs++].db = db;
	return db;
}

/*
 * Flush the cache to the databases once enough log was written since
 * the last checkpoint, and list the log files recovery no longer needs
 * for control_store_trim.  Cheap when there is nothing to do.
 */
int
control_store_checkpoint(void)
{
	int	 rv;

	if (cstore.env == NULL)
		return -1;
	if ((rv = cstore.env->txn_checkpoint(cstore.env, CSTORE_CKP_KBYTES,
	    0, 0)) != 0) {
		log_warnx("%s: %s", __func__, db_strerror(rv));
		return -1;
	}
	cstore_trim_list();
	return 0;
}

/* The log files recovery no longer needs, for control_store_trim. */
static void
cstore_trim_list(void)
{
	char	**list;
	int	  rv;

	if (cstore.trim != NULL)
		return;
	if ((rv = cstore.env->log_archive(cstore.env, &list, 0)) != 0)
		log_warnx("control store: log_archive: %s", db_strerror(rv));
	else {
		cstore.trim = list;
		cstore.ntrimmed = 0;
	}
}

/*
 * Remove one log file recovery no longer needs, if there is one.  A
 * checkpoint frees eight or more at once; DB_LOG_AUTO_REMOVE unlinked
 * them all inside it, and freeing their blocks held control up for 4-8
 * ms, every request waiting.  One a turn costs a turn a fraction of a
 * millisecond.  Names are relative to the environment's home, which is
 * control's working directory.
 */
void
control_store_trim(void)
{
	const char	*name;

	if (cstore.trim == NULL)
		return;
	if ((name = cstore.trim[cstore.ntrimmed]) != NULL) {
		if (unlink(name) == -1 && errno != ENOENT)
			log_warn("%s: %s", __func__, name);
		cstore.ntrimmed++;
	}
	if (cstore.trim[cstore.ntrimmed] == NULL) {
		free(cstore.trim);
		cstore.trim = NULL;
	}
}

void
control_store_close(void)
{
	size_t	 i;
	int	 rv;

	if (cstore.env == NULL)
		return;
	for (i = 0; i < cstore.ndbs; i++)
		if ((rv = cstore.dbs[i].db->close(cstore.dbs[i].db, 0)) != 0)
			log_warnx("%s: %s: %s", __func__, cstore.dbs[i].name,
			    db_strerror(rv));
	cstore.ndbs = 0;
	(void)cstore.env->txn_checkpoint(cstore.env, 0, 0, 0);
	/* Stopping: every log file that checkpoint freed goes now. */
	free(cstore.trim);
	cstore.trim = NULL;
	cstore_trim_list();
	while (cstore.trim != NULL)
		control_store_trim();
	if ((rv = cstore.env->close(cstore.env, 0)) != 0)
		log_warnx("%s: %s", __func__, db_strerror(rv));
	cstore.env = NULL;
}
