/*
 * control.c: the control process, the FTP parser of the control connection.
 *
 * Runs as nopriv_user, chrooted to an empty directory.  Has the client's
 * bytes from the TLS process (tlsproc.c), which owns the connection and its
 * TLS, turns them into command lines (linebuf.c), answers pre-login commands
 * itself, asks the monitor to log a user in, and after login relays lines to
 * the user process and its replies back.  Keeps the idle and login timers.
 * Never opens a file, never holds a privilege, never sees a TLS secret of
 * the control connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "ftpd.h"
#include "idle.h"
#include "ipc.h"
#include "linebuf.h"
#include "log.h"
#include "session.h"

#define CTL_CLOSE_MS	2000	/* how long the last reply may take to leave */

static struct session *ctl_session;	/* for the fatal hook only */

/* What the client sent and has not been turned into command lines yet. */
struct ctl_input {
	unsigned char	 buf[CTL_READ_MAX];
	size_t		 pos, len;
	struct linebuf	 lb;
};
static struct ctl_input ctl_in;

static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Send a reply, by the TLS process.  A client that does not take it within
 * the idle timeout (a client that pipelines commands and never reads) has
 * gone as far as the session is concerned; the last reply of a closing
 * session gets a short bound.
 */
static void
ctl_send(struct session *s, const char *p, size_t n)
{
	struct ipc_chn_reply m;

	m.ms = s->quitting ? CTL_CLOSE_MS : (uint32_t)s->idle_timeout * 1000;
	m.closing = (uint8_t)s->quitting;
	m.text = (struct ipc_bytes){ p, n };
	if (ipc_send_chn_reply(s->chan_fd, &m, -1) == -1)
		_exit(0);	/* the client is gone, and the TLS process with it */
}

static void
ctl_fatal(const char *why)
{
	(void)why;
	if (ctl_session != NULL) {
		ctl_session->quitting = 1;
		ctl_send(ctl_session, REPLY_FATAL, sizeof(REPLY_FATAL) - 1);
	}
}

/* Hand one complete line to whoever answers it. */
static void
ctl_line(struct session *s, enum line_event ev, const char *line)
{
	struct ipc_cmd m;

	if (ev == LINE_TOOLONG) {
		reply(s, FTP_BADCMD, "Command line too long.");
		return;
	}
	if (ev == LINE_BAD) {
		reply(s, FTP_BADARG, "Bad character (NUL or bare CR) in command line.");
		return;
	}
	s->lines_seen++;
	if (s->relay_fd == -1 || (cmd_flags(line) & F_CTL)) {
		cmd_dispatch(s, line);
		return;
	}
	str_copy(m.line, sizeof(m.line), line);
	if (ipc_send_cmd(s->relay_fd, &m, -1) == -1)
		die("user process gone");
	s->inflight = 1;	/* no other line is run until the user process is ready */
}

/* A TLS ClientHello where a command was expected: the client wants ftpsd. */
static void
ctl_check_hello(struct session *s, const unsigned char *in, ssize_t n)
{
	if (s->tls_state != CTL_PLAIN || s->lines_seen > 0 || n < 2 ||
	    in[0] != 0x16 || in[1] != 0x03)
		return;
	log_msg(LOG_NOTICE, "%s sent a TLS ClientHello on the explicit FTPS port: it wants "
	    "implicit FTPS (port 990, ftpsd); closing", s->peer_str);
	_exit(0);
}

/* Ask the TLS process for the client's next bytes (one CHN_INPUT comes). */
static void
ctl_ask_input(struct session *s)
{
	if (ipc_send_chn_read(s->chan_fd, &(struct ipc_chn_read){}, -1) == -1)
		_exit(0);
	s->reading = 1;
}

/* What the client sent, from the TLS process, into ctl_in (which is empty). */
static void
ctl_chn_input(struct session *s, struct ipc_in *m)
{
	size_t n = m->u.chn_input.data.len;

	if (!s->reading)
		die("TLS process: input that was not asked for");
	s->reading = 0;
	memcpy(ctl_in.buf, m->u.chn_input.data.p, n);
	ctl_check_hello(s, ctl_in.buf, (ssize_t)n);
	ctl_in.pos = 0;
	ctl_in.len = n;
}

/*
 * Run the complete lines in IN, one at a time, until one is relayed to the
 * user process (its answer is awaited before the next line: commands are
 * answered in order, and neither process can block the other).  Each complete
 * line restarts the idle timer.
 */
static void
ctl_feed(struct session *s, struct ctl_input *in, time_t *last)
{
	enum line_event ev;

	while (in->pos < in->len && !s->inflight && !s->quitting) {
		in->pos += linebuf_feed(&in->lb, in->buf + in->pos, in->len - in->pos, &ev);
		if (ev == LINE_NONE)
			continue;
		*last = now();
		ctl_line(s, ev, in->lb.line);
		if (s->discard_input) {	/* AUTH: nothing read in clear is kept */
			s->discard_input = 0;
			in->pos = in->len = 0;
			linebuf_init(&in->lb);
		}
	}
}

/*
 * The TLS process runs the handshake; no read is out (the command asking for
 * TLS came in the last one), so nothing the client sends in clear after it
 * is ever read.  The handshake may not outlast the login deadline.
 */
int
control_start_tls(struct session *s)
{
	long secs = s->conf->tls_handshake_timeout, left;
	struct ipc_in r;
	int ok;

	BUG_ON(s->reading);
	left = s->login_start + s->conf->login_timeout - now();
	if (!s->logged_in && left < secs)
		secs = left > 1 ? left : 1;
	if (ipc_send_chn_start(s->chan_fd, &(struct ipc_chn_start){ (uint32_t)secs }, -1) == -1 ||
	    ipc_await(s->chan_fd, IPC_TLS, IPC_CTL, CHN_START, &r) == -1)
		return -1;
	if ((ok = r.u.chn_up.ok)) {
		s->tls_state = CTL_TLS;
		s->have_cert_digest = r.u.chn_up.have_cert_digest;
		memcpy(s->cert_digest, r.u.chn_up.cert_digest.p, sizeof(s->cert_digest));
		buf_reset(&s->ctl_session);
		buf_append(&s->ctl_session, r.u.chn_up.tls_session.p, r.u.chn_up.tls_session.len);
	}
	ipc_free(&r);
	return ok ? 0 : -1;
}

/* After the 200 to CCC: the TLS process sends close_notify; plaintext from here on. */
void
control_clear_tls(struct session *s)
{
	if (ipc_send_chn_clear(s->chan_fd, &(struct ipc_chn_clear){}, -1) == -1)
		_exit(0);
	s->tls_state = CTL_CLEARED;
}

void
control_sync_prot(struct session *s)
{
	struct ipc_prot m;

	m.prot = s->prot;
	m.tls_state = (uint8_t)s->tls_state;
	m.have_cert_digest = (uint8_t)s->have_cert_digest;
	m.cert_digest = (struct ipc_bytes){ s->cert_digest, sizeof(s->cert_digest) };
	if (ipc_send_prot(s->relay_fd, &m, -1) == -1)
		die("user process gone");
}

void
control_end_login(struct session *s)
{
	close(s->relay_fd);
	s->relay_fd = -1;
	s->logged_in = 0;
	s->busy = 0;
	s->inflight = 0;
}


/* The relay messages from the user process (ipc.def). */
static void
ctl_reply(struct session *s, struct ipc_in *m)
{
	ctl_send(s, m->u.reply.text.p, m->u.reply.text.len);
}

static void
ctl_ready(struct session *s, struct ipc_in *m)
{
	s->inflight = 0;
}

static void
ctl_busy(struct session *s, struct ipc_in *m)
{
	s->busy = m->u.busy.busy;
}

static void
ctl_idle(struct session *s, struct ipc_in *m)
{
	if (m->u.idle.secs > s->conf->max_idle_timeout)
		die("relay: SITE IDLE over max_idle_timeout");
	s->idle_timeout = m->u.idle.secs;
}

static void
ctl_end(struct session *s, struct ipc_in *m)
{
	control_end_login(s);
	s->have_user = 0;
	s->quitting = m->u.end.why != END_REIN;
	s->login_start = now();
}

/* The requests to the control process: the user process's and the TLS process's. */
static void (*const ctl_tab[IPC_NTYPES])(struct session *, struct ipc_in *) = {
#define REQ(type, stem, from, to, when, fds, fields)	IPC_IF(to, CTL, [type] = ctl_##stem,)
#define ANS(...)
#include "ipc.def"
#undef REQ
#undef ANS
};

/* One message from the user process. */
static void
ctl_relay(struct session *s)
{
	struct ipc_in m;

	if (ipc_recv(s->relay_fd, IPC_USR, IPC_CTL, IPC_USER, &m) == -1) {
		log_msg(LOG_ERR, "user process ended without a reply");
		reply(s, FTP_CLOSING, "Service not available, closing control connection.");
		_exit(1);
	}
	ctl_tab[m.type](s, &m);
	ipc_free(&m);
}

/* The input asked for from the TLS process; -1 when the client has gone (it has ended). */
static int
ctl_read_client(struct session *s)
{
	struct ipc_in m;

	if (ipc_recv(s->chan_fd, IPC_TLS, IPC_CTL, IPC_ANY, &m) == -1)
		return -1;
	ctl_tab[m.type](s, &m);
	ipc_free(&m);
	return 0;
}

/*
 * Milliseconds until the next timeout (-1: none), and its length in SECS: the
 * idle timer counts from the last complete command and stops while a
 * transfer runs or a command is being answered; the login timer counts from
 * the connection (or the last logout) and never stops.
 */
static int
ctl_timeout(const struct session *s, time_t last, long *secs)
{
	time_t t = now(), end;

	if (s->logged_in && (s->busy || s->inflight))
		return -1;
	*secs = s->idle_timeout;
	end = last + s->idle_timeout;
	if (!s->logged_in && s->login_start + s->conf->login_timeout < end) {
		end = s->login_start + s->conf->login_timeout;
		*secs = s->conf->login_timeout;
	}
	return end <= t ? 0 : (int)((end - t) * 1000);
}

void
control_run(struct session *s)
{
	struct ctl_input *in = &ctl_in;
	struct pollfd pfd[2];
	time_t last;
	long secs = 0;
	int ms, r;

	ctl_session = s;
	s->send = ctl_send;
	log_set_fatal_hook(ctl_fatal);
	linebuf_init(&in->lb);
	s->login_start = last = now();
	if (s->implicit) {	/* ftpsd: TLS first, then the greeting (MS-FTPS) */
		if (control_start_tls(s) == -1)
			_exit(0);
		s->pbsz_done = 1;
		s->prot = 'P';
		reply_greeting(s);
	} else if (s->tls_ctx == NULL)
		log_msg(LOG_WARNING, "%s: no TLS certificate configured: plain FTP only, "
		    "passwords travel in clear", s->peer_str);
	while (!s->quitting) {
		ctl_feed(s, in, &last);
		if (s->quitting)
			break;
		ms = ctl_timeout(s, last, &secs);
		/* read the client only when every line read so far has been answered */
		if (!s->inflight && in->pos == in->len && !s->reading)
			ctl_ask_input(s);
		pfd[0].fd = s->chan_fd;	/* what was asked for, or the end of the client */
		pfd[0].events = POLLIN;
		pfd[1].fd = s->relay_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;	/* not polled without a relay, which a login may open */
		r = idle_poll(pfd, s->relay_fd != -1 ? 2 : 1, ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("poll: %s", strerror(errno));
		if (r == 0) {
			log_msg(LOG_INFO, "%s: timeout after %ld seconds", s->peer_str, secs);
			s->quitting = 1;
			reply(s, FTP_CLOSING, "Timeout (%ld seconds): closing control connection.", secs);
			break;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && ctl_read_client(s) == -1)
			break;	/* the client has gone */
		if (s->relay_fd != -1 && (pfd[1].revents & (POLLIN | POLLHUP)))
			ctl_relay(s);
	}
	_exit(0);
}
