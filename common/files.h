/*
 * files.h: the legacy administration files (/etc/ftpusers, /etc/ftpchroot,
 * /etc/shells, /etc/nologin, /etc/ftpwelcome, /etc/motd, .message).
 */
#ifndef FTPD_FILES_H
#define FTPD_FILES_H

#include <sys/types.h>

#include "buf.h"

/*
 * Does the list file PATH name USER?  Lines are user names, or "@group" which
 * matches when GROUPS (NGROUPS entries, names) holds that group; '#' starts a
 * comment.  A missing file matches nobody.
 */
int	 file_lists_user(const char *path, const char *user,
	    const char *const *groups, int ngroups);
/* Does PATH hold a line equal to LINE (e.g. a shell in /etc/shells)?  Missing file: no. */
int	 file_has_line(const char *path, const char *line);
/*
 * Append the text file PATH to OUT (at most MSG_FILE_MAX bytes; NUL and other
 * control bytes but tab and newline are dropped).  Returns -1 if it cannot be read.
 */
int	 file_read_text(const char *path, struct buf *out);

#endif
