/*
 * ipc.c: framing, descriptor passing and checked field access for the
 * privilege-separation messages.
 *
 * Owns the wire format of every message between monitor, control and user
 * processes.  Never trusts a length from the other side before comparing it
 * with the receiver's maximum; never allocates from an unchecked length.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"
#include "limits.h"
#include "log.h"
#include "tls.h"

void
msg_init(struct msg *m, uint8_t type, size_t max)
{
	m->type = type;
	buf_init(&m->body, max);
	m->rpos = 0;
	m->fd = -1;
}

void
msg_free(struct msg *m)
{
	buf_free(&m->body);
	m->rpos = 0;
}

static void
msg_put(struct msg *m, const void *p, size_t n)
{
	if (buf_append(&m->body, p, n) == -1)
		bug("message type %u over its maximum", m->type);
}

void
msg_put_u8(struct msg *m, uint8_t v)
{
	msg_put(m, &v, 1);
}

void
msg_put_u32(struct msg *m, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	msg_put(m, b, 4);
}

void
msg_put_u64(struct msg *m, uint64_t v)
{
	msg_put_u32(m, (uint32_t)(v >> 32));
	msg_put_u32(m, (uint32_t)v);
}

void
msg_put_bytes(struct msg *m, const void *p, size_t n)
{
	BUG_ON(n > UINT32_MAX);
	msg_put_u32(m, (uint32_t)n);
	msg_put(m, p, n);
}

void
msg_put_str(struct msg *m, const char *s)
{
	msg_put_bytes(m, s, strlen(s));
}

int
msg_send(int sock, const struct msg *m)
{
	unsigned char hdr[5];
	size_t len = m->body.len + 1;
	struct iovec iov[2];
	struct msghdr mh;
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	ssize_t n;
	size_t off, total = sizeof(hdr) + m->body.len;

	hdr[0] = len >> 24; hdr[1] = len >> 16; hdr[2] = len >> 8; hdr[3] = len;
	hdr[4] = m->type;
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)buf_cstr(&m->body);
	iov[1].iov_len = m->body.len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (m->fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.space;
		mh.msg_controllen = sizeof(cm.space);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &m->fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	/* the rest of a frame the socket took only part of goes plainly */
	for (off = (size_t)n; off < total; off += (size_t)n) {
		const char *p = off < sizeof(hdr) ? (const char *)hdr + off :
		    buf_cstr(&m->body) + (off - sizeof(hdr));
		size_t left = off < sizeof(hdr) ? sizeof(hdr) - off : total - off;

		do
			n = send(sock, p, left, MSG_NOSIGNAL);
		while (n == -1 && errno == EINTR);
		if (n <= 0)
			return -1;
	}
	return 0;
}

static int
read_full(int sock, void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(sock, (char *)p + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int
msg_recv(int sock, struct msg *m, size_t max)
{
	unsigned char hdr[5];
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr mh;
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * IPC_FDS_SEEN)];
	} cm;
	struct cmsghdr *c;
	ssize_t n;
	size_t len;
	int nfd = 0;

	msg_init(m, 0, max);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.space;
	mh.msg_controllen = sizeof(cm.space);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return -1;
	/* every descriptor that came is taken: one is kept, more end the session */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		const unsigned char *d = CMSG_DATA(c);
		size_t i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++, nfd++) {
			int fd;

			memcpy(&fd, d + i * sizeof(int), sizeof(int));
			if (nfd == 0)
				m->fd = fd;
			else
				close(fd);
		}
	}
	if (nfd > 1 || (mh.msg_flags & MSG_CTRUNC)) {
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		die("ipc: %d descriptors with one message%s", nfd,
		    (mh.msg_flags & MSG_CTRUNC) ? " (truncated)" : "");
	}
	if ((size_t)n < sizeof(hdr) && read_full(sock, hdr + n, sizeof(hdr) - (size_t)n) == -1)
		goto eof;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len - 1 > max)
		die("ipc: frame of %zu bytes (type %u) over the limit %zu", len, hdr[4], max);
	m->type = hdr[4];
	len--;
	if (len > 0) {
		char chunk[8192];
		size_t left = len;

		while (left > 0) {
			size_t k = left < sizeof(chunk) ? left : sizeof(chunk);

			if (read_full(sock, chunk, k) == -1)
				goto eof;
			if (buf_append(&m->body, chunk, k) == -1)
				bug("ipc: body over max");
			left -= k;
		}
	}
	return 0;
eof:
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	msg_free(m);
	return -1;
}

static int
msg_get(struct msg *m, void *p, size_t n)
{
	if (n > m->body.len - m->rpos)
		return -1;
	memcpy(p, buf_cstr(&m->body) + m->rpos, n);
	m->rpos += n;
	return 0;
}

int
msg_get_u8(struct msg *m, uint8_t *v)
{
	return msg_get(m, v, 1);
}

int
msg_get_u32(struct msg *m, uint32_t *v)
{
	unsigned char b[4];

	if (msg_get(m, b, 4) == -1)
		return -1;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

int
msg_get_u64(struct msg *m, uint64_t *v)
{
	uint32_t hi, lo;

	if (msg_get_u32(m, &hi) == -1 || msg_get_u32(m, &lo) == -1)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
msg_get_bytes(struct msg *m, const void **p, size_t *n)
{
	uint32_t len;

	if (msg_get_u32(m, &len) == -1 || len > m->body.len - m->rpos)
		return -1;
	*p = buf_cstr(&m->body) + m->rpos;
	*n = len;
	m->rpos += len;
	return 0;
}

int
msg_get_str(struct msg *m, char *dst, size_t dstsz)
{
	const void *p;
	size_t n;

	if (msg_get_bytes(m, &p, &n) == -1 || n >= dstsz || memchr(p, '\0', n) != NULL)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

int
msg_done(const struct msg *m)
{
	return m->rpos == m->body.len;
}

/*
 * The messages of ipc.def.
 */

struct ipc_desc {
	const char	*name;
	enum ipc_peer	 from, to;
	int		 answer;	/* an answer, not a request */
	unsigned	 when;		/* request: IPC_* states; answer: IPC_BIT()s of requests */
	size_t		 max;		/* largest payload */
};

/* the payload bound of each field kind */
/* NOLINTBEGIN(bugprone-macro-parentheses): X-macros that expand to statements and terms */
#define U8(n, lo, hi)		+ 1
#define U32(n, lo, hi)		+ 4
#define U64(n, lo, hi)		+ 8
#define CHR(n, set)		+ 1
#define STR(n, max)		+ 4 + (size_t)(max)
#define BYTES(n, lo, hi)	+ 4 + (size_t)(hi)
static const struct ipc_desc ipc_desc[IPC_NTYPES] = {
#define REQ(type, stem, from, to, when, fds, fields) \
	[type] = { #type, IPC_##from, IPC_##to, 0, when, 0 fields },
#define ANS(type, stem, from, to, reqs, fds, fields) \
	[type] = { #type, IPC_##from, IPC_##to, 1, reqs, 0 fields },
#include "ipc.def"
};

static const char *const ipc_peer_name[] = { "monitor", "control", "user", "key", "TLS" };

/* MIN <= V <= MAX, as a function so that a bound of 0 draws no warning */
static int
in_range(uint64_t v, uint64_t min, uint64_t max)
{
	return v >= min && v <= max;
}

/* one byte among the characters of SET (never its NUL) */
static int
in_set(uint8_t c, const char *set)
{
	return c != 0 && strchr(set, c) != NULL;
}

/* The encoders: each field is checked against its bounds, then put. */
#define U8(n, lo, hi)		BUG_ON(!in_range(v->n, lo, hi)); msg_put_u8(&m, v->n);
#define U32(n, lo, hi)		BUG_ON(!in_range(v->n, lo, hi)); msg_put_u32(&m, v->n);
#define U64(n, lo, hi)		BUG_ON(!in_range(v->n, lo, hi)); msg_put_u64(&m, v->n);
#define CHR(n, set)		BUG_ON(!in_set((uint8_t)v->n, set)); msg_put_u8(&m, (uint8_t)v->n);
#define STR(n, max)		BUG_ON(strnlen(v->n, sizeof(v->n)) > (max)); msg_put_str(&m, v->n);
#define BYTES(n, lo, hi)	BUG_ON(!in_range(v->n.len, lo, hi)); \
				msg_put_bytes(&m, v->n.p, v->n.len);
#define ENCODER(type, stem, fds, fields)					\
int									\
ipc_send_##stem(int sock, const struct ipc_##stem *v, int fd)		\
{									\
	struct msg m;							\
	int r;								\
									\
	(void)v;							\
	BUG_ON(IPC_##fds == IPC_NOFD ? fd != -1 : IPC_##fds == IPC_FD && fd == -1); \
	msg_init(&m, type, ipc_desc[type].max);				\
	m.fd = fd;							\
	fields								\
	r = msg_send(sock, &m);						\
	msg_free(&m);							\
	return r;							\
}
#define REQ(type, stem, from, to, when, fds, fields)	ENCODER(type, stem, fds, fields)
#define ANS(type, stem, from, to, reqs, fds, fields)	ENCODER(type, stem, fds, fields)
#include "ipc.def"

/* The decoders: NULL, or the name of the first field that is missing or out of bounds. */
#define U8(n, lo, hi)		if (msg_get_u8(m, &v->n) == -1 || !in_range(v->n, lo, hi)) return #n;
#define U32(n, lo, hi)		if (msg_get_u32(m, &v->n) == -1 || !in_range(v->n, lo, hi)) return #n;
#define U64(n, lo, hi)		if (msg_get_u64(m, &v->n) == -1 || !in_range(v->n, lo, hi)) return #n;
#define CHR(n, set)		if (msg_get_u8(m, &c) == -1 || !in_set(c, set)) return #n; \
				v->n = (char)c;
#define STR(n, max)		if (msg_get_str(m, v->n, sizeof(v->n)) == -1) return #n;
#define BYTES(n, lo, hi)	if (msg_get_bytes(m, &v->n.p, &v->n.len) == -1 || \
				    !in_range(v->n.len, lo, hi)) return #n;
#define DECODER(stem, fields)						\
static const char *							\
ipc_decode_##stem(struct msg *m, struct ipc_##stem *v)			\
{									\
	uint8_t c;							\
									\
	(void)m; (void)v; (void)c;					\
	fields								\
	return NULL;							\
}
#define REQ(type, stem, from, to, when, fds, fields)	DECODER(stem, fields)
#define ANS(type, stem, from, to, reqs, fds, fields)	DECODER(stem, fields)
#include "ipc.def"
/* NOLINTEND(bugprone-macro-parentheses) */

/* Decode IN's fields by its type; NULL or the field at fault. */
static const char *
ipc_decode_fields(struct ipc_in *in)
{
	switch (in->type) {
#define REQ(type, stem, ...)	case type: return ipc_decode_##stem(&in->raw, &in->u.stem);
#define ANS(type, stem, ...)	case type: return ipc_decode_##stem(&in->raw, &in->u.stem);
#include "ipc.def"
	default:
		return "type";
	}
}

/* Does IN carry a descriptor?  MAYFD messages say so in their `connected` field. */
#define MAYFD_NOFD(type, stem)	case type: return 0;
#define MAYFD_FD(type, stem)	case type: return 1;
#define MAYFD_MAYFD(type, stem)	case type: return in->u.stem.connected;
static int
ipc_wants_fd(const struct ipc_in *in)
{
	switch (in->type) {
#define REQ(type, stem, from, to, when, fds, fields)	MAYFD_##fds(type, stem)
#define ANS(type, stem, from, to, reqs, fds, fields)	MAYFD_##fds(type, stem)
#include "ipc.def"
	default:
		return 0;
	}
}

int
ipc_accepts(unsigned type, unsigned state)
{
	return type > IPC_NONE && type < IPC_NTYPES && !ipc_desc[type].answer &&
	    (ipc_desc[type].when & state) != 0;
}

const char *
ipc_name(unsigned type)
{
	return type > IPC_NONE && type < IPC_NTYPES ? ipc_desc[type].name : "unknown";
}

size_t
ipc_max(enum ipc_peer from, enum ipc_peer to)
{
	size_t t, max = 0;

	for (t = IPC_NONE + 1; t < IPC_NTYPES; t++)
		if (ipc_desc[t].from == from && ipc_desc[t].to == to && ipc_desc[t].max > max)
			max = ipc_desc[t].max;
	return max;
}

int
ipc_read(int sock, enum ipc_peer from, enum ipc_peer to, struct ipc_in *in)
{
	memset(&in->u, 0, sizeof(in->u));
	in->from = from;
	in->to = to;
	if (msg_recv(sock, &in->raw, ipc_max(from, to)) == -1)
		return -1;
	in->type = in->raw.type;
	in->fd = in->raw.fd;
	return 0;
}

int
ipc_decode(struct ipc_in *in, unsigned state, enum ipc_type answer_to, char *why, size_t whysz)
{
	const struct ipc_desc *d;
	const char *bad;
	int has_fd = in->fd != -1;

	if (in->type <= IPC_NONE || in->type >= IPC_NTYPES) {
		str_fmt(why, whysz, "unknown message type %u", (unsigned)in->type);
		return -1;
	}
	d = &ipc_desc[in->type];
	if (d->from != in->from || d->to != in->to) {
		str_fmt(why, whysz, "%s from the %s process to the %s process", d->name,
		    ipc_peer_name[in->from], ipc_peer_name[in->to]);
		return -1;
	}
	if (answer_to == IPC_NONE ? d->answer || !(d->when & state) :
	    !d->answer || !(d->when & IPC_BIT(answer_to))) {
		str_fmt(why, whysz, "%s not allowed %s", d->name, answer_to == IPC_NONE ?
		    "in this state" : "as this answer");
		return -1;
	}
	if ((bad = ipc_decode_fields(in)) != NULL || !msg_done(&in->raw)) {
		str_fmt(why, whysz, "%s with a bad %s field", d->name, bad != NULL ? bad : "last");
		return -1;
	}
	if (has_fd != ipc_wants_fd(in)) {
		str_fmt(why, whysz, "%s with%s a descriptor", d->name, has_fd ? "" : "out");
		return -1;
	}
	return 0;
}

/* Decode IN or end the session, closing what it carried. */
static void
ipc_decode_or_die(struct ipc_in *in, unsigned state, enum ipc_type answer_to)
{
	char why[160];

	if (ipc_decode(in, state, answer_to, why, sizeof(why)) == 0)
		return;
	if (in->fd != -1)
		close(in->fd);
	in->fd = -1;
	ipc_free(in);
	die("ipc: %s", why);
}

void
ipc_accept(struct ipc_in *in, unsigned state)
{
	ipc_decode_or_die(in, state, IPC_NONE);
}

int
ipc_recv(int sock, enum ipc_peer from, enum ipc_peer to, unsigned state, struct ipc_in *in)
{
	if (ipc_read(sock, from, to, in) == -1)
		return -1;
	ipc_accept(in, state);
	return 0;
}

int
ipc_await(int sock, enum ipc_peer from, enum ipc_peer to, enum ipc_type req, struct ipc_in *in)
{
	if (ipc_read(sock, from, to, in) == -1)
		return -1;
	ipc_decode_or_die(in, 0, req);
	return 0;
}

void
ipc_free(struct ipc_in *in)
{
	explicit_bzero(&in->u, sizeof(in->u));
	msg_free(&in->raw);
}
