/*
 * certmap.c: which accounts a client certificate may log in as.
 *
 * Pure rule matching on the names tls_cert_check() extracted, so that the
 * parser is unit-tested and fuzzed without a TLS stack.  A certificate that
 * matches rules for two different accounts is refused as ambiguous; a
 * malformed line is logged with file:line and never matches.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "certmap.h"
#include "conf.h"
#include "limits.h"
#include "log.h"
#include "tls.h"

/* Split off the next blank-separated word of *P into OUT; -1 if none or too long. */
static int
next_word(const char **p, char *out, size_t outsz)
{
	size_t n;

	*p += strspn(*p, " \t");
	n = strcspn(*p, " \t");
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 0;
}

/* "AB:CD:.." or "abcd.." equal to the certificate's fingerprint? */
static int
same_fingerprint(const char *want, const char *have)
{
	while (*want != '\0' && *have != '\0') {
		if (*want == ':') {
			want++;
			continue;
		}
		if (*have == ':') {
			have++;
			continue;
		}
		if (toupper((unsigned char)*want++) != *have++)
			return 0;
	}
	return *want == '\0' && *have == '\0';
}

static int
any_equal(const char names[][CERT_NAME_MAX], int n, const char *v, int nocase)
{
	int i;

	for (i = 0; i < n; i++)
		if (nocase ? !strcasecmp(names[i], v) : !strcmp(names[i], v))
			return 1;
	return 0;
}

int
certmap_match_line(const char *line, const struct cert_info *ci, char *account, size_t accountsz)
{
	char kind[16], value[CERT_NAME_MAX * 2];
	const char *p = line;
	size_t n;

	p += strspn(p, " \t");
	if (*p == '#' || *p == '\0')
		return 0;
	if (next_word(&p, account, accountsz) == -1 || next_word(&p, kind, sizeof(kind)) == -1)
		return -1;
	p += strspn(p, " \t");
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(value))
		return -1;
	memcpy(value, p, n);
	value[n] = '\0';
	if (!strcmp(kind, "subject"))
		return ci->subject[0] != '\0' && !strcmp(ci->subject, value);
	if (!strcmp(kind, "cn"))
		return ci->ncn == 1 && !strcmp(ci->cn[0], value);
	if (!strcmp(kind, "email"))
		return any_equal(ci->email, ci->nemail, value, 1);
	if (!strcmp(kind, "dns"))
		return any_equal(ci->dns, ci->ndns, value, 1);
	if (!strcmp(kind, "sha256"))
		return same_fingerprint(value, ci->fingerprint);
	return -1;
}

int
certmap_match_ssl_users(const char *line, const struct cert_info *ci, const char *user)
{
	const char *colon = strchr(line, ':'), *p;
	size_t ulen = strlen(user), n;

	if (*line == '#' || *line == '\0')
		return 0;
	if (colon == NULL || colon[1] != '/')
		return -1;
	if (ci->subject[0] == '\0' || strcmp(colon + 1, ci->subject) != 0)
		return 0;
	for (p = line; p < colon; p += n + 1) {
		n = strcspn(p, ",:");
		if (n == ulen && !strncmp(p, user, n))
			return 1;
	}
	return 0;
}

/* Read PATH line by line into FN; a missing file has no lines. */
static void
certmap_scan(const char *path, int (*fn)(const char *, int, void *), void *arg)
{
	char line[2048];
	FILE *f;
	int lineno = 0;

	if (path[0] == '\0' || (f = fopen(path, "re")) == NULL)
		return;
	while (lineno < MAX_FILE_LINES && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (fn(line, ++lineno, arg) == -1)
			log_msg(LOG_WARNING, "%s:%d: malformed line ignored", path, lineno);
	}
	fclose(f);
}

struct certmap_walk {
	const struct cert_info	*ci;
	const char		*user;
	char			 first[MAX_USER + 1];	/* the first matching rule's account */
	int			 matched, ambiguous, user_ok;
};

static int
walk_certmap(const char *line, int lineno, void *arg)
{
	struct certmap_walk *w = arg;
	char account[MAX_USER + 1];
	int r = certmap_match_line(line, w->ci, account, sizeof(account));

	if (r == 1) {
		if (!w->matched)
			str_copy(w->first, sizeof(w->first), account);
		else if (strcmp(w->first, account) != 0)
			w->ambiguous = 1;
		w->matched = 1;
	}
	return r == -1 ? -1 : 0;
}

static int
walk_ssl_users(const char *line, int lineno, void *arg)
{
	struct certmap_walk *w = arg;
	int r = certmap_match_ssl_users(line, w->ci, w->user);

	if (r == 1)
		w->user_ok = 1;
	return r == -1 ? -1 : 0;
}

int
certmap_check(const struct conf *c, const struct cert_info *ci, const char *user,
    char *why, size_t whysz)
{
	struct certmap_walk w;

	memset(&w, 0, sizeof(w));
	w.ci = ci;
	w.user = user;
	certmap_scan(c->certmap_file, walk_certmap, &w);
	if (w.ambiguous) {
		str_copy(why, whysz, "Client certificate refused: it matches rules for "
		    "different accounts.");
		return -1;
	}
	if (w.matched && !strcmp(w.first, user))
		return 1;
	if (!w.matched)
		certmap_scan(c->ssl_users_file, walk_ssl_users, &w);
	if (w.user_ok)
		return 1;
	str_fmt(why, whysz, "Your client certificate does not map to this account.");
	return 0;
}
