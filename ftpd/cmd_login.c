/*
 * cmd_login.c: USER, PASS, ACCT, REIN and QUIT.
 *
 * Before login these run in the control process, which forwards the
 * credentials to the monitor (the judge) and refuses early only what the TLS
 * policy forbids from the name alone; after login they run in the user
 * process.  Passwords are wiped as soon as they are sent.
 */
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "ftpd.h"
#include "ipc.h"
#include "log.h"
#include "session.h"

static int
is_anonymous(const struct session *s, const char *user)
{
	return s->conf->anonymous_enable && (!strcmp(user, "ftp") || !strcmp(user, "anonymous"));
}

/*
 * The TLS login policy, as far as the control process can judge it from the
 * name alone (the monitor checks again, with the user's groups): refuse
 * before the password is sent in clear.  Returns 1 after replying 530.
 */
static int
login_tls_refused(struct session *s, const char *user)
{
	int tls = s->tls_state != CTL_PLAIN;
	const char *anon = s->conf->tls_anonymous;

	if (is_anonymous(s, user)) {
		if (tls && !strcmp(anon, "refuse"))
			reply(s, FTP_NOLOGIN, "Anonymous logins are not allowed over TLS: "
			    "connect without AUTH.");
		else if (!tls && !strcmp(anon, "require") && s->tls_ctx != NULL)
			reply(s, FTP_NOLOGIN, "Anonymous logins need TLS: send AUTH TLS first.");
		else
			return 0;
		return 1;
	}
	if (tls || session_tls_required(s) == TLSREQ_NONE ||
	    session_tls_plain_user(s, user, NULL, 0) != 0)
		return 0;
	reply(s, FTP_NOLOGIN, "Non-anonymous sessions must use encryption: "
	    "connect with explicit FTP over TLS (AUTH TLS).");
	return 1;
}

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
	s->have_user = 0;
	if (login_tls_refused(s, arg))
		return;
	str_copy(s->user, sizeof(s->user), arg);
	s->have_user = 1;
	if (is_anonymous(s, arg))
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
	msg_put_u8(&m, s->tls_state != CTL_PLAIN);
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
		control_sync_prot(s);
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
	if (s->tls_state != CTL_PLAIN) {
		reply(s, FTP_NOTIMPL, "REIN is not available on a TLS session: reconnect instead.");
		return;
	}
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
