/*
 * tls_key.c: the server's private keys, kept out of every process that
 * reads network bytes.
 *
 * Two halves.  A signer (ftpd/keyproc.c), forked by the monitor for one
 * signature, loads the private keys with tls_keys_load() and signs with
 * tls_keys_sign(); nothing else ever holds them.  Every TLS context has, in
 * place of each private key, a stand-in (tls_proxy_key()) with the
 * certificate's public key whose private operation is a request to the
 * monitor (MON_SIGN, or MON_SIGN_DATA from a transfer process), which has a
 * signer make it if the session may still have one (SECURITY).
 *
 * The stand-ins are OpenSSL's "foreign" keys: an RSA or EC_KEY with a method
 * of its own, which OpenSSL 3 uses through its legacy key path.  The key
 * process refuses a raw RSA operation unless its input is a well-formed
 * RSA-PSS encoding (RFC 8017 9.1.2), so that no process can use it to
 * decrypt RSA ciphertext.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* RSA_METHOD and EC_KEY_METHOD */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "conf.h"
#include "ipc.h"
#include "limits.h"
#include "log.h"
#include "tls.h"

#define KEY_FILE_MAX	(64 * 1024)	/* a PEM file holding a key (and maybe its chain) */

/* ---- the stand-ins, in the processes that run TLS ---- */

static int	sign_fd = -1;		/* to the monitor */
static enum ipc_peer sign_self;		/* IPC_TLS or IPC_USR */
static int	sign_refused;		/* the monitor refused the last request */

void
tls_sign_via(int fd, enum ipc_peer self)
{
	sign_fd = fd;
	sign_self = self;
}

int
tls_sign_was_refused(void)
{
	return sign_refused;
}

/* Ask the monitor for a signature of KIND over IN into OUT (at most OUTSZ); its length or -1. */
static int
proxy_sign(int kind, const unsigned char *in, size_t n, unsigned char *out, size_t outsz)
{
	struct ipc_bytes input = { in, n };
	const struct ipc_bytes *sig;
	struct ipc_in r;
	int ok, len = -1;

	sign_refused = 0;
	if (sign_fd == -1 || n > TLS_SIG_MAX)
		return -1;
	if (sign_self == IPC_TLS) {	/* the control connection's handshake */
		struct ipc_sign req = { .kind = (uint8_t)kind, .input = input };

		if (ipc_send_sign(sign_fd, &req, -1) == -1 ||
		    ipc_await(sign_fd, IPC_MON, IPC_TLS, MON_SIGN, &r) == -1)
			die("monitor gone");
		ok = r.u.sig.ok;
		sig = &r.u.sig.sig;
	} else {
		struct ipc_sign_data req = { .kind = (uint8_t)kind, .input = input };

		if (ipc_send_sign_data(sign_fd, &req, -1) == -1 ||
		    ipc_await(sign_fd, IPC_MON, IPC_USR, MON_SIGN_DATA, &r) == -1)
			die("monitor gone");
		ok = r.u.sig_data.ok;
		sig = &r.u.sig_data.sig;
	}
	if (ok && sig->len <= outsz) {
		memcpy(out, sig->p, sig->len);
		len = (int)sig->len;
	} else
		sign_refused = 1;
	ipc_free(&r);
	return len;
}

static int
proxy_rsa_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa, int padding)
{
	int kind = padding == RSA_PKCS1_PADDING ? TLS_SIGN_RSA_PKCS1 :
	    padding == RSA_NO_PADDING ? TLS_SIGN_RSA_PSS : 0;

	if (kind == 0 || flen < 0)
		return -1;
	return proxy_sign(kind, from, (size_t)flen, to, (size_t)RSA_size(rsa));
}

/* RSA decryption (RSA key exchange) is never done for anyone. */
static int
proxy_rsa_dec(int flen, const unsigned char *from, unsigned char *to, RSA *rsa, int padding)
{
	return -1;
}

static ECDSA_SIG *
proxy_ecdsa_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv, const BIGNUM *rp,
    EC_KEY *ec)
{
	unsigned char der[TLS_SIG_MAX];
	const unsigned char *p = der;
	int n;

	if (dlen < 0 || (n = proxy_sign(TLS_SIGN_ECDSA, dgst, (size_t)dlen, der,
	    sizeof(der))) <= 0)
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, n);
}

static int
proxy_ecdsa(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	ECDSA_SIG *s = proxy_ecdsa_sig(dgst, dlen, kinv, r, ec);
	unsigned char *p = sig;
	int n;

	if (s == NULL)
		return 0;
	n = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return 0;
	*siglen = (unsigned int)n;
	return 1;
}

EVP_PKEY *
tls_proxy_key(X509 *cert)
{
	static RSA_METHOD *rsa_meth;
	static EC_KEY_METHOD *ec_meth;
	EVP_PKEY *pub = X509_get0_pubkey(cert), *pk;

	if (pub == NULL || (pk = EVP_PKEY_new()) == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
		const BIGNUM *n, *e;
		RSA *rsa = RSA_new();

		if (rsa_meth == NULL && (rsa_meth = RSA_meth_dup(RSA_get_default_method())) != NULL) {
			RSA_meth_set1_name(rsa_meth, "ftpd monitor");
			RSA_meth_set_priv_enc(rsa_meth, proxy_rsa_enc);
			RSA_meth_set_priv_dec(rsa_meth, proxy_rsa_dec);
		}
		RSA_get0_key(EVP_PKEY_get0_RSA(pub), &n, &e, NULL);
		if (rsa != NULL && rsa_meth != NULL && RSA_set_method(rsa, rsa_meth) == 1 &&
		    RSA_set0_key(rsa, BN_dup(n), BN_dup(e), NULL) == 1 &&
		    EVP_PKEY_assign_RSA(pk, rsa) == 1)
			return pk;
		RSA_free(rsa);
	} else if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
		EC_KEY *ec = EC_KEY_dup(EVP_PKEY_get0_EC_KEY(pub));

		if (ec_meth == NULL && (ec_meth = EC_KEY_METHOD_new(EC_KEY_get_default_method()))) {
			int (*sign_setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);

			EC_KEY_METHOD_get_sign(ec_meth, NULL, &sign_setup, NULL);
			EC_KEY_METHOD_set_sign(ec_meth, proxy_ecdsa, sign_setup, proxy_ecdsa_sig);
		}
		if (ec != NULL && ec_meth != NULL && EC_KEY_set_method(ec, ec_meth) == 1 &&
		    EVP_PKEY_assign_EC_KEY(pk, ec) == 1)
			return pk;
		EC_KEY_free(ec);
	}
	EVP_PKEY_free(pk);
	return NULL;
}

/* ---- the keys, in a signer ---- */

struct tls_keys {
	EVP_PKEY	*rsa;
	EVP_PKEY	*ec;
};

/* Read FILE (at most KEY_FILE_MAX bytes) into OUT; -1 with errno. */
static int
key_read_file(const char *file, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(out, chunk, (size_t)n) == -1) {
			n = -1;
			errno = EFBIG;
			break;
		}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return n == 0 ? 0 : -1;
}

/*
 * An unencrypted RSA key in TEXT (PKCS#8 "PRIVATE KEY" or "RSA PRIVATE KEY"),
 * decoded straight from its DER: OpenSSL 3's generic decoders take some
 * twenty times as long, and a signer decodes the key for every signature.
 * NULL for anything else, which PEM_read_bio_PrivateKey() then reads.
 */
static EVP_PKEY *
key_decode_rsa(const struct buf *text)
{
	BIO *b = BIO_new_mem_buf(text->p, (int)text->len);
	char *name = NULL, *hdr = NULL;
	unsigned char *der = NULL;
	EVP_PKEY *pk = NULL;
	long len;

	while (b != NULL && pk == NULL && PEM_read_bio(b, &name, &hdr, &der, &len) == 1) {
		const unsigned char *p = der;
		PKCS8_PRIV_KEY_INFO *p8 = NULL;
		const ASN1_OBJECT *alg = NULL;
		RSA *rsa = NULL;
		int plen = 0;

		if (strcmp(name, "PRIVATE KEY") == 0 &&
		    (p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len)) != NULL &&
		    PKCS8_pkey_get0(&alg, &p, &plen, NULL, p8) == 1 &&
		    OBJ_obj2nid(alg) == NID_rsaEncryption)
			rsa = d2i_RSAPrivateKey(NULL, &p, plen);
		else if (strcmp(name, "RSA PRIVATE KEY") == 0 && hdr[0] == '\0')
			rsa = d2i_RSAPrivateKey(NULL, &p, len);
		if (rsa != NULL && ((pk = EVP_PKEY_new()) == NULL || EVP_PKEY_assign_RSA(pk, rsa) != 1)) {
			EVP_PKEY_free(pk);
			RSA_free(rsa);
			pk = NULL;
		}
		PKCS8_PRIV_KEY_INFO_free(p8);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		OPENSSL_clear_free(der, (size_t)len);
		name = hdr = NULL;
		der = NULL;
	}
	BIO_free(b);
	ERR_clear_error();
	return pk;
}

/* Never ask for a passphrase (there is no terminal): an encrypted key fails. */
static int
key_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	return 0;
}

/*
 * Load the key of the pair (CERT, KEY; KEY empty: in CERT's file), check it
 * against the certificate, and keep it in K by type.  -1 with ERR.
 */
static int
key_load_pair(struct tls_keys *k, const char *ckw, const char *cert, const char *kkw,
    const char *key, char *err, size_t errsz)
{
	struct buf text = BUF_INIT(KEY_FILE_MAX);
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *b;
	int ok = -1;

	if (key == NULL || key[0] == '\0') {
		key = cert;
		kkw = ckw;
	}
	if (key_read_file(key, &text) == -1) {
		str_fmt(err, errsz, "%s %s: cannot load the private key: %s", kkw, key,
		    strerror(errno));
		goto done;
	}
	if ((pk = key_decode_rsa(&text)) == NULL &&
	    (b = BIO_new_mem_buf(text.p, (int)text.len)) != NULL) {
		pk = PEM_read_bio_PrivateKey(b, NULL, key_no_passphrase, NULL);
		BIO_free(b);
	}
	buf_free(&text);	/* wipes the key's text */
	if (pk == NULL) {
		str_fmt(err, errsz, "%s %s: cannot load the private key", kkw, key);
		goto done;
	}
	buf_init(&text, KEY_FILE_MAX);
	if (key_read_file(cert, &text) == 0 && (b = BIO_new_mem_buf(text.p, (int)text.len))) {
		x = PEM_read_bio_X509(b, NULL, key_no_passphrase, NULL);
		BIO_free(b);
	}
	if (x == NULL || EVP_PKEY_eq(X509_get0_pubkey(x), pk) != 1) {
		str_fmt(err, errsz, "%s %s: the key does not match %s %s", kkw, key, ckw, cert);
		goto done;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		if (k->rsa == NULL) {
			k->rsa = pk;
			pk = NULL;
			ok = 0;
		}
		break;
	case EVP_PKEY_EC:
		if (k->ec == NULL) {
			k->ec = pk;
			pk = NULL;
			ok = 0;
		}
		break;
	default:
		str_fmt(err, errsz, "%s %s: only RSA and ECDSA keys are supported", kkw, key);
		goto done;
	}
	if (ok == -1)
		str_fmt(err, errsz, "tls_cert2_file %s: same key type as tls_cert_file (one "
		    "certificate per key type)", cert);
done:
	buf_free(&text);
	X509_free(x);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok;
}

struct tls_keys *
tls_keys_load(const struct conf *c, char *err, size_t errsz)
{
	struct tls_keys *k = xcalloc(1, sizeof(*k));

	if ((c->tls_cert_file[0] != '\0' && key_load_pair(k, "tls_cert_file", c->tls_cert_file,
	    "tls_key_file", c->tls_key_file, err, errsz) == -1) ||
	    (c->tls_cert2_file[0] != '\0' && key_load_pair(k, "tls_cert2_file",
	    c->tls_cert2_file, "tls_key2_file", c->tls_key2_file, err, errsz) == -1)) {
		tls_keys_free(k);
		return NULL;
	}
	return k;
}

void
tls_keys_free(struct tls_keys *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->rsa);	/* OpenSSL clears private key numbers as it frees them */
	EVP_PKEY_free(k->ec);
	free(k);
}

/* MGF1 (RFC 8017 B.2.1) with MD: XOR LEN bytes of the mask of SEED into OUT. */
static int
mgf1_xor(unsigned char *out, size_t len, const unsigned char *seed, size_t seedlen,
    const EVP_MD *md)
{
	unsigned char h[EVP_MAX_MD_SIZE], c[4];
	unsigned int hl;
	size_t done = 0, i;
	uint32_t counter;

	for (counter = 0; done < len; counter++) {
		c[0] = counter >> 24; c[1] = counter >> 16; c[2] = counter >> 8; c[3] = counter;
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, seed, seedlen) != 1 || EVP_DigestUpdate(ctx, c, 4) != 1 ||
		    EVP_DigestFinal_ex(ctx, h, &hl) != 1) {
			EVP_MD_CTX_free(ctx);
			return -1;
		}
		EVP_MD_CTX_free(ctx);
		for (i = 0; i < hl && done < len; i++)
			out[done++] ^= h[i];
	}
	return 0;
}

/*
 * Is EM (the K-byte input of a raw RSA operation with a MODBITS-bit modulus)
 * an EMSA-PSS encoding (RFC 8017 9.1.1) with SHA-256, -384 or -512, as TLS
 * makes them?  A raw private operation on anything else would decrypt.
 */
static int
pss_well_formed(const unsigned char *em, size_t k, int modbits)
{
	const EVP_MD *mds[] = { EVP_sha256(), EVP_sha384(), EVP_sha512() };
	unsigned char db[TLS_SIG_MAX];
	size_t emlen = (size_t)(modbits - 1 + 7) / 8, off = k - emlen, i, j, hlen, dblen;
	unsigned topbits = 8 * (unsigned)emlen - (unsigned)(modbits - 1);

	if (k > sizeof(db) || emlen > k || (off == 1 && em[0] != 0) || em[k - 1] != 0xbc)
		return 0;
	em += off;
	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		hlen = (size_t)EVP_MD_get_size(mds[i]);
		if (emlen < 2 * hlen + 2)
			continue;
		dblen = emlen - hlen - 1;
		memcpy(db, em, dblen);
		if (mgf1_xor(db, dblen, em + dblen, hlen, mds[i]) == -1)
			continue;
		db[0] &= (unsigned char)(0xff >> topbits);
		for (j = 0; j < dblen && db[j] == 0; j++)
			;
		/* PS (zeros), 0x01, then a salt of the hash's length (RFC 8446 4.2.3) */
		if (j < dblen && db[j] == 0x01 && dblen - j - 1 == hlen) {
			explicit_bzero(db, sizeof(db));
			return 1;
		}
	}
	explicit_bzero(db, sizeof(db));
	return 0;
}

int
tls_keys_sign(struct tls_keys *k, int kind, const void *in, size_t n, struct buf *out)
{
	unsigned char sig[TLS_SIG_MAX];
	const RSA *rsa;
	int len = -1;

	if (kind == TLS_SIGN_ECDSA) {
		unsigned int sl = sizeof(sig);
		EC_KEY *ec;

		if (k->ec == NULL || n > EVP_MAX_MD_SIZE || (ec = (EC_KEY *)
		    EVP_PKEY_get0_EC_KEY(k->ec)) == NULL || (size_t)ECDSA_size(ec) > sizeof(sig) ||
		    ECDSA_sign(0, in, (int)n, sig, &sl, ec) != 1)
			return -1;
		len = (int)sl;
	} else if ((kind == TLS_SIGN_RSA_PSS || kind == TLS_SIGN_RSA_PKCS1) && k->rsa != NULL &&
	    (rsa = EVP_PKEY_get0_RSA(k->rsa)) != NULL && (size_t)RSA_size(rsa) <= sizeof(sig)) {
		size_t size = (size_t)RSA_size(rsa);

		if (kind == TLS_SIGN_RSA_PSS && n == size &&
		    pss_well_formed(in, size, RSA_bits(rsa)))
			len = RSA_private_encrypt((int)n, in, sig, (RSA *)rsa, RSA_NO_PADDING);
		else if (kind == TLS_SIGN_RSA_PKCS1 && n + 11 <= size)
			len = RSA_private_encrypt((int)n, in, sig, (RSA *)rsa, RSA_PKCS1_PADDING);
	}
	ERR_clear_error();
	if (len <= 0)
		return -1;
	buf_append(out, sig, (size_t)len);
	return len;
}
