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
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "ftpd.h"
#include "ipc.h"
#include "linebuf.h"
#include "log.h"
#include "session.h"

static struct session *ctl_session;	/* for the fatal hook only */

static void
ctl_send(struct session *s, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(s->client_out, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(0);	/* the client is gone */
		p += w;
		n -= (size_t)w;
	}
}

static void
ctl_fatal(const char *why)
{
	static const char msg[] = "421 Service not available, closing control connection.\r\n";

	if (ctl_session != NULL && write(ctl_session->client_out, msg, sizeof(msg) - 1) < 0)
		_exit(1);
}

static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
ctl_greet(struct session *s)
{
	char host[256] = "localhost";
	const char *w = buf_cstr(&s->welcome);
	size_t wl = s->welcome.len;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	while (wl > 0 && w[wl - 1] == '\n')
		wl--;
	if (s->conf->banner[0] != '\0')
		reply(s, FTP_GREET, "%.*s%s%s", (int)wl, w, wl ? "\n" : "", s->conf->banner);
	else
		reply(s, FTP_GREET, "%.*s%s%s FTP server ready.", (int)wl, w, wl ? "\n" : "", host);
}

/* Hand one complete line to whoever answers it. */
static void
ctl_line(struct session *s, enum line_event ev, const char *line)
{
	struct msg m;

	if (ev == LINE_TOOLONG) {
		reply(s, FTP_BADCMD, "Command line too long.");
		return;
	}
	if (ev == LINE_BAD) {
		reply(s, FTP_BADARG, "Bad character (NUL or bare CR) in command line.");
		return;
	}
	if (s->relay_fd == -1) {
		cmd_dispatch(s, line);
		return;
	}
	msg_init(&m, REL_CMD, PRIV_MSG_MAX);
	msg_put_str(&m, line);
	if (msg_send(s->relay_fd, &m) == -1)
		die("user process gone");
	msg_free(&m);
}

/* Read what the client sent; returns -1 when the client has gone. */
static int
ctl_read_client(struct session *s, struct linebuf *lb)
{
	unsigned char in[4096];
	enum line_event ev;
	ssize_t n;
	size_t off = 0;

	n = read(s->client_in, in, sizeof(in));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	while (off < (size_t)n && !s->quitting) {
		off += linebuf_feed(lb, in + off, (size_t)n - off, &ev);
		if (ev != LINE_NONE)
			ctl_line(s, ev, lb->line);
	}
	return 0;
}

/* The user process has ended the login (REIN) or the session (QUIT). */
static void
ctl_end_login(struct session *s, uint8_t why)
{
	close(s->relay_fd);
	s->relay_fd = -1;
	s->logged_in = 0;
	s->have_user = 0;
	s->busy = 0;
	if (why != END_REIN)
		s->quitting = 1;
}

/* One message from the user process. */
static void
ctl_relay(struct session *s, time_t *login_start)
{
	struct msg m;
	const void *p;
	size_t n;
	uint8_t u8;
	uint32_t u32;

	if (msg_recv(s->relay_fd, &m, REPLY_MAX * 2 + 64) == -1) {
		log_msg(LOG_ERR, "user process ended without a reply");
		reply(s, FTP_CLOSING, "Service not available, closing control connection.");
		_exit(1);
	}
	if (m.fd != -1)
		die("relay: unexpected descriptor");
	if (m.type == REL_REPLY && msg_get_bytes(&m, &p, &n) == 0)
		ctl_send(s, p, n);
	else if (m.type == REL_BUSY && msg_get_u8(&m, &u8) == 0)
		s->busy = u8;
	else if (m.type == REL_IDLE && msg_get_u32(&m, &u32) == 0)
		s->idle_timeout = u32;
	else if (m.type == REL_END && msg_get_u8(&m, &u8) == 0) {
		ctl_end_login(s, u8);
		*login_start = now();
	} else
		die("relay: bad message %u", m.type);
	msg_free(&m);
}

/* Milliseconds until the next timeout, and the reply if it fires. */
static int
ctl_timeout(const struct session *s, time_t last, time_t login_start, long *secs)
{
	time_t t = now(), end;

	if (s->busy)
		return -1;
	*secs = s->idle_timeout;
	end = last + s->idle_timeout;
	if (!s->logged_in && login_start + s->conf->login_timeout < end) {
		end = login_start + s->conf->login_timeout;
		*secs = s->conf->login_timeout;
	}
	return end <= t ? 0 : (int)((end - t) * 1000);
}

void
control_run(struct session *s)
{
	struct linebuf lb;
	struct pollfd pfd[2];
	time_t last = now(), login_start = last;
	long secs = 0;
	int ms;

	ctl_session = s;
	s->send = ctl_send;
	log_set_fatal_hook(ctl_fatal);
	linebuf_init(&lb);
	/*
	 * Telnet Synch: keep the urgent byte in the stream so that "IAC IP IAC DM"
	 * reads the same however the client marked it urgent (RFC 959 4.1.3).
	 */
	setsockopt(s->client_in, SOL_SOCKET, SO_OOBINLINE, &(int){ 1 }, sizeof(int));
	ctl_greet(s);
	while (!s->quitting) {
		ms = ctl_timeout(s, last, login_start, &secs);
		pfd[0].fd = s->client_in;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->relay_fd;
		pfd[1].events = POLLIN;
		int r = poll(pfd, s->relay_fd != -1 ? 2 : 1, ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("poll: %s", strerror(errno));
		if (r == 0) {
			log_msg(LOG_INFO, "%s: timeout after %ld seconds", s->peer_str, secs);
			reply(s, FTP_CLOSING, "Timeout (%ld seconds): closing control connection.", secs);
			break;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (ctl_read_client(s, &lb) == -1)
				break;
			last = now();
		}
		if (s->relay_fd != -1 && (pfd[1].revents & (POLLIN | POLLHUP)))
			ctl_relay(s, &login_start);
	}
	_exit(0);
}
