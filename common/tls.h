/*
 * tls.h: TLS for the control and data connections (RFC 4217), behind a narrow
 * interface.  This header and tls.c are the only places that know OpenSSL.
 *
 * One tls_ctx is built per session by the monitor (root: it reads the keys)
 * before any fork, so every process of the session shares its certificate and
 * its session-ticket key.  The ticket key is random per session, and the
 * session-ID cache holds only this session's TLS sessions: a data connection
 * can resume only a TLS session issued on this control connection.
 */
#ifndef FTPD_TLS_H
#define FTPD_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "ipc.h"

struct conf;
struct tls_ctx;
struct tls_conn;

#define TLS_DIGEST_LEN	32	/* SHA-256 of a peer certificate */

/* what a connection is for (tls_accept) */
#define TLS_CONTROL	0
#define TLS_DATA	1
#define TLS_DATA_UPLOAD	2

/*
 * Build the session's context from C's tls_* keywords: certificate chains and
 * keys (RSA and/or ECDSA), protocol versions, TLS 1.2 ciphers, TLS 1.3 suites,
 * groups, strict ALPN "ftp", optional required SNI names, no compression, no
 * client renegotiation, stateless tickets with a fresh random key.  Returns
 * NULL with ERR if no certificate is configured (ERR empty) or on any load
 * error (ERR says what).  With REMOTE_KEYS the context holds no private key:
 * stand-ins ask the monitor for each signature (the server's way; the key
 * process loads and checks the keys), else it loads them itself (tests).
 */
struct tls_ctx	*tls_ctx_new(const struct conf *c, int remote_keys, char *err, size_t errsz);
/* Is a certificate configured at all (tls_cert_file or tls_cert2_file)? */
int		 tls_configured(const struct conf *c);

/*
 * The private keys (tls_key.c).  Only a signer holds them (tls_keys_*,
 * ftpd/keyproc.c); every other process's context has stand-ins whose signatures are asked of
 * the monitor on FD (tls_sign_via()), as SELF (IPC_TLS, or IPC_USR for the
 * user process and its transfer processes).
 */
#define TLS_SIGN_RSA_PKCS1	1	/* RSASSA-PKCS1-v1_5: the DigestInfo, padded here */
#define TLS_SIGN_RSA_PSS	2	/* a raw operation on an EMSA-PSS encoding */
#define TLS_SIGN_ECDSA		3	/* the digest */
struct tls_keys;
struct x509_st;
struct evp_pkey_st;
/* Load and check the private keys of C's certificates; NULL with ERR. */
struct tls_keys	*tls_keys_load(const struct conf *c, char *err, size_t errsz);
/* Sign IN (N bytes) as KIND (TLS_SIGN_*) into OUT; its length, or -1 if refused. */
int		 tls_keys_sign(struct tls_keys *k, int kind, const void *in, size_t n,
		    struct buf *out);
void		 tls_keys_free(struct tls_keys *k);
/* A key with CERT's public key whose private operations go to the monitor. */
struct evp_pkey_st *tls_proxy_key(struct x509_st *cert);
/* Where this process's stand-in keys ask for signatures. */
void		 tls_sign_via(int fd, enum ipc_peer self);
/* Did the monitor refuse this process's last signature (no handshake left)? */
int		 tls_sign_was_refused(void);

/*
 * Server handshake on FD (blocking; TIMEOUT seconds at most).  Returns the
 * connection, or NULL with a reason for syslog in WHY (OpenSSL's text: never
 * for the client).  The FTP client is always the TLS client, on data
 * connections too (RFC 4217 7).  DATA is TLS_CONTROL, TLS_DATA or
 * TLS_DATA_UPLOAD; an upload's connection is sent no session ticket.
 */
struct tls_conn	*tls_accept(struct tls_ctx *ctx, int fd, int data, int timeout,
		    char *why, size_t whysz);
/*
 * Does the client on FD start a TLS handshake?  Waits at most TIMEOUT
 * seconds for its first byte, without taking it: 1 if that byte begins a TLS
 * handshake record, 0 if it is anything else (FTP in plain text, HTTP...),
 * -1 if nothing came (closed, timed out).
 */
int		 tls_client_speaks_tls(int fd, int timeout);
/*
 * The connection's TLS session (TLS 1.2 session-ID resumption), serialised
 * into OUT; -1 if it has none to resume.  The bytes hold the session's master
 * secret: they go only to a process of the same session, which holds the
 * ticket key anyway.
 */
int		 tls_session_export(const struct tls_conn *t, struct buf *out);
/* Let data connections of this process resume that session by ID; -1 if unusable. */
int		 tls_session_import(struct tls_ctx *ctx, const void *der, size_t n);
/* Did the handshake resume an earlier session (of this control connection)? */
int		 tls_resumed(const struct tls_conn *t);
/* SHA-256 of the peer's certificate into OUT; 0 if it sent one, -1 if none. */
int		 tls_peer_digest(const struct tls_conn *t, unsigned char out[TLS_DIGEST_LEN]);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384, resumed" (for syslog and STAT). */
void		 tls_describe(const struct tls_conn *t, char *out, size_t outsz);

/*
 * Read up to N bytes.  Returns >0 bytes, 0 on a clean close (close_notify),
 * -1 on error or an unclean end (a TCP close without close_notify); the
 * caller can tell the two apart with tls_clean_eof().  -1 with errno EAGAIN:
 * no whole record came within the read timeout (tls_set_timeouts()).
 */
ssize_t		 tls_read(struct tls_conn *t, void *p, size_t n);
/* Write all N bytes; -1 on error (errno EAGAIN: not within the write timeout). */
ssize_t		 tls_write(struct tls_conn *t, const void *p, size_t n);
/*
 * On a non-blocking descriptor (the control connection): how long one
 * tls_read() may wait for the rest of a record (0: not at all, it fails with
 * errno EAGAIN and the connection goes on) and one tls_write() for the peer to
 * take its bytes.  -1 (the default): wait as long as the descriptor blocks.
 */
void		 tls_set_timeouts(struct tls_conn *t, int rd_ms, int wr_ms);
/* Does the kernel encrypt what this (data) connection sends (kernel TLS)? */
int		 tls_ktls_send(const struct tls_conn *t);
/*
 * Over kernel TLS only: send up to N bytes of file FD from offset OFF
 * (SSL_sendfile).  Returns the bytes sent, 0 at the end of the file, -1 on error.
 */
ssize_t		 tls_sendfile(struct tls_conn *t, int fd, off_t off, size_t n);
/* Bytes already decrypted and waiting (check before poll()). */
int		 tls_pending(const struct tls_conn *t);
/* Did the last tls_read() end with the peer's close_notify? */
int		 tls_clean_eof(const struct tls_conn *t);
/* Did tls_read() fail because the peer closed TCP without close_notify? */
int		 tls_tcp_eof(const struct tls_conn *t);
/*
 * Send close_notify; if WAIT, also wait (up to TIMEOUT seconds) for the
 * peer's.  Returns 0 if the close was clean both ways (when WAIT).
 */
int		 tls_shutdown(struct tls_conn *t, int wait, int timeout);
/*
 * CCC: send close_notify, and read the peer's if it sends one (within
 * TIMEOUT seconds), but stop at the first byte that cannot start a TLS
 * record: a client may go on in plaintext without a close_notify of its own,
 * and that plaintext is left unread on the socket.  -1 on error.
 */
int		 tls_clear(struct tls_conn *t, int timeout);
/* Free T (the descriptor is not closed). */
void		 tls_free(struct tls_conn *t);
/* What the login policy needs to know of a client certificate. */
#define CERT_MAX_NAMES	8
#define CERT_NAME_MAX	256
struct cert_info {
	char	 subject[512];		/* "/C=../O=../CN=.." (OpenSSL one-line form) */
	char	 issuer[512];
	char	 fingerprint[3 * TLS_DIGEST_LEN];	/* "AB:CD:..." SHA-256 */
	int	 ncn, nemail, ndns;
	char	 cn[CERT_MAX_NAMES][CERT_NAME_MAX];	/* subject commonName(s) */
	char	 email[CERT_MAX_NAMES][CERT_NAME_MAX];	/* subjectAltName rfc822Name */
	char	 dns[CERT_MAX_NAMES][CERT_NAME_MAX];	/* subjectAltName dNSName */
};

/*
 * The control connection's handshake messages (as tls_proof_check() wants
 * them) appended to OUT; -1 if there are none or they did not fit.
 */
int		 tls_transcript(const struct tls_conn *t, struct buf *out);
/*
 * The monitor's proof that the client of a control handshake holds the key
 * of its certificate: TRANSCRIPT (tls_transcript(), from the control
 * process) must be a TLS 1.3 handshake whose server CertificateVerify
 * carries SERVER_SIG, the signature the monitor had made for this session's
 * control handshake, and whose client CertificateVerify verifies with the
 * key of the client's certificate.  That certificate (DER) goes to DER.
 * 0, or -1 with the reason in WHY.
 */
int		 tls_proof_check(const void *transcript, size_t n, const void *server_sig,
		    size_t siglen, struct buf *der, char *why, size_t whysz);
/* The peer's certificate (DER) appended to OUT; -1 if it sent none. */
int		 tls_peer_der(const struct tls_conn *t, struct buf *out);
/*
 * Check a client certificate (DER, N bytes) as the login policy must (monitor
 * only): parse it, fill CI, and verify it against tls_ca_file / tls_ca_dir,
 * tls_crl_file and tls_verify_depth for TLS client use (validity dates, key
 * usage, extended key usage).  Names holding a NUL, or too many of them, are
 * refused.  Returns 0 if acceptable; -1 with a reason fit for the client in WHY
 * (CI is filled as far as the certificate could be read).
 */
int		 tls_cert_check(const struct conf *c, const void *der, size_t n,
		    struct cert_info *ci, char *why, size_t whysz);

/* The last OpenSSL error text, for syslog only. */
void		 tls_error(char *out, size_t outsz);

#endif
