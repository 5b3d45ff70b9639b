/*
 * ascii.h: TYPE A line-ending conversion (RFC 959 3.1.1.1), streaming.
 */
#ifndef FTPD_ASCII_H
#define FTPD_ASCII_H

#include <stddef.h>

/*
 * Local to network: LF not preceded by CR becomes CR LF.  OUT must hold 2*N
 * bytes; *LAST carries the previous buffer's last byte across calls (start 0).
 * Returns the bytes written.
 */
size_t	 ascii_to_net(const char *in, size_t n, char *out, int *last);
/*
 * Network to local: CR LF becomes LF; a lone CR is kept.  OUT must hold N+1
 * bytes; *CR carries a CR seen at the end of the previous buffer (start 0).
 * At end of stream call with N == 0 to flush a pending CR.
 */
size_t	 ascii_from_net(const char *in, size_t n, char *out, int *cr);

#endif
