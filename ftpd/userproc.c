/*
 * userproc.c: the user process, which runs every post-login command.
 *
 * Forked by the monitor after a successful login; drops to the user's uid,
 * gid and groups (inside the chroot where policy says) before reading any
 * command, and from then on can never regain root.  Commands arrive from the
 * control process over the relay and replies go back the same way; this
 * process never sees the client's control socket.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "files.h"
#include "ftpd.h"
#include "idle.h"
#include "ipc.h"
#include "listing.h"
#include "log.h"
#include "session.h"
#include "testhook.h"
#include "tls.h"
#include "transfer.h"

static void
usr_send(struct session *s, const char *p, size_t n)
{
	struct msg m;

	msg_init(&m, REL_REPLY, n + 8);
	msg_put_bytes(&m, p, n);
	if (msg_send(s->relay_fd, &m) == -1) {
		xfer_temp_remove();	/* gone while an upload was being set up */
		_exit(0);	/* the control process is gone */
	}
	msg_free(&m);
}

/* Tell the control process that the last command is answered (REL_READY). */
static void
usr_ready(struct session *s)
{
	struct msg m;

	msg_init(&m, REL_READY, 8);
	if (msg_send(s->relay_fd, &m) == -1)
		_exit(0);	/* the control process is gone */
	msg_free(&m);
}

void
user_end(struct session *s, int why)
{
	struct msg m;

	xfer_kill(s);
	msg_init(&m, REL_END, 8);
	msg_put_u8(&m, (uint8_t)why);
	msg_send(s->relay_fd, &m);
	msg_free(&m);
	_exit(0);
}

int
user_port20(struct session *s)
{
	struct msg m, r;
	int fd;

	msg_init(&m, MON_PORT20, PRIV_MSG_MAX);
	msg_put_bytes(&m, &s->data_addr, net_len(&s->data_addr));
	if (msg_send(s->mon_fd, &m) == -1 || msg_recv(s->mon_fd, &r, PRIV_MSG_MAX) == -1 ||
	    r.type != MON_FD)
		die("monitor gone");
	msg_free(&m);
	fd = r.fd;
	msg_free(&r);
	return fd;
}

/* die() in the user process: no upload's temporary file is left behind. */
static void
usr_fatal(const char *why)
{
	(void)why;
	xfer_temp_remove();
}

/* Names for the listing cache, looked up while /etc is still reachable. */
static void
usr_seed_names(const struct session *s)
{
	struct passwd *pw = getpwuid(s->uid);
	struct group *gr = getgrgid(s->gid);

	list_names_seed(s->uid, pw ? pw->pw_name : s->user, s->gid, gr ? gr->gr_name : "");
}

/* Drop to the user and say hello (230, with the motd and .message). */
static void
usr_login(struct session *s, const struct creds *cr)
{
	struct buf motd = BUF_INIT(MSG_FILE_MAX * 2 + 2);
	const char *home_note = "";
	const struct conf *c = s->conf;

	s->uid = cr->uid;
	s->gid = cr->gid;
	s->may_write = !s->anonymous && c->write_enable;
	s->umask = (mode_t)(s->anonymous ? c->anon_umask : c->umask);
	file_read_text(c->motd_file, &motd);
	if (motd.len > 0 && buf_cstr(&motd)[motd.len - 1] != '\n')
		buf_putc(&motd, '\n');
	usr_seed_names(s);
	if (privdrop(cr) == -1) {
		home_note = "No directory! Logging in with home=/\n";
		if (chdir("/") == -1)
			die("chdir /: %s", strerror(errno));
	}
	privdrop_die_with_parent(s->monitor_pid, SIGKILL);
	umask(s->umask);
	signal(SIGPIPE, SIG_IGN);
	xfer_init();
	log_set_fatal_hook(usr_fatal);
	if (s->anonymous)
		reply(s, FTP_LOGINOK, "%s%sGuest login ok, access restrictions apply.",
		    buf_cstr(&motd), home_note);
	else if (s->cert_login)
		reply(s, FTP_CERTLOGINOK, "%s%sUser %s logged in, authorized by security data "
		    "exchange (client certificate).", buf_cstr(&motd), home_note, s->user);
	else
		reply(s, FTP_LOGINOK, "%s%sUser %s logged in.", buf_cstr(&motd), home_note, s->user);
	buf_free(&motd);
}

/* The control process's news of PROT, CCC and the control certificate. */
static void
usr_prot(struct session *s, struct msg *m)
{
	uint8_t prot, state;
	const void *digest;
	size_t n;

	if (msg_get_u8(m, &prot) == -1 || msg_get_u8(m, &state) == -1 ||
	    msg_get_bytes(m, &digest, &n) == -1 || (prot != 'C' && prot != 'P') ||
	    state > CTL_CLEARED || (n != 0 && n != sizeof(s->cert_digest)))
		die("relay: bad PROT message");
	s->prot = (char)prot;
	s->tls_state = state;
	s->have_cert_digest = n != 0;
	if (n != 0)
		memcpy(s->cert_digest, digest, n);
}

/*
 * The control process's news at login: the MLST facts chosen before it, and
 * the control connection's TLS session, which data connections may resume
 * by session ID (TLS 1.2 clients without tickets).
 */
static void
usr_init(struct session *s, struct msg *m)
{
	uint32_t facts;
	const void *sess;
	size_t n;

	if (msg_get_u32(m, &facts) == -1 || msg_get_bytes(m, &sess, &n) == -1 || !msg_done(m))
		die("relay: bad INIT message");
	s->mlst_facts = facts;
	if (n > 0 && s->tls_ctx != NULL && tls_session_import(s->tls_ctx, sess, n) == -1)
		log_msg(LOG_WARNING, "%s: the control connection's TLS session cannot be "
		    "resumed by ID", s->peer_str);
}

/* One message from the control process. */
static void
usr_relay(struct session *s)
{
	char line[MAX_CMDLINE + 1];
	struct msg m;

	if (msg_recv(s->relay_fd, &m, RELAY_MSG_MAX) == -1) {
		xfer_kill(s);
		_exit(0);
	}
	if (m.fd != -1)
		die("relay: unexpected descriptor");
	if (m.type == REL_INIT)
		usr_init(s, &m);
	else if (m.type == REL_PROT)
		usr_prot(s, &m);
	else if (m.type == REL_CMD && msg_get_str(&m, line, sizeof(line)) == 0) {
		if (s->xfer != NULL && !(cmd_flags(line) & F_MIDXFER)) {
			buf_reset(&s->queued);	/* one command waits for the transfer */
			buf_puts(&s->queued, line);
			s->have_queued = 1;
		} else {
			cmd_dispatch(s, line);
			usr_ready(s);
		}
	} else
		die("relay: bad message %u", m.type);
	msg_free(&m);
}

/* The transfer ended: reply, then run what waited for it. */
static void
usr_xfer_done(struct session *s)
{
	char line[MAX_CMDLINE + 1];

	xfer_finish(s);
	if (s->quitting) {
		reply(s, FTP_GOODBYE, "Goodbye.");
		user_end(s, END_QUIT);
	}
	if (s->have_queued) {
		s->have_queued = 0;
		str_copy(line, sizeof(line), buf_cstr(&s->queued));
		cmd_dispatch(s, line);
		usr_ready(s);
	}
}

void
user_run(struct session *s, const struct creds *cr, int relay, int mon)
{
	struct pollfd pfd[2];

	s->relay_fd = relay;
	s->mon_fd = mon;
	s->send = usr_send;
	s->logged_in = 1;
	s->prelogin_errors = 0;
	usr_login(s, cr);
	testhook_hand_over("FTPD_TEST_USR_SOCK", s->mon_fd);
	usr_ready(s);
	for (;;) {
		pfd[0].fd = s->have_queued ? -1 : s->relay_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = xfer_fd(s);
		pfd[1].events = POLLIN;
		if (idle_poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pfd[1].revents & (POLLIN | POLLHUP))
			usr_xfer_done(s);
		if (pfd[0].revents & (POLLIN | POLLHUP))
			usr_relay(s);
	}
}
