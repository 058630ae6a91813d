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
 * launch_pty.c: the agent on a pseudo-terminal that aileron launch owns,
 * and approvals asked on the user's own terminal.  The agent's terminal
 * is the pty's slave; launch copies between the user's terminal (raw)
 * and the pty's master, passing the window size on.  Every second it
 * asks the management API for the approvals its session waits for; for
 * a new one it stops copying the agent's output, puts the terminal in a
 * known visible state, shows the action, its arguments and a code of
 * its own, and grants only when the user types that code back.  The
 * agent writes to the slave, whose bytes come out of the master as its
 * output: nothing it writes, to its output or to its own input, reaches
 * what launch reads the answer from, and nothing launch writes to the
 * user's terminal reaches the agent.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/apiclient.h"
#include "cli/approval.h"
#include "cli/cli.h"
#include "cli/launch.h"

#define PTY_POLL_MS	1000	/* how often pending approvals are asked */
#define PTY_SEEN_MAX	64	/* approvals already put to the user */
#define PTY_BUF		4096
#define PTY_CODE_LEN	4	/* what the user types to grant */

/*
 * The characters of the code: none that reads as another (0 O D Q, 1 I
 * L, 2 Z, 5 S, 6 G, 8 B), upper case, compared in either case.
 */
static const char	 pty_code_chars[] = "ACEFHJKMNPRTUVWXY3479";

/*
 * What the agent left on the terminal must not hide the question nor
 * change what it reads.  CAN ends a control sequence it left open and
 * ST a string (a title, a DCS) that would swallow ours; then a soft
 * reset (DECSTR), plain rendition (SGR 0), the cursor shown, the whole
 * screen the scroll region, origin mode off and wrapping on, US ASCII
 * in G0 shifted in, no reverse video, and the colours it may have
 * redefined reset: xterm's palette, foreground and background (OSC 104,
 * 110, 111) and the Linux console's palette (OSC R).  The alternate
 * screen is left as it is: the question shows there as well, and
 * leaving it would wipe a full-screen agent's display for nothing.
 */
static const char	 pty_sane[] =
	"\030\033\\"
	"\033[!p"
	"\033[0m"
	"\033[?25h"
	"\033[r"
	"\033[?6l\033[?7h"
	"\033(B\017"
	"\033[?5l"
	"\033]104\033\\\033]110\033\\\033]111\033\\"
	"\033]R\033\\";

static volatile sig_atomic_t	 pty_winch, pty_signo;

struct pty_run {
	struct launch	*l;
	int		 master;
	int		 tty;		/* the user's terminal, to write */
	struct termios	 saved;
	int		 raw;
	char		 seen[PTY_SEEN_MAX][40];
	size_t		 nseen;
};

static void	pty_on_winch(int);
static void	pty_on_term(int);
static void	pty_raw(struct pty_run *, int);
static void	pty_winsize(int, int);
static int	pty_writeall(int, const char *, size_t);
static int	pty_line(char *, size_t);
static int	pty_answer(struct pty_run *, const char *, char *, size_t);
static const char *pty_state(struct pty_run *, const char *);
static void	pty_say(struct pty_run *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	pty_reset(struct pty_run *, int);
static const char *pty_field(json_t *, const char *);
static void	pty_code(char *, size_t);
static int	pty_code_typed(const char *, const char *);
static int	pty_open_tty(struct pty_run *);
static void	pty_close(struct pty_run *);
static void	pty_approvals(struct pty_run *);
static void	pty_ask(struct pty_run *, json_t *);

static void
pty_on_winch(int sig)
{
	(void)sig;
	pty_winch = 1;
}

/* SIGTERM or SIGHUP (the terminal closed): the agent's, passed on. */
static void
pty_on_term(int sig)
{
	pty_signo = sig;
}

static void
pty_raw(struct pty_run *pr, int on)
{
	struct termios	 t;

	if (on && !pr->raw) {
		t = pr->saved;
		cfmakeraw(&t);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0)
			pr->raw = 1;
	} else if (!on && pr->raw) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &pr->saved);
		pr->raw = 0;
	}
}

static void
pty_winsize(int from, int to)
{
	struct winsize	 ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

static int
pty_writeall(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * What launch says on the user's terminal (cooked: "\n" is a newline),
 * in printable ASCII only: the request's host and path are the agent's,
 * and no control of theirs may reach the terminal.
 */
static void
pty_say(struct pty_run *pr, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n, i;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		return;
	for (i = 0; i < n; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] >= 0x7f))
			s[i] = '?';
	(void)pty_writeall(pr->tty, s, n);
	free(s);
}

/*
 * The terminal in a known visible state; below: on a fresh line, with
 * nothing of the agent's below it.
 */
static void
pty_reset(struct pty_run *pr, int below)
{
	static const char	 fresh[] = "\r\n\033[J";

	(void)pty_writeall(pr->tty, pty_sane, sizeof(pty_sane) - 1);
	if (below)
		(void)pty_writeall(pr->tty, fresh, sizeof(fresh) - 1);
}

/* A string of an approval, "?" when it has none. */
static const char *
pty_field(json_t *a, const char *key)
{
	const char	*s;

	return (s = json_string_value(json_object_get(a, key))) != NULL ?
	    s : "?";
}

/*
 * A fresh code for one question.  It is drawn here, never derived from
 * the approval (whose id the agent may read), and shown only on the
 * user's terminal: typing it back proves the question was read.
 */
static void
pty_code(char *code, size_t len)
{
	size_t	 i;

	for (i = 0; i < PTY_CODE_LEN && i + 1 < len; i++)
		code[i] = pty_code_chars[arc4random_uniform(
		    sizeof(pty_code_chars) - 1)];
	code[i] = '\0';
}

/* Whether the line typed is the code, in either case, blanks aside. */
static int
pty_code_typed(const char *ans, const char *code)
{
	for (; *ans != '\0'; ans++) {
		if (*ans == ' ' || *ans == '\t')
			continue;
		if (*code == '\0' || toupper((unsigned char)*ans) != *code)
			return 0;
		code++;
	}
	return *code == '\0';
}

/*
 * The descriptor the questions are written to: the terminal the answer
 * is read from, not standard error, which may be a file the agent can
 * read, and the code must reach only the user.
 */
static int
pty_open_tty(struct pty_run *pr)
{
	const char	*name;
	int		 fl;

	if ((fl = fcntl(STDIN_FILENO, F_GETFL)) != -1 &&
	    (fl & O_ACCMODE) == O_RDWR) {
		pr->tty = STDIN_FILENO;
		return 0;
	}
	if ((name = ttyname(STDIN_FILENO)) == NULL ||
	    (pr->tty = open(name, O_WRONLY | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	return 0;
}

static void
pty_close(struct pty_run *pr)
{
	if (pr->master != -1)
		close(pr->master);
	if (pr->tty > STDERR_FILENO)
		close(pr->tty);
}

/* A line the user typed, without its newline; -1 at the end of input. */
static int
pty_line(char *buf, size_t len)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 c;

	for (;;) {
		r = read(STDIN_FILENO, &c, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return n > 0 ? 0 : -1;
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

/* An approval's state now ("pending", "expired", ...), or NULL. */
static const char *
pty_state(struct pty_run *pr, const char *id)
{
	static char	 state[16];
	char		 path[128], *resp;
	json_t		*j;
	const char	*s;
	long		 status = 0;

	snprintf(path, sizeof(path), "/v1/approvals/%s", id);
	if (apiclient_call("aileron launch", pr->l->apisock, "GET", path, NULL,
	    &status, &resp) == -1)
		return NULL;
	state[0] = '\0';
	if (status == 200 && (j = json_loads(resp, 0, NULL)) != NULL) {
		if ((s = json_string_value(json_object_get(j, "state"))) !=
		    NULL)
			strlcpy(state, s, sizeof(state));
		json_decref(j);
	}
	free(resp);
	return state[0] != '\0' ? state : NULL;
}

/*
 * The user's answer to the question about approval id: 0 with a line,
 * -1 when the approval stopped waiting first (decided elsewhere, timed
 * out, withdrawn) or the terminal is gone.
 */
static int
pty_answer(struct pty_run *pr, const char *id, char *buf, size_t len)
{
	struct pollfd	 pfd;
	const char	*st;
	int		 n;

	for (;;) {
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, PTY_POLL_MS)) == -1 && errno != EINTR)
			return -1;
		if (n > 0)
			return pty_line(buf, len);
		if ((st = pty_state(pr, id)) != NULL &&
		    strcmp(st, "pending") != 0) {
			pty_say(pr, "\n[aileron] no longer waiting: %s\n", st);
			return -1;
		}
	}
}

/*
 * Put one approval to the user and send their decision.  Launch's loop
 * does not read the agent's output meanwhile: it waits in the pty,
 * bounded by the kernel's buffer (a writing agent blocks), and is
 * copied on once the question is answered, so none of it comes between
 * the terminal's reset and the answer.
 */
static void
pty_ask(struct pty_run *pr, json_t *a)
{
	const char	*id = json_string_value(json_object_get(a, "id"));
	char		 ans[16], reason[256], path[128], *body = NULL, *resp;
	const char	*typed;
	char		 code[PTY_CODE_LEN + 1], *args, req[400];
	json_t		*j;
	long		 status = 0;
	pid_t		 pgrp;
	int		 grant;

	/*
	 * The arguments a line each, none wider than the terminal, and the
	 * request again on the question's line: they are the agent's words,
	 * and must not pass for lines of ours nor push the request out of
	 * sight (approval_arg_lines).
	 */
	args = approval_arg_lines(json_object_get(a, "summary"),
	    "[aileron]   ", approval_width(pr->tty));
	approval_request(a, req, sizeof(req));
	pty_code(code, sizeof(code));
	pty_raw(pr, 0);
	pty_reset(pr, 1);
	pty_say(pr, "[aileron] the agent asks to run %s.%s: %s %s%s\n"
	    "[aileron] with the arguments:\n%s"
	    "[aileron] grant %s? Type %s then Enter to grant; "
	    "anything else denies: ",
	    pty_field(a, "connector"), pty_field(a, "action"),
	    pty_field(a, "method"), pty_field(a, "host"),
	    pty_field(a, "path"), args != NULL ? args : "", req, code);
	free(args);
	/*
	 * What was typed before the question showed was meant for the
	 * agent, or for an earlier question: not the answer.
	 */
	(void)tcdrain(pr->tty);
	(void)tcflush(STDIN_FILENO, TCIFLUSH);
	if (pty_answer(pr, id, ans, sizeof(ans)) == -1)
		goto done;
	grant = pty_code_typed(ans, code);
	reason[0] = '\0';
	if (!grant) {
		typed = ans + strspn(ans, " \t");
		if (*typed != '\0' && tolower((unsigned char)*typed) != 'n')
			pty_say(pr, "[aileron] that is not the code: denied\n");
		pty_say(pr, "[aileron] reason for the agent (optional): ");
		if (pty_answer(pr, id, reason, sizeof(reason)) == -1)
			goto done;
		if ((j = json_pack("{s:s}", "reason", reason)) != NULL) {
			body = json_dumps(j, JSON_COMPACT);
			json_decref(j);
		}
	}
	snprintf(path, sizeof(path), "/v1/approvals/%s/%s", id,
	    grant ? "grant" : "deny");
	if (apiclient_call("aileron launch", pr->l->apisock, "POST", path,
	    body != NULL ? body : "{}", &status, &resp) == 0) {
		if (status == 200)
			pty_say(pr, "[aileron] %s\n",
			    grant ? "granted" : "denied");
		else
			pty_say(pr, "[aileron] the service refused: %s\n",
			    apiclient_problem(resp));
		free(resp);
	}
	free(body);
 done:
	explicit_bzero(code, sizeof(code));
	/* The agent's output, released now, starts from a known state. */
	pty_reset(pr, 0);
	pty_raw(pr, 1);
	/*
	 * The question was written over what a full-screen agent drew: a
	 * SIGWINCH makes it draw its screen again, as after a resize.
	 */
	if ((pgrp = tcgetpgrp(pr->master)) > 0)
		(void)kill(-pgrp, SIGWINCH);
}

/* The approvals this session waits for that the user has not seen. */
static void
pty_approvals(struct pty_run *pr)
{
	json_t		*list, *a;
	const char	*id, *sess, *state;
	char		*resp;
	long		 status = 0;
	size_t		 i, k;

	if (apiclient_call("aileron launch", pr->l->apisock, "GET",
	    "/v1/approvals", NULL, &status, &resp) == -1)
		return;
	list = status == 200 ? json_loads(resp, 0, NULL) : NULL;
	free(resp);
	json_array_foreach(list, i, a) {
		id = json_string_value(json_object_get(a, "id"));
		sess = json_string_value(json_object_get(a, "session"));
		state = json_string_value(json_object_get(a, "state"));
		/* Our own service's answer; still, an id goes into a path. */
		if (id == NULL || sess == NULL || state == NULL ||
		    strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32 ||
		    strcmp(sess, pr->l->session) != 0 ||
		    strcmp(state, "pending") != 0 ||
		    strlen(id) >= sizeof(pr->seen[0]))
			continue;
		for (k = 0; k < pr->nseen; k++)
			if (strcmp(pr->seen[k], id) == 0)
				break;
		if (k < pr->nseen)
			continue;
		if (pr->nseen == PTY_SEEN_MAX) {
			memmove(pr->seen[0], pr->seen[1],
			    sizeof(pr->seen[0]) * (PTY_SEEN_MAX - 1));
			pr->nseen--;
		}
		strlcpy(pr->seen[pr->nseen++], id, sizeof(pr->seen[0]));
		pty_ask(pr, a);
	}
	json_decref(list);
}

/*
 * Run argv with envp (NULL: ours) on a new pty, copying between it and
 * the user's terminal, until it exits; its status as launch_run says.
 */
int
launch_pty_run(struct launch *l, char *const argv[], char *const envp[])
{
	extern char		**environ;
	struct pty_run		 pr;
	struct sigaction	 sa, owinch, oterm, ohup;
	struct pollfd		 pfd[2];
	struct timespec		 last, now;
	char			 buf[PTY_BUF], *slave;
	pid_t			 pid;
	ssize_t			 n;
	int			 status = 0, sfd, done = 0, out = 1;

	memset(&pr, 0, sizeof(pr));
	pr.l = l;
	pr.master = pr.tty = -1;
	if (tcgetattr(STDIN_FILENO, &pr.saved) == -1 ||
	    pty_open_tty(&pr) == -1 ||
	    (pr.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(pr.master) == -1 || unlockpt(pr.master) == -1 ||
	    (slave = ptsname(pr.master)) == NULL) {
		fprintf(stderr, "aileron launch: cannot make a terminal for "
		    "the agent: %s\n", strerror(errno));
		pty_close(&pr);
		return 1;
	}
	pty_winsize(STDIN_FILENO, pr.master);
	switch (pid = fork()) {
	case -1:
		fprintf(stderr, "aileron launch: fork: %s\n", strerror(errno));
		pty_close(&pr);
		return 1;
	case 0:
		/* The pty is the agent's controlling terminal. */
		if (setsid() == -1 || (sfd = open(slave, O_RDWR)) == -1 ||
		    ioctl(sfd, TIOCSCTTY, 0) == -1 ||
		    dup2(sfd, STDIN_FILENO) == -1 ||
		    dup2(sfd, STDOUT_FILENO) == -1 ||
		    dup2(sfd, STDERR_FILENO) == -1)
			_exit(127);
		/* Nothing of ours: not the master key's descriptor. */
		if (launch_exec_fds(l) == -1)
			_exit(127);
		if (l->backend == LAUNCH_NONE && chdir(l->dir) == -1)
			_exit(127);
		launch_keyring_fresh();
		execve(argv[0], argv, envp != NULL ? envp : environ);
		if (strchr(argv[0], '/') == NULL)
			execvpe(argv[0], argv, envp != NULL ? envp : environ);
		fprintf(stderr, "aileron launch: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pty_on_winch;
	sigaction(SIGWINCH, &sa, &owinch);
	sa.sa_handler = pty_on_term;
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);
	pty_raw(&pr, 1);
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (out) {
		if (pty_winch) {
			pty_winch = 0;
			pty_winsize(STDIN_FILENO, pr.master);
		}
		if (pty_signo != 0 && !done) {
			(void)kill(pid, pty_signo);
			pty_signo = 0;
		}
		pfd[0].fd = done ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = pr.master;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, done ? 100 : PTY_POLL_MS) == -1 &&
		    errno != EINTR)
			break;
		if (pfd[0].fd != -1 && (pfd[0].revents & POLLIN)) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
				(void)pty_writeall(pr.master, buf, n);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* EIO: every slave descriptor is closed. */
			if ((n = read(pr.master, buf, sizeof(buf))) > 0)
				(void)pty_writeall(STDOUT_FILENO, buf, n);
			else if (n == 0 || errno != EINTR)
				out = 0;
		} else if (done)
			out = 0;	/* exited, and nothing more to copy */
		if (!done && waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!done && (now.tv_sec - last.tv_sec) * 1000 +
		    (now.tv_nsec - last.tv_nsec) / 1000000 >= PTY_POLL_MS) {
			last = now;
			pty_approvals(&pr);
		}
	}
	if (!done)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	pty_raw(&pr, 0);
	sigaction(SIGWINCH, &owinch, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	pty_close(&pr);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
