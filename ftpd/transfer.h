/*
 * transfer.h: data transfers, each in a forked process.
 *
 * The user process checks a transfer command, opens what it needs (the file,
 * a temporary file for STOR), replies 150 and forks the transfer process,
 * which opens the data connection, moves the bytes and reports one result.
 * Meanwhile the user process goes on answering ABOR, STAT, NOOP and QUIT.
 */
#ifndef FTPD_TRANSFER_H
#define FTPD_TRANSFER_H

#include <sys/types.h>

#include "limits.h"
#include "listing.h"

struct session;

enum xfer_kind { XF_RETR, XF_STOR, XF_LIST };

struct xfer_req {
	enum xfer_kind	 kind;
	int		 fd;		/* the open file (RETR, STOR), -1 for listings */
	off_t		 offset;	/* REST: where RETR starts, or STOR writes */
	off_t		 size;		/* RETR: the file's size, for the 150 text */
	char		 name[MAX_PATH];	/* as the client named it (150, logs) */
	char		 temp[MAX_PATH];	/* STOR: temporary file renamed onto name */
	char		 opening[MAX_PATH + 64];	/* 150 text; empty: the default */
	struct list_req	 list;		/* XF_LIST: what to list */
	char		 list_arg[MAX_PATH];
};

/*
 * Start the transfer R describes: 425 if no PORT/PASV was given, else 150 and
 * fork.  Takes ownership of R->fd.  On any failure before the fork it replies
 * and cleans up (closes the file, removes the temporary file).
 */
void	 xfer_start(struct session *s, struct xfer_req *r);
/* The transfer process's result pipe, or -1 when no transfer runs. */
int	 xfer_fd(const struct session *s);
/* Read the transfer's result and reply 226/426/451/... (pipe readable). */
void	 xfer_finish(struct session *s);
/* ABOR: stop the transfer (426 then 226), or say there was none (225/226). */
void	 xfer_abort(struct session *s);
/* STAT during a transfer: "Status: N of M bytes transferred". */
void	 xfer_status(struct session *s);
/* Kill a running transfer without a reply (session end). */
void	 xfer_kill(struct session *s);
/*
 * Set up the byte counter shared with transfer processes and the SIGTERM
 * handler that removes an unfinished upload's temporary file (once, at login).
 */
void	 xfer_init(void);
/* An upload's temporary file NAME was created: remove it if this process dies. */
void	 xfer_temp_claim(const char *name);
/* Remove the claimed temporary file, if any (before exiting; async-signal-safe). */
void	 xfer_temp_remove(void);

#endif
