/*
 * control.c: the control process, owner of the client connection.
 *
 * Runs as nopriv_user, chrooted to an empty directory.  Reads the client's
 * bytes, turns them into command lines (linebuf.c), answers pre-login
 * commands itself, asks the monitor to log a user in, and after login relays
 * lines to the user process and its replies back.  Keeps the idle and login
 * timers.  Never opens a file and never holds a privilege.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "ftpd.h"
#include "idle.h"
#include "ipc.h"
#include "linebuf.h"
#include "log.h"
#include "net.h"
#include "session.h"
#include "tls.h"

#define CTL_READ_MAX	4096	/* bytes of client input read at once */
#define CTL_CLOSE_MS	2000	/* how long the last reply may take to leave */

static struct session *ctl_session;	/* for the fatal hook only */

/* What the client sent and has not been turned into command lines yet. */
struct ctl_input {
	unsigned char	 buf[CTL_READ_MAX];
	size_t		 pos, len;
	struct linebuf	 lb;
};

static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Send a reply.  A client that does not take it within the idle timeout (a
 * client that pipelines commands and never reads) has gone as far as the
 * session is concerned; the last reply of a closing session gets a short
 * bound.
 */
static void
ctl_send(struct session *s, const char *p, size_t n)
{
	int ms = s->quitting ? CTL_CLOSE_MS : (int)s->idle_timeout * 1000;
	int r;

	if (s->ctl_tls != NULL) {
		tls_set_timeouts(s->ctl_tls, 0, ms);
		r = tls_write(s->ctl_tls, p, n) == -1 ? -1 : 0;
	} else
		r = write_within(s->client_out, p, n, ms);
	if (r == -1) {
		if (errno == EAGAIN && !s->quitting)
			log_msg(LOG_INFO, "%s: the client took no reply for %d seconds: closing",
			    s->peer_str, ms / 1000);
		_exit(0);	/* the client is gone */
	}
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

/*
 * Read what the client sent into IN (which is empty); -1 when the client has
 * gone.  The socket does not block: a TLS record whose rest has not come yet
 * waits for the next poll().
 */
static int
ctl_read_client(struct session *s, struct ctl_input *in)
{
	ssize_t n;

	if (s->ctl_tls != NULL) {
		tls_set_timeouts(s->ctl_tls, 0, (int)s->idle_timeout * 1000);
		n = tls_read(s->ctl_tls, in->buf, sizeof(in->buf));
	} else
		n = read(s->client_in, in->buf, sizeof(in->buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	ctl_check_hello(s, in->buf, n);
	in->pos = 0;
	in->len = (size_t)n;
	return 0;
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
 * Before closing on a client that still sends: let the last reply reach it
 * (closing with unread input would reset the connection and lose the reply).
 */
static void
ctl_linger(struct session *s)
{
	struct pollfd p = { s->client_in, POLLIN, 0 };
	char junk[4096];
	int i;

	shutdown(s->client_out, SHUT_WR);
	for (i = 0; i < 16 && poll(&p, 1, 1000) == 1; i++)
		if (read(s->client_in, junk, sizeof(junk)) <= 0)
			break;
}

int
control_start_tls(struct session *s)
{
	char why[256], desc[200];
	long secs = s->conf->tls_handshake_timeout, left;

	/* before login, a handshake may not outlast the login deadline */
	left = s->login_start + s->conf->login_timeout - now();
	if (!s->logged_in && left < secs)
		secs = left > 1 ? left : 1;
	/* a client that does not speak TLS after AUTH gets a plaintext 421 (RFC 4217 10.1) */
	if (!s->implicit && tls_client_speaks_tls(s->client_in, (int)secs) == 0) {
		log_msg(LOG_NOTICE, "%s: control TLS handshake failed: the client sent no "
		    "TLS handshake after AUTH", s->peer_str);
		reply(s, FTP_CLOSING, "TLS negotiation failed, closing control connection.");
		ctl_linger(s);
		return -1;
	}
	s->ctl_tls = tls_accept(s->tls_ctx, s->client_in, TLS_CONTROL, (int)secs,
	    why, sizeof(why));
	if (s->ctl_tls == NULL) {
		log_msg(LOG_NOTICE, "%s: control TLS handshake failed: %s", s->peer_str, why);
		return -1;
	}
	s->tls_state = CTL_TLS;
	if (tls_peer_digest(s->ctl_tls, s->cert_digest) == 0)
		s->have_cert_digest = 1;
	tls_describe(s->ctl_tls, desc, sizeof(desc));
	log_msg(LOG_INFO, "%s: control connection %s", s->peer_str, desc);
	/* the urgent byte of a Synch would land in the TLS stream: keep it out */
	setsockopt(s->client_in, SOL_SOCKET, SO_OOBINLINE, &(int){ 0 }, sizeof(int));
	return 0;
}

void
control_clear_tls(struct session *s)
{
	tls_clear(s->ctl_tls, (int)s->conf->tls_handshake_timeout);
	tls_free(s->ctl_tls);
	s->ctl_tls = NULL;
	s->tls_state = CTL_CLEARED;
	log_msg(LOG_INFO, "%s: control connection cleared (CCC)", s->peer_str);
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

static void (*const ctl_reltab[IPC_NTYPES])(struct session *, struct ipc_in *) = {
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
	ctl_reltab[m.type](s, &m);
	ipc_free(&m);
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

/* Set up the client connection: non-blocking, Synch in the stream, no Nagle. */
static void
ctl_socket(struct session *s)
{
	int fl = fcntl(s->client_in, F_GETFL);

	if (fl == -1 || fcntl(s->client_in, F_SETFL, fl | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
	/*
	 * Telnet Synch: keep the urgent byte in the stream so that "IAC IP IAC DM"
	 * reads the same however the client marked it urgent (RFC 959 4.1.3).
	 */
	setsockopt(s->client_in, SOL_SOCKET, SO_OOBINLINE, &(int){ 1 }, sizeof(int));
	/* replies are whole lines: no Nagle/delayed-ACK stall between commands */
	setsockopt(s->client_in, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
}

void
control_run(struct session *s)
{
	static struct ctl_input in;
	struct pollfd pfd[2];
	time_t last;
	long secs = 0;
	int ms, r, want;

	ctl_session = s;
	s->send = ctl_send;
	tls_sign_via(s->mon_fd, IPC_CTL);	/* the handshake's signature is the monitor's */
	log_set_fatal_hook(ctl_fatal);
	linebuf_init(&in.lb);
	s->login_start = last = now();
	ctl_socket(s);
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
		ctl_feed(s, &in, &last);
		if (s->quitting)
			break;
		ms = ctl_timeout(s, last, &secs);
		/* read the client only when every line read so far has been answered */
		want = !s->inflight && in.pos == in.len;
		if (want && s->ctl_tls != NULL && tls_pending(s->ctl_tls) > 0)
			ms = 0;	/* decrypted bytes wait: do not sleep on the socket */
		pfd[0].fd = s->client_in;
		pfd[0].events = want ? POLLIN : 0;	/* else only a reset or hang-up */
		pfd[1].fd = s->relay_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;	/* not polled without a relay, which a login may open */
		r = idle_poll(pfd, s->relay_fd != -1 ? 2 : 1, ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("poll: %s", strerror(errno));
		if (r == 0 && want && s->ctl_tls != NULL && tls_pending(s->ctl_tls) > 0)
			pfd[0].revents = POLLIN;
		else if (r == 0) {
			log_msg(LOG_INFO, "%s: timeout after %ld seconds", s->peer_str, secs);
			s->quitting = 1;
			reply(s, FTP_CLOSING, "Timeout (%ld seconds): closing control connection.", secs);
			break;
		}
		if (want && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (ctl_read_client(s, &in) == -1)
				break;
		} else if (pfd[0].revents & (POLLHUP | POLLERR))
			break;	/* the client reset the connection while a command ran */
		if (s->relay_fd != -1 && (pfd[1].revents & (POLLIN | POLLHUP)))
			ctl_relay(s);
	}
	_exit(0);
}
