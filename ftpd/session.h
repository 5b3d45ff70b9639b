/*
 * session.h: the state of one FTP session, shared by its processes.
 *
 * One struct session exists per process; each process is forked from the one
 * before it, so a child starts with its parent's view and keeps only the part
 * its role owns (see DESIGN.md):
 *   monitor  root; PAM and privileged helpers; never reads network bytes
 *   control  nopriv_user in empty_dir; owns the client connection; pre-login commands
 *   user     the logged-in user; post-login commands; owns the data connections
 *   transfer one data transfer, forked by the user process
 */
#ifndef FTPD_SESSION_H
#define FTPD_SESSION_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "conf.h"
#include "limits.h"
#include "net.h"

/* IPC message types (common/ipc.h frames) */
enum {
	MON_AUTH = 1,	/* control -> monitor: str user, str password, u8 tls, bytes cert */
	MON_AUTH_OK,	/* monitor -> control: fd = relay socket to the new user process */
	MON_AUTH_FAIL,	/* monitor -> control: u8 close, str reason */
	MON_PORT20,	/* user -> monitor: bytes sockaddr of the PORT target (connect_from_port_20) */
	MON_FD,		/* monitor -> user: fd = connected from port 20 (or none) */
	MON_CERT_LOGIN,	/* control -> monitor: str user, bytes client certificate (DER) */
	MON_CERT_PASS,	/* monitor -> control: str text: go on with a password (331) */
	MON_XFERLOG,	/* user -> monitor: u32 secs, u64 bytes, u8 'a'|'b', u8 'o'|'i', u8 'c'|'i', str path */
	REL_INIT,	/* control -> user: u32 mlst facts, bytes control TLS session (then a REL_PROT) */
	REL_CMD,	/* control -> user: str command line */
	REL_REPLY,	/* user -> control: bytes to send to the client */
	REL_BUSY,	/* user -> control: u8 transfer running (suspends the idle timer) */
	REL_IDLE,	/* user -> control: u32 new idle timeout (SITE IDLE) */
	REL_END,	/* user -> control: u8 END_* why the user process ends */
	REL_PROT,	/* control -> user: u8 prot, u8 TLS state, bytes client cert digest */
	REL_READY	/* user -> control: the last command is answered; send the next */
};
#define END_QUIT	0
#define END_REIN	1

enum data_mode { DATA_NONE, DATA_PORT, DATA_PASV };

struct xfer;
struct tls_ctx;
struct tls_conn;

/* the control connection's protection (RFC 4217 3.2 of spec.md) */
enum ctl_tls { CTL_PLAIN, CTL_TLS, CTL_CLEARED };
/* must data connections resume the control connection's TLS session? */
enum tls_reuse { REUSE_OFF, REUSE_ACCEPT, REUSE_REQUIRE };
/* tls_data, tls_data_list: the data protection a session's transfers need */
enum data_prot { DPROT_NEVER, DPROT_ALLOW, DPROT_REQUIRE };

struct session {
	const struct conf *conf;
	union sockaddr_u peer;		/* the client's end of the control connection */
	union sockaddr_u local;		/* our end */
	char		 peer_str[64];	/* numeric peer address, for logs */
	pid_t		 monitor_pid;
	int		 implicit;		/* ftpsd: TLS from the first byte */
	int		 limit_fd[2];		/* monitor: its session slots (limit.c); -1 elsewhere */

	/* TLS state: owned by the control process, copied to the user process */
	struct tls_ctx	*tls_ctx;		/* NULL: no certificate, plain FTP only */
	struct tls_conn	*ctl_tls;		/* control process: the control connection's TLS */
	enum ctl_tls	 tls_state;
	int		 pbsz_done;
	char		 prot;			/* 'C' or 'P' */
	int		 have_cert_digest;	/* the client sent a certificate on control */
	unsigned char	 cert_digest[32];

	/* control process */
	int		 client_in, client_out;	/* fd 0 / 1 */
	int		 mon_fd;		/* to the monitor, -1 in the user process */
	int		 relay_fd;		/* control <-> user process, -1 before login */
	long		 idle_timeout;
	int		 busy;			/* a transfer runs: no idle timeout */
	int		 inflight;		/* a relayed command awaits REL_READY */
	time_t		 login_start;		/* the login timer counts from here */
	char		 user[MAX_USER + 1];	/* from USER, before login */
	int		 have_user;
	int		 prelogin_errors;
	int		 lines_seen;		/* command lines read (ClientHello check) */
	int		 discard_input;		/* drop the rest of what was read (AUTH) */
	int		 quitting;
	int		 xferlog_fd;		/* monitor: the xferlog, -1 if off (only it writes) */
	struct buf	 welcome;		/* welcome_file, read before chroot */

	/* user process */
	int		 logged_in;
	int		 anonymous;
	int		 cert_login;		/* logged in by client certificate (232) */
	int		 may_write;		/* local user with write_enable */
	enum tls_reuse	 tls_reuse;		/* the monitor's session_reuse_policy() */
	enum data_prot	 data_prot[2];		/* session_data_policy(): [0] files, [1] listings */
	uid_t		 uid;
	gid_t		 gid;
	int		 type_ascii;
	int		 epsv_all;
	off_t		 rest;
	int		 have_rnfr;
	char		 rnfr[MAX_PATH];
	mode_t		 umask;
	unsigned	 mlst_facts;
	enum data_mode	 data_mode;
	union sockaddr_u data_addr;		/* PORT/EPRT target */
	int		 pasv_fd;		/* PASV/EPSV listener, -1 if none */
	int		 have_pasv_adv;		/* announce pasv_adv in PASV, not our address */
	union sockaddr_u pasv_adv;
	struct xfer	*xfer;			/* the running transfer, NULL if none */
	struct buf	 queued;		/* one command received during a transfer */
	int		 have_queued;
	dev_t		 msg_dev[32];		/* directories whose .message was shown */
	ino_t		 msg_ino[32];
	int		 nmsg;

	/* how reply() delivers a formatted reply */
	void		(*send)(struct session *, const char *, size_t);
};

enum tls_req { TLSREQ_NONE, TLSREQ_LOGIN, TLSREQ_ALL };

/* What the tls_required policy asks of this session (NONE without a certificate). */
enum tls_req session_tls_required(const struct session *s);
/*
 * The TLS login policy (tls_required, tls_plain_users, tls_anonymous), written
 * once for both processes that apply it: may USER (ANONYMOUS or a local
 * account, with GROUPS names) log in over a control connection that is
 * protected (TLS) or not?  NULL if so, else the reason for the client.  With
 * GROUPS NULL (the control process, before the password) an @group entry
 * that might match lets the login go on to the monitor, which decides with
 * the user's groups.
 */
const char *session_tls_login_refusal(const struct session *s, const char *user,
	    int anonymous, int tls, const char *const *groups, int ngroups);
/*
 * Is USER (a local account, with GROUPS names) in LIST ("name @group ...")?
 * With GROUPS NULL, @group entries are not decided: -1 if one might match.
 */
int	 session_user_listed(const char *list, const char *user,
	    const char *const *groups, int ngroups);

/*
 * tls_session_reuse for USER (with GROUPS names) logged in from PEER: require
 * becomes accept for the users, @groups and networks of tls_session_reuse_exempt.
 */
enum tls_reuse session_reuse_policy(const struct conf *c, const char *user,
	    const char *const *groups, int ngroups, const union sockaddr_u *peer);

/*
 * The data protection that transfers (LIST: listings) of USER (with GROUPS
 * names; ANONYMOUS for an anonymous login) need: tls_data or tls_data_list,
 * or tls_data_anonymous for anonymous sessions; require becomes allow for the
 * users and @groups of tls_data_plain_users.
 */
enum data_prot session_data_policy(const struct conf *c, int anonymous, const char *user,
	    const char *const *groups, int ngroups, int list);

/* Set S to the state of a new connection on fds 0/1 with configuration C. */
void	 session_init(struct session *s, const struct conf *c);
/* Reset the per-login state (TYPE, REST, RNFR, data set-up) to RFC 959 defaults. */
void	 session_reset_transfer_state(struct session *s);

/*
 * Format a reply and hand it to s->send.  TEXT may hold several lines ('\n'):
 * all but the last become "code-line" continuation lines (lines after the
 * first that begin with a space are sent as they are, e.g. FEAT's), the last
 * "code line".
 * Control characters are replaced by '?' and IAC bytes doubled, so no client
 * byte can end a reply line early.
 */
void	 reply(struct session *s, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Format a reply into OUT without sending it (unit tests, the fatal path). */
void	 reply_format(struct buf *out, int code, const char *text);
/* The 220 greeting: the welcome file, then the banner or "HOST FTP server ready." */
void	 reply_greeting(struct session *s);

/* What a process that owns the client connection sends when it dies. */
#define REPLY_FATAL	"421 Service not available, closing control connection.\r\n"

#endif
