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
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "msgtypes.h"
#include "state.h"
#include "cli/cli.h"
#include "cli/vaultclient.h"
#include "cli/vaultteam.h"
#include "vault/crypto.h"
#include "vault/store.h"
#include "vault/vault.h"

static int	vault_kdf_n(const char *, uint64_t *);
static int	vault_new_key(struct vclient *, int, uint64_t,
		    struct msg_vault_request *, unsigned char *);
static int	vault_init_cmd(int, char *[]);
static int	vault_passwd_cmd(int, char *[]);
static int	vault_backup_cmd(int, char *[]);
static size_t	vault_key_chars(const char *);
static const char *vault_key_weak(const char *);
static int	vault_copy_dir(int, const char *, const char *);
static int	vault_backup_own(const char *, int, const char *);

static int
vault_kdf_n(const char *arg, uint64_t *n)
{
	const char	*errstr;

	*n = strtonum(arg, 1, CRYPTO_KDF_N_MAX, &errstr);
	if (errstr != NULL || crypto_kdf_check(*n, CRYPTO_KDF_R_DEFAULT,
	    CRYPTO_KDF_P_DEFAULT) != NULL) {
		fprintf(stderr, "aileron vault: --kdf-n %s: it must be a "
		    "power of two from %d to %d\n", arg, CRYPTO_KDF_N_MIN,
		    CRYPTO_KDF_N_MAX);
		return -1;
	}
	return 0;
}

#define VAULT_KEY_MIN		12	/* characters in a master key */
#define VAULT_KEY_STRONG	60	/* bits, estimated, to be quiet */

/*
 * Master keys people pick first, at VAULT_KEY_MIN characters or more
 * (shorter ones are refused anyway); compared without case.
 */
static const char *vault_common_keys[] = {
	"123456789012", "1234567890123", "12345678901234", "123123123123",
	"111111111111", "000000000000", "password1234", "password12345",
	"password123456", "passwordpassword", "password1234567",
	"qwertyuiopasdfghjkl", "qwertyuiop123", "qwerty123456",
	"1q2w3e4r5t6y", "1qaz2wsx3edc", "qazwsxedcrfv", "iloveyou1234",
	"abcdefghijkl", "abc123456789", "letmein12345", "welcome12345",
	"changeme1234", "administrator", "correcthorsebatterystaple",
	"trustno1trustno1", "masterkey123", "mastermaster",
	"passw0rd1234", "p@ssw0rd1234", "aileronaileron",
};

/* Characters, not bytes: a UTF-8 sequence counts once. */
static size_t
vault_key_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if ((*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Why a master key (long enough) is weak, or NULL: a common one, one
 * character over and over, or too few bits as its length times the
 * bits of the character classes it draws on.  A rough estimate, on the
 * cautious side of what an attacker with a word list does.
 */
static const char *
vault_key_weak(const char *key)
{
	const unsigned char	*s;
	size_t			 i, n, distinct = 0;
	int			 lower = 0, upper = 0, digit = 0, other = 0;
	int			 high = 0, pool = 0, bits = 0;
	unsigned char		 seen[256];

	n = vault_key_chars(key);
	for (i = 0; i < sizeof(vault_common_keys) /
	    sizeof(vault_common_keys[0]); i++)
		if (strcasecmp(key, vault_common_keys[i]) == 0)
			return "it is one of the most common passwords";
	memset(seen, 0, sizeof(seen));
	for (s = (const unsigned char *)key; *s != '\0'; s++) {
		if (!seen[*s]) {
			seen[*s] = 1;
			distinct++;
		}
		if (*s >= 'a' && *s <= 'z')
			lower = 1;
		else if (*s >= 'A' && *s <= 'Z')
			upper = 1;
		else if (*s >= '0' && *s <= '9')
			digit = 1;
		else if (*s >= 0x80)
			high = 1;
		else
			other = 1;
	}
	explicit_bzero(seen, sizeof(seen));
	if (distinct <= 3)
		return "it repeats a few characters";
	pool = lower * 26 + upper * 26 + digit * 10 + other * 33 + high * 100;
	/* log2(pool), by halves: enough for a warning. */
	while ((1 << (bits + 1)) <= pool)
		bits++;
	if ((size_t)bits * n < VAULT_KEY_STRONG)
		return "it is short for the characters it uses; a few "
		    "unrelated words make a stronger one";
	return NULL;
}

/*
 * A new master key (typed twice, or read once from keyfd) and the user
 * key it gives under fresh KDF parameters (N is the default unless n),
 * which go into req; ukey is req's key or new_key.  The master key lives
 * in the secure heap, zeroed before we return; so does req.
 */
static int
vault_new_key(struct vclient *vc, int keyfd, uint64_t n,
    struct msg_vault_request *req, unsigned char *ukey)
{
	struct vault_kdf	 kdf;
	const char		*weak;
	char			*master;
	int			 rv = -1;

	if (vault_kdf_new(&kdf) != VAULT_OK) {
		fprintf(stderr, "%s: no random numbers\n", vc->cmd);
		return -1;
	}
	if (n != 0)
		kdf.N = n;
	if (vclient_kdf_ready(vc, kdf.N, kdf.r, kdf.p, 1) == -1)
		return -1;
	if ((master = vclient_secure(vc, VCLIENT_MASTER_MAX)) == NULL)
		return -1;
	if (vclient_read_master(vc, keyfd, "New master key: ", 1, master,
	    VCLIENT_MASTER_MAX) == -1)
		goto done;
	if (vault_key_chars(master) < VAULT_KEY_MIN) {
		fprintf(stderr, "%s: a master key has at least %d characters; "
		    "a lost or guessed one is a lost vault\n", vc->cmd,
		    VAULT_KEY_MIN);
		goto done;
	}
	if ((weak = vault_key_weak(master)) != NULL)
		fprintf(stderr, "%s: warning: this master key is weak: %s\n",
		    vc->cmd, weak);
	vclient_kdf_note(kdf.N, kdf.r, kdf.p);
	if (crypto_user_key(master, strlen(master), kdf.salt, kdf.N, kdf.r,
	    kdf.p, ukey) == -1) {
		fprintf(stderr, "%s: cannot derive the user key\n", vc->cmd);
		goto done;
	}
	memcpy(req->kdf_salt, kdf.salt, sizeof(req->kdf_salt));
	req->kdf_n = kdf.N;
	req->kdf_r = kdf.r;
	req->kdf_p = kdf.p;
	rv = 0;
 done:
	vclient_secure_free(master, VCLIENT_MASTER_MAX);
	return rv;
}

int
cmd_vault(int argc, char *argv[])
{
	int	 rv;

	if (argc < 2)
		return cli_usage_error("vault", NULL, "name a subcommand");
	if (strcmp(argv[1], "init") == 0)
		return vault_init_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "passwd") == 0)
		return vault_passwd_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "backup") == 0)
		return vault_backup_cmd(argc - 1, argv + 1);
	if ((rv = vteam_cmd(argc - 1, argv + 1)) != -1)
		return rv;
	return cli_usage_error("vault", NULL, "unknown subcommand \"%s\"",
	    argv[1]);
}

static int
vault_init_cmd(int argc, char *argv[])
{
	struct msg_vault_request	*req = NULL;
	struct vclient			 vc;
	const char			*sopt = NULL, *uopt = NULL;
	char				 user[VAULT_USER_MAX + 1], *text;
	uint64_t			 n = 0;
	int				 i, keyfd = -1, error, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			uopt = argv[++i];
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd("aileron vault init", argv[++i],
			    &keyfd) == -1)
				return CLI_EXIT_USAGE;
		} else if (strcmp(argv[i], "--kdf-n") == 0 && i + 1 < argc) {
			if (vault_kdf_n(argv[++i], &n) == -1)
				return CLI_EXIT_USAGE;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("vault", "init", argv[i]);
	}
	if (vclient_user(uopt, user, sizeof(user)) == -1) {
		fprintf(stderr, "aileron vault init: cannot tell who you are; "
		    "use --user\n");
		return 1;
	}
	if (vclient_connect(&vc, sopt, "aileron vault init") == -1)
		return 1;
	/* It will carry the user key: in the secure heap. */
	if ((req = vclient_secure(&vc, sizeof(*req))) == NULL)
		goto done;

	/* Refuse before asking for a key the user would type for nothing. */
	req->op = MSG_VAULT_OP_KDF;
	strlcpy(req->user, user, sizeof(req->user));
	if (vclient_call(&vc, req, NULL, 0, &text, &error) == -1)
		goto done;
	free(text);
	if (error == VAULT_OK) {
		fprintf(stderr, "aileron vault init: user %s already has a "
		    "vault; change its master key with \"aileron vault "
		    "passwd\"\n", user);
		goto done;
	}

	memset(req, 0, sizeof(*req));
	if (vault_new_key(&vc, keyfd, n, req, req->key) == -1)
		goto done;
	req->op = MSG_VAULT_OP_INIT;
	strlcpy(req->user, user, sizeof(req->user));
	if (vclient_simple(&vc, req, NULL, 0, NULL) == -1)
		goto done;
	printf("vault created for user %s; a lost master key is a lost "
	    "vault: there is no recovery\n", user);
	rv = 0;
 done:
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}

static int
vault_passwd_cmd(int argc, char *argv[])
{
	struct msg_vault_request	*req = NULL;
	struct vclient			 vc;
	const char			*sopt = NULL, *uopt = NULL;
	char				 user[VAULT_USER_MAX + 1];
	uint64_t			 n = 0;
	int				 i, keyfd = -1, newfd = -1, rv = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			uopt = argv[++i];
		else if (strcmp(argv[i], "--key-fd") == 0 && i + 1 < argc) {
			if (vclient_fd("aileron vault passwd", argv[++i],
			    &keyfd) == -1)
				return CLI_EXIT_USAGE;
		} else if (strcmp(argv[i], "--new-key-fd") == 0 &&
		    i + 1 < argc) {
			if (vclient_fd("aileron vault passwd", argv[++i],
			    &newfd) == -1)
				return CLI_EXIT_USAGE;
		} else if (strcmp(argv[i], "--kdf-n") == 0 && i + 1 < argc) {
			if (vault_kdf_n(argv[++i], &n) == -1)
				return CLI_EXIT_USAGE;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sopt = argv[++i];
		else
			return cli_bad_arg("vault", "passwd", argv[i]);
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
	/* Both user keys go straight into a request in the secure heap. */
	if ((req = vclient_secure(&vc, sizeof(*req))) == NULL)
		goto done;
	if (vclient_derive(&vc, user, keyfd, "Current master key: ",
	    req->key) == -1)
		goto done;
	if (vault_new_key(&vc, newfd, n, req, req->new_key) == -1)
		goto done;
	req->op = MSG_VAULT_OP_PASSWD;
	strlcpy(req->user, user, sizeof(req->user));
	if (vclient_simple(&vc, req, NULL, 0, NULL) == -1)
		goto done;
	printf("master key changed for user %s\n", user);
	rv = 0;
 done:
	vclient_secure_free(req, sizeof(*req));
	vclient_close(&vc);
	return rv;
}

/*
 * Across file systems: copy the backup's flat directory (vfd/name) into a
 * new directory to, then remove it.  Only plain files are copied and
 * nothing is followed; the copies are ours from the start.
 */
static int
vault_copy_dir(int vfd, const char *name, const char *to)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d = NULL;
	char		 buf[65536];
	ssize_t		 r;
	int		 sfd, tfd = -1, in, out, rv = -1;

	if ((sfd = openat(vfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (mkdir(to, 0700) == -1 || (tfd = open(to, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || (d = fdopendir(sfd)) == NULL) {
		close(sfd);
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((in = openat(sfd, de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1)
			goto done;
		if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_nlink != 1) {
			errno = EPERM;
			close(in);
			goto done;
		}
		if ((out = openat(tfd, de->d_name, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
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
		unlinkat(sfd, de->d_name, 0);
	}
	rv = unlinkat(vfd, name, AT_REMOVEDIR);
 done:
	explicit_bzero(buf, sizeof(buf));
	if (d != NULL)
		closedir(d);
	if (tfd != -1)
		close(tfd);
	return rv;
}

/*
 * Hand the backup in dir (the directory fd) to the user who ran us: the
 * directory first, so that vaultd's user can no longer add or swap an
 * entry, then each entry, which must be a plain file with one link (a
 * planted symlink or hard link would have us change a file elsewhere).
 * An entry that is not is removed, and the backup refused.
 */
static int
vault_backup_own(const char *cmd, int dfd, const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 fd, rv = 0;

	if (fchmod(dfd, 0700) == -1 || fchown(dfd, getuid(), getgid()) == -1) {
		fprintf(stderr, "%s: %s: %s\n", cmd, dir, strerror(errno));
		return -1;
	}
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", cmd, dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_nlink != 1) {
			fprintf(stderr, "%s: %s/%s is not a plain file: "
			    "removed; do not trust this backup, vaultd may be "
			    "compromised\n", cmd, dir, de->d_name);
			if (fd != -1)
				close(fd);
			if (unlinkat(dfd, de->d_name, 0) == -1 &&
			    errno == EISDIR)
				unlinkat(dfd, de->d_name, AT_REMOVEDIR);
			rv = -1;
			continue;
		}
		if (fchown(fd, getuid(), getgid()) == -1 ||
		    fchmod(fd, 0600) == -1) {
			fprintf(stderr, "%s: %s/%s: %s\n", cmd, dir,
			    de->d_name, strerror(errno));
			rv = -1;
		}
		close(fd);
	}
	closedir(d);
	return rv;
}

/*
 * Move vaultd's backup (name, in the environment directory vaultdir)
 * to dir and give it to the user who ran us.  vaultd's user can write
 * vaultdir and everything in the backup, so when we run as root nothing
 * there may be followed by path: a symlink swapped in for the backup or
 * planted in it would turn our chown and chmod on any file of the
 * system.  So the backup is renamed by its directory's descriptor, opened
 * once it is out of vaultd's reach with O_NOFOLLOW, refused unless it is
 * a plain directory, and changed only through descriptors.
 */
int
vault_backup_take(const char *cmd, const char *vaultdir, const char *name,
    const char *dir)
{
	struct stat	 vst, st;
	int		 vfd, dfd = -1, rv = -1;

	if ((vfd = open(vaultdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(vfd, &vst) == -1) {
		fprintf(stderr, "%s: %s: %s\n", cmd, vaultdir,
		    strerror(errno));
		goto done;
	}
	if (renameat(vfd, name, AT_FDCWD, dir) == -1 && (errno != EXDEV ||
	    vault_copy_dir(vfd, name, dir) == -1)) {
		fprintf(stderr, "%s: cannot move %s/%s to %s: %s\n", cmd,
		    vaultdir, name, dir, strerror(errno));
		/* A copy of the whole store must not stay behind. */
		if (store_backup_remove(vfd, name) == -1 && errno != ENOENT)
			fprintf(stderr, "%s: cannot remove %s/%s either: %s; "
			    "the next start of the service will\n", cmd,
			    vaultdir, name, strerror(errno));
		goto done;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(dfd, &st) == -1 ||
	    (st.st_uid != vst.st_uid && st.st_uid != getuid())) {
		fprintf(stderr, "%s: what vaultd left as its backup (now %s) "
		    "is not a plain directory of its own; not touched, remove "
		    "it and see the service log\n", cmd, dir);
		goto done;
	}
	rv = vault_backup_own(cmd, dfd, dir);
 done:
	if (dfd != -1)
		close(dfd);
	if (vfd != -1)
		close(vfd);
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
	json_t				*j = NULL;
	struct stat			 st;
	const char			*sopt = NULL, *dir = NULL, *name;
	char				 from[PATH_MAX], parent[PATH_MAX];
	char				*text, *up;
	size_t				 i;
	int				 rv = 1;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < (size_t)argc)
			sopt = argv[++i];
		else if (dir == NULL && argv[i][0] != '-')
			dir = argv[i];
		else
			return cli_bad_arg("vault", "backup", argv[i]);
	}
	if (dir == NULL)
		return cli_usage_error("vault", "backup", "name a new "
		    "directory for the backup");
	if (access(dir, F_OK) == 0) {
		fprintf(stderr, "aileron vault backup: %s exists; name a new "
		    "directory\n", dir);
		return 1;
	}
	/* Where the backup goes must exist before vaultd writes one. */
	strlcpy(parent, dir, sizeof(parent));
	up = dirname(parent);
	if (stat(up, &st) == -1) {
		fprintf(stderr, "aileron vault backup: cannot create %s: %s: "
		    "%s\n", dir, up, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "aileron vault backup: cannot create %s: %s "
		    "is not a directory\n", dir, up);
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
	if (snprintf(from, sizeof(from), "%s/%s", vc.statedir,
	    STATE_VAULT_DIR) >= (int)sizeof(from))
		goto done;
	if (vault_backup_take("aileron vault backup", from, name, dir) == -1)
		goto done;
	printf("vault store backed up to %s; aileron-vault(5) says how to "
	    "restore it\n", dir);
	rv = 0;
 done:
	json_decref(j);
	vclient_close(&vc);
	return rv;
}
