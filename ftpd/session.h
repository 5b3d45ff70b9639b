/*
 * session.h: the state of one FTP session, shared by its processes.
 *
 * One struct session exists per process; each process is forked from the one
 * before it, so a child starts with its parent's view and keeps only the part
 * its role owns (see DESIGN.md):
 *   monitor  root; PAM and privileged helpers; never reads network bytes
 *   TLS      nopriv_user in empty_dir; owns the client connection and its TLS; no FTP
 *   control  nopriv_user in empty_dir; parses the control connection; pre-login commands
 *   user     the logged-in user; post-login commands; owns the data connections
 *   transfer one data transfer, forked by the user process
 */
#ifndef FTPD_SESSION_H
#define FTPD_SESSION_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "conf.h"
#include "ipc.h"
#include "limits.h"
#include "net.h"

enum data_mode { DATA_NONE, DATA_PORT, DATA_PASV };

struct xfer;
struct tls_ctx;
struct tls_conn;


/* grouped by owner, not packed for size: there is one per process */
struct session {	/* NOLINT(clang-analyzer-optin.performance.Padding) */
	/* every process: set by the monitor before the first fork, then only read */
	const struct conf *conf;
	union sockaddr_u peer;		/* the client's end of the control connection */
	union sockaddr_u local;		/* our end */
	char		 peer_str[64];	/* numeric peer address, for logs */
	pid_t		 monitor_pid;
	int		 implicit;		/* ftpsd: TLS from the first byte */
	struct tls_ctx	*tls_ctx;		/* NULL: no certificate, plain FTP only */
	struct buf	 welcome;		/* welcome_file, read before chroot (the greeting) */
	int		 have_pasv_adv;		/* announce pasv_adv in PASV, not our address */
	union sockaddr_u pasv_adv;
	/* how reply() delivers a formatted reply (each process has its own) */
	void		(*send)(struct session *, const char *, size_t);

	/* the monitor only */
	int		 limit_fd[2];		/* its session slots (limit.c); -1 elsewhere */
	int		 xferlog_fd;		/* the xferlog, -1 if off (only it writes) */

	/* the monitor's login decisions, which the user process inherits */
	char		 user[MAX_USER + 1];	/* from USER; the monitor sets the name logged in */
	int		 anonymous;
	int		 cert_login;		/* logged in by client certificate (232) */
	enum tls_reuse	 tls_reuse;		/* session_reuse_policy() */
	enum data_prot	 data_prot[2];		/* session_data_policy(): [0] files, [1] listings */
	uid_t		 uid;
	gid_t		 gid;

	/* the control connection's protection: the control process's, sent in REL_PROT */
	enum ctl_tls	 tls_state;
	char		 prot;			/* 'C' or 'P' */
	int		 have_cert_digest;	/* the client sent a certificate on control */
	unsigned char	 cert_digest[32];

	/* the TLS, control and user processes, each its own copy */
	int		 mon_fd;		/* to the monitor */
	int		 chan_fd;		/* TLS process <-> control process */
	int		 relay_fd;		/* control <-> user process, -1 before login */
	int		 logged_in;
	int		 quitting;
	int		 prelogin_errors;
	long		 idle_timeout;		/* SITE IDLE changes both (REL_IDLE) */
	unsigned	 mlst_facts;		/* OPTS MLST, before login too (REL_INIT) */

	/* the TLS process only */
	struct tls_conn	*ctl_tls;		/* the control connection's TLS */
	int		 client_in, client_out;	/* fd 0 / 1 */

	/* the control process only */
	int		 pbsz_done;
	int		 reading;		/* a CHN_READ awaits its CHN_INPUT */
	struct buf	 ctl_session;		/* the control TLS session (CHN_UP, for REL_INIT) */
	int		 busy;			/* a transfer runs: no idle timeout */
	int		 inflight;		/* a relayed command awaits REL_READY */
	time_t		 login_start;		/* the login timer counts from here */
	int		 have_user;		/* USER given, PASS awaited */
	int		 lines_seen;		/* command lines read (ClientHello check) */
	int		 discard_input;		/* drop the rest of what was read (AUTH) */

	/* the user process only */
	unsigned	 relay_state;		/* IPC_START until REL_INIT, then IPC_USER */
	int		 may_write;		/* local user with write_enable */
	int		 type_ascii;
	int		 epsv_all;
	off_t		 rest;
	int		 have_rnfr;
	char		 rnfr[MAX_PATH];
	mode_t		 umask;
	enum data_mode	 data_mode;
	union sockaddr_u data_addr;		/* PORT/EPRT target */
	int		 pasv_fd;		/* PASV/EPSV listener, -1 if none */
	struct xfer	*xfer;			/* the running transfer, NULL if none */
	struct buf	 queued;		/* one command received during a transfer */
	int		 have_queued;
	dev_t		 msg_dev[32];		/* directories whose .message was shown */
	ino_t		 msg_ino[32];
	int		 nmsg;
};

/*
 * What the tls_required policy asks of this session: TLSREQ_NONE (always
 * without a certificate), TLSREQ_LOGIN or TLSREQ_ALL, never TLSREQ_AUTO.
 */
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
#define REPLY_TLS_FAILED "421 TLS negotiation failed, closing control connection.\r\n"

#endif
