/*
 * commands.c: the command table and the dispatcher.
 *
 * Owns the checks every command passes before its handler runs: verb syntax,
 * argument rule, login state, write permission, EPSV ALL, the pre-login error
 * budget and the queueing of commands that arrive during a transfer.  Never
 * echoes a client's verb or argument in a reply.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "commands.h"
#include "log.h"
#include "session.h"
#include "transfer.h"

static const struct cmd cmdtab[] = {
	/* access control (RFC 959 4.1.1) */
	{ "USER", cmd_user, ARG_REQ | F_PRE,			"<sp> username" },
	{ "PASS", cmd_pass, ARG_OPT | F_PRE,			"<sp> password" },
	{ "ACCT", cmd_acct, ARG_REQ | F_PRE,			"<sp> account" },
	{ "CWD",  cmd_cwd,  ARG_REQ,				"<sp> directory" },
	{ "XCWD", cmd_cwd,  ARG_REQ,				"<sp> directory" },
	{ "CDUP", cmd_cdup, ARG_NONE,				"(up one directory)" },
	{ "XCUP", cmd_cdup, ARG_NONE,				"(up one directory)" },
	{ "SMNT", cmd_smnt, ARG_REQ | F_NOIMPL,			"<sp> pathname" },
	{ "REIN", cmd_rein, ARG_NONE | F_PRE,			"(reinitialize)" },
	{ "QUIT", cmd_quit, ARG_NONE | F_PRE | F_MIDXFER | F_PRETLS,	"(end session)" },
	/* transfer parameters (4.1.2) */
	{ "PORT", cmd_port, ARG_REQ | F_DATASET,		"<sp> h1,h2,h3,h4,p1,p2" },
	{ "PASV", cmd_pasv, ARG_NONE | F_DATASET,		"(passive mode)" },
	{ "EPRT", cmd_eprt, ARG_REQ | F_DATASET,		"<sp> |af|addr|port|" },
	{ "EPSV", cmd_epsv, ARG_OPT,				"[<sp> 1|2|ALL]" },
	{ "TYPE", cmd_type, ARG_REQ,					"<sp> A [N] | I | L 8" },
	{ "STRU", cmd_stru, ARG_REQ,					"<sp> F" },
	{ "MODE", cmd_mode, ARG_REQ,					"<sp> S" },
	/* service commands (4.1.3) */
	{ "RETR", cmd_retr, ARG_REQ,				"<sp> file" },
	{ "STOR", cmd_stor, ARG_REQ | F_WRITE | F_ANONUP,			"<sp> file" },
	{ "STOU", cmd_stou, ARG_OPT | F_WRITE | F_ANONUP,			"[<sp> file]" },
	{ "APPE", cmd_appe, ARG_REQ | F_WRITE,			"<sp> file" },
	{ "ALLO", cmd_allo, ARG_REQ,				"<sp> size [R <sp> size]" },
	{ "REST", cmd_rest, ARG_REQ,				"<sp> offset" },
	{ "RNFR", cmd_rnfr, ARG_REQ | F_WRITE,			"<sp> file" },
	{ "RNTO", cmd_rnto, ARG_REQ | F_WRITE,			"<sp> file" },
	{ "ABOR", cmd_abor, ARG_NONE | F_MIDXFER,		"(abort transfer)" },
	{ "DELE", cmd_dele, ARG_REQ | F_WRITE,			"<sp> file" },
	{ "RMD",  cmd_rmd,  ARG_REQ | F_WRITE,			"<sp> directory" },
	{ "XRMD", cmd_rmd,  ARG_REQ | F_WRITE,			"<sp> directory" },
	{ "MKD",  cmd_mkd,  ARG_REQ | F_WRITE | F_ANONUP,			"<sp> directory" },
	{ "XMKD", cmd_mkd,  ARG_REQ | F_WRITE | F_ANONUP,			"<sp> directory" },
	{ "PWD",  cmd_pwd,  ARG_NONE,				"(print directory)" },
	{ "XPWD", cmd_pwd,  ARG_NONE,				"(print directory)" },
	{ "LIST", cmd_list, ARG_OPT,				"[<sp> path]" },
	{ "NLST", cmd_nlst, ARG_OPT,				"[<sp> path]" },
	{ "SITE", cmd_site, ARG_REQ,				"<sp> CHMOD|UMASK|IDLE|HELP" },
	{ "SYST", cmd_syst, ARG_NONE | F_PRE | F_PRETLS,			"(system type)" },
	{ "STAT", cmd_stat, ARG_OPT | F_PRE | F_MIDXFER,	"[<sp> path]" },
	{ "HELP", cmd_help, ARG_OPT | F_PRE | F_PRETLS,			"[<sp> command]" },
	{ "NOOP", cmd_noop, ARG_NONE | F_PRE | F_MIDXFER | F_PRETLS,	"(no operation)" },
	/* RFC 2228 / 4217 security extensions */
	{ "AUTH", cmd_auth, ARG_REQ | F_PRE | F_CTL | F_PRETLS,			"<sp> TLS" },
	{ "ADAT", cmd_adat, ARG_REQ | F_PRE | F_CTL | F_PRETLS,			"<sp> base64-data" },
	{ "PBSZ", cmd_pbsz, ARG_REQ | F_PRE | F_CTL,			"<sp> 0" },
	{ "PROT", cmd_prot, ARG_REQ | F_PRE | F_CTL,			"<sp> C|P" },
	{ "CCC",  cmd_ccc,  ARG_NONE | F_PRE | F_CTL,			"(clear command channel)" },
	{ "MIC",  cmd_mic,  ARG_REQ | F_PRE | F_NOIMPL | F_CTL,		"<sp> base64-data" },
	{ "CONF", cmd_mic,  ARG_REQ | F_PRE | F_NOIMPL | F_CTL,		"<sp> base64-data" },
	{ "ENC",  cmd_mic,  ARG_REQ | F_PRE | F_NOIMPL | F_CTL,		"<sp> base64-data" },
	/* RFC 2389, 2428, 2640, 3659, 7151 and common extensions */
	{ "FEAT", cmd_feat, ARG_NONE | F_PRE | F_PRETLS,			"(list features)" },
	{ "OPTS", cmd_opts, ARG_REQ | F_PRE | F_PRETLS,			"<sp> command [<sp> options]" },
	{ "SIZE", cmd_size, ARG_REQ,				"<sp> file" },
	{ "MDTM", cmd_mdtm, ARG_REQ,				"<sp> file" },
	{ "MFMT", cmd_mfmt, ARG_REQ | F_WRITE,			"<sp> YYYYMMDDHHMMSS <sp> file" },
	{ "MLST", cmd_mlst, ARG_OPT,				"[<sp> path]" },
	{ "MLSD", cmd_mlsd, ARG_OPT,				"[<sp> directory]" },
	{ "LANG", cmd_lang, ARG_OPT | F_PRE | F_PRETLS,			"[<sp> language]" },
	{ "CLNT", cmd_clnt, ARG_OPT | F_PRE | F_PRETLS,			"<sp> client name" },
	{ "HOST", cmd_host, ARG_REQ | F_PRE | F_PRETLS,			"<sp> host name" },
};

#define NCMDS	(sizeof(cmdtab) / sizeof(cmdtab[0]))

const struct cmd *
cmd_lookup(const char *verb)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcasecmp(cmdtab[i].name, verb) == 0)
			return &cmdtab[i];
	return NULL;
}

int
cmd_parse(const char *line, char *verb, size_t verbsz, const char **arg)
{
	size_t i;

	for (i = 0; isalpha((unsigned char)line[i]); i++) {
		if (i + 1 >= verbsz)
			return -1;
		verb[i] = (char)toupper((unsigned char)line[i]);
	}
	verb[i] = '\0';
	if (i == 0)
		return -1;
	if (line[i] == '\0') {
		*arg = NULL;
		return 0;
	}
	if (line[i] != ' ')
		return -1;
	*arg = line + i + 1;
	return 0;
}

/* Before login: count a refused command and end the session past the budget. */
static void
cmd_prelogin_error(struct session *s)
{
	if (s->logged_in || ++s->prelogin_errors < PRELOGIN_ERRORS)
		return;
	log_msg(LOG_NOTICE, "%s: too many bad commands before login", s->peer_str);
	reply(s, FTP_CLOSING, "Too many bad commands, closing control connection.");
	s->quitting = 1;
}

/* The argument rule of C for ARG; replies 501 and returns -1 if broken. */
static int
cmd_check_arg(struct session *s, const struct cmd *c, const char *arg)
{
	switch (c->flags & ARG_MASK) {
	case ARG_NONE:
		if (arg != NULL) {
			reply(s, FTP_BADARG, "%s takes no argument.", c->name);
			return -1;
		}
		break;
	case ARG_REQ:
		if (arg == NULL || *arg == '\0') {
			reply(s, FTP_BADARG, "%s needs an argument.", c->name);
			return -1;
		}
		break;
	}
	return 0;
}

unsigned
cmd_flags(const char *line)
{
	char verb[8];
	const char *arg;
	const struct cmd *c;

	if (cmd_parse(line, verb, sizeof(verb), &arg) == -1 || (c = cmd_lookup(verb)) == NULL)
		return 0;
	return c->flags;
}

void
cmd_dispatch(struct session *s, const char *line)
{
	char verb[8];
	const char *arg;
	const struct cmd *c;

	if (cmd_parse(line, verb, sizeof(verb), &arg) == -1 ||
	    (c = cmd_lookup(verb)) == NULL) {
		reply(s, FTP_NOTIMPL, "Command not understood.");
		cmd_prelogin_error(s);
		return;
	}
	if (s->conf->log_sessions >= 2)
		log_msg(LOG_INFO, "-> %s%s", c->name,
		    arg == NULL ? "" : strcmp(c->name, "PASS") ? " ..." : " <hidden>");
	if (!s->logged_in && !(c->flags & F_PRE)) {
		reply(s, FTP_NOLOGIN, "Please login with USER and PASS.");
		cmd_prelogin_error(s);
		return;
	}
	if (!(c->flags & F_PRETLS) && session_tls_required(s) == TLSREQ_ALL &&
	    s->tls_state == CTL_PLAIN) {
		reply(s, FTP_NOLOGIN, "TLS required: send AUTH TLS first (use explicit FTP over TLS).");
		cmd_prelogin_error(s);
		return;
	}
	if (cmd_check_arg(s, c, arg) == -1) {
		cmd_prelogin_error(s);
		return;
	}
	if (s->logged_in && (c->flags & F_WRITE) && !(s->anonymous ?
	    s->conf->anon_upload && (c->flags & F_ANONUP) : s->may_write)) {
		reply(s, FTP_NOPERM, "Permission denied.");
		return;
	}
	if ((c->flags & F_DATASET) && s->epsv_all) {
		reply(s, FTP_BADSEQ, "%s not allowed after EPSV ALL.", c->name);
		return;
	}
	if (c->fn != cmd_rnto)
		s->have_rnfr = 0;
	c->fn(s, arg);
}

void
cmd_help_reply(struct session *s, const char *arg)
{
	struct buf b = BUF_INIT(8192);
	const struct cmd *c;
	size_t i;

	if (arg != NULL && *arg != '\0') {
		char verb[8];
		const char *rest;

		if (cmd_parse(arg, verb, sizeof(verb), &rest) == -1 ||
		    (c = cmd_lookup(verb)) == NULL) {
			reply(s, FTP_NOTIMPL, "Unknown command.");
			return;
		}
		reply(s, FTP_HELP, "Syntax: %s %s%s", c->name, c->help,
		    (c->flags & F_NOIMPL) ? " (not implemented)" : "");
		return;
	}
	buf_puts(&b, "The following commands are recognized (* = not implemented).");
	for (i = 0; i < NCMDS; i++) {
		buf_appendf(&b, "%s%-4s%s", i % 8 == 0 ? "\n " : "   ", cmdtab[i].name,
		    (cmdtab[i].flags & F_NOIMPL) ? "*" : " ");
	}
	buf_puts(&b, "\nHelp OK.");
	reply(s, FTP_HELP, "%s", buf_cstr(&b));
	buf_free(&b);
}
