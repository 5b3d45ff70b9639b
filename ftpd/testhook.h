/*
 * testhook.h: the hostile-process tests' way in (a test-only build).
 *
 * Built with -DFTPD_TEST_HOOKS (make boundary-check, never installed), a
 * control or user process whose environment names an abstract UNIX socket in
 * FTPD_TEST_CTL_SOCK or FTPD_TEST_USR_SOCK hands its monitor socket to the
 * test there and stops: the test then speaks raw IPC frames to the monitor
 * as a compromised process would.  In every other build this does nothing.
 */
#ifndef FTPD_TESTHOOK_H
#define FTPD_TESTHOOK_H

/* Hand MON_FD over if the variable ENV names a socket (never returns then). */
void	 testhook_hand_over(const char *env, int mon_fd);

#endif
