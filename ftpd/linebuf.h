/*
 * linebuf.h: turning the control connection's bytes into command lines.
 *
 * Handles the Telnet layer of RFC 959 4.1 / RFC 854: IAC IAC is a 0xff data
 * byte, option negotiation (WILL/WONT/DO/DONT x) and the other commands (IP,
 * DM, AO, ...) are dropped.  A line ends at LF (an optional CR before it is
 * removed).  A line longer than MAX_CMDLINE is discarded through its LF and
 * reported once; a NUL or a CR not followed by LF marks the line bad.  Pure:
 * no I/O, so it is unit-tested and fuzzed directly.
 */
#ifndef FTPD_LINEBUF_H
#define FTPD_LINEBUF_H

#include <stddef.h>

#include "limits.h"

enum line_event { LINE_NONE, LINE_OK, LINE_TOOLONG, LINE_BAD };

struct linebuf {
	char	 line[MAX_CMDLINE + 1];
	size_t	 len;
	int	 telnet;	/* 0 data, 1 after IAC, 2 after IAC WILL/WONT/DO/DONT */
	int	 cr;		/* the last data byte was CR */
	int	 toolong;
	int	 bad;
};

void	 linebuf_init(struct linebuf *lb);
/*
 * Feed bytes from P (N of them) until a line completes.  Returns how many were
 * consumed and sets *EV: LINE_OK (lb->line holds the NUL-terminated line),
 * LINE_TOOLONG or LINE_BAD (the line was dropped), or LINE_NONE (all N used,
 * no line yet).  Call again with the rest.
 */
size_t	 linebuf_feed(struct linebuf *lb, const unsigned char *p, size_t n, enum line_event *ev);

#endif
