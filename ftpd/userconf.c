/*
 * userconf.c: who a login becomes and with which settings (monitor, root).
 *
 * Owns three decisions the monitor makes before it forks a user process:
 * virtual users (guest_enable: a name PAM knows and the password database
 * does not logs in as guest_user, always chrooted to guest_root with %u
 * replaced by the name), per-user roots (local_root, the same template for
 * local accounts) and per-user settings (user_config_dir: a file per user
 * holding a fixed, safe subset of ftpd.conf keywords, applied to a copy of
 * the configuration that only the user process sees).  A per-user file that
 * is not root's, holds another keyword or a bad value refuses the login with
 * the reason in syslog; nothing falls back to a default silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "log.h"
#include "userconf.h"

/*
 * The keywords a per-user file may set: what only the user process (and the
 * monitor's decisions for it) reads.  Nothing the control process or the
 * monitor's own limits use (they run already), nothing that names accounts.
 */
static const char *const userconf_keywords[] = {
	"write_enable", "umask", "local_root", "chroot_local_user", "local_max_rate",
	"data_timeout", "message_file", "tls_data", "tls_data_list",
	"tls_session_reuse", "tls_strict_upload_eof", NULL
};

static struct passwd uc_pw;		/* a virtual user: guest_user's ids, its own name */
static char uc_name[MAX_USER + 1], uc_shell[MAX_PATH];
static struct conf uc_conf;		/* the per-user copy */
static int uc_have;			/* uc_conf holds one for this login */
static int uc_alloc;			/* uc_conf holds strings to free */

/* May NAME be a path component (a file in user_config_dir, a %u)? */
static int
userconf_name_ok(const char *name)
{
	return name[0] != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	    strchr(name, '/') == NULL;
}

int
userconf_expand(const char *template, const char *name, char *out, size_t outsz)
{
	struct buf b = BUF_INIT(MAX_PATH);
	const char *p;
	int r = 0;

	for (p = template; *p != '\0' && r == 0; p++) {
		if (*p != '%')
			r = buf_putc(&b, *p);
		else if (p[1] == '%')
			r = buf_putc(&b, *++p);
		else if (p[1] == 'u' && userconf_name_ok(name)) {
			r = buf_puts(&b, name);
			p++;
		} else
			r = -1;
	}
	if (r == 0)
		r = str_copy(out, outsz, buf_cstr(&b));
	buf_free(&b);
	return r;
}

struct passwd *
userconf_getpw(const struct conf *c, const char *user)
{
	struct passwd *pw = getpwnam(user);

	memset(&uc_pw, 0, sizeof(uc_pw));
	if (pw != NULL || !c->guest_enable || !userconf_name_ok(user) ||
	    (pw = getpwnam(c->guest_user)) == NULL)
		return pw;
	if (str_copy(uc_name, sizeof(uc_name), user) == -1 ||
	    str_copy(uc_shell, sizeof(uc_shell), pw->pw_shell ? pw->pw_shell : "") == -1)
		return NULL;
	uc_pw.pw_name = uc_name;
	uc_pw.pw_passwd = (char *)"x";
	uc_pw.pw_uid = pw->pw_uid;
	uc_pw.pw_gid = pw->pw_gid;
	uc_pw.pw_gecos = (char *)"";
	uc_pw.pw_dir = (char *)"/";	/* userconf_login() names the real one */
	uc_pw.pw_shell = uc_shell;
	return &uc_pw;
}

int
userconf_virtual(const struct passwd *pw)
{
	return pw == &uc_pw && uc_pw.pw_name != NULL;
}

/*
 * Read the per-user file of NAME, if there is one, into uc_conf (a copy of
 * BASE).  For a VIRTUAL user local_root starts empty: set, it is that user's
 * root instead of guest_root.
 */
static int
userconf_read(const struct conf *base, const char *name, int virtual, char *why, size_t whysz)
{
	char path[MAX_PATH];
	struct stat st;
	FILE *f;
	int fd, r;

	if (base->user_config_dir[0] == '\0')
		return 0;
	if (!userconf_name_ok(name) || str_fmt(path, sizeof(path), "%s/%s",
	    base->user_config_dir, name) == -1) {
		str_copy(why, whysz, "the name cannot name a file in user_config_dir");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		str_fmt(why, whysz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0) {
		str_fmt(why, whysz, "%s: not a regular file that root owns and only root "
		    "may write", path);
		close(fd);
		return -1;
	}
	if ((f = fdopen(fd, "r")) == NULL)
		die("fdopen: %s", strerror(errno));
	if (uc_alloc)
		conf_free(&uc_conf);
	conf_copy(&uc_conf, base);
	uc_alloc = 1;
	if (virtual && conf_set(&uc_conf, "local_root", "", why, whysz) == -1)
		die("local_root: %s", why);
	r = conf_load_stream(&uc_conf, f, path, userconf_keywords, why, whysz);
	fclose(f);
	if (r == -1)
		return -1;
	uc_have = 1;
	return 0;
}

/* Is DIR an existing directory?  -1 with the reason in WHY if not. */
static int
userconf_dir_ok(const char *what, const char *dir, char *why, size_t whysz)
{
	struct stat st;

	if (dir[0] != '/') {
		str_fmt(why, whysz, "%s %s is not an absolute path", what, dir);
		return -1;
	}
	if (stat(dir, &st) == -1) {
		str_fmt(why, whysz, "%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		str_fmt(why, whysz, "%s %s is not a directory", what, dir);
		return -1;
	}
	return 0;
}

const struct conf *
userconf_login(const struct conf *base, const struct passwd *pw, char *home, size_t homesz,
    char *why, size_t whysz)
{
	const struct conf *c;
	const char *tmpl, *what;

	uc_have = 0;
	if (userconf_read(base, pw->pw_name, userconf_virtual(pw), why, whysz) == -1) {
		uc_have = 0;
		return NULL;
	}
	c = uc_have ? &uc_conf : base;
	if (userconf_virtual(pw) && uc_have && uc_conf.local_root[0] != '\0') {
		tmpl = uc_conf.local_root;	/* from the user's own file */
		what = "local_root";
	} else if (userconf_virtual(pw)) {
		tmpl = c->guest_root;
		what = "guest_root";
	} else {
		tmpl = c->local_root;
		what = "local_root";
	}
	if (tmpl[0] == '\0') {
		if (!userconf_virtual(pw))
			return str_copy(home, homesz, pw->pw_dir) == -1 ? NULL : c;
		str_copy(why, whysz, "guest_root is not set");
	} else if (userconf_expand(tmpl, pw->pw_name, home, homesz) == -1)
		str_fmt(why, whysz, "%s %s does not expand for this name", what, tmpl);
	else if (userconf_dir_ok(what, home, why, whysz) == 0)
		return c;
	uc_have = 0;
	return NULL;
}

void
userconf_drop(void)
{
	uc_have = 0;
}

const struct conf *
userconf_take(const struct conf *base)
{
	if (!uc_have)
		return base;
	uc_have = 0;
	return &uc_conf;
}
