/*
 * monitor.c: the privileged side of a session.
 *
 * Runs as root for the whole session and never reads a byte from the network:
 * it gives the client connection to the control process and then only speaks
 * the fixed IPC of session.h.  It does the logins (PAM, anonymous, the legacy
 * ftpusers/ftpchroot/shells/nologin files), forks the user process with the
 * user's credentials, binds port 20 on request, and closes the PAM session
 * when the user process ends.  Requests are checked against a permission table
 * (who may send it, in which state); anything else ends the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth_pam.h"
#include "certmap.h"
#include "files.h"
#include "ftpd.h"
#include "ipc.h"
#include "log.h"
#include "session.h"
#include "tls.h"

struct mon {
	struct session		*s;
	int			 ctl_fd;	/* to the control process */
	int			 usr_fd;	/* to the user process, -1 if none */
	pid_t			 ctl_pid;
	pid_t			 usr_pid;
	struct pam_login	*pam;		/* the open PAM session, if any */
	int			 fails;		/* failed logins on this connection */
	int			 tls;		/* the login came over a TLS control connection */
};

#define MF_CTL		0x01	/* the control process may send it */
#define MF_USR		0x02	/* the user process may send it */
#define MF_PREAUTH	0x04	/* allowed while nobody is logged in */
#define MF_POSTAUTH	0x08	/* allowed while a user is logged in */

struct mon_req {
	uint8_t		 type;
	unsigned	 flags;
	void		(*fn)(struct mon *, struct msg *);
};

static void mon_auth(struct mon *, struct msg *);
static void mon_cert_login(struct mon *, struct msg *);
static void mon_port20(struct mon *, struct msg *);

static const struct mon_req reqtab[] = {
	{ MON_AUTH,	MF_CTL | MF_PREAUTH | MF_POSTAUTH,	mon_auth },
	{ MON_CERT_LOGIN, MF_CTL | MF_PREAUTH | MF_POSTAUTH,	mon_cert_login },
	{ MON_PORT20,	MF_USR | MF_POSTAUTH,			mon_port20 },
};

/* Wait for the user process to end, then close its PAM session. */
static void
mon_end_login(struct mon *m)
{
	if (m->usr_fd != -1)
		close(m->usr_fd);
	m->usr_fd = -1;
	if (m->usr_pid > 0) {
		while (waitpid(m->usr_pid, NULL, 0) == -1 && errno == EINTR)
			;
		m->usr_pid = 0;
	}
	pam_login_end(m->pam);
	m->pam = NULL;
}

static void
mon_send_fail(struct mon *m, int close_it, const char *reason)
{
	struct msg r;

	msg_init(&r, MON_AUTH_FAIL, PRIV_MSG_MAX);
	msg_put_u8(&r, (uint8_t)close_it);
	msg_put_str(&r, reason);
	msg_send(m->ctl_fd, &r);
	msg_free(&r);
}

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
	const char *p = m->s->conf->tls_anonymous;

	if (m->tls && !strcmp(p, "refuse"))
		str_copy(reason, rsz, "Anonymous logins are not allowed over TLS.");
	else if (!m->tls && !strcmp(p, "require") && m->s->tls_ctx != NULL)
		str_copy(reason, rsz, "Anonymous logins need TLS: send AUTH TLS first.");
	else
		return 1;
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

/* Is PW in LIST (user names and @groups)? */
static int
mon_listed(const char *list, const struct passwd *pw)
{
	char gnames[MAX_GROUPS][64];
	const char *gptr[MAX_GROUPS];
	gid_t gids[MAX_GROUPS];
	int n, i;

	if (list[0] == '\0')
		return 0;
	n = mon_groups(pw, gids, gnames, MAX_GROUPS);
	for (i = 0; i < n; i++)
		gptr[i] = gnames[i];
	return session_user_listed(list, pw->pw_name, gptr, n) == 1;
}

/* May PW log in over this connection under tls_required / tls_plain_users? */
static int
mon_local_tls_ok(struct mon *m, const struct passwd *pw)
{
	return m->tls || session_tls_required(m->s) == TLSREQ_NONE ||
	    mon_listed(m->s->conf->tls_plain_users, pw);
}

/* What the client certificate of this login attempt is worth for USER. */
struct mon_cert {
	int	 present;	/* the client sent one */
	int	 ok;		/* valid, and it maps to the user */
	char	 why[256];	/* if not ok: what is wrong, for the client */
};

static void
mon_cert_eval(struct mon *m, const void *der, size_t n, const char *user, struct mon_cert *mc)
{
	struct cert_info ci;

	memset(mc, 0, sizeof(*mc));
	if (!(mc->present = n > 0)) {
		str_copy(mc->why, sizeof(mc->why), "This account needs a client certificate: "
		    "connect over TLS with your certificate and key.");
		return;
	}
	mc->ok = tls_cert_check(m->s->conf, der, n, &ci, mc->why, sizeof(mc->why)) == 0 &&
	    certmap_check(m->s->conf, &ci, user, mc->why, sizeof(mc->why)) == 1;
	log_msg(LOG_INFO | LOG_AUTH, "client certificate from %s for %s: subject %s, issuer %s, "
	    "sha256 %s: %s", m->s->peer_str, user, ci.subject, ci.issuer, ci.fingerprint,
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

	return !strcmp(c->tls_client_cert, "require") || mon_listed(c->tls_cert_only_users, pw) ||
	    mon_listed(c->tls_cert_password_users, pw);
}

/* Does ftpd's own policy let PW (looked up as USER) log in at all? */
static int
mon_account_ok(struct mon *m, const char *user, const struct passwd *pw)
{
	const struct conf *c = m->s->conf;

	return pw != NULL && pw->pw_uid != 0 && c->local_enable && !c->anonymous_only &&
	    !file_lists_user(c->ftpusers_file, user, NULL, 0) && mon_shell_ok(m->s, pw);
}

/* Credentials, chroot and PAM session for an authenticated PW; -1 if PAM refuses. */
static int
mon_finish_local(struct mon *m, const struct passwd *pw, struct creds *cr,
    char *home, size_t homesz)
{
	const struct conf *c = m->s->conf;
	char why[256], gnames[MAX_GROUPS][64];
	const char *gptr[MAX_GROUPS];
	int i, n;

	cr->uid = pw->pw_uid;
	cr->gid = pw->pw_gid;
	n = mon_groups(pw, cr->groups, gnames, MAX_GROUPS);
	for (i = 0; i < n; i++)
		gptr[i] = gnames[i];
	str_copy(home, homesz, pw->pw_dir);
	cr->root = NULL;
	cr->dir = home;
	if (c->chroot_local_user || file_lists_user(c->ftpchroot_file, pw->pw_name, gptr, n)) {
		cr->root = home;
		cr->dir = "/";
	}
	/* PAM modules (pam_group) may add groups: set ours, open, read them back */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    pam_login_open(m->pam, why, sizeof(why)) == -1) {
		log_msg(LOG_ERR, "login of %s: %s", pw->pw_name, why);
		return -1;
	}
	n = getgroups(MAX_GROUPS, cr->groups);
	cr->ngroups = n < 0 ? 0 : n;
	str_copy(m->s->user, sizeof(m->s->user), pw->pw_name);
	return 0;
}

/*
 * Authenticate a local user by password through PAM and fill CR; -1 if
 * refused (REASON for the client).  A user refused by policy still goes
 * through PAM, with a password that cannot match, so that refusals and bad
 * passwords look and take the same.
 */
static int
mon_local(struct mon *m, const char *user, char *pass, const void *der, size_t dern,
    struct creds *cr, char *home, size_t homesz, char *reason, size_t rsz)
{
	const struct conf *c = m->s->conf;
	char authuser[MAX_USER + 1], why[256];
	struct passwd *pw = getpwnam(user);
	struct mon_cert mc;
	int policy_ok = mon_account_ok(m, user, pw);

	if (policy_ok && !mon_local_tls_ok(m, pw)) {
		str_copy(reason, rsz, "Non-anonymous sessions must use encryption: "
		    "connect with explicit FTP over TLS (AUTH TLS).");
		policy_ok = 0;
	} else if (policy_ok && mon_listed(c->tls_cert_only_users, pw)) {
		str_copy(reason, rsz, "This account logs in by client certificate only: "
		    "send USER over TLS with your certificate.");
		policy_ok = 0;
	} else if (policy_ok && mon_cert_needed(m, pw)) {
		mon_cert_eval(m, der, dern, user, &mc);
		if (!mc.ok) {
			str_copy(reason, rsz, mc.why);
			policy_ok = 0;
		}
	}
	if (!policy_ok)
		str_copy(pass, MAX_PASS + 1, "\b\n\r\177INCORRECT");
	if (pam_login_auth(c->pam_service, user, pass, m->s->peer_str, &m->pam,
	    authuser, sizeof(authuser), why, sizeof(why)) == -1) {
		log_msg(LOG_NOTICE | LOG_AUTH, "failed login for %s from %s: %s", user,
		    m->s->peer_str, policy_ok ? why : "refused by ftpd policy");
		return -1;
	}
	if (!policy_ok || (pw = getpwnam(authuser)) == NULL || !mon_account_ok(m, authuser, pw)) {
		log_msg(LOG_NOTICE | LOG_AUTH, "failed login for %s from %s: refused by ftpd policy",
		    user, m->s->peer_str);
		return -1;
	}
	return mon_finish_local(m, pw, cr, home, homesz);
}

/* Start the user process with CR and hand its relay socket to the control process. */
static void
mon_start_user(struct mon *m, const struct creds *cr)
{
	int relay[2], mon[2];
	struct msg r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, relay) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) == -1)
		die("socketpair: %s", strerror(errno));
	m->usr_pid = fork();
	if (m->usr_pid == -1)
		die("fork: %s", strerror(errno));
	if (m->usr_pid == 0) {
		close(m->ctl_fd);
		close(relay[0]);
		close(mon[0]);
		user_run(m->s, cr, relay[1], mon[1]);
	}
	close(relay[1]);
	close(mon[1]);
	m->usr_fd = mon[0];
	setgroups(0, NULL);
	msg_init(&r, MON_AUTH_OK, PRIV_MSG_MAX);
	r.fd = relay[0];
	msg_send(m->ctl_fd, &r);
	msg_free(&r);
	close(relay[0]);
}

static void
mon_cert_pass(struct mon *m, const char *text)
{
	struct msg r;

	msg_init(&r, MON_CERT_PASS, PRIV_MSG_MAX);
	msg_put_str(&r, text);
	msg_send(m->ctl_fd, &r);
	msg_free(&r);
}

/* A failed login attempt: the delay, the count, the answer. */
static void
mon_login_failed(struct mon *m, const char *reason)
{
	pam_login_end(m->pam);
	m->pam = NULL;
	if (m->s->conf->login_delay > 0)
		sleep((unsigned)m->s->conf->login_delay);
	mon_send_fail(m, ++m->fails >= m->s->conf->login_attempts, reason);
}

static void
mon_auth(struct mon *m, struct msg *req)
{
	const struct conf *c = m->s->conf;
	char user[MAX_USER + 1], pass[MAX_PASS + 1], root[MAX_PATH], reason[MSG_FILE_MAX + 64];
	struct creds cr;
	struct buf nologin = BUF_INIT(MSG_FILE_MAX);
	const void *der;
	size_t dern;
	uint8_t tls;
	int ok;

	if (msg_get_str(req, user, sizeof(user)) == -1 ||
	    msg_get_str(req, pass, sizeof(pass)) == -1 || msg_get_u8(req, &tls) == -1 ||
	    msg_get_bytes(req, &der, &dern) == -1 || !msg_done(req))
		die("monitor: malformed login request");
	m->tls = tls != 0;
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
		ok = mon_local(m, user, pass, der, dern, &cr, root, sizeof(root), reason,
		    sizeof(reason));
	explicit_bzero(pass, sizeof(pass));
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
static void
mon_cert_login(struct mon *m, struct msg *req)
{
	char user[MAX_USER + 1], home[MAX_PATH], why[256];
	const void *der;
	size_t dern;
	struct mon_cert mc;
	struct passwd *pw;
	struct creds cr;

	if (msg_get_str(req, user, sizeof(user)) == -1 ||
	    msg_get_bytes(req, &der, &dern) == -1 || !msg_done(req) || dern == 0)
		die("monitor: malformed certificate login request");
	mon_end_login(m);
	m->tls = 1;
	m->s->anonymous = 0;
	pw = getpwnam(user);
	if (!mon_account_ok(m, user, pw)) {
		mon_cert_pass(m, "Please specify the password.");	/* fails as usual */
		return;
	}
	mon_cert_eval(m, der, dern, user, &mc);
	if (!mc.ok) {
		if (mon_cert_needed(m, pw))
			mon_login_failed(m, mc.why);
		else
			mon_cert_pass(m, "Please specify the password.");
		return;
	}
	if (mon_listed(m->s->conf->tls_cert_password_users, pw)) {
		mon_cert_pass(m, "Certificate accepted; now send your password.");
		return;
	}
	memset(&cr, 0, sizeof(cr));
	if (pam_login_account(m->s->conf->pam_service, user, m->s->peer_str, &m->pam,
	    why, sizeof(why)) == -1 || (pw = getpwnam(user)) == NULL ||
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

static void
mon_port20(struct mon *m, struct msg *req)
{
	union sockaddr_u a;
	const void *p;
	size_t n;
	struct msg r;
	int fd = -1, one = 1;

	if (msg_get_bytes(req, &p, &n) == -1 || n > sizeof(a) || !msg_done(req))
		die("monitor: malformed port 20 request");
	memset(&a, 0, sizeof(a));
	memcpy(&a, p, n);
	/* only the control connection's own address, only port 20 */
	a.sa.sa_family = m->s->local.sa.sa_family;
	if (n != net_len(&m->s->local) || !net_same_addr(&a, &m->s->local))
		die("monitor: port 20 request for a foreign address");
	net_set_port(&a, 20);
	fd = socket(a.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd != -1 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, &a.sa, net_len(&a)) == -1)) {
		log_msg(LOG_WARNING, "bind port 20: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	msg_init(&r, MON_FD, PRIV_MSG_MAX);
	r.fd = fd;
	msg_send(m->usr_fd, &r);
	msg_free(&r);
	if (fd != -1)
		close(fd);
}

/* Check REQ against the permission table and run it. */
static void
mon_dispatch(struct mon *m, struct msg *req, unsigned from)
{
	unsigned state = m->usr_pid > 0 ? MF_POSTAUTH : MF_PREAUTH;
	size_t i;

	for (i = 0; i < sizeof(reqtab) / sizeof(reqtab[0]); i++) {
		if (reqtab[i].type != req->type)
			continue;
		if (!(reqtab[i].flags & from) || !(reqtab[i].flags & state))
			die("monitor: request %u not permitted here", req->type);
		reqtab[i].fn(m, req);
		return;
	}
	die("monitor: unknown request %u", req->type);
}

/* Serve requests until the control process is gone. */
static void
mon_loop(struct mon *m)
{
	struct pollfd pfd[2];
	struct msg req;

	for (;;) {
		pfd[0].fd = m->ctl_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = m->usr_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, m->usr_fd != -1 ? 2 : 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (m->usr_fd != -1 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			if (msg_recv(m->usr_fd, &req, PRIV_MSG_MAX) == -1) {
				mon_end_login(m);
				continue;
			}
			if (req.fd != -1)
				die("monitor: unexpected descriptor from user process");
			mon_dispatch(m, &req, MF_USR);
			msg_free(&req);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			if (msg_recv(m->ctl_fd, &req, PRIV_MSG_MAX) == -1)
				return;
			if (req.fd != -1)
				die("monitor: unexpected descriptor from control process");
			mon_dispatch(m, &req, MF_CTL);
			msg_free(&req);
		}
	}
}

/* Make sure the control process's chroot exists and is root's. */
static void
mon_empty_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		die("%s is not a directory", dir);
	if (st.st_uid != 0 || (st.st_mode & 022))
		die("%s must be owned by root and not writable by others", dir);
}

/* Fork the control process: unprivileged, chrooted, owner of fds 0/1. */
static pid_t
mon_start_control(struct session *s, const int sp[2])
{
	const struct conf *c = s->conf;
	struct passwd *pw = getpwnam(c->nopriv_user);
	struct creds cr;
	pid_t pid;

	if (pw == NULL)
		die("nopriv_user %s does not exist", c->nopriv_user);
	mon_empty_dir(c->empty_dir);
	memset(&cr, 0, sizeof(cr));
	cr.uid = pw->pw_uid;
	cr.gid = pw->pw_gid;
	cr.ngroups = 0;
	cr.root = c->empty_dir;
	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sp[0]);
		if (s->xferlog_fd != -1)
			close(s->xferlog_fd);
		s->xferlog_fd = -1;
		s->mon_fd = sp[1];
		privdrop(&cr);
		privdrop_die_with_parent(s->monitor_pid);
		control_run(s);
	}
	return pid;
}

/*
 * The address PASV announces behind NAT: pasv_address (a name is resolved
 * now, while DNS is reachable), unless the client is on a local network.
 */
static void
mon_pasv_setup(struct session *s)
{
	struct addrinfo hints, *res;
	int e;

	if (s->conf->pasv_address[0] == '\0' ||
	    net_in_networks(&s->peer, s->conf->pasv_local_networks))
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(s->conf->pasv_address, NULL, &hints, &res)) != 0) {
		log_msg(LOG_WARNING, "pasv_address %s: %s: PASV announces the local address",
		    s->conf->pasv_address, gai_strerror(e));
		return;
	}
	memcpy(&s->pasv_adv.in, res->ai_addr, sizeof(s->pasv_adv.in));
	s->have_pasv_adv = 1;
	freeaddrinfo(res);
}

/* Load the certificate (as root) and build the session's TLS context. */
static void
mon_tls_setup(struct session *s)
{
	char err[512];

	if (!tls_configured(s->conf)) {
		if (s->implicit)
			die("ftpsd needs a certificate: set tls_cert_file");
		return;
	}
	if ((s->tls_ctx = tls_ctx_new(s->conf, err, sizeof(err))) == NULL)
		die("TLS set-up failed: %s", err);
}

void
monitor_run(struct session *s)
{
	struct mon m;
	socklen_t len;
	int sp[2], null;

	len = sizeof(s->peer);
	if (getpeername(0, &s->peer.sa, &len) == -1)
		die("fd 0 is not a connected socket: start ftpd from inetd, or use -D");
	len = sizeof(s->local);
	if (getsockname(0, &s->local.sa, &len) == -1)
		die("getsockname: %s", strerror(errno));
	net_unmap(&s->peer);
	net_unmap(&s->local);
	net_ntop(&s->peer, s->peer_str, sizeof(s->peer_str));
	s->monitor_pid = getpid();
	if (s->conf->log_sessions)
		log_msg(LOG_INFO, "connection from %s", s->peer_str);
	file_read_text(s->conf->welcome_file, &s->welcome);
	mon_tls_setup(s);
	mon_pasv_setup(s);
	if (s->conf->xferlog_enable && (s->xferlog_fd = open(s->conf->xferlog_file,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) == -1)
		log_msg(LOG_WARNING, "xferlog %s: %s", s->conf->xferlog_file, strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		die("socketpair: %s", strerror(errno));
	memset(&m, 0, sizeof(m));
	m.s = s;
	m.usr_fd = -1;
	m.ctl_fd = sp[0];
	m.ctl_pid = mon_start_control(s, sp);
	close(sp[1]);
	/* from here on the monitor holds no client descriptor */
	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1)
		die("/dev/null: %s", strerror(errno));
	if (null > 2)
		close(null);
	mon_loop(&m);
	if (m.usr_pid > 0)
		kill(m.usr_pid, SIGTERM);
	mon_end_login(&m);
	while (waitpid(m.ctl_pid, NULL, 0) == -1 && errno == EINTR)
		;
	if (s->conf->log_sessions)
		log_msg(LOG_INFO, "session from %s closed", s->peer_str);
}
