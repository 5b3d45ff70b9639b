/*
 * linebuf.c: Telnet-aware, bounded command line assembly (see linebuf.h).
 *
 * Never splits an overlong line into two commands and never lets a NUL or a
 * bare CR into a command.
 */
#include "linebuf.h"

#define IAC	255
#define SE	240	/* the lowest Telnet command */
#define WILL	251
#define DONT	254

void
linebuf_init(struct linebuf *lb)
{
	lb->len = 0;
	lb->telnet = 0;
	lb->cr = 0;
	lb->toolong = 0;
	lb->bad = 0;
	lb->line[0] = '\0';
}

/* End the current line; returns its event and resets for the next. */
static enum line_event
linebuf_end(struct linebuf *lb)
{
	enum line_event ev = lb->toolong ? LINE_TOOLONG : lb->bad ? LINE_BAD : LINE_OK;

	lb->line[ev == LINE_OK ? lb->len : 0] = '\0';
	lb->len = 0;	/* the caller uses lb->line before feeding more */
	lb->toolong = lb->bad = lb->cr = 0;
	return ev;
}

/* Add one data byte C; returns an event if it ended a line. */
static enum line_event
linebuf_data(struct linebuf *lb, unsigned char c)
{
	if (c == '\n')
		return linebuf_end(lb);
	if (lb->cr) {		/* the CR before was not part of CRLF */
		lb->bad = 1;
		lb->cr = 0;
	}
	if (c == '\r') {
		lb->cr = 1;
		return LINE_NONE;
	}
	if (c == '\0')
		lb->bad = 1;
	if (lb->len >= MAX_CMDLINE - 2)	/* room for the CRLF the client owed us */
		lb->toolong = 1;
	else if (!lb->toolong)
		lb->line[lb->len++] = (char)c;
	return LINE_NONE;
}

size_t
linebuf_feed(struct linebuf *lb, const unsigned char *p, size_t n, enum line_event *ev)
{
	size_t i;

	*ev = LINE_NONE;
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (lb->telnet == 1) {
			lb->telnet = (c >= WILL && c <= DONT) ? 2 : 0;
			/* IAC x with x not a command: the DM went as urgent data */
			if (c != IAC && c >= SE)
				continue;
		} else if (lb->telnet == 2) {
			lb->telnet = 0;
			continue;
		} else if (c == IAC) {
			lb->telnet = 1;
			continue;
		}
		if ((*ev = linebuf_data(lb, c)) != LINE_NONE)
			return i + 1;
	}
	return n;
}
