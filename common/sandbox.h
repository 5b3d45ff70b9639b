/*
 * sandbox.h: a seccomp filter for the processes that read network bytes
 * before anyone has logged in.
 */
#ifndef FTPD_SANDBOX_H
#define FTPD_SANDBOX_H

/*
 * Confine the calling process to what the control process needs: its I/O,
 * memory, clock, signals and exit.  Running programs, new processes,
 * tracing, changing credentials or the file system's shape, listening
 * sockets and kill() kill the process (SIGSYS); any other call fails with
 * EPERM.  Returns -1 (errno set) if the kernel has no seccomp filter
 * support; the caller logs and goes on.
 */
int	 sandbox_control(void);

#endif
