/*
 * fuzzlib.c: input decoding, the scratch directory and the CRLF check shared
 * by fuzz targets (see fuzzlib.h).  It only ever creates and removes files
 * inside the scratch directory it made, and never follows a symbolic link
 * while emptying it.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fuzzlib.h"
#include "log.h"

static char	fz_dir[512];		/* the scratch directory, "" until made */
static char	fz_real[4096];		/* the same without symbolic links */
static int	fz_root = -1;		/* open on fz_dir */
static int	fz_home = -1;		/* where fz_enter() was called */

unsigned
fz_u8(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

unsigned
fz_u16(struct fz *f)
{
	unsigned v = fz_u8(f);

	return v << 8 | fz_u8(f);
}

uint32_t
fz_u32(struct fz *f)
{
	uint32_t v = fz_u16(f);

	return v << 16 | fz_u16(f);
}

uint64_t
fz_u64(struct fz *f)
{
	uint64_t v = fz_u32(f);

	return v << 32 | fz_u32(f);
}

size_t
fz_str(struct fz *f, char *dst, size_t dstsz, const char *bad)
{
	size_t n = fz_u8(f), i;

	if (n > f->n)
		n = f->n;
	if (n > dstsz - 1)
		n = dstsz - 1;
	for (i = 0; i < n; i++) {
		char c = (char)f->p[i];

		dst[i] = c == '\0' || strchr(bad, c) != NULL ? '_' : c;
	}
	dst[n] = '\0';
	f->p += n;
	f->n -= n;
	return n;
}

void
fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz: %s:%d: check failed: %s\n", file, line, what);
	abort();
}

static void
fz_fatal(const char *why)
{
	fprintf(stderr, "fuzz: die()/bug(): %s\n", why);
	abort();
}

void
fz_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	setlogmask(LOG_UPTO(LOG_WARNING));
	log_set_fatal_hook(fz_fatal);
}

/* ---- the scratch directory ---- */

/*
 * A call whose failure needs no handling: the entry then keeps its mode,
 * owner or size (still a valid input), or the removal is tried again.
 */
static void
fz_try(int r)
{
	(void)r;
}

/* Remove everything in directory DFD, making directories searchable first. */
static void
fz_clear(int dfd)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, removed = 1;

	fz_try(fchmod(dfd, 0700));
	while (removed) {
		removed = 0;
		if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			return;
		if ((d = fdopendir(fd)) == NULL) {
			close(fd);
			return;
		}
		while ((de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode)) {
				fz_try(fchmodat(dfd, de->d_name, 0700, 0));
				fd = openat(dfd, de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd != -1) {
					fz_clear(fd);
					close(fd);
				}
				if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) == 0)
					removed = 1;
			} else if (unlinkat(dfd, de->d_name, 0) == 0)
				removed = 1;
		}
		closedir(d);
	}
}

static void
fz_cleanup(void)
{
	if (fz_root == -1)
		return;
	fz_clear(fz_root);
	close(fz_root);
	fz_root = -1;
	(void)rmdir(fz_dir);
}

static const char *
fz_tmpdir(void)
{
	const char *t = getenv("FUZZ_TMPDIR");
	struct stat st;

	if (t != NULL && *t != '\0')
		return t;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	t = getenv("TMPDIR");
	return t != NULL && *t != '\0' ? t : "/tmp";
}

void
fz_enter(void)
{
	fz_init();
	if (fz_root == -1) {
		if (snprintf(fz_dir, sizeof(fz_dir), "%s/ftpd-fuzz.XXXXXX", fz_tmpdir()) >=
		    (int)sizeof(fz_dir) || mkdtemp(fz_dir) == NULL ||
		    (fz_root = open(fz_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			perror("fuzz: scratch directory");
			abort();
		}
		atexit(fz_cleanup);
		if (realpath(fz_dir, fz_real) == NULL)
			abort();
	}
	if (fz_home == -1 && (fz_home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		abort();
	if (fchdir(fz_root) == -1)
		abort();
}

void
fz_leave(void)
{
	fz_clear(fz_root);
	if (fchdir(fz_home) == -1)
		abort();
}

int
fz_where(void)
{
	char cwd[4096];
	size_t n = strlen(fz_real);

	if (n == 0 || getcwd(cwd, sizeof(cwd)) == NULL || strncmp(cwd, fz_real, n) != 0)
		return 0;
	return cwd[n] == '\0' ? 1 : cwd[n] == '/' ? 2 : 0;
}

/* ---- a tree from bytes ---- */

/* A UNIX socket at PATH (relative, so the length limit is the name's). */
static int
fz_socket(const char *path)
{
	struct sockaddr_un sa;
	size_t n = strlen(path);
	int fd, r;

	if (n >= sizeof(sa.sun_path))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r;
}

/* Make one entry of KIND at PATH; 0 if it was made. */
static int
fz_make(struct fz *f, enum fz_kind kind, const char *path, unsigned flags)
{
	char target[FZ_NAME_MAX], text[FZ_NAME_MAX];
	size_t n;
	off_t size;
	int fd;

	switch (kind) {
	case FZ_FILE:
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1)
			return -1;
		n = fz_str(f, text, sizeof(text), "");
		fz_try(write(fd, text, n) == (ssize_t)n ? 0 : -1);
		/* then sparse: up to 2^40 bytes without writing them */
		size = (off_t)fz_u16(f) << (fz_u8(f) % 25);
		if (size > (off_t)n)
			fz_try(ftruncate(fd, size));
		close(fd);
		return 0;
	case FZ_DIR:
		return mkdir(path, 0700);
	case FZ_LINK:
		fz_str(f, target, sizeof(target), (flags & FZ_SAFE_LINKS) ? "/" : "");
		if ((flags & FZ_SAFE_LINKS) && !strcmp(target, ".."))
			return -1;
		return symlink(target, path);
	case FZ_FIFO:
		return mkfifo(path, 0600);
	case FZ_SOCK:
		return fz_socket(path);
	case FZ_CHR:
		return mknod(path, S_IFCHR | 0600, makedev(0, 0));
	case FZ_BLK:
		return mknod(path, S_IFBLK | 0600, makedev(0, 0));
	}
	return -1;
}

/* Owner, mode and mtime of PATH (a link keeps its mode: chmod would follow it). */
static void
fz_attrs(struct fz *f, enum fz_kind kind, const char *path, int relative)
{
	struct timespec ts[2];
	unsigned uid = fz_u8(f), mode = fz_u16(f) & 07777;
	uint64_t t = fz_u64(f);

	if (geteuid() == 0)
		fz_try(fchownat(AT_FDCWD, path, uid, uid, AT_SYMLINK_NOFOLLOW));
	if (kind != FZ_LINK)
		fz_try(fchmodat(AT_FDCWD, path, mode, 0));
	/* relative: within about 68 years of now (recent and future dates) */
	ts[0].tv_sec = relative ? time(NULL) + (int32_t)(uint32_t)t : (time_t)t;
	ts[0].tv_nsec = (long)(fz_u32(f) % 1000000000);
	ts[1] = ts[0];
	fz_try(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW));
}

void
fz_tree_build(struct fz *f, struct fz_tree *t, unsigned flags)
{
	unsigned count = fz_u8(f) % (FZ_TREE_MAX + 1), i, op;
	char name[FZ_NAME_MAX];
	const char *lastdir = NULL;
	struct fz_entry *e;

	t->n = 0;
	for (i = 0; i < count && f->n > 0; i++) {
		/* op bits 0-1: kind, 2: relative mtime, 3: special, 7: one level down */
		op = fz_u8(f);
		e = &t->e[t->n];
		e->kind = (enum fz_kind)(op & 3);
		if (op & 8)	/* a FIFO's bit 3 makes a socket, a file's or directory's a device */
			e->kind = e->kind == FZ_FIFO ? FZ_SOCK : e->kind == FZ_FILE ? FZ_CHR :
			    e->kind == FZ_DIR ? FZ_BLK : e->kind;
		if (fz_str(f, name, sizeof(name), "/") == 0)
			continue;
		if ((op & 0x80) && lastdir != NULL)
			(void)snprintf(e->path, sizeof(e->path), "%s/%s", lastdir, name);
		else
			(void)snprintf(e->path, sizeof(e->path), "%s", name);
		if (fz_make(f, e->kind, e->path, flags) == -1)
			continue;
		fz_attrs(f, e->kind, e->path, (op & 4) != 0);
		if (e->kind == FZ_DIR && strchr(e->path, '/') == NULL)
			lastdir = e->path;
		t->n++;
	}
}

void
fz_check_lines(const char *p, size_t n, void (*fn)(const char *, size_t, void *), void *arg)
{
	size_t start = 0, i;

	for (i = 0; i < n; i++) {
		FZ_NEED(p[i] != '\n');	/* a NUL is a path's LF (RFC 959 \012 rule) */
		if (p[i] != '\r')
			continue;
		FZ_NEED(i + 1 < n && p[i + 1] == '\n');
		if (fn != NULL)
			fn(p + start, i - start, arg);
		start = i + 2;
		i++;
	}
	FZ_NEED(start == n);	/* the last line ends in CRLF too */
}
