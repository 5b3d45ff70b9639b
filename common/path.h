/*
 * path.h: path names as the protocol shows them.
 */
#ifndef FTPD_PATH_H
#define FTPD_PATH_H

#include <stddef.h>

#include "buf.h"

/*
 * Split PATH into its directory part (without trailing '/', "." if none, "/"
 * for the root) and its last component.  -1 if either does not fit or the
 * last component is empty, "." or "..".
 */
int	 path_split(const char *path, char *dir, size_t dirsz, char *base, size_t basesz);
/*
 * In reply text, PATH_NUL stands for a NUL byte, which reply_format() sends:
 * RFC 959 sends a pathname's embedded line feed as NUL, so that it cannot end
 * a reply line.  (A name holding PATH_NUL itself shows it as '?'.)
 */
#define PATH_NUL	'\x1e'
/* Append PATH for a reply: each '\n' as PATH_NUL. */
void	 path_for_reply(struct buf *out, const char *path, size_t n);
/* Append PATH quoted as RFC 959 257 replies want: inside "...", '"' doubled, '\n' as PATH_NUL. */
void	 path_quote(struct buf *out, const char *path);
/*
 * Lexically join CWD and ARG and normalise "." / ".." / "//" into OUT (always
 * absolute).  -1 if the result does not fit.  Used for display only (MLST, the
 * xferlog): access checks are the kernel's, inside the chroot.
 */
int	 path_join(const char *cwd, const char *arg, char *out, size_t outsz);

#endif
