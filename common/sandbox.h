/*
 * sandbox.h: a seccomp filter for the processes that read network bytes
 * before anyone has logged in.
 */
#ifndef FTPD_SANDBOX_H
#define FTPD_SANDBOX_H

/*
 * Forbid, for good, the system calls the control process never needs and an
 * attacker would want: running programs, new processes, tracing, changing
 * credentials or the file system's shape, opening sockets to listen on.  A
 * forbidden call kills the process (SIGSYS).  Returns -1 (errno set) if the
 * kernel has no seccomp filter support; the caller logs and goes on.
 */
int	 sandbox_control(void);

#endif
