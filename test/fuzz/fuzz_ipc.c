/*
 * fuzz_ipc.c: the privilege-separation message decoders.  Arbitrary bytes go
 * through a socketpair into msg_recv(); each frame is decoded as ipc.def's
 * decoders would for every sender, receiver and state, then every checked
 * getter runs over the payload.  A frame longer than the receiver's maximum
 * ends the session by design (die), so such inputs are skipped here.
 * Checks: a decoded message's strings are NUL-terminated and fit, its BYTES
 * fields lie inside the frame; getters never read past the payload.
 */
/* FUZZ_SRCS: common/ipc.c common/buf.c common/log.c */
#include <stddef.h>
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

/* Does [P, P+N) lie inside M's payload? */
static int
inside(const struct msg *m, const void *p, size_t n)
{
	const char *b = buf_cstr(&m->body);

	return n == 0 || ((const char *)p >= b && n <= m->body.len &&
	    (const char *)p - b <= (ptrdiff_t)(m->body.len - n));
}

/* Decode M as every receiver would; a message that passes must be well formed. */
static void
decode_all(const struct msg *m)
{
	static const unsigned states[] = { IPC_PREAUTH, IPC_START, IPC_USER };
	struct ipc_in in;
	char why[160];
	int from, to;
	size_t i;

	for (from = IPC_MON; from <= IPC_TLS; from++)
		for (to = IPC_MON; to <= IPC_TLS; to++)
			for (i = 0; i < 3 + IPC_NTYPES; i++) {
				memset(&in, 0, sizeof(in));
				in.type = m->type;
				in.fd = -1;
				in.from = (enum ipc_peer)from;
				in.to = (enum ipc_peer)to;
				msg_init(&in.raw, m->type, m->body.len);
				buf_append(&in.raw.body, buf_cstr(&m->body), m->body.len);
				if ((i < 3 ? ipc_decode(&in, states[i], IPC_NONE, why, sizeof(why)) :
				    ipc_decode(&in, 0, (enum ipc_type)(i - 3), why, sizeof(why))) == 0) {
					if (in.type == MON_AUTH && strlen(in.u.auth.user) > MAX_USER)
						abort();
					if (in.type == MON_CHANNEL && !inside(&in.raw,
					    in.u.channel.tls_transcript.p, in.u.channel.tls_transcript.len))
						abort();
					if (in.type == CHN_INPUT && (in.u.chn_input.data.len > CTL_READ_MAX ||
					    !inside(&in.raw, in.u.chn_input.data.p, in.u.chn_input.data.len)))
						abort();
					if (in.type == REL_CMD && strlen(in.u.cmd.line) > MAX_CMDLINE)
						abort();
					if (in.type == REL_REPLY &&
					    !inside(&in.raw, in.u.reply.text.p, in.u.reply.text.len))
						abort();
					if (!msg_done(&in.raw))
						abort();
				} else if (strlen(why) == 0)
					abort();
				ipc_free(&in);
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
			decode_all(&m);
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
