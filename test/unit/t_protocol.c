/*
 * t_protocol.c: the control-line layer (linebuf), reply framing, the command
 * table's parser, TYPE A conversion and path helpers.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ascii.h"
#include "buf.h"
#include "commands.h"
#include "conf.h"
#include "ipc.h"
#include "linebuf.h"
#include "net.h"
#include "path.h"
#include "runner.h"
#include "session.h"

/* Feed S (N bytes) and collect the events and lines into OUT as "ev:line|". */
static void
feed_all(const char *s, size_t n, struct buf *out)
{
	struct linebuf lb;
	enum line_event ev;
	size_t off = 0;

	linebuf_init(&lb);
	while (off < n) {
		off += linebuf_feed(&lb, (const unsigned char *)s + off, n - off, &ev);
		if (ev != LINE_NONE)
			buf_appendf(out, "%d:%s|", ev, ev == LINE_OK ? lb.line : "");
	}
}

TEST(linebuf_crlf_and_lf)
{
	struct buf out = BUF_INIT(4096);

	feed_all("USER a\r\nPASS b\nNOOP", 20, &out);
	ASSERT_EQ_STR(buf_cstr(&out), "1:USER a|1:PASS b|");
	buf_free(&out);
}

TEST(linebuf_telnet)
{
	struct buf out = BUF_INIT(4096);
	/* IAC IP, IAC DM, IAC WILL x, IAC IAC as a data byte */
	const char in[] = "\xff\xf4\xff\xf2" "ABOR\r\n" "\xff\xfb\x01" "RETR a\xff\xff" "b\r\n";

	feed_all(in, sizeof(in) - 1, &out);
	ASSERT_EQ_STR(buf_cstr(&out), "1:ABOR|1:RETR a\xff" "b|");
	buf_free(&out);
}

TEST(linebuf_synch_without_dm)
{
	struct buf out = BUF_INIT(4096);

	/* the DM of IAC DM was sent as urgent data and is not in the stream */
	feed_all("\xff\xf4\xff" "ABOR\r\n", 9, &out);
	ASSERT_EQ_STR(buf_cstr(&out), "1:ABOR|");
	buf_free(&out);
}

TEST(linebuf_too_long_is_one_event)
{
	struct buf out = BUF_INIT(4096);
	size_t n = MAX_CMDLINE * 3;
	char *in = malloc(n + 16);

	memset(in, 'A', n);
	memcpy(in + n, "\r\nNOOP\r\n", 8);
	feed_all(in, n + 8, &out);
	ASSERT_EQ_STR(buf_cstr(&out), "2:|1:NOOP|");
	free(in);
	buf_free(&out);
}

TEST(linebuf_bad_bytes)
{
	struct buf out = BUF_INIT(4096);

	feed_all("MKD a\rb\r\nMKD c\0d\r\nNOOP\r\n", 24, &out);
	ASSERT_EQ_STR(buf_cstr(&out), "3:|3:|1:NOOP|");
	buf_free(&out);
}

TEST(reply_single_and_multi)
{
	struct buf out = BUF_INIT(4096);

	reply_format(&out, 200, "NOOP ok.");
	ASSERT_EQ_STR(buf_cstr(&out), "200 NOOP ok.\r\n");
	buf_reset(&out);
	reply_format(&out, 211, "Features:\n EPSV\n MDTM\nEnd");
	ASSERT_EQ_STR(buf_cstr(&out), "211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n");
	buf_reset(&out);
	reply_format(&out, 230, "motd line\n230 fake\nLogged in.");
	ASSERT_EQ_STR(buf_cstr(&out), "230-motd line\r\n230-230 fake\r\n230 Logged in.\r\n");
	buf_reset(&out);	/* a .message that starts with a blank (fuzz_dispatch) */
	reply_format(&out, 250, " indented\n more\nDirectory changed.");
	ASSERT_EQ_STR(buf_cstr(&out), "250- indented\r\n more\r\n250 Directory changed.\r\n");
	buf_free(&out);
}

TEST(reply_sanitises)
{
	struct buf out = BUF_INIT(4096), q = BUF_INIT(256);

	reply_format(&out, 550, "a\rb\x01" "c\xff" "d");
	ASSERT_EQ_STR(buf_cstr(&out), "550 a?b?c\xff\xff" "d\r\n");
	buf_reset(&out);	/* a path's line feed goes out as NUL (RFC 959) */
	buf_reset(&q);
	path_quote(&q, "/x\n226 Transfer complete.");
	buf_puts(&q, " is the current directory");
	reply_format(&out, 257, buf_cstr(&q));
	ASSERT_EQ_INT((int)out.len, 58);
	ASSERT_MEM_EQ(buf_cstr(&out), "257 \"/x\0" "226 Transfer complete.\" is the current directory\r\n", 58);
	buf_free(&q);
	buf_free(&out);
}

TEST(cmd_parse_rules)
{
	char verb[8];
	const char *arg;

	ASSERT_EQ_INT(cmd_parse("retr file name", verb, sizeof(verb), &arg), 0);
	ASSERT_EQ_STR(verb, "RETR");
	ASSERT_EQ_STR(arg, "file name");
	ASSERT_EQ_INT(cmd_parse("PWD", verb, sizeof(verb), &arg), 0);
	ASSERT_TRUE(arg == NULL);
	ASSERT_EQ_INT(cmd_parse("", verb, sizeof(verb), &arg), -1);
	ASSERT_EQ_INT(cmd_parse("GET / HTTP/1.1", verb, sizeof(verb), &arg), 0);
	ASSERT_TRUE(cmd_lookup(verb) == NULL);
	ASSERT_EQ_INT(cmd_parse("TOOLONGVERB x", verb, sizeof(verb), &arg), -1);
	ASSERT_EQ_INT(cmd_parse("NO\tOP", verb, sizeof(verb), &arg), -1);
	ASSERT_TRUE(cmd_lookup("xmkd") != NULL);
	ASSERT_TRUE(cmd_flags("ABOR") & F_MIDXFER);
	ASSERT_TRUE(cmd_flags("stat") & F_MIDXFER);
	ASSERT_TRUE(!(cmd_flags("RETR x") & F_MIDXFER));
	ASSERT_TRUE(cmd_flags("prot P") & F_CTL);
	ASSERT_EQ_INT(cmd_flags("XYZZY"), 0);
}

TEST(ascii_round_trip)
{
	char out[64], back[64];
	int last = 0, cr = 0;
	size_t n, m;

	n = ascii_to_net("a\nb\r\nc\n", 7, out, &last);
	ASSERT_MEM_EQ(out, "a\r\nb\r\nc\r\n", n);
	ASSERT_EQ_INT(n, 9);
	/* CR at a buffer boundary, and a lone CR kept */
	m = ascii_from_net("x\r", 2, back, &cr);
	m += ascii_from_net("\ny\rz\r", 5, back + m, &cr);
	m += ascii_from_net("", 0, back + m, &cr);
	ASSERT_EQ_INT(m, 6);
	ASSERT_MEM_EQ(back, "x\ny\rz\r", 6);
}

TEST(path_helpers)
{
	char dir[64], base[64], out[64];
	struct buf q = BUF_INIT(128);

	ASSERT_EQ_INT(path_split("a/b/c.txt", dir, sizeof(dir), base, sizeof(base)), 0);
	ASSERT_EQ_STR(dir, "a/b");
	ASSERT_EQ_STR(base, "c.txt");
	ASSERT_EQ_INT(path_split("/top", dir, sizeof(dir), base, sizeof(base)), 0);
	ASSERT_EQ_STR(dir, "/");
	ASSERT_EQ_INT(path_split("name", dir, sizeof(dir), base, sizeof(base)), 0);
	ASSERT_EQ_STR(dir, ".");
	ASSERT_EQ_INT(path_split("a/..", dir, sizeof(dir), base, sizeof(base)), -1);
	ASSERT_EQ_INT(path_join("/home/al", "../bob/./x//y", out, sizeof(out)), 0);
	ASSERT_EQ_STR(out, "/home/bob/x/y");
	ASSERT_EQ_INT(path_join("/", "../../..", out, sizeof(out)), 0);
	ASSERT_EQ_STR(out, "/");
	path_quote(&q, "/say \"hi\"");
	ASSERT_EQ_STR(buf_cstr(&q), "\"/say \"\"hi\"\"\"");
	buf_reset(&q);
	path_quote(&q, "/a\nb\x1e");
	ASSERT_EQ_STR(buf_cstr(&q), "\"/a\x1e" "b?\"");
	buf_free(&q);
}

TEST(net_networks)
{
	union sockaddr_u a;

	ASSERT_EQ_INT(net_pton(AF_INET, "192.168.1.20", &a), 0);
	ASSERT_TRUE(net_in_networks(&a, "10.0.0.0/8 192.168.0.0/16"));
	ASSERT_TRUE(net_in_networks(&a, "192.168.1.20"));
	ASSERT_TRUE(!net_in_networks(&a, "192.168.1.21,10.0.0.0/8"));
	ASSERT_TRUE(net_in_networks(&a, "0.0.0.0/0"));
	ASSERT_TRUE(!net_in_networks(&a, "192.168.0.0/40 bogus/8 192.168.1.0/"));
	ASSERT_TRUE(net_in_networks(&a, "alice @staff 192.168.1.16/28"));
	ASSERT_TRUE(!net_in_networks(&a, "192.168.1.0/25x ::/0"));
	ASSERT_EQ_INT(net_pton(AF_INET6, "::1", &a), 0);
	ASSERT_TRUE(!net_in_networks(&a, "0.0.0.0/0"));
	ASSERT_TRUE(net_in_networks(&a, "::1"));
	ASSERT_TRUE(net_in_networks(&a, "fe80::/10,::1/128"));
	ASSERT_TRUE(!net_in_networks(&a, "::2/127 ::1/129"));
	ASSERT_EQ_INT(net_pton(AF_INET6, "2001:db8:abcd::17", &a), 0);
	ASSERT_TRUE(net_in_networks(&a, "2001:db8::/32"));
	ASSERT_TRUE(net_in_networks(&a, "2001:db8:abc8::/45"));
	ASSERT_TRUE(!net_in_networks(&a, "2001:db8:abc0::/46"));
	ASSERT_TRUE(net_in_networks(&a, "::/0"));
}

/* Send one frame (type 1, no payload) on SOCK with the N descriptors FDS in one message. */
static void
t_send_fds(int sock, const int *fds, int n)
{
	unsigned char frame[5] = { 0, 0, 0, 1, 1 };
	struct iovec iov = { frame, sizeof(frame) };
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.space;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	ASSERT_TRUE(sendmsg(sock, &mh, 0) == (ssize_t)sizeof(frame));
}

/* One descriptor with a frame is taken; two in one message end the receiver. */
TEST(ipc_descriptors_counted)
{
	int sp[2], fds[2];
	struct msg m;

	ASSERT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	fds[0] = open("/dev/null", O_RDONLY);
	fds[1] = open("/dev/null", O_RDONLY);
	t_send_fds(sp[0], fds, 1);
	ASSERT_EQ_INT(msg_recv(sp[1], &m, 64), 0);
	ASSERT_TRUE(m.fd >= 0 && m.fd != fds[0]);
	close(m.fd);
	msg_free(&m);
	t_send_fds(sp[0], fds, 2);
	ASSERT_DIES(msg_recv(sp[1], &m, 64));
	close(fds[0]);
	close(fds[1]);
	close(sp[0]);
	close(sp[1]);
}

/* Send a raw frame of TYPE with payload P (N bytes) on SOCK. */
static void
t_send_frame(int sock, unsigned type, const void *p, size_t n)
{
	struct msg m;

	msg_init(&m, (uint8_t)type, n);
	buf_append(&m.body, p, n);
	ASSERT_EQ_INT(msg_send(sock, &m), 0);
	msg_free(&m);
}

/* Read one frame from SOCK as FROM -> TO and decode it; the decoder's verdict. */
static int
t_decode(int sock, enum ipc_peer from, enum ipc_peer to, unsigned state, enum ipc_type ans,
    struct ipc_in *in, char *why, size_t whysz)
{
	ASSERT_EQ_INT(ipc_read(sock, from, to, in), 0);
	return ipc_decode(in, state, ans, why, whysz);
}

/* What an encoder sends, its decoder gives back, field for field. */
TEST(ipc_round_trip)
{
	struct ipc_auth a = { .user = "alice", .pass = "secret" };
	struct ipc_channel c = { .state = CTL_TLS, .tls_transcript = { "DER", 3 } };
	struct ipc_xferlog x = { .secs = 7, .bytes = 1ULL << 40, .type = 'b', .dir = 'i',
	    .done = 'c', .path = "/srv/ftp/f" };
	struct ipc_in in;
	char why[160];
	int sp[2], fd;

	ASSERT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ASSERT_EQ_INT(ipc_send_auth(sp[0], &a, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), 0);
	ASSERT_EQ_INT(in.type, MON_AUTH);
	ASSERT_EQ_STR(in.u.auth.user, "alice");
	ASSERT_EQ_STR(in.u.auth.pass, "secret");
	ipc_free(&in);
	ASSERT_EQ_STR(in.u.auth.pass, "");	/* wiped */

	ASSERT_EQ_INT(ipc_send_channel(sp[0], &c, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_TLS, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), 0);
	ASSERT_EQ_INT(in.u.channel.state, CTL_TLS);
	ASSERT_EQ_INT(in.u.channel.tls_transcript.len, 3);
	ASSERT_MEM_EQ(in.u.channel.tls_transcript.p, "DER", 3);
	ipc_free(&in);

	ASSERT_EQ_INT(ipc_send_xferlog(sp[0], &x, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_USR, IPC_MON, IPC_USER, IPC_NONE, &in, why,
	    sizeof(why)), 0);
	ASSERT_TRUE(in.u.xferlog.bytes == 1ULL << 40);
	ASSERT_EQ_INT(in.u.xferlog.dir, 'i');
	ASSERT_EQ_STR(in.u.xferlog.path, "/srv/ftp/f");
	ipc_free(&in);

	/* MON_FD: a descriptor exactly when `connected` says so */
	fd = open("/dev/null", O_RDONLY);
	ASSERT_EQ_INT(ipc_send_fd(sp[0], &(struct ipc_fd){ .connected = 1 }, fd), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_MON, IPC_USR, 0, MON_PORT20, &in, why,
	    sizeof(why)), 0);
	ASSERT_TRUE(in.fd >= 0);
	close(in.fd);
	ipc_free(&in);
	close(fd);
	close(sp[0]);
	close(sp[1]);
}

/* The decoder refuses the wrong sender, state, answer, bounds, leftovers and descriptors. */
TEST(ipc_decoder_refuses)
{
	static const unsigned char user_too_long[4 + 129] = { 0, 0, 0, 129, 'a' };
	static const unsigned char plain_channel[] = { CTL_PLAIN, 0, 0, 0, 0 };
	static const unsigned char trailing[] = { 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'x', '!' };
	static const unsigned char nul_in_cmd[] = { 0, 0, 0, 3, 'A', 0, 'B' };
	static const unsigned char bad_dir[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	    'b', 'x', 'c', 0, 0, 0, 1, '/' };
	struct ipc_in in;
	char why[160];
	int sp[2], fd;

	ASSERT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	/* a request from the wrong process, or in the wrong state */
	ASSERT_EQ_INT(ipc_send_auth(sp[0], &(struct ipc_auth){ .user = "u" }, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_USR, IPC_MON, IPC_USER, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ASSERT_TRUE(strstr(why, "MON_AUTH from the user process") != NULL);
	ipc_free(&in);
	ASSERT_EQ_INT(ipc_send_auth(sp[0], &(struct ipc_auth){ .user = "u" }, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_MON, IPC_USER, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ASSERT_TRUE(strstr(why, "not allowed in this state") != NULL);
	ipc_free(&in);
	/* an answer where a request is expected, and to another request */
	ASSERT_EQ_INT(ipc_send_cert_pass(sp[0], &(struct ipc_cert_pass){ "go" }, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_MON, IPC_CTL, 0, MON_AUTH, &in, why,
	    sizeof(why)), -1);
	ipc_free(&in);
	/* fields out of bounds, a NUL in a string, a byte left over, an unknown type */
	t_send_frame(sp[0], MON_AUTH, user_too_long, sizeof(user_too_long));
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ASSERT_EQ_STR(why, "MON_AUTH with a bad user field");
	ipc_free(&in);
	t_send_frame(sp[0], MON_CHANNEL, plain_channel, sizeof(plain_channel));
	ASSERT_EQ_INT(t_decode(sp[1], IPC_TLS, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ASSERT_EQ_STR(why, "MON_CHANNEL with a bad state field");
	ipc_free(&in);
	t_send_frame(sp[0], MON_AUTH, trailing, sizeof(trailing));
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ASSERT_EQ_STR(why, "MON_AUTH with a bad last field");
	ipc_free(&in);
	t_send_frame(sp[0], REL_CMD, nul_in_cmd, sizeof(nul_in_cmd));
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_USR, IPC_USER, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ipc_free(&in);
	t_send_frame(sp[0], MON_XFERLOG, bad_dir, sizeof(bad_dir));
	ASSERT_EQ_INT(t_decode(sp[1], IPC_USR, IPC_MON, IPC_USER, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ASSERT_EQ_STR(why, "MON_XFERLOG with a bad dir field");
	ipc_free(&in);
	t_send_frame(sp[0], 200, "", 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	ipc_free(&in);
	/* a descriptor with a message that has none, and MON_FD saying "none" with one */
	fd = open("/dev/null", O_RDONLY);
	t_send_fds(sp[0], &fd, 1);	/* type 1 (MON_AUTH), empty */
	ASSERT_EQ_INT(t_decode(sp[1], IPC_CTL, IPC_MON, IPC_PREAUTH, IPC_NONE, &in, why,
	    sizeof(why)), -1);
	close(in.fd);
	ipc_free(&in);
	ASSERT_EQ_INT(ipc_send_fd(sp[0], &(struct ipc_fd){ .connected = 0 }, -1), 0);
	ASSERT_EQ_INT(t_decode(sp[1], IPC_MON, IPC_USR, 0, MON_PORT20, &in, why,
	    sizeof(why)), 0);
	ipc_free(&in);
	close(fd);
	/* and an encoder refuses to send what its decoder would refuse */
	ASSERT_DIES(ipc_send_busy(sp[0], &(struct ipc_busy){ .busy = 2 }, -1));
	ASSERT_DIES(ipc_send_ready(sp[0], &(struct ipc_ready){}, 0));
	close(sp[0]);
	close(sp[1]);
}

/* Each receiver reads at most the largest message ipc.def lets its peer send it. */
TEST(ipc_frame_bounds)
{
	/* the FTP parser sends the monitor names and passwords, no certificate */
	ASSERT_TRUE(ipc_max(IPC_CTL, IPC_MON) >= MAX_USER + MAX_PASS);
	ASSERT_TRUE(ipc_max(IPC_CTL, IPC_MON) < MAX_USER + MAX_PASS + 64);
	ASSERT_TRUE(ipc_max(IPC_TLS, IPC_MON) >= CERT_DER_MAX);
	ASSERT_TRUE(ipc_max(IPC_TLS, IPC_MON) < TLS_TRANSCRIPT_MAX + 1024);
	ASSERT_TRUE(ipc_max(IPC_TLS, IPC_CTL) < TLS_SESSION_MAX + 1024);
	ASSERT_TRUE(ipc_max(IPC_CTL, IPC_TLS) >= REPLY_WIRE_MAX);
	ASSERT_TRUE(ipc_max(IPC_USR, IPC_MON) < MAX_PATH + 64);
	ASSERT_TRUE(ipc_max(IPC_USR, IPC_CTL) >= REPLY_WIRE_MAX);
	ASSERT_EQ_INT(ipc_max(IPC_MON, IPC_MON), 0);
	ASSERT_EQ_STR(ipc_name(MON_XFERLOG), "MON_XFERLOG");
}

/* The TLS login policy, one function for the control process and the monitor. */
TEST(tls_login_policy)
{
	static const char *groups[] = { "alice", "staff" };
	struct conf c;
	struct session s;
	char err[256];

	conf_defaults(&c);
	session_init(&s, &c);
	s.tls_ctx = (struct tls_ctx *)&c;	/* "a certificate is configured": never used */
	ASSERT_TRUE(session_tls_login_refusal(&s, "alice", 0, 0, NULL, 0) != NULL);
	ASSERT_TRUE(session_tls_login_refusal(&s, "alice", 0, 1, NULL, 0) == NULL);
	ASSERT_TRUE(session_tls_login_refusal(&s, "anonymous", 1, 0, NULL, 0) == NULL);
	ASSERT_EQ_INT(conf_set(&c, "tls_plain_users", "@staff", err, sizeof(err)), 0);
	ASSERT_TRUE(session_tls_login_refusal(&s, "alice", 0, 0, NULL, 0) == NULL);	/* undecided */
	ASSERT_TRUE(session_tls_login_refusal(&s, "alice", 0, 0, groups, 2) == NULL);
	ASSERT_TRUE(session_tls_login_refusal(&s, "bob", 0, 0, groups, 1) != NULL);
	ASSERT_EQ_INT(conf_set(&c, "tls_anonymous", "refuse", err, sizeof(err)), 0);
	ASSERT_TRUE(session_tls_login_refusal(&s, "anonymous", 1, 1, NULL, 0) != NULL);
	ASSERT_EQ_INT(conf_set(&c, "tls_anonymous", "require", err, sizeof(err)), 0);
	ASSERT_TRUE(session_tls_login_refusal(&s, "anonymous", 1, 0, NULL, 0) != NULL);
	ASSERT_TRUE(session_tls_login_refusal(&s, "anonymous", 1, 1, NULL, 0) == NULL);
	s.tls_ctx = NULL;	/* no certificate: plain FTP for everyone */
	ASSERT_TRUE(session_tls_login_refusal(&s, "bob", 0, 0, NULL, 0) == NULL);
	ASSERT_TRUE(session_tls_login_refusal(&s, "anonymous", 1, 0, NULL, 0) == NULL);
	buf_free(&s.welcome);
	buf_free(&s.queued);
	conf_free(&c);
}
