/*
 * tls_cert.c: checking a client certificate for a login (part of the TLS
 * layer behind tls.h; with tls.c the only code that knows OpenSSL).
 *
 * Runs in the monitor, on the DER bytes the control process reports: the
 * control process saw the handshake (proof that the client holds the key),
 * the monitor decides whether the certificate is valid and what it names.
 * Never trusts a name that holds a NUL or a certificate that names too much.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "tls.h"

/* Copy an ASN1 string as text; -1 if it holds a NUL or does not fit. */
static int
cert_string(const ASN1_STRING *a, char *out, size_t outsz)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, a);
	int r = -1;

	if (n >= 0 && (size_t)n < outsz && memchr(utf8, '\0', (size_t)n) == NULL) {
		memcpy(out, utf8, (size_t)n);
		out[n] = '\0';
		r = 0;
	}
	OPENSSL_free(utf8);
	return r;
}

/* The subject's commonName(s). */
static int
cert_cns(X509 *x, struct cert_info *ci)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

		if (ci->ncn >= CERT_MAX_NAMES ||
		    cert_string(X509_NAME_ENTRY_get_data(e), ci->cn[ci->ncn], CERT_NAME_MAX) == -1)
			return -1;
		ci->ncn++;
	}
	return 0;
}

/* subjectAltName e-mail addresses and DNS names. */
static int
cert_alt_names(X509 *x, struct cert_info *ci)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, r = 0;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && r == 0; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_EMAIL && ci->nemail < CERT_MAX_NAMES)
			r = cert_string(g->d.rfc822Name, ci->email[ci->nemail++], CERT_NAME_MAX);
		else if (g->type == GEN_DNS && ci->ndns < CERT_MAX_NAMES)
			r = cert_string(g->d.dNSName, ci->dns[ci->ndns++], CERT_NAME_MAX);
		else if (g->type == GEN_EMAIL || g->type == GEN_DNS)
			r = -1;
	}
	GENERAL_NAMES_free(gens);
	return r;
}

static int
cert_parse(X509 *x, struct cert_info *ci, char *why, size_t whysz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	char *s;

	if ((s = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0)) != NULL)
		str_copy(ci->subject, sizeof(ci->subject), s);
	OPENSSL_free(s);
	if ((s = X509_NAME_oneline(X509_get_issuer_name(x), NULL, 0)) != NULL)
		str_copy(ci->issuer, sizeof(ci->issuer), s);
	OPENSSL_free(s);
	if (X509_digest(x, EVP_sha256(), md, &len) == 1 && len == TLS_DIGEST_LEN)
		for (i = 0; i < len; i++)
			str_fmt(ci->fingerprint + 3 * i, sizeof(ci->fingerprint) - 3 * i,
			    i + 1 < len ? "%02X:" : "%02X", md[i]);
	if (cert_cns(x, ci) == -1 || cert_alt_names(x, ci) == -1) {
		str_copy(why, whysz, "Client certificate refused: a name in it holds a NUL "
		    "byte or there are too many names.");
		return -1;
	}
	return 0;
}

/* A store of the configured CAs and CRLs; NULL with WHY if none is configured. */
static X509_STORE *
cert_store(const struct conf *c, char *why, size_t whysz)
{
	X509_STORE *st = X509_STORE_new();
	const char *file = c->tls_ca_file[0] ? c->tls_ca_file : NULL;
	const char *dir = c->tls_ca_dir[0] ? c->tls_ca_dir : NULL;

	if (st == NULL || (file == NULL && dir == NULL) ||
	    X509_STORE_load_locations(st, file, dir) != 1) {
		log_msg(LOG_ERR, "client certificates: no usable tls_ca_file or tls_ca_dir");
		str_copy(why, whysz, "Client certificates cannot be checked here (no CA configured).");
		X509_STORE_free(st);
		return NULL;
	}
	if (c->tls_crl_file[0] != '\0') {
		X509_LOOKUP *lu = X509_STORE_add_lookup(st, X509_LOOKUP_file());

		if (lu == NULL || X509_load_crl_file(lu, c->tls_crl_file, X509_FILETYPE_PEM) <= 0) {
			log_msg(LOG_ERR, "client certificates: cannot load tls_crl_file %s",
			    c->tls_crl_file);
			str_copy(why, whysz, "Client certificates cannot be checked here (bad CRL).");
			X509_STORE_free(st);
			return NULL;
		}
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	}
	return st;
}

static int
cert_verify(const struct conf *c, X509 *x, char *why, size_t whysz)
{
	X509_STORE *st = cert_store(c, why, whysz);
	X509_STORE_CTX *ctx;
	int ok = 0, e;

	if (st == NULL)
		return -1;
	if ((ctx = X509_STORE_CTX_new()) != NULL && X509_STORE_CTX_init(ctx, st, x, NULL) == 1) {
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
		X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx), (int)c->tls_verify_depth);
		ok = X509_verify_cert(ctx) == 1;
		e = X509_STORE_CTX_get_error(ctx);
		if (!ok)
			str_fmt(why, whysz, "Client certificate refused: %s.",
			    X509_verify_cert_error_string(e));
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int
tls_cert_check(const struct conf *c, const void *der, size_t n, struct cert_info *ci,
    char *why, size_t whysz)
{
	const unsigned char *p = der;
	X509 *x;
	int r;

	memset(ci, 0, sizeof(*ci));
	if (n > 64 * 1024 || (x = d2i_X509(NULL, &p, (long)n)) == NULL ||
	    p != (const unsigned char *)der + n) {
		ERR_clear_error();
		str_copy(why, whysz, "Client certificate refused: it cannot be read.");
		return -1;
	}
	r = cert_parse(x, ci, why, whysz);
	if (r == 0)
		r = cert_verify(c, x, why, whysz);
	X509_free(x);
	return r;
}
