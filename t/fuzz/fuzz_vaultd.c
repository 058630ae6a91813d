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
 * fuzz_vaultd.c: libFuzzer target for vaultd's two untrusted parsers: a
 * worker's INJECT (vaultd_inject) and a CLI request on vault.sock
 * (vaultd_cli_request), against a real vault in a temporary Berkeley DB
 * environment.
 *
 * The first input byte picks the handler and the peer, the rest is the
 * payload:
 *	byte % 8 == 0..3	INJECT from worker 101 (alice's keyed session),
 *				102 (bob's keyed session), 103 (alice's
 *				session without a key yet) or 104 (no session)
 *	byte % 8 == 4..7	REQUEST from the CLI
 *	byte & 0x80		the next byte is the message type instead
 *				(a worker or the CLI sending something else)
 *
 * Besides the sanitizers, it checks what vaultd promises: a refusal for a
 * worker without a keyed session, for an undeclared connector or host,
 * for a connector and host control did not release to the worker; no
 * credential value or user key in a reply to the CLI; a CLI frame zeroed
 * in place once handled; one reply per frame unless the channel is to be
 * closed; and no secure heap left behind (LeakSanitizer does not see the
 * secure heap).
 *
 * The vault must not drift far from its first state, or most inputs
 * would only meet a vault the fuzzer rewrote: a write that changes what
 * an input sees (rotate, remove, passwd, grant, revoke, a replacing add)
 * puts the pristine records back at once; additive writes (init, add,
 * create) and backups are let pile up a little first.  The pristine
 * records keep every vault id, so a comparison libFuzzer learned stays
 * useful.  Wrong-key limits are forgotten now and then for the same
 * reason: both the refusal and what lies behind it get exercised.
 *
 * Speed: the store is reused.  Opening a Berkeley DB environment
 * initializes its regions (sized for a 10,000-credential revoke), which
 * cost milliseconds and held the target to a few hundred inputs a
 * second; so a reset rewrites the records in one transaction of the open
 * store instead, and only every FULL_RESET_EVERY resets is the
 * environment copied afresh (which also bounds its logs).  The
 * environment lives on /dev/shm where there is one, so that a commit's
 * log flush is not a disk write.
 *
 * A vault id is random, so a request's vault field may name one by an
 * alias instead ("team", or a user's name for their personal vault);
 * the target puts the id in before vaultd sees the request.
 *
 * vaultd logs every refusal; this target asks libFuzzer to close its
 * stderr (-close_fd_mask=2) unless told otherwise on the command line.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sanitizer/lsan_interface.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "connector/spec.h"
#include "vaultd/connmap.h"
#include "vault/crypto.h"
#include "vaultd/session.h"
#include "vault/store.h"
#include "vault/vault.h"
#include "vaultd/vaultd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NWORKERS	4
#define RESET_ADDS	64	/* additive writes before a reset */
#define RESET_BACKUPS	4	/* each backup copies the environment */
#define LIMITS_EVERY	512	/* inputs between forgetting wrong keys */
#define FULL_RESET_EVERY 4096	/* record resets before a fresh copy */

/* Fixed test keys and values: never a real secret. */
static const unsigned char key_alice[CRYPTO_KEY_LEN] =
    "fuzz-alice-user-key-0123456789a";
static const unsigned char key_bob[CRYPTO_KEY_LEN] =
    "fuzz-bob-user-key-0123456789abc";
static const unsigned char key_carol[CRYPTO_KEY_LEN] =
    "fuzz-carol-user-key-0123456789";
static const unsigned char key_dave[CRYPTO_KEY_LEN] =
    "fuzz-dave-user-key-0123456789a";

static const struct {
	const char	*user;
	const char	*name;
	const char	*connector;
	enum inject_kind	 kind;
	const char	*param;
	const char	*value;
	int		 shared;
} creds[] = {
	{ "alice", "lin", "linear", INJECT_BEARER, "",
	    "Zq7fuzzSECRETbearer0001", 0 },
	{ "alice", "bas", "basicsvc", INJECT_BASIC, "",
	    "robot:Zq7fuzzSECRETbasic0002", 0 },
	{ "alice", "hdr", "hdrsvc", INJECT_HEADER, "X-Api-Key",
	    "Zq7fuzzSECRETheader0003", 0 },
	{ "alice", "qry", "qsvc", INJECT_QUERY, "api_key",
	    "q v&l=Zq7fuzzSECRETquery0004+", 0 },
	{ "alice", "mis", "missvc", INJECT_BEARER, "",
	    "Zq7fuzzSECRETmismatch0005", 0 },
	{ "alice", "team", "teamsvc", INJECT_HEADER, "X-Team",
	    "Zq7fuzzSECRETteam0006", 1 },
	{ "bob", "blin", "linear", INJECT_BEARER, "",
	    "Zq7fuzzSECRETbob0007", 0 },
};

static const struct {
	const char	*name;
	int		 inject;
	const char	*inject_name;
	const char	*hosts[3];
} connectors[] = {
	{ "linear", INJECT_BEARER, "", { "api.linear.app", NULL } },
	{ "basicsvc", INJECT_BASIC, "", { "basic.example", NULL } },
	{ "hdrsvc", INJECT_HEADER, "X-Api-Key",
	    { "hdr.example", "hdr2.example", NULL } },
	{ "qsvc", INJECT_QUERY, "api_key", { "q.example", NULL } },
	{ "missvc", INJECT_HEADER, "X-Other", { "mis.example", NULL } },
	{ "teamsvc", INJECT_HEADER, "X-Team", { "team.example", NULL } },
	{ "nocred", INJECT_BEARER, "", { "nocred.example", NULL } },
};

static const char *const session_ids[] = {
	"0123456789abcdef0123456789abcdef",	/* alice, keyed */
	"fedcba9876543210fedcba9876543210",	/* bob, keyed */
	"00000000000000000000000000000003",	/* alice, no key yet */
};

static struct vaultd	 vd;
static struct proc_peer	*workers[NWORKERS];
static struct chan	 workers_rx[NWORKERS];	/* the workers' ends */
static struct proc_peer	*cli;
static struct chan	 cli_rx;
static struct session	*sess[3];
static char		 base[PATH_MAX];
static char		 tmpl[PATH_MAX], work[PATH_MAX];
static size_t		 secure_base;
/* Vault ids are random: a request names them by these aliases. */
static struct {
	const char	*alias;
	char		 id[VAULT_ID_LEN + 1];
} vault_ids[] = {
	{ "team", "" }, { "alice", "" }, { "bob", "" }, { "carol", "" }
};
static unsigned long	 nadds, nbackups, ninputs, nresets;
/* The template's records, which a reset writes back. */
static struct record {
	char		*key;
	unsigned char	*val;
	size_t		 len;
}			*pristine;
static size_t		 npristine;

/*
 * OpenSSL keeps some state of its own (its random generators') in the
 * secure heap that vault_crypto_init set up: an mmap that LeakSanitizer
 * does not scan, so what that state points to looked leaked whenever no
 * stale copy of a pointer to it lay on a stack.  The heap's mapping is
 * scanned as a root region instead.
 */
static void
lsan_secure_heap(void)
{
	FILE		*f;
	char		 line[512];
	unsigned long	 a, b;
	void		*p;

	if ((p = CRYPTO_secure_malloc(1, __FILE__, __LINE__)) == NULL ||
	    !CRYPTO_secure_allocated(p) ||
	    (f = fopen("/proc/self/maps", "r")) == NULL)
		errx(1, "cannot find the secure heap");
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 &&
		    (uintptr_t)p >= a && (uintptr_t)p < b) {
			__lsan_register_root_region((void *)a, b - a);
			break;
		}
	fclose(f);
	CRYPTO_secure_free(p, __FILE__, __LINE__);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == -1)
		err(1, "rm -r %s", dir);
}

/* The pristine environment's files, into an empty directory. */
static void
copy_env(const char *from, const char *to)
{
	struct dirent	*de;
	DIR		*d;
	char		 src[PATH_MAX], dst[PATH_MAX], buf[65536];
	ssize_t		 n;
	int		 in, out;

	if (mkdir(to, 0700) == -1 || (d = opendir(from)) == NULL)
		err(1, "%s", to);
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_REG)
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, de->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", to, de->d_name);
		if ((in = open(src, O_RDONLY)) == -1 ||
		    (out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
			err(1, "copy %s", src);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				err(1, "copy %s", src);
		if (n == -1)
			err(1, "copy %s", src);
		close(in);
		close(out);
	}
	closedir(d);
}

/*
 * Once, in tmpl: four users, their credentials, and a shared vault of
 * alice (owner), bob (contributor) and carol (reader, no session, so a
 * revoke of bob needs a key vaultd does not have); dave is in no shared
 * vault, so alice may grant him a role.
 */
static void
make_template(void)
{
	struct vault	*v;
	struct vault_kdf kdf;
	char		*team = vault_ids[0].id;
	size_t		 i;

	if ((v = vault_open(tmpl)) == NULL)
		errx(1, "vault_open %s", tmpl);
	if (vault_kdf_new(&kdf) != VAULT_OK ||
	    vault_user_init(v, "alice", &kdf, key_alice) != VAULT_OK ||
	    vault_user_init(v, "bob", &kdf, key_bob) != VAULT_OK ||
	    vault_user_init(v, "carol", &kdf, key_carol) != VAULT_OK ||
	    vault_user_init(v, "dave", &kdf, key_dave) != VAULT_OK ||
	    vault_shared_create(v, "alice", key_alice, "team", team) !=
	    VAULT_OK ||
	    vault_grant(v, team, "alice", key_alice, "bob", key_bob,
	    VAULT_ROLE_CONTRIBUTOR) != VAULT_OK ||
	    vault_grant(v, team, "alice", key_alice, "carol", key_carol,
	    VAULT_ROLE_READER) != VAULT_OK)
		errx(1, "cannot set up the test vault");
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++)
		if (vault_credential_add(v, creds[i].user,
		    strcmp(creds[i].user, "bob") == 0 ? key_bob : key_alice,
		    creds[i].shared ? team : NULL, creds[i].name,
		    creds[i].connector, creds[i].kind, creds[i].param,
		    (const unsigned char *)creds[i].value,
		    strlen(creds[i].value), 0) != VAULT_OK)
			errx(1, "cannot add credential %s", creds[i].name);
	for (i = 1; i < sizeof(vault_ids) / sizeof(vault_ids[0]); i++)
		if (vault_user_personal(v, vault_ids[i].alias,
		    vault_ids[i].id) != VAULT_OK)
			errx(1, "no personal vault for %s",
			    vault_ids[i].alias);
	vault_close(v);
}

/* Sessions as control left them: alice and bob keyed, one without. */
static void
sessions_restore(void)
{
	if (sess[0]->ukey == NULL || memcmp(sess[0]->ukey->data, key_alice,
	    CRYPTO_KEY_LEN) != 0)
		if (session_set_key(sess[0], key_alice) == -1)
			abort();
	if (sess[1]->ukey == NULL || memcmp(sess[1]->ukey->data, key_bob,
	    CRYPTO_KEY_LEN) != 0)
		if (session_set_key(sess[1], key_bob) == -1)
			abort();
	crypto_secret_free(sess[2]->ukey);
	sess[2]->ukey = NULL;
}

/* Every record of the open store, keys and values copied. */
static struct record *
records_read(size_t *n)
{
	struct store_txn	*txn;
	struct store_cursor	*c;
	struct record		*r = NULL;
	const unsigned char	*val;
	const char		*key;
	size_t			 len;
	int			 rv;

	*n = 0;
	if ((txn = store_begin(vault_store(vd.vault))) == NULL ||
	    (c = store_cursor_open(txn, "")) == NULL)
		errx(1, "cannot read the store");
	while ((rv = store_cursor_next(c, &key, &val, &len)) == 0) {
		if ((r = reallocarray(r, *n + 1, sizeof(*r))) == NULL ||
		    (r[*n].key = strdup(key)) == NULL ||
		    (r[*n].val = malloc(len > 0 ? len : 1)) == NULL)
			err(1, "records");
		memcpy(r[*n].val, val, len);
		r[(*n)++].len = len;
	}
	if (rv == -1)
		errx(1, "cannot read the store");
	store_cursor_close(c);
	store_abort(txn);
	return r;
}

static void
records_free(struct record *r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(r[i].key);
		free(r[i].val);
	}
	free(r);
}

/* Backups the fuzzer asked for, in the environment directory. */
static void
backups_remove(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX];

	if ((d = opendir(work)) == NULL)
		err(1, "%s", work);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "backup-", 7) == 0) {
			snprintf(path, sizeof(path), "%s/%s", work,
			    de->d_name);
			rm_tree(path);
		}
	closedir(d);
}

/*
 * The pristine vault back, and nothing remembered: its records rewritten
 * in one transaction, or now and then a fresh copy of the environment.
 */
static void
vault_reset(void)
{
	struct store_txn	*txn;
	struct record		*now;
	size_t			 i, n;

	if (++nresets % FULL_RESET_EVERY == 0) {
		vault_close(vd.vault);
		rm_tree(work);
		copy_env(tmpl, work);
		if ((vd.vault = vault_open(work)) == NULL)
			errx(1, "vault_open %s", work);
	} else {
		now = records_read(&n);
		if ((txn = store_begin(vault_store(vd.vault))) == NULL)
			errx(1, "store_begin");
		for (i = 0; i < n; i++)
			if (store_del(txn, now[i].key) == -1)
				errx(1, "store_del %s", now[i].key);
		for (i = 0; i < npristine; i++)
			if (store_put(txn, pristine[i].key, pristine[i].val,
			    pristine[i].len) == -1)
				errx(1, "store_put %s", pristine[i].key);
		if (store_commit(txn) == -1)
			errx(1, "store_commit");
		records_free(now, n);
		backups_remove();
	}
	session_vkey_drop_all(&vd.sessions, NULL, "fuzz reset");
	memset(vd.limits, 0, sizeof(vd.limits));
	memset(&vd.limit_overflow, 0, sizeof(vd.limit_overflow));
	nadds = nbackups = 0;
}

static void
cleanup(void)
{
	vault_close(vd.vault);
	vd.vault = NULL;
	rm_tree(base);
	records_free(pristine, npristine);
}

/* A CONF_CONNECTOR as the master builds it (connmap_send). */
static void
add_connector(size_t i)
{
	struct msg_builder	 b;
	struct msg		 m;
	size_t			 j;

	msg_builder_init(&b);
	msg_put_str(&b, connectors[i].name, CONNMAP_NAME_LEN);
	msg_put_i32(&b, connectors[i].inject);
	msg_put_str(&b, connectors[i].inject_name, CONNMAP_NAME_LEN);
	for (j = 0; connectors[i].hosts[j] != NULL; j++)
		;
	msg_put_u32(&b, j);
	for (j = 0; connectors[i].hosts[j] != NULL; j++)
		msg_put_str(&b, connectors[i].hosts[j], MSG_CONF_HOST_LEN);
	memset(&m, 0, sizeof(m));
	m.data = b.buf;
	m.len = b.len;
	if (b.bad || connmap_add(&vd.connectors, &m) == -1)
		errx(1, "connmap_add %s", connectors[i].name);
	msg_builder_free(&b);
}

/* The handlers are called directly; the loop never runs. */
static void
fuzz_dispatch(struct proc *ps, struct proc_peer *p, struct msg *m)
{
	(void)ps;
	(void)p;
	(void)m;
}

static const struct proc_peer_type fuzz_peers[] = {
	{ PROC_WORKER,	0,	fuzz_dispatch,	NULL },
	{ PROC_CLI,	0,	fuzz_dispatch,	NULL },
};

/* A peer on one end of a socketpair; the test reads the other end. */
static struct proc_peer *
add_peer(enum proc_id kind, uint32_t id, struct chan *rx)
{
	struct proc_peer	*p;
	int			 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == -1)
		err(1, "socketpair");
	if ((p = proc_peer_add(&vd.ps, kind, sp[0], id, "fuzz peer")) ==
	    NULL)
		errx(1, "proc_peer_add");
	chan_init(rx, sp[1], 0, "fuzz reader");
	return p;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	*args[256];
	static char	 quiet[] = "-close_fd_mask=2";
	size_t		 i, j;
	uint32_t	 w;
	int		 n, told = 0;

	/* vaultd logs every refusal: keep libFuzzer's output readable. */
	for (n = 0; n < *argc; n++)
		if (strncmp((*argv)[n], "-close_fd_mask=", 15) == 0)
			told = 1;
	if (!told && *argc < 255) {
		for (n = 0; n < *argc; n++)
			args[n] = (*argv)[n];
		args[n++] = quiet;
		args[n] = NULL;
		*argc = n;
		*argv = args;
	}

	log_init(1, 0, "vaultd");
	vault_crypto_init();
	lsan_secure_heap();
	/* The pid in the name: etc/fuzz.sh removes it after a crash. */
	snprintf(base, sizeof(base), "%s/fuzz_vaultd.%d.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
	    (int)getpid());
	if (mkdtemp(base) == NULL)
		err(1, "mkdtemp");
	snprintf(tmpl, sizeof(tmpl), "%s/template", base);
	snprintf(work, sizeof(work), "%s/work", base);
	make_template();
	copy_env(tmpl, work);
	if (atexit(cleanup) != 0)
		errx(1, "atexit");

	memset(&vd, 0, sizeof(vd));
	proc_init(&vd.ps, PROC_VAULTD, fuzz_peers,
	    sizeof(fuzz_peers) / sizeof(fuzz_peers[0]), NULL, 0, &vd);
	session_init(&vd.sessions);
	vd.listen_fd = -1;
	if ((vd.vault = vault_open(work)) == NULL)
		errx(1, "vault_open %s", work);
	pristine = records_read(&npristine);
	for (i = 0; i < sizeof(connectors) / sizeof(connectors[0]); i++)
		add_connector(i);

	if ((sess[0] = session_begin(&vd.sessions, session_ids[0],
	    "alice")) == NULL ||
	    (sess[1] = session_begin(&vd.sessions, session_ids[1],
	    "bob")) == NULL ||
	    (sess[2] = session_begin(&vd.sessions, session_ids[2],
	    "alice")) == NULL)
		errx(1, "session_begin");
	/* What the secure heap holds besides the sessions' keys. */
	secure_base = CRYPTO_secure_used();
	sessions_restore();
	session_bind_worker(&vd.sessions, 101, sess[0]);
	session_bind_worker(&vd.sessions, 102, sess[1]);
	session_bind_worker(&vd.sessions, 103, sess[2]);
	/*
	 * What control released to them: every connector for every host
	 * but hdrsvc's second, so that INJECT meets both the credentials
	 * and the refusal of a declared host never released.
	 */
	for (w = 101; w <= 103; w++)
		for (i = 0; i < sizeof(connectors) / sizeof(connectors[0]);
		    i++)
			for (j = 0; connectors[i].hosts[j] != NULL; j++)
				if (strcmp(connectors[i].hosts[j],
				    "hdr2.example") != 0 &&
				    session_release(&vd.sessions, w,
				    connectors[i].name,
				    connectors[i].hosts[j]) != 0)
					errx(1, "session_release");
	for (i = 0; i < NWORKERS; i++)
		workers[i] = add_peer(PROC_WORKER, 101 + i, &workers_rx[i]);
	cli = add_peer(PROC_CLI, 1, &cli_rx);
	cli->uid = 0;
	return 0;
}

/* Every session key and cached vault key, and nothing else. */
static void
check_secure_heap(void)
{
	struct session		*s;
	struct session_vkey	*k;
	size_t			 want = secure_base;

	TAILQ_FOREACH(s, &vd.sessions.list, entry) {
		if (s->ukey != NULL)
			want += CRYPTO_secure_actual_size(s->ukey);
		TAILQ_FOREACH(k, &s->vkeys, entry)
			want += CRYPTO_secure_actual_size(k->vk->key);
	}
	if (CRYPTO_secure_used() != want) {
		fprintf(stderr, "secure heap: %zu bytes in use, %zu expected\n",
		    CRYPTO_secure_used(), want);
		abort();
	}
}

/* The secrets of the test vault: values and user keys. */
static size_t
secrets(const void **s, size_t *slen)
{
	size_t	 i, n = 0;

	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		s[n] = creds[i].value;
		slen[n++] = strlen(creds[i].value);
	}
	s[n] = key_alice;
	slen[n++] = sizeof(key_alice) - 1;
	s[n] = key_bob;
	slen[n++] = sizeof(key_bob) - 1;
	s[n] = key_carol;
	slen[n++] = sizeof(key_carol) - 1;
	s[n] = key_dave;
	slen[n++] = sizeof(key_dave) - 1;
	return n;
}

/*
 * Does a reply to the CLI carry a secret the request did not?  A name
 * the CLI sent comes back in a refusal, whatever bytes it held.
 */
static int
has_secret(const uint8_t *p, size_t len, const uint8_t *req, size_t reqlen)
{
	const void	*s[sizeof(creds) / sizeof(creds[0]) + 4];
	size_t		 slen[sizeof(creds) / sizeof(creds[0]) + 4];
	size_t		 i, n;

	n = secrets(s, slen);
	for (i = 0; i < n; i++)
		if (memmem(p, len, s[i], slen[i]) != NULL &&
		    memmem(req, reqlen, s[i], slen[i]) == NULL)
			return 1;
	return 0;
}

/*
 * Did a request store a secret as a name (a user, credential, connector,
 * parameter or vault name)?  A later LIST would show it, rightly, and
 * has_secret() could not tell that from a leak: such a write is undone.
 */
static int
names_secret(const struct msg_vault_request *q)
{
	const void	*s[sizeof(creds) / sizeof(creds[0]) + 4];
	size_t		 slen[sizeof(creds) / sizeof(creds[0]) + 4];
	const char	*names = (const char *)q;
	size_t		 i, n, a, b, c;

	n = secrets(s, slen);
	a = offsetof(struct msg_vault_request, user);
	b = offsetof(struct msg_vault_request, member_key);
	c = offsetof(struct msg_vault_request, role);
	for (i = 0; i < n; i++)
		if (memmem(names + a, b - a, s[i], slen[i]) != NULL ||
		    memmem(names + c, sizeof(*q) - c, s[i], slen[i]) != NULL)
			return 1;
	return 0;
}

/*
 * Send what the handler queued into the socketpair and read it back on
 * the far end, frame by frame; req is the request as it came.  Returns
 * the error of the last reply, or -1 when there was none.
 */
static int
drain(struct proc_peer *p, struct chan *rx, const uint8_t *req, size_t reqlen,
    int *replies)
{
	struct msg_vault_reply	 r;
	struct msg		 m;
	int			 error = -1, g;

	*replies = 0;
	for (;;) {
		if (chan_pending(&p->chan) && chan_flush(&p->chan) == -1)
			abort();
		if (chan_read(rx) == -1)
			abort();
		while ((g = chan_get(rx, &m)) == 1) {
			if (m.hdr.type != (p->type->id == PROC_WORKER ?
			    MSG_VAULT_INJECT_REPLY : MSG_VAULT_REPLY) ||
			    m.len < sizeof(r))
				abort();
			memcpy(&r, m.data, sizeof(r));
			if (p->type->id == PROC_CLI && has_secret(m.data, m.len,
			    req, reqlen))
				abort();
			error = r.error;
			(*replies)++;
		}
		if (g == -1)
			abort();
		if (!chan_pending(&p->chan) && !chan_partial(rx))
			break;
	}
	if (p->chan.outbytes != 0)
		abort();
	return error;
}

/* An injection vaultd answered: it must have been one it may answer. */
static void
check_inject(size_t w, const uint8_t *payload, size_t len, int error)
{
	struct msg_vault_inject		 req;
	const struct connmap_entry	*e;

	if (error != 0 || len != sizeof(req))
		return;
	memcpy(&req, payload, sizeof(req));
	if (w > 1 ||
	    (e = connmap_find(&vd.connectors, req.connector)) == NULL ||
	    !connmap_host_ok(e, req.host) ||
	    !session_released(session_worker_find(&vd.sessions, 101 + w),
	    req.connector, req.host))
		abort();
}

/* A request's vault field "team", "alice", ...: that vault's id. */
static void
vault_alias(uint8_t *payload)
{
	char	*f = (char *)payload + offsetof(struct msg_vault_request,
		    vault);
	size_t	 i;

	for (i = 0; i < sizeof(vault_ids) / sizeof(vault_ids[0]); i++)
		if (memcmp(f, vault_ids[i].alias,
		    strlen(vault_ids[i].alias) + 1) == 0) {
			memcpy(f, vault_ids[i].id, VAULT_ID_LEN + 1);
			return;
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_vault_request	 q;
	struct msg			 m;
	struct proc_peer			*p;
	struct chan			*rx;
	uint8_t				*payload;
	size_t				 w = 0, len;
	unsigned int			 type;
	int				 inject, rv, error, replies, cwd = -1;

	if (size < 1)
		return 0;
	inject = (data[0] % 8) < 4;
	if (inject) {
		w = data[0] % 4;
		p = workers[w];
		rx = &workers_rx[w];
		type = MSG_VAULT_INJECT;
	} else {
		p = cli;
		rx = &cli_rx;
		type = MSG_VAULT_REQUEST;
	}
	data++;
	size--;
	if (data[-1] & 0x80) {
		if (size < 1)
			return 0;
		type = data[0];
		data++;
		size--;
	}
	/* chan_get() refuses these before any handler sees them. */
	if (size > MSG_MAXPAYLOAD || msgtype_check(type, size) == -1)
		return 0;

	/* A copy of its own: the CLI handler zeroes the frame in place. */
	len = size;
	if ((payload = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(payload, data, len);
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = len;
	m.hdr.peerid = p->id;
	m.data = payload;
	m.len = len;
	m.fd = -1;

	memset(&q, 0, sizeof(q));
	if (!inject && type == MSG_VAULT_REQUEST) {
		vault_alias(payload);
		memcpy(&q, payload, sizeof(q));
	}
	/* A backup lands in the current directory: vaultd's is its root. */
	if (q.op == MSG_VAULT_OP_BACKUP) {
		if ((cwd = open(".", O_RDONLY | O_DIRECTORY)) == -1 ||
		    chdir(work) == -1)
			abort();
	}
	if (inject)
		rv = vaultd_inject(&vd, p, &m);
	else
		rv = vaultd_cli_request(&vd, p, &m);
	if (cwd != -1) {
		if (fchdir(cwd) == -1)
			abort();
		close(cwd);
	}
	if (!inject) {
		size_t	 i;

		/* The CLI's frame may carry keys: it is zeroed, always. */
		for (i = 0; i < len; i++)
			if (payload[i] != 0)
				abort();
	}
	error = drain(p, rx, data, size, &replies);
	/* A handler answers once, or closes the channel (-1). */
	if (rv == 0 ? replies != 1 : rv != -1)
		abort();
	if (inject && type == MSG_VAULT_INJECT && rv == 0)
		check_inject(w, payload, len, error);
	free(payload);

	/* Keep the vault near its first state: see the top of the file. */
	if (!inject && error == 0 && names_secret(&q))
		vault_reset();
	else if (!inject && error == 0) {
		switch (q.op) {
		case MSG_VAULT_OP_INIT:
		case MSG_VAULT_OP_SHARED_CREATE:
			if (++nadds >= RESET_ADDS)
				vault_reset();
			break;
		case MSG_VAULT_OP_ADD:
			if ((q.flags & MSG_VAULT_F_REPLACE) != 0 ||
			    ++nadds >= RESET_ADDS)
				vault_reset();
			break;
		case MSG_VAULT_OP_BACKUP:
			if (++nbackups >= RESET_BACKUPS)
				vault_reset();
			break;
		case MSG_VAULT_OP_ROTATE:
		case MSG_VAULT_OP_REMOVE:
		case MSG_VAULT_OP_PASSWD:
		case MSG_VAULT_OP_GRANT:
		case MSG_VAULT_OP_REVOKE:
			vault_reset();
			break;
		}
	}
	if (++ninputs % LIMITS_EVERY == 0) {
		memset(vd.limits, 0, sizeof(vd.limits));
		memset(&vd.limit_overflow, 0, sizeof(vd.limit_overflow));
	}
	sessions_restore();
	check_secure_heap();
	return 0;
}
