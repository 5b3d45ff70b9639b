/*
 * cmd_dir.c: directory commands: CWD, CDUP, PWD, MKD, RMD, LIST, NLST, MLSD,
 * MLST.
 *
 * Owns the .message display and the checks made before a listing's 150, so
 * that a missing directory is a 550 rather than an empty transfer.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codes.h"
#include "commands.h"
#include "files.h"
#include "listing.h"
#include "log.h"
#include "path.h"
#include "session.h"
#include "transfer.h"

/* The .message of the directory just entered, once per directory. */
static void
dir_message(struct session *s, struct buf *out)
{
	struct stat st;
	int i;

	if (s->conf->message_file[0] == '\0' || stat(".", &st) == -1)
		return;
	for (i = 0; i < s->nmsg; i++)
		if (s->msg_dev[i] == st.st_dev && s->msg_ino[i] == st.st_ino)
			return;
	if (s->nmsg < (int)(sizeof(s->msg_dev) / sizeof(s->msg_dev[0]))) {
		s->msg_dev[s->nmsg] = st.st_dev;
		s->msg_ino[s->nmsg++] = st.st_ino;
	}
	if (file_read_text(s->conf->message_file, out) == 0 && out->len > 0 &&
	    buf_cstr(out)[out->len - 1] != '\n')
		buf_putc(out, '\n');
}

static void
change_dir(struct session *s, const char *dir, int code)
{
	struct buf msg = BUF_INIT(MSG_FILE_MAX + 2);

	if (chdir(dir) == -1) {
		reply(s, FTP_NOPERM, "Failed to change directory: %s.", strerror(errno));
		return;
	}
	dir_message(s, &msg);
	reply(s, code, "%sDirectory successfully changed.", buf_cstr(&msg));
	buf_free(&msg);
}

void
cmd_cwd(struct session *s, const char *arg)
{
	change_dir(s, arg, FTP_FILEOK);
}

void
cmd_cdup(struct session *s, const char *arg)
{
	change_dir(s, "..", FTP_OK);
}

void
cmd_pwd(struct session *s, const char *arg)
{
	struct buf q = BUF_INIT(MAX_PATH * 2 + 2);
	char cwd[MAX_PATH];

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		reply(s, FTP_NOPERM, "Cannot get the current directory.");
		return;
	}
	path_quote(&q, cwd);
	reply(s, FTP_PATHCREATED, "%s is the current directory", buf_cstr(&q));
	buf_free(&q);
}

void
cmd_mkd(struct session *s, const char *arg)
{
	struct buf q = BUF_INIT(MAX_PATH * 2 + 2);
	char cwd[MAX_PATH], path[MAX_PATH];

	if (mkdir(arg, 0777) == -1) {
		reply(s, FTP_NOPERM, "Create directory operation failed: %s.", strerror(errno));
		return;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL || path_join(cwd, arg, path, sizeof(path)) == -1)
		str_copy(path, sizeof(path), arg);
	path_quote(&q, path);
	reply(s, FTP_PATHCREATED, "%s created", buf_cstr(&q));
	buf_free(&q);
}

void
cmd_rmd(struct session *s, const char *arg)
{
	if (rmdir(arg) == -1)
		reply(s, FTP_NOPERM, "Remove directory operation failed: %s.", strerror(errno));
	else
		reply(s, FTP_FILEOK, "Remove directory operation successful.");
}

/* Start a listing transfer of KIND for ARG. */
static void
list_start(struct session *s, enum list_kind kind, const char *arg)
{
	struct xfer_req r;
	struct stat st;
	const char *path;

	memset(&r, 0, sizeof(r));
	r.kind = XF_LIST;
	r.fd = -1;
	r.list.kind = kind;
	r.list.facts = s->mlst_facts;
	path = kind == LIST_MLSD ? (arg ? arg : "") : list_strip_options(arg ? arg : "", &r.list.all);
	if (str_copy(r.list_arg, sizeof(r.list_arg), path) == -1) {
		reply(s, FTP_BADNAME, "Path too long.");
		return;
	}
	if (*path != '\0' && !list_has_glob(path)) {
		if (stat(path, &st) == -1) {
			reply(s, FTP_NOPERM, "%s.", strerror(errno));
			return;
		}
		if (kind == LIST_MLSD && !S_ISDIR(st.st_mode)) {
			reply(s, FTP_BADARG, "MLSD needs a directory: use MLST for a file.");
			return;
		}
	}
	str_copy(r.name, sizeof(r.name), *path ? path : ".");
	xfer_start(s, &r);
}

void
cmd_list(struct session *s, const char *arg)
{
	list_start(s, LIST_LONG, arg);
}

void
cmd_nlst(struct session *s, const char *arg)
{
	list_start(s, LIST_NAMES, arg);
}

void
cmd_mlsd(struct session *s, const char *arg)
{
	list_start(s, LIST_MLSD, arg);
}

void
cmd_mlst(struct session *s, const char *arg)
{
	struct buf line = BUF_INIT(MAX_PATH * 2 + 512), shown = BUF_INIT(MAX_PATH * 4 + 512);
	char cwd[MAX_PATH], path[MAX_PATH], why[128];
	const char *target = arg != NULL && *arg ? arg : ".";

	if (getcwd(cwd, sizeof(cwd)) == NULL || path_join(cwd, target, path, sizeof(path)) == -1)
		str_copy(path, sizeof(path), target);
	if (list_mlst_facts(target, path, s->mlst_facts, &line, why, sizeof(why)) == -1)
		reply(s, FTP_NOPERM, "%s.", why);
	else {
		path_for_reply(&shown, path, strlen(path));
		buf_puts(&shown, "\n ");
		path_for_reply(&shown, buf_cstr(&line), line.len);
		reply(s, FTP_FILEOK, "Listing %s\nEnd", buf_cstr(&shown));
	}
	buf_free(&line);
	buf_free(&shown);
}
