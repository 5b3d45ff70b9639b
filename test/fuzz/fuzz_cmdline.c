/*
 * fuzz_cmdline.c: the control-line layer.  Bytes go through the Telnet/line
 * assembler; every line it yields goes through reply framing and the path
 * helpers.  Checks: a line never holds CR, LF or NUL; a formatted reply ends
 * in CRLF and every CR in it is followed by LF.
 */
/* FUZZ_SRCS: ftpd/linebuf.c ftpd/reply.c common/path.c common/buf.c common/log.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "linebuf.h"
#include "path.h"
#include "session.h"

static void
check_line(const char *line)
{
	struct buf out = BUF_INIT(REPLY_MAX * 2 + 64);
	char dir[MAX_PATH], base[MAX_PATH], joined[MAX_PATH];
	const char *p;
	size_t i;

	if (strpbrk(line, "\r\n") != NULL)
		abort();
	reply_format(&out, 550, line);
	p = buf_cstr(&out);
	if (out.len < 2 || p[out.len - 2] != '\r' || p[out.len - 1] != '\n')
		abort();
	for (i = 0; i + 1 < out.len; i++)
		if (p[i] == '\r' && p[i + 1] != '\n')
			abort();
	path_split(line, dir, sizeof(dir), base, sizeof(base));
	if (path_join("/home/user", line, joined, sizeof(joined)) == 0 &&
	    (joined[0] != '/' || strstr(joined, "/../") != NULL))
		abort();
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf lb;
	enum line_event ev;
	size_t off = 0;

	linebuf_init(&lb);
	while (off < size) {
		off += linebuf_feed(&lb, data + off, size - off, &ev);
		if (ev == LINE_OK)
			check_line(lb.line);
	}
	return 0;
}
