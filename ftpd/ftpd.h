/*
 * ftpd.h: the entry points of the session's processes.
 */
#ifndef FTPD_FTPD_H
#define FTPD_FTPD_H

#include <sys/types.h>

#include "buf.h"
#include "ipc.h"
#include "privdrop.h"

struct session;

/*
 * monitor.c: serve one session whose control connection is fd 0/1, as inetd
 * starts us.  Forks the TLS and control processes and, per login, the user process;
 * stays root; returns only when the session is over.
 */
void	 monitor_run(struct session *s);

/*
 * keyproc.c: the signature of KIND (TLS_SIGN_*) over IN that request REQ
 * (MON_SIGN, MON_SIGN_DATA) asks for, made by a signer process forked for
 * it, appended to OUT; -1 if refused or failed.  The signer's pid goes to
 * *SIGNER, for keyproc_reap() once the answer is sent.
 */
int	 keyproc_sign(const struct session *s, enum ipc_type req, int kind,
	    const struct ipc_bytes *in, struct buf *out, pid_t *signer);
void	 keyproc_reap(pid_t signer);

/*
 * tlsproc.c: the TLS process's loop (the client connection on fds 0/1, the
 * control process on s->chan_fd); never returns.
 */
void	 tlsproc_run(struct session *s) __attribute__((noreturn));

/* control.c: the control process's loop; never returns. */
void	 control_run(struct session *s) __attribute__((noreturn));
/* control.c: tell the user process the data protection state (after login, PROT, CCC). */
void	 control_sync_prot(struct session *s);
/*
 * control.c: have the TLS process start TLS on the control connection (after
 * 234, or at once for ftpsd).  Returns 0, or -1 if the client is to be dropped
 * (the TLS process has logged why, and sent a plaintext 421 if useful).
 */
int	 control_start_tls(struct session *s);
/* control.c: end TLS on the control connection (CCC); plaintext from here on. */
void	 control_clear_tls(struct session *s);
/* control.c: end the login (AUTH after login): the user process is told to go. */
void	 control_end_login(struct session *s);

/*
 * userproc.c: the user process's loop, entered with root still held; drops to
 * CR and never returns.  RELAY is its end of the control relay, MON its
 * channel to the monitor, XFERLOG an open xferlog descriptor or -1.
 */
void	 user_run(struct session *s, const struct creds *cr, int relay, int mon)
	    __attribute__((noreturn));

/*
 * connect_from_port_20: ask the monitor for a data connection from port 20 to
 * the PORT/EPRT target, which it checks and connects itself; the connected
 * socket, or -1 if it could not connect.
 */
int	 user_port20(struct session *s);



/* userproc.c: end the user process, telling the control process why (END_*). */
void	 user_end(struct session *s, int why) __attribute__((noreturn));
#endif
