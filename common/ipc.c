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
