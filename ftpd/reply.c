/*
 * reply.c: the only code that formats replies to the client.
 *
 * Owns RFC 959 4.2 reply framing: continuation lines, the final "code text"
 * line, CRLF endings, IAC doubling, and removal of control characters so that
 * nothing a client sent (a file name, say) can forge a reply line.
 */
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "limits.h"
#include "log.h"
#include "path.h"
#include "session.h"

/* Append one line of TEXT (LEN bytes, no newline) sanitised. */
static void
reply_line(struct buf *out, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == 0xff)
			buf_append(out, "\xff\xff", 2);
		else if (c == (unsigned char)PATH_NUL)
			buf_append(out, "", 1);		/* a path's line feed (RFC 959) */
		else if (c < 0x20 || c == 0x7f)
			buf_putc(out, '?');
		else
			buf_putc(out, c);
	}
	buf_append(out, "\r\n", 2);
}

void
reply_format(struct buf *out, int code, const char *text)
{
	const char *p = text, *nl;

	BUG_ON(code < 100 || code > 699);
	while ((nl = strchr(p, '\n')) != NULL) {
		if (p == text || *p != ' ')	/* the first line always starts "code-" */
			buf_appendf(out, "%d-", code);
		reply_line(out, p, (size_t)(nl - p));
		p = nl + 1;
	}
	buf_appendf(out, "%d ", code);
	reply_line(out, p, strlen(p));
}

void
reply(struct session *s, int code, const char *fmt, ...)
{
	struct buf text = BUF_INIT(REPLY_MAX), out = BUF_INIT(REPLY_WIRE_MAX);
	va_list ap;

	va_start(ap, fmt);
	if (buf_vappendf(&text, fmt, ap) == -1) {
		buf_reset(&text);
		buf_puts(&text, "Reply too long.");
	}
	va_end(ap);
	reply_format(&out, code, buf_cstr(&text));
	if (s->conf->log_sessions >= 2)
		log_msg(LOG_INFO, "<- %d %.200s", code, buf_cstr(&text));
	s->send(s, buf_cstr(&out), out.len);
	buf_free(&text);
	buf_free(&out);
}

void
reply_greeting(struct session *s)
{
	char host[256] = "localhost";
	const char *w = buf_cstr(&s->welcome);
	size_t wl = s->welcome.len;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	while (wl > 0 && w[wl - 1] == '\n')
		wl--;
	if (s->conf->banner[0] != '\0')
		reply(s, FTP_GREET, "%.*s%s%s", (int)wl, w, wl ? "\n" : "", s->conf->banner);
	else
		reply(s, FTP_GREET, "%.*s%s%s FTP server ready.", (int)wl, w, wl ? "\n" : "", host);
}
