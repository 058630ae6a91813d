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
 * vault.c: "aileron vault": init (create a user and the personal vault),
 * passwd (change the master key) and backup (a hot copy of the store).
 * The running service's vaultd does the work; see vaultclient.c.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "msgtypes.h"
#include "state.h"
#include "cli/cli.h"
#include "cli/vaultclient.h"
#include "vaultd/crypto.h"
#include "vaultd/vault.h"

static int	vault_usage(void);
static int	vault_kdf_n(const char *, uint64_t *);
static int	vault_new_key(struct vclient *, int, uint64_t,
		    struct vault_kdf *, unsigned char *);
static int	vault_init_cmd(int, char *[]);
static int	vault_passwd_cmd(int, char *[]);
static int	vault_backup_cmd(int, char *[]);
static int	vault_copy_dir(const char *, const char *);

static int
vault_usage(void)
{
	fprintf(stderr,
	    "usage: aileron vault init [--user user] [--key-fd fd] "
	    "[--kdf-n N] [-s statedir]\n"
	    "       aileron vault passwd [--user user] [--key-fd fd] "
	    "[--new-key-fd fd] [--kdf-n N] [-s statedir]\n"
	    "       aileron vault backup dir [-s statedir]\n");
	return 2;
}

static int
vault_kdf_n(const char *arg, uint64_t *n)
{
	const char	*errstr;

	*n = strtonum(arg, 1, CRYPTO_KDF_N_MAX, &errstr);
	if (errstr != NULL || crypto_kdf_check(*n, CRYPTO_KDF_R_DEFAULT,
	    CRYPTO_KDF_P_DEFAULT) != NULL) {
		fprintf(stderr, "aileron vault: --kdf-n must be a power of "
		    "two from %d to %d\n", CRYPTO_KDF_N_MIN, CRYPTO_KDF_N_MAX);
		return -1;
	}
	return 0;
}

/*
 * A new master key (typed twice, or read once from keyfd) and the user
 * key it gives under fresh KDF parameters; N is the default unless n.
 * The master key is zeroed before we return.
 */
static int
vault_new_key(struct vclient *vc, int keyfd, uint64_t n,
    struct vault_kdf *kdf, unsigned char *ukey)
{
	char	 master[VCLIENT_MASTER_MAX];
	int	 rv = -1;

	if (vault_kdf_new(kdf) != VAULT_OK) {
		fprintf(stderr, "%s: no random numbers\n", vc->cmd);
		return -1;
	}
	if (n != 0)
		kdf->N = n;
	if (vclient_read_master(vc, keyfd, "New master key: ", 1, master,
	    sizeof(master)) == -1)
		return -1;
	if (crypto_user_key(master, strlen(master), kdf->salt, kdf->N, kdf->r,
	    kdf->p, ukey) == -1)
		fprintf(stderr, "%s: cannot derive the user key\n", vc->cmd);
	else
		rv = 0;
	explicit_bzero(master, sizeof(master));
	return rv;
}

int
cmd_vault(int argc, char *argv[])
{
	if (argc < 2)
		return vault_usage();
	if (strcmp(argv[1], "init") == 0)
		return vault_init_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "passwd") == 0)
		return vault_passwd_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "backup") == 0)
		return vault_backup_cmd(argc - 1, argv + 1);
	return vault_usage();
}

static int
vault_init_cmd(int argc, char *argv[])
{
	struct msg_vault_request	 req;
	struct vclient			 vc;
	struct vault_kdf		 kdf;
	const char			*sopt = NULL, *uopt = NULL;
	char				 user[VAULT_USER_MAX + 1], *text;
	unsigned char			 ukey[CRYPTO_KEY_LEN];
	uint64_t			 n = 0;
	int				 i, keyfd = -1, error, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			uopt = argv[++i];
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd("aileron vault init", argv[++i],
			    &keyfd) == -1)
				return 1;
		} else if (strcmp(argv[i], "--kdf-n") == 0 && i + 1 < argc) {
			if (vault_kdf_n(argv[++i], &n) == -1)
				return 1;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return vault_usage();
	}
	if (vclient_user(uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "aileron vault init: cannot tell who you are; "
		    "use --user\n");
		return 1;
	}
	if (vclient_connect(&vc, sopt, "aileron vault init") == -1)
		return 1;

	/* Refuse before asking for a key the user would type for nothing. */
	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_KDF;
	strlcpy(req.user, user, sizeof(req.user));
	if (vclient_call(&vc, &req, NULL, 0, &text, &error) == -1)
		goto done;
	free(text);
	if (error == VAULT_OK) {
		fprintf(stderr, "aileron vault init: user %s already has a "
		    "vault; change its master key with \"aileron vault "
		    "passwd\"\n", user);
		goto done;
	}

	if (vault_new_key(&vc, keyfd, n, &kdf, ukey) == -1)
		goto done;
	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_INIT;
	strlcpy(req.user, user, sizeof(req.user));
	memcpy(req.kdf_salt, kdf.salt, sizeof(req.kdf_salt));
	req.kdf_n = kdf.N;
	req.kdf_r = kdf.r;
	req.kdf_p = kdf.p;
	memcpy(req.key, ukey, sizeof(req.key));
	explicit_bzero(ukey, sizeof(ukey));
	if (vclient_simple(&vc, &req, NULL, 0, NULL) == -1)
		goto done;
	printf("vault created for user %s; a lost master key is a lost "
	    "vault: there is no recovery\n", user);
	rv = 0;
 done:
	explicit_bzero(ukey, sizeof(ukey));
	explicit_bzero(&req, sizeof(req));
	vclient_close(&vc);
	return rv;
}

static int
vault_passwd_cmd(int argc, char *argv[])
{
	struct msg_vault_request	 req;
	struct vclient			 vc;
	struct vault_kdf		 kdf;
	const char			*sopt = NULL, *uopt = NULL;
	char				 user[VAULT_USER_MAX + 1];
	unsigned char			 ukey[CRYPTO_KEY_LEN];
	unsigned char			 nkey[CRYPTO_KEY_LEN];
	uint64_t			 n = 0;
	int				 i, keyfd = -1, newfd = -1, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			uopt = argv[++i];
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd("aileron vault passwd", argv[++i],
			    &keyfd) == -1)
				return 1;
		} else if (strcmp(argv[i], "--new-key-fd") == 0 &&
		    i + 1 < argc) {
			if (vclient_fd("aileron vault passwd", argv[++i],
			    &newfd) == -1)
				return 1;
		} else if (strcmp(argv[i], "--kdf-n") == 0 && i + 1 < argc) {
			if (vault_kdf_n(argv[++i], &n) == -1)
				return 1;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return vault_usage();
	}
	/* One descriptor may carry both keys, one per line. */
	if (newfd == -1)
		newfd = keyfd;
	if (vclient_user(uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "aileron vault passwd: cannot tell who you "
		    "are; use --user\n");
		return 1;
	}
	if (vclient_connect(&vc, sopt, "aileron vault passwd") == -1)
		return 1;
	memset(&req, 0, sizeof(req));
	if (vclient_derive(&vc, user, keyfd, "Current master key: ",
	    ukey) == -1)
		goto done;
	if (vault_new_key(&vc, newfd, n, &kdf, nkey) == -1)
		goto done;
	req.op = MSG_VAULT_OP_PASSWD;
	strlcpy(req.user, user, sizeof(req.user));
	memcpy(req.kdf_salt, kdf.salt, sizeof(req.kdf_salt));
	req.kdf_n = kdf.N;
	req.kdf_r = kdf.r;
	req.kdf_p = kdf.p;
	memcpy(req.key, ukey, sizeof(req.key));
	memcpy(req.new_key, nkey, sizeof(req.new_key));
	explicit_bzero(ukey, sizeof(ukey));
	explicit_bzero(nkey, sizeof(nkey));
	if (vclient_simple(&vc, &req, NULL, 0, NULL) == -1)
		goto done;
	printf("master key changed for user %s\n", user);
	rv = 0;
 done:
	explicit_bzero(ukey, sizeof(ukey));
	explicit_bzero(nkey, sizeof(nkey));
	explicit_bzero(&req, sizeof(req));
	vclient_close(&vc);
	return rv;
}

/* Across file systems: copy the backup's flat directory, then remove it. */
static int
vault_copy_dir(const char *from, const char *to)
{
	struct dirent	*de;
	DIR		*d;
	char		 src[PATH_MAX], dst[PATH_MAX], buf[65536];
	ssize_t		 r;
	int		 in, out, rv = -1;

	if (mkdir(to, 0700) == -1 || (d = opendir(from)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(src, sizeof(src), "%s/%s", from,
		    de->d_name) >= (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "%s/%s", to,
		    de->d_name) >= (int)sizeof(dst))
			goto done;
		if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			goto done;
		if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) == -1) {
			close(in);
			goto done;
		}
		while ((r = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, r) != r) {
				r = -1;
				break;
			}
		close(in);
		if (r == -1 || fsync(out) == -1) {
			close(out);
			goto done;
		}
		close(out);
		unlink(src);
	}
	rv = rmdir(from);
 done:
	closedir(d);
	return rv;
}

/*
 * vaultd writes a hot backup into a new directory in the environment
 * directory (its root); we move it where the user asked and hand it to
 * the user who ran us.
 */
static int
vault_backup_cmd(int argc, char *argv[])
{
	struct msg_vault_request	 req;
	struct vclient			 vc;
	struct dirent			*de;
	json_t				*j = NULL;
	const char			*sopt = NULL, *dir = NULL, *name;
	char				 from[PATH_MAX], path[PATH_MAX], *text;
	DIR				*d;
	size_t				 i;
	int				 rv = 1;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else if (dir == NULL && argv[i][0] != '-')
			dir = argv[i];
		else
			return vault_usage();
	}
	if (dir == NULL)
		return vault_usage();
	if (access(dir, F_OK) == 0) {
		fprintf(stderr, "aileron vault backup: %s exists; name a new "
		    "directory\n", dir);
		return 1;
	}
	if (vclient_connect(&vc, sopt, "aileron vault backup") == -1)
		return 1;
	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_BACKUP;
	if (vclient_simple(&vc, &req, NULL, 0, &text) == -1)
		goto done;
	j = json_loads(text, 0, NULL);
	free(text);
	/* vaultd names a directory in its root: backup-TIME-HEX, no '/'. */
	if (j == NULL || (name = json_string_value(json_object_get(j,
	    "dir"))) == NULL || strncmp(name, "backup-", 7) != 0 ||
	    strspn(name + 7, "0123456789abcdef-") != strlen(name + 7)) {
		fprintf(stderr, "aileron vault backup: vaultd sent a malformed "
		    "answer\n");
		goto done;
	}
	if (snprintf(from, sizeof(from), "%s/%s/%s", vc.statedir,
	    STATE_VAULT_DIR, name) >= (int)sizeof(from))
		goto done;
	if (rename(from, dir) == -1 && (errno != EXDEV ||
	    vault_copy_dir(from, dir) == -1)) {
		fprintf(stderr, "aileron vault backup: cannot move %s to %s: "
		    "%s\n", from, dir, strerror(errno));
		goto done;
	}
	if (chown(dir, getuid(), getgid()) == -1 || chmod(dir, 0700) == -1 ||
	    (d = opendir(dir)) == NULL) {
		fprintf(stderr, "aileron vault backup: %s: %s\n", dir,
		    strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= (int)sizeof(path))
			continue;
		if (chown(path, getuid(), getgid()) == -1)
			fprintf(stderr, "aileron vault backup: %s: %s\n", path,
			    strerror(errno));
	}
	closedir(d);
	printf("vault store backed up to %s; aileron-vault(5) says how to "
	    "restore it\n", dir);
	rv = 0;
 done:
	json_decref(j);
	vclient_close(&vc);
	return rv;
}
