/*
 * fuzz_ipc.c: the privilege-separation message decoder.  Arbitrary bytes go
 * through a socketpair into msg_recv(), then every checked getter runs over
 * the payload.  A frame longer than the receiver's maximum ends the session
 * by design (die), so such inputs are skipped here.  Checks: getters never
 * read past the payload and a string they return is NUL-terminated and fits.
 */
/* FUZZ_SRCS: common/ipc.c common/buf.c common/log.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"

#define MAXP	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(struct msg *m)
{
	char s[64];
	const void *p;
	size_t n;
	uint64_t v64;
	uint32_t v32;
	uint8_t v8;

	while (!msg_done(m)) {
		size_t before = m->rpos;

		if (msg_get_str(m, s, sizeof(s)) == 0 && strlen(s) >= sizeof(s))
			abort();
		if (msg_get_bytes(m, &p, &n) == 0 && n > m->body.len)
			abort();
		if (msg_get_u64(m, &v64) == -1 && msg_get_u32(m, &v32) == -1 &&
		    msg_get_u8(m, &v8) == -1)
			break;
		if (m->rpos <= before || m->rpos > m->body.len)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg m;
	int sv[2];

	size_t pos, len;

	if (size < 5 || size > 3 * MAXP)
		return 0;
	for (pos = 0; pos + 4 <= size; pos += 4 + len) {
		len = (size_t)data[pos] << 24 | (size_t)data[pos + 1] << 16 |
		    (size_t)data[pos + 2] << 8 | data[pos + 3];
		if (len == 0 || len - 1 > MAXP)
			return 0;	/* the receiver dies on such a frame, as designed */
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 0;
	if (write(sv[0], data, size) == (ssize_t)size) {
		shutdown(sv[0], SHUT_WR);
		while (msg_recv(sv[1], &m, MAXP) == 0) {
			walk(&m);
			if (m.fd != -1)
				close(m.fd);
			msg_free(&m);
		}
	}
	close(sv[0]);
	close(sv[1]);
	return 0;
}
