/*
 * limit.c: session limits that hold however ftpd was started.
 *
 * Under inetd every connection is a process of its own, so the count of
 * sessions is kept by the kernel: a session's monitor holds a write lock on
 * one byte (a slot) of a file in limit_dir, which is root's alone: a file per
 * client address for max_per_ip, and one file for max_clients.  The locks are
 * open file description locks held by the monitor only (its children close
 * the descriptors): they go away when the monitor ends, however it ends, so a
 * crashed session frees its slot and nothing needs cleaning up.  Runs before
 * the greeting and before any TLS work, so a refused connection costs one
 * short-lived process.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "limit.h"
#include "limits.h"
#include "log.h"

/* Make sure DIR exists, is a directory, root's, and writable by root alone. */
static int
limit_dir_ok(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * Take one of the MAX slots of file NAME in DIR: its descriptor (kept open
 * by the caller), -2 if every slot is taken, -1 on error.
 */
static int
limit_slot(const char *dir, const char *name, long max)
{
	char path[MAX_PATH];
	struct flock fl;
	long i;
	int fd;

	if (str_fmt(path, sizeof(path), "%s/%s", dir, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return -1;
	for (i = 0; i < max; i++) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = i;
		fl.l_len = 1;
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return fd;
		if (errno != EAGAIN && errno != EACCES)
			break;
	}
	if (i < max) {
		close(fd);
		return -1;
	}
	close(fd);
	return -2;
}

/* The lock file of address A: "ip-" and the address bytes in hex. */
static void
limit_name(const union sockaddr_u *a, char *out, size_t outsz)
{
	const unsigned char *p = a->sa.sa_family == AF_INET6 ?
	    a->in6.sin6_addr.s6_addr : (const unsigned char *)&a->in.sin_addr;
	size_t n = a->sa.sa_family == AF_INET6 ? 16 : 4, i;
	struct buf b = BUF_INIT(64);

	buf_puts(&b, "ip-");
	for (i = 0; i < n; i++)
		buf_appendf(&b, "%02x", p[i]);
	str_copy(out, outsz, buf_cstr(&b));
	buf_free(&b);
}

int
limit_enter(const struct conf *c, const union sockaddr_u *peer, int fds[2],
    char *why, size_t whysz)
{
	char name[64];
	int r;

	fds[0] = fds[1] = -1;
	if (c->max_per_ip == 0 && c->max_clients == 0)
		return 0;
	if (limit_dir_ok(c->limit_dir) == -1) {
		log_msg(LOG_ERR, "limit_dir %s: %s: connection limits not applied",
		    c->limit_dir, strerror(errno));
		return 0;	/* a broken set-up must not lock everybody out */
	}
	if (c->max_clients > 0 && (r = fds[0] = limit_slot(c->limit_dir, "all",
	    c->max_clients)) < 0) {
		fds[0] = -1;
		if (r == -1) {
			log_msg(LOG_ERR, "limit_dir %s: %s", c->limit_dir, strerror(errno));
			return 0;
		}
		str_fmt(why, whysz, "too many sessions (max_clients %ld)", c->max_clients);
		return -1;
	}
	limit_name(peer, name, sizeof(name));
	if (c->max_per_ip > 0 && (r = fds[1] = limit_slot(c->limit_dir, name,
	    c->max_per_ip)) < 0) {
		fds[1] = -1;
		if (r == -1) {
			log_msg(LOG_ERR, "limit_dir %s: %s", c->limit_dir, strerror(errno));
			return 0;
		}
		limit_leave(fds);
		str_fmt(why, whysz, "too many sessions from this address (max_per_ip %ld)",
		    c->max_per_ip);
		return -1;
	}
	return 0;
}

void
limit_leave(int fds[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		if (fds[i] != -1)
			close(fds[i]);
		fds[i] = -1;
	}
}
