/*
 * session.c: creating and resetting the per-session state.
 *
 * Owns the defaults of a session (RFC 959 5.3: TYPE A N, MODE S, STRU F, no
 * data set-up).  Never does I/O.
 */
#include <string.h>
#include <unistd.h>

#include "listing.h"
#include "session.h"

void
session_init(struct session *s, const struct conf *c)
{
	memset(s, 0, sizeof(*s));
	s->conf = c;
	s->client_in = 0;
	s->client_out = 1;
	s->mon_fd = -1;
	s->chan_fd = -1;
	s->relay_fd = -1;
	s->xferlog_fd = -1;
	s->pasv_fd = -1;
	s->limit_fd[0] = s->limit_fd[1] = -1;
	s->idle_timeout = c->idle_timeout;
	s->umask = (mode_t)c->umask;
	s->mlst_facts = MLST_DEFAULT;
	s->prot = 'C';
	s->data_prot[0] = session_data_policy(c, 0, "", NULL, 0, 0);	/* the monitor decides */
	s->data_prot[1] = session_data_policy(c, 0, "", NULL, 0, 1);	/* again at login */
	buf_init(&s->welcome, MSG_FILE_MAX * 2);
	buf_init(&s->queued, MAX_CMDLINE);
	buf_init(&s->ctl_session, TLS_SESSION_MAX);
	session_reset_transfer_state(s);
}

void
session_reset_transfer_state(struct session *s)
{
	s->type_ascii = 1;
	s->rest = 0;
	s->have_rnfr = 0;
	s->epsv_all = 0;
	s->data_mode = DATA_NONE;
	if (s->pasv_fd != -1)
		close(s->pasv_fd);
	s->pasv_fd = -1;
}

enum tls_req
session_tls_required(const struct session *s)
{
	enum tls_req r = s->conf->tls_required;

	if (s->tls_ctx == NULL || r == TLSREQ_NONE)
		return TLSREQ_NONE;
	return r == TLSREQ_ALL ? TLSREQ_ALL : TLSREQ_LOGIN;	/* auto, login */
}

int
session_user_listed(const char *names, const char *user,
    const char *const *groups, int ngroups)
{
	char list[MAX_CONF_VALUE];
	char *tok, *save = NULL;
	int undecided = 0, i;

	str_copy(list, sizeof(list), names);
	for (tok = strtok_r(list, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		if (tok[0] != '@') {
			if (!strcmp(tok, user))
				return 1;
			continue;
		}
		if (groups == NULL)
			undecided = 1;
		for (i = 0; groups != NULL && i < ngroups; i++)
			if (!strcmp(tok + 1, groups[i]))
				return 1;
	}
	return undecided ? -1 : 0;
}

enum tls_reuse
session_reuse_policy(const struct conf *c, const char *user, const char *const *groups,
    int ngroups, const union sockaddr_u *peer)
{
	enum tls_reuse p = c->tls_session_reuse;

	if (p == REUSE_OFF)
		return REUSE_OFF;
	if (p == REUSE_ACCEPT || session_user_listed(c->tls_session_reuse_exempt, user,
	    groups, ngroups) == 1 || net_in_networks(peer, c->tls_session_reuse_exempt))
		return REUSE_ACCEPT;
	return REUSE_REQUIRE;
}

/* tls_data_anonymous as a data_prot (not ADPROT_SAME). */
static enum data_prot
data_prot_of(enum anon_data_prot v)
{
	return v == ADPROT_NEVER ? DPROT_NEVER : v == ADPROT_REQUIRE ? DPROT_REQUIRE :
	    DPROT_ALLOW;
}

enum data_prot
session_data_policy(const struct conf *c, int anonymous, const char *user,
    const char *const *groups, int ngroups, int list)
{
	enum data_prot p = list ? c->tls_data_list : c->tls_data;

	if (anonymous && c->tls_data_anonymous != ADPROT_SAME)
		p = data_prot_of(c->tls_data_anonymous);
	if (p == DPROT_REQUIRE && !anonymous &&
	    session_user_listed(c->tls_data_plain_users, user, groups, ngroups) == 1)
		p = DPROT_ALLOW;
	return p;
}

const char *
session_tls_login_refusal(const struct session *s, const char *user, int anonymous, int tls,
    const char *const *groups, int ngroups)
{
	enum tls_anon anon = s->conf->tls_anonymous;

	if (anonymous) {
		if (tls && anon == TLSANON_REFUSE)
			return "Anonymous logins are not allowed over TLS: connect without AUTH.";
		if (!tls && anon == TLSANON_REQUIRE && s->tls_ctx != NULL)
			return "Anonymous logins need TLS: send AUTH TLS first.";
		return NULL;
	}
	if (tls || session_tls_required(s) == TLSREQ_NONE ||
	    session_user_listed(s->conf->tls_plain_users, user, groups, ngroups) != 0)
		return NULL;
	return "Non-anonymous sessions must use encryption: connect with explicit FTP over "
	    "TLS (AUTH TLS).";
}
