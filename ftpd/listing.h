/*
 * listing.h: directory listings built in-process (no /bin/ls, works in a chroot).
 *
 * LIST (ls -l lines), NLST (names), MLSD/MLST (RFC 3659 facts) and STAT <path>
 * all come from here.  Output goes into a struct buf; when the buf holds more
 * than LIST_FLUSH bytes the caller's flush callback is called to drain it (the
 * transfer child writes it to the data connection; STAT just lets it grow up to
 * the buf's max).  Every line ends in CRLF.  Names are passed through as bytes
 * (RFC 2640); a name holding CR or LF is skipped so it cannot break framing.
 */
#ifndef FTPD_LISTING_H
#define FTPD_LISTING_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define LIST_FLUSH	(48 * 1024)

enum list_kind {
	LIST_LONG,	/* LIST, STAT <path>: "drwxr-xr-x 2 owner group 4096 Jan 08 12:34 name" */
	LIST_NAMES,	/* NLST: one name per line, usable as a RETR argument */
	LIST_MLSD	/* MLSD: "type=file;size=3;modify=...; name" */
};

/* MLST facts, as a bit mask (OPTS MLST selects them) */
#define MLST_TYPE	0x01
#define MLST_SIZE	0x02
#define MLST_MODIFY	0x04
#define MLST_PERM	0x08
#define MLST_UNIQUE	0x10
#define MLST_UNIX_MODE	0x20
#define MLST_UNIX_OWNER	0x40
#define MLST_UNIX_GROUP	0x80
#define MLST_DEFAULT	0xff	/* all on */

/* Returns 0 to go on, -1 to stop the listing (e.g. the data connection broke). */
typedef int (*list_flush_fn)(struct buf *out, void *arg);

struct list_req {
	enum list_kind	 kind;
	const char	*arg;		/* the client's argument, NULL or "" for the cwd */
	int		 all;		/* show dot files (LIST -a) */
	unsigned	 facts;		/* MLST_* mask for LIST_MLSD */
	list_flush_fn	 flush;		/* may be NULL: then output only grows the buf */
	void		*flush_arg;
};

/*
 * Strip leading ls-style options ("-l", "-la", "-a -l") from a LIST/NLST/STAT
 * argument; sets *ALL if an 'a' or 'A' flag was present.  Returns a pointer
 * into ARG past the options and blanks ("" if nothing is left).
 */
const char *list_strip_options(const char *arg, int *all);

/*
 * Produce the listing REQ describes into OUT.  The argument may name a
 * directory (its entries), a file (one line), or a pattern with * ? [..] in its
 * last component (bounded by GLOB_MAX_SCAN/GLOB_MAX_ENTRIES).
 * Returns 0 on success; -1 with a reason in WHY (e.g. "No such file or
 * directory") if the argument could not be listed, or -2 if flush() asked to stop.
 * For LIST_MLSD a non-directory argument is an error (the caller replies 501).
 */
int	 list_run(const struct list_req *req, struct buf *out, char *why, size_t whysz);

/*
 * One MLST fact line for PATH (no leading space, no CRLF): "type=file;size=3;...; "
 * followed by DISPLAY_NAME.  Returns -1 with WHY if PATH cannot be stat'ed.
 */
int	 list_mlst_facts(const char *path, const char *display_name, unsigned facts,
	    struct buf *out, char *why, size_t whysz);

/*
 * The RFC 3659 time-val "YYYYMMDDHHMMSS" of T in UTC (MDTM, the modify fact)
 * into OUT (LIST_TIME_VAL bytes suffice).  -1 if T is not in the years
 * 0000-9999 (a file system may hold any 64-bit time) or OUT is too small.
 */
#define LIST_TIME_VAL	15
int	 list_time_val(time_t t, char *out, size_t outsz);
/*
 * Parse the N bytes at P as a time-val "YYYYMMDDHHMMSS[.s...]" in UTC (MFMT;
 * a fraction of up to nine digits) into *TS.  -1 unless it is a real date
 * (no February 30th) in the years 0000-9999.
 */
int	 list_parse_time_val(const char *p, size_t n, struct timespec *ts);

/* The facts enabled by "OPTS MLST a;b;c;" (unknown names ignored); writes the echo. */
unsigned list_mlst_parse_opts(const char *spec, struct buf *echo);
/* The FEAT line body: "type*;size*;modify*;perm*;unique*;UNIX.mode*;..." for FACTS. */
void	 list_mlst_feat(unsigned facts, struct buf *out);

/*
 * Expand a pattern with wildcards only in its last path component into the
 * matching names (sorted, each "dir/name" as the client wrote the dir part).
 * Calls FN for each; stops early if FN returns -1.  Returns the number of
 * matches, or -1 with WHY if the directory cannot be read or a bound was hit.
 */
int	 list_glob(const char *pattern, int all,
	    int (*fn)(const char *path, void *arg), void *arg, char *why, size_t whysz);
/* Does S contain a glob metacharacter (* ? [)? */
int	 list_has_glob(const char *s);

/*
 * Remember names for uids/gids before a chroot: this process's user and its
 * groups resolve by name afterwards, others print as numbers if lookups fail.
 */
void	 list_names_seed(uid_t uid, const char *user, gid_t gid, const char *group);

#endif
