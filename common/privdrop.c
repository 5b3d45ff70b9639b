/*
 * privdrop.c: chroot and credential change, in one checked sequence.
 *
 * Every process that gives up root calls privdrop(); no other file calls
 * setuid/setgid/setgroups/chroot.  Any failed step ends the process.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

int
privdrop(const struct creds *c)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (c->root != NULL) {
		if (chroot(c->root) == -1)
			die("chroot %s: %s", c->root, strerror(errno));
		if (chdir("/") == -1)
			die("chdir / in %s: %s", c->root, strerror(errno));
	}
	if (setgroups((size_t)c->ngroups, c->groups) == -1)
		die("setgroups: %s", strerror(errno));
	if (setresgid(c->gid, c->gid, c->gid) == -1)
		die("setresgid %u: %s", (unsigned)c->gid, strerror(errno));
	if (setresuid(c->uid, c->uid, c->uid) == -1)
		die("setresuid %u: %s", (unsigned)c->uid, strerror(errno));
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		die("getresuid: %s", strerror(errno));
	if (ru != c->uid || eu != c->uid || su != c->uid ||
	    rg != c->gid || eg != c->gid || sg != c->gid)
		die("credentials did not change as asked");
	if (c->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		die("could regain root after dropping it");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		die("PR_SET_DUMPABLE: %s", strerror(errno));
	if (c->dir != NULL && chdir(c->dir) == -1)
		return -1;
	return 0;
}

void
privdrop_die_with_parent(pid_t parent, int sig)
{
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == -1)
		die("PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != parent) {
		raise(sig);
		_exit(0);
	}
}
