/*
 * transfer.c: one forked process per data transfer, and its result.
 *
 * Owns the byte loops (RETR, STOR, listings), TYPE A conversion on the wire,
 * the rename that makes a finished upload visible, and the 150/226/426 replies.
 * The transfer process never touches the control connection: it reports one
 * fixed-size result on a pipe and its progress in a shared counter, and the
 * user process replies.  An aborted or failed upload removes its temporary
 * file and leaves the old file as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "codes.h"
#include "data.h"
#include "ftpd.h"
#include "ipc.h"
#include "log.h"
#include "net.h"
#include "path.h"
#include "ratelimit.h"
#include "session.h"
#include "tls.h"
#include "transfer.h"

#define SENDFILE_CHUNK	(1 << 20)	/* bytes per sendfile(2): progress stays visible */
#define MAP_WINDOW	(4 << 20)	/* bytes of a file mapped at once (RETR, user-space TLS) */
#define MAP_WRITE	(256 * 1024)	/* bytes per SSL_write from the mapping: 16 full
					   records, and the progress counter moves */

struct xfer_result {
	int		 code;
	long long	 bytes;
	char		 text[240];
};

/* The data connection: a socket, and its TLS when PROT is P. */
struct dconn {
	int		 fd;
	struct tls_conn	*tls;
};

struct xfer {
	pid_t		 pid;
	int		 reaped;	/* waited for; STATUS is its wait status */
	int		 status;
	int		 pipe;
	struct timespec	 start;
	struct xfer_req	 req;
};

static volatile long long *xfer_bytes;	/* shared with the transfer process */
static struct ratelimit xfer_rl;	/* transfer process: local_max_rate or anon_max_rate */
/*
 * The temporary file of an upload that this process removes if it ends
 * before the upload does: the user process's from its creation until the
 * transfer process is forked, the transfer process's until its rename.  A
 * signal handler reads it.
 */
static char xfer_temp[MAX_PATH];

void
xfer_temp_claim(const char *name)
{
	str_copy(xfer_temp, sizeof(xfer_temp), name);
}

/* The temporary file is renamed, removed, or another process's now. */
static void
xfer_temp_release(void)
{
	xfer_temp[0] = '\0';
}

void
xfer_temp_remove(void)
{
	if (xfer_temp[0] != '\0')
		unlink(xfer_temp);
	xfer_temp[0] = '\0';
}

/*
 * SIGTERM: from the monitor to the user process, or to a transfer process
 * whose parent died (PR_SET_PDEATHSIG): nobody else would remove an
 * unfinished upload's temporary file.
 */
static void
xfer_terminated(int sig)
{
	(void)sig;
	xfer_temp_remove();
	_exit(1);
}

void
xfer_init(void)
{
	void *p = mmap(NULL, sizeof(long long), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	xfer_bytes = p;
	signal(SIGTERM, xfer_terminated);
}

int
xfer_fd(const struct session *s)
{
	return s->xfer != NULL ? s->xfer->pipe : -1;
}

/* Write all N bytes of P to the data connection, at the transfer's rate. */
static int
dc_write(struct dconn *dc, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = rl_chunk(&xfer_rl, n);

		if (dc->tls != NULL ? tls_write(dc->tls, p, k) == -1 :
		    write_all(dc->fd, p, k) == -1)
			return -1;
		rl_account(&xfer_rl, k);
		p += k;
		n -= k;
	}
	return 0;
}

/* Read from the data connection: >0 bytes, 0 at a clean end, -1 on error. */
static ssize_t
dc_read(struct dconn *dc, char *p, size_t n)
{
	ssize_t r;

	n = rl_chunk(&xfer_rl, n);
	if (dc->tls != NULL)
		r = tls_read(dc->tls, p, n);
	else
		while ((r = read(dc->fd, p, n)) == -1 && errno == EINTR)
			;
	if (r > 0)
		rl_account(&xfer_rl, (size_t)r);
	return r;
}

static void
result(struct xfer_result *res, int code, const char *text)
{
	res->code = code;
	str_copy(res->text, sizeof(res->text), text);
}

/* RES for a local I/O error: WHAT and errno's text (452 if the disk is full). */
static void
result_errno(struct xfer_result *res, const char *what, int e)
{
	int full = e == ENOSPC || e == EDQUOT;

	res->code = full ? FTP_NOSPACE : FTP_LOCALERR;
	str_fmt(res->text, sizeof(res->text), "%s: %s; transfer aborted.",
	    full ? "Insufficient storage space" : what, strerror(e));
}

/*
 * RETR reached the end of its file: complete, unless the file shrank under
 * the transfer (sent less than the 150 announced: no silent truncation).
 */
static void
result_eof(struct xfer_req *r, struct xfer_result *res)
{
	long long want = (long long)(r->size - r->offset);

	if (*xfer_bytes >= want) {
		result(res, FTP_TRANSFEROK, "Transfer complete.");
		return;
	}
	res->code = FTP_LOCALERR;
	str_fmt(res->text, sizeof(res->text), "File shrank during the transfer: "
	    "sent %lld of %lld bytes; transfer aborted.", *xfer_bytes, want);
}

/*
 * RETR in TYPE I, clear or over kernel TLS: the kernel copies file to socket
 * (sendfile, SSL_sendfile).  -1 if this file cannot be sent so: copy it.
 */
static int
xfer_sendfile(struct dconn *dc, struct xfer_req *r, struct xfer_result *res)
{
	off_t off = lseek(r->fd, 0, SEEK_CUR);
	ssize_t n;

	if (off == -1)
		return -1;
	for (;;) {
		size_t k = rl_chunk(&xfer_rl, SENDFILE_CHUNK);

		if (dc->tls != NULL)
			n = tls_sendfile(dc->tls, r->fd, off, k);
		else
			n = sendfile(dc->fd, r->fd, &(off_t){ off }, k);
		if (n <= 0)
			break;
		off += n;
		*xfer_bytes += n;
		rl_account(&xfer_rl, (size_t)n);
	}
	if (n == 0) {
		result_eof(r, res);
		return 0;
	}
	if (dc->tls == NULL && *xfer_bytes == 0 && (errno == EINVAL || errno == ENOSYS))
		return -1;	/* not for this file: copy it */
	result(res, FTP_BADSENDNET, "Connection closed; transfer aborted.");
	return 0;
}

/*
 * The window of the file that RETR has mapped, for the SIGBUS handler: a page
 * past the end of a file that shrank under the transfer faults with SIGBUS.
 */
static volatile uintptr_t map_lo, map_hi;
static volatile sig_atomic_t map_shrank;
static uintptr_t map_page;

/*
 * SIGBUS in the mapped window: the file shrank.  A page of zeros takes the
 * lost page's place so that the encryption running on it completes; the
 * transfer then ends as failed (451, no close_notify), whatever those bytes
 * were.  A SIGBUS anywhere else is a real fault: the default action.
 */
static void
xfer_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uctx;
	if (a < map_lo || a >= map_hi || mmap((void *)(a & ~(map_page - 1)), map_page,
	    PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		signal(sig, SIG_DFL);
		return;
	}
	map_shrank = 1;
}

/* Has the file shrunk below END (fstat), or did the mapping fault? */
static int
map_file_shrank(int fd, off_t end)
{
	struct stat st;

	return map_shrank || (fstat(fd, &st) == 0 && st.st_size < end);
}

/*
 * RETR in TYPE I over TLS in user space: the file is mapped MAP_WINDOW at a
 * time and SSL_write() encrypts straight from the page cache, in writes of
 * whole records, instead of read(2) copying every byte into a buffer first.
 * Returns 0 with the result in RES, or -1 to go on with read(2) from the
 * file's offset (a file that cannot be mapped, or one that grew).
 */
static int
xfer_send_mapped(struct dconn *dc, struct xfer_req *r, struct xfer_result *res)
{
	struct sigaction sa, old;
	struct stat st;
	off_t off = lseek(r->fd, 0, SEEK_CUR), base;
	size_t len, n;
	char *m, *p;
	int ret = -1;

	if (off == -1 || fstat(r->fd, &st) == -1 || !S_ISREG(st.st_mode))
		return -1;
	map_page = (uintptr_t)sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = xfer_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	while (off < st.st_size) {
		base = off & ~(off_t)(map_page - 1);
		len = (size_t)(st.st_size - base < MAP_WINDOW ? st.st_size - base : MAP_WINDOW);
		m = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, r->fd, base);
		if (m == MAP_FAILED)
			break;	/* read(2) takes over from OFF */
		map_lo = (uintptr_t)m;
		map_hi = (uintptr_t)m + len;
		for (p = m + (off - base); p < m + len; p += n) {
			n = (size_t)(m + len - p) < MAP_WRITE ? (size_t)(m + len - p) : MAP_WRITE;
			if (map_file_shrank(r->fd, base + (p - m) + (off_t)n)) {
				result_eof(r, res);
				ret = 0;
				break;
			}
			if (dc_write(dc, p, n) == -1) {
				result(res, FTP_BADSENDNET, "Connection closed; transfer aborted.");
				ret = 0;
				break;
			}
			if (map_shrank) {	/* zeros went out: fail, whatever the count */
				res->code = FTP_LOCALERR;
				str_fmt(res->text, sizeof(res->text), "File shrank during the "
				    "transfer: sent %lld bytes; transfer aborted.", *xfer_bytes);
				ret = 0;
				break;
			}
			*xfer_bytes += (long long)n;
		}
		map_lo = map_hi = 0;
		munmap(m, len);
		if (ret == 0)
			break;
		off = base + (off_t)len;
	}
	sigaction(SIGBUS, &old, NULL);
	if (ret == -1 && lseek(r->fd, off, SEEK_SET) == -1) {
		result_errno(res, "Read error", errno);
		ret = 0;
	}
	return ret;
}

/* RETR: file to network. */
static void
xfer_send_file(struct session *s, struct xfer_req *r, struct dconn *dc, struct xfer_result *res)
{
	static char in[DATA_BUFSZ], out[DATA_BUFSZ * 2];
	int last = 0;
	ssize_t n;

	if (!s->type_ascii && (dc->tls == NULL || tls_ktls_send(dc->tls)) &&
	    xfer_sendfile(dc, r, res) == 0)
		return;
	if (!s->type_ascii && dc->tls != NULL && xfer_send_mapped(dc, r, res) == 0)
		return;
	while ((n = read(r->fd, in, sizeof(in))) > 0) {
		size_t o = (size_t)n;
		const char *p = in;

		if (s->type_ascii) {
			o = ascii_to_net(in, (size_t)n, out, &last);
			p = out;
		}
		if (dc_write(dc, p, o) == -1) {
			result(res, FTP_BADSENDNET, "Connection closed; transfer aborted.");
			return;
		}
		*xfer_bytes += n;
	}
	if (n == -1)
		result_errno(res, "Read error", errno);
	else
		result_eof(r, res);
}

static int xfer_out = -1;	/* the transfer process's result pipe to the user process */

/*
 * Has the user process gone (its end of the result pipe is closed)?  It
 * closes its descriptors as it dies, before the kernel tells this process
 * (PR_SET_PDEATHSIG), and a client that saw the session end may close the
 * data connection in between: an upload that nobody can answer 226 for is
 * never made visible.
 */
static int
xfer_orphaned(void)
{
	struct pollfd p = { xfer_out, 0, 0 };

	return xfer_out != -1 && poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* STOR, APPE, STOU: network to file. */
static void
xfer_recv_file(struct session *s, struct xfer_req *r, struct dconn *dc, struct xfer_result *res)
{
	static char in[DATA_BUFSZ], out[DATA_BUFSZ + 1];
	int cr = 0;
	ssize_t n;

	for (;;) {
		size_t o;
		const char *p = in;

		/*
		 * Over TLS only a close_notify ends an upload (no silent truncation),
		 * unless tls_strict_upload_eof is off: then a plain TCP close does too.
		 */
		if ((n = dc_read(dc, in, sizeof(in))) == -1 && dc->tls != NULL &&
		    tls_tcp_eof(dc->tls) && !s->conf->tls_strict_upload_eof)
			n = 0;
		if (n == -1) {
			result(res, FTP_BADSENDNET, dc->tls != NULL && tls_tcp_eof(dc->tls) ?
			    "Upload ended without TLS close_notify: transfer incomplete, file not "
			    "stored (the server's tls_strict_upload_eof no accepts such uploads)." :
			    "Connection closed; transfer aborted.");
			return;
		}
		o = (size_t)n;
		if (s->type_ascii) {
			o = ascii_from_net(in, (size_t)n, out, &cr);
			p = out;
		}
		if (write_all(r->fd, p, o) == -1) {
			result_errno(res, "Write error", errno);
			return;
		}
		if (n == 0)
			break;
		*xfer_bytes += n;
	}
	if (close(r->fd) == -1) {
		r->fd = -1;
		result_errno(res, "Write error", errno);
		return;
	}
	r->fd = -1;
	if (xfer_orphaned()) {
		result(res, FTP_BADSENDNET, "Session ended; upload not stored.");
		return;
	}
	if (r->temp[0] != '\0' && renameat2(AT_FDCWD, r->temp, AT_FDCWD, r->name,
	    s->anonymous ? RENAME_NOREPLACE : 0) == -1) {
		result(res, FTP_BADNAME, errno == EEXIST ? "File exists: not overwritten." :
		    "Could not store the file.");
		return;
	}
	result(res, FTP_TRANSFEROK, "Transfer complete.");
}

static int
xfer_list_flush(struct buf *out, void *arg)
{
	struct dconn *dc = arg;

	if (dc_write(dc, buf_cstr(out), out->len) == -1)
		return -1;
	*xfer_bytes += (long long)out->len;
	buf_reset(out);
	return 0;
}

static void
xfer_send_list(struct session *s, struct xfer_req *r, struct dconn *dc, struct xfer_result *res)
{
	struct buf out = BUF_INIT(LIST_FLUSH * 4);
	char why[128];
	int e;

	r->list.flush = xfer_list_flush;
	r->list.flush_arg = dc;
	e = list_run(&r->list, &out, why, sizeof(why));
	if (e == 0 && xfer_list_flush(&out, dc) == -1)
		e = -2;
	if (e == -1)
		result(res, FTP_NOPERM, why);
	else if (e == -2)
		result(res, FTP_BADSENDNET, "Connection closed; transfer aborted.");
	else
		result(res, FTP_TRANSFEROK, "Directory send OK.");
	buf_free(&out);
}

/*
 * PROT P: the TLS handshake on the data connection, with RFC 4217 10.2's
 * checks (resumption of this control connection's session, the same client
 * certificate).  -1 with the 522 text in RES.
 */
static int
xfer_tls(struct session *s, struct dconn *dc, int upload, struct xfer_result *res)
{
	unsigned char digest[TLS_DIGEST_LEN];
	char why[256], desc[200];
	int has_cert;

	dc->tls = tls_accept(s->tls_ctx, dc->fd, upload ? TLS_DATA_UPLOAD : TLS_DATA, (int)s->conf->tls_handshake_timeout,
	    why, sizeof(why));
	if (dc->tls == NULL && tls_sign_was_refused()) {
		log_msg(LOG_NOTICE, "%s: data TLS handshake of %s refused: the session has no "
		    "full handshake left (%s)", s->peer_str, s->user, s->tls_reuse == REUSE_REQUIRE ?
		    "tls_session_reuse require; see tls_session_reuse_exempt" :
		    "at most " STR_OF(TLS_DATA_SIGNS) " per session");
		result(res, FTP_DATA_TLS, "Data connection TLS negotiation refused: resume the "
		    "control connection's TLS session.");
		return -1;
	}
	if (dc->tls == NULL) {
		log_msg(LOG_NOTICE, "%s: data TLS handshake failed: %s", s->peer_str, why);
		result(res, FTP_DATA_TLS, "Data connection TLS negotiation failed.");
		return -1;
	}
	tls_describe(dc->tls, desc, sizeof(desc));
	log_msg(LOG_INFO, "%s: data connection %s", s->peer_str, desc);
	if (s->tls_reuse == REUSE_REQUIRE && !tls_resumed(dc->tls)) {
		log_msg(LOG_NOTICE, "%s: data connection of %s refused: it did not resume the "
		    "control connection's TLS session (tls_session_reuse require; "
		    "see tls_session_reuse_exempt)", s->peer_str, s->user);
		result(res, FTP_DATA_TLS, "Data connection TLS session was not resumed from the "
		    "control connection: session reuse is required. Clients that cannot resume "
		    "(stock Python ftplib, rclone) need tls_session_reuse_exempt on the server.");
		return -1;
	}
	has_cert = tls_peer_digest(dc->tls, digest) == 0;
	if (has_cert != s->have_cert_digest ||
	    (has_cert && memcmp(digest, s->cert_digest, sizeof(digest)) != 0)) {
		result(res, FTP_DATA_TLS, "Data connection client certificate differs from "
		    "the control connection's.");
		return -1;
	}
	return 0;
}

/*
 * End the data connection: TLS close_notify both ways where the peer plays
 * along.  CLEAN: the transfer succeeded, or the connection was refused before
 * any data (522), so that the client reads a clean end and then our reply.  A
 * transfer that failed midway ends without close_notify: the client must not
 * take a cut download for a whole one.
 */
static void
xfer_close(struct session *s, struct dconn *dc, int clean)
{
	if (dc->tls != NULL) {
		if (clean)
			tls_shutdown(dc->tls, 1, 2);
		tls_free(dc->tls);
	}
	shutdown(dc->fd, SHUT_WR);
	close(dc->fd);
}

/* The transfer process: open the data connection, move the bytes, report. */
static void __attribute__((noreturn))
xfer_child(struct session *s, struct xfer_req *r, int bound, int out)
{
	struct xfer_result res;
	struct dconn dc = { -1, NULL };

	memset(&res, 0, sizeof(res));
	xfer_out = out;
	signal(SIGPIPE, SIG_IGN);
	rl_start(&xfer_rl, s->anonymous ? s->conf->anon_max_rate : s->conf->local_max_rate);
	dc.fd = data_open(s, bound, res.text, sizeof(res.text));
	if (dc.fd == -1)
		res.code = FTP_BADSENDCONN;
	else if (s->prot == 'P' && xfer_tls(s, &dc, r->kind == XF_STOR, &res) == -1)
		;
	else if (r->kind == XF_RETR)
		xfer_send_file(s, r, &dc, &res);
	else if (r->kind == XF_STOR)
		xfer_recv_file(s, r, &dc, &res);
	else
		xfer_send_list(s, r, &dc, &res);
	if (dc.fd != -1)
		xfer_close(s, &dc, res.code == FTP_TRANSFEROK || res.code == FTP_DATA_TLS);
	if (res.code != FTP_TRANSFEROK)
		xfer_temp_remove();
	xfer_temp_release();
	res.bytes = *xfer_bytes;
	if (write_all(out, (const char *)&res, sizeof(res)) == -1)
		_exit(1);
	_exit(0);
}

static void
xfer_busy(struct session *s, int busy)
{
	ipc_send_busy(s->relay_fd, &(struct ipc_busy){ .busy = (uint8_t)busy }, -1);
}

static void
xfer_cleanup_req(struct xfer_req *r)
{
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	if (r->temp[0] != '\0')
		unlink(r->temp);
	xfer_temp_release();
}

static const char *
xfer_default_opening(const struct session *s, const struct xfer_req *r, char *buf, size_t sz)
{
	if (r->kind == XF_LIST)
		return "Here comes the directory listing.";
	if (r->kind == XF_RETR)
		str_fmt(buf, sz, "Opening %s mode data connection for %s (%lld bytes).",
		    s->type_ascii ? "ASCII" : "BINARY", r->name, (long long)r->size);
	else
		str_fmt(buf, sz, "Opening %s mode data connection for %s.",
		    s->type_ascii ? "ASCII" : "BINARY", r->name);
	return buf;
}

/*
 * RFC 4217 10.2: the protection level is checked on the transfer command,
 * before any 1xx.  Returns 1 after replying 521 if policy refuses it.
 */
static int
xfer_prot_refused(struct session *s, const struct xfer_req *r)
{
	enum data_prot policy = s->data_prot[r->kind == XF_LIST];
	const char *what = r->kind == XF_LIST ? "listings" : "file transfers";

	if (s->tls_ctx == NULL)
		return 0;
	if (s->prot == 'C' && policy == DPROT_REQUIRE)
		reply(s, FTP_PROT_REFUSED, "This server requires protected data connections "
		    "for %s: send PBSZ 0 and PROT P (lftp: set ftp:ssl-protect-data true).\n"
		    "Data connection cannot be opened with this PROT setting.", what);
	else if (s->prot == 'P' && policy == DPROT_NEVER)
		reply(s, FTP_PROT_REFUSED, "This server sends %s in clear only: send PROT C.\n"
		    "Data connection cannot be opened with this PROT setting.", what);
	else
		return 0;
	return 1;
}

void
xfer_start(struct session *s, struct xfer_req *r)
{
	char text[MAX_PATH + 128];
	struct xfer *x;
	int p[2], bound = -1;
	pid_t parent;

	s->rest = 0;
	if (s->data_mode == DATA_NONE) {
		reply(s, FTP_BADSENDCONN, "Use PORT, EPRT, PASV or EPSV first.");
		xfer_cleanup_req(r);
		return;
	}
	if (xfer_prot_refused(s, r)) {
		xfer_cleanup_req(r);
		return;
	}
	if (s->data_mode == DATA_PORT && s->conf->connect_from_port_20 &&
	    (bound = user_port20(s)) == -1) {
		reply(s, FTP_BADSENDCONN, "Failed to establish connection from port 20.");
		xfer_cleanup_req(r);
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1)
		die("pipe: %s", strerror(errno));
	reply(s, FTP_DATACONN, "%s", r->opening[0] ? r->opening :
	    xfer_default_opening(s, r, text, sizeof(text)));
	*xfer_bytes = 0;
	x = xcalloc(1, sizeof(*x));
	x->req = *r;
	x->req.list.arg = x->req.list_arg;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	parent = getpid();
	if ((x->pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (x->pid == 0) {
		close(p[0]);
		close(s->relay_fd);
		/* the monitor: only for the signature of a full data TLS handshake */
		if (s->mon_fd != -1 && (s->prot != 'P' || s->tls_ctx == NULL)) {
			close(s->mon_fd);
			s->mon_fd = -1;
		}
		privdrop_die_with_parent(parent, SIGTERM);
		xfer_child(s, &x->req, bound, p[1]);
	}
	xfer_temp_release();	/* the transfer process removes it now */
	close(p[1]);
	if (bound != -1)
		close(bound);
	if (x->req.fd != -1)
		close(x->req.fd);
	x->req.fd = -1;
	x->pipe = p[0];
	if (s->pasv_fd != -1)
		close(s->pasv_fd);
	s->pasv_fd = -1;
	s->data_mode = DATA_NONE;
	s->xfer = x;
	xfer_busy(s, 1);
}

/*
 * Ask the monitor to log a finished transfer in the xferlog: the monitor
 * holds the file and formats the wu-ftpd line itself, with its own time,
 * address and user name (SECURITY).
 */
static void
xfer_log(struct session *s, const struct xfer *x, const struct xfer_result *res, long secs)
{
	char cwd[MAX_PATH];
	struct ipc_xferlog m;

	if (!s->conf->xferlog_enable || x->req.kind == XF_LIST || s->mon_fd == -1)
		return;
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    path_join(cwd, x->req.name, m.path, sizeof(m.path)) == -1)
		str_copy(m.path, sizeof(m.path), x->req.name);
	m.secs = (uint32_t)(secs < 1 ? 1 : secs);
	m.bytes = (uint64_t)(res->bytes < 0 ? 0 : res->bytes);
	m.type = s->type_ascii ? 'a' : 'b';
	m.dir = x->req.kind == XF_RETR ? 'o' : 'i';
	m.done = res->code == FTP_TRANSFEROK ? 'c' : 'i';
	if (ipc_send_xferlog(s->mon_fd, &m, -1) == -1)
		log_msg(LOG_WARNING, "xferlog: the monitor is gone");
}

/* Reap the transfer process (once); its wait status. */
static int
xfer_wait(struct xfer *x)
{
	if (!x->reaped)
		while (waitpid(x->pid, &x->status, 0) == -1 && errno == EINTR)
			;
	x->reaped = 1;
	return x->status;
}

static const char *
xfer_kind_name(const struct xfer *x)
{
	return x->req.kind == XF_STOR ? "store" : x->req.kind == XF_RETR ? "retrieve" : "list";
}

/* Reap the transfer process and forget the transfer. */
static void
xfer_end(struct session *s)
{
	struct xfer *x = s->xfer;

	xfer_wait(x);
	close(x->pipe);
	if (x->req.temp[0] != '\0' && access(x->req.temp, F_OK) == 0)
		unlink(x->req.temp);
	free(x);
	s->xfer = NULL;
	xfer_busy(s, 0);
}

void
xfer_finish(struct session *s)
{
	struct xfer *x = s->xfer;
	struct xfer_result res;
	struct timespec t;
	ssize_t n;

	memset(&res, 0, sizeof(res));
	while ((n = read(x->pipe, &res, sizeof(res))) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(res) || res.code < 100 || res.code > 599) {
		res.code = FTP_LOCALERR;
		res.bytes = *xfer_bytes;
		if (WIFSIGNALED(xfer_wait(x)))
			str_fmt(res.text, sizeof(res.text), "Transfer failed: the transfer "
			    "process was killed by signal %d.", WTERMSIG(x->status));
		else
			str_copy(res.text, sizeof(res.text), "Transfer failed: local error.");
	}
	res.text[sizeof(res.text) - 1] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t);
	xfer_log(s, x, &res, (long)(t.tv_sec - x->start.tv_sec));
	if (res.code != FTP_TRANSFEROK)
		log_msg(LOG_NOTICE, "%s: %s %s failed after %lld bytes: %d %s", s->peer_str,
		    xfer_kind_name(x), x->req.name, res.bytes, res.code, res.text);
	else if (s->conf->log_sessions)
		log_msg(LOG_INFO, "%s %s: %d, %lld bytes", xfer_kind_name(x), x->req.name,
		    res.code, res.bytes);
	xfer_end(s);
	reply(s, res.code, "%s", res.text);
}

/* The xferlog line of a transfer stopped by ABOR (completion status "i"). */
static void
xfer_log_aborted(struct session *s)
{
	struct xfer_result res;
	struct timespec t;

	memset(&res, 0, sizeof(res));
	res.code = FTP_BADSENDNET;
	res.bytes = *xfer_bytes;
	clock_gettime(CLOCK_MONOTONIC, &t);
	xfer_log(s, s->xfer, &res, (long)(t.tv_sec - s->xfer->start.tv_sec));
}

void
xfer_kill(struct session *s)
{
	if (s->xfer == NULL)
		return;
	kill(s->xfer->pid, SIGKILL);
	log_msg(LOG_NOTICE, "%s: %s %s stopped after %lld bytes: the session ended",
	    s->peer_str, xfer_kind_name(s->xfer), s->xfer->req.name, *xfer_bytes);
	xfer_log_aborted(s);
	xfer_end(s);
}

void
xfer_abort(struct session *s)
{
	struct pollfd p;

	if (s->xfer != NULL) {	/* finished before the ABOR came: report it first */
		p.fd = s->xfer->pipe;
		p.events = POLLIN;
		if (poll(&p, 1, 0) == 1)
			xfer_finish(s);
	}
	if (s->xfer == NULL) {
		if (s->data_mode != DATA_NONE) {
			if (s->pasv_fd != -1)
				close(s->pasv_fd);
			s->pasv_fd = -1;
			s->data_mode = DATA_NONE;
			reply(s, FTP_ABOR_NOCONN, "No transfer to abort; data connection closed.");
		} else
			reply(s, FTP_TRANSFEROK, "No transfer to abort.");
		return;
	}
	kill(s->xfer->pid, SIGKILL);
	xfer_log_aborted(s);
	xfer_end(s);
	reply(s, FTP_BADSENDNET, "Connection closed; transfer aborted.");
	reply(s, FTP_TRANSFEROK, "Abort successful.");
}

void
xfer_status(struct session *s)
{
	const struct xfer *x = s->xfer;

	if (x->req.kind == XF_RETR)
		reply(s, FTP_FILESTATUS, "Status: %lld of %lld bytes transferred.",
		    *xfer_bytes, (long long)(x->req.size - x->req.offset));
	else
		reply(s, FTP_FILESTATUS, "Status: %lld bytes transferred.", *xfer_bytes);
}
