/*
 * pam_rename.c: a PAM module for the integration tests only (never installed).
 *
 * Its auth step renames the user "alias-NAME" to "NAME" (PAM_USER), as a
 * directory module (pam_ldap, pam_sss) may map a login name to an account,
 * and succeeds without checking anything: the next module in the stack
 * (pam_matrix) authenticates the new name.  The tests build it with cc.
 */
#include <security/pam_modules.h>
#include <string.h>

#define PREFIX	"alias-"

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv);
int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv);

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;

	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PAM_USER_UNKNOWN;
	if (strncmp(user, PREFIX, strlen(PREFIX)) == 0 && user[strlen(PREFIX)] != '\0')
		return pam_set_item(pamh, PAM_USER, user + strlen(PREFIX));
	return PAM_SUCCESS;
}

int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
