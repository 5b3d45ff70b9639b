/*
 * monitor.c: the privileged side of a session.
 *
 * Runs as root for the whole session and never reads a byte from the network:
 * it gives the client connection to the TLS process, starts the control
 * process behind it, and then only speaks the IPC of ipc.def.  It does the
 * logins (PAM, anonymous, the legacy ftpusers/ftpchroot/shells/nologin files,
 * the proof of a client certificate), forks the user process with the user's
 * credentials, binds port 20 on request, and closes the PAM session when the
 * user process ends.  Requests are checked against a permission table
 * (who may send it, in which state); anything else ends the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth_pam.h"
#include "certmap.h"
#include "codes.h"
#include "files.h"
#include "ftpd.h"
#include "idle.h"
#include "monitor.h"
#include "ipc.h"
#include "limit.h"
#include "log.h"
#include "net.h"
#include "sandbox.h"
#include "session.h"
#include "testhook.h"
#include "tls.h"
#include "userconf.h"
#include "wtmp.h"


static void mon_port20(struct mon *, struct ipc_in *);
static void mon_xferlog(struct mon *, struct ipc_in *);
static void mon_sign(struct mon *, struct ipc_in *);
static void mon_sign_data(struct mon *, struct ipc_in *);
static void mon_channel(struct mon *, struct ipc_in *);


/*
 * The requests the monitor serves, one per ipc.def row addressed to it;
 * ipc_decode() has checked the sender, the state and every field first.
 */
static void (*const reqtab[IPC_NTYPES])(struct mon *, struct ipc_in *) = {
#define REQ(type, stem, from, to, when, fds, fields)	IPC_IF(to, MON, [type] = mon_##stem,)
#define ANS(...)
#include "ipc.def"
#undef REQ
#undef ANS
};

/*
 * Reap PID (WHAT process); log it if a signal other than SENT ended it.
 * With SENT 0, a process still there after USER_GRACE_MS (one that closed
 * its socket to the monitor and lingers) is killed.
 */
static void
mon_reap(const struct mon *m, pid_t pid, const char *what, int sent)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int st = 0, i;
	pid_t r;

	for (i = 0; sent == 0 && i < USER_GRACE_MS / 10; i++) {
		if ((r = waitpid(pid, &st, WNOHANG)) == pid || (r == -1 && errno != EINTR))
			goto reaped;
		nanosleep(&pause, NULL);
	}
	if (sent == 0) {
		kill(pid, SIGKILL);
		sent = SIGKILL;
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
reaped:
	if (WIFSIGNALED(st) && WTERMSIG(st) != sent)
		log_msg(LOG_WARNING, "%s: %s process %ld killed by signal %d",
		    m->s->peer_str, what, (long)pid, WTERMSIG(st));
}

/*
 * The control process is gone.  The user process sees its relay close and
 * ends by itself, stopping a transfer and logging it: give it USER_GRACE_MS
 * for that (serving no more requests), then SIGTERM it.
 */
static void
mon_stop_user(struct mon *m)
{
	struct pollfd p = { m->usr_fd, POLLIN, 0 };
	struct ipc_in req;
	int i, r;

	for (i = 0; i < 4; i++) {
		while ((r = poll(&p, 1, USER_GRACE_MS)) == -1 && errno == EINTR)
			;
		if (r != 1)
			break;
		if (ipc_read(m->usr_fd, IPC_USR, IPC_MON, &req) == -1)
			return;		/* it closed its end: it is exiting */
		if (req.fd != -1)
			close(req.fd);
		ipc_free(&req);
	}
	kill(m->usr_pid, SIGTERM);
}

static time_t
mon_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Wait for the user process to end, then close its PAM session. */
void
mon_end_login(struct mon *m)
{
	if (m->usr_fd != -1)
		close(m->usr_fd);
	m->usr_fd = -1;
	if (m->usr_pid > 0) {
		mon_reap(m, m->usr_pid, "user", 0);
		m->usr_pid = 0;
		m->login_start = mon_now();	/* REIN: a new login deadline */
	}
	wtmp_logout(m->s);
	pam_login_end(m->pam);
	m->pam = NULL;
}

static void
mon_send_fail(struct mon *m, int close_it, const char *reason)
{
	struct ipc_auth_fail r;

	r.close = (uint8_t)close_it;
	str_copy(r.reason, sizeof(r.reason), reason);
	ipc_send_auth_fail(m->ctl_fd, &r, -1);
}

/*
 * Decide tls_session_reuse and the data protection for the user logging in
 * with CR (group names looked up here), before the user process starts.
 */
static void
mon_session_policy(struct mon *m, const struct creds *cr)
{
	struct session *s = m->s;
	char names[MAX_GROUPS][64];
	const char *gptr[MAX_GROUPS];
	int i;

	for (i = 0; i < cr->ngroups && i < MAX_GROUPS; i++) {
		struct group *gr = getgrgid(cr->groups[i]);

		str_copy(names[i], sizeof(names[i]), gr != NULL ? gr->gr_name : "");
		gptr[i] = names[i];
	}
	s->data_prot[0] = session_data_policy(s->conf, s->anonymous, s->user, gptr, i, 0);
	s->data_prot[1] = session_data_policy(s->conf, s->anonymous, s->user, gptr, i, 1);
	m->s->tls_reuse = session_reuse_policy(m->s->conf, m->s->user, gptr, i, &m->s->peer);
	if (m->s->tls_reuse == REUSE_ACCEPT && m->s->conf->tls_session_reuse == REUSE_REQUIRE)
		log_msg(LOG_INFO, "%s: %s is exempt from TLS session reuse "
		    "(tls_session_reuse_exempt)", m->s->peer_str, m->s->user);
}

/* Start the user process with CR and hand its relay socket to the control process. */
void
mon_start_user(struct mon *m, const struct creds *cr)
{
	const struct conf *base = m->s->conf;
	int relay[2], mon[2];

	m->s->conf = userconf_take(base);	/* the user's own settings (userconf.c) */
	mon_session_policy(m, cr);
	/*
	 * Full data handshakes: resumption needs no signature; under require a
	 * few let a client that cannot resume hear the 522 that says why.
	 */
	if (m->data_signs == -1)
		m->data_signs = m->s->tls_reuse == REUSE_REQUIRE ? TLS_REFUSAL_SIGNS :
		    TLS_DATA_SIGNS;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, relay) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) == -1)
		die("socketpair: %s", strerror(errno));
	m->usr_pid = fork();
	if (m->usr_pid == -1)
		die("fork: %s", strerror(errno));
	if (m->usr_pid == 0) {
		close(m->ctl_fd);
		if (m->tls_fd != -1)
			close(m->tls_fd);
		close(relay[0]);
		close(mon[0]);
		limit_leave(m->s->limit_fd);	/* the monitor's copies hold the slots */
		if (m->s->xferlog_fd != -1)	/* the monitor writes the xferlog */
			close(m->s->xferlog_fd);
		m->s->xferlog_fd = -1;
		user_run(m->s, cr, relay[1], mon[1]);
	}
	m->s->conf = base;
	close(relay[1]);
	close(mon[1]);
	m->usr_fd = mon[0];
	wtmp_login(m->s);
	if (setgroups(0, NULL) == -1)	/* initgroups() gave the monitor the user's */
		die("setgroups: %s", strerror(errno));
	ipc_send_auth_ok(m->ctl_fd, &(struct ipc_auth_ok){}, relay[0]);
	close(relay[0]);
	idle_after_login();	/* the login's code, run once, leaves the idle session */
}

void
mon_cert_pass(struct mon *m, const char *text)
{
	struct ipc_cert_pass r;

	str_copy(r.text, sizeof(r.text), text);
	ipc_send_cert_pass(m->ctl_fd, &r, -1);
}

/*
 * A failed login attempt: the delay, the count, the answer.  The monitor
 * keeps the count itself: at login_attempts the session ends whatever the
 * control process does with the answer (mon_loop()).
 */
void
mon_login_failed(struct mon *m, const char *reason)
{
	pam_login_end(m->pam);
	m->pam = NULL;
	if (m->s->conf->login_delay > 0)
		sleep((unsigned)m->s->conf->login_delay);
	m->ending = ++m->fails >= m->s->conf->login_attempts;
	mon_send_fail(m, m->ending, reason);
}

/*
 * A new login while a user process runs: legitimate only after the control
 * process ended that login (AUTH or REIN), when the user process is on its
 * way out.  Wait USER_GRACE_MS for it; 0 if it is gone now.
 */
static int
mon_user_gone(struct mon *m)
{
	struct pollfd p = { m->usr_fd, POLLIN, 0 };
	struct ipc_in req;
	int r;

	while ((r = poll(&p, 1, USER_GRACE_MS)) == -1 && errno == EINTR)
		;
	if (r != 1)
		return -1;	/* still there */
	if (ipc_read(m->usr_fd, IPC_USR, IPC_MON, &req) == 0) {
		if (req.fd != -1)
			close(req.fd);
		ipc_free(&req);
		return -1;	/* still asking for things */
	}
	mon_end_login(m);
	return 0;
}

/*
 * connect_from_port_20: the user process names a PORT/EPRT target; the
 * monitor checks it itself (the control peer's address and a port >= 1024
 * unless port_promiscuous, never the control port), binds port 20, connects
 * within data_timeout and hands over the connected socket (none if the
 * connection failed).  A target the user process should have refused ends
 * the session.
 */
static void
mon_port20(struct mon *m, struct ipc_in *req)
{
	const struct session *s = m->s;
	const struct ipc_bytes *a = &req->u.port20.addr;
	union sockaddr_u to, from = s->local;
	int fd;

	if (!s->conf->connect_from_port_20)
		die("monitor: port 20 request with connect_from_port_20 off");
	if (a->len != net_len(&s->local))
		die("monitor: port 20 request for another address family");
	memset(&to, 0, sizeof(to));
	memcpy(&to, a->p, a->len);
	if (to.sa.sa_family != s->local.sa.sa_family || net_port(&to) == 0 ||
	    (net_same_addr(&to, &s->local) && net_port(&to) == net_port(&s->local)) ||
	    (!s->conf->port_promiscuous && (!net_same_addr(&to, &s->peer) ||
	    net_port(&to) < 1024)))
		die("monitor: port 20 request for a target the policy refuses");
	net_set_port(&from, 20);
	fd = socket(from.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd != -1 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)) == -1 ||
	    bind(fd, &from.sa, net_len(&from)) == -1 ||
	    net_connect_within(fd, &to, (int)s->conf->data_timeout * 1000) == -1)) {
		log_msg(LOG_WARNING, "%s: data connection from port 20: %s", s->peer_str,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	ipc_send_fd(m->usr_fd, &(struct ipc_fd){ .connected = fd != -1 }, fd);
	if (fd != -1)
		close(fd);
}

/*
 * One transfer for the xferlog: the user process says what moved; the time,
 * the client's address and the user name are the monitor's own, and the
 * line's format is fixed (wu-ftpd's), so no field can forge another line.
 */
static void
mon_xferlog(struct mon *m, struct ipc_in *req)
{
	const struct session *s = m->s;
	struct ipc_xferlog *x = &req->u.xferlog;
	char when[64];
	struct buf line = BUF_INIT(MAX_PATH * 2);
	time_t t = time(NULL);
	struct tm tm;
	size_t i;

	if (s->xferlog_fd == -1)
		return;
	for (i = 0; x->path[i] != '\0'; i++)
		if ((unsigned char)x->path[i] <= ' ' || x->path[i] == 0x7f)
			x->path[i] = '_';
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", localtime_r(&t, &tm));
	buf_appendf(&line, "%s %lu %s %llu %s %c _ %c %c %s ftp 0 * %c\n", when,
	    (unsigned long)x->secs, s->peer_str, (unsigned long long)x->bytes, x->path, x->type,
	    x->dir, s->anonymous ? 'a' : 'r', s->user, x->done);
	if (write(s->xferlog_fd, buf_cstr(&line), line.len) < 0)
		log_msg(LOG_WARNING, "xferlog: %s", strerror(errno));
	buf_free(&line);
}

/*
 * MON_SIGN (the control connection's handshake: one per session) and
 * MON_SIGN_DATA (a data connection's full handshake: the budget is set at
 * login), which have the same fields: a signer makes the signature if the
 * session has one left.  The monitor never holds a private key (keyproc.c).
 */
static void
mon_sign_for(struct mon *m, struct ipc_in *req)
{
	int ctl = req->type == MON_SIGN;
	int *budget = ctl ? &m->ctl_signs : &m->data_signs;
	struct buf sig = BUF_INIT(TLS_SIG_MAX);
	struct ipc_bytes out = { NULL, 0 };
	pid_t signer = 0;
	int ok = 0;

	if (m->s->tls_ctx == NULL || *budget <= 0)
		log_msg(LOG_NOTICE, "%s: signature for a %s handshake refused: none left for "
		    "this session", m->s->peer_str, ctl ? "control" : "data");
	else {
		(*budget)--;
		ok = keyproc_sign(m->s, req->type, ctl ? req->u.sign.kind : req->u.sign_data.kind,
		    ctl ? &req->u.sign.input : &req->u.sign_data.input, &sig, &signer) == 0;
		out = (struct ipc_bytes){ sig.p, sig.len };
	}
	if (ctl) {
		if (ok)		/* tls_proof_check() looks for it */
			buf_append(&m->ctl_sig, sig.p, sig.len);
		ipc_send_sig(m->tls_fd, &(struct ipc_sig){ (uint8_t)ok, out }, -1);
	} else
		ipc_send_sig_data(m->usr_fd, &(struct ipc_sig_data){ (uint8_t)ok, out }, -1);
	keyproc_reap(signer);
	buf_free(&sig);
}

static void
mon_sign(struct mon *m, struct ipc_in *req)
{
	mon_sign_for(m, req);
}

static void
mon_sign_data(struct mon *m, struct ipc_in *req)
{
	mon_sign_for(m, req);
}

/*
 * The control connection's protection, from the TLS process: TLS once (after
 * the one control handshake the monitor signed for), then cleared (CCC,
 * only after a login).  The handshake's messages come with it when the
 * client sent a certificate; the proof in them is checked at login.
 */
static void
mon_channel(struct mon *m, struct ipc_in *req)
{
	const struct ipc_channel *c = &req->u.channel;

	if (c->state != m->chan_state + 1 || (c->state == CTL_TLS && m->ctl_sig.len == 0) ||
	    (c->state == CTL_CLEARED && (m->usr_pid <= 0 || c->tls_transcript.len > 0)))
		die("monitor: MON_CHANNEL from the TLS process out of order");
	m->chan_state = (enum ctl_tls)c->state;
	buf_append(&m->transcript, c->tls_transcript.p, c->tls_transcript.len);
}

/*
 * Check REQ against ipc.def (sender, state, fields) and run it: anything
 * else ends the session.  A request from the control process while a user
 * process runs is legitimate only once that login is ending (mon_user_gone()).
 */
static void
mon_dispatch(struct mon *m, struct ipc_in *req)
{
	if (m->usr_pid > 0 && req->from == IPC_CTL && !ipc_accepts(req->type, IPC_USER) &&
	    mon_user_gone(m) == -1)
		die("monitor: %s from the control process while a user is logged in",
		    ipc_name(req->type));
	ipc_accept(req, m->usr_pid > 0 ? IPC_USER : IPC_PREAUTH);
	reqtab[req->type](m, req);
}

/* The login deadline has passed, or the session must end now. */
static void
mon_kill_session(struct mon *m)
{
	kill(m->ctl_pid, SIGKILL);
	kill(m->tls_pid, SIGKILL);
	m->ctl_killed = SIGKILL;
}

/*
 * End the session from the monitor's side: the control process has its last
 * answer and USER_GRACE_MS to send its 421 and go; then it is killed.
 */
static void
mon_close_control(struct mon *m)
{
	struct pollfd p = { m->ctl_fd, POLLIN, 0 };
	char junk[4096];
	int r, i;

	for (i = 0; i < 64; i++) {	/* whatever it still asks for is not answered */
		while ((r = poll(&p, 1, USER_GRACE_MS)) == -1 && errno == EINTR)
			;
		if (r != 1 || read(m->ctl_fd, junk, sizeof(junk)) <= 0)
			break;
	}
	if (r != 1 || i == 64)
		mon_kill_session(m);
}

/*
 * Milliseconds left before the login deadline, which the monitor enforces
 * itself (the control process keeps it too, unless it is stuck or
 * compromised); -1 while a user is logged in.
 */
static int
mon_login_left(const struct mon *m)
{
	long left = m->login_start + m->s->conf->login_timeout + MON_LOGIN_GRACE - mon_now();

	if (m->usr_pid > 0)
		return -1;
	return left > 0 ? (int)(left * 1000) : 0;
}

/* One request from the TLS process; -1 once it is gone (and the client with it). */
static int
mon_from_tls(struct mon *m)
{
	struct ipc_in req;

	if (ipc_read(m->tls_fd, IPC_TLS, IPC_MON, &req) == -1) {
		close(m->tls_fd);
		m->tls_fd = -1;
		return -1;
	}
	mon_dispatch(m, &req);
	ipc_free(&req);
	return 0;
}

/*
 * Before a request of the control process: whatever the TLS process has
 * reported by now.  It reports the channel before it passes on a byte read
 * under it, so a login sees the channel the client's password came over.
 */
static void
mon_drain_tls(struct mon *m)
{
	struct pollfd p;
	int r;

	while (m->tls_fd != -1) {
		p = (struct pollfd){ m->tls_fd, POLLIN, 0 };
		if ((r = poll(&p, 1, 0)) == -1 && errno == EINTR)
			continue;
		if (r != 1 || mon_from_tls(m) == -1)
			return;
	}
}

/* Serve requests until the control process is gone. */
static void
mon_loop(struct mon *m)
{
	struct pollfd pfd[3];
	struct ipc_in req;
	int r;

	for (;;) {
		pfd[0] = (struct pollfd){ m->ctl_fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ m->tls_fd, POLLIN, 0 };	/* -1: not polled */
		pfd[2] = (struct pollfd){ m->usr_fd, POLLIN, 0 };
		if ((r = idle_poll(pfd, 3, mon_login_left(m))) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (r == 0) {
			log_msg(LOG_NOTICE, "%s: no login within %ld seconds: ending the session",
			    m->s->peer_str, m->s->conf->login_timeout);
			mon_kill_session(m);
			return;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			mon_from_tls(m);
			continue;
		}
		if (pfd[2].revents & (POLLIN | POLLHUP)) {
			if (ipc_read(m->usr_fd, IPC_USR, IPC_MON, &req) == -1) {
				mon_end_login(m);
				continue;
			}
			mon_dispatch(m, &req);
			ipc_free(&req);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			if (ipc_read(m->ctl_fd, IPC_CTL, IPC_MON, &req) == -1)
				return;	/* it exits (mon_reap() kills one that lingers) */
			mon_drain_tls(m);
			mon_dispatch(m, &req);
			ipc_free(&req);
		}
		if (m->ending) {	/* too many failed logins: the session is over */
			mon_close_control(m);
			return;
		}
	}
}

/* Make sure the control process's chroot exists and is root's. */
static void
mon_empty_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		die("%s is not a directory", dir);
	if (st.st_uid != 0 || (st.st_mode & 022))
		die("%s must be owned by root and not writable by others", dir);
}

/*
 * Set RES's soft and hard limits to MAX.  Lowering a limit cannot fail on
 * Linux, but valgrind refuses to lower the hard descriptor limit (it keeps
 * descriptors of its own above it): there the soft limit is all it allows.
 */
static void
mon_lower_limit(int res, const char *name, rlim_t max)
{
	struct rlimit rl = { max, max };

	if (setrlimit(res, &rl) == 0)
		return;
	if (errno != EPERM || getrlimit(res, &rl) == -1)
		die("setrlimit: %s", strerror(errno));
	rl.rlim_cur = max;
	if (setrlimit(res, &rl) == -1)
		die("setrlimit: %s", strerror(errno));
	log_msg(LOG_WARNING, "control process: only the soft %s could be lowered (valgrind?)",
	    name);
}

/*
 * The control process reads the network before anyone logs in: it may not
 * fork, write files, dump core or hold more than a few descriptors.
 */
static void
mon_limit_control(void)
{
#define LIM(res, max)	{ res, #res, max }
	static const struct { int res; const char *name; rlim_t max; } lim[] = {
		LIM(RLIMIT_NPROC, 0), LIM(RLIMIT_FSIZE, 0), LIM(RLIMIT_CORE, 0), LIM(RLIMIT_NOFILE, 32),
	};
#undef LIM
	size_t i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
		mon_lower_limit(lim[i].res, lim[i].name, lim[i].max);
}

/* Point fds 0 and 1 at /dev/null: the client's connection is not this process's. */
static void
mon_drop_client(void)
{
	int null;

	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1)
		die("/dev/null: %s", strerror(errno));
	if (null > 2)
		close(null);
}

/*
 * Fork one of the pre-login processes (WHAT: IPC_TLS or IPC_CTL): nopriv_user
 * in empty_dir, MON its socket to the monitor, CHAN its end of the channel
 * between them; every other descriptor of the monitor's is closed first (the
 * TLS process keeps the client's fds 0/1, the control process has none).
 */
static pid_t
mon_start_nopriv(struct session *s, enum ipc_peer what, int mon, int chan,
    const int close_fds[4])
{
	const struct conf *c = s->conf;
	struct passwd *pw = getpwnam(c->nopriv_user);
	struct creds cr;
	pid_t pid;
	int i;

	if (pw == NULL)
		die("nopriv_user %s does not exist", c->nopriv_user);
	mon_empty_dir(c->empty_dir);
	memset(&cr, 0, sizeof(cr));
	cr.uid = pw->pw_uid;
	cr.gid = pw->pw_gid;
	cr.ngroups = 0;
	cr.root = c->empty_dir;
	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	for (i = 0; i < 4; i++)
		if (close_fds[i] != -1)
			close(close_fds[i]);
	if (s->xferlog_fd != -1)
		close(s->xferlog_fd);
	s->xferlog_fd = -1;
	limit_leave(s->limit_fd);	/* the monitor's copies hold the slots */
	if (what == IPC_CTL)
		mon_drop_client();
	s->mon_fd = mon;
	s->chan_fd = chan;
	privdrop(&cr);
	privdrop_die_with_parent(s->monitor_pid, SIGKILL);
	testhook_hand_over(what == IPC_CTL ? "FTPD_TEST_CTL_SOCK" : "FTPD_TEST_TLS_SOCK",
	    s->mon_fd);
	mon_limit_control();
	if (sandbox_control() == -1)
		log_msg(LOG_WARNING, "no seccomp filter for the %s process: %s",
		    what == IPC_CTL ? "control" : "TLS", strerror(errno));
	if (what == IPC_CTL)
		control_run(s);
	tlsproc_run(s);
	_exit(0);
}

/*
 * The pre-login processes: the TLS process, which takes the client's
 * connection, and the control process behind it.  Each has its own socket
 * to the monitor, and they share a channel.
 */
static void
mon_start_session(struct mon *m)
{
	int tls[2], ctl[2], chan[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tls) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) == -1)
		die("socketpair: %s", strerror(errno));
	m->tls_fd = tls[0];
	m->ctl_fd = ctl[0];
	m->tls_pid = mon_start_nopriv(m->s, IPC_TLS, tls[1], chan[0],
	    (const int[4]){ tls[0], ctl[0], ctl[1], chan[1] });
	close(tls[1]);
	close(chan[0]);
	m->ctl_pid = mon_start_nopriv(m->s, IPC_CTL, ctl[1], chan[1],
	    (const int[4]){ tls[0], ctl[0], -1, -1 });
	close(ctl[1]);
	close(chan[1]);
}

/*
 * The address PASV announces behind NAT: pasv_address (a name is resolved
 * now, while DNS is reachable), unless the client is on a local network.
 */
static void
mon_pasv_setup(struct session *s)
{
	struct addrinfo hints, *res;
	int e;

	if (s->conf->pasv_address[0] == '\0' ||
	    net_in_networks(&s->peer, s->conf->pasv_local_networks))
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(s->conf->pasv_address, NULL, &hints, &res)) != 0) {
		log_msg(LOG_WARNING, "pasv_address %s: %s: PASV announces the local address",
		    s->conf->pasv_address, gai_strerror(e));
		return;
	}
	memcpy(&s->pasv_adv.in, res->ai_addr, sizeof(s->pasv_adv.in));
	s->have_pasv_adv = 1;
	freeaddrinfo(res);
}

/* Load the certificate (as root) and build the session's TLS context. */
static void
mon_tls_setup(struct session *s)
{
	char err[512];

	if (!tls_configured(s->conf)) {
		if (s->implicit)
			die("ftpsd needs a certificate: set tls_cert_file");
		return;
	}
	if ((s->tls_ctx = tls_ctx_new(s->conf, 1, err, sizeof(err))) == NULL)
		die("TLS set-up failed: %s", err);
}

/*
 * Until the control process takes over fds 0/1, the monitor may write to the
 * client (the greeting, or a 421 if set-up fails after it); it never reads.
 */
static void
mon_send(struct session *s, const char *p, size_t n)
{
	(void)s;
	(void)write_all(1, p, n);
}

static void
mon_fatal(const char *why)
{
	(void)why;
	mon_send(NULL, REPLY_FATAL, sizeof(REPLY_FATAL) - 1);
}

/*
 * ftpd greets as soon as the configuration is read: loading the certificate
 * and forking the control process then overlap the client's first round trip.
 * (ftpsd greets after the TLS handshake, from the control process.)
 */
static void
mon_greet(struct session *s)
{
	if (s->implicit)
		return;
	s->send = mon_send;
	log_set_fatal_hook(mon_fatal);
	setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	reply_greeting(s);
}

/*
 * max_clients and max_per_ip, before the greeting and any TLS work: a refused
 * client gets 421 (ftpd; ftpsd just closes, the client expects TLS) and a
 * syslog line, and this process ends.
 */
static void
mon_limits(struct session *s)
{
	char why[128];

	if (limit_enter(s->conf, &s->peer, s->limit_fd, why, sizeof(why)) == 0)
		return;
	log_msg(LOG_NOTICE, "connection from %s refused: %s", s->peer_str, why);
	if (!s->implicit) {
		s->send = mon_send;
		setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
		reply(s, FTP_CLOSING, "Too many connections (%s); try again later.", why);
		shutdown(1, SHUT_WR);
	}
	_exit(0);
}

void
monitor_run(struct session *s)
{
	struct mon m;
	socklen_t len;

	len = sizeof(s->peer);
	if (getpeername(0, &s->peer.sa, &len) == -1)
		die("fd 0 is not a connected socket: start ftpd from inetd, or use -D");
	len = sizeof(s->local);
	if (getsockname(0, &s->local.sa, &len) == -1)
		die("getsockname: %s", strerror(errno));
	net_unmap(&s->peer);
	net_unmap(&s->local);
	net_ntop(&s->peer, s->peer_str, sizeof(s->peer_str));
	s->monitor_pid = getpid();
	if (s->conf->log_sessions)
		log_msg(LOG_INFO, "connection from %s", s->peer_str);
	mon_limits(s);
	file_read_text(s->conf->welcome_file, &s->welcome);
	mon_greet(s);
	memset(&m, 0, sizeof(m));
	m.s = s;
	m.usr_fd = -1;
	m.tls_fd = -1;
	m.ctl_signs = 1;	/* one control handshake per session: AUTH, or ftpsd's */
	m.data_signs = -1;	/* set at login */
	mon_tls_setup(s);
	mon_pasv_setup(s);
	if (s->conf->xferlog_enable && (s->xferlog_fd = open(s->conf->xferlog_file,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) == -1)
		log_msg(LOG_WARNING, "xferlog %s: %s", s->conf->xferlog_file, strerror(errno));
	m.login_start = mon_now();
	buf_init(&m.cert_der, CERT_DER_MAX);
	buf_init(&m.ctl_sig, TLS_SIG_MAX);
	buf_init(&m.transcript, TLS_TRANSCRIPT_MAX);
	mon_start_session(&m);
	mon_drop_client();	/* from here on the monitor holds no client descriptor */
	log_set_fatal_hook(NULL);
	s->send = NULL;
	mon_loop(&m);
	if (m.usr_pid > 0) {
		mon_stop_user(&m);
		mon_reap(&m, m.usr_pid, "user", SIGTERM);
		m.usr_pid = 0;
	}
	mon_end_login(&m);
	buf_free(&m.cert_der);
	buf_free(&m.ctl_sig);
	buf_free(&m.transcript);
	mon_reap(&m, m.ctl_pid, "control", m.ctl_killed);
	if (m.tls_fd != -1)
		close(m.tls_fd);	/* with the control process gone, it ends */
	mon_reap(&m, m.tls_pid, "TLS", m.ctl_killed);
	if (s->conf->log_sessions)
		log_msg(LOG_INFO, "session from %s closed", s->peer_str);
}
