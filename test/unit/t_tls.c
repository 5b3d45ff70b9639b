/*
 * t_tls.c: unit tests for common/tls.c.
 *
 * Keys and self-signed certificates (RSA and ECDSA) are made with the OpenSSL
 * API in a mkdtemp() directory under $TMPDIR (or /tmp), removed at exit.  As
 * in the daemon, the server context is built once and each server handshake
 * runs in a forked child (which reports back through a pipe), so resumption
 * across connections is resumption across processes.  The parent is the
 * OpenSSL client, over a socketpair.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "conf.h"
#include "runner.h"
#include "tls.h"

#define BIG	(300 * 1024)	/* bytes of the large-transfer test */

/* --- certificates ------------------------------------------------------- */

static char dir[256];
static char rsa_cert[300], rsa_key[300], ec_pem[300], ec_key[300], nokey[300];
static unsigned char rsa_digest[TLS_DIGEST_LEN];

static void
rm_dir(void)
{
	const char *f[] = { rsa_cert, rsa_key, ec_pem, ec_key };
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		unlink(f[i]);
	rmdir(dir);
}

static X509 *
self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, key, EVP_sha256()) == 0)
		abort();
	return x;
}

/* Write X (if not NULL) and then KEY (if not NULL) to PATH. */
static void
write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || (x != NULL && PEM_write_X509(f, x) != 1) ||
	    (key != NULL && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1))
		abort();
	fclose(f);
}

/* Make the RSA cert/key pair and the ECDSA cert+key file once. */
static void
certs(void)
{
	const char *tmp = getenv("TMPDIR");
	EVP_PKEY *rsa, *ec, *ec2;
	X509 *x;
	unsigned int len;

	if (dir[0] != '\0')
		return;
	str_fmt(dir, sizeof(dir), "%s/t_tls.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(rm_dir);
	str_fmt(rsa_cert, sizeof(rsa_cert), "%s/rsa.crt", dir);
	str_fmt(rsa_key, sizeof(rsa_key), "%s/rsa.key", dir);
	str_fmt(ec_pem, sizeof(ec_pem), "%s/ec.pem", dir);
	str_fmt(ec_key, sizeof(ec_key), "%s/ec2.key", dir);
	str_fmt(nokey, sizeof(nokey), "%s/missing.pem", dir);
	rsa = EVP_RSA_gen(2048);
	ec = EVP_EC_gen("P-256");
	ec2 = EVP_EC_gen("P-256");
	x = self_signed(rsa, "ftp.example.org");
	write_pem(rsa_cert, x, NULL);
	write_pem(rsa_key, NULL, rsa);
	X509_digest(x, EVP_sha256(), rsa_digest, &len);
	X509_free(x);
	x = self_signed(ec, "ftp.example.org");
	write_pem(ec_pem, x, ec);
	write_pem(ec_key, NULL, ec2);
	X509_free(x);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec2);
}

/* --- server contexts ---------------------------------------------------- */

/* tls.h has no tls_ctx_free() (a context lives as long as its session). */
static struct tls_ctx *kept[64];
static size_t nkept;

/*
 * A context from the defaults plus KV (keyword, value, ..., NULL), with
 * tls_cert_file = the RSA certificate unless KV sets it.  NULL and ERR on error.
 */
static struct tls_ctx *
ctx_make(char *err, size_t errsz, const char *const *kv)
{
	struct conf c;
	struct tls_ctx *t;
	char e[256];

	certs();
	conf_defaults(&c);
	if (conf_set(&c, "tls_cert_file", rsa_cert, e, sizeof(e)) == -1 ||
	    conf_set(&c, "tls_key_file", rsa_key, e, sizeof(e)) == -1 ||
	    conf_set(&c, "tls_client_cert", "request", e, sizeof(e)) == -1)
		runner_fail(__FILE__, __LINE__, "conf_set: %s", e);
	for (; kv != NULL && kv[0] != NULL; kv += 2)
		if (conf_set(&c, kv[0], kv[1], e, sizeof(e)) == -1)
			runner_fail(__FILE__, __LINE__, "conf_set %s: %s", kv[0], e);
	t = tls_ctx_new(&c, 0, err, errsz);
	conf_free(&c);	/* the context must not keep pointers into C */
	if (t != NULL && nkept < sizeof(kept) / sizeof(kept[0]))
		kept[nkept++] = t;
	return t;
}

static struct tls_ctx *
ctx_ok(const char *const *kv)
{
	char err[512];
	struct tls_ctx *t = ctx_make(err, sizeof(err), kv);

	if (t == NULL)
		runner_fail(__FILE__, __LINE__, "tls_ctx_new: %s", err);
	return t;
}

#define KV(...)	((const char *const []){ __VA_ARGS__, NULL })

/* --- one connection: server child, client parent ------------------------- */

enum srv_mode { SRV_ECHO, SRV_SHUT, SRV_BIG, SRV_STALL };
enum cli_mode { CLI_CLEAN, CLI_DIRTY, CLI_ANSWER, CLI_SILENT, CLI_BIG, CLI_NONE };

struct srv_result {
	int	 ok, resumed, has_digest, eof1, eof2, shut;
	long	 r1, r2;
	double	 secs;
	unsigned char digest[TLS_DIGEST_LEN];
	char	 desc[256], why[256];
};

struct cli {
	const char	*maxv, *minv;	/* "1.2", "1.3" or NULL */
	const char	*alpn;		/* wire format, or NULL */
	size_t		 alpnlen;
	const char	*sni;
	const char	*sigalgs;
	int		 cert;		/* present the RSA certificate */
	SSL_SESSION	*sess;		/* offer it */
	enum cli_mode	 mode;
	/* results */
	int		 ok;
	int		 resumed;
	int		 peer_type;	/* EVP_PKEY_RSA / EVP_PKEY_EC of the server's cert */
	SSL_SESSION	*got;		/* the session afterwards (to free) */
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void
srv_talk(struct tls_conn *t, int fd, enum srv_mode mode, struct srv_result *r)
{
	static char big[BIG];
	char in[64];

	if (tls_write(t, "hello\n", 6) != 6)
		return;
	if (mode == SRV_SHUT) {
		r->secs = now();
		r->shut = tls_shutdown(t, 1, 1);
		r->secs = now() - r->secs;
		return;
	}
	if (mode == SRV_STALL) {	/* data.c's stall timeout */
		struct timeval tv = { 1, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		r->secs = now();
		r->r1 = tls_read(t, in, sizeof(in));
		r->eof1 = tls_clean_eof(t);
		r->secs = now() - r->secs;
		return;
	}
	if (mode == SRV_BIG) {
		memset(big, 'x', sizeof(big));
		big[BIG - 1] = 'y';
		if (tls_write(t, big, sizeof(big)) != BIG)
			return;
	}
	r->r1 = tls_read(t, in, sizeof(in));
	r->eof1 = tls_clean_eof(t);
	r->r2 = tls_read(t, in, sizeof(in));
	r->eof2 = tls_clean_eof(t);
	r->shut = tls_shutdown(t, 1, 2);
}

/* The server child: handshake on FD, talk as MODE, report on OUT. */
static void __attribute__((noreturn))
srv_child(struct tls_ctx *ctx, int fd, int timeout, enum srv_mode mode, int out)
{
	struct srv_result r;
	struct tls_conn *t;
	double t0 = now();

	memset(&r, 0, sizeof(r));
	r.r1 = r.r2 = r.shut = -9;
	t = tls_accept(ctx, fd, 0, timeout, r.why, sizeof(r.why));
	r.secs = now() - t0;
	if (t != NULL) {
		r.ok = 1;
		r.resumed = tls_resumed(t);
		r.has_digest = tls_peer_digest(t, r.digest) == 0;
		tls_describe(t, r.desc, sizeof(r.desc));
		srv_talk(t, fd, mode, &r);
		tls_free(t);
	}
	if (write(out, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

static int
version_of(const char *s)
{
	if (s == NULL)
		return 0;
	return strcmp(s, "1.3") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

static SSL_CTX *
cli_ctx(const struct cli *c)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (c->minv != NULL)
		SSL_CTX_set_min_proto_version(ctx, version_of(c->minv));
	if (c->maxv != NULL)
		SSL_CTX_set_max_proto_version(ctx, version_of(c->maxv));
	if (c->sigalgs != NULL && SSL_CTX_set1_sigalgs_list(ctx, c->sigalgs) != 1)
		abort();
	if (c->alpn != NULL)
		SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)c->alpn,
		    (unsigned int)c->alpnlen);
	if (c->cert && (SSL_CTX_use_certificate_file(ctx, rsa_cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, rsa_key, SSL_FILETYPE_PEM) != 1))
		abort();
	return ctx;
}

/* Read exactly N bytes; 0 if they came. */
static int
cli_read(SSL *ssl, char *p, int n)
{
	int r;

	while (n > 0) {
		if ((r = SSL_read(ssl, p, n)) <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

/* After the handshake: behave as C->mode; returns 0 if all went as planned. */
static int
cli_talk(struct cli *c, SSL *ssl, int *fd)
{
	static char big[BIG];
	char in[16];

	if (cli_read(ssl, in, 6) == -1 || memcmp(in, "hello\n", 6) != 0)
		return -1;
	c->got = SSL_get1_session(ssl);	/* after a read: TLS 1.3 tickets are in */
	if (c->mode == CLI_BIG && (cli_read(ssl, big, BIG) == -1 || big[BIG - 1] != 'y'))
		return -1;
	if (c->mode == CLI_SILENT)
		return 0;
	if (c->mode == CLI_ANSWER)
		return SSL_read(ssl, in, 1) == 0 && SSL_shutdown(ssl) >= 0 ? 0 : -1;
	if (SSL_write(ssl, "bye", 3) != 3)
		return -1;
	if (c->mode == CLI_DIRTY) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (SSL_shutdown(ssl) != 0)	/* close_notify sent, the peer's not yet in */
		return -1;
	return SSL_shutdown(ssl) == 1 ? 0 : -1;	/* and the peer's arrives */
}

static void
cli_run(struct cli *c, int *fd)
{
	SSL_CTX *ctx;
	SSL *ssl;

	if (c->mode == CLI_NONE)
		return;
	ctx = cli_ctx(c);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, *fd);
	if (c->sni != NULL)
		SSL_set_tlsext_host_name(ssl, c->sni);
	if (c->sess != NULL)
		SSL_set_session(ssl, c->sess);
	if (SSL_connect(ssl) == 1) {
		X509 *x = SSL_get0_peer_certificate(ssl);

		c->resumed = SSL_session_reused(ssl);
		c->peer_type = x != NULL ? EVP_PKEY_get_base_id(X509_get0_pubkey(x)) : 0;
		c->ok = cli_talk(c, ssl, fd) == 0;
	} else if (*fd != -1)
		shutdown(*fd, SHUT_RDWR);	/* the server stops waiting */
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

/* One connection: server MODE in a child with handshake TIMEOUT, client C. */
static void
conn(struct tls_ctx *ctx, enum srv_mode mode, int timeout, struct cli *c,
    struct srv_result *r)
{
	struct timeval tv = { 5, 0 };
	int sv[2], p[2], st;
	pid_t pid;

	ASSERT_TRUE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	ASSERT_TRUE(pipe(p) == 0);
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		close(p[0]);
		srv_child(ctx, sv[1], timeout, mode, p[1]);
	}
	ASSERT_TRUE(pid > 0);
	close(sv[1]);
	close(p[1]);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cli_run(c, &sv[0]);
	memset(r, 0, sizeof(*r));
	st = (int)read(p[0], r, sizeof(*r));
	if (sv[0] != -1)
		close(sv[0]);
	close(p[0]);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	ASSERT_EQ_INT(st, sizeof(*r));
}

/* A clean connection that must succeed; returns the client's session. */
static SSL_SESSION *
conn_ok(struct tls_ctx *ctx, struct cli *c, struct srv_result *r)
{
	conn(ctx, SRV_ECHO, 5, c, r);
	if (!r->ok)
		runner_fail(__FILE__, __LINE__, "server handshake failed: %s", r->why);
	ASSERT_TRUE(c->ok);
	ASSERT_EQ_INT(r->r1, 3);
	ASSERT_EQ_INT(r->r2, 0);
	ASSERT_EQ_INT(r->eof2, 1);
	ASSERT_EQ_INT(r->shut, 0);
	return c->got;
}

/* --- tests ---------------------------------------------------------------- */

TEST(not_configured)
{
	struct conf c;
	char err[100] = "x";

	conf_defaults(&c);
	ASSERT_TRUE(!tls_configured(&c));
	ASSERT_TRUE(tls_ctx_new(&c, 0, err, sizeof(err)) == NULL);
	ASSERT_EQ_STR(err, "");
	conf_set(&c, "tls_cert2_file", "x.pem", err, sizeof(err));
	ASSERT_TRUE(tls_configured(&c));
	conf_free(&c);
}

TEST(load_errors)
{
	char err[512];

	certs();
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_cert_file", nokey)) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_cert_file");
	ASSERT_STR_CONTAINS(err, nokey);
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_key_file", nokey)) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_key_file");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_key_file", ec_key)) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_key_file");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_cert2_file", ec_pem,
	    "tls_key2_file", ec_key)) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_key2_file");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_cert2_file", rsa_cert,
	    "tls_key2_file", rsa_key)) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_cert2_file");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_ciphers", "NOSUCHCIPHER")) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_ciphers");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_ciphersuites", "TLS_NOPE")) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_ciphersuites");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_groups", "nogroup")) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_groups");
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_min_version", "1.3",
	    "tls_max_version", "1.2")) == NULL);
	ASSERT_STR_CONTAINS(err, "tls_min_version");
	/* the ECDSA key in the certificate's own file, and both key types at once */
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_cert_file", ec_pem,
	    "tls_key_file", "")) != NULL);
	ASSERT_TRUE(ctx_make(err, sizeof(err), KV("tls_cert2_file", ec_pem)) != NULL);
}

TEST(handshake_tls13)
{
	struct cli c = { .mode = CLI_CLEAN };
	struct srv_result r;

	conn_ok(ctx_ok(NULL), &c, &r);
	ASSERT_STR_CONTAINS(r.desc, "TLSv1.3 TLS_AES_128_GCM_SHA256, new session");
	ASSERT_TRUE(strstr(r.desc, "ALPN") == NULL);
	ASSERT_TRUE(strstr(r.desc, "SNI") == NULL);
	ASSERT_EQ_INT(r.resumed, 0);
	ASSERT_EQ_INT(r.has_digest, 0);
	ASSERT_EQ_INT(r.eof1, 0);
	SSL_SESSION_free(c.got);
}

TEST(handshake_tls12)
{
	struct cli c = { .maxv = "1.2", .mode = CLI_CLEAN };
	struct srv_result r;

	conn_ok(ctx_ok(NULL), &c, &r);
	ASSERT_STR_CONTAINS(r.desc, "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256, new session");
	SSL_SESSION_free(c.got);
}

/* Resume S (got from CTX) N times; all must be resumed. */
static void
resume_n(struct tls_ctx *ctx, SSL_SESSION *s, const char *maxv, int n)
{
	struct srv_result r;
	int i;

	for (i = 0; i < n; i++) {
		struct cli c = { .maxv = maxv, .sess = s, .mode = CLI_CLEAN };

		conn_ok(ctx, &c, &r);
		SSL_SESSION_free(c.got);
		ASSERT_EQ_INT(c.resumed, 1);
		ASSERT_EQ_INT(r.resumed, 1);
		ASSERT_STR_CONTAINS(r.desc, ", resumed");
	}
}

TEST(resume_tls12)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli c = { .maxv = "1.2", .mode = CLI_CLEAN };
	struct srv_result r;
	SSL_SESSION *s = conn_ok(ctx, &c, &r);

	resume_n(ctx, s, "1.2", 3);
	SSL_SESSION_free(s);
}

TEST(resume_tls13_ticket_reuse)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli c = { .mode = CLI_CLEAN };
	struct srv_result r;
	SSL_SESSION *s = conn_ok(ctx, &c, &r);

	ASSERT_EQ_INT(SSL_SESSION_get_protocol_version(s), TLS1_3_VERSION);
	/* the same ticket, again and again (a data connection each time) */
	resume_n(ctx, s, NULL, 5);
	SSL_SESSION_free(s);
}

TEST(other_ctx_does_not_resume)
{
	struct tls_ctx *a = ctx_ok(NULL), *b = ctx_ok(NULL);
	const char *v[] = { "1.2", "1.3" };
	struct srv_result r;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct cli c1 = { .maxv = v[i], .mode = CLI_CLEAN };
		SSL_SESSION *s = conn_ok(a, &c1, &r);
		struct cli c2 = { .maxv = v[i], .sess = s, .mode = CLI_CLEAN };

		conn_ok(b, &c2, &r);
		ASSERT_EQ_INT(r.resumed, 0);
		ASSERT_EQ_INT(c2.resumed, 0);
		ASSERT_STR_CONTAINS(r.desc, "new session");
		SSL_SESSION_free(c2.got);
		SSL_SESSION_free(s);
	}
}

TEST(session_reuse_off)
{
	struct tls_ctx *ctx = ctx_ok(KV("tls_session_reuse", "off"));
	const char *v[] = { "1.2", "1.3" };
	struct srv_result r;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct cli c1 = { .maxv = v[i], .mode = CLI_CLEAN };
		SSL_SESSION *s = conn_ok(ctx, &c1, &r);
		struct cli c2 = { .maxv = v[i], .sess = s, .mode = CLI_CLEAN };

		conn_ok(ctx, &c2, &r);
		ASSERT_EQ_INT(r.resumed, 0);
		SSL_SESSION_free(c2.got);
		SSL_SESSION_free(s);
	}
}

TEST(alpn_strict)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli http = { .alpn = "\x08http/1.1", .alpnlen = 9, .mode = CLI_CLEAN };
	struct cli both = { .alpn = "\x08http/1.1\x03" "ftp", .alpnlen = 13, .mode = CLI_CLEAN };
	struct cli http12 = { .maxv = "1.2", .alpn = "\x02h2", .alpnlen = 3, .mode = CLI_CLEAN };
	struct srv_result r;

	conn(ctx, SRV_ECHO, 5, &http, &r);
	ASSERT_EQ_INT(r.ok, 0);
	ASSERT_EQ_INT(http.ok, 0);
	ASSERT_TRUE(r.why[0] != '\0');
	conn(ctx, SRV_ECHO, 5, &http12, &r);
	ASSERT_EQ_INT(r.ok, 0);
	conn_ok(ctx, &both, &r);
	ASSERT_STR_CONTAINS(r.desc, ", ALPN ftp");
	SSL_SESSION_free(both.got);
}

TEST(alpn_off)
{
	struct tls_ctx *ctx = ctx_ok(KV("tls_alpn", "off"));
	struct cli http = { .alpn = "\x08http/1.1", .alpnlen = 9, .mode = CLI_CLEAN };
	struct srv_result r;

	conn_ok(ctx, &http, &r);
	ASSERT_TRUE(strstr(r.desc, "ALPN") == NULL);
	SSL_SESSION_free(http.got);
}

TEST(sni_list)
{
	struct tls_ctx *ctx = ctx_ok(KV("tls_sni_names", "ftp.example.org, Files.Example.NET"));
	struct cli bad = { .sni = "www.example.org", .mode = CLI_CLEAN };
	struct cli bad12 = { .maxv = "1.2", .sni = "ftp.example.or", .mode = CLI_CLEAN };
	struct cli good = { .sni = "FTP.example.org", .mode = CLI_CLEAN };
	struct cli good2 = { .maxv = "1.2", .sni = "files.example.net", .mode = CLI_CLEAN };
	struct cli none = { .mode = CLI_CLEAN };
	struct srv_result r;

	conn(ctx, SRV_ECHO, 5, &bad, &r);
	ASSERT_EQ_INT(r.ok, 0);
	ASSERT_EQ_INT(bad.ok, 0);
	conn(ctx, SRV_ECHO, 5, &bad12, &r);
	ASSERT_EQ_INT(r.ok, 0);
	conn_ok(ctx, &good, &r);
	ASSERT_STR_CONTAINS(r.desc, ", SNI FTP.example.org");
	conn_ok(ctx, &good2, &r);
	conn_ok(ctx, &none, &r);
	SSL_SESSION_free(good.got);
	SSL_SESSION_free(good2.got);
	SSL_SESSION_free(none.got);
}

TEST(describe_sanitizes_sni)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	char longname[120];
	struct cli odd = { .sni = "a\x1b[1mb c", .mode = CLI_CLEAN };
	struct cli lng = { .sni = longname, .mode = CLI_CLEAN };
	struct srv_result r;

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	conn_ok(ctx, &odd, &r);
	ASSERT_STR_CONTAINS(r.desc, ", SNI a?[1mb?c");
	conn_ok(ctx, &lng, &r);
	ASSERT_STR_CONTAINS(r.desc, ", SNI nnnn");
	ASSERT_EQ_INT(strlen(strstr(r.desc, ", SNI ")), 6 + 64);
	SSL_SESSION_free(odd.got);
	SSL_SESSION_free(lng.got);
}

TEST(min_version_13)
{
	struct tls_ctx *ctx = ctx_ok(KV("tls_min_version", "1.3"));
	struct cli old = { .maxv = "1.2", .mode = CLI_CLEAN };
	struct cli cur = { .mode = CLI_CLEAN };
	struct srv_result r;

	conn(ctx, SRV_ECHO, 5, &old, &r);
	ASSERT_EQ_INT(r.ok, 0);
	ASSERT_EQ_INT(old.ok, 0);
	ASSERT_STR_CONTAINS(r.why, "protocol");
	conn_ok(ctx, &cur, &r);
	SSL_SESSION_free(cur.got);
}

TEST(max_version_12)
{
	struct tls_ctx *ctx = ctx_ok(KV("tls_max_version", "1.2"));
	struct cli c = { .mode = CLI_CLEAN };
	struct srv_result r;

	conn_ok(ctx, &c, &r);
	ASSERT_STR_CONTAINS(r.desc, "TLSv1.2 ");
	SSL_SESSION_free(c.got);
}

TEST(eof_clean_and_unclean)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli dirty = { .mode = CLI_DIRTY };
	struct cli dirty12 = { .maxv = "1.2", .mode = CLI_DIRTY };
	struct srv_result r;

	conn(ctx, SRV_ECHO, 5, &dirty, &r);
	ASSERT_EQ_INT(r.ok, 1);
	ASSERT_EQ_INT(r.r1, 3);
	ASSERT_EQ_INT(r.r2, -1);
	ASSERT_EQ_INT(r.eof2, 0);
	ASSERT_EQ_INT(r.shut, -1);
	conn(ctx, SRV_ECHO, 5, &dirty12, &r);
	ASSERT_EQ_INT(r.r2, -1);
	ASSERT_EQ_INT(r.eof2, 0);
	SSL_SESSION_free(dirty.got);
	SSL_SESSION_free(dirty12.got);
}

TEST(shutdown_wait)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli answer = { .mode = CLI_ANSWER };
	struct cli silent = { .mode = CLI_SILENT };
	struct srv_result r;

	conn(ctx, SRV_SHUT, 5, &answer, &r);
	ASSERT_TRUE(answer.ok);
	ASSERT_EQ_INT(r.shut, 0);
	conn(ctx, SRV_SHUT, 5, &silent, &r);
	ASSERT_TRUE(silent.ok);
	ASSERT_EQ_INT(r.shut, -1);
	ASSERT_TRUE(r.secs > 0.8 && r.secs < 3);
	SSL_SESSION_free(answer.got);
	SSL_SESSION_free(silent.got);
}

TEST(read_stall_timeout)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli c = { .mode = CLI_SILENT };
	struct srv_result r;

	conn(ctx, SRV_STALL, 5, &c, &r);
	ASSERT_TRUE(c.ok);
	ASSERT_EQ_INT(r.r1, -1);
	ASSERT_EQ_INT(r.eof1, 0);
	ASSERT_TRUE(r.secs > 0.8 && r.secs < 3);
	SSL_SESSION_free(c.got);
}

TEST(handshake_timeout)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli c = { .mode = CLI_NONE };
	struct srv_result r;

	conn(ctx, SRV_ECHO, 1, &c, &r);
	ASSERT_EQ_INT(r.ok, 0);
	ASSERT_STR_CONTAINS(r.why, "timed out");
	ASSERT_TRUE(r.secs > 0.8 && r.secs < 3);
}

TEST(large_transfer)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct cli c = { .mode = CLI_BIG };
	struct srv_result r;

	conn(ctx, SRV_BIG, 5, &c, &r);
	ASSERT_TRUE(c.ok);
	ASSERT_EQ_INT(r.r1, 3);
	ASSERT_EQ_INT(r.r2, 0);
	ASSERT_EQ_INT(r.shut, 0);
	SSL_SESSION_free(c.got);
}

TEST(rsa_and_ecdsa)
{
	struct tls_ctx *ctx = ctx_ok(KV("tls_cert2_file", ec_pem));
	const char *v[] = { "1.2", "1.3" };
	struct srv_result r;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct cli ec = { .maxv = v[i], .sigalgs = "ECDSA+SHA256", .mode = CLI_CLEAN };
		struct cli rsa = { .maxv = v[i], .sigalgs = "rsa_pss_rsae_sha256",
		    .mode = CLI_CLEAN };

		conn_ok(ctx, &ec, &r);
		ASSERT_EQ_INT(ec.peer_type, EVP_PKEY_EC);
		conn_ok(ctx, &rsa, &r);
		ASSERT_EQ_INT(rsa.peer_type, EVP_PKEY_RSA);
		SSL_SESSION_free(ec.got);
		SSL_SESSION_free(rsa.got);
	}
}

TEST(client_certificate_digest)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	const char *v[] = { "1.2", "1.3" };
	struct srv_result r;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct cli c = { .maxv = v[i], .cert = 1, .mode = CLI_CLEAN };
		SSL_SESSION *s = conn_ok(ctx, &c, &r);
		struct cli again = { .maxv = v[i], .cert = 1, .sess = s, .mode = CLI_CLEAN };

		ASSERT_EQ_INT(r.has_digest, 1);
		ASSERT_MEM_EQ(r.digest, rsa_digest, TLS_DIGEST_LEN);
		/* a resumed data connection carries the control's certificate */
		conn_ok(ctx, &again, &r);
		ASSERT_EQ_INT(r.resumed, 1);
		ASSERT_EQ_INT(r.has_digest, 1);
		ASSERT_MEM_EQ(r.digest, rsa_digest, TLS_DIGEST_LEN);
		SSL_SESSION_free(again.got);
		SSL_SESSION_free(s);
	}
}

TEST(plaintext_client)
{
	struct tls_ctx *ctx = ctx_ok(NULL);
	struct tls_conn *t;
	char why[256];
	int sv[2];

	/* no fork needed: the "client" line is already waiting */
	ASSERT_TRUE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ASSERT_EQ_INT(write(sv[0], "USER anonymous\r\n", 16), 16);
	t = tls_accept(ctx, sv[1], 0, 2, why, sizeof(why));
	ASSERT_TRUE(t == NULL);
	ASSERT_STR_CONTAINS(why, "wrong version number");
	close(sv[0]);
	close(sv[1]);
}

TEST(error_text)
{
	char out[100];

	ERR_clear_error();
	tls_error(out, sizeof(out));
	ASSERT_TRUE(out[0] != '\0');
	ERR_raise(ERR_LIB_SSL, SSL_R_NO_SHARED_CIPHER);
	tls_error(out, sizeof(out));
	ASSERT_STR_CONTAINS(out, "no shared cipher");
	ASSERT_EQ_INT(ERR_peek_error(), 0);
}
