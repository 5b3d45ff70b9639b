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
