/*
 * net.c: address helpers and the standalone (-D) listener.
 *
 * Owns the -D accept loop, which hands each connection to the same code path
 * inetd would have started; the listener itself never reads client bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "limits.h"
#include "log.h"
#include "net.h"

socklen_t
net_len(const union sockaddr_u *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

void
net_unmap(union sockaddr_u *a)
{
	struct sockaddr_in in;

	if (a->sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr))
		return;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = a->in6.sin6_port;
	memcpy(&in.sin_addr, &a->in6.sin6_addr.s6_addr[12], 4);
	memset(a, 0, sizeof(*a));
	a->in = in;
}

void
net_ntop(const union sockaddr_u *a, char *out, size_t outsz)
{
	const void *p = a->sa.sa_family == AF_INET6 ?
	    (const void *)&a->in6.sin6_addr : (const void *)&a->in.sin_addr;

	if (inet_ntop(a->sa.sa_family, p, out, (socklen_t)outsz) == NULL)
		str_copy(out, outsz, "?");
}

int
net_port(const union sockaddr_u *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port);
}

void
net_set_port(union sockaddr_u *a, int port)
{
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons((uint16_t)port);
	else
		a->in.sin_port = htons((uint16_t)port);
}

int
net_same_addr(const union sockaddr_u *a, const union sockaddr_u *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
}

int
net_pton(int family, const char *s, union sockaddr_u *a)
{
	memset(a, 0, sizeof(*a));
	a->sa.sa_family = (sa_family_t)family;
	if (family == AF_INET)
		return inet_pton(AF_INET, s, &a->in.sin_addr) == 1 ? 0 : -1;
	if (family == AF_INET6)
		return inet_pton(AF_INET6, s, &a->in6.sin6_addr) == 1 ? 0 : -1;
	return -1;
}

/* Do the first BITS bits of A and B (N bytes each) agree? */
static int
prefix_match(const unsigned char *a, const unsigned char *b, size_t n, long bits)
{
	size_t full = (size_t)bits / 8;
	unsigned rest = (unsigned)bits % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (full > n || (full == n && rest != 0))
		return 0;
	return memcmp(a, b, full) == 0 && (rest == 0 || ((a[full] ^ b[full]) & mask) == 0);
}

int
net_in_networks(const union sockaddr_u *a, const char *list)
{
	char copy[MAX_CONF_VALUE], *tok, *save = NULL, *slash, *end;
	union sockaddr_u net;
	long bits, max;
	int fam = a->sa.sa_family;

	if ((fam != AF_INET && fam != AF_INET6) || str_copy(copy, sizeof(copy), list) == -1)
		return 0;
	max = fam == AF_INET ? 32 : 128;
	for (tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		bits = max;
		if ((slash = strchr(tok, '/')) != NULL) {
			*slash = '\0';
			bits = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || *end != '\0' || bits < 0 || bits > max)
				continue;
		}
		if (net_pton(fam, tok, &net) == -1)
			continue;
		if (fam == AF_INET ? prefix_match((const unsigned char *)&a->in.sin_addr,
		    (const unsigned char *)&net.in.sin_addr, 4, bits) :
		    prefix_match(a->in6.sin6_addr.s6_addr, net.in6.sin6_addr.s6_addr, 16, bits))
			return 1;
	}
	return 0;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int
net_connect_within(int fd, const union sockaddr_u *to, int ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int fl = fcntl(fd, F_GETFL), err = 0, r;
	socklen_t len = sizeof(err);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if (connect(fd, &to->sa, net_len(to)) == -1 && errno != EINPROGRESS)
		return -1;
	while ((r = poll(&p, 1, ms)) == -1 && errno == EINTR)
		;
	if (r == 0)
		errno = ETIMEDOUT;
	if (r != 1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
		errno = err != 0 ? err : errno;
		return -1;
	}
	return fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ? -1 : 0;
}

int
write_within(int fd, const void *p, size_t n, int ms)
{
	struct pollfd pf = { fd, POLLOUT, 0 };
	struct timespec now, end;
	const char *q = p;
	long left;
	ssize_t w;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000L;
	while (n > 0) {
		if ((w = write(fd, q, n)) > 0) {
			q += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == 0 || errno != EAGAIN)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000L + (end.tv_nsec - now.tv_nsec) / 1000000L;
		if (left <= 0 || (poll(&pf, 1, (int)left) == -1 && errno != EINTR))
			return -1;
	}
	return 0;
}

void
net_tune_data(int fd)
{
	int one = 1, tos = 0x08;	/* IPTOS_THROUGHPUT */

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	/* the TLS handshake's small flights must not wait for delayed ACKs */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Bind one listening socket for AI; -1 if it cannot be bound. */
static int
net_bind_one(const struct addrinfo *ai)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, 128) == -1) {
		log_msg(LOG_WARNING, "cannot listen on a %s address: %s",
		    ai->ai_family == AF_INET6 ? "IPv6" : "IPv4", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Open the listening sockets; returns how many (at most MAX). */
static int
net_bind_all(const struct conf *c, struct pollfd *pfd, int max)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	int n = 0, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_family = c->listen_family == FAMILY_INET ? AF_INET :
	    c->listen_family == FAMILY_INET6 ? AF_INET6 : AF_UNSPEC;
	str_fmt(port, sizeof(port), "%ld", c->listen_port);
	e = getaddrinfo(c->listen_address[0] ? c->listen_address : NULL, port, &hints, &res);
	if (e != 0)
		die("listen_address %s: %s", c->listen_address, gai_strerror(e));
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		int fd = net_bind_one(ai);

		if (fd != -1) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			n++;
		}
	}
	freeaddrinfo(res);
	if (n == 0)
		die("no address to listen on (port %s)", port);
	return n;
}

static volatile sig_atomic_t net_children;

static void
net_reap(int sig)
{
	int saved = errno;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		net_children--;
	errno = saved;
}

/* Fork a session for the accepted connection FD. */
static void
net_spawn(int fd, const struct pollfd *pfd, int n, void (*serve)(void *), void *arg)
{
	sigset_t all, old;
	pid_t pid;
	int i;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		for (i = 0; i < n; i++)
			close(pfd[i].fd);
		if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1)
			die("dup2: %s", strerror(errno));
		if (fd > 1)
			close(fd);
		serve(arg);
		_exit(0);
	}
	if (pid > 0)
		net_children++;
	else
		log_msg(LOG_ERR, "fork: %s", strerror(errno));
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
}

void
net_listen_loop(const struct conf *c, void (*serve)(void *), void *arg)
{
	struct pollfd pfd[8];
	struct sigaction sa;
	int n, i;

	n = net_bind_all(c, pfd, 8);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = net_reap;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	log_msg(LOG_INFO, "listening on port %ld", c->listen_port);
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			int fd;

			if (!(pfd[i].revents & POLLIN))
				continue;
			fd = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1)
				continue;
			if (c->max_clients > 0 && net_children >= c->max_clients) {
				static const char full[] = "421 Too many connections, try later.\r\n";

				if (write(fd, full, sizeof(full) - 1) < 0)
					log_msg(LOG_DEBUG, "client gone before 421");
				close(fd);
				continue;
			}
			net_spawn(fd, pfd, n, serve, arg);
		}
	}
}
