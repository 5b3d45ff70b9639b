/*
 * limit.h: max_clients and max_per_ip in every launch mode (see limit.c).
 */
#ifndef FTPD_LIMIT_H
#define FTPD_LIMIT_H

#include "conf.h"
#include "net.h"

/*
 * Take a session slot for a client at PEER (monitor, as root): 0 with the
 * lock descriptors in FDS (-1 where no limit applies), which the monitor
 * keeps open for the whole session; -1 with the reason in WHY if a limit is
 * reached.  A limit_dir that cannot be used is logged and lets the session
 * in.
 */
int	 limit_enter(const struct conf *c, const union sockaddr_u *peer, int fds[2],
	    char *why, size_t whysz);
/* Give the slots back (close FDS); in a child, drop the monitor's copies. */
void	 limit_leave(int fds[2]);

#endif
