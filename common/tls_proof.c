/*
 * tls_proof.c: the monitor's own check that a certificate login's client
 * holds the certificate's private key (RFC 8446 4.4.3).
 *
 * The control process runs the handshake and could report any certificate
 * it has seen; what it cannot make is the client's CertificateVerify, a
 * signature with the client's key over the transcript, which includes the
 * server's CertificateVerify, a signature the monitor itself had made for
 * this session (and a fresh one: RSA-PSS and ECDSA signatures are
 * randomised).  So the monitor takes the handshake's messages, finds its own
 * signature in them, and verifies the client's signature over their hash
 * with the public key of the certificate they carry.  TLS 1.3 only: in TLS
 * 1.2 a signature could be replayed from another session's transcript.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "log.h"
#include "tls.h"

#define HS_CLIENT_HELLO		1
#define HS_SERVER_HELLO		2
#define HS_ENCRYPTED_EXT	8
#define HS_CERTIFICATE		11
#define HS_CERT_REQUEST		13
#define HS_CERT_VERIFY		15
#define HS_FINISHED		20
#define HS_MESSAGE_HASH		254
#define HS_MAX_MSGS		16	/* a TLS 1.3 handshake has at most 12 before the tickets */

struct hs_msg {
	int			 type;
	const unsigned char	*p;	/* the whole message, its 4-byte header included */
	size_t			 len;
	const unsigned char	*body;
	size_t			 bodylen;
};

/* ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3) */
static const unsigned char hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65,
	0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2,
	0xc8, 0xa8, 0x33, 0x9c,
};

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static size_t
get24(const unsigned char *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* Split P (N bytes) into handshake messages; their number, or -1. */
static int
hs_split(const unsigned char *p, size_t n, struct hs_msg *m, int max)
{
	int k = 0;

	while (n > 0) {
		size_t len;

		if (n < 4 || k == max || (len = get24(p + 1)) > n - 4)
			return -1;
		m[k].type = p[0];
		m[k].p = p;
		m[k].len = len + 4;
		m[k].body = p + 4;
		m[k].bodylen = len;
		k++;
		p += len + 4;
		n -= len + 4;
	}
	return k;
}

/* The transcript hash of a TLS 1.3 cipher suite (RFC 8446 B.4). */
static const EVP_MD *
suite_md(unsigned suite)
{
	return suite == 0x1302 ? EVP_sha384() : suite >= 0x1301 && suite <= 0x1305 ?
	    EVP_sha256() : NULL;
}

/* ServerHello: its random (32 bytes) and cipher suite; -1 if malformed. */
static int
server_hello(const struct hs_msg *m, const unsigned char **random, unsigned *suite)
{
	size_t sid;

	if (m->type != HS_SERVER_HELLO || m->bodylen < 2 + 32 + 1)
		return -1;
	*random = m->body + 2;
	sid = m->body[34];
	if (m->bodylen < 35 + sid + 2)
		return -1;
	*suite = get16(m->body + 35 + sid);
	return 0;
}

/*
 * The transcript hash (MD) of messages M[0..upto] (RFC 8446 4.4.1): with a
 * HelloRetryRequest, the first ClientHello is replaced by its message_hash.
 */
static int
hs_hash(const EVP_MD *md, const struct hs_msg *m, int upto, int hrr, unsigned char *out,
    unsigned *outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char ch1[EVP_MAX_MD_SIZE], head[4];
	unsigned hl;
	int i, ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1;
	for (i = 0; ok && i <= upto; i++) {
		if (i == 0 && hrr) {
			ok = EVP_Digest(m[0].p, m[0].len, ch1, &hl, md, NULL) == 1;
			head[0] = HS_MESSAGE_HASH;
			head[1] = head[2] = 0;
			head[3] = (unsigned char)hl;
			ok = ok && EVP_DigestUpdate(ctx, head, 4) == 1 &&
			    EVP_DigestUpdate(ctx, ch1, hl) == 1;
		} else
			ok = EVP_DigestUpdate(ctx, m[i].p, m[i].len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, outlen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* CertificateVerify: its scheme and signature; -1 if malformed. */
static int
cert_verify(const struct hs_msg *m, unsigned *scheme, const unsigned char **sig,
    size_t *siglen)
{
	if (m->type != HS_CERT_VERIFY || m->bodylen < 4 ||
	    (*siglen = get16(m->body + 2)) != m->bodylen - 4)
		return -1;
	*scheme = get16(m->body);
	*sig = m->body + 4;
	return 0;
}

/* The first certificate (DER) of a Certificate message; -1 if none. */
static int
first_cert(const struct hs_msg *m, const unsigned char **der, size_t *derlen)
{
	size_t ctx, list;

	if (m->type != HS_CERTIFICATE || m->bodylen < 1)
		return -1;
	ctx = m->body[0];
	if (m->bodylen < 1 + ctx + 3 || (list = get24(m->body + 1 + ctx)) !=
	    m->bodylen - 1 - ctx - 3 || list < 3)
		return -1;
	*der = m->body + 1 + ctx + 3 + 3;
	*derlen = get24(m->body + 1 + ctx + 3);
	return *derlen > 0 && *derlen <= list - 3 ? 0 : -1;
}

/* Verify SIG (SCHEME, RFC 8446 4.2.3) over the client's CertificateVerify content. */
static int
verify_client(X509 *cert, unsigned scheme, const unsigned char *sig, size_t siglen,
    const unsigned char *hash, unsigned hashlen)
{
	static const char label[] = "TLS 1.3, client CertificateVerify";
	unsigned char content[64 + sizeof(label) + EVP_MAX_MD_SIZE];
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	const EVP_MD *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	int pss = 0, ok;

	switch (scheme) {
	case 0x0403: md = EVP_sha256(); break;
	case 0x0503: md = EVP_sha384(); break;
	case 0x0603: md = EVP_sha512(); break;
	case 0x0804: case 0x0809: md = EVP_sha256(); pss = 1; break;
	case 0x0805: case 0x080a: md = EVP_sha384(); pss = 1; break;
	case 0x0806: case 0x080b: md = EVP_sha512(); pss = 1; break;
	case 0x0807: case 0x0808: break;	/* Ed25519, Ed448: no digest */
	default:
		return -1;
	}
	memset(content, 0x20, 64);
	memcpy(content + 64, label, sizeof(label));	/* with its NUL */
	memcpy(content + 64 + sizeof(label), hash, hashlen);
	if (pk == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk) == 1 &&
	    (!pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)) &&
	    EVP_DigestVerify(ctx, sig, siglen, content, 64 + sizeof(label) + hashlen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
tls_proof_check(const void *transcript, size_t n, const void *server_sig, size_t siglen,
    struct buf *der, char *why, size_t whysz)
{
	struct hs_msg m[HS_MAX_MSGS];
	const unsigned char *random, *sig, *cder, *p;
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned suite, scheme, hashlen;
	const EVP_MD *md;
	size_t slen, cderlen;
	X509 *cert = NULL;
	int k, i = 1, hrr = 0, ok = -1;

	if ((k = hs_split(transcript, n, m, HS_MAX_MSGS)) < 2 || m[0].type != HS_CLIENT_HELLO ||
	    server_hello(&m[1], &random, &suite) == -1) {
		str_copy(why, whysz, "no TLS handshake to check");
		return -1;
	}
	if (memcmp(random, hrr_random, 32) == 0) {	/* HelloRetryRequest, ClientHello again */
		hrr = 1;
		if (k < 4 || m[2].type != HS_CLIENT_HELLO || server_hello(&m[3], &random,
		    &suite) == -1) {
			str_copy(why, whysz, "a malformed handshake");
			return -1;
		}
		i = 3;
	}
	/* TLS 1.3: EncryptedExtensions, CertificateRequest, the server's Certificate,
	 * CertificateVerify and Finished, then the client's Certificate and CertificateVerify */
	if ((md = suite_md(suite)) == NULL || k < i + 8 || m[i + 1].type != HS_ENCRYPTED_EXT) {
		str_copy(why, whysz, "a certificate login needs TLS 1.3 on the control "
		    "connection (proof of the client's key)");
		return -1;
	}
	if (m[i + 2].type != HS_CERT_REQUEST || m[i + 3].type != HS_CERTIFICATE ||
	    cert_verify(&m[i + 4], &scheme, &sig, &slen) == -1 ||
	    m[i + 5].type != HS_FINISHED) {
		str_copy(why, whysz, "a malformed handshake");
		return -1;
	}
	if (server_sig == NULL || slen != siglen || memcmp(sig, server_sig, siglen) != 0) {
		str_copy(why, whysz, "the handshake is not this session's (the server's "
		    "signature in it is not the monitor's)");
		return -1;
	}
	if (first_cert(&m[i + 6], &cder, &cderlen) == -1 ||
	    cert_verify(&m[i + 7], &scheme, &sig, &slen) == -1) {
		str_copy(why, whysz, "the client sent no certificate with proof of its key");
		return -1;
	}
	p = cder;
	if ((cert = d2i_X509(NULL, &p, (long)cderlen)) == NULL || p != cder + cderlen ||
	    hs_hash(md, m, i + 6, hrr, hash, &hashlen) == -1 ||
	    verify_client(cert, scheme, sig, slen, hash, hashlen) == -1)
		str_copy(why, whysz, "the client's CertificateVerify does not verify with its "
		    "certificate's key");
	else if (buf_append(der, cder, cderlen) == 0)
		ok = 0;
	X509_free(cert);
	return ok;
}
