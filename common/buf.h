/*
 * buf.h: the bounded byte buffer, the only way text is built in ftpd.
 *
 * A buf grows on demand up to its max; every length addition is checked, so an
 * append that would pass max fails (returns -1) and leaves the buffer unchanged.
 * The contents are always NUL-terminated so buf_cstr() is free.
 */
#ifndef FTPD_BUF_H
#define FTPD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*p;	/* contents, NUL-terminated; NULL until first use */
	size_t	 len;	/* bytes in use, not counting the NUL */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* len never exceeds this */
};

/* A buf that may grow to MAX bytes; no allocation until the first append. */
#define BUF_INIT(max)	{ NULL, 0, 0, (max) }

/* Set up B (which may hold garbage) with the given maximum length. */
void	 buf_init(struct buf *b, size_t max);
/* Free B's memory (wiping it first) and leave it empty and reusable. */
void	 buf_free(struct buf *b);
/* Forget the contents but keep the memory. */
void	 buf_reset(struct buf *b);
/* Append N bytes; -1 (nothing appended) if max would be passed. */
int	 buf_append(struct buf *b, const void *p, size_t n);
/* Append a NUL-terminated string; -1 as buf_append. */
int	 buf_puts(struct buf *b, const char *s);
/* Append one byte. */
int	 buf_putc(struct buf *b, int c);
/* Append formatted text; -1 (nothing appended) if max would be passed. */
int	 buf_appendf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vappendf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Remove the first N bytes (N <= len). */
void	 buf_consume(struct buf *b, size_t n);
/* Shorten to N bytes (N <= len). */
void	 buf_truncate(struct buf *b, size_t n);
/* The contents as a C string; never NULL ("" when empty). */
const char *buf_cstr(const struct buf *b);
/* Abort (bug) if B's invariants do not hold. */
void	 buf_check(const struct buf *b);

/*
 * Bounded copy/format into a fixed array: always NUL-terminates, returns -1 if
 * the result was cut (the caller decides whether a cut is an error).
 */
int	 str_copy(char *dst, size_t dstsz, const char *src);
int	 str_fmt(char *dst, size_t dstsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
