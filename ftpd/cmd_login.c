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
	const char *why = session_tls_login_refusal(s, user, is_anonymous(s, user),
	    s->tls_state != CTL_PLAIN, NULL, 0);

	if (why == NULL)
		return 0;
	reply(s, FTP_NOLOGIN, "%s", why);
	return 1;
}

/* Wait for the monitor's answer R to request REQ, just sent (-1: it is gone). */
static void
login_await(struct session *s, int sent, enum ipc_type req, struct ipc_in *r)
{
	if (sent == -1 || ipc_await(s->mon_fd, IPC_MON, IPC_CTL, req, r) == -1)
		die("monitor gone");
}

/*
 * The monitor's answer to a login attempt: logged in (the user process
 * replies 230/232), go on with the password (331, after USER with a
 * certificate), or refused (530, or 421 after too many failures).
 */
static void
login_answer(struct session *s, struct ipc_in *r)
{
	struct ipc_init init;

	if (r->type == MON_CERT_PASS) {		/* USER goes on: PASS follows */
		reply(s, FTP_GIVEPWORD, "%s", r->u.cert_pass.text);
		return;
	}
	s->have_user = 0;
	if (r->type == MON_AUTH_OK) {
		s->relay_fd = r->fd;
		s->logged_in = 1;
		s->inflight = 1;	/* until the user process has said 230 */
		init.mlst_facts = s->mlst_facts;
		init.tls_session = (struct ipc_bytes){ s->ctl_session.p, s->ctl_session.len };
		ipc_send_init(s->relay_fd, &init, -1);
		control_sync_prot(s);
	} else if (r->u.auth_fail.close) {
		reply(s, FTP_CLOSING, "%s Too many failed logins, closing control connection.",
		    r->u.auth_fail.reason);
		s->quitting = 1;
	} else
		reply(s, FTP_NOLOGIN, "%s", r->u.auth_fail.reason);
}

/*
 * USER over TLS with a client certificate: the monitor, which has the
 * handshake from the TLS process, may log the user in at once (232), want
 * the password (331), or refuse.  Returns 0 if there is no certificate to try
 * (go on as usual), 1 after it answered.
 */
static int
login_by_cert(struct session *s)
{
	struct ipc_cert_login m;
	struct ipc_in r;

	if (s->tls_state != CTL_TLS || !s->have_cert_digest ||
	    s->conf->tls_client_cert == CCERT_NONE)
		return 0;
	str_copy(m.user, sizeof(m.user), s->user);
	login_await(s, ipc_send_cert_login(s->mon_fd, &m, -1), MON_CERT_LOGIN, &r);
	login_answer(s, &r);
	ipc_free(&r);
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
	if (!is_anonymous(s, arg) && login_by_cert(s))
		return;
	if (is_anonymous(s, arg))
		reply(s, FTP_GIVEPWORD, "Guest login ok, send your e-mail address as password.");
	else
		reply(s, FTP_GIVEPWORD, "Please specify the password.");
}

void
cmd_pass(struct session *s, const char *arg)
{
	struct ipc_auth m;
	struct ipc_in r;

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
	str_copy(m.user, sizeof(m.user), s->user);
	str_copy(m.pass, sizeof(m.pass), arg);
	login_await(s, ipc_send_auth(s->mon_fd, &m, -1), MON_AUTH, &r);
	explicit_bzero(&m, sizeof(m));		/* the password's copy */
	login_answer(s, &r);
	ipc_free(&r);
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
