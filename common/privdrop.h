/*
 * privdrop.h: the one way a process gives up root.
 */
#ifndef FTPD_PRIVDROP_H
#define FTPD_PRIVDROP_H

#include <sys/types.h>

#include "limits.h"

struct creds {
	uid_t		 uid;
	gid_t		 gid;
	int		 ngroups;
	gid_t		 groups[MAX_GROUPS];
	const char	*root;	/* chroot here first, or NULL for none */
	const char	*dir;	/* then chdir here (inside the root); NULL = "/" */
};

/*
 * Drop root for good, in this order, checking each step: chroot(root),
 * chdir("/"), setgroups, setresgid, setresuid, verify with getres[ug]id that no
 * id is 0 unless asked for, PR_SET_NO_NEW_PRIVS, then chdir(dir).  A failure of
 * any step die()s: the process never goes on with the privileges it had.
 * Returns -1 (with errno) only if the final chdir(dir) failed; the caller may
 * fall back to "/".
 */
int	 privdrop(const struct creds *c);

/* Ask the kernel to send SIG (SIGKILL, or a signal this process handles) to
 * this process when its parent PARENT dies, and check the parent is still
 * there (if not, raises SIG, then exits).  Call after privdrop(). */
void	 privdrop_die_with_parent(pid_t parent, int sig);

#endif
