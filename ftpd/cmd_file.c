/*
 * cmd_file.c: file commands: RETR, STOR, STOU, APPE, REST, DELE, RNFR, RNTO,
 * SIZE, MDTM, MFMT.
 *
 * Owns how uploads are opened: STOR writes a temporary file beside the
 * target that the transfer process renames over it only when the upload is
 * complete; APPE and REST+STOR write in place, as clients expect; anonymous
 * uploads never replace a file.  Offsets are 64-bit throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "listing.h"
#include "log.h"
#include "path.h"
#include "session.h"
#include "transfer.h"

/* Reply to a failed file operation by errno. */
static void
reply_errno(struct session *s, int e, const char *what)
{
	if (e == ENOSPC || e == EDQUOT)
		reply(s, FTP_NOSPACE, "%s: insufficient storage space.", what);
	else if (e == ENAMETOOLONG || e == EINVAL)
		reply(s, FTP_BADNAME, "%s: file name not allowed.", what);
	else
		reply(s, FTP_NOPERM, "%s: %s.", what, strerror(e));
}

static void
req_init(struct xfer_req *r, enum xfer_kind kind, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->fd = -1;
	str_copy(r->name, sizeof(r->name), name);
}

void
cmd_retr(struct session *s, const char *arg)
{
	struct xfer_req r;
	struct stat st;
	int fd;

	if ((fd = open(arg, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1) {
		s->rest = 0;
		reply_errno(s, errno, "Failed to open file");
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		s->rest = 0;
		reply(s, FTP_NOPERM, "Not a plain file.");
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (s->rest > st.st_size || (s->rest > 0 && lseek(fd, s->rest, SEEK_SET) == -1)) {
		close(fd);
		s->rest = 0;
		reply(s, FTP_BADREST, "Restart offset is past the end of the file.");
		return;
	}
	req_init(&r, XF_RETR, arg);
	r.fd = fd;
	r.offset = s->rest;
	r.size = st.st_size;
	xfer_start(s, &r);
}

/* Open ARG for writing in place (APPE, REST+STOR); -1 after replying. */
static int
open_in_place(struct session *s, const char *arg, int append)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: opening a FIFO for writing would wait for a reader */
	fd = open(arg, O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (append ? O_APPEND : 0), 0666);
	if (fd == -1 && errno == ENXIO) {
		reply(s, FTP_NOPERM, "Not a plain file.");
		return -1;
	}
	if (fd == -1) {
		reply_errno(s, errno, "Could not create file");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		reply(s, FTP_NOPERM, "Not a plain file.");
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (!append && s->rest > 0 && (s->rest > st.st_size ||
	    ftruncate(fd, s->rest) == -1 || lseek(fd, s->rest, SEEK_SET) == -1)) {
		close(fd);
		reply(s, FTP_BADREST, "Restart offset is past the end of the file.");
		return -1;
	}
	return fd;
}

/*
 * Open a temporary file beside ARG for a STOR that replaces ARG only when it
 * completes; its name goes to TEMP.  -1 after replying.
 */
static int
open_temp(struct session *s, const char *arg, char *temp, size_t tempsz)
{
	char dir[MAX_PATH], base[MAX_PATH];
	struct stat st;
	mode_t mode = 0666 & ~s->umask;
	int fd;

	if (path_split(arg, dir, sizeof(dir), base, sizeof(base)) == -1) {
		reply(s, FTP_BADNAME, "File name not allowed.");
		return -1;
	}
	if (stat(arg, &st) == 0) {
		if (!S_ISREG(st.st_mode) || s->anonymous) {
			reply(s, FTP_BADNAME, s->anonymous ? "File exists: anonymous uploads "
			    "never replace a file." : "Not a plain file.");
			return -1;
		}
		if (access(arg, W_OK) == -1) {
			reply_errno(s, errno, "Could not create file");
			return -1;
		}
		mode = st.st_mode & 01777;	/* never a setuid or setgid upload */
	}
	if (str_fmt(temp, tempsz, "%s/.ftpd-upload.XXXXXX", dir) == -1) {
		reply(s, FTP_BADNAME, "File name too long.");
		return -1;
	}
	if ((fd = mkostemp(temp, O_CLOEXEC)) == -1) {
		temp[0] = '\0';
		reply_errno(s, errno, "Could not create file");
		return -1;
	}
	xfer_temp_claim(temp);
	fchmod(fd, mode);
	return fd;
}

static void
store(struct session *s, const char *arg, int append)
{
	struct xfer_req r;

	req_init(&r, XF_STOR, arg);
	if (append || s->rest > 0) {
		if (s->anonymous) {
			reply(s, FTP_NOPERM, "Anonymous users may not append or resume.");
			s->rest = 0;
			return;
		}
		r.fd = open_in_place(s, arg, append);
	} else
		r.fd = open_temp(s, arg, r.temp, sizeof(r.temp));
	if (r.fd == -1) {
		s->rest = 0;
		return;
	}
	r.offset = s->rest;
	xfer_start(s, &r);
}

void
cmd_stor(struct session *s, const char *arg)
{
	store(s, arg, 0);
}

void
cmd_appe(struct session *s, const char *arg)
{
	store(s, arg, 1);
}

void
cmd_stou(struct session *s, const char *arg)
{
	const char *base = arg != NULL && *arg ? arg : "ftpd";
	struct xfer_req r;
	char name[MAX_PATH];
	int i, fd = -1;

	s->rest = 0;
	for (i = 0; i < STOU_TRIES && fd == -1; i++) {
		if ((i == 0 ? str_copy(name, sizeof(name), base) :
		    str_fmt(name, sizeof(name), "%s.%d", base, i)) == -1)
			break;
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0666);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1) {
		reply_errno(s, errno == EEXIST ? EAGAIN : errno, "Could not create a unique file");
		return;
	}
	req_init(&r, XF_STOR, name);
	r.fd = fd;
	str_fmt(r.opening, sizeof(r.opening), "FILE: %s", name);
	xfer_start(s, &r);
}

void
cmd_rest(struct session *s, const char *arg)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 || v < 0) {
		reply(s, FTP_BADARG, "REST needs a decimal byte offset.");
		return;
	}
	s->rest = (off_t)v;
	reply(s, FTP_RESTOK, "Restart position accepted (%lld).", v);
}

void
cmd_dele(struct session *s, const char *arg)
{
	struct stat st;

	if (lstat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		reply(s, FTP_NOPERM, "Is a directory: use RMD.");
	else if (unlink(arg) == -1)
		reply_errno(s, errno, "Delete operation failed");
	else
		reply(s, FTP_FILEOK, "Delete operation successful.");
}

void
cmd_rnfr(struct session *s, const char *arg)
{
	struct stat st;

	if (lstat(arg, &st) == -1)
		reply_errno(s, errno, "RNFR failed");
	else if (str_copy(s->rnfr, sizeof(s->rnfr), arg) == -1)
		reply(s, FTP_BADNAME, "File name too long.");
	else {
		s->have_rnfr = 1;
		reply(s, FTP_RNFROK, "Ready for RNTO.");
	}
}

void
cmd_rnto(struct session *s, const char *arg)
{
	if (!s->have_rnfr) {
		reply(s, FTP_BADSEQ, "RNFR required first.");
		return;
	}
	s->have_rnfr = 0;
	if (rename(s->rnfr, arg) == -1)
		reply_errno(s, errno, "Rename failed");
	else
		reply(s, FTP_FILEOK, "Rename successful.");
}

/* The size of FD's file as TYPE A would send it. */
static int
ascii_size(int fd, long long *size)
{
	static char in[DATA_BUFSZ];
	int last = 0;
	ssize_t n, i;

	*size = 0;
	while ((n = read(fd, in, sizeof(in))) > 0)
		for (i = 0; i < n; i++) {
			*size += 1 + (in[i] == '\n' && last != '\r');
			last = (unsigned char)in[i];
		}
	return n == -1 ? -1 : 0;
}

void
cmd_size(struct session *s, const char *arg)
{
	struct stat st;
	long long size;
	int fd;

	if (stat(arg, &st) == -1 || !S_ISREG(st.st_mode)) {
		reply(s, FTP_NOPERM, "Could not get file size.");
		return;
	}
	size = st.st_size;
	if (s->type_ascii) {
		if (st.st_size > ASCII_SIZE_MAX) {	/* counting means reading it all */
			reply(s, FTP_NOPERM, "File too large to size in ASCII mode: use TYPE I.");
			return;
		}
		if ((fd = open(arg, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
		    ascii_size(fd, &size) == -1) {
			if (fd != -1)
				close(fd);
			reply(s, FTP_NOPERM, "Could not get file size.");
			return;
		}
		close(fd);
	}
	reply(s, FTP_FILESTATUS, "%lld", size);
}

void
cmd_mdtm(struct session *s, const char *arg)
{
	struct stat st;
	char when[LIST_TIME_VAL];

	if (stat(arg, &st) == -1 || !S_ISREG(st.st_mode) ||
	    list_time_val(st.st_mtime, when, sizeof(when)) == -1) {
		reply(s, FTP_NOPERM, "Could not get file modification time.");
		return;
	}
	reply(s, FTP_FILESTATUS, "%s", when);
}

/* MFMT time-val path (draft-somers-ftp-mfxx): set a file's modification time. */
void
cmd_mfmt(struct session *s, const char *arg)
{
	const char *path = strchr(arg, ' ');
	struct timespec ts[2];
	char when[LIST_TIME_VAL];
	struct stat st;

	if (path == NULL || path[1] == '\0' ||
	    list_parse_time_val(arg, (size_t)(path - arg), &ts[1]) == -1 ||
	    list_time_val(ts[1].tv_sec, when, sizeof(when)) == -1) {
		reply(s, FTP_BADARG, "MFMT needs a time YYYYMMDDHHMMSS (UTC) and a file name.");
		return;
	}
	path++;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;	/* the access time stays */
	if (stat(path, &st) == -1 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		reply(s, FTP_NOPERM, "Could not set the modification time: no such file.");
		return;
	}
	if (utimensat(AT_FDCWD, path, ts, 0) == -1) {
		reply_errno(s, errno, "Could not set the modification time");
		return;
	}
	reply(s, FTP_FILESTATUS, "Modify=%s; %s", when, path);
}
