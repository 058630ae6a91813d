/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* store.c: the vault store, one btree in a transactional Berkeley DB. */

/*
 * The store knows nothing about vaults: it maps string keys that mirror
 * a file layout (vaults/{id}/meta.json, ...) to byte strings, inside
 * transactions.  Everything it is given is already ciphertext or public
 * metadata; no plaintext secret ever passes through here, so nothing in
 * the cache, the log files or store.db is secret.
 *
 * Durability: commits are synchronous (Berkeley DB's default; we never
 * set either of its no-sync commit flags, which lose acknowledged commits
 * on kill -9), and the environment is opened with DB_RECOVER, so after a
 * crash every transaction is either wholly there or wholly gone.
 *
 * Only one process (vaultd) may have the environment open: DB_RECOVER
 * on open would corrupt a region another process is using.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <db.h>

#include "log.h"
#include "store.h"

/*
 * A revoke rewrites every credential of a vault in one transaction.
 * Berkeley DB locks pages, not records, and a transaction holds its
 * write locks until commit, so the lock table must hold one lock per page
 * touched: 10,000 credentials are 20,000 records of a few hundred bytes,
 * some 2,000 leaf pages plus splits.
 *
 * The lock table used to be allocated for 200,000 locks up front: 27 MiB
 * of shared region, touched at open and so paid in every idle vaultd's
 * resident memory.  Instead the region starts with what everyday
 * operations use and Berkeley DB grows it on demand, up to
 * STORE_REGION_MAX: the main region is mapped at that size, but its file
 * (and so the memory actually touched) only grows as locks are taken.
 * 48 MiB holds well over the 200,000 locks a 10,000-credential revoke
 * could need; t/unit/vault_store.c checks the configured numbers and a
 * revoke over thousands of credentials, the bench a 10,000 one.
 */
#define STORE_LK_INIT		2000	/* locks and locked objects */
#define STORE_LK_LOCKERS	64
#define STORE_TXN_INIT		32
#define STORE_LK_TABLESIZE	4096	/* hash buckets of the lock table */
#define STORE_REGION_MAX	(48 * 1024 * 1024)
#define STORE_CACHE_BYTES	(4 * 1024 * 1024)
#define STORE_CKP_KBYTES	1024	/* checkpoint after 1 MiB of log */

struct store {
	DB_ENV	*env;
	DB	*db;
	char	 dir[1024];
};

struct store_txn {
	struct store	*st;
	DB_TXN		*tid;
};

struct store_cursor {
	struct store_txn *txn;
	DBC		*dbc;
	char		*prefix;
	size_t		 prefixlen;
	char		*seek;		/* where the next call starts */
	char		*key;		/* last key returned, NUL terminated */
	DBT		 k, v;
};

static int	store_dir_prepare(const char *);
static int	store_env_configure(DB_ENV *);
static void	store_errcall(const DB_ENV *, const char *, const char *);
static int	store_key(DBT *, const char *);
static int	store_damaged(int);
static void	store_damage_report(const char *, int);
static int	store_walk(struct store *);
static int	store_db_open(struct store *);
static int	store_chksum_copy(struct store *);
static int	store_chksum_upgrade(struct store *);
static void	store_backup_stale(const char *);
static void	store_fail(struct store_txn *, const char *, const char *,
		    int);

static void
store_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	log_warnx("%s: %s", pfx != NULL ? pfx : "store", msg);
}

/* Whether a Berkeley DB error means a damaged file, not a passing fault. */
static int
store_damaged(int rv)
{
	return rv == DB_CHKSUM_FAIL || rv == DB_RUNRECOVERY ||
	    rv == DB_VERIFY_BAD || rv == DB_PAGE_NOTFOUND;
}

/*
 * What the user must read when store.db is damaged: which file, and the
 * way out.  Nothing in the store can be trusted after that, so the
 * caller fails closed rather than serve from it.
 */
static void
store_damage_report(const char *dir, int rv)
{
	log_warnx("the vault store %s/%s is damaged (%s): vaultd will not "
	    "use it.  Stop the service and restore the vault directory from "
	    "a copy made with \"aileron vault backup\" (recovery first, "
	    "db5.3_recover -c); see BACKUP AND RESTORE in aileron-vault(5)",
	    dir, STORE_DB_NAME, db_strerror(rv));
}

/*
 * A store operation failed.  A damaged page (a checksum that does not
 * match, which makes Berkeley DB panic the environment) ends vaultd with
 * the message above: every later call would fail the same way, and a
 * restart shows the message again at open.
 */
static void
store_fail(struct store_txn *txn, const char *what, const char *key, int rv)
{
	if (store_damaged(rv)) {
		store_damage_report(txn->st->dir, rv);
		fatalx("vault store damaged");
	}
	log_warnx("store: %s %s: %s", what, key, db_strerror(rv));
}

/*
 * Read every page once at open, so that a damaged page is found now, as
 * a clear error, and not by the first request that happens to need it.
 * With DB_CHKSUM each page's checksum is verified as it is read.  The
 * store is small (a few MiB for 10,000 credentials), so this is cheap.
 */
static int
store_walk(struct store *st)
{
	DB_TXN	*tid;
	DBC	*dbc;
	DBT	 k, v;
	int	 rv, crv;

	if ((rv = st->env->txn_begin(st->env, NULL, &tid, 0)) != 0)
		return rv;
	if ((rv = st->db->cursor(st->db, tid, &dbc, 0)) != 0) {
		tid->abort(tid);
		return rv;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	/* Whole values, so that overflow pages (long values) are read too. */
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	while ((rv = dbc->get(dbc, &k, &v, DB_NEXT)) == 0)
		;
	free(k.data);
	free(v.data);
	if (rv == DB_NOTFOUND)
		rv = 0;
	if ((crv = dbc->close(dbc)) != 0 && rv == 0)
		rv = crv;
	if ((crv = tid->abort(tid)) != 0 && rv == 0)
		rv = crv;
	return rv;
}

/*
 * DB_CHKSUM: every page carries a checksum, verified when it is read, so
 * a damaged page is an error, not a wild read (and a SIGBUS) inside
 * Berkeley DB.  The flag only takes effect when store.db is created.
 */
static int
store_db_open(struct store *st)
{
	int	 rv;

	if ((rv = db_create(&st->db, st->env, 0)) != 0)
		return rv;
	if ((rv = st->db->set_flags(st->db, DB_CHKSUM)) != 0 ||
	    (rv = st->db->open(st->db, NULL, STORE_DB_NAME, NULL, DB_BTREE,
	    DB_CREATE | DB_AUTO_COMMIT, 0600)) != 0) {
		st->db->close(st->db, 0);
		st->db = NULL;
	}
	return rv;
}

/* Copy every record of store.db into a new STORE_DB_NEW with checksums. */
static int
store_chksum_copy(struct store *st)
{
	DB_TXN	*tid;
	DB	*ndb = NULL;
	DBC	*dbc = NULL;
	DBT	 k, v;
	int	 rv;

	if ((rv = st->env->txn_begin(st->env, NULL, &tid, 0)) != 0)
		return rv;
	if ((rv = db_create(&ndb, st->env, 0)) != 0) {
		tid->abort(tid);
		return rv;
	}
	if ((rv = ndb->set_flags(ndb, DB_CHKSUM)) != 0 ||
	    (rv = ndb->open(ndb, tid, STORE_DB_NEW, NULL, DB_BTREE,
	    DB_CREATE | DB_EXCL, 0600)) != 0 ||
	    (rv = st->db->cursor(st->db, tid, &dbc, 0)) != 0)
		goto fail;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rv = dbc->get(dbc, &k, &v, DB_NEXT)) == 0)
		if ((rv = ndb->put(ndb, tid, &k, &v, 0)) != 0)
			goto fail;
	if (rv != DB_NOTFOUND)
		goto fail;
	dbc->close(dbc);
	if ((rv = tid->commit(tid, 0)) != 0) {
		ndb->close(ndb, 0);
		return rv;
	}
	return ndb->close(ndb, 0);
 fail:
	if (dbc != NULL)
		dbc->close(dbc);
	tid->abort(tid);	/* closes ndb, opened in it, and removes it */
	return rv;
}

/*
 * A store.db made before checksums were set (by aileron 0.1) is copied,
 * record by record, into a new file that has them; then, in a second
 * transaction, the old file is removed and the new one takes its name.
 * A crash in between leaves the old file authoritative and a stray copy,
 * which the next open removes before it starts again.
 */
static int
store_chksum_upgrade(struct store *st)
{
	DB_TXN		*tid;
	u_int32_t	 flags;
	int		 rv;

	if ((rv = st->db->get_flags(st->db, &flags)) != 0)
		return rv;
	if ((flags & DB_CHKSUM) != 0)
		return 0;
	log_info("%s/%s has no page checksums; copying it into one that "
	    "has", st->dir, STORE_DB_NAME);
	if ((rv = st->env->dbremove(st->env, NULL, STORE_DB_NEW, NULL,
	    DB_AUTO_COMMIT)) != 0 && rv != ENOENT)
		return rv;
	if ((rv = store_chksum_copy(st)) != 0)
		return rv;
	if ((rv = st->db->close(st->db, 0)) != 0)
		return rv;
	st->db = NULL;
	if ((rv = st->env->txn_begin(st->env, NULL, &tid, 0)) != 0)
		return rv;
	if ((rv = st->env->dbremove(st->env, tid, STORE_DB_NAME, NULL,
	    0)) != 0 ||
	    (rv = st->env->dbrename(st->env, tid, STORE_DB_NEW, NULL,
	    STORE_DB_NAME, 0)) != 0) {
		tid->abort(tid);
		return rv;
	}
	if ((rv = tid->commit(tid, 0)) != 0)
		return rv;
	if ((rv = store_db_open(st)) != 0)
		return rv;
	log_info("%s/%s now has page checksums", st->dir, STORE_DB_NAME);
	return 0;
}

/*
 * The environment directory holds only ciphertext, but its metadata
 * (who has which connector) is private: 0700, ours, nobody else's.
 */
static int
store_dir_prepare(const char *dir)
{
	struct stat	 sb;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("cannot create the vault directory %s", dir);
		return -1;
	}
	if (lstat(dir, &sb) == -1) {
		log_warn("cannot stat the vault directory %s", dir);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("the vault directory %s is not a directory", dir);
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		log_warnx("the vault directory %s belongs to uid %u, not to us;"
		    " fix its owner", dir, (unsigned)sb.st_uid);
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		log_warnx("the vault directory %s had mode %03o, now 0700",
		    dir, (unsigned)(sb.st_mode & 0777));
		if (chmod(dir, 0700) == -1) {
			log_warn("chmod %s", dir);
			return -1;
		}
	}
	return 0;
}

/*
 * The environment's settings before it opens: regions that start with
 * what everyday operations use and grow up to STORE_REGION_MAX (see
 * above), errors to our log, logs 0600 and removed once not needed.
 */
static int
store_env_configure(DB_ENV *env)
{
	int	 rv;

	env->set_errcall(env, store_errcall);
	env->set_errpfx(env, "vault store");
	if ((rv = env->set_memory_init(env, DB_MEM_LOCK,
	    STORE_LK_INIT)) != 0 ||
	    (rv = env->set_memory_init(env, DB_MEM_LOCKOBJECT,
	    STORE_LK_INIT)) != 0 ||
	    (rv = env->set_memory_init(env, DB_MEM_LOCKER,
	    STORE_LK_LOCKERS)) != 0 ||
	    (rv = env->set_memory_init(env, DB_MEM_TRANSACTION,
	    STORE_TXN_INIT)) != 0 ||
	    (rv = env->set_lk_tablesize(env, STORE_LK_TABLESIZE)) != 0 ||
	    (rv = env->set_memory_max(env, 0, STORE_REGION_MAX)) != 0 ||
	    (rv = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0 ||
	    (rv = env->set_cachesize(env, 0, STORE_CACHE_BYTES, 1)) != 0 ||
	    (rv = env->set_lg_filemode(env, 0600)) != 0 ||
	    (rv = env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1)) != 0)
		return rv;
	return 0;
}

struct store *
store_open(const char *dir)
{
	struct store	*st;
	mode_t		 omask;
	int		 rv;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	if (strlcpy(st->dir, dir, sizeof(st->dir)) >= sizeof(st->dir)) {
		log_warnx("%s: directory name too long", __func__);
		free(st);
		return NULL;
	}
	if (store_dir_prepare(dir) == -1) {
		free(st);
		return NULL;
	}

	/* Files Berkeley DB creates (regions, logs, store.db) are 0600. */
	omask = umask(077);
	if ((rv = db_env_create(&st->env, 0)) != 0) {
		log_warnx("%s: db_env_create: %s", __func__, db_strerror(rv));
		goto fail;
	}
	if ((rv = store_env_configure(st->env)) != 0) {
		log_warnx("%s: configuring the environment: %s", __func__,
		    db_strerror(rv));
		goto fail;
	}
	if ((rv = st->env->open(st->env, dir, DB_CREATE | DB_INIT_TXN |
	    DB_INIT_LOG | DB_INIT_LOCK | DB_INIT_MPOOL | DB_RECOVER,
	    0600)) != 0) {
		if (store_damaged(rv))
			store_damage_report(dir, rv);
		else
			log_warnx("cannot open the vault store in %s: %s", dir,
			    db_strerror(rv));
		goto fail;
	}
	if ((rv = store_db_open(st)) != 0 ||
	    (rv = store_chksum_upgrade(st)) != 0) {
		/* EINVAL: a metadata page that is not a btree's any more. */
		if (store_damaged(rv) || rv == EINVAL)
			store_damage_report(dir, rv);
		else
			log_warnx("cannot open %s/%s: %s", dir, STORE_DB_NAME,
			    db_strerror(rv));
		goto fail;
	}
	if ((rv = store_walk(st)) != 0) {
		if (store_damaged(rv))
			store_damage_report(dir, rv);
		else
			log_warnx("cannot read %s/%s: %s", dir, STORE_DB_NAME,
			    db_strerror(rv));
		goto fail;
	}
	umask(omask);
	store_backup_stale(dir);
	return st;
 fail:
	umask(omask);
	if (st->db != NULL)
		st->db->close(st->db, 0);
	if (st->env != NULL)
		st->env->close(st->env, 0);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	int	 rv;

	if (st == NULL)
		return;
	(void)store_checkpoint(st);
	if ((rv = st->db->close(st->db, 0)) != 0)
		log_warnx("%s: %s", __func__, db_strerror(rv));
	if ((rv = st->env->close(st->env, 0)) != 0)
		log_warnx("%s: %s", __func__, db_strerror(rv));
	free(st);
}

/*
 * A checkpoint flushes the cache to store.db; after it the log files
 * before it are no longer needed and DB_LOG_AUTO_REMOVE deletes them.
 */
int
store_checkpoint(struct store *st)
{
	int	 rv;

	if ((rv = st->env->txn_checkpoint(st->env, 0, 0, 0)) != 0) {
		log_warnx("%s: %s", __func__, db_strerror(rv));
		return -1;
	}
	return 0;
}

/*
 * A consistent copy of the live environment (store.db and the logs
 * needed to recover it) into a new directory, like db_hotbackup.  A copy
 * that fails half-way is removed: it may be as large as the store.
 */
int
store_backup(struct store *st, const char *dir)
{
	mode_t	 omask;
	int	 rv, dfd;

	omask = umask(077);
	rv = st->env->backup(st->env, dir, DB_CREATE | DB_EXCL);
	umask(omask);
	if (rv != 0) {
		log_warnx("backup of the vault store to %s failed: %s", dir,
		    rv > 0 ? strerror(rv) : db_strerror(rv));
		if ((dfd = open(st->dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			if (store_backup_remove(dfd, dir) == -1 &&
			    errno != ENOENT)
				log_warn("cannot remove %s", dir);
			close(dfd);
		}
		return -1;
	}
	return 0;
}

/*
 * Remove a backup directory (name, in the directory dfd): its entries,
 * then itself.  A backup is flat; nothing in it is followed (unlinkat
 * removes a symlink, not what it names), and a subdirectory, which no
 * backup has, makes the removal fail.
 */
int
store_backup_remove(int dfd, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, rv = 0;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1)
			rv = -1;
	}
	closedir(d);
	if (rv == 0)
		rv = unlinkat(dfd, name, AT_REMOVEDIR);
	return rv;
}

/*
 * A backup left in the environment directory by one that was never taken
 * away (the CLI died, or the service stopped, in between): nothing else
 * will remove it.  Only directories named as vaultd names them.
 */
static void
store_backup_stale(const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "backup-", 7) != 0 ||
		    strspn(de->d_name + 7, "0123456789abcdef-") !=
		    strlen(de->d_name + 7) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (store_backup_remove(dfd, de->d_name) == -1)
			log_warn("cannot remove the stale backup %s/%s", dir,
			    de->d_name);
		else
			log_info("removed %s/%s, a backup never taken away",
			    dir, de->d_name);
	}
	closedir(d);
}

struct store_txn *
store_begin(struct store *st)
{
	struct store_txn	*txn;
	int			 rv;

	if ((txn = calloc(1, sizeof(*txn))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	txn->st = st;
	/* Synchronous commit: no no-sync flag here, ever. */
	if ((rv = st->env->txn_begin(st->env, NULL, &txn->tid, 0)) != 0) {
		log_warnx("%s: %s", __func__, db_strerror(rv));
		free(txn);
		return NULL;
	}
	return txn;
}

/* Commits and frees the transaction, whether or not the commit worked. */
int
store_commit(struct store_txn *txn)
{
	struct store	*st = txn->st;
	int		 rv;

	rv = txn->tid->commit(txn->tid, 0);
	free(txn);
	if (rv != 0) {
		log_warnx("%s: %s", __func__, db_strerror(rv));
		return -1;
	}
	/* Cheap unless a megabyte of log has piled up since the last one. */
	if ((rv = st->env->txn_checkpoint(st->env, STORE_CKP_KBYTES, 0,
	    0)) != 0)
		log_warnx("%s: checkpoint: %s", __func__, db_strerror(rv));
	return 0;
}

void
store_abort(struct store_txn *txn)
{
	int	 rv;

	if (txn == NULL)
		return;
	if ((rv = txn->tid->abort(txn->tid)) != 0)
		log_warnx("%s: %s", __func__, db_strerror(rv));
	free(txn);
}

static int
store_key(DBT *k, const char *key)
{
	size_t	 n;

	memset(k, 0, sizeof(*k));
	n = strlen(key);
	if (n == 0 || n > STORE_KEY_MAX) {
		log_warnx("store: key of %zu bytes refused", n);
		return -1;
	}
	/* Keys are stored without their NUL, so db_dump -p shows them. */
	k->data = (void *)(uintptr_t)key;
	k->size = (u_int32_t)n;
	return 0;
}

/*
 * Returns 0 with a malloc()ed copy of the value (followed by one NUL, not
 * counted in *len, so JSON can be parsed in place), STORE_NOTFOUND, or -1.
 */
int
store_get(struct store_txn *txn, const char *key, unsigned char **val,
    size_t *len)
{
	DBT		 k, v;
	unsigned char	*p;
	int		 rv;

	*val = NULL;
	*len = 0;
	if (store_key(&k, key) == -1)
		return -1;
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_MALLOC;
	rv = txn->st->db->get(txn->st->db, txn->tid, &k, &v, 0);
	if (rv == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rv != 0) {
		store_fail(txn, "get", key, rv);
		return -1;
	}
	if ((p = realloc(v.data, (size_t)v.size + 1)) == NULL) {
		log_warn("%s", __func__);
		free(v.data);
		return -1;
	}
	p[v.size] = '\0';
	*val = p;
	*len = v.size;
	return 0;
}

int
store_put(struct store_txn *txn, const char *key, const void *val,
    size_t len)
{
	DBT	 k, v;
	int	 rv;

	if (store_key(&k, key) == -1)
		return -1;
	if (len > UINT32_MAX) {
		log_warnx("store: value for %s too large", key);
		return -1;
	}
	memset(&v, 0, sizeof(v));
	v.data = (void *)(uintptr_t)val;
	v.size = (u_int32_t)len;
	if ((rv = txn->st->db->put(txn->st->db, txn->tid, &k, &v, 0)) != 0) {
		store_fail(txn, "put", key, rv);
		return -1;
	}
	return 0;
}

int
store_del(struct store_txn *txn, const char *key)
{
	DBT	 k;
	int	 rv;

	if (store_key(&k, key) == -1)
		return -1;
	rv = txn->st->db->del(txn->st->db, txn->tid, &k, 0);
	if (rv == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rv != 0) {
		store_fail(txn, "del", key, rv);
		return -1;
	}
	return 0;
}

/*
 * Iterate over every key that starts with prefix, in byte order.  The
 * btree keeps keys sorted, so DB_SET_RANGE lands on the first such key and
 * DB_NEXT walks until the prefix no longer matches.  An empty prefix walks
 * the whole store (tests use it to compare dumps).
 */
struct store_cursor *
store_cursor_open(struct store_txn *txn, const char *prefix)
{
	struct store_cursor	*c;
	int			 rv;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->prefix = strdup(prefix)) == NULL ||
	    (c->seek = strdup(prefix)) == NULL) {
		log_warn("%s", __func__);
		if (c != NULL) {
			free(c->prefix);
			free(c);
		}
		return NULL;
	}
	c->txn = txn;
	c->prefixlen = strlen(prefix);
	c->k.flags = DB_DBT_REALLOC;
	c->v.flags = DB_DBT_REALLOC;
	if ((rv = txn->st->db->cursor(txn->st->db, txn->tid, &c->dbc,
	    0)) != 0) {
		log_warnx("%s: %s", __func__, db_strerror(rv));
		free(c->prefix);
		free(c->seek);
		free(c);
		return NULL;
	}
	return c;
}

/* The next call to store_cursor_next starts at the first key >= key. */
int
store_cursor_seek(struct store_cursor *c, const char *key)
{
	free(c->seek);
	if ((c->seek = strdup(key)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	return 0;
}

/*
 * Returns 0 with key, value and length valid until the next call,
 * STORE_NOTFOUND past the last key with the prefix, or -1.
 */
int
store_cursor_next(struct store_cursor *c, const char **key,
    const unsigned char **val, size_t *len)
{
	size_t	 n;
	char	*p;
	int	 rv;

	if (c->seek != NULL) {
		/* DB_SET_RANGE reads the key from the DBT and rewrites it. */
		n = strlen(c->seek);
		if ((p = realloc(c->k.data, n + 1)) == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		memcpy(p, c->seek, n + 1);
		c->k.data = p;
		c->k.size = (u_int32_t)n;
		c->k.ulen = (u_int32_t)n + 1;
		free(c->seek);
		c->seek = NULL;
		rv = c->dbc->get(c->dbc, &c->k, &c->v, n == 0 ? DB_FIRST :
		    DB_SET_RANGE);
	} else
		rv = c->dbc->get(c->dbc, &c->k, &c->v, DB_NEXT);
	if (rv == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rv != 0) {
		store_fail(c->txn, "cursor at", c->seek != NULL ? c->seek :
		    c->prefix, rv);
		return -1;
	}
	if (c->k.size < c->prefixlen ||
	    memcmp(c->k.data, c->prefix, c->prefixlen) != 0)
		return STORE_NOTFOUND;
	if ((p = realloc(c->key, (size_t)c->k.size + 1)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	memcpy(p, c->k.data, c->k.size);
	p[c->k.size] = '\0';
	c->key = p;
	*key = c->key;
	*val = c->v.data;
	*len = c->v.size;
	return 0;
}

void
store_cursor_close(struct store_cursor *c)
{
	if (c == NULL)
		return;
	c->dbc->close(c->dbc);
	free(c->k.data);
	free(c->v.data);
	free(c->key);
	free(c->prefix);
	free(c->seek);
	free(c);
}
