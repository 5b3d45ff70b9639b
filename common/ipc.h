/*
 * ipc.h: framed messages between the session's processes.
 *
 * A frame is "u32 length | u8 type | payload" (length counts type and payload,
 * network byte order).  A frame longer than the receiver's maximum kills the
 * receiving side's session: it is never allocated.  A file descriptor travels
 * with a frame by SCM_RIGHTS.  Payload fields are read with checked getters
 * that fail (return -1) instead of reading past the end.
 */
#ifndef FTPD_IPC_H
#define FTPD_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct msg {
	uint8_t		 type;
	struct buf	 body;	/* payload */
	size_t		 rpos;	/* read position in body */
	int		 fd;	/* descriptor sent or received with the frame, -1 if none */
};

/* Start an outgoing message of TYPE with room for MAX payload bytes. */
void	 msg_init(struct msg *m, uint8_t type, size_t max);
/* Release the payload; closes no descriptor. */
void	 msg_free(struct msg *m);
/* Append fields; they die() if the message would pass its maximum (a bug). */
void	 msg_put_u8(struct msg *m, uint8_t v);
void	 msg_put_u32(struct msg *m, uint32_t v);
void	 msg_put_u64(struct msg *m, uint64_t v);
void	 msg_put_str(struct msg *m, const char *s);		/* u32 length + bytes */
void	 msg_put_bytes(struct msg *m, const void *p, size_t n);	/* u32 length + bytes */
/* Send M (and M->fd if >= 0) on SOCK; returns -1 if the peer is gone. */
int	 msg_send(int sock, const struct msg *m);
/*
 * Receive one frame of at most MAX payload bytes into M (initialised here).
 * Returns 0, or -1 on EOF or error.  A frame larger than MAX is a protocol
 * violation: the session is ended with die().
 */
int	 msg_recv(int sock, struct msg *m, size_t max);
/* Checked getters: -1 if the field is missing or malformed. */
int	 msg_get_u8(struct msg *m, uint8_t *v);
int	 msg_get_u32(struct msg *m, uint32_t *v);
int	 msg_get_u64(struct msg *m, uint64_t *v);
/* A string: NUL-free, copied into DST of DSTSZ (must fit with its NUL). */
int	 msg_get_str(struct msg *m, char *dst, size_t dstsz);
/* Bytes: points *P into the message (valid until msg_free), length in *N. */
int	 msg_get_bytes(struct msg *m, const void **p, size_t *n);
/* Is every payload byte consumed? */
int	 msg_done(const struct msg *m);

#endif
