/*
 * auth_pam.h: password logins through Linux-PAM (monitor process only).
 */
#ifndef FTPD_AUTH_PAM_H
#define FTPD_AUTH_PAM_H

#include <stddef.h>

struct pam_login;

/*
 * Run pam_authenticate and pam_acct_mgmt for USER with PASSWORD on SERVICE,
 * with PAM_RHOST and PAM_TTY set.  On success returns 0, stores the handle in
 * *OUT and the account name PAM settled on (PAM_USER, which a module may have
 * changed) in AUTHUSER.  On failure returns -1 and a log-only reason in WHY;
 * the handle is released.  The password is never logged or kept.
 */
int	 pam_login_auth(const char *service, const char *user, const char *password,
	    const char *rhost, struct pam_login **out, char *authuser, size_t authusersz,
	    char *why, size_t whysz);
/*
 * A login already authenticated another way (a client certificate): only
 * pam_acct_mgmt runs, so PAM's account rules (expiry, access lists) still
 * apply.  Same returns as pam_login_auth.
 */
int	 pam_login_account(const char *service, const char *user, const char *rhost,
	    struct pam_login **out, char *why, size_t whysz);
/*
 * pam_setcred(ESTABLISH) and pam_open_session, after the caller has set the
 * process's groups (initgroups): -1 with WHY on failure.
 */
int	 pam_login_open(struct pam_login *pl, char *why, size_t whysz);
/* Close the session and delete credentials (if opened), then pam_end and free. */
void	 pam_login_end(struct pam_login *pl);

#endif
