/*
 * tlsproc.c: the TLS process, owner of the client connection.
 *
 * Runs as nopriv_user, chrooted to an empty directory, under the control
 * process's seccomp filter and limits.  It reads and writes the client's
 * bytes, runs the control connection's TLS (the handshake's signature is the
 * monitor's), and parses no FTP: the control process, on a socket pair
 * behind it, asks for each read (CHN_READ), sends the replies (CHN_REPLY),
 * and says when TLS starts (CHN_START, after its 234) and ends (CHN_CLEAR,
 * after its 200 to CCC).  Messages are taken in order, so a reply always
 * leaves under the protection it was written for.
 *
 * The channel's protection goes from here to the monitor directly
 * (MON_CHANNEL), with the handshake's messages when the client sent a
 * certificate: the monitor's view of the channel is not the FTP parser's to
 * forge (SECURITY).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftpd.h"
#include "idle.h"
#include "ipc.h"
#include "log.h"
#include "net.h"
#include "session.h"
#include "tls.h"

#define TLP_LINGER_MS	1000	/* how long a closing 421 waits for the client's input to end */

static struct session *tlp_session;	/* for the fatal hook only */
static int tlp_want;		/* the control process asked for a read */
static int tlp_write_ms;	/* the last reply's write timeout */

/* Write N bytes to the client within MS; 0, or -1 (errno EAGAIN: it took too long). */
static int
tlp_write(struct session *s, const void *p, size_t n, int ms)
{
	if (s->ctl_tls == NULL)
		return write_within(s->client_out, p, n, ms);
	tls_set_timeouts(s->ctl_tls, 0, ms);
	return tls_write(s->ctl_tls, p, n) == -1 ? -1 : 0;
}

static void
tlp_fatal(const char *why)
{
	(void)why;
	if (tlp_session != NULL)
		(void)tlp_write(tlp_session, REPLY_FATAL, sizeof(REPLY_FATAL) - 1, 2000);
}

/*
 * Before closing on a client that still sends: let the last reply reach it
 * (closing with unread input would reset the connection and lose the reply).
 */
static void
tlp_linger(struct session *s)
{
	struct pollfd p = { s->client_in, POLLIN, 0 };
	char junk[4096];
	int i;

	shutdown(s->client_out, SHUT_WR);
	for (i = 0; i < 16 && poll(&p, 1, TLP_LINGER_MS) == 1; i++)
		if (read(s->client_in, junk, sizeof(junk)) <= 0)
			break;
}

/* Tell the monitor what protects the channel now (TRANSCRIPT: NULL, or the handshake). */
static void
tlp_report(struct session *s, enum ctl_tls state, const struct buf *transcript)
{
	struct ipc_channel m;

	m.state = (uint8_t)state;
	m.tls_transcript = transcript != NULL ?
	    (struct ipc_bytes){ transcript->p, transcript->len } : (struct ipc_bytes){ NULL, 0 };
	if (ipc_send_channel(s->mon_fd, &m, -1) == -1)
		die("monitor gone");
}

/*
 * The control handshake, within SECS seconds.  A client that sends anything
 * but a TLS handshake after AUTH gets a plaintext 421 (RFC 4217 10.1).
 * Returns 0, or -1 with the reason logged.
 */
static int
tlp_handshake(struct session *s, long secs)
{
	char why[256], desc[200];

	if (!s->implicit && tls_client_speaks_tls(s->client_in, (int)secs) == 0) {
		log_msg(LOG_NOTICE, "%s: control TLS handshake failed: the client sent no "
		    "TLS handshake after AUTH", s->peer_str);
		(void)write_within(s->client_out, REPLY_TLS_FAILED, sizeof(REPLY_TLS_FAILED) - 1,
		    TLP_LINGER_MS);
		tlp_linger(s);
		return -1;
	}
	s->ctl_tls = tls_accept(s->tls_ctx, s->client_in, TLS_CONTROL, (int)secs,
	    why, sizeof(why));
	if (s->ctl_tls == NULL) {
		log_msg(LOG_NOTICE, "%s: control TLS handshake failed: %s", s->peer_str, why);
		return -1;
	}
	tls_describe(s->ctl_tls, desc, sizeof(desc));
	log_msg(LOG_INFO, "%s: control connection %s", s->peer_str, desc);
	/* the urgent byte of a Synch would land in the TLS stream: keep it out */
	setsockopt(s->client_in, SOL_SOCKET, SO_OOBINLINE, &(int){ 0 }, sizeof(int));
	return 0;
}

/* The control process's requests (ipc.def). */
static void
tlp_chn_read(struct session *s, struct ipc_in *m)
{
	tlp_want = 1;
}

static void
tlp_chn_reply(struct session *s, struct ipc_in *m)
{
	const struct ipc_chn_reply *r = &m->u.chn_reply;

	tlp_write_ms = (int)r->ms;
	if (tlp_write(s, r->text.p, r->text.len, tlp_write_ms) == 0)
		return;
	if (errno == EAGAIN && !r->closing)
		log_msg(LOG_INFO, "%s: the client took no reply for %d seconds: closing",
		    s->peer_str, tlp_write_ms / 1000);
	_exit(0);	/* the client is gone */
}

/*
 * CHN_START: nothing the client sent in clear after the command that asked
 * for TLS is read (a read would have been asked for); the monitor hears of
 * the channel before the control process does, so before any command
 * protected by it can reach the monitor.
 */
static void
tlp_chn_start(struct session *s, struct ipc_in *m)
{
	struct buf transcript = BUF_INIT(TLS_TRANSCRIPT_MAX), sess = BUF_INIT(TLS_SESSION_MAX);
	struct ipc_chn_up up;
	unsigned char digest[TLS_DIGEST_LEN] = { 0 };

	tlp_want = 0;
	if (s->ctl_tls != NULL)
		die("control process: CHN_START on a TLS channel");
	memset(&up, 0, sizeof(up));
	if (tlp_handshake(s, m->u.chn_start.secs) == 0) {
		up.ok = 1;
		up.have_cert_digest = tls_peer_digest(s->ctl_tls, digest) == 0;
		if (up.have_cert_digest && s->conf->tls_client_cert != CCERT_NONE &&
		    tls_transcript(s->ctl_tls, &transcript) == -1)
			buf_reset(&transcript);
		tlp_report(s, CTL_TLS, &transcript);
		tls_session_export(s->ctl_tls, &sess);
	}
	up.cert_digest = (struct ipc_bytes){ digest, sizeof(digest) };
	up.tls_session = (struct ipc_bytes){ sess.p, sess.len };
	if (ipc_send_chn_up(s->chan_fd, &up, -1) == -1 || !up.ok)
		_exit(0);
	buf_free(&transcript);
	buf_free(&sess);
}

static void
tlp_chn_clear(struct session *s, struct ipc_in *m)
{
	if (s->ctl_tls == NULL)
		die("control process: CHN_CLEAR on a plaintext channel");
	tls_clear(s->ctl_tls, (int)s->conf->tls_handshake_timeout);
	tls_free(s->ctl_tls);
	s->ctl_tls = NULL;
	tlp_report(s, CTL_CLEARED, NULL);
	log_msg(LOG_INFO, "%s: control connection cleared (CCC)", s->peer_str);
}

static void (*const tlp_tab[IPC_NTYPES])(struct session *, struct ipc_in *) = {
#define REQ(type, stem, from, to, when, fds, fields)	IPC_IF(to, TLS, [type] = tlp_##stem,)
#define ANS(...)
#include "ipc.def"
#undef REQ
#undef ANS
};

/*
 * The read the control process asked for: what the client sent, or the end
 * of the session when it has gone.  The socket does not block: a TLS record
 * whose rest has not come yet waits for the next poll().
 */
static void
tlp_read(struct session *s)
{
	static unsigned char buf[CTL_READ_MAX];
	ssize_t n;

	if (s->ctl_tls != NULL) {
		tls_set_timeouts(s->ctl_tls, 0, tlp_write_ms);
		n = tls_read(s->ctl_tls, buf, sizeof(buf));
	} else
		n = read(s->client_in, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		_exit(0);
	if (ipc_send_chn_input(s->chan_fd, &(struct ipc_chn_input){ { buf, (size_t)n } }, -1) == -1)
		_exit(0);
	explicit_bzero(buf, (size_t)n);		/* a password, perhaps */
	tlp_want = 0;
}

/* Set up the client connection: non-blocking, Synch in the stream, no Nagle. */
static void
tlp_socket(struct session *s)
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

/*
 * Until the control process closes its end (the session is over) or the
 * client goes: its requests first, in order, then the client when a read was
 * asked for (else only a reset or hang-up is noticed).
 */
void
tlsproc_run(struct session *s)
{
	struct pollfd pfd[2];
	struct ipc_in m;

	tlp_session = s;
	tlp_write_ms = (int)s->conf->idle_timeout * 1000;
	tls_sign_via(s->mon_fd, IPC_TLS);	/* the handshake's signature is the monitor's */
	log_set_fatal_hook(tlp_fatal);
	tlp_socket(s);
	for (;;) {
		if (tlp_want && s->ctl_tls != NULL && tls_pending(s->ctl_tls) > 0) {
			tlp_read(s);	/* decrypted bytes wait: do not sleep on the socket */
			continue;
		}
		pfd[0] = (struct pollfd){ s->chan_fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ s->client_in, tlp_want ? POLLIN : 0, 0 };
		if (idle_poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (ipc_recv(s->chan_fd, IPC_CTL, IPC_TLS, IPC_PREAUTH, &m) == -1)
				_exit(0);	/* the session is over */
			tlp_tab[m.type](s, &m);
			ipc_free(&m);
			continue;
		}
		if (tlp_want && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			tlp_read(s);
		else if (pfd[1].revents & (POLLHUP | POLLERR))
			_exit(0);	/* the client reset the connection while a command ran */
	}
}
