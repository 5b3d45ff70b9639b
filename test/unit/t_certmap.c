/*
 * t_certmap.c: certificate-to-account rules (certmap lines and ssl.users).
 */
#include <string.h>

#include "buf.h"
#include "certmap.h"
#include "runner.h"
#include "tls.h"

static void
alice_cert(struct cert_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	str_copy(ci->subject, sizeof(ci->subject), "/O=Test/CN=Alice Smith");
	str_copy(ci->fingerprint, sizeof(ci->fingerprint), "AB:CD:EF");
	ci->ncn = 1;
	str_copy(ci->cn[0], sizeof(ci->cn[0]), "Alice Smith");
	ci->nemail = 1;
	str_copy(ci->email[0], sizeof(ci->email[0]), "alice@example.org");
	ci->ndns = 1;
	str_copy(ci->dns[0], sizeof(ci->dns[0]), "alice.example.org");
}

TEST(certmap_kinds)
{
	struct cert_info ci;
	char acct[64];

	alice_cert(&ci);
	ASSERT_EQ_INT(certmap_match_line("alice cn Alice Smith", &ci, acct, sizeof(acct)), 1);
	ASSERT_EQ_STR(acct, "alice");
	ASSERT_EQ_INT(certmap_match_line("  al\tsubject   /O=Test/CN=Alice Smith  ", &ci, acct,
	    sizeof(acct)), 1);
	ASSERT_EQ_STR(acct, "al");
	ASSERT_EQ_INT(certmap_match_line("a email ALICE@Example.org", &ci, acct, sizeof(acct)), 1);
	ASSERT_EQ_INT(certmap_match_line("a dns alice.example.org", &ci, acct, sizeof(acct)), 1);
	ASSERT_EQ_INT(certmap_match_line("a sha256 abcdef", &ci, acct, sizeof(acct)), 1);
	ASSERT_EQ_INT(certmap_match_line("a sha256 AB:CD:EE", &ci, acct, sizeof(acct)), 0);
	ASSERT_EQ_INT(certmap_match_line("a cn Alice", &ci, acct, sizeof(acct)), 0);
	ASSERT_EQ_INT(certmap_match_line("# alice cn Alice Smith", &ci, acct, sizeof(acct)), 0);
	ASSERT_EQ_INT(certmap_match_line("", &ci, acct, sizeof(acct)), 0);
}

TEST(certmap_malformed)
{
	struct cert_info ci;
	char acct[8];

	alice_cert(&ci);
	ASSERT_EQ_INT(certmap_match_line("alice", &ci, acct, sizeof(acct)), -1);
	ASSERT_EQ_INT(certmap_match_line("alice cn", &ci, acct, sizeof(acct)), -1);
	ASSERT_EQ_INT(certmap_match_line("alice uid 1000", &ci, acct, sizeof(acct)), -1);
	ASSERT_EQ_INT(certmap_match_line("averyveryverylongname cn x", &ci, acct, sizeof(acct)), -1);
}

TEST(certmap_two_cns_never_match_by_cn)
{
	struct cert_info ci;
	char acct[64];

	alice_cert(&ci);
	ci.ncn = 2;
	str_copy(ci.cn[1], sizeof(ci.cn[1]), "Mallory");
	ASSERT_EQ_INT(certmap_match_line("alice cn Alice Smith", &ci, acct, sizeof(acct)), 0);
}

TEST(ssl_users_legacy)
{
	struct cert_info ci;

	alice_cert(&ci);
	ASSERT_EQ_INT(certmap_match_ssl_users("bob,alice:/O=Test/CN=Alice Smith", &ci, "alice"), 1);
	ASSERT_EQ_INT(certmap_match_ssl_users("bob,alice:/O=Test/CN=Alice Smith", &ci, "ali"), 0);
	ASSERT_EQ_INT(certmap_match_ssl_users("bob:/O=Test/CN=Alice Smith", &ci, "alice"), 0);
	ASSERT_EQ_INT(certmap_match_ssl_users("alice:/O=Other", &ci, "alice"), 0);
	ASSERT_EQ_INT(certmap_match_ssl_users("alice no subject", &ci, "alice"), -1);
}
