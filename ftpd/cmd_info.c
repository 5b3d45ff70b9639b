/*
 * cmd_info.c: the informational and parameter commands (NOOP, SYST, FEAT,
 * OPTS, HELP, STAT, SITE, CLNT, HOST, LANG, ALLO, SMNT, TYPE, MODE, STRU).
 *
 * Owns the FEAT list and the SITE sub-commands.  Nothing here opens a data
 * connection; STAT <path> lists over the control connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "codes.h"
#include "commands.h"
#include "ipc.h"
#include "listing.h"
#include "log.h"
#include "session.h"
#include "transfer.h"

void
cmd_noop(struct session *s, const char *arg)
{
	reply(s, FTP_OK, "NOOP ok.");
}

void
cmd_syst(struct session *s, const char *arg)
{
	reply(s, FTP_SYST, "UNIX Type: L8");
}

void
cmd_feat(struct session *s, const char *arg)
{
	struct buf facts = BUF_INIT(256);

	list_mlst_feat(s->mlst_facts, &facts);
	reply(s, FTP_STATUS, "Features:\n%s%s EPRT\n EPSV\n MDTM\n MFMT\n SIZE\n REST STREAM\n"
	    " MLST %s\n TVFS\n UTF8\n LANG EN*\n CLNT\n HOST\nEnd",
	    s->tls_ctx != NULL ? " AUTH TLS\n PBSZ\n PROT\n" : "",
	    s->tls_ctx != NULL && s->conf->tls_ccc ? " CCC\n" : "", buf_cstr(&facts));
	buf_free(&facts);
}

void
cmd_opts(struct session *s, const char *arg)
{
	struct buf echo = BUF_INIT(256);

	if (!strcasecmp(arg, "UTF8 ON") || !strcasecmp(arg, "UTF8") || !strcasecmp(arg, "UTF-8 ON"))
		reply(s, FTP_OK, "Always in UTF8 mode.");
	else if (!strcasecmp(arg, "UTF8 OFF"))
		reply(s, FTP_OK, "File names are passed through as bytes.");
	else if (!strncasecmp(arg, "MLST", 4) && (arg[4] == ' ' || arg[4] == '\0')) {
		s->mlst_facts = list_mlst_parse_opts(arg[4] ? arg + 5 : "", &echo);
		reply(s, FTP_OK, "MLST OPTS %s", buf_cstr(&echo));
	} else
		reply(s, FTP_BADARG, "Option not understood.");
	buf_free(&echo);
}

void
cmd_help(struct session *s, const char *arg)
{
	if (arg != NULL && !strcasecmp(arg, "SITE"))
		reply(s, FTP_HELP, "SITE commands:\n CHMOD <sp> mode <sp> file\n"
		    " UMASK [<sp> mask]\n IDLE [<sp> seconds]\n HELP\nHelp OK.");
	else
		cmd_help_reply(s, arg);
}

/* STAT with no argument: the session's state. */
static void
stat_session(struct session *s)
{
	reply(s, FTP_STATUS, "FTP server status:\n Connected to %s\n %s%s\n"
	    " Protected control channel: %s\n Private data channel: %s\n"
	    " TYPE: %s; STRUcture: File; transfer MODE: Stream\n %s\nEnd of status",
	    s->peer_str, s->logged_in ? "Logged in as " : "Not logged in",
	    s->logged_in ? s->user : "",
	    s->tls_state == CTL_TLS ? "On" : s->tls_state == CTL_CLEARED ? "Cleared (CCC)" : "Off",
	    s->prot == 'P' ? "On" : "Off", s->type_ascii ? "ASCII" : "BINARY",
	    s->data_mode == DATA_NONE ? "No data connection" :
	    s->data_mode == DATA_PASV ? "Passive mode: waiting for a data connection" :
	    "Active mode: will connect to the client");
}

/* STAT <path>: a long listing over the control connection. */
static void
stat_path(struct session *s, const char *arg)
{
	struct buf out = BUF_INIT(REPLY_MAX - 128), text = BUF_INIT(REPLY_MAX);
	struct list_req req;
	char why[128];
	struct stat st;
	const char *p;
	size_t i, start = 0;

	memset(&req, 0, sizeof(req));
	req.kind = LIST_LONG;
	req.arg = list_strip_options(arg, &req.all);
	if (list_run(&req, &out, why, sizeof(why)) < 0) {
		reply(s, FTP_NOPERM, "%s", why);
		goto done;
	}
	buf_puts(&text, "Status follows:\n");
	p = buf_cstr(&out);
	for (i = 0; i < out.len; i++)	/* each line indented: never "NNN " */
		if (p[i] == '\n') {
			buf_putc(&text, ' ');
			buf_append(&text, p + start, i - start - (i > start && p[i - 1] == '\r'));
			buf_putc(&text, '\n');
			start = i + 1;
		}
	buf_puts(&text, "End of status");
	reply(s, stat(*req.arg ? req.arg : ".", &st) == 0 && S_ISDIR(st.st_mode) ?
	    FTP_DIRSTATUS : FTP_FILESTATUS, "%s", buf_cstr(&text));
done:
	buf_free(&out);
	buf_free(&text);
}

void
cmd_stat(struct session *s, const char *arg)
{
	if (s->xfer != NULL && arg == NULL)
		xfer_status(s);
	else if (arg == NULL)
		stat_session(s);
	else if (!s->logged_in)
		reply(s, FTP_NOLOGIN, "Please login with USER and PASS.");
	else
		stat_path(s, arg);
}

static void
site_chmod(struct session *s, const char *arg)
{
	char *end;
	long mode;

	if (!s->may_write) {
		reply(s, FTP_NOPERM, "Permission denied.");
		return;
	}
	mode = strtol(arg, &end, 8);
	if (end == arg || *end != ' ' || end[1] == '\0' || mode < 0 || mode > 07777) {
		reply(s, FTP_BADARG, "Usage: SITE CHMOD <mode> <file>");
		return;
	}
	if (mode & (S_ISUID | S_ISGID)) {
		reply(s, FTP_NOPERM, "SITE CHMOD refused: no setuid or setgid files.");
		return;
	}
	if (chmod(end + 1, (mode_t)mode) == -1)
		reply(s, FTP_NOPERM, "SITE CHMOD failed: %s.", strerror(errno));
	else
		reply(s, FTP_OK, "SITE CHMOD command ok.");
}

static void
site_umask(struct session *s, const char *arg)
{
	char *end;
	long mask;

	if (*arg == '\0') {
		reply(s, FTP_OK, "Current UMASK is %03o.", (unsigned)s->umask);
		return;
	}
	if (s->anonymous) {
		reply(s, FTP_NOPERM, "Permission denied.");
		return;
	}
	mask = strtol(arg, &end, 8);
	if (end == arg || *end != '\0' || mask < 0 || mask > 0777) {
		reply(s, FTP_BADARG, "Bad UMASK value.");
		return;
	}
	/* a user may tighten the configured umask, never loosen it */
	if (((mode_t)mask & (mode_t)s->conf->umask) != (mode_t)s->conf->umask) {
		reply(s, FTP_NOPERM, "UMASK %03o refused: it must keep the bits of the "
		    "server's %03o.", (unsigned)mask, (unsigned)s->conf->umask);
		return;
	}
	s->umask = (mode_t)mask;
	reply(s, FTP_OK, "UMASK set to %03o (was %03o).", (unsigned)mask,
	    (unsigned)umask((mode_t)mask));
}

static void
site_idle(struct session *s, const char *arg)
{
	char *end;
	long secs;

	if (*arg == '\0') {
		reply(s, FTP_OK, "Current IDLE time limit is %ld seconds; max %ld.",
		    s->idle_timeout, s->conf->max_idle_timeout);
		return;
	}
	secs = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || secs < 30 || secs > s->conf->max_idle_timeout) {
		reply(s, FTP_BADARG, "Maximum IDLE time must be between 30 and %ld seconds.",
		    s->conf->max_idle_timeout);
		return;
	}
	s->idle_timeout = secs;
	ipc_send_idle(s->relay_fd, &(struct ipc_idle){ .secs = (uint32_t)secs }, -1);
	reply(s, FTP_OK, "Maximum IDLE time set to %ld seconds.", secs);
}

void
cmd_site(struct session *s, const char *arg)
{
	size_t n = strcspn(arg, " ");
	const char *rest = arg[n] == ' ' ? arg + n + 1 : "";

	if (n == 5 && !strncasecmp(arg, "CHMOD", 5))
		site_chmod(s, rest);
	else if (n == 5 && !strncasecmp(arg, "UMASK", 5))
		site_umask(s, rest);
	else if (n == 4 && !strncasecmp(arg, "IDLE", 4))
		site_idle(s, rest);
	else if (n == 4 && !strncasecmp(arg, "HELP", 4))
		cmd_help(s, "SITE");
	else
		reply(s, FTP_BADCMD, "Unknown SITE command.");
}

void
cmd_clnt(struct session *s, const char *arg)
{
	reply(s, FTP_OK, "Noted.");
}

void
cmd_host(struct session *s, const char *arg)
{
	if (s->logged_in)
		reply(s, FTP_BADSEQ, "HOST must come before USER.");
	else
		reply(s, FTP_GREET, "HOST accepted.");
}

void
cmd_lang(struct session *s, const char *arg)
{
	if (arg == NULL || !strcasecmp(arg, "EN") || !strncasecmp(arg, "EN-", 3))
		reply(s, FTP_OK, "Using English.");
	else
		reply(s, FTP_BADPARAM, "Only English is available.");
}

void
cmd_allo(struct session *s, const char *arg)
{
	reply(s, FTP_SUPERFLUOUS, "ALLO command ignored.");
}

void
cmd_smnt(struct session *s, const char *arg)
{
	reply(s, FTP_NOTIMPL, "SMNT not implemented.");
}

void
cmd_type(struct session *s, const char *arg)
{
	if (!strcasecmp(arg, "A") || !strcasecmp(arg, "A N")) {
		s->type_ascii = 1;
		reply(s, FTP_OK, "Switching to ASCII mode.");
	} else if (!strcasecmp(arg, "I") || !strcasecmp(arg, "L 8") || !strcasecmp(arg, "L8")) {
		s->type_ascii = 0;
		reply(s, FTP_OK, "Switching to Binary mode.");
	} else
		reply(s, FTP_BADPARAM, "Unsupported TYPE: use A, A N, I or L 8.");
}

void
cmd_mode(struct session *s, const char *arg)
{
	if (!strcasecmp(arg, "S"))
		reply(s, FTP_OK, "Mode set to S.");
	else if (strlen(arg) == 1)
		reply(s, FTP_BADPARAM, "Only MODE S is supported.");
	else
		reply(s, FTP_BADARG, "Bad MODE.");
}

void
cmd_stru(struct session *s, const char *arg)
{
	if (!strcasecmp(arg, "F"))
		reply(s, FTP_OK, "Structure set to F.");
	else if (strlen(arg) == 1)
		reply(s, FTP_BADPARAM, "Only STRU F is supported.");
	else
		reply(s, FTP_BADARG, "Bad STRU.");
}
