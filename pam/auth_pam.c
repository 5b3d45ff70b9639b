/*
 * auth_pam.c: the PAM conversation and the login/logout sequence.
 *
 * Runs only in the root monitor.  The conversation is strict: it answers
 * exactly one kind of prompt (echo off) with the password, a bounded number of
 * messages, and fails anything else.  Password copies are wiped after use.
 */
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

#include "auth_pam.h"
#include "buf.h"
#include "log.h"

#define PAM_MAX_MSGS	16

struct pam_login {
	pam_handle_t	*pamh;
	int		 opened;	/* pam_open_session succeeded */
	int		 cred;		/* pam_setcred succeeded */
};

static int
pam_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	const char *password = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_MSGS)
		return PAM_CONV_ERR;
	r = xcalloc((size_t)n, sizeof(*r));
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			r[i].resp = xstrdup(password);
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			log_msg(LOG_DEBUG, "pam says: %.200s", msg[i]->msg ? msg[i]->msg : "");
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
	return PAM_CONV_ERR;
}

/* End PL after PAM error E, with PAM's text (or TEXT) in WHY; returns -1. */
static int
pam_login_fail(struct pam_login *pl, int e, const char *text, char *why, size_t whysz)
{
	str_fmt(why, whysz, "%s", text != NULL ? text : pam_strerror(pl->pamh, e));
	pam_end(pl->pamh, e);
	free(pl);
	return -1;
}

/* pam_start for USER from RHOST (tty "ftp"); NULL with the reason in WHY. */
static struct pam_login *
pam_login_start(const char *service, const char *user, const char *password,
    const char *rhost, char *why, size_t whysz)
{
	struct pam_conv conv = { pam_conv_fn, (void *)password };
	struct pam_login *pl = xcalloc(1, sizeof(*pl));
	int e;

	if ((e = pam_start(service, user, &conv, &pl->pamh)) != PAM_SUCCESS) {
		str_fmt(why, whysz, "pam_start: %s", pam_strerror(NULL, e));
		free(pl);
		return NULL;
	}
	if ((e = pam_set_item(pl->pamh, PAM_RHOST, rhost)) != PAM_SUCCESS ||
	    (e = pam_set_item(pl->pamh, PAM_TTY, "ftp")) != PAM_SUCCESS) {
		pam_login_fail(pl, e, NULL, why, whysz);
		return NULL;
	}
	return pl;
}

int
pam_login_auth(const char *service, const char *user, const char *password,
    const char *rhost, struct pam_login **out, char *authuser, size_t authusersz,
    char *why, size_t whysz)
{
	struct pam_login *pl = pam_login_start(service, user, password, rhost, why, whysz);
	const void *item = NULL;
	int e;

	if (pl == NULL)
		return -1;
	if ((e = pam_authenticate(pl->pamh, 0)) != PAM_SUCCESS ||
	    (e = pam_acct_mgmt(pl->pamh, 0)) != PAM_SUCCESS ||
	    (e = pam_get_item(pl->pamh, PAM_USER, &item)) != PAM_SUCCESS)
		return pam_login_fail(pl, e, e == PAM_NEW_AUTHTOK_REQD ? "password expired" : NULL,
		    why, whysz);
	/* the password must not outlive authentication in PAM's hands */
	pam_set_item(pl->pamh, PAM_CONV, &(struct pam_conv){ pam_conv_fn, (void *)"" });
	if (item == NULL || str_copy(authuser, authusersz, item) == -1)
		return pam_login_fail(pl, e, "PAM returned no usable user name", why, whysz);
	*out = pl;
	return 0;
}

int
pam_login_account(const char *service, const char *user, const char *rhost,
    struct pam_login **out, char *why, size_t whysz)
{
	struct pam_login *pl = pam_login_start(service, user, "", rhost, why, whysz);
	int e;

	if (pl == NULL)
		return -1;
	if ((e = pam_acct_mgmt(pl->pamh, 0)) != PAM_SUCCESS)
		return pam_login_fail(pl, e, NULL, why, whysz);
	*out = pl;
	return 0;
}

int
pam_login_open(struct pam_login *pl, char *why, size_t whysz)
{
	int e;

	if ((e = pam_setcred(pl->pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS) {
		str_fmt(why, whysz, "pam_setcred: %s", pam_strerror(pl->pamh, e));
		return -1;
	}
	pl->cred = 1;
	if ((e = pam_open_session(pl->pamh, 0)) != PAM_SUCCESS) {
		str_fmt(why, whysz, "pam_open_session: %s", pam_strerror(pl->pamh, e));
		return -1;
	}
	pl->opened = 1;
	return 0;
}

void
pam_login_end(struct pam_login *pl)
{
	int e = PAM_SUCCESS;

	if (pl == NULL)
		return;
	if (pl->opened)
		e = pam_close_session(pl->pamh, 0);
	if (pl->cred)
		pam_setcred(pl->pamh, PAM_DELETE_CRED);
	pam_end(pl->pamh, e);
	free(pl);
}
