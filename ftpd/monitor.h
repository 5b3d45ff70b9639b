/*
 * monitor.h: the monitor's state, shared by monitor.c (the process, its IPC
 * and privileged helpers) and login.c (the login decisions).
 */
#ifndef FTPD_MONITOR_H
#define FTPD_MONITOR_H

#include "buf.h"
#include "ipc.h"
#include "privdrop.h"
#include "tls.h"

struct session;
struct pam_login;

struct mon {
	struct session		*s;
	int			 ctl_fd;	/* to the control process */
	int			 tls_fd;	/* to the TLS process, -1 once it is gone */
	int			 usr_fd;	/* to the user process, -1 if none */
	pid_t			 ctl_pid;
	pid_t			 tls_pid;
	pid_t			 usr_pid;
	struct pam_login	*pam;		/* the open PAM session, if any */
	int			 fails;		/* failed logins on this connection */
	/* the control connection as the TLS process reports it (MON_CHANNEL) */
	enum ctl_tls		 chan_state;
	struct buf		 transcript;	/* its handshake, if the client sent a certificate */
	time_t			 login_start;	/* no user logged in since (the login deadline) */
	int			 ctl_killed;	/* the signal the monitor ended the control and TLS processes with */
	int			 ending;	/* login_attempts reached: the session ends */
	/* the client certificate, checked once per session (login.c) */
	int			 cert_checked;
	struct buf		 cert_der;	/* the certificate the client proved it holds */
	int			 cert_valid;	/* proof and chain verified */
	struct cert_info	 cert_ci;
	char			 cert_why[256];	/* why not, for syslog */
	/* the signatures the session may still ask for (keyproc.c) */
	struct buf		 ctl_sig;	/* the control handshake's, made for this session */
	int			 ctl_signs;	/* control handshakes left */
	int			 data_signs;	/* full data handshakes left; -1 before login */
};

/* monitor.c */
/* Wait for the user process to end, then close its PAM session. */
void	 mon_end_login(struct mon *m);
/* Fork the user process with CR and hand its relay socket to the control process. */
void	 mon_start_user(struct mon *m, const struct creds *cr);
/* Answer a login attempt with "go on with a password" (331 TEXT). */
void	 mon_cert_pass(struct mon *m, const char *text);
/* A failed login: end PAM, delay, count, and answer 530 (421 past the limit). */
void	 mon_login_failed(struct mon *m, const char *reason);

/* login.c: the MON_AUTH and MON_CERT_LOGIN requests. */
void	 mon_auth(struct mon *m, struct ipc_in *req);
void	 mon_cert_login(struct mon *m, struct ipc_in *req);

#endif
