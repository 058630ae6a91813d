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
 * vaultclient.c: the CLI's side of vault.sock (aileron vault, aileron
 * secret): find the running service, send one framed request at a time,
 * and read master keys and credential values without leaving them about.
 *
 * The master key is read without echo from /dev/tty, or from a descriptor
 * a script names (--key-fd); it is turned into the user key here with
 * scrypt and zeroed at once: only the 32-byte user key goes to vaultd.
 * Master keys, user keys and values live in the CLI's own small secure
 * heap (locked, not dumpable) and are zeroed when freed.  The copy in an
 * outgoing frame is the channel's, zeroed once sent.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "state.h"
#include "cli/vaultclient.h"

static int	vclient_exchange(struct vclient *, uint16_t, const struct iovec *,
		    int, char **, int *);
static int	vclient_hello(struct vclient *);
#include "vault/crypto.h"
#include "vault/vault.h"

#define VCLIENT_TIMEOUT	(120 * 1000)	/* ms; a backup may take a while */

/*
 * The CLI's secure heap: the master key being typed, the user keys (in
 * the request that carries them) and a credential's value.  A power of
 * two, as OpenSSL requires, and small: an ordinary user's RLIMIT_MEMLOCK
 * is often 64 KiB, and the largest thing here, the value buffer, takes a
 * 16 KiB block.  vaultd's heap is bigger and set up by vault_crypto_init.
 */
#define VCLIENT_SECURE_HEAP	(32 * 1024)

static void	vclient_secure_init(const char *);
static int	vclient_read_fd(int, char *, size_t, size_t *);
static int	vclient_check_text(const char *, size_t);
static void	vclient_denied(const char *, const char *);
static int	vclient_tty_read(struct vclient *, const char *, char *,
		    size_t);
static void	vclient_tty_restore(void);
static void	vclient_tty_signal(int);
static uint64_t	vclient_meminfo(const char *);

/*
 * The terminal, echo off from the first key read until the last value
 * is: what the user types ahead while scrypt runs is neither shown nor
 * flushed (readpassphrase flushes type-ahead; we read the line here).
 */
static struct {
	int		 fd;
	int		 held;
	struct termios	 saved;
} vclient_tty = { -1, 0, { 0 } };

/*
 * The secure heap, before any key is read: locked, never swapped, not in
 * a core, fenced by guard pages.  A CLI that cannot lock it refuses to
 * read a key at all (STYLE.md: an init failure is fatal).
 */
static void
vclient_secure_init(const char *cmd)
{
	unsigned char	 b;
	int		 rv;

	if (CRYPTO_secure_malloc_initialized())
		return;
	rv = CRYPTO_secure_malloc_init(VCLIENT_SECURE_HEAP,
	    CRYPTO_SECURE_MINSIZE);
	if (rv == 0 || rv == 2)
		fatalx("%s: cannot lock %d KiB of memory for keys; raise the "
		    "locked memory limit (ulimit -l)", cmd,
		    VCLIENT_SECURE_HEAP / 1024);
	/*
	 * Use the random generator once, before there is a key.  Its first
	 * use sets OpenSSL's generators up (their state goes in this heap)
	 * and binds symbols lazily, which saves the vector registers on the
	 * stack: with a user key fresh from scrypt still in one, that left a
	 * copy of the key in unlocked stack memory (t/vault-keymem.t saw it
	 * in the ASan build).
	 */
	if (RAND_bytes(&b, 1) != 1)
		fatalx("%s: the random number generator failed", cmd);
}

/*
 * Room for a key or a value in the secure heap, zeroed; NULL (said) when
 * it is full.  Free it with vclient_secure_free(), which zeroes it.
 */
void *
vclient_secure(struct vclient *vc, size_t len)
{
	void	*p;

	if (!CRYPTO_secure_malloc_initialized())
		fatalx("%s: secure heap not initialized", __func__);
	if ((p = CRYPTO_secure_zalloc(len, __FILE__, __LINE__)) == NULL ||
	    !CRYPTO_secure_allocated(p)) {
		fprintf(stderr, "%s: out of locked memory for keys\n",
		    vc->cmd);
		if (p != NULL)
			OPENSSL_clear_free(p, len);
		return NULL;
	}
	return p;
}

void
vclient_secure_free(void *p, size_t len)
{
	if (p != NULL)
		CRYPTO_secure_clear_free(p, len, __FILE__, __LINE__);
}

/*
 * Find the service through the state directory's lock and service.json,
 * and connect to its vault.sock.  The CLI itself holds keys for a moment:
 * no core files, not dumpable, and the keys in the secure heap.
 */
int
vclient_connect(struct vclient *vc, const char *sopt, const char *cmd)
{
	struct sockaddr_un	 sun;
	struct rlimit		 rl = { 0, 0 };
	const char		*path;
	json_t			*j;
	pid_t			 pid;
	char			 lock[PATH_MAX];
	int			 fd = -1, stale;

	memset(vc, 0, sizeof(*vc));
	vc->cmd = cmd;
	vc->chan.fd = -1;
	log_init_cli();
	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		fprintf(stderr, "%s: cannot disable core dumps: %s\n", cmd,
		    strerror(errno));
		return -1;
	}
	vclient_secure_init(cmd);
	if (state_resolve(sopt, vc->statedir, sizeof(vc->statedir)) == -1) {
		fprintf(stderr, "%s: cannot find the state directory; set "
		    "AILERON_STATE or use -s\n", cmd);
		return -1;
	}
	/* Teams: a member of group aileron cannot open the owner's lock. */
	if ((j = state_service(vc->statedir, &pid, &stale)) == NULL &&
	    (j = state_service_member(vc->statedir)) == NULL) {
		if (snprintf(lock, sizeof(lock), "%s/%s", vc->statedir,
		    STATE_LOCK) < (int)sizeof(lock) && (fd = open(lock,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 &&
		    errno == EACCES) {
			vclient_denied(cmd, lock);
			return -1;
		}
		if (fd != -1)
			close(fd);
		fprintf(stderr, "%s: no service is running on %s; start one "
		    "with \"aileron service\"\n", cmd, vc->statedir);
		return -1;
	}
	if ((path = json_string_value(json_object_get(j,
	    "vault_socket"))) == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: %s/service.json names no vault socket; "
		    "restart the service\n", cmd, vc->statedir);
		json_decref(j);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	json_decref(j);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EACCES) {
			vclient_denied(cmd, sun.sun_path);
			if (fd != -1)
				close(fd);
			return -1;
		}
		fprintf(stderr, "%s: cannot connect to %s: %s (is the service "
		    "running, and are you the user who started it?)\n", cmd,
		    sun.sun_path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	chan_init(&vc->chan, fd, 0, "vaultd");
	return vclient_hello(vc);
}

/*
 * path cannot be opened for permission: say so, and who owns the part of
 * it in the way (the deepest one we can see), rather than "no service".
 */
static void
vclient_denied(const char *cmd, const char *path)
{
	struct passwd	*pw;
	struct stat	 st;
	char		 p[PATH_MAX], *slash;
	char		 owner[32];

	strlcpy(p, path, sizeof(p));
	while (stat(p, &st) == -1 && (slash = strrchr(p, '/')) != NULL &&
	    slash != p)
		*slash = '\0';
	if (stat(p, &st) == -1) {
		fprintf(stderr, "%s: cannot open %s: permission denied\n", cmd,
		    path);
		return;
	}
	if ((pw = getpwuid(st.st_uid)) != NULL)
		strlcpy(owner, pw->pw_name, sizeof(owner));
	else
		snprintf(owner, sizeof(owner), "uid %u", (unsigned)st.st_uid);
	fprintf(stderr, "%s: cannot open %s: permission denied: %s is owned "
	    "by %s (mode %04o) and you are uid %u; run this as %s, or use "
	    "a state directory of your own (-s)\n", cmd, path, p, owner,
	    (unsigned)(st.st_mode & 07777), (unsigned)getuid(), owner);
}

/*
 * One frame out and its answer in, matched by request id.  Returns 0 with
 * the answer's error and text (the caller frees it), or -1 when vaultd
 * could not be asked (reported here).
 */
static int
vclient_exchange(struct vclient *vc, uint16_t type, const struct iovec *iov,
    int iovcnt, char **text, int *error)
{
	struct msg_vault_reply	 r;
	struct msg		 msg;
	size_t			 tlen;
	uint32_t		 reqid = ++vc->reqid;

	*text = NULL;
	*error = 0;
	if (chan_request(&vc->chan, type, reqid, iov, iovcnt) == -1 ||
	    chan_flush_wait(&vc->chan, VCLIENT_TIMEOUT) == -1) {
		fprintf(stderr, "%s: cannot send the request to vaultd\n",
		    vc->cmd);
		return -1;
	}
	if (chan_wait(&vc->chan, &msg, VCLIENT_TIMEOUT) != 1 ||
	    msg.hdr.type != MSG_VAULT_REPLY || msg.len < sizeof(r)) {
		fprintf(stderr, "%s: no answer from vaultd; see the service "
		    "log\n", vc->cmd);
		return -1;
	}
	if ((msg.hdr.flags & MSGF_REPLY) == 0 || msg.hdr.reqid != reqid) {
		fprintf(stderr, "%s: vaultd answered another request\n",
		    vc->cmd);
		return -1;
	}
	memcpy(&r, msg.data, sizeof(r));
	tlen = msg.len - sizeof(r);
	if ((*text = malloc(tlen + 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", vc->cmd);
		return -1;
	}
	memcpy(*text, msg.data + sizeof(r), tlen);
	(*text)[tlen] = '\0';
	*error = r.error;
	return 0;
}

/* The first frame on vault.sock: both ends must speak one protocol. */
static int
vclient_hello(struct vclient *vc)
{
	struct iovec	 iov;
	uint32_t	 version = MSG_VAULT_PROTOCOL;
	char		*text;
	int		 error;

	iov.iov_base = &version;
	iov.iov_len = sizeof(version);
	if (vclient_exchange(vc, MSG_VAULT_HELLO, &iov, 1, &text,
	    &error) == -1)
		return -1;
	if (error != 0)
		fprintf(stderr, "%s: %s\n", vc->cmd, text);
	free(text);
	return error != 0 ? -1 : 0;
}

void
vclient_close(struct vclient *vc)
{
	vclient_tty_restore();
	if (vc->chan.fd != -1)
		chan_clear(&vc->chan);
}

/*
 * The connectors the running service injects for, from vaultd (which has
 * them from the master): a JSON array of {name, kind, param}.  Not
 * aileron.conf: it may have changed since the service read it.
 */
int
vclient_connectors(struct vclient *vc, json_t **out)
{
	struct msg_vault_request	 req;
	char				*text;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_CONNECTORS;
	if (vclient_simple(vc, &req, NULL, 0, &text) == -1)
		return -1;
	*out = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_array(*out)) {
		fprintf(stderr, "%s: vaultd sent a malformed answer\n",
		    vc->cmd);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * Turn echo off on the terminal until vclient_close: from the first key
 * read to the last, across the key derivations in between.  -1 when
 * there is no terminal.
 */
int
vclient_tty_hold(void)
{
	static int		 registered;
	struct sigaction	 sa;
	struct termios		 t;
	int			 fd;

	if (vclient_tty.held)
		return 0;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (tcgetattr(fd, &vclient_tty.saved) == -1) {
		close(fd);
		return -1;
	}
	vclient_tty.fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vclient_tty_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	t = vclient_tty.saved;
	t.c_lflag &= ~(ECHO | ECHONL);
	/* TCSANOW, not TCSAFLUSH: what was typed ahead is kept. */
	if (tcsetattr(fd, TCSANOW, &t) == -1) {
		close(fd);
		vclient_tty.fd = -1;
		return -1;
	}
	vclient_tty.held = 1;
	if (!registered++)
		atexit(vclient_tty_restore);
	return 0;
}

static void
vclient_tty_restore(void)
{
	if (!vclient_tty.held)
		return;
	tcsetattr(vclient_tty.fd, TCSANOW, &vclient_tty.saved);
	close(vclient_tty.fd);
	vclient_tty.fd = -1;
	vclient_tty.held = 0;
}

/* Interrupted: the terminal as it was, then the signal's own end. */
static void
vclient_tty_signal(int sig)
{
	int	 saved = errno;

	if (vclient_tty.held)
		tcsetattr(vclient_tty.fd, TCSANOW, &vclient_tty.saved);
	errno = saved;
	raise(sig);
}

/*
 * One line from the held terminal, echo off: the prompt, the line (the
 * kernel's line editing applies), a newline for the one not echoed.
 */
static int
vclient_tty_read(struct vclient *vc, const char *prompt, char *buf,
    size_t len)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 c;
	int	 over = 0;

	if (vclient_tty_hold() == -1) {
		fprintf(stderr, "%s: no terminal to read from; use --key-fd "
		    "or stdin\n", vc->cmd);
		return -1;
	}
	if (write(vclient_tty.fd, prompt, strlen(prompt)) == -1)
		return -1;
	for (;;) {
		if ((r = read(vclient_tty.fd, &c, 1)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
		else
			over = 1;
	}
	explicit_bzero(&c, sizeof(c));
	buf[n] = '\0';
	if (write(vclient_tty.fd, "\n", 1) == -1)
		r = -1;
	if (r == -1 || over) {
		explicit_bzero(buf, len);
		fprintf(stderr, "%s: %s\n", vc->cmd, over ? "the input is too "
		    "long" : "cannot read from the terminal");
		return -1;
	}
	return 0;
}

/* A line of /proc/meminfo ("MemAvailable:"), in bytes; 0 if none. */
static uint64_t
vclient_meminfo(const char *field)
{
	FILE			*f;
	char			 line[128];
	unsigned long long	 kb;
	size_t			 len = strlen(field);
	uint64_t		 v = 0;

	if ((f = fopen("/proc/meminfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, len) == 0 &&
		    sscanf(line + len, "%llu", &kb) == 1) {
			v = (uint64_t)kb * 1024;
			break;
		}
	fclose(f);
	return v;
}

/*
 * Before a key is read for a derivation with N, r, p (fresh: parameters
 * chosen now, not a vault's own): refuse what this machine cannot do,
 * and hold the terminal's echo off.  scrypt takes 128 * r *
 * (N + p) bytes.  New parameters must fit the memory available now;
 * a vault's own, the memory there is, so that a busy machine does not
 * lock its users out.  Either must fit this process's limits.
 */
int
vclient_kdf_ready(struct vclient *vc, uint64_t N, uint32_t r, uint32_t p,
    int fresh)
{
	struct sysinfo	 si;
	struct rlimit	 rl;
	uint64_t	 need, have = 0;
	const char	*what = fresh ? "available" : "installed";
	char		 nb[32], hb[32];

	need = 128 * (uint64_t)r * (N + p);
	if (fresh)
		have = vclient_meminfo("MemAvailable:");
	if (have == 0)
		have = vclient_meminfo("MemTotal:");
	if (have == 0 && sysinfo(&si) == 0)
		have = (uint64_t)si.totalram * si.mem_unit;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (have == 0 || rl.rlim_cur < have)) {
		have = rl.rlim_cur;
		what = "allowed to this process (ulimit -v)";
	}
	if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (have == 0 || rl.rlim_cur < have)) {
		have = rl.rlim_cur;
		what = "allowed to this process (ulimit -d)";
	}
	vclient_bytes(need, nb, sizeof(nb));
	if (have != 0 && need > have) {
		vclient_bytes(have, hb, sizeof(hb));
		fprintf(stderr, "%s: the key derivation (scrypt, N=%llu) needs "
		    "about %s of memory and %s are %s%s\n", vc->cmd,
		    (unsigned long long)N, nb, hb, what, fresh ? "; choose a "
		    "smaller --kdf-n" : "; run it on a machine with more "
		    "memory");
		return -1;
	}
	/* Type-ahead during the derivation is neither shown nor lost. */
	if (isatty(STDIN_FILENO))
		(void)vclient_tty_hold();
	return 0;
}

/* On a terminal, what is about to take a while (seconds, at large N). */
void
vclient_kdf_note(uint64_t N, uint32_t r, uint32_t p)
{
	char	 nb[32];

	if (!isatty(STDERR_FILENO))
		return;
	vclient_bytes(128 * (uint64_t)r * (N + p), nb, sizeof(nb));
	fprintf(stderr, "deriving the key (scrypt, N=%llu, about %s)...\n",
	    (unsigned long long)N, nb);
}

/* "16 MiB", "4 GiB": rounded, for messages. */
void
vclient_bytes(uint64_t n, char *buf, size_t len)
{
	uint64_t	 tenths;

	if (n >= (1ULL << 30)) {
		tenths = (n * 10 + (1ULL << 29)) >> 30;
		if (tenths % 10 == 0)
			snprintf(buf, len, "%llu GiB",
			    (unsigned long long)tenths / 10);
		else
			snprintf(buf, len, "%llu.%llu GiB",
			    (unsigned long long)tenths / 10,
			    (unsigned long long)tenths % 10);
	} else
		snprintf(buf, len, "%llu MiB", (unsigned long long)
		    ((n + (1ULL << 19)) >> 20));
}

/*
 * One request and its reply.  Returns 0 with *error and *text (the
 * result, or a sentence naming the problem; the caller frees it), or -1
 * when vaultd could not be asked (reported here).  The caller zeroes its
 * own copy of the request; the channel zeroes the frame once sent.
 */
int
vclient_call(struct vclient *vc, struct msg_vault_request *req,
    const void *value, size_t vlen, char **text, int *error)
{
	struct iovec	 iov[2];

	iov[0].iov_base = req;
	iov[0].iov_len = sizeof(*req);
	iov[1].iov_base = (void *)value;
	iov[1].iov_len = vlen;
	return vclient_exchange(vc, MSG_VAULT_REQUEST, iov, vlen > 0 ? 2 : 1,
	    text, error);
}

/* vclient_call(), with vaultd's refusal printed: 0 only on success. */
int
vclient_simple(struct vclient *vc, struct msg_vault_request *req,
    const void *value, size_t vlen, char **text)
{
	char	*t;
	int	 error;

	if (text != NULL)
		*text = NULL;
	if (vclient_call(vc, req, value, vlen, &t, &error) == -1)
		return -1;
	if (error != 0) {
		fprintf(stderr, "%s: %s\n", vc->cmd, t);
		free(t);
		return -1;
	}
	if (text != NULL)
		*text = t;
	else
		free(t);
	return 0;
}

/* --user, or the login name of the invoking uid. */
int
vclient_user(const char *opt, char *buf, size_t len)
{
	struct passwd	*pw;

	if (opt != NULL)
		return strlcpy(buf, opt, len) < len ? 0 : -1;
	if ((pw = getpwuid(getuid())) == NULL)
		return -1;
	return strlcpy(buf, pw->pw_name, len) < len ? 0 : -1;
}

/* A --key-fd style argument: a descriptor number that is open. */
int
vclient_fd(const char *cmd, const char *arg, int *fd)
{
	const char	*errstr;

	*fd = strtonum(arg, 0, 1024, &errstr);
	if (errstr != NULL || fcntl(*fd, F_GETFD) == -1) {
		fprintf(stderr, "%s: %s is not an open descriptor\n", cmd,
		    arg);
		return -1;
	}
	return 0;
}

/*
 * One line from a descriptor, a byte at a time so that one descriptor
 * can carry two keys (passwd).  The LF (or CRLF) is stripped.
 */
static int
vclient_read_fd(int fd, char *buf, size_t len, size_t *outlen)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 c;

	for (;;) {
		if ((r = read(fd, &c, 1)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= len) {
			explicit_bzero(&c, sizeof(c));
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*outlen = n;
	explicit_bzero(&c, sizeof(c));
	return 0;
}

/* No CR, LF or NUL may remain: they would split a header line. */
static int
vclient_check_text(const char *s, size_t len)
{
	return memchr(s, '\r', len) == NULL && memchr(s, '\n', len) == NULL &&
	    memchr(s, '\0', len) == NULL;
}

/*
 * A master key: from keyfd when not -1, else from the terminal without
 * echo, twice when confirm is set.
 */
int
vclient_read_master(struct vclient *vc, int keyfd, const char *prompt,
    int confirm, char *buf, size_t len)
{
	char	*again = NULL;
	size_t	 n;
	int	 rv = -1;

	if (keyfd != -1) {
		if (vclient_read_fd(keyfd, buf, len, &n) == -1) {
			fprintf(stderr, "%s: cannot read the master key from "
			    "descriptor %d (or it is too long)\n", vc->cmd,
			    keyfd);
			goto done;
		}
	} else {
		if (vclient_tty_read(vc, prompt, buf, len) == -1)
			goto done;
		n = strlen(buf);
		if (n + 1 >= len) {
			fprintf(stderr, "%s: the master key is too long\n",
			    vc->cmd);
			goto done;
		}
		if (confirm) {
			if ((again = vclient_secure(vc,
			    VCLIENT_MASTER_MAX)) == NULL)
				goto done;
			if (vclient_tty_read(vc, "Repeat the master key: ",
			    again, VCLIENT_MASTER_MAX) == -1 ||
			    strcmp(again, buf) != 0) {
				fprintf(stderr, "%s: the master keys do not "
				    "match\n", vc->cmd);
				goto done;
			}
		}
	}
	if (n == 0) {
		fprintf(stderr, "%s: an empty master key is refused\n",
		    vc->cmd);
		goto done;
	}
	rv = 0;
 done:
	vclient_secure_free(again, VCLIENT_MASTER_MAX);
	if (rv == -1)
		explicit_bzero(buf, len);
	return rv;
}

/*
 * The user key: vaultd gives the user's salt and scrypt parameters (not
 * secret), the master key is read, scrypt runs here, the master key is
 * zeroed.  ukey holds CRYPTO_KEY_LEN bytes, in the secure heap.
 */
int
vclient_derive(struct vclient *vc, const char *user, int keyfd,
    const char *prompt, unsigned char *ukey)
{
	struct msg_vault_request	 req;
	json_error_t			 jerr;
	json_t				*j = NULL;
	const char			*salt;
	char				*master = NULL, *text;
	unsigned char			 s[CRYPTO_SALT_LEN];
	json_int_t			 N, r, p;
	unsigned int			 b;
	size_t				 i;
	int				 rv = -1;

	memset(&req, 0, sizeof(req));
	req.op = MSG_VAULT_OP_KDF;
	strlcpy(req.user, user, sizeof(req.user));
	if (vclient_simple(vc, &req, NULL, 0, &text) == -1)
		return -1;
	j = json_loads(text, 0, &jerr);
	free(text);
	if (j == NULL || json_unpack(j, "{s:s, s:I, s:I, s:I}", "salt", &salt,
	    "N", &N, "r", &r, "p", &p) == -1 ||
	    strlen(salt) != CRYPTO_SALT_LEN * 2 || N < 0 || r < 0 || p < 0 ||
	    r > UINT32_MAX || p > UINT32_MAX) {
		fprintf(stderr, "%s: vaultd sent malformed key parameters\n",
		    vc->cmd);
		goto done;
	}
	for (i = 0; i < CRYPTO_SALT_LEN; i++) {
		if (sscanf(salt + i * 2, "%2x", &b) != 1)
			goto done;
		s[i] = (unsigned char)b;
	}
	/* What this machine cannot derive is refused before the key. */
	if (crypto_kdf_check(N, r, p) != NULL) {
		fprintf(stderr, "%s: vaultd sent key parameters out of bounds "
		    "(N=%lld r=%lld p=%lld)\n", vc->cmd, (long long)N,
		    (long long)r, (long long)p);
		goto done;
	}
	if (vclient_kdf_ready(vc, N, r, p, 0) == -1 ||
	    (master = vclient_secure(vc, VCLIENT_MASTER_MAX)) == NULL ||
	    vclient_read_master(vc, keyfd, prompt, 0, master,
	    VCLIENT_MASTER_MAX) == -1)
		goto done;
	vclient_kdf_note(N, r, p);
	if (crypto_user_key(master, strlen(master), s, (uint64_t)N,
	    (uint32_t)r, (uint32_t)p, ukey) == -1) {
		fprintf(stderr, "%s: cannot derive the user key\n", vc->cmd);
		goto done;
	}
	rv = 0;
 done:
	vclient_secure_free(master, VCLIENT_MASTER_MAX);
	json_decref(j);
	return rv;
}

/*
 * A credential value: from the terminal without echo, or from stdin when
 * stdin is not a terminal.  One trailing LF or CRLF is stripped; any
 * other CR, LF or NUL is refused.  buf holds VCLIENT_VALUE_BUF bytes, so
 * that the longest value with its CRLF still leaves room to see more.
 */
int
vclient_read_value(struct vclient *vc, const char *prompt, char *buf,
    size_t len, size_t *outlen)
{
	size_t	 n = 0;
	ssize_t	 r;

	if (isatty(STDIN_FILENO)) {
		if (vclient_tty_read(vc, prompt, buf, len) == -1)
			return -1;
		n = strlen(buf);
		if (n + 1 >= len)
			goto toolong;
	} else {
		for (;;) {
			if (n == len)
				goto toolong;
			if ((r = read(STDIN_FILENO, buf + n, len - n)) == -1) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "%s: cannot read the value: "
				    "%s\n", vc->cmd, strerror(errno));
				explicit_bzero(buf, len);
				return -1;
			}
			if (r == 0)
				break;
			n += r;
		}
		if (n > 0 && buf[n - 1] == '\n') {
			n--;
			if (n > 0 && buf[n - 1] == '\r')
				n--;
		}
	}
	if (n > MSG_VAULT_VALUE_MAX)
		goto toolong;
	if (n == 0 || !vclient_check_text(buf, n)) {
		fprintf(stderr, "%s: the value is empty or holds a CR, LF or "
		    "NUL; a credential is one line\n", vc->cmd);
		explicit_bzero(buf, len);
		return -1;
	}
	*outlen = n;
	return 0;
 toolong:
	fprintf(stderr, "%s: the value is longer than %d bytes\n", vc->cmd,
	    MSG_VAULT_VALUE_MAX);
	explicit_bzero(buf, len);
	return -1;
}
