/*
 * net.h: socket addresses and the -D listener.
 */
#ifndef FTPD_NET_H
#define FTPD_NET_H

#include <netinet/in.h>
#include <sys/socket.h>

struct conf;

union sockaddr_u {
	struct sockaddr		sa;
	struct sockaddr_in	in;
	struct sockaddr_in6	in6;
	struct sockaddr_storage	ss;
};

/* Length of A for bind/connect. */
socklen_t net_len(const union sockaddr_u *a);
/* Rewrite an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as plain IPv4. */
void	 net_unmap(union sockaddr_u *a);
/* Numeric text of A's address (no port) into OUT; "?" on failure. */
void	 net_ntop(const union sockaddr_u *a, char *out, size_t outsz);
int	 net_port(const union sockaddr_u *a);
void	 net_set_port(union sockaddr_u *a, int port);
/* Same address (ignoring ports)? */
int	 net_same_addr(const union sockaddr_u *a, const union sockaddr_u *b);
/* Parse a numeric address of FAMILY (AF_INET/AF_INET6) into A; -1 if invalid. */
int	 net_pton(int family, const char *s, union sockaddr_u *a);
/*
 * Is the address A inside one of the networks in LIST ("a.b.c.d/n ::1/128 ...",
 * blank or comma separated; a bare address is a /32 or /128)?  Entries of the
 * other family, other words (user names) and bad entries never match.
 */
int	 net_in_networks(const union sockaddr_u *a, const char *list);
/*
 * Connect FD to TO within MS milliseconds; the socket blocks again after.
 * -1 with errno (ETIMEDOUT if no answer came).
 */
int	 net_connect_within(int fd, const union sockaddr_u *to, int ms);
/* Set SO_KEEPALIVE etc. on a data socket. */
void	 net_tune_data(int fd);
/* Write all N bytes of P to FD (any descriptor), again after EINTR; -1 on error. */
int	 write_all(int fd, const void *p, size_t n);
/*
 * The same on a non-blocking descriptor, within MS milliseconds in all: -1 if
 * the peer did not take the bytes in time (errno EAGAIN) or on error.
 */
int	 write_within(int fd, const void *p, size_t n, int ms);

/*
 * The -D listener: bind per C's listen_* keywords (IPv4 and IPv6), accept,
 * and for each connection fork; in the child the connection becomes fd 0 and 1
 * and SERVE() is called, exactly as inetd would have started us.  Reaps
 * children, honours max_clients, never returns in the parent (dies on error).
 */
void	 net_listen_loop(const struct conf *c, void (*serve)(void *), void *arg);

#endif
