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
 * vault_backup.c: "aileron vault backup" takes vaultd's backup directory
 * out of a directory vaultd's user can write.  Here the test plays a
 * compromised vaultd: it plants a symlink as the backup, or symlinks and
 * hard links in it, before the CLI's code (vault_backup_take) runs, and
 * checks that no file outside changes owner or mode.  As root (make
 * check) the planted files belong to other uids, as they would.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "cli/cli.h"

#define VAULTD_UID	54321	/* stands for vaultd's user, as root */
#define OTHER_UID	54322	/* someone whose files root must not touch */

static char	top[PATH_MAX], vdir[PATH_MAX], victim[PATH_MAX];
static char	vfile[PATH_MAX];
static int	root;

static void	pathf(char *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

/* A path into a PATH_MAX buffer; a test path never comes near it. */
static void
pathf(char *buf, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "path too long\n");
		exit(1);
	}
}

static void
mkfile(const char *path, mode_t mode, uid_t uid)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, "x", 1) != 1 || fchmod(fd, mode) == -1 ||
	    (root && fchown(fd, uid, uid) == -1)) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static void
mkdirown(const char *path, mode_t mode, uid_t uid)
{
	if (mkdir(path, mode) == -1 || chmod(path, mode) == -1 ||
	    (root && chown(path, uid, uid) == -1)) {
		perror(path);
		exit(1);
	}
}

/* The victims keep their owner and mode whatever the CLI did. */
static int
untouched(const char *path, mode_t mode)
{
	struct stat	 st;

	if (lstat(path, &st) == -1)
		return 0;
	if ((st.st_mode & 07777) != mode)
		return 0;
	return !root || st.st_uid == OTHER_UID;
}

static int
rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh vault directory and backup directory for each case. */
static void
backup_dir(const char *name)
{
	char	 p[PATH_MAX];

	pathf(p, "%s/%s", vdir, name);
	mkdirown(p, 0700, VAULTD_UID);
}

static void
backup_file(const char *name, const char *file)
{
	char	 p[PATH_MAX];

	pathf(p, "%s/%s/%s", vdir, name, file);
	mkfile(p, 0600, VAULTD_UID);
}

static int
owned(const char *dir, const char *file, mode_t mode)
{
	struct stat	 st;
	char		 p[PATH_MAX];

	pathf(p, "%s/%s", dir, file);
	return lstat(p, &st) == 0 && st.st_uid == getuid() &&
	    (st.st_mode & 07777) == mode;
}

/* The cases, into dest (a path that does not exist yet). */
static void
cases(const char *dest, const char *where)
{
	char	 d[PATH_MAX], p[PATH_MAX];

	/* 1. The backup is a symlink to someone else's directory. */
	pathf(d, "%s-1", dest);
	pathf(p, "%s/backup-1-aa", vdir);
	if (symlink(victim, p) == -1)
		perror("symlink");
	is(vault_backup_take("test", vdir, "backup-1-aa", d), -1,
	    "%s: a symlink as the backup is refused", where);
	ok(untouched(victim, 0755),
	    "%s: the directory it points to keeps its owner and mode", where);
	unlink(p);
	unlink(d);

	/* 2. Symlink and hard link planted in the backup. */
	pathf(d, "%s-2", dest);
	backup_dir("backup-2-bb");
	backup_file("backup-2-bb", "store.db");
	pathf(p, "%s/backup-2-bb/log.0000000001", vdir);
	if (symlink(vfile, p) == -1)
		perror("symlink");
	pathf(p, "%s/backup-2-bb/log.0000000002", vdir);
	if (link(vfile, p) == -1)
		perror("link");
	is(vault_backup_take("test", vdir, "backup-2-bb", d), -1,
	    "%s: a backup holding a symlink and a hard link is refused",
	    where);
	ok(untouched(vfile, 0640),
	    "%s: the file they point to keeps its owner and mode", where);
	ok(owned(d, ".", 0700), "%s: what is left of it is the user's, 0700",
	    where);
	pathf(p, "%s/log.0000000001", d);
	ok(access(d, F_OK) == -1 || faccessat(AT_FDCWD, p, F_OK,
	    AT_SYMLINK_NOFOLLOW) == -1, "%s: the planted symlink is gone",
	    where);
	nftw(d, rm, 8, FTW_DEPTH | FTW_PHYS);

	/* 3. An honest backup: moved, and now the user's alone. */
	pathf(d, "%s-3", dest);
	backup_dir("backup-3-cc");
	backup_file("backup-3-cc", "store.db");
	backup_file("backup-3-cc", "log.0000000001");
	is(vault_backup_take("test", vdir, "backup-3-cc", d), 0,
	    "%s: an honest backup is taken", where);
	ok(owned(d, ".", 0700) && owned(d, "store.db", 0600) &&
	    owned(d, "log.0000000001", 0600),
	    "%s: it and its files belong to the user, 0700 and 0600", where);
	pathf(p, "%s/backup-3-cc", vdir);
	ok(access(p, F_OK) == -1, "%s: and it left the vault directory",
	    where);
	nftw(d, rm, 8, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	struct stat	 a, b;
	char		 dest[PATH_MAX], shm[PATH_MAX];

	root = geteuid() == 0;
	if (getenv("TMPDIR") != NULL)
		pathf(top, "%s/vault_backup.XXXXXX",
		    getenv("TMPDIR"));
	else
		strlcpy(top, "/tmp/vault_backup.XXXXXX", sizeof(top));
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	chmod(top, 0755);
	pathf(vdir, "%s/vault", top);
	pathf(victim, "%s/victim", top);
	pathf(vfile, "%s/victim/secret", top);
	mkdirown(vdir, 0700, VAULTD_UID);
	mkdirown(victim, 0755, OTHER_UID);
	mkfile(vfile, 0640, OTHER_UID);
	if (!root)
		diag("not root: owners are not checked, modes are");

	pathf(dest, "%s/out", top);
	cases(dest, "same file system");

	/* Across file systems the backup is copied, not renamed. */
	if (stat("/dev/shm", &a) == 0 && stat(top, &b) == 0 &&
	    a.st_dev != b.st_dev) {
		strlcpy(shm, "/dev/shm/vault_backup.XXXXXX", sizeof(shm));
		if (mkdtemp(shm) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		pathf(dest, "%s/out", shm);
		cases(dest, "across file systems");
		nftw(shm, rm, 8, FTW_DEPTH | FTW_PHYS);
	} else
		skip(10, "/dev/shm is not another file system");

	nftw(top, rm, 8, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
