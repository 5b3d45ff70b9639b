/*
 * cmd_login.c: USER, PASS, ACCT, REIN, QUIT and the RFC 2228 security verbs.
 *
 * Before login these run in the control process, which forwards the
 * credentials to the monitor and never judges them itself; after login they
 * run in the user process.  Passwords are wiped as soon as they are sent.
 */
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "ftpd.h"
#include "ipc.h"
#include "log.h"
#include "session.h"

void
cmd_user(struct session *s, const char *arg)
{
	if (s->logged_in) {
		reply(s, FTP_NOLOGIN, "Can't change to another user.");
		return;
	}
	if (strlen(arg) > MAX_USER) {
		s->have_user = 0;
		reply(s, FTP_BADARG, "User name too long.");
		return;
	}
	str_copy(s->user, sizeof(s->user), arg);
	s->have_user = 1;
	if (s->conf->anonymous_enable && (!strcmp(arg, "ftp") || !strcmp(arg, "anonymous")))
		reply(s, FTP_GIVEPWORD, "Guest login ok, send your e-mail address as password.");
	else
		reply(s, FTP_GIVEPWORD, "Please specify the password.");
}

/* Ask the monitor to log USER in with PASS; returns its answer. */
static int
login_ask_monitor(struct session *s, const char *pass, struct msg *r)
{
	struct msg m;

	msg_init(&m, MON_AUTH, PRIV_MSG_MAX);
	msg_put_str(&m, s->user);
	msg_put_str(&m, pass);
	if (msg_send(s->mon_fd, &m) == -1 || msg_recv(s->mon_fd, r, PRIV_MSG_MAX) == -1)
		die("monitor gone");
	buf_free(&m.body);	/* wipes the password copy */
	return r->type == MON_AUTH_OK ? 0 : -1;
}

void
cmd_pass(struct session *s, const char *arg)
{
	struct msg r, init;
	char reason[MSG_FILE_MAX + 64];
	uint8_t fatal;

	if (s->logged_in) {
		reply(s, FTP_LOGINOK, "Already logged in.");
		return;
	}
	if (!s->have_user) {
		reply(s, FTP_BADSEQ, "Login with USER first.");
		return;
	}
	s->have_user = 0;
	if (arg == NULL)
		arg = "";
	if (strlen(arg) > MAX_PASS) {
		reply(s, FTP_NOLOGIN, "Login incorrect.");
		return;
	}
	if (login_ask_monitor(s, arg, &r) == 0) {
		if (r.fd == -1)
			die("monitor sent no relay");
		s->relay_fd = r.fd;
		s->logged_in = 1;
		msg_init(&init, REL_INIT, PRIV_MSG_MAX);
		msg_put_u32(&init, s->mlst_facts);
		msg_send(s->relay_fd, &init);
		msg_free(&init);
	} else if (msg_get_u8(&r, &fatal) == -1 || msg_get_str(&r, reason, sizeof(reason)) == -1) {
		die("monitor: malformed answer");
	} else if (fatal) {
		reply(s, FTP_CLOSING, "%s Too many failed logins, closing control connection.", reason);
		s->quitting = 1;
	} else
		reply(s, FTP_NOLOGIN, "%s", reason);
	msg_free(&r);
}

void
cmd_acct(struct session *s, const char *arg)
{
	reply(s, FTP_SUPERFLUOUS, "ACCT not needed.");
}

void
cmd_rein(struct session *s, const char *arg)
{
	reply(s, FTP_GREET, "Ready for new user.");
	if (s->logged_in)
		user_end(s, END_REIN);
	s->have_user = 0;
}

void
cmd_quit(struct session *s, const char *arg)
{
	if (s->logged_in && s->xfer != NULL) {
		s->quitting = 1;	/* answered when the transfer ends */
		return;
	}
	reply(s, FTP_GOODBYE, "Goodbye.");
	if (s->logged_in)
		user_end(s, END_QUIT);
	s->quitting = 1;
}

void
cmd_auth(struct session *s, const char *arg)
{
	reply(s, FTP_NOTIMPL, "AUTH not available: this server has no TLS certificate.");
}

void
cmd_adat(struct session *s, const char *arg)
{
	reply(s, FTP_BADSEQ, "No security exchange in progress.");
}

void
cmd_pbsz(struct session *s, const char *arg)
{
	reply(s, FTP_BADSEQ, "PBSZ needs a successful AUTH first.");
}

void
cmd_prot(struct session *s, const char *arg)
{
	reply(s, FTP_BADSEQ, "PROT needs AUTH and PBSZ first.");
}

void
cmd_ccc(struct session *s, const char *arg)
{
	reply(s, FTP_CMDPROT_DENIED, "Command channel is not protected.");
}

void
cmd_mic(struct session *s, const char *arg)
{
	reply(s, FTP_NOTIMPL, "Not implemented: integrity and confidentiality come from TLS.");
}
