/*
 * userconf.h: virtual (guest) users, per-user roots and per-user settings,
 * decided by the monitor at login (see userconf.c).
 */
#ifndef FTPD_USERCONF_H
#define FTPD_USERCONF_H

#include <pwd.h>
#include <stddef.h>

#include "conf.h"

/*
 * The account USER logs in as: its own, or with guest_enable, for a name
 * with no local account, guest_user's uid, gid and shell under the name
 * USER (a virtual user).  NULL if neither.  The result lives until the next
 * call.
 */
struct passwd *userconf_getpw(const struct conf *c, const char *user);
/* Is PW (from userconf_getpw()) a virtual user? */
int	 userconf_virtual(const struct passwd *pw);
/*
 * The authenticated user PW logs in: read its user_config_dir file (the
 * per-user keywords) into a copy of BASE, and put its home in HOME: the
 * expanded guest_root for a virtual user, else the expanded local_root, else
 * the account's home.  Returns the configuration for the session (the copy,
 * or BASE), or NULL with the reason in WHY (to log) if the login must be
 * refused: a bad or unsafe per-user file, a missing root directory.
 */
const struct conf *userconf_login(const struct conf *base, const struct passwd *pw,
	    char *home, size_t homesz, char *why, size_t whysz);
/* The login failed after userconf_login(): forget its configuration. */
void	 userconf_drop(void);
/*
 * The configuration for the user process about to start: the one
 * userconf_login() read for this login (then forgotten), or BASE.
 */
const struct conf *userconf_take(const struct conf *base);
/*
 * Expand TEMPLATE (%u: NAME, %%: %) into OUT; -1 if NAME could leave the
 * directory (empty, ".", "..", a '/'), another % follows or OUT is too small.
 */
int	 userconf_expand(const char *template, const char *name, char *out, size_t outsz);

#endif
