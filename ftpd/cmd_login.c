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
#include "tls.h"

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

/* Append the client certificate of the control connection (empty if none); its length. */
static size_t
login_put_cert(struct session *s, struct msg *m)
{
	struct buf der = BUF_INIT(CERT_DER_MAX);
	size_t n;

	if (s->ctl_tls != NULL && strcmp(s->conf->tls_client_cert, "none") != 0)
		tls_peer_der(s->ctl_tls, &der);		/* the handshake refused larger ones */
	msg_put_bytes(m, buf_cstr(&der), der.len);
	n = der.len;
	buf_free(&der);
	return n;
}

/* Send M to the monitor and wait for its answer in R. */
static void
login_ask_monitor(struct session *s, struct msg *m, struct msg *r)
{
	if (msg_send(s->mon_fd, m) == -1 || msg_recv(s->mon_fd, r, MON_MSG_MAX) == -1)
		die("monitor gone");
	buf_free(&m->body);	/* wipes a password copy */
}

/*
 * The monitor's answer to a login attempt: logged in (the user process
 * replies 230/232), or refused (530, or 421 after too many failures).
 */
static void
login_answer(struct session *s, struct msg *r)
{
	char reason[MSG_FILE_MAX + 64];
	struct msg init;
	struct buf sess;
	uint8_t fatal;

	s->have_user = 0;
	if (r->type == MON_AUTH_OK) {
		if (r->fd == -1)
			die("monitor sent no relay");
		s->relay_fd = r->fd;
		s->logged_in = 1;
		s->inflight = 1;	/* until the user process has said 230 */
		msg_init(&init, REL_INIT, RELAY_MSG_MAX);
		msg_put_u32(&init, s->mlst_facts);
		buf_init(&sess, TLS_SESSION_MAX);
		if (s->ctl_tls != NULL)
			tls_session_export(s->ctl_tls, &sess);
		msg_put_bytes(&init, sess.p, sess.len);
		buf_free(&sess);
		msg_send(s->relay_fd, &init);
		msg_free(&init);
		control_sync_prot(s);
	} else if (r->type != MON_AUTH_FAIL || msg_get_u8(r, &fatal) == -1 ||
	    msg_get_str(r, reason, sizeof(reason)) == -1) {
		die("monitor: malformed answer");
	} else if (fatal) {
		reply(s, FTP_CLOSING, "%s Too many failed logins, closing control connection.", reason);
		s->quitting = 1;
	} else
		reply(s, FTP_NOLOGIN, "%s", reason);
}

/*
 * USER over TLS with a client certificate: the monitor may log the user in
 * at once (232), want the password (331), or refuse.  Returns 0 if there is
 * no certificate to try (go on as usual), 1 after it answered.
 */
static int
login_by_cert(struct session *s)
{
	char text[256];
	struct msg m, r;

	if (s->ctl_tls == NULL || !strcmp(s->conf->tls_client_cert, "none"))
		return 0;
	msg_init(&m, MON_CERT_LOGIN, MON_MSG_MAX);
	msg_put_str(&m, s->user);
	if (login_put_cert(s, &m) == 0) {
		msg_free(&m);	/* the client sent no certificate */
		return 0;
	}
	login_ask_monitor(s, &m, &r);
	if (r.type == MON_CERT_PASS && msg_get_str(&r, text, sizeof(text)) == 0)
		reply(s, FTP_GIVEPWORD, "%s", text);
	else
		login_answer(s, &r);
	msg_free(&r);
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
	struct msg m, r;

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
	msg_init(&m, MON_AUTH, MON_MSG_MAX);
	msg_put_str(&m, s->user);
	msg_put_str(&m, arg);
	msg_put_u8(&m, s->tls_state != CTL_PLAIN);
	login_put_cert(s, &m);
	login_ask_monitor(s, &m, &r);
	login_answer(s, &r);
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
