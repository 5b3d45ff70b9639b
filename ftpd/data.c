/*
 * data.c: the data connection's end points and the FTP bounce defence.
 *
 * Owns every decision about where a data connection may go or come from:
 * PORT/EPRT targets are checked here (RFC 2577 2) and PASV/EPSV connections
 * are accepted only from the control peer (RFC 2577 7).  Each refusal has its
 * own reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "data.h"
#include "log.h"
#include "session.h"

/* Bind FD to the local address at PORT (0: any); -1 if busy. */
static int
data_bind(struct session *s, int fd, int port)
{
	union sockaddr_u a = s->local;

	net_set_port(&a, port);
	return bind(fd, &a.sa, net_len(&a));
}

/*
 * Bind FD to a port of the passive range: every port once, from a random one
 * on (a guessable next port would help a port thief).  SO_REUSEADDR lets a
 * port whose last data connection sits in TIME_WAIT be bound again; a port
 * another session listens on stays busy.  -1 if every port is taken.
 */
static int
data_bind_range(struct session *s, int fd)
{
	const struct conf *c = s->conf;
	unsigned span = (unsigned)(c->pasv_max_port - c->pasv_min_port + 1), r = 0, i;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned)getpid();
	for (i = 0; i < span; i++)
		if (data_bind(s, fd, (int)(c->pasv_min_port + (r + i) % span)) == 0)
			return 0;
	return -1;
}

int
data_listen(struct session *s, char *why, size_t whysz)
{
	const struct conf *c = s->conf;
	union sockaddr_u a;
	socklen_t len = sizeof(a);
	int fd, ok;

	if (s->pasv_fd != -1)
		close(s->pasv_fd);
	s->pasv_fd = -1;
	s->data_mode = DATA_NONE;
	if ((fd = socket(s->local.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		str_fmt(why, whysz, "Cannot open a socket.");
		return -1;
	}
	ok = c->pasv_min_port == 0 ? data_bind(s, fd, 0) : data_bind_range(s, fd);
	if (ok == -1 || listen(fd, 1) == -1 || getsockname(fd, &a.sa, &len) == -1) {
		if (c->pasv_min_port != 0)
			log_msg(LOG_WARNING, "%s: no passive port free in %ld-%ld: %s", s->peer_str,
			    c->pasv_min_port, c->pasv_max_port, strerror(errno));
		else
			log_msg(LOG_WARNING, "%s: no passive port free: %s", s->peer_str,
			    strerror(errno));
		str_fmt(why, whysz, "No passive port is free, try again later.");
		close(fd);
		return -1;
	}
	s->pasv_fd = fd;
	s->data_mode = DATA_PASV;
	return net_port(&a);
}

int
data_set_port(struct session *s, const union sockaddr_u *target, char *why, size_t whysz)
{
	if (s->pasv_fd != -1)
		close(s->pasv_fd);
	s->pasv_fd = -1;
	s->data_mode = DATA_NONE;
	if (!s->conf->port_promiscuous) {
		if (!net_same_addr(target, &s->peer)) {
			str_fmt(why, whysz, "Illegal PORT command: data connections go only to the client's own address.");
			return -1;
		}
		if (net_port(target) < 1024) {
			str_fmt(why, whysz, "Illegal PORT command: ports below 1024 are refused.");
			return -1;
		}
	}
	if (net_port(target) == 0) {
		str_fmt(why, whysz, "Illegal PORT command: port 0.");
		return -1;
	}
	if (net_same_addr(target, &s->local) && net_port(target) == net_port(&s->local)) {
		str_fmt(why, whysz, "Illegal PORT command: that is this server's own control port.");
		return -1;
	}
	s->data_addr = *target;
	s->data_mode = DATA_PORT;
	return 0;
}

static int
ms_left(const struct timespec *end)
{
	struct timespec t;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (end->tv_sec - t.tv_sec) * 1000 + (end->tv_nsec - t.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Accept one connection from the control peer on the PASV listener. */
static int
data_accept(struct session *s, const struct timespec *end, char *why, size_t whysz)
{
	struct pollfd p = { s->pasv_fd, POLLIN, 0 };
	union sockaddr_u a;
	socklen_t len;
	int fd, r;

	while ((r = poll(&p, 1, ms_left(end))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		len = sizeof(a);
		if (r == -1 || (fd = accept4(s->pasv_fd, &a.sa, &len, SOCK_CLOEXEC)) == -1)
			break;
		net_unmap(&a);
		if (s->conf->pasv_promiscuous || net_same_addr(&a, &s->peer)) {
			close(s->pasv_fd);	/* the port is free again for the next PASV */
			s->pasv_fd = -1;
			return fd;
		}
		char addr[64];
		net_ntop(&a, addr, sizeof(addr));
		log_msg(LOG_WARNING, "passive data connection from %s refused (control peer is %s)",
		    addr, s->peer_str);
		close(fd);
	}
	str_fmt(why, whysz, "Failed to establish connection: no data connection from the client.");
	return -1;
}

/* Connect to the PORT/EPRT target. */
static int
data_connect(struct session *s, const struct timespec *end, char *why, size_t whysz)
{
	int fd;

	if ((fd = socket(s->data_addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1 &&
	    net_connect_within(fd, &s->data_addr, ms_left(end)) == 0)
		return fd;
	str_fmt(why, whysz, "Failed to establish connection: %s.", strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
data_open(struct session *s, int connected, char *why, size_t whysz)
{
	struct timespec end;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += s->conf->data_timeout;
	if (connected != -1)
		fd = connected;
	else if (s->data_mode == DATA_PASV)
		fd = data_accept(s, &end, why, whysz);
	else
		fd = data_connect(s, &end, why, whysz);
	if (fd != -1) {
		struct timeval tv = { s->conf->data_timeout, 0 };

		/* a transfer that stalls this long fails instead of hanging */
		net_tune_data(fd);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return fd;
}
