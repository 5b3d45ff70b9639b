/*
 * cmd_tls.c: the RFC 2228 / RFC 4217 security commands: AUTH, ADAT, PBSZ,
 * PROT, CCC, MIC, CONF, ENC.
 *
 * They always run in the control process, which tells the TLS process
 * (tlsproc.c) when the control connection's TLS starts and ends; PROT
 * changes are passed on to the user process, which enforces them when a
 * transfer command comes (521/522).  Never lets bytes read before the
 * handshake be executed after it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "ftpd.h"
#include "log.h"
#include "session.h"

/* Is MECH (any case) one of tls_auth_mechanisms? */
static int
auth_mech_allowed(const struct session *s, const char *mech)
{
	char list[MAX_CONF_VALUE];
	char *tok, *save = NULL;

	str_copy(list, sizeof(list), s->conf->tls_auth_mechanisms);
	for (tok = strtok_r(list, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
		if (!strcasecmp(tok, mech))
			return 1;
	return 0;
}

void
cmd_auth(struct session *s, const char *arg)
{
	int private;

	if (s->tls_ctx == NULL) {
		reply(s, FTP_NOTIMPL, "AUTH not available: this server has no TLS certificate.");
		return;
	}
	if (s->tls_state != CTL_PLAIN) {
		reply(s, FTP_POLICY, s->tls_state == CTL_TLS ? "Already using TLS." :
		    "AUTH is not allowed after CCC.");
		return;
	}
	if (!auth_mech_allowed(s, arg)) {
		reply(s, FTP_BADPARAM, "AUTH mechanism not supported: use AUTH TLS.");
		return;
	}
	private = (!strcasecmp(arg, "SSL") || !strcasecmp(arg, "TLS-P"));
	reply(s, FTP_AUTHOK, "AUTH %s OK.", private ? (toupper((unsigned char)arg[0]) == 'S' ?
	    "SSL" : "TLS-P") : (strlen(arg) == 3 ? "TLS" : "TLS-C"));
	s->discard_input = 1;	/* what the client sent after AUTH is never run */
	if (control_start_tls(s) == -1)
		_exit(0);
	/* RFC 4217 4.2: a new security context means a new login */
	if (s->logged_in)
		control_end_login(s);
	s->have_user = 0;
	s->prot = private && s->conf->tls_auth_ssl_private ? 'P' : 'C';
	s->pbsz_done = private;
}

void
cmd_adat(struct session *s, const char *arg)
{
	reply(s, FTP_BADSEQ, "No security exchange in progress: TLS needs no ADAT.");
}

void
cmd_pbsz(struct session *s, const char *arg)
{
	char *end;
	unsigned long long v;

	if (s->tls_state != CTL_TLS) {
		reply(s, FTP_BADSEQ, s->tls_state == CTL_PLAIN ?
		    "PBSZ needs a successful AUTH first." : "PBSZ is not allowed after CCC.");
		return;
	}
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end != '\0' || errno != 0 || v > 0xffffffffULL) {
		reply(s, FTP_BADARG, "PBSZ needs a decimal number.");
		return;
	}
	s->pbsz_done = 1;
	reply(s, FTP_OK, "PBSZ=0");
}

/*
 * Does the data policy refuse protection level P ('C' or 'P') for every
 * transfer of every user?  (Else the transfer command decides, with 521.)
 */
static int
prot_refused(const struct session *s, char p)
{
	const struct conf *c = s->conf;
	enum data_prot bad = p == 'C' ? DPROT_REQUIRE : DPROT_NEVER;
	enum anon_data_prot anon_bad = p == 'C' ? ADPROT_REQUIRE : ADPROT_NEVER;

	return c->tls_data == bad && c->tls_data_list == bad &&
	    (c->tls_data_anonymous == ADPROT_SAME || c->tls_data_anonymous == anon_bad) &&
	    (p == 'P' || c->tls_data_plain_users[strspn(c->tls_data_plain_users, " ,")] == '\0');
}

void
cmd_prot(struct session *s, const char *arg)
{
	char p = (char)toupper((unsigned char)arg[0]);

	if (s->tls_state != CTL_TLS || !s->pbsz_done) {
		reply(s, FTP_BADSEQ, s->tls_state == CTL_CLEARED ? "PROT is not allowed after CCC." :
		    s->tls_state == CTL_PLAIN ? "PROT needs AUTH TLS first." : "PROT needs PBSZ first.");
		return;
	}
	if (arg[1] != '\0' || (p != 'C' && p != 'P' && p != 'S' && p != 'E')) {
		reply(s, FTP_BADPARAM, "Unknown protection level: use C or P.");
		return;
	}
	if (p == 'S' || p == 'E') {
		reply(s, FTP_PROT_UNSUPP, "PROT %c is not supported by TLS: use C or P.", p);
		return;
	}
	if (prot_refused(s, p)) {
		reply(s, FTP_POLICY, p == 'C' ? "PROT C refused: this server requires protected "
		    "data connections." : "PROT P refused: this server sends data in clear only.");
		return;
	}
	s->prot = p;
	if (s->logged_in)
		control_sync_prot(s);
	reply(s, FTP_OK, "Protection level set to %c.", p);
}

void
cmd_ccc(struct session *s, const char *arg)
{
	if (s->tls_state != CTL_TLS)
		reply(s, FTP_CMDPROT_DENIED, "Command channel is not protected.");
	else if (!s->conf->tls_ccc)
		reply(s, FTP_POLICY, "CCC refused by policy.");
	else if (!s->logged_in)
		reply(s, FTP_NOLOGIN, "Login first: CCC is allowed only after login.");
	else {
		reply(s, FTP_OK, "Control connection cleared: plaintext from now on.");
		control_clear_tls(s);
		control_sync_prot(s);
	}
}

void
cmd_mic(struct session *s, const char *arg)
{
	reply(s, FTP_NOTIMPL, "Not implemented: integrity and confidentiality come from TLS.");
}
