/*
 * login.c: the monitor's login decisions (runs as root, in the monitor).
 *
 * Owns who may log in and how: anonymous, local accounts by password through
 * PAM, and client certificates mapped by certmap; the TLS login policy; the
 * legacy ftpusers, ftpchroot, shells and nologin files.  A refusal by policy
 * still goes through PAM so that it looks and takes the same as a bad
 * password.  Never trusts what the control process says beyond the bytes it
 * saw: the certificate is verified and mapped here.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_pam.h"
#include "certmap.h"
#include "files.h"
#include "ipc.h"
#include "log.h"
#include "monitor.h"
#include "session.h"
#include "tls.h"
#include "userconf.h"

/* The user's groups, names in NAMES (for ftpchroot's @group lines). */
static int
mon_groups(const struct passwd *pw, gid_t *gids, char names[][64], int max)
{
	int n = max, i;

	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) == -1)
		n = max;	/* cut: more groups than MAX_GROUPS */
	for (i = 0; i < n; i++) {
		struct group *gr = getgrgid(gids[i]);

		str_copy(names[i], 64, gr != NULL ? gr->gr_name : "");
	}
	return n;
}

/* Is PW's shell acceptable (check_shell, shells_file)? */
static int
mon_shell_ok(const struct session *s, const struct passwd *pw)
{
	const char *sh = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";

	return !s->conf->check_shell || file_has_line(s->conf->shells_file, sh);
}

/* Does tls_anonymous allow this anonymous login?  0 with REASON if not. */
static int
mon_anon_tls_ok(struct mon *m, char *reason, size_t rsz)
{
	const char *why = session_tls_login_refusal(m->s, "anonymous", 1,
	    m->chan_state != CTL_PLAIN, NULL, 0);

	if (why == NULL)
		return 1;
	str_copy(reason, rsz, why);
	return 0;
}

/* Fill CR for an anonymous login; -1 with REASON if refused. */
static int
mon_anon(struct mon *m, struct creds *cr, char *root, size_t rootsz, char *reason, size_t rsz)
{
	const struct conf *c = m->s->conf;
	struct passwd *pw = getpwnam(c->anon_user);

	if (pw == NULL || file_lists_user(c->ftpusers_file, "ftp", NULL, 0) ||
	    file_lists_user(c->ftpusers_file, "anonymous", NULL, 0)) {
		str_copy(reason, rsz, "Anonymous login not allowed.");
		return -1;
	}
	str_copy(root, rootsz, c->anon_root[0] ? c->anon_root : pw->pw_dir);
	cr->uid = pw->pw_uid;
	cr->gid = pw->pw_gid;
	cr->groups[0] = pw->pw_gid;
	cr->ngroups = 1;
	cr->root = root;
	cr->dir = "/";
	return 0;
}

/* PW's group names into NAMES, pointed to by GPTR; how many. */
static int
mon_group_names(const struct passwd *pw, char names[][64], const char **gptr)
{
	gid_t gids[MAX_GROUPS];
	int n = mon_groups(pw, gids, names, MAX_GROUPS), i;

	for (i = 0; i < n; i++)
		gptr[i] = names[i];
	return n;
}

/* Is PW in LIST (user names and @groups)? */
static int
mon_listed(const char *list, const struct passwd *pw)
{
	char gnames[MAX_GROUPS][64];
	const char *gptr[MAX_GROUPS];
	int n;

	if (list[0] == '\0')
		return 0;
	n = mon_group_names(pw, gnames, gptr);
	return session_user_listed(list, pw->pw_name, gptr, n) == 1;
}

/* May PW log in over this connection under the TLS login policy? */
static int
mon_local_tls_ok(struct mon *m, const struct passwd *pw)
{
	char gnames[MAX_GROUPS][64];
	const char *gptr[MAX_GROUPS];
	int n = mon_group_names(pw, gnames, gptr);

	return session_tls_login_refusal(m->s, pw->pw_name, 0, m->chan_state != CTL_PLAIN,
	    gptr, n) == NULL;
}

/* What the client certificate of this login attempt is worth for USER. */
struct mon_cert {
	int	 present;	/* the client sent one */
	int	 ok;		/* valid, and it maps to the user */
	char	 why[256];	/* if not ok: what is wrong, for the client */
};

/*
 * The client certificate of a login, from the control handshake's messages
 * (the TLS process's MON_CHANNEL): valid only if the client proved it holds
 * the key (tls_proof_check(), against the signature the monitor made for
 * this session's handshake), its chain verifies, and certmap maps it to USER.
 */
static void
mon_cert_eval(struct mon *m, const char *user, struct mon_cert *mc)
{
	const struct cert_info *ci = &m->cert_ci;

	memset(mc, 0, sizeof(*mc));
	if (!(mc->present = m->transcript.len > 0)) {
		str_copy(mc->why, sizeof(mc->why), "This account needs a client certificate: "
		    "connect over TLS with your certificate and key.");
		return;
	}
	/* checked once per session: it has one control handshake, one certificate */
	if (!m->cert_checked) {
		m->cert_checked = 1;
		m->cert_valid = tls_proof_check(m->transcript.p, m->transcript.len,
		    m->ctl_sig.p, m->ctl_sig.len,
		    &m->cert_der, m->cert_why, sizeof(m->cert_why)) == 0 &&
		    tls_cert_check(m->s->conf, m->cert_der.p, m->cert_der.len, &m->cert_ci,
		    m->cert_why, sizeof(m->cert_why)) == 0;
	}
	str_copy(mc->why, sizeof(mc->why), m->cert_why);
	mc->ok = m->cert_valid && certmap_check(m->s->conf, ci, user, mc->why,
	    sizeof(mc->why)) == 1;
	log_msg(LOG_INFO | LOG_AUTH, "client certificate from %s for %s: subject %s, issuer %s, "
	    "sha256 %s: %s", m->s->peer_str, user, ci->subject, ci->issuer, ci->fingerprint,
	    mc->ok ? "accepted" : mc->why);
}

/*
 * The certificate rules for PW: returns 1 if a certificate must go with this
 * login (tls_client_cert require, tls_cert_only_users, tls_cert_password_users).
 */
static int
mon_cert_needed(struct mon *m, const struct passwd *pw)
{
	const struct conf *c = m->s->conf;

	return c->tls_client_cert == CCERT_REQUIRE || mon_listed(c->tls_cert_only_users, pw) ||
	    mon_listed(c->tls_cert_password_users, pw);
}

/* Does ftpd's own policy let PW (looked up as USER) log in at all? */
static int
mon_account_ok(struct mon *m, const char *user, const struct passwd *pw)
{
	const struct conf *c = m->s->conf;

	return pw != NULL && pw->pw_uid != 0 && c->local_enable && !c->anonymous_only &&
	    !file_lists_user(c->ftpusers_file, user, NULL, 0) &&
	    (userconf_virtual(pw) || mon_shell_ok(m->s, pw));
}

/* Credentials, chroot and PAM session for an authenticated PW; -1 if PAM refuses. */
static int
mon_finish_local(struct mon *m, const struct passwd *pw, struct creds *cr,
    char *home, size_t homesz)
{
	const struct conf *c;
	char why[256], gnames[MAX_GROUPS][64];
	const char *gptr[MAX_GROUPS];
	int i, n;

	/* virtual users, local_root, user_config_dir: the settings of this user */
	if ((c = userconf_login(m->s->conf, pw, home, homesz, why, sizeof(why))) == NULL) {
		log_msg(LOG_NOTICE | LOG_AUTH, "login of %s from %s refused: %s", pw->pw_name,
		    m->s->peer_str, why);
		return -1;
	}
	cr->uid = pw->pw_uid;
	cr->gid = pw->pw_gid;
	n = mon_groups(pw, cr->groups, gnames, MAX_GROUPS);
	for (i = 0; i < n; i++)
		gptr[i] = gnames[i];
	cr->root = NULL;
	cr->dir = home;
	if (userconf_virtual(pw) || c->chroot_local_user || file_lists_user(c->ftpchroot_file, pw->pw_name, gptr, n)) {
		cr->root = home;
		cr->dir = "/";
	}
	/*
	 * PAM modules (pam_group) may add groups: set ours, open, read them back.
	 * The monitor drops them again on every path (mon_start_user() after the
	 * fork).
	 */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1) {
		log_msg(LOG_ERR, "login of %s: initgroups: %s", pw->pw_name, strerror(errno));
		userconf_drop();
		return -1;
	}
	if (pam_login_open(m->pam, why, sizeof(why)) == -1) {
		log_msg(LOG_ERR, "login of %s: %s", pw->pw_name, why);
		if (setgroups(0, NULL) == -1)
			die("setgroups: %s", strerror(errno));
		userconf_drop();
		return -1;
	}
	n = getgroups(MAX_GROUPS, cr->groups);
	cr->ngroups = n < 0 ? 0 : n;
	str_copy(m->s->user, sizeof(m->s->user), pw->pw_name);
	return 0;
}

/*
 * Authenticate a local user by password through PAM and fill CR; -1 if
 * refused.  A user refused by policy still goes through PAM, with a password
 * that cannot match, so that refusals and bad passwords look and take the
 * same: the client always hears "Login incorrect.", the reason goes to syslog.
 */
static int
mon_local(struct mon *m, const char *user, char *pass, struct creds *cr, char *home,
    size_t homesz)
{
	const struct conf *c = m->s->conf;
	char authuser[MAX_USER + 1], why[256];
	struct passwd *pw = userconf_getpw(c, user);
	struct mon_cert mc;
	const char *refused = NULL;

	if (!mon_account_ok(m, user, pw))
		refused = "no such account, or ftpd's policy refuses it";
	else if (!mon_local_tls_ok(m, pw))
		refused = "a password in clear text (tls_required)";
	else if (mon_listed(c->tls_cert_only_users, pw))
		refused = "a password for a certificate-only account (tls_cert_only_users)";
	else if (mon_cert_needed(m, pw)) {
		mon_cert_eval(m, user, &mc);
		if (!mc.ok)
			refused = mc.why;
	}
	if (refused != NULL)
		str_copy(pass, MAX_PASS + 1, "\b\n\r\177INCORRECT");
	if (pam_login_auth(c->pam_service, user, pass, m->s->peer_str, &m->pam,
	    authuser, sizeof(authuser), why, sizeof(why)) == -1) {
		log_msg(LOG_NOTICE | LOG_AUTH, "failed login for %s from %s: %s", user,
		    m->s->peer_str, refused != NULL ? refused : why);
		return -1;
	}
	if (refused != NULL || (pw = userconf_getpw(c, authuser)) == NULL || !mon_account_ok(m, authuser, pw)) {
		log_msg(LOG_NOTICE | LOG_AUTH, "failed login for %s from %s: %s", user,
		    m->s->peer_str, refused != NULL ? refused : "refused by ftpd policy");
		return -1;
	}
	return mon_finish_local(m, pw, cr, home, homesz);
}

void
mon_auth(struct mon *m, struct ipc_in *req)
{
	const struct conf *c = m->s->conf;
	const char *user = req->u.auth.user;
	char *pass = req->u.auth.pass;	/* ipc_free() wipes it */
	char root[MAX_PATH], reason[sizeof(req->u.auth_fail.reason)];
	struct creds cr;
	struct buf nologin = BUF_INIT(MSG_FILE_MAX);
	int ok;

	mon_end_login(m);
	memset(&cr, 0, sizeof(cr));
	str_copy(reason, sizeof(reason), "Login incorrect.");
	m->s->anonymous = c->anonymous_enable &&
	    (!strcmp(user, "ftp") || !strcmp(user, "anonymous"));
	if (file_read_text(c->nologin_file, &nologin) == 0) {
		str_fmt(reason, sizeof(reason), "%sSystem not available.", buf_cstr(&nologin));
		ok = -1;
	} else if (m->s->anonymous) {
		ok = mon_anon_tls_ok(m, reason, sizeof(reason)) ? mon_anon(m, &cr, root,
		    sizeof(root), reason, sizeof(reason)) : -1;
		if (ok == 0)
			log_msg(LOG_INFO, "ANONYMOUS FTP LOGIN FROM %s, %.64s", m->s->peer_str, pass);
	} else
		ok = mon_local(m, user, pass, &cr, root, sizeof(root));
	buf_free(&nologin);
	if (ok == 0) {
		if (m->s->anonymous)
			str_copy(m->s->user, sizeof(m->s->user), "anonymous");
		else
			log_msg(LOG_INFO, "FTP LOGIN FROM %s as %s", m->s->peer_str, m->s->user);
		mon_start_user(m, &cr);
		return;
	}
	mon_login_failed(m, reason);
}

/*
 * USER over TLS with a client certificate (RFC 4217 12.2): log in without a
 * password (232) when the certificate is valid and maps to the account, ask
 * for the password when policy wants both or the certificate does not help,
 * refuse when the account may only log in by certificate.
 */
void
mon_cert_login(struct mon *m, struct ipc_in *req)
{
	const char *user = req->u.cert_login.user;
	char home[MAX_PATH], why[256];
	struct mon_cert mc;
	struct passwd *pw;
	struct creds cr;

	mon_end_login(m);
	m->s->anonymous = 0;
	pw = userconf_getpw(m->s->conf, user);
	/*
	 * The certificate is checked for any name, and a refusal comes only at
	 * PASS, with the same "Login incorrect." as every other: USER tells no
	 * stranger which accounts exist or what their certificate lacks.
	 */
	mon_cert_eval(m, user, &mc);
	if (!mc.present)	/* the control process asked, but no handshake brought one */
		log_msg(LOG_NOTICE | LOG_AUTH, "certificate login for %s from %s refused: no "
		    "client certificate on this connection's TLS handshake", user, m->s->peer_str);
	if (!mc.ok || !mon_account_ok(m, user, pw)) {
		/* a verification that logs nobody in counts like a failed login */
		if (++m->fails >= m->s->conf->login_attempts) {
			m->fails--;
			mon_login_failed(m, "Login incorrect.");
		} else
			mon_cert_pass(m, "Please specify the password.");
		return;
	}
	if (mon_listed(m->s->conf->tls_cert_password_users, pw)) {
		mon_cert_pass(m, "Certificate accepted; now send your password.");
		return;
	}
	memset(&cr, 0, sizeof(cr));
	if (pam_login_account(m->s->conf->pam_service, user, m->s->peer_str, &m->pam,
	    why, sizeof(why)) == -1 || (pw = userconf_getpw(m->s->conf, user)) == NULL ||
	    mon_finish_local(m, pw, &cr, home, sizeof(home)) == -1) {
		log_msg(LOG_NOTICE | LOG_AUTH, "certificate login for %s from %s refused: %s",
		    user, m->s->peer_str, why);
		mon_login_failed(m, "Login incorrect.");
		return;
	}
	log_msg(LOG_INFO, "FTP LOGIN FROM %s as %s (client certificate)", m->s->peer_str, user);
	m->s->cert_login = 1;
	mon_start_user(m, &cr);
	m->s->cert_login = 0;
}

