/*
 * idle.h: what a session's processes give back to the host while they wait.
 *
 * An idle logged-in session keeps three processes (monitor, control, user)
 * for as long as the client stays connected; every page they hold is the
 * host's cost of that session.  These calls return the pages that an idle
 * process holds without needing them.
 */
#ifndef FTPD_IDLE_H
#define FTPD_IDLE_H

#include <poll.h>

#define IDLE_AFTER_MS	250	/* quiet this long: the process counts as idle (the
				   first command after it pays about a millisecond
				   of page faults) */

/*
 * poll(2) for at most MS milliseconds (-1: no limit) that, once the process
 * has waited IDLE_AFTER_MS without an event, hands back its free heap pages
 * and its code mappings (idle_trim, idle_drop_code) and goes on waiting for
 * the rest of MS.  Returns as poll(2).
 */
int	 idle_poll(struct pollfd *pfd, nfds_t n, int ms);
/* Free heap pages back to the kernel (malloc_trim): after a burst of allocations. */
void	 idle_trim(void);
/*
 * Drop this process's page-table entries of code and read-only data (the
 * pages stay in the page cache, shared and reclaimable); what the process
 * runs next faults back in.  An idle session then keeps only its data pages.
 */
void	 idle_drop_code(void);
/*
 * The monitor after the login: at its next idle spell (idle_poll), the code
 * and read-only data of the objects loaded after startup (the PAM modules and
 * NSS libraries the login ran) are paged out (MADV_PAGEOUT): what no other
 * process maps leaves memory, and faults back in if the monitor runs it again
 * (pam_close_session at the end).  The libraries every process uses stay.
 */
void	 idle_after_login(void);

#endif
