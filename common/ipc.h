/*
 * ipc.h: framed messages between the session's processes.
 *
 * Two layers: the messages of ipc.def as typed structs with generated
 * encoders and checking decoders (what the processes use), over the frames
 * and field getters below them (ipc.c's own, and the fuzz target's).
 *
 * A frame is "u32 length | u8 type | payload" (length counts type and payload,
 * network byte order).  A frame longer than the receiver's maximum kills the
 * receiving side's session: it is never allocated.  A file descriptor travels
 * with a frame by SCM_RIGHTS.  Payload fields are read with checked getters
 * that fail (return -1) instead of reading past the end.
 */
#ifndef FTPD_IPC_H
#define FTPD_IPC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "limits.h"

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

/*
 * The processes of a session (DESIGN.md); a transfer process speaks as USR.
 * The TLS process owns the client connection and runs its TLS; the key
 * process, forked by the monitor for one signature, holds the private keys.
 */
enum ipc_peer { IPC_MON, IPC_CTL, IPC_USR, IPC_KEY, IPC_TLS };

/* Session states, as the receiver of a request sees them (ipc.def). */
#define IPC_PREAUTH	0x01
#define IPC_START	0x02
#define IPC_USER	0x04
#define IPC_ANY		(IPC_PREAUTH | IPC_START | IPC_USER)	/* a process with no login state */

enum ipc_fds { IPC_NOFD, IPC_FD, IPC_MAYFD };

/* the control connection's protection (RFC 4217 3.2 of spec.md), as REL_PROT carries it */
enum ctl_tls { CTL_PLAIN, CTL_TLS, CTL_CLEARED };
/* REL_END: why the user process ends */
enum { END_QUIT, END_REIN };

/* A BYTES field: in a received message it points into the frame. */
struct ipc_bytes {
	const void	*p;
	size_t		 len;
};

enum ipc_type {
	IPC_NONE,
#define REQ(type, ...)	type,
#define ANS(type, ...)	type,
#include "ipc.def"
	IPC_NTYPES
};
#define IPC_BIT(type)	(1u << (type))

/* struct ipc_<stem>: one per message, its fields in wire order */
#define U8(n, lo, hi)		uint8_t n;
#define U32(n, lo, hi)		uint32_t n;
#define U64(n, lo, hi)		uint64_t n;
#define CHR(n, set)		char n;
#define STR(n, max)		char n[(max) + 1];
#define BYTES(n, lo, hi)	struct ipc_bytes n;
#define REQ(type, stem, from, to, when, fds, fields)	struct ipc_##stem { fields };
#define ANS(type, stem, from, to, reqs, fds, fields)	struct ipc_##stem { fields };
#include "ipc.def"

/* A received message: its type, descriptor (-1 if none) and decoded fields. */
struct ipc_in {
	enum ipc_type	 type;
	int		 fd;
	enum ipc_peer	 from, to;
	struct msg	 raw;		/* the frame: BYTES fields point into it */
	union {
#define REQ(type, stem, ...)	struct ipc_##stem stem;
#define ANS(type, stem, ...)	struct ipc_##stem stem;
#include "ipc.def"
	} u;
};

/*
 * ipc_send_<stem>(SOCK, V, FD): send the message with V's fields and FD (-1:
 * none).  A field out of its bounds, or a descriptor where ipc.def has none,
 * is a bug.  Returns -1 if the peer is gone.
 */
#define REQ(type, stem, ...)	int ipc_send_##stem(int sock, const struct ipc_##stem *v, int fd);
#define ANS(type, stem, ...)	int ipc_send_##stem(int sock, const struct ipc_##stem *v, int fd);
#include "ipc.def"

/* The largest payload FROM may send to TO: what TO reads from it. */
size_t	 ipc_max(enum ipc_peer from, enum ipc_peer to);
/*
 * Read one frame sent by FROM to TO into IN (not decoded yet).  Returns -1
 * when the peer is gone; a frame over ipc_max() ends the session.
 */
int	 ipc_read(int sock, enum ipc_peer from, enum ipc_peer to, struct ipc_in *in);
/*
 * Decode IN as a request in session state STATE (ANSWER_TO IPC_NONE), or as
 * the answer to request ANSWER_TO: the sender, the state, the descriptor and
 * every field's bounds are checked, and every byte must be used.  -1 with
 * the reason in WHY if IN is not what ipc.def allows.
 */
int	 ipc_decode(struct ipc_in *in, unsigned state, enum ipc_type answer_to,
	    char *why, size_t whysz);
/* ipc_decode() of a request; anything ipc.def refuses ends the session. */
void	 ipc_accept(struct ipc_in *in, unsigned state);
/* ipc_read() and ipc_accept(). */
int	 ipc_recv(int sock, enum ipc_peer from, enum ipc_peer to, unsigned state,
	    struct ipc_in *in);
/* The same for the answer to REQ, which this process has just sent. */
int	 ipc_await(int sock, enum ipc_peer from, enum ipc_peer to, enum ipc_type req,
	    struct ipc_in *in);
/* Wipe and release IN; closes no descriptor. */
void	 ipc_free(struct ipc_in *in);
/* Is TYPE a request that its receiver accepts in STATE? */
int	 ipc_accepts(unsigned type, unsigned state);
/* The name of message TYPE ("MON_AUTH"), for logs. */
const char *ipc_name(unsigned type);

/*
 * For dispatch tables built from ipc.def: IPC_IF(TO, SELF, X...) is X in the
 * rows addressed to SELF, and nothing in the others.
 */
#define IPC_IF(to, self, ...)	IPC_IF_##to##_##self(__VA_ARGS__)
#define IPC_IF_MON_MON(...)	__VA_ARGS__
#define IPC_IF_MON_CTL(...)
#define IPC_IF_MON_USR(...)
#define IPC_IF_MON_KEY(...)
#define IPC_IF_MON_TLS(...)
#define IPC_IF_CTL_MON(...)
#define IPC_IF_CTL_CTL(...)	__VA_ARGS__
#define IPC_IF_CTL_USR(...)
#define IPC_IF_CTL_KEY(...)
#define IPC_IF_CTL_TLS(...)
#define IPC_IF_USR_MON(...)
#define IPC_IF_USR_CTL(...)
#define IPC_IF_USR_USR(...)	__VA_ARGS__
#define IPC_IF_USR_KEY(...)
#define IPC_IF_USR_TLS(...)
#define IPC_IF_KEY_MON(...)
#define IPC_IF_KEY_CTL(...)
#define IPC_IF_KEY_USR(...)
#define IPC_IF_KEY_KEY(...)	__VA_ARGS__
#define IPC_IF_KEY_TLS(...)
#define IPC_IF_TLS_MON(...)
#define IPC_IF_TLS_CTL(...)
#define IPC_IF_TLS_USR(...)
#define IPC_IF_TLS_KEY(...)
#define IPC_IF_TLS_TLS(...)	__VA_ARGS__
#endif
