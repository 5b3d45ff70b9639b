/*
 * certmap.h: mapping client certificates to accounts (monitor only).
 *
 * Rules come from certmap_file (ftpd.certmap(5)), one per line:
 *	account  subject|cn|email|dns|sha256  value
 * and from the legacy ssl_users_file ("user1,user2:/C=../CN=..").
 */
#ifndef FTPD_CERTMAP_H
#define FTPD_CERTMAP_H

#include <stddef.h>

struct conf;
struct cert_info;

/*
 * Match one certmap LINE against CI.  Returns 1 and the rule's account in
 * ACCOUNT if it matches, 0 if not (or a comment), -1 if the line is malformed.
 */
int	 certmap_match_line(const char *line, const struct cert_info *ci,
	    char *account, size_t accountsz);
/* Does the ssl.users LINE give CI's subject to USER?  -1 if malformed. */
int	 certmap_match_ssl_users(const char *line, const struct cert_info *ci, const char *user);
/*
 * Does CI authorize a login as USER?  1 yes; 0 no (WHY says so); -1 if the
 * certmap rules that match name different accounts (ambiguous: refused).
 */
int	 certmap_check(const struct conf *c, const struct cert_info *ci, const char *user,
	    char *why, size_t whysz);

#endif
