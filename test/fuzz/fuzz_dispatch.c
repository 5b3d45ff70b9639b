/* FUZZ_SRCS: ftpd/commands.c ftpd/cmd_login.c ftpd/cmd_info.c ftpd/cmd_dir.c ftpd/cmd_file.c ftpd/cmd_conn.c ftpd/cmd_tls.c ftpd/reply.c ftpd/session.c ftpd/listing.c ftpd/linebuf.c common/path.c common/files.c common/net.c common/conf.c common/ipc.c common/buf.c common/log.c test/fuzz/fuzzlib.c */
/*
 * fuzz_dispatch.c: the command dispatcher (ftpd/commands.c) and the handlers
 * it calls, in one process and without a network.  The input chooses the
 * session's state (logged in or not, anonymous, write access, TLS state, EPSV
 * ALL, IPv4 or IPv6) and policy (tls_required, tls_anonymous, tls_ccc,
 * anon_upload, tls_data), the monitor's answer to a login, and a small tree
 * of files in a scratch directory; the rest is control-connection bytes,
 * cut into lines by the Telnet/line assembler and dispatched as the control
 * and user processes do.
 *
 * What needs another process is replaced here: the monitor is a socketpair
 * with its answer already queued; the data connection and the transfer
 * process (xfer_start, data_listen, ...) only reply, a listing being built
 * into a buffer and checked; TLS start/clear only change the state.
 *
 * The handlers really create, rename and delete files: every line that holds
 * '/' or "..", and CDUP in the scratch directory itself, is left out, the
 * tree's links never lead out (FZ_SAFE_LINKS), and the working directory is
 * checked to stay inside after every command.
 *
 * Checks: each dispatched line gets at least one reply (but for a login the
 * monitor accepted: the user process answers that); each reply is
 * RFC 959 framed: "xyz-" first line (or one "xyz " line), continuation lines
 * that cannot end it early, a final "xyz " line with the same code, x in 1-5
 * and y in 0-5; no control byte, every IAC doubled, CRLF endings; the
 * session's state stays in range.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "conf.h"
#include "data.h"
#include "ftpd.h"
#include "fuzzlib.h"
#include "ipc.h"
#include "linebuf.h"
#include "listing.h"
#include "session.h"
#include "tls.h"
#include "transfer.h"

#define MAX_LINES	64	/* dispatched per input (bounds the depth MKD/CWD reach) */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session s;
static struct conf conf;
static jmp_buf fz_ended;		/* user_end() comes back here */
static int mon[2] = { -1, -1 };		/* [0] the session's end, [1] the monitor's */
static int answer_pending;
static unsigned answer;			/* 0 530, 1 421 (too many failures), 2 logged in */
static size_t replies;
static int verbose;			/* FUZZ_VERBOSE=1: commands and replies to stderr */

/* ---- what needs another process ---- */

int
tls_peer_der(const struct tls_conn *t, struct buf *out)
{
	return -1;
}

int
tls_transcript(const struct tls_conn *t, struct buf *out)
{
	return -1;
}

int
tls_session_export(const struct tls_conn *t, struct buf *out)
{
	return -1;
}

void
xfer_temp_claim(const char *name)
{
}

void
control_sync_prot(struct session *sp)
{
}

int
control_start_tls(struct session *sp)
{
	sp->tls_state = CTL_TLS;
	return 0;
}

void
control_clear_tls(struct session *sp)
{
	sp->tls_state = CTL_CLEARED;
}

void
control_end_login(struct session *sp)
{
	if (sp->relay_fd != -1)
		close(sp->relay_fd);
	sp->relay_fd = -1;
	sp->logged_in = 0;
}

void
user_end(struct session *sp, int why)
{
	longjmp(fz_ended, 1);
}

int
data_listen(struct session *sp, char *why, size_t whysz)
{
	sp->data_mode = DATA_PASV;
	return 50000;
}

int
data_set_port(struct session *sp, const union sockaddr_u *target, char *why, size_t whysz)
{
	sp->data_addr = *target;
	sp->data_mode = DATA_PORT;
	return 0;
}

void
xfer_abort(struct session *sp)
{
	if (sp->data_mode != DATA_NONE) {
		sp->data_mode = DATA_NONE;
		reply(sp, FTP_ABOR_NOCONN, "No transfer to abort; data connection closed.");
	} else
		reply(sp, FTP_TRANSFEROK, "No transfer to abort.");
}

void
xfer_status(struct session *sp)
{
	reply(sp, FTP_FILESTATUS, "Status: 0 bytes transferred.");
}

/* A transfer that succeeds at once; a listing is built and checked. */
void
xfer_start(struct session *sp, struct xfer_req *r)
{
	struct buf out = BUF_INIT(REPLY_MAX);
	char why[128];

	sp->rest = 0;
	if (sp->data_mode == DATA_NONE)
		reply(sp, FTP_BADSENDCONN, "Use PORT, EPRT, PASV or EPSV first.");
	else {
		reply(sp, FTP_DATACONN, "Here it comes.");
		if (r->kind == XF_LIST) {
			r->list.arg = r->list_arg;
			if (list_run(&r->list, &out, why, sizeof(why)) == -1)
				FZ_NEED(why[0] != '\0');
			fz_check_lines(buf_cstr(&out), out.len, NULL, NULL);
		}
		reply(sp, FTP_TRANSFEROK, "Transfer complete.");
		sp->data_mode = DATA_NONE;
	}
	if (r->fd != -1)
		close(r->fd);
	if (r->temp[0] != '\0')
		unlink(r->temp);
	buf_free(&out);
}

/* ---- replies ---- */

struct rstate {
	char	 code[4];
	size_t	 lines;
	int	 ended;		/* the "xyz " line was seen */
};

static void
check_reply_line(const char *l, size_t len, void *arg)
{
	struct rstate *r = arg;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)l[i];

		/* no control character but NUL, a path's LF (RFC 959's \012 rule, PATH_NUL) */
		FZ_NEED((c >= 0x20 || c == 0) && c != 0x7f);
		if (c == 0xff) {	/* IAC goes doubled */
			FZ_NEED(i + 1 < len && (unsigned char)l[i + 1] == 0xff);
			i++;
		}
	}
	FZ_NEED(!r->ended);
	if (r->lines++ == 0) {
		FZ_NEED(len >= 4 && l[0] >= '1' && l[0] <= '5' && l[1] >= '0' && l[1] <= '5' &&
		    l[2] >= '0' && l[2] <= '9' && (l[3] == ' ' || l[3] == '-'));
		memcpy(r->code, l, 3);
		r->code[3] = '\0';
		r->ended = l[3] == ' ';
	} else if (len >= 4 && !memcmp(l, r->code, 3) && l[3] == ' ')
		r->ended = 1;
	else	/* a continuation line can never read as the end of a reply */
		FZ_NEED(l[0] == ' ' || (len >= 4 && !memcmp(l, r->code, 3) && l[3] == '-'));
}

static void
fz_send(struct session *sp, const char *p, size_t n)
{
	struct rstate r;

	if (verbose)
		fprintf(stderr, "%.*s", (int)n, p);
	memset(&r, 0, sizeof(r));
	fz_check_lines(p, n, check_reply_line, &r);
	FZ_NEED(r.ended);
	replies++;
}

/* ---- the monitor ---- */

/* Have the monitor's answer to the next login waiting on the socketpair. */
static void
monitor_queue(void)
{
	static int devnull = -1;
	struct ipc_auth_fail fail = { .close = answer == 1, .reason = "Login incorrect." };

	if (answer_pending)
		return;
	if (answer == 2) {
		if (devnull == -1 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
			abort();
		/* the relay: anything to send into */
		FZ_NEED(ipc_send_auth_ok(mon[1], &(struct ipc_auth_ok){}, devnull) == 0);
	} else
		FZ_NEED(ipc_send_auth_fail(mon[1], &fail, -1) == 0);
	answer_pending = 1;
}

/* After a command: was the answer taken?  Drop what the session sent. */
static void
monitor_drain(void)
{
	char b[4096];
	int n = 0;

	if (ioctl(mon[0], FIONREAD, &n) == 0 && n == 0)
		answer_pending = 0;
	while (recv(mon[1], b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

/* ---- the session ---- */

static void
session_setup(unsigned state, unsigned policy, unsigned extra)
{
	static const char *const req[] = { "auto", "none", "login", "all" };
	static const char *const anon[] = { "allow", "refuse", "require" };
	static const char *const data[] = { "never", "allow", "require" };
	static char tls_dummy;	/* a certificate is loaded: only compared with NULL */
	char err[256];

	conf_free(&conf);
	conf_defaults(&conf);
	FZ_NEED(conf_set(&conf, "tls_required", req[policy & 3], err, sizeof(err)) == 0 &&
	    conf_set(&conf, "tls_anonymous", anon[(policy >> 2) % 3], err, sizeof(err)) == 0 &&
	    conf_set(&conf, "tls_ccc", (policy & 0x10) ? "yes" : "no", err, sizeof(err)) == 0 &&
	    conf_set(&conf, "anon_upload", (policy & 0x20) ? "yes" : "no", err, sizeof(err)) == 0 &&
	    conf_set(&conf, "tls_data", data[(policy >> 6) % 3], err, sizeof(err)) == 0 &&
	    conf_set(&conf, "tls_data_list", data[(extra >> 5) % 3], err, sizeof(err)) == 0);
	session_init(&s, &conf);
	s.send = fz_send;
	s.logged_in = state & 1;
	s.anonymous = (state >> 1) & 1;
	s.may_write = (state >> 2) & 1;
	s.tls_ctx = (state & 8) ? (struct tls_ctx *)(void *)&tls_dummy : NULL;
	s.tls_state = (enum ctl_tls)(((state >> 4) & 3) % 3);
	s.epsv_all = (state >> 6) & 1;
	s.local.sa.sa_family = (state & 0x80) ? AF_INET6 : AF_INET;
	s.peer.sa.sa_family = s.local.sa.sa_family;
	s.pbsz_done = extra & 1;
	s.prot = (extra & 2) ? 'P' : 'C';
	s.type_ascii = !(extra & 4);
	answer = (extra >> 3) % 3;
	answer_pending = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) == -1)
		abort();
	s.mon_fd = mon[0];
}

static void
session_teardown(void)
{
	if (s.relay_fd != -1)
		close(s.relay_fd);
	close(mon[0]);
	close(mon[1]);
	mon[0] = mon[1] = -1;
	buf_free(&s.welcome);
	buf_free(&s.queued);
}

/* Would LINE reach outside the scratch tree? */
static int
line_escapes(const char *line)
{
	char verb[8];
	const char *arg;

	if (strchr(line, '/') != NULL || strstr(line, "..") != NULL)
		return 1;
	return cmd_parse(line, verb, sizeof(verb), &arg) == 0 &&
	    (!strcmp(verb, "CDUP") || !strcmp(verb, "XCUP")) && fz_where() == 1;
}

static void
dispatch(const char *line)
{
	size_t before = replies;
	long idle = s.idle_timeout;
	int was_in = s.logged_in;

	if (verbose)
		fprintf(stderr, "-> %s\n", line);
	monitor_queue();
	cmd_dispatch(&s, line);
	monitor_drain();
	/* a login the monitor accepted is answered by the new user process (230) */
	FZ_NEED(replies > before || (!was_in && s.logged_in));
	FZ_NEED(fz_where() != 0);
	FZ_NEED(s.prot == 'C' || s.prot == 'P');
	FZ_NEED(s.rest >= 0 && s.umask <= 0777 && s.mlst_facts <= MLST_DEFAULT);
	FZ_NEED(s.idle_timeout == idle ||
	    (s.idle_timeout >= 30 && s.idle_timeout <= conf.max_idle_timeout));
}

/* The control process's loop over the client's bytes. */
static void
run_lines(struct fz *f)
{
	struct linebuf lb;
	enum line_event ev;
	size_t n = 0;

	linebuf_init(&lb);
	while (f->n > 0 && n < MAX_LINES && !s.quitting) {
		size_t used = linebuf_feed(&lb, f->p, f->n, &ev);

		f->p += used;
		f->n -= used;
		if (ev == LINE_OK && !line_escapes(lb.line)) {
			dispatch(lb.line);
			n++;
		}
		if (s.discard_input) {	/* AUTH: what came with it is dropped */
			s.discard_input = 0;
			linebuf_init(&lb);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct fz_tree t;
	/*
	 * state: bit 0 logged in, 1 anonymous, 2 may write, 3 TLS available,
	 * 4-5 TLS state, 6 EPSV ALL, 7 IPv6.  policy: bits 0-1 tls_required,
	 * 2-3 tls_anonymous, 4 tls_ccc, 5 anon_upload, 6-7 tls_data.  extra:
	 * bit 0 PBSZ done, 1 PROT P, 2 TYPE I, 3-4 the monitor's answer,
	 * 5-6 tls_data_list.
	 */
	unsigned state = fz_u8(&f), policy = fz_u8(&f), extra = fz_u8(&f);
	mode_t mask = umask(022);

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	fz_enter();
	fz_tree_build(&f, &t, FZ_SAFE_LINKS);
	session_setup(state, policy, extra);
	if (setjmp(fz_ended) == 0)
		run_lines(&f);
	session_teardown();
	fz_leave();
	umask(mask);
	return 0;
}
