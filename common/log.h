/*
 * log.h: syslog diagnostics, fatal exits and allocation that never fails.
 *
 * Under inetd fd 2 may be the client socket, so nothing here writes to a file
 * descriptor except through syslog(3), unless log_init() was told to copy
 * messages to stderr (ftpd -d in the foreground).
 */
#ifndef FTPD_LOG_H
#define FTPD_LOG_H

#include <stddef.h>
#include <syslog.h>

/* Open syslog as IDENT on LOG_FTP; copy to stderr if TO_STDERR.  Call before any chroot. */
void	 log_init(const char *ident, int to_stderr);
/* Set whether LOG_DEBUG messages are emitted. */
void	 log_set_debug(int on);
/* Log at PRIORITY; the message is cut at 1 KiB and control characters are escaped. */
void	 log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run HOOK (once) before a die()/bug() exit, e.g. to send 421 to the client. */
void	 log_set_fatal_hook(void (*hook)(const char *why));
/* Change the ident used in messages (e.g. "ftpd[user]" after login); S is copied. */
void	 log_set_ident(const char *s);
/* Close the syslog socket (before rearranging descriptors), and open it again. */
void	 log_close(void);
void	 log_reopen(void);

/* Environment failure: log with location, run the fatal hook, exit(1).  Never returns. */
#define die(...)	log_die(__FILE__, __func__, __LINE__, __VA_ARGS__)
/* Broken invariant: as die() but says it is a bug.  Never returns. */
#define bug(...)	log_bug(__FILE__, __func__, __LINE__, __VA_ARGS__)
#define BUG_ON(cond)	do { if (cond) bug("%s", #cond); } while (0)

void	 log_die(const char *, const char *, int, const char *, ...)
	    __attribute__((noreturn, format(printf, 4, 5)));
void	 log_bug(const char *, const char *, int, const char *, ...)
	    __attribute__((noreturn, format(printf, 4, 5)));

/* Allocation: these never return NULL; they die() instead. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);

#endif
