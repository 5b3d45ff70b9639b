/*
 * fuzz_certmap.c: the certmap and ssl.users line parsers against a fixed
 * certificate description.  Checks: results are -1, 0 or 1, and a match
 * always yields a NUL-terminated, non-empty account name.
 */
/* FUZZ_SRCS: pam/certmap.c common/buf.c common/log.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "certmap.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cert_info ci;
	char line[2048], acct[64];
	int r;

	if (ci.ncn == 0) {
		str_copy(ci.subject, sizeof(ci.subject), "/O=Test/CN=alice");
		str_copy(ci.fingerprint, sizeof(ci.fingerprint), "AB:CD");
		ci.ncn = 1;
		str_copy(ci.cn[0], sizeof(ci.cn[0]), "alice");
		ci.nemail = 1;
		str_copy(ci.email[0], sizeof(ci.email[0]), "a@example.org");
	}
	if (size >= sizeof(line))
		size = sizeof(line) - 1;
	memcpy(line, data, size);
	line[size] = '\0';
	acct[0] = '\0';
	r = certmap_match_line(line, &ci, acct, sizeof(acct));
	if (r < -1 || r > 1 || (r == 1 && (acct[0] == '\0' || strlen(acct) >= sizeof(acct))))
		abort();
	r = certmap_match_ssl_users(line, &ci, "alice");
	if (r < -1 || r > 1)
		abort();
	return 0;
}
