/*
 * tls.c: FTP over TLS (RFC 4217) with OpenSSL, behind the interface of tls.h.
 *
 * Owns every use of OpenSSL in the daemon: the session's SSL_CTX (protocol
 * versions, ciphers, groups, the RSA and ECDSA certificates, strict ALPN and
 * SNI against ALPACA, stateless session tickets under a random key that lives
 * only in this session's context), server handshakes bounded in time, and
 * record I/O with a clean/unclean end of stream told apart.  It never sends
 * OpenSSL's error text to the client: that text goes back to the caller for
 * syslog only, and the client sees at most a TLS alert.  It never closes a
 * descriptor it was given, and keeps no per-process state, so a context built
 * before fork() works the same in every child (tickets issued in one child
 * are accepted in another).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "conf.h"
#include "limits.h"
#include "log.h"
#include "tls.h"

#define TLS_SID_CTX	"ftpd"	/* session id context, the same on every connection */
#define TLS_TICKET_KEYLEN 80	/* key name 16 + HMAC key 32 + AES key 32 */
/*
 * Tickets stay valid this long (OpenSSL's default is 2 hours): clients resume
 * the control connection's session for every data connection of a long
 * session, and the key dies with the session anyway.
 */
#define TLS_SESSION_LIFETIME 86400L
#define TLS_SNI_SHOW	64	/* bytes of a client's SNI shown by tls_describe() */
#define TLS_ERRTEXT_MAX	1024	/* OpenSSL error text kept for one message */
#define TLS_IO_MAX	(1 << 30)	/* bytes per SSL_read/SSL_write call (an int) */
#define TLS_READ_AHEAD	(64 * 1024)	/* a data connection's read(2) size: four records;
				   256 KiB cost a third more CPU per uploaded byte
				   (buffers that leave the CPU cache) */
#define TLS_SESSION_CACHE 64	/* TLS 1.2 sessions a process keeps by ID: the control
				   connection's and its data connections' full handshakes */

struct tls_ctx {
	SSL_CTX	*ssl;
	char	*sni_names;	/* accepted SNI names (space/comma list); NULL: any */
};

struct tls_conn {
	SSL	*ssl;
	int	 fd;
	int	 clean_eof;	/* the last tls_read() saw close_notify */
	int	 eof_next;	/* close_notify came in mid-batch: report it next */
	int	 bulk;		/* a data connection */
	int	 failed;	/* fatal error: SSL_shutdown() must not be called */
	int	 tcp_eof;	/* the peer closed TCP without close_notify */
	int	 rd_ms, wr_ms;	/* tls_set_timeouts(); -1: as the descriptor blocks */
	struct buf transcript;	/* control: the handshake's messages, for tls_transcript() */
	int	 transcript_bad;	/* ...which did not fit */
};

/*
 * The control connection's handshake messages, both ways, in the order they
 * were sent and received: the monitor checks the client's CertificateVerify
 * over them (tls_proof_check()), so that a certificate login proves the
 * client holds the key.
 */
static void
transcript_cb(int write_p, int version, int content_type, const void *p, size_t n,
    SSL *ssl, void *arg)
{
	struct tls_conn *t = arg;

	if (content_type != SSL3_RT_HANDSHAKE || t->transcript_bad)
		return;
	if (buf_append(&t->transcript, p, n) == -1)
		t->transcript_bad = 1;
}

/* Append OpenSSL's error queue (emptying it) to B, entries joined by "; ". */
static void
err_queue(struct buf *b)
{
	char line[256];
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, line, sizeof(line));
		if (buf_appendf(b, "%s%s", b->len > 0 ? "; " : "", line) == -1)
			break;
	}
	ERR_clear_error();
}

/* ERR = "WHAT: <OpenSSL's reasons>" (or just WHAT if the queue is empty). */
static void
err_set(char *err, size_t errsz, const char *what)
{
	struct buf b = BUF_INIT(TLS_ERRTEXT_MAX);

	err_queue(&b);
	if (b.len > 0)
		str_fmt(err, errsz, "%s: %s", what, buf_cstr(&b));
	else
		str_copy(err, errsz, what);
	buf_free(&b);
}

int
tls_configured(const struct conf *c)
{
	return (c->tls_cert_file != NULL && c->tls_cert_file[0] != '\0') ||
	    (c->tls_cert2_file != NULL && c->tls_cert2_file[0] != '\0');
}

/* A tls_version setting as an OpenSSL version number. */
static int
version_of(enum tls_version v)
{
	static const int tab[] = {
		[TLSV_1_0] = TLS1_VERSION, [TLSV_1_1] = TLS1_1_VERSION,
		[TLSV_1_2] = TLS1_2_VERSION, [TLSV_1_3] = TLS1_3_VERSION,
	};

	return tab[v];
}

/* Versions, options, TLS 1.2 ciphers, TLS 1.3 suites and groups. */
static int
ctx_protocol(SSL_CTX *ctx, const struct conf *c, char *err, size_t errsz)
{
	int lo = version_of(c->tls_min_version), hi = version_of(c->tls_max_version);

	if (lo > hi) {
		str_fmt(err, errsz, "tls_min_version %s and tls_max_version %s: not a valid range",
		    conf_enum_word("tls_min_version", c->tls_min_version),
		    conf_enum_word("tls_max_version", c->tls_max_version));
		return -1;
	}
	if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
		err_set(err, errsz, "tls_min_version/tls_max_version: not supported");
		return -1;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_clear_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	if (SSL_CTX_set_cipher_list(ctx, c->tls_ciphers) != 1) {
		err_set(err, errsz, "tls_ciphers: no usable cipher in the list");
		return -1;
	}
	if (SSL_CTX_set_ciphersuites(ctx, c->tls_ciphersuites) != 1) {
		err_set(err, errsz, "tls_ciphersuites: bad TLS 1.3 cipher suite list");
		return -1;
	}
	if (SSL_CTX_set1_groups_list(ctx, c->tls_groups) != 1) {
		err_set(err, errsz, "tls_groups: bad group list");
		return -1;
	}
	return 0;
}

/* Never ask for a passphrase (there is no terminal): an encrypted key fails. */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	return -1;
}

/*
 * The system's CAs, looked up as OpenSSL does by default (SSL_CERT_DIR or the
 * hashed directory, and SSL_CERT_FILE if set): only the files a lookup needs
 * are read, not the whole bundle.  NULL if it cannot be set up.
 */
static X509_STORE *
system_cas(void)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	const char *file = getenv(X509_get_default_cert_file_env());
	X509_STORE *store = X509_STORE_new();
	X509_LOOKUP *lu;

	if (store == NULL)
		return NULL;
	if ((lu = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir())) != NULL)
		X509_LOOKUP_add_dir(lu, dir != NULL ? dir : X509_get_default_cert_dir(),
		    X509_FILETYPE_PEM);
	if (file != NULL && (lu = X509_STORE_add_lookup(store, X509_LOOKUP_file())) != NULL)
		X509_LOOKUP_load_file(lu, file, X509_FILETYPE_PEM);
	ERR_clear_error();
	return store;
}

/*
 * Warn if the certificate just loaded cannot be tied to its issuer: neither
 * the file's chain nor the system's CAs hold the certificate that signed it
 * (an intermediate left out).  A certificate signed directly by a root CA
 * that clients know, or followed by its intermediates, is complete.
 */
static void
chain_check(SSL_CTX *ctx, const char *kw, const char *file)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf = SSL_CTX_get0_certificate(ctx);
	X509_STORE *store;
	X509_STORE_CTX *vc;
	char issuer[256];

	int i;

	if (leaf == NULL || X509_check_issued(leaf, leaf) == X509_V_OK)
		return;		/* self-signed: nothing to complete */
	SSL_CTX_get0_chain_certs(ctx, &chain);
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (X509_check_issued(sk_X509_value(chain, i), leaf) == X509_V_OK)
			return;	/* its issuer follows it: no system CA is looked up */
	store = system_cas();
	vc = X509_STORE_CTX_new();
	if (store != NULL && vc != NULL && X509_STORE_CTX_init(vc, store, leaf, chain) == 1 &&
	    X509_verify_cert(vc) != 1 && sk_X509_num(X509_STORE_CTX_get0_chain(vc)) <= 1) {
		X509_NAME_oneline(X509_get_issuer_name(leaf), issuer, sizeof(issuer));
		log_msg(LOG_WARNING, "%s %s: incomplete certificate chain: the certificate of "
		    "its issuer %s is neither in the file nor among the system's CAs; "
		    "clients may fail to verify it", kw, file, issuer);
	}
	X509_STORE_CTX_free(vc);
	X509_STORE_free(store);
	ERR_clear_error();
}

/*
 * Load one certificate chain and its key (KEY, or CERT if KEY is empty);
 * returns the key type (EVP_PKEY_RSA, EVP_PKEY_EC...) or -1 with ERR.
 */
static int
ctx_pair(SSL_CTX *ctx, const char *ckw, const char *cert, const char *kkw,
    const char *key, int remote, char *err, size_t errsz)
{
	char what[MAX_CONF_VALUE + 64];
	EVP_PKEY *proxy;

	if (key == NULL || key[0] == '\0') {
		key = cert;
		kkw = ckw;
	}
	str_fmt(what, sizeof(what), "%s %s: cannot load the certificate chain",
	    ckw, cert);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		goto fail;
	if (remote) {	/* the key process checks the key against the certificate */
		str_fmt(what, sizeof(what), "%s %s: only RSA and ECDSA keys are supported",
		    ckw, cert);
		if ((proxy = tls_proxy_key(SSL_CTX_get0_certificate(ctx))) == NULL)
			goto fail;
		if (SSL_CTX_use_PrivateKey(ctx, proxy) != 1) {
			EVP_PKEY_free(proxy);
			goto fail;
		}
		EVP_PKEY_free(proxy);
		goto done;
	}
	str_fmt(what, sizeof(what), "%s %s: cannot load the private key", kkw, key);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		goto fail;
	str_fmt(what, sizeof(what), "%s %s: the key does not match %s %s",
	    kkw, key, ckw, cert);
	if (SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
done:
	chain_check(ctx, ckw, cert);
	return EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_CTX_get0_certificate(ctx)));
fail:
	err_set(err, errsz, what);
	return -1;
}

/* The certificates: tls_cert_file and/or tls_cert2_file, of different types. */
static int
ctx_certs(SSL_CTX *ctx, const struct conf *c, int remote, char *err, size_t errsz)
{
	int t1 = 0, t2 = 0;

	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (c->tls_cert_file != NULL && c->tls_cert_file[0] != '\0' &&
	    (t1 = ctx_pair(ctx, "tls_cert_file", c->tls_cert_file,
	    "tls_key_file", c->tls_key_file, remote, err, errsz)) == -1)
		return -1;
	if (c->tls_cert2_file != NULL && c->tls_cert2_file[0] != '\0' &&
	    (t2 = ctx_pair(ctx, "tls_cert2_file", c->tls_cert2_file,
	    "tls_key2_file", c->tls_key2_file, remote, err, errsz)) == -1)
		return -1;
	if (t1 != 0 && t1 == t2) {
		str_fmt(err, errsz, "tls_cert2_file %s: same key type as "
		    "tls_cert_file (one certificate per key type)", c->tls_cert2_file);
		return -1;
	}
	return 0;
}

/*
 * Resumption, both ways a client may ask for it: stateless tickets under a
 * fresh random key (TLS 1.3, and TLS 1.2 clients that send the ticket
 * extension), and TLS 1.2 session IDs (curl with OpenSSL sends no ticket
 * extension).  A ticket can be used again and again, but only with this
 * context.  The session ID cache lives in each process's memory: the control
 * connection's session reaches the user process with tls_session_export() and
 * tls_session_import(), and its transfer processes inherit it by fork().
 * tls_session_reuse off: no resumption at all.
 */
static int
ctx_sessions(SSL_CTX *ctx, const struct conf *c, char *err, size_t errsz)
{
	unsigned char key[TLS_TICKET_KEYLEN];
	int ok;

	if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)TLS_SID_CTX,
	    sizeof(TLS_SID_CTX) - 1) != 1) {
		err_set(err, errsz, "cannot set the TLS session id context");
		return -1;
	}
	SSL_CTX_set_max_early_data(ctx, 0);	/* no 0-RTT: no replays, reusable tickets */
	if (c->tls_session_reuse == REUSE_OFF) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
		return 0;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, TLS_SESSION_CACHE);
	SSL_CTX_set_timeout(ctx, TLS_SESSION_LIFETIME);
	ok = RAND_priv_bytes(key, sizeof(key)) == 1 &&
	    SSL_CTX_set_tlsext_ticket_keys(ctx, key, sizeof(key)) == 1;
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok) {
		err_set(err, errsz, "cannot make a TLS session ticket key");
		return -1;
	}
	return 0;
}

int
tls_session_export(const struct tls_conn *t, struct buf *out)
{
	SSL_SESSION *sess = SSL_get_session(t->ssl);
	unsigned int idlen = 0;
	unsigned char *der = NULL;
	int n, r;

	if (sess == NULL || !SSL_SESSION_is_resumable(sess) ||
	    (SSL_SESSION_get_id(sess, &idlen), idlen == 0) ||
	    (n = i2d_SSL_SESSION(sess, &der)) <= 0) {
		ERR_clear_error();
		return -1;
	}
	r = (size_t)n <= TLS_SESSION_MAX ? buf_append(out, der, (size_t)n) : -1;
	OPENSSL_clear_free(der, (size_t)n);
	return r;
}

int
tls_session_import(struct tls_ctx *ctx, const void *der, size_t n)
{
	const unsigned char *p = der;
	SSL_SESSION *sess;
	int ok;

	if (n == 0 || n > TLS_SESSION_MAX || (sess = d2i_SSL_SESSION(NULL, &p, (long)n)) == NULL) {
		ERR_clear_error();
		return -1;
	}
	ok = p == (const unsigned char *)der + n && SSL_CTX_add_session(ctx->ssl, sess) == 1;
	SSL_SESSION_free(sess);
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* ALPN (strict): select "ftp" if offered; refuse a list without it. */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int i = 0;

	while (i < inlen) {
		unsigned int n = in[i];

		if (n == 0 || n > inlen - i - 1)
			break;
		if (n == 3 && memcmp(in + i + 1, "ftp", 3) == 0) {
			*out = in + i + 1;
			*outlen = 3;
			return SSL_TLSEXT_ERR_OK;
		}
		i += n + 1;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;	/* no_application_protocol */
}

/* Is NAME one of LIST's names (separated by spaces or commas), any case? */
static int
name_listed(const char *list, const char *name)
{
	size_t n, len = strlen(name);

	while (*list != '\0') {
		list += strspn(list, " \t,");
		n = strcspn(list, " \t,");
		if (n > 0 && n == len && strncasecmp(list, name, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

/* SNI: a name the client sends must be listed; no name is fine. */
static int
sni_check(SSL *ssl, int *al, void *arg)
{
	const struct tls_ctx *ctx = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	if (name == NULL || ctx->sni_names == NULL || name_listed(ctx->sni_names, name))
		return SSL_TLSEXT_ERR_OK;
	*al = SSL_AD_UNRECOGNIZED_NAME;
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/*
 * A client certificate is asked for but not required, and not verified here:
 * the monitor checks it for a login (tls_cert_check()), and the data
 * connections are bound to the control connection by its digest
 * (tls_peer_digest()).  One larger than CERT_DER_MAX fails the handshake.
 */
static int
verify_any(int ok, X509_STORE_CTX *store)
{
	X509 *x = X509_STORE_CTX_get_current_cert(store);
	int n;

	/* the monitor checks it; here only its size, which a session ticket must hold */
	if (X509_STORE_CTX_get_error_depth(store) == 0 && x != NULL &&
	    (n = i2d_X509(x, NULL)) > CERT_DER_MAX) {
		log_msg(LOG_NOTICE, "client certificate of %d bytes refused: more than %d",
		    n, CERT_DER_MAX);
		return 0;
	}
	return 1;
}

static void
ctx_callbacks(struct tls_ctx *t, const struct conf *c)
{
	if (c->tls_client_cert != CCERT_NONE) {
		SSL_CTX_set_verify(t->ssl, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
		    verify_any);
		if (c->tls_ca_file != NULL && c->tls_ca_file[0] != '\0')
			SSL_CTX_set_client_CA_list(t->ssl, SSL_load_client_CA_file(c->tls_ca_file));
	}
	if (c->tls_alpn == ALPN_STRICT)
		SSL_CTX_set_alpn_select_cb(t->ssl, alpn_select, NULL);
	if (c->tls_sni_names != NULL && c->tls_sni_names[strspn(c->tls_sni_names,
	    " \t,")] != '\0')
		t->sni_names = xstrdup(c->tls_sni_names);
	SSL_CTX_set_tlsext_servername_callback(t->ssl, sni_check);
	SSL_CTX_set_tlsext_servername_arg(t->ssl, t);
}

struct tls_ctx *
tls_ctx_new(const struct conf *c, int remote_keys, char *err, size_t errsz)
{
	struct tls_ctx *t;

	str_copy(err, errsz, "");
	if (!tls_configured(c))
		return NULL;
	ERR_clear_error();
	t = xcalloc(1, sizeof(*t));
	if ((t->ssl = SSL_CTX_new(TLS_server_method())) == NULL) {
		err_set(err, errsz, "cannot make a TLS context");
		free(t);
		return NULL;
	}
	if (ctx_protocol(t->ssl, c, err, errsz) == -1 ||
	    ctx_certs(t->ssl, c, remote_keys, err, errsz) == -1 ||
	    ctx_sessions(t->ssl, c, err, errsz) == -1) {
		SSL_CTX_free(t->ssl);
		free(t);
		return NULL;
	}
	ctx_callbacks(t, c);
	return t;
}

/* Milliseconds until END (0 if past); -1 (forever) if END is NULL. */
static int
ms_left(const struct timespec *end)
{
	struct timespec now;
	long long ms;

	if (end == NULL)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > TLS_IO_MAX ? TLS_IO_MAX : (int)ms;
}

static void
deadline(struct timespec *end, int seconds)
{
	clock_gettime(CLOCK_MONOTONIC, end);
	end->tv_sec += seconds > 0 ? seconds : 0;
}

/* END set MS milliseconds from now; NULL (no deadline) if MS is negative. */
static const struct timespec *
deadline_ms(struct timespec *end, int ms)
{
	if (ms < 0)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, end);
	end->tv_sec += ms / 1000;
	end->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end->tv_nsec >= 1000000000L) {
		end->tv_sec++;
		end->tv_nsec -= 1000000000L;
	}
	return end;
}

/* Why a TLS call failed with SSL error E (and errno ERRNO_). */
static void
io_why(int e, int errno_, char *why, size_t whysz)
{
	int peer_eof = ERR_GET_REASON(ERR_peek_error()) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING;

	if (e == SSL_ERROR_ZERO_RETURN)
		str_copy(why, whysz, "peer closed the connection (close_notify)");
	else if (peer_eof || (e == SSL_ERROR_SYSCALL && errno_ == 0 &&
	    ERR_peek_error() == 0))
		str_copy(why, whysz, "peer closed the connection");
	else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		str_copy(why, whysz, strerror(errno_));
	else
		err_set(why, whysz, "TLS error");
	ERR_clear_error();
}

/*
 * A call on a blocking descriptor (END is NULL) wants I/O: after a signal,
 * call it again (0); after the caller's SO_RCVTIMEO/SO_SNDTIMEO ran out, fail
 * (-1, errno EAGAIN); if the descriptor is non-blocking after all, wait (1).
 */
static int
io_blocking(int fd, int errno_)
{
	int flags = fcntl(fd, F_GETFL);

	if (errno_ == EINTR)
		return 0;
	if (flags != -1 && (flags & O_NONBLOCK) != 0)
		return 1;
	errno = errno_;
	return -1;
}

/*
 * After a TLS call returned R: wait (until END; NULL: forever) if it wants
 * I/O and return 0 to call it again; else -1 with WHY (if not NULL).
 */
static int
io_wait(struct tls_conn *t, int r, const struct timespec *end, char *why,
    size_t whysz)
{
	int errno_ = errno, e = SSL_get_error(t->ssl, r), n;
	struct pollfd p = { t->fd, POLLIN, 0 };

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		if (end == NULL && (n = io_blocking(t->fd, errno_)) != 1)
			return n;
		if (e == SSL_ERROR_WANT_WRITE)
			p.events = POLLOUT;
		n = poll(&p, 1, ms_left(end));
		if (n > 0 || (n == -1 && errno == EINTR))
			return 0;
		if (why != NULL)
			str_copy(why, whysz, n == 0 ? "timed out" : strerror(errno));
		if (n == 0)
			errno = EAGAIN;	/* not an error of the connection: it may go on */
		return -1;
	}
	if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL)
		t->failed = 1;
	if (why != NULL)
		io_why(e, errno_, why, whysz);
	ERR_clear_error();
	errno = EPIPE;	/* the connection is over, whatever the last system call said */
	return -1;
}

/* Make FD non-blocking; returns its old flags (-1 on error). */
static int
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -1;
	return flags;
}

struct tls_conn *
tls_accept(struct tls_ctx *ctx, int fd, int data, int timeout, char *why, size_t whysz)
{
	struct tls_conn *t;
	struct timespec end;
	int flags, r = -1;

	str_copy(why, whysz, "");
	ERR_clear_error();
	t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->rd_ms = t->wr_ms = -1;
	if ((t->ssl = SSL_new(ctx->ssl)) == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		err_set(why, whysz, "cannot set up the TLS connection");
		goto fail;
	}
	/*
	 * A fresh ticket on every data connection (clients such as curl resume
	 * the newest session they saw), but none on uploads: a client that never
	 * reads would leave the ticket unread, and its close would then reset the
	 * connection and cut its own upload short (curl's "TLS 1.3 upload data loss").
	 */
	if (data == TLS_DATA_UPLOAD)
		SSL_set_num_tickets(t->ssl, 0);
	if (data == TLS_CONTROL) {
		buf_init(&t->transcript, TLS_TRANSCRIPT_MAX);
		SSL_set_msg_callback(t->ssl, transcript_cb);
		SSL_set_msg_callback_arg(t->ssl, t);
	}
	/*
	 * Bulk data: fetch many records per read(2) instead of a header and a
	 * body per 16 KiB record (not on the control connection, whose poll loop
	 * must see every byte that is not yet decrypted on the socket); and
	 * kernel TLS where the kernel has it (the tls module), so that a download
	 * can use SSL_sendfile().  OpenSSL falls back to its own record layer by
	 * itself; tls_describe() logs which one it is.
	 */
	/*
	 * The control connection sits idle for most of a session: its record
	 * buffers (34 KiB) are freed whenever they are empty.
	 */
	if (data == TLS_CONTROL)
		SSL_set_mode(t->ssl, SSL_MODE_RELEASE_BUFFERS);
	if (data != TLS_CONTROL) {
		t->bulk = 1;
		SSL_set_read_ahead(t->ssl, 1);
		SSL_set_default_read_buffer_len(t->ssl, TLS_READ_AHEAD);
		SSL_set_options(t->ssl, SSL_OP_ENABLE_KTLS);
	}
	if ((flags = set_nonblock(fd)) == -1) {
		str_fmt(why, whysz, "fcntl: %s", strerror(errno));
		goto fail;
	}
	deadline(&end, timeout);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_accept(t->ssl)) == 1 || io_wait(t, r, &end, why, whysz) == -1)
			break;
	}
	(void)fcntl(fd, F_SETFL, flags);
	if (r == 1) {
		SSL_set_msg_callback(t->ssl, NULL);	/* the handshake is all it needs */
		return t;
	}
fail:
	SSL_free(t->ssl);
	buf_free(&t->transcript);
	free(t);
	return NULL;
}

int
tls_client_speaks_tls(int fd, int timeout)
{
	struct pollfd p = { fd, POLLIN, 0 };
	struct timespec end;
	unsigned char c;
	ssize_t n;
	int r;

	deadline(&end, timeout);
	for (;;) {
		while ((r = poll(&p, 1, ms_left(&end))) == -1 && errno == EINTR)
			;
		if (r != 1)
			return -1;
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 1)
			return c == 0x16;	/* a handshake record (RFC 8446 5.1) */
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
	}
}

int
tls_resumed(const struct tls_conn *t)
{
	return SSL_session_reused(t->ssl) == 1;
}

int
tls_peer_digest(const struct tls_conn *t, unsigned char out[TLS_DIGEST_LEN])
{
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	unsigned int len = 0;
	unsigned char md[EVP_MAX_MD_SIZE];

	if (x == NULL || X509_digest(x, EVP_sha256(), md, &len) != 1 ||
	    len != TLS_DIGEST_LEN) {
		ERR_clear_error();
		return -1;
	}
	memcpy(out, md, TLS_DIGEST_LEN);
	return 0;
}

int
tls_peer_der(const struct tls_conn *t, struct buf *out)
{
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	unsigned char *der = NULL;
	int n;

	if (x == NULL || (n = i2d_X509(x, &der)) <= 0)
		return -1;
	n = buf_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return n;
}

/* Append up to MAX bytes of P to B, anything but printable ASCII as '?'. */
static void
put_clean(struct buf *b, const unsigned char *p, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++)
		buf_putc(b, p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?');
}

void
tls_describe(const struct tls_conn *t, char *out, size_t outsz)
{
	struct buf b = BUF_INIT(256);
	const unsigned char *alpn = NULL;
	unsigned int alen = 0;
	const char *sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);

	buf_appendf(&b, "%s %s, %s", SSL_get_version(t->ssl),
	    SSL_get_cipher_name(t->ssl), tls_resumed(t) ? "resumed" : "new session");
	SSL_get0_alpn_selected(t->ssl, &alpn, &alen);
	if (alpn != NULL && alen > 0) {
		buf_puts(&b, ", ALPN ");
		put_clean(&b, alpn, alen, TLS_SNI_SHOW);
	}
	if (sni != NULL && sni[0] != '\0') {
		buf_puts(&b, ", SNI ");
		put_clean(&b, (const unsigned char *)sni, strlen(sni), TLS_SNI_SHOW);
	}
	if (t->bulk)
		buf_puts(&b, tls_ktls_send(t) ? ", kernel TLS" : ", TLS in user space");
	str_copy(out, outsz, buf_cstr(&b));
	buf_free(&b);
}

/* After a failed SSL_read() that returned R: is it a TCP close without close_notify? */
static int
read_tcp_eof(const struct tls_conn *t, int r)
{
	int e = SSL_get_error(t->ssl, r);

	return (e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
	    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && r == 0);
}

ssize_t
tls_read(struct tls_conn *t, void *p, size_t n)
{
	struct timespec end;
	const struct timespec *endp;
	size_t got = 0;
	int r, e;

	t->clean_eof = 0;
	if (t->failed) {
		errno = EPIPE;
		return -1;
	}
	if (t->eof_next) {
		t->clean_eof = 1;
		return 0;
	}
	if (n > TLS_IO_MAX)
		n = TLS_IO_MAX;
	endp = deadline_ms(&end, t->rd_ms);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_read(t->ssl, p, (int)n)) > 0)
			break;
		if (SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN) {
			t->clean_eof = 1;
			return 0;
		}
		t->tcp_eof = read_tcp_eof(t, r);
		if (io_wait(t, r, endp, NULL, 0) == -1)
			return -1;
	}
	/* records already read ahead fill the rest of P without waiting */
	for (got = (size_t)r; got < n && SSL_has_pending(t->ssl); got += (size_t)r) {
		ERR_clear_error();
		if ((r = SSL_read(t->ssl, (char *)p + got, (int)(n - got))) > 0)
			continue;
		/* an end or an error is reported by the next call, after these bytes */
		if ((e = SSL_get_error(t->ssl, r)) == SSL_ERROR_ZERO_RETURN)
			t->eof_next = 1;
		else if (e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL) {
			t->tcp_eof = read_tcp_eof(t, r);
			t->failed = 1;
		}
		ERR_clear_error();
		break;
	}
	return (ssize_t)got;
}

int
tls_ktls_send(const struct tls_conn *t)
{
#ifndef OPENSSL_NO_KTLS
	return BIO_get_ktls_send(SSL_get_wbio(t->ssl));
#else
	return 0;
#endif
}

ssize_t
tls_sendfile(struct tls_conn *t, int fd, off_t off, size_t n)
{
	ossl_ssize_t r;

	if (t->failed)
		return -1;
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_sendfile(t->ssl, fd, off, n, 0)) >= 0)
			return r;
		if (io_wait(t, -1, NULL, NULL, 0) == -1)
			return -1;
	}
}

ssize_t
tls_write(struct tls_conn *t, const void *p, size_t n)
{
	const unsigned char *q = p;
	struct timespec end;
	const struct timespec *endp = deadline_ms(&end, t->wr_ms);
	size_t left = n;
	int r, chunk;

	if (t->failed)
		return -1;
	while (left > 0) {
		chunk = left > TLS_IO_MAX ? TLS_IO_MAX : (int)left;
		ERR_clear_error();
		if ((r = SSL_write(t->ssl, q, chunk)) > 0) {
			q += r;
			left -= (size_t)r;
		} else if (io_wait(t, r, endp, NULL, 0) == -1)
			return -1;
	}
	return (ssize_t)n;
}

void
tls_set_timeouts(struct tls_conn *t, int rd_ms, int wr_ms)
{
	t->rd_ms = rd_ms;
	t->wr_ms = wr_ms;
}

int
tls_pending(const struct tls_conn *t)
{
	return SSL_pending(t->ssl);
}

int
tls_clean_eof(const struct tls_conn *t)
{
	return t->clean_eof;
}

int
tls_tcp_eof(const struct tls_conn *t)
{
	return t->tcp_eof;
}

/* Read (and drop) until the peer's close_notify; 0 if it came before END. */
static int
shutdown_wait(struct tls_conn *t, const struct timespec *end)
{
	char junk[4096];
	int r;

	while ((SSL_get_shutdown(t->ssl) & SSL_RECEIVED_SHUTDOWN) == 0) {
		ERR_clear_error();
		if ((r = SSL_read(t->ssl, junk, sizeof(junk))) > 0)
			continue;
		if (SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN)
			break;
		if (io_wait(t, r, end, NULL, 0) == -1)
			return -1;
	}
	t->clean_eof = 1;
	return 0;
}

/* Send our close_notify (non-blocking descriptor, until END); -1 if it failed. */
static int
send_close_notify(struct tls_conn *t, const struct timespec *end)
{
	int r;

	for (;;) {
		ERR_clear_error();
		if ((r = SSL_shutdown(t->ssl)) >= 0)
			return 0;
		if (io_wait(t, r, end, NULL, 0) == -1)
			return -1;
	}
}

int
tls_shutdown(struct tls_conn *t, int wait, int timeout)
{
	struct timespec end;
	int flags, r;

	if (t->failed || (flags = set_nonblock(t->fd)) == -1)
		return -1;
	deadline(&end, timeout);
	if ((r = send_close_notify(t, &end)) == 0 && wait)
		r = shutdown_wait(t, &end);
	(void)fcntl(t->fd, F_SETFL, flags);
	return r;
}

/*
 * May the next byte on the socket start a TLS record: an alert in clear
 * (TLS 1.2) or an encrypted record (TLS 1.3)?  A command line never starts
 * with these control characters.  0: no, 1: yes, -1: nothing came before END.
 */
static int
tls_record_next(int fd, const struct timespec *end)
{
	struct pollfd p = { fd, POLLIN, 0 };
	unsigned char c;
	int r;

	while ((r = poll(&p, 1, ms_left(end))) == -1 && errno == EINTR)
		;
	if (r != 1 || recv(fd, &c, 1, MSG_PEEK) != 1)
		return -1;
	return c == 0x15 || c == 0x17;
}

/* Read one record of the peer's (until END); -1 if none could be read. */
static int
read_record(struct tls_conn *t, const struct timespec *end)
{
	char junk[4096];
	int r;

	for (;;) {
		ERR_clear_error();
		if ((r = SSL_read(t->ssl, junk, sizeof(junk))) > 0 ||
		    SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (io_wait(t, r, end, NULL, 0) == -1)
			return -1;
	}
}

int
tls_clear(struct tls_conn *t, int timeout)
{
	struct timespec end;
	int flags, r;

	if (t->failed || (flags = set_nonblock(t->fd)) == -1)
		return -1;
	deadline(&end, timeout);
	r = send_close_notify(t, &end);
	/* the peer's close_notify, if it sends one; its plaintext stays unread */
	while (r == 0 && (SSL_get_shutdown(t->ssl) & SSL_RECEIVED_SHUTDOWN) == 0 &&
	    tls_record_next(t->fd, &end) == 1 && read_record(t, &end) == 0)
		;
	ERR_clear_error();
	(void)fcntl(t->fd, F_SETFL, flags);
	return r;
}

void
tls_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	buf_free(&t->transcript);
	free(t);
}

int
tls_transcript(const struct tls_conn *t, struct buf *out)
{
	if (t->transcript_bad || t->transcript.len == 0)
		return -1;
	return buf_append(out, t->transcript.p, t->transcript.len);
}

void
tls_error(char *out, size_t outsz)
{
	struct buf b = BUF_INIT(TLS_ERRTEXT_MAX);

	err_queue(&b);
	str_copy(out, outsz, b.len > 0 ? buf_cstr(&b) : "no TLS error recorded");
	buf_free(&b);
}
