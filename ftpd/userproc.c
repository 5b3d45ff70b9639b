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
	if (ipc_send_reply(s->relay_fd, &(struct ipc_reply){ { p, n } }, -1) == -1) {
		xfer_temp_remove();	/* gone while an upload was being set up */
		_exit(0);	/* the control process is gone */
	}
}

/* Tell the control process that the last command is answered (REL_READY). */
static void
usr_ready(struct session *s)
{
	if (ipc_send_ready(s->relay_fd, &(struct ipc_ready){}, -1) == -1)
		_exit(0);	/* the control process is gone */
}

void
user_end(struct session *s, int why)
{
	xfer_kill(s);
	ipc_send_end(s->relay_fd, &(struct ipc_end){ .why = (uint8_t)why }, -1);
	_exit(0);
}

int
user_port20(struct session *s)
{
	struct ipc_port20 m = { { &s->data_addr, net_len(&s->data_addr) } };
	struct ipc_in r;
	int fd;

	if (ipc_send_port20(s->mon_fd, &m, -1) == -1 ||
	    ipc_await(s->mon_fd, IPC_MON, IPC_USR, MON_PORT20, &r) == -1)
		die("monitor gone");
	fd = r.fd;
	ipc_free(&r);
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
usr_prot(struct session *s, struct ipc_in *m)
{
	const struct ipc_prot *p = &m->u.prot;

	s->prot = p->prot;
	s->tls_state = p->tls_state;
	s->have_cert_digest = p->have_cert_digest;
	memcpy(s->cert_digest, p->cert_digest.p, sizeof(s->cert_digest));
}

/*
 * The control process's news at login: the MLST facts chosen before it, and
 * the control connection's TLS session, which data connections may resume
 * by session ID (TLS 1.2 clients without tickets).
 */
static void
usr_init(struct session *s, struct ipc_in *m)
{
	const struct ipc_bytes *sess = &m->u.init.tls_session;

	s->mlst_facts = m->u.init.mlst_facts;
	s->relay_state = IPC_USER;
	if (sess->len > 0 && s->tls_ctx != NULL &&
	    tls_session_import(s->tls_ctx, sess->p, sess->len) == -1)
		log_msg(LOG_WARNING, "%s: the control connection's TLS session cannot be "
		    "resumed by ID", s->peer_str);
}

/* A command line: run now, or (one) after the running transfer. */
static void
usr_cmd(struct session *s, struct ipc_in *m)
{
	const char *line = m->u.cmd.line;

	if (s->xfer != NULL && !(cmd_flags(line) & F_MIDXFER)) {
		buf_reset(&s->queued);	/* one command waits for the transfer */
		buf_puts(&s->queued, line);
		s->have_queued = 1;
	} else {
		cmd_dispatch(s, line);
		usr_ready(s);
	}
}

static void (*const usr_reltab[IPC_NTYPES])(struct session *, struct ipc_in *) = {
#define REQ(type, stem, from, to, when, fds, fields)	IPC_IF(to, USR, [type] = usr_##stem,)
#define ANS(...)
#include "ipc.def"
#undef REQ
#undef ANS
};

/* One message from the control process. */
static void
usr_relay(struct session *s)
{
	struct ipc_in m;

	if (ipc_recv(s->relay_fd, IPC_CTL, IPC_USR, s->relay_state, &m) == -1) {
		xfer_kill(s);
		_exit(0);
	}
	usr_reltab[m.type](s, &m);
	ipc_free(&m);
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
	s->relay_state = IPC_START;
	s->mon_fd = mon;
	tls_sign_via(mon, IPC_USR);	/* full data handshakes: signatures from the monitor */
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
