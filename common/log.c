/*
 * log.c: syslog output, die()/bug(), and allocation wrappers.
 *
 * Owns the process's syslog connection.  Messages are sanitised here (control
 * characters escaped) so a client-supplied string can never forge log lines.
 * Never writes to fd 0/1/2 unless asked to copy to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_stderr;
static int log_debug;
static char log_ident[64] = "ftpd";
static void (*fatal_hook)(const char *);

void
log_init(const char *ident, int to_stderr)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_stderr = to_stderr;
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_FTP);
	/* load the time zone now: in a chroot syslog's timestamps would be UTC */
	tzset();
}

void
log_close(void)
{
	closelog();
}

void
log_reopen(void)
{
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_FTP);
}

void
log_set_ident(const char *s)
{
	snprintf(log_ident, sizeof(log_ident), "%s", s);
}

void
log_set_debug(int on)
{
	log_debug = on;
}

void
log_set_fatal_hook(void (*hook)(const char *))
{
	fatal_hook = hook;
}

/*
 * Format into OUT, escaping control characters and DEL as \ooo, so that no
 * logged name can forge a log line; bytes >= 0x80 pass, so UTF-8 names stay
 * readable.
 */
static void
log_format(char *out, size_t outsz, const char *fmt, va_list ap)
{
	char raw[1024];
	size_t i, o = 0;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	for (i = 0; raw[i] != '\0' && o + 5 < outsz; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, outsz - o, "\\%03o", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void
log_emit(int priority, const char *msg)
{
	syslog(priority, "%s", msg);
	if (log_stderr)
		fprintf(stderr, "%s[%ld]: %s\n", log_ident, (long)getpid(), msg);
}

void
log_msg(int priority, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	int saved = errno;

	if (LOG_PRI(priority) == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	log_format(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(priority, msg);
	errno = saved;
}

static void __attribute__((noreturn))
log_fatal(const char *kind, const char *file, const char *func, int line,
    const char *fmt, va_list ap)
{
	char msg[1200], full[1400];
	void (*hook)(const char *) = fatal_hook;

	log_format(msg, sizeof(msg), fmt, ap);
	snprintf(full, sizeof(full), "%s%s (%s:%d %s)", kind, msg, file, line, func);
	log_emit(LOG_ERR, full);
	fatal_hook = NULL;
	if (hook != NULL)
		hook(msg);
	_exit(1);
}

void
log_die(const char *file, const char *func, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fatal("fatal: ", file, func, line, fmt, ap);
	va_end(ap);	/* not reached: log_fatal() exits */
}

void
log_bug(const char *file, const char *func, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fatal("BUG: ", file, func, line, fmt, ap);
	va_end(ap);	/* not reached: log_fatal() exits */
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		die("allocation overflow (%zu x %zu)", nmemb, size);
	p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		die("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *np = realloc(p, n ? n : 1);

	if (np == NULL)
		die("out of memory (%zu bytes)", n);
	return np;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		die("out of memory");
	return p;
}
