/*
 * listing.c: LIST, NLST, MLSD, MLST and STAT <path> text, built in-process.
 *
 * Owns the ls -l line format, RFC 3659 facts, the one-component wildcard
 * expansion and the uid/gid name cache.  It reads directories and stats files
 * with the caller's credentials and only ever writes into the caller's buf:
 * it must never run /bin/ls or a shell, never write to a file descriptor,
 * never follow a wildcard into more than one directory, never pass a name
 * holding CR or LF to the client, and never emit more than LIST_MAX_ENTRIES
 * lines or look at more than GLOB_MAX_SCAN entries for one wildcard.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "listing.h"
#include "log.h"

#define LIST_LINE_MAX	(2 * MAX_PATH + 512)	/* one line: name, link target, fields */
#define LIST_SIX_MONTHS	(365 * 24 * 3600 / 2)	/* ls(1): older mtimes show the year */
#define LIST_FUTURE	3600			/* newer than now + 1h also shows the year */
#define LIST_ID_CACHE	64			/* uid and gid names remembered (each) */
#define LIST_ID_NAMEMAX	33			/* longer owner names print as numbers */
#define LIST_PWBUF	16384			/* getpwuid_r/getgrgid_r scratch */

enum { LIST_GO, LIST_CUT, LIST_ABORT };

/* One listing in progress. */
struct list_ctx {
	const struct list_req	*req;
	struct buf		*out;
	struct buf		 line;		/* the line being built */
	time_t			 now;
	size_t			 lines;
	int			 stop;		/* LIST_GO, LIST_CUT, LIST_ABORT */
	int			 badname_logged;
};

/* A growing, sortable array of names. */
struct list_names {
	char	**v;
	size_t	  n, cap;
};

/* What the MLST facts of one object are computed from. */
struct list_fobj {
	int			 dfd;		/* NAME and PARENT are relative to this */
	const char		*name;
	const char		*parent;	/* the directory holding NAME */
	const char		*type;		/* "cdir"/"pdir", or NULL: from the stat */
	const struct stat	*lst;		/* lstat */
	const struct stat	*st;		/* stat (lstat if a dangling link) */
};

struct list_idname {
	unsigned long	 id;
	int		 used;
	char		 name[LIST_ID_NAMEMAX];
};

struct list_idcache {
	struct list_idname	e[LIST_ID_CACHE];
	size_t			next;
};

static struct list_idcache list_users, list_groups;

static const char *const list_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static const struct {
	const char	*name;
	unsigned	 bit;
} list_facts[] = {
	{ "type",	MLST_TYPE },
	{ "size",	MLST_SIZE },
	{ "modify",	MLST_MODIFY },
	{ "perm",	MLST_PERM },
	{ "unique",	MLST_UNIQUE },
	{ "UNIX.mode",	MLST_UNIX_MODE },
	{ "UNIX.owner",	MLST_UNIX_OWNER },
	{ "UNIX.group",	MLST_UNIX_GROUP },
};
#define LIST_NFACTS	(sizeof(list_facts) / sizeof(list_facts[0]))

static void
list_why(char *why, size_t whysz, const char *text)
{
	if (why != NULL && whysz > 0)
		(void)str_copy(why, whysz, text);
}

static int
list_bad_name(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* Log (once per listing) that a name was left out for holding CR or LF. */
static void
list_note_bad(int *logged)
{
	if (*logged)
		return;
	*logged = 1;
	log_msg(LOG_INFO, "listing: names holding CR or LF left out");
}

/* ---- names of users and groups ---- */

/* A name we can print in a whitespace-separated field and an MLST fact. */
static int
list_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= LIST_ID_NAMEMAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == ';' || *s == '=')
			return 0;
	return 1;
}

static const char *
list_id_put(struct list_idcache *c, unsigned long id, const char *name)
{
	struct list_idname *e = &c->e[c->next];

	c->next = (c->next + 1) % LIST_ID_CACHE;
	e->id = id;
	e->used = 1;
	if (name == NULL || !list_id_ok(name))
		(void)str_fmt(e->name, sizeof(e->name), "%lu", id);
	else
		(void)str_copy(e->name, sizeof(e->name), name);
	return e->name;
}

/* The name of uid/gid ID (GROUP says which), or its number; cached. */
static const char *
list_id_name(unsigned long id, int group)
{
	struct list_idcache *c = group ? &list_groups : &list_users;
	char scratch[LIST_PWBUF];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	size_t i;

	for (i = 0; i < LIST_ID_CACHE; i++)
		if (c->e[i].used && c->e[i].id == id)
			return c->e[i].name;
	if (group) {
		if (getgrgid_r((gid_t)id, &gr, scratch, sizeof(scratch), &grp) != 0)
			grp = NULL;
		return list_id_put(c, id, grp != NULL ? grp->gr_name : NULL);
	}
	if (getpwuid_r((uid_t)id, &pw, scratch, sizeof(scratch), &pwp) != 0)
		pwp = NULL;
	return list_id_put(c, id, pwp != NULL ? pwp->pw_name : NULL);
}

void
list_names_seed(uid_t uid, const char *user, gid_t gid, const char *group)
{
	tzset();	/* localtime_r() must have the zone before any chroot */
	if (user != NULL)
		(void)list_id_put(&list_users, uid, user);
	else
		(void)list_id_name(uid, 0);
	if (group != NULL)
		(void)list_id_put(&list_groups, gid, group);
	else
		(void)list_id_name(gid, 1);
}

/* ---- name arrays ---- */

static void
list_names_add(struct list_names *nv, const char *name)
{
	if (nv->n == nv->cap) {
		nv->cap = nv->cap ? nv->cap * 2 : 64;
		nv->v = xrealloc(nv->v, nv->cap * sizeof(nv->v[0]));
	}
	nv->v[nv->n++] = xstrdup(name);
}

static void
list_names_free(struct list_names *nv)
{
	size_t i;

	for (i = 0; i < nv->n; i++)
		free(nv->v[i]);
	free(nv->v);
	nv->v = NULL;
	nv->n = nv->cap = 0;
}

static int
list_names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_names_sort(struct list_names *nv)
{
	if (nv->n > 1)
		qsort(nv->v, nv->n, sizeof(nv->v[0]), list_names_cmp);
}

/* ---- output ---- */

static void
list_ctx_init(struct list_ctx *c, const struct list_req *req, struct buf *out)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	c->out = out;
	buf_init(&c->line, LIST_LINE_MAX);
	c->now = time(NULL);
	c->stop = LIST_GO;
}

static int
list_flush(struct list_ctx *c)
{
	if (c->req->flush == NULL)
		return 0;
	if (c->req->flush(c->out, c->req->flush_arg) == -1) {
		c->stop = LIST_ABORT;
		return -1;
	}
	return 0;
}

/*
 * Add the line being built, plus CRLF, to the output; flush when it is big.
 * Returns 0 to go on, -1 once the listing must stop (see c->stop).
 */
static int
list_put(struct list_ctx *c)
{
	if (c->stop != LIST_GO)
		return -1;
	if (memchr(c->line.p, '\r', c->line.len) != NULL ||
	    memchr(c->line.p, '\n', c->line.len) != NULL) {
		list_note_bad(&c->badname_logged);
		return 0;
	}
	if (c->lines >= LIST_MAX_ENTRIES) {
		log_msg(LOG_INFO, "listing cut after %d entries", LIST_MAX_ENTRIES);
		c->stop = LIST_CUT;
		return -1;
	}
	if (buf_puts(&c->line, "\r\n") == -1)
		return 0;
	if (buf_append(c->out, c->line.p, c->line.len) == -1 &&
	    (list_flush(c) == -1 ||
	    buf_append(c->out, c->line.p, c->line.len) == -1)) {
		if (c->stop == LIST_GO) {
			log_msg(LOG_INFO, "listing cut: output buffer full");
			c->stop = LIST_CUT;
		}
		return -1;
	}
	c->lines++;
	if (c->out->len >= LIST_FLUSH && list_flush(c) == -1)
		return -1;
	return 0;
}

/* ---- ls -l lines ---- */

static char
list_type_char(mode_t m)
{
	if (S_ISDIR(m))
		return 'd';
	if (S_ISLNK(m))
		return 'l';
	if (S_ISCHR(m))
		return 'c';
	if (S_ISBLK(m))
		return 'b';
	if (S_ISFIFO(m))
		return 'p';
	if (S_ISSOCK(m))
		return 's';
	return '-';
}

/* Execute position: X if executable, with the set-id/sticky bit SPECIAL. */
static char
list_x_char(mode_t m, mode_t x, mode_t special, char on, char off)
{
	if (m & special)
		return (m & x) ? on : off;
	return (m & x) ? 'x' : '-';
}

static void
list_mode_str(mode_t m, char s[11])
{
	s[0] = list_type_char(m);
	s[1] = (m & S_IRUSR) ? 'r' : '-';
	s[2] = (m & S_IWUSR) ? 'w' : '-';
	s[3] = list_x_char(m, S_IXUSR, S_ISUID, 's', 'S');
	s[4] = (m & S_IRGRP) ? 'r' : '-';
	s[5] = (m & S_IWGRP) ? 'w' : '-';
	s[6] = list_x_char(m, S_IXGRP, S_ISGID, 's', 'S');
	s[7] = (m & S_IROTH) ? 'r' : '-';
	s[8] = (m & S_IWOTH) ? 'w' : '-';
	s[9] = list_x_char(m, S_IXOTH, S_ISVTX, 't', 'T');
	s[10] = '\0';
}

/* "Mmm dd HH:MM" for recent times, "Mmm dd  YYYY" otherwise; C locale. */
static void
list_date(time_t t, time_t now, char *d, size_t dsz)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11) {
		(void)str_copy(d, dsz, "Jan 01  1970");
		return;
	}
	if (t > now - LIST_SIX_MONTHS && t <= now + LIST_FUTURE)
		(void)str_fmt(d, dsz, "%s %02d %02d:%02d", list_months[tm.tm_mon],
		    tm.tm_mday, tm.tm_hour, tm.tm_min);
	else	/* tm_year + 1900 overflows an int in the last 1900 years it holds */
		(void)str_fmt(d, dsz, "%s %02d  %04lld", list_months[tm.tm_mon],
		    tm.tm_mday, (long long)tm.tm_year + 1900);
}

/* Read the target of link NAME (relative to DFD) into T; -1 if unreadable. */
static int
list_readlink(int dfd, const char *name, char *t, size_t tsz)
{
	ssize_t n;

	n = readlinkat(dfd, name, t, tsz - 1);
	if (n < 0)
		return -1;
	t[n] = '\0';
	return 0;
}

/* Build and put the ls -l line for NAME (relative to DFD), shown as DISPLAY. */
static int
list_long_line(struct list_ctx *c, int dfd, const char *name, const char *display,
    const struct stat *st)
{
	char mode[11], date[32], target[MAX_PATH];
	struct buf *l = &c->line;

	list_mode_str(st->st_mode, mode);
	list_date(st->st_mtime, c->now, date, sizeof(date));
	buf_reset(l);
	if (buf_appendf(l, "%s %4lu %-8s %-8s %12lld %s ", mode,
	    (unsigned long)st->st_nlink, list_id_name(st->st_uid, 0),
	    list_id_name(st->st_gid, 1), (long long)st->st_size, date) == -1 ||
	    buf_puts(l, display) == -1)
		return 0;
	if (S_ISLNK(st->st_mode) &&
	    list_readlink(dfd, name, target, sizeof(target)) == 0 &&
	    !list_bad_name(target))
		(void)buf_appendf(l, " -> %s", target);
	return list_put(c);
}

/* ---- MLST facts ---- */

static int
list_can(int dfd, const char *name, int mode)
{
	return faccessat(dfd, name, mode, AT_EACCESS) == 0;
}

/* RFC 3659 7.5.5 perm letters, for the effective user. */
static void
list_perm(struct buf *b, const struct list_fobj *o)
{
	int pw = list_can(o->dfd, o->parent, W_OK | X_OK);
	int w;

	if (S_ISDIR(o->st->st_mode)) {
		w = list_can(o->dfd, o->name, W_OK | X_OK);
		if (w)
			buf_putc(b, 'c');
		if (pw)
			buf_putc(b, 'd');
		if (list_can(o->dfd, o->name, X_OK))
			buf_putc(b, 'e');
		if (pw)
			buf_putc(b, 'f');
		if (list_can(o->dfd, o->name, R_OK | X_OK))
			buf_putc(b, 'l');
		if (w)
			buf_puts(b, "mp");
		return;
	}
	w = list_can(o->dfd, o->name, W_OK);
	if (w)
		buf_putc(b, 'a');
	if (pw)
		buf_puts(b, "df");
	if (list_can(o->dfd, o->name, R_OK))
		buf_putc(b, 'r');
	if (w)
		buf_putc(b, 'w');
}

/* A symlink target usable inside a fact value (no SP, ';', controls). */
static int
list_fact_value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == ';' || *s == 0x7f)
			return 0;
	return 1;
}

static void
list_fact_type(struct buf *b, const struct list_fobj *o)
{
	char target[MAX_PATH];
	mode_t m = o->lst->st_mode;

	if (o->type != NULL)
		buf_puts(b, o->type);
	else if (S_ISLNK(m)) {
		buf_puts(b, "OS.unix=slink");
		if (list_readlink(o->dfd, o->name, target, sizeof(target)) == 0 &&
		    list_fact_value_ok(target))
			buf_appendf(b, ":%s", target);
	} else if (S_ISDIR(m))
		buf_puts(b, "dir");
	else if (S_ISREG(m))
		buf_puts(b, "file");
	else if (S_ISCHR(m))
		buf_puts(b, "OS.unix=chardev");
	else if (S_ISBLK(m))
		buf_puts(b, "OS.unix=blkdev");
	else if (S_ISFIFO(m))
		buf_puts(b, "OS.unix=fifo");
	else
		buf_puts(b, "OS.unix=socket");
}

int
list_time_val(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -1;
	return str_fmt(out, outsz, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The N digits at P as a number; -1 if one is not a digit. */
static long
digits(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int
list_parse_time_val(const char *p, size_t n, struct timespec *ts)
{
	struct tm tm, back;
	long frac = 0, scale = 100000000L;
	size_t i;
	time_t t;

	if (n < 14 || digits(p, 14) == -1 || (n > 14 && (p[14] != '.' || n == 15 || n > 24)))
		return -1;
	for (i = 15; i < n; i++, scale /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		frac += (p[i] - '0') * scale;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)digits(p, 4) - 1900;
	tm.tm_mon = (int)digits(p + 4, 2) - 1;
	tm.tm_mday = (int)digits(p + 6, 2);
	tm.tm_hour = (int)digits(p + 8, 2);
	tm.tm_min = (int)digits(p + 10, 2);
	tm.tm_sec = (int)digits(p + 12, 2);
	back = tm;
	t = timegm(&tm);
	/* timegm() normalises: a field out of range shows as a different date */
	if (tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon || tm.tm_mday != back.tm_mday ||
	    tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	ts->tv_sec = t;
	ts->tv_nsec = frac;
	return 0;
}

/* Append "name=value;" for each fact in FACTS (canonical order). */
static void
list_facts_put(struct buf *b, const struct list_fobj *o, unsigned facts)
{
	const struct stat *st = o->st;
	char tv[LIST_TIME_VAL];

	if (facts & MLST_TYPE) {
		buf_puts(b, "type=");
		list_fact_type(b, o);
		buf_putc(b, ';');
	}
	if ((facts & MLST_SIZE) && S_ISREG(st->st_mode))
		buf_appendf(b, "size=%lld;", (long long)st->st_size);
	if ((facts & MLST_MODIFY) && list_time_val(st->st_mtime, tv, sizeof(tv)) == 0)
		buf_appendf(b, "modify=%s;", tv);	/* left out if not a time-val */
	if (facts & MLST_PERM) {
		buf_puts(b, "perm=");
		list_perm(b, o);
		buf_putc(b, ';');
	}
	if (facts & MLST_UNIQUE)
		buf_appendf(b, "unique=%llxU%llx;", (unsigned long long)st->st_dev,
		    (unsigned long long)st->st_ino);
	if (facts & MLST_UNIX_MODE)
		buf_appendf(b, "UNIX.mode=%04o;", (unsigned)(st->st_mode & 07777));
	if (facts & MLST_UNIX_OWNER)
		buf_appendf(b, "UNIX.owner=%s;", list_id_name(st->st_uid, 0));
	if (facts & MLST_UNIX_GROUP)
		buf_appendf(b, "UNIX.group=%s;", list_id_name(st->st_gid, 1));
}

/* lstat NAME into LST and, for a link whose target exists, stat into ST. */
static int
list_stat2(int dfd, const char *name, struct stat *lst, struct stat *st)
{
	if (fstatat(dfd, name, lst, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISLNK(lst->st_mode) || fstatat(dfd, name, st, 0) == -1)
		*st = *lst;
	return 0;
}

/* The directory holding PATH, into P ("a/b" -> "a", "x" -> ".", "." -> ".."). */
static int
list_parent(const char *path, struct buf *p)
{
	size_t n = strlen(path), i;
	const char *comp;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (i = n; i > 0 && path[i - 1] != '/'; i--)
		;
	comp = path + i;
	if ((n - i == 1 && comp[0] == '.') ||
	    (n - i == 2 && comp[0] == '.' && comp[1] == '.'))
		return buf_append(p, path, n) == -1 ? -1 : buf_puts(p, "/..");
	if (n == 1 && path[0] == '/')
		return buf_puts(p, "/");
	if (i == 0)
		return buf_puts(p, ".");
	if (i == 1)
		return buf_puts(p, "/");
	return buf_append(p, path, i - 1);
}

int
list_mlst_facts(const char *path, const char *display_name, unsigned facts,
    struct buf *out, char *why, size_t whysz)
{
	struct buf parent = BUF_INIT(MAX_PATH + 8), line = BUF_INIT(LIST_LINE_MAX);
	struct stat lst, st;
	struct list_fobj o;
	int r = -1;

	if (list_stat2(AT_FDCWD, path, &lst, &st) == -1) {
		list_why(why, whysz, strerror(errno));
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.dfd = AT_FDCWD;
	o.name = path;
	o.lst = &lst;
	o.st = &st;
	if (list_parent(path, &parent) == 0) {
		o.parent = buf_cstr(&parent);
		list_facts_put(&line, &o, facts);
		if (buf_putc(&line, ' ') == 0 && buf_puts(&line, display_name) == 0 &&
		    buf_append(out, line.p, line.len) == 0)
			r = 0;
	}
	if (r == -1)
		list_why(why, whysz, strerror(ENAMETOOLONG));
	buf_free(&parent);
	buf_free(&line);
	return r;
}

/* Put the MLSD line for NAME in directory DFD; TYPE overrides ("cdir"). */
static int
list_mlsd_line(struct list_ctx *c, int dfd, const char *name, const char *parent,
    const char *type)
{
	struct stat lst, st;
	struct list_fobj o;

	if (list_stat2(dfd, name, &lst, &st) == -1)
		return 0;	/* gone since readdir */
	o.dfd = dfd;
	o.name = name;
	o.parent = parent;
	o.type = type;
	o.lst = &lst;
	o.st = &st;
	buf_reset(&c->line);
	list_facts_put(&c->line, &o, c->req->facts);
	if (buf_putc(&c->line, ' ') == -1 || buf_puts(&c->line, name) == -1)
		return 0;
	return list_put(c);
}

unsigned
list_mlst_parse_opts(const char *spec, struct buf *echo)
{
	unsigned mask = 0;
	const char *p = spec != NULL ? spec : "";
	size_t i, n;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		n = strcspn(p, "; ");
		for (i = 0; i < LIST_NFACTS && n > 0; i++)
			if (strlen(list_facts[i].name) == n &&
			    strncasecmp(list_facts[i].name, p, n) == 0)
				mask |= list_facts[i].bit;
		p += n;
	}
	for (i = 0; i < LIST_NFACTS; i++)
		if (mask & list_facts[i].bit)
			buf_appendf(echo, "%s;", list_facts[i].name);
	return mask;
}

void
list_mlst_feat(unsigned facts, struct buf *out)
{
	size_t i;

	for (i = 0; i < LIST_NFACTS; i++)
		buf_appendf(out, "%s%s;", list_facts[i].name,
		    (facts & list_facts[i].bit) ? "*" : "");
}

/* ---- options and wildcards ---- */

const char *
list_strip_options(const char *arg, int *all)
{
	const char *p = arg, *q;

	if (p == NULL)
		return "";
	while (*p == ' ' || *p == '\t')
		p++;
	while (p[0] == '-' && p[1] != '\0' && p[1] != ' ' && p[1] != '\t') {
		for (q = p + 1; *q != '\0' && *q != ' ' && *q != '\t'; q++)
			if ((*q == 'a' || *q == 'A') && all != NULL)
				*all = 1;
		p = q;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	return p;
}

int
list_has_glob(const char *s)
{
	return s != NULL && strpbrk(s, "*?[") != NULL;
}

/* Read the names in D matching PAT into NV; -1 with WHY on a bound or error. */
static int
list_glob_scan(DIR *d, const char *pat, int all, struct list_names *nv,
    char *why, size_t whysz)
{
	struct dirent *de;
	size_t scanned = 0;
	int logged = 0;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (++scanned > GLOB_MAX_SCAN) {
			list_why(why, whysz, "Too many matches");
			return -1;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fnmatch(pat, de->d_name, all ? 0 : FNM_PERIOD) != 0)
			continue;
		if (list_bad_name(de->d_name)) {
			list_note_bad(&logged);
			continue;
		}
		if (nv->n >= GLOB_MAX_ENTRIES) {
			list_why(why, whysz, "Too many matches");
			return -1;
		}
		list_names_add(nv, de->d_name);
	}
	if (errno != 0) {
		list_why(why, whysz, strerror(errno));
		return -1;
	}
	return 0;
}

/* Call FN with DIRPART + each name; -1 if FN stopped, else 0. */
static int
list_glob_call(const char *dir, size_t dirlen, const struct list_names *nv,
    int (*fn)(const char *, void *), void *arg)
{
	struct buf path = BUF_INIT(MAX_PATH);
	size_t i;
	int r = 0;

	for (i = 0; i < nv->n && r == 0; i++) {
		buf_reset(&path);
		if (buf_append(&path, dir, dirlen) == -1 ||
		    buf_puts(&path, nv->v[i]) == -1)
			continue;	/* too long to name: cannot be used */
		r = fn(buf_cstr(&path), arg) == -1 ? -1 : 0;
	}
	buf_free(&path);
	return r;
}

int
list_glob(const char *pattern, int all,
    int (*fn)(const char *path, void *arg), void *arg, char *why, size_t whysz)
{
	struct list_names nv = { NULL, 0, 0 };
	struct buf dir = BUF_INIT(MAX_PATH);
	const char *slash = strrchr(pattern, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - pattern) + 1 : 0;
	DIR *d;
	int r;

	if (buf_append(&dir, pattern, dirlen) == -1) {
		list_why(why, whysz, strerror(ENAMETOOLONG));
		return -1;
	}
	if (list_has_glob(buf_cstr(&dir))) {
		buf_free(&dir);
		list_why(why, whysz, "Wildcards only in the last path component");
		return -1;
	}
	if ((d = opendir(dirlen > 0 ? buf_cstr(&dir) : ".")) == NULL) {
		list_why(why, whysz, strerror(errno));
		buf_free(&dir);
		return -1;
	}
	r = list_glob_scan(d, pattern + dirlen, all, &nv, why, whysz);
	closedir(d);
	if (r == 0) {
		list_names_sort(&nv);
		(void)list_glob_call(pattern, dirlen, &nv, fn, arg);
		r = (int)nv.n;
	}
	list_names_free(&nv);
	buf_free(&dir);
	return r;
}

/* ---- list_run ---- */

/* One object given by path (a file argument or a wildcard match). */
static int
list_one(struct list_ctx *c, const char *path, const struct stat *lst)
{
	buf_reset(&c->line);
	if (c->req->kind == LIST_LONG)
		return list_long_line(c, AT_FDCWD, path, path, lst);
	if (buf_puts(&c->line, path) == -1)
		return 0;
	return list_put(c);
}

static int
list_glob_fn(const char *path, void *arg)
{
	struct list_ctx *c = arg;
	struct stat st;

	if (lstat(path, &st) == -1)
		return c->stop == LIST_GO ? 0 : -1;
	return list_one(c, path, &st);
}

/* Read directory D into NV, dot files only if ALL, "." and ".." only if DOTS. */
static int
list_read_dir(struct list_ctx *c, DIR *d, int all, int dots, struct list_names *nv)
{
	struct dirent *de;
	const char *n;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			return errno != 0 ? -1 : 0;
		n = de->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..")) {
			if (!dots)
				continue;
		} else if (n[0] == '.' && !all)
			continue;
		if (list_bad_name(n)) {
			list_note_bad(&c->badname_logged);
			continue;
		}
		if (nv->n >= LIST_MAX_ENTRIES) {
			log_msg(LOG_INFO, "listing cut after %d entries", LIST_MAX_ENTRIES);
			return 0;
		}
		list_names_add(nv, n);
	}
}

/* One directory entry NAME of DFD, for LIST or NLST (PREFIX: the arg or NULL). */
static int
list_dir_entry(struct list_ctx *c, int dfd, const char *prefix, const char *name)
{
	struct stat st;
	size_t plen;

	if (c->req->kind == LIST_LONG) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return c->stop == LIST_GO ? 0 : -1;
		return list_long_line(c, dfd, name, name, &st);
	}
	buf_reset(&c->line);
	if (prefix != NULL) {
		plen = strlen(prefix);
		if (buf_puts(&c->line, prefix) == -1 ||
		    (plen > 0 && prefix[plen - 1] != '/' && buf_putc(&c->line, '/') == -1))
			return 0;
	}
	if (buf_puts(&c->line, name) == -1)
		return 0;
	return list_put(c);
}

/* List the entries of directory ARG (NULL: the cwd). */
static int
list_dir(struct list_ctx *c, const char *arg, char *why, size_t whysz)
{
	struct list_names nv = { NULL, 0, 0 };
	int mlsd = c->req->kind == LIST_MLSD, fd, r;
	size_t i;
	DIR *d;

	fd = open(arg != NULL ? arg : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		list_why(why, whysz, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/* MLSD shows dot files (clients mirror with it) and . / .. as cdir/pdir */
	r = list_read_dir(c, d, mlsd || c->req->all, !mlsd && c->req->all, &nv);
	if (r == -1)
		list_why(why, whysz, strerror(errno));
	else {
		list_names_sort(&nv);
		if (mlsd && list_mlsd_line(c, fd, ".", "..", "cdir") == 0)
			(void)list_mlsd_line(c, fd, "..", "../..", "pdir");
		for (i = 0; i < nv.n && c->stop == LIST_GO; i++)
			if (mlsd)
				(void)list_mlsd_line(c, fd, nv.v[i], ".", NULL);
			else
				(void)list_dir_entry(c, fd, arg, nv.v[i]);
	}
	list_names_free(&nv);
	closedir(d);
	return r;
}

static int
list_run_glob(struct list_ctx *c, const char *arg, char *why, size_t whysz)
{
	int n;

	n = list_glob(arg, c->req->all, list_glob_fn, c, why, whysz);
	if (n == 0) {
		list_why(why, whysz, "No files found");
		return -1;
	}
	return n < 0 ? -1 : 0;
}

int
list_run(const struct list_req *req, struct buf *out, char *why, size_t whysz)
{
	const char *arg = req->arg != NULL && req->arg[0] != '\0' ? req->arg : NULL;
	struct list_ctx c;
	struct stat st;
	int r;

	list_ctx_init(&c, req, out);
	if (req->kind == LIST_MLSD || arg == NULL ||
	    (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)))
		r = list_dir(&c, arg, why, whysz);
	else if (lstat(arg, &st) == 0) {
		(void)list_one(&c, arg, &st);
		r = 0;
	}
	else if (errno == ENOENT && list_has_glob(arg))
		r = list_run_glob(&c, arg, why, whysz);
	else {
		list_why(why, whysz, strerror(errno));
		r = -1;
	}
	buf_free(&c.line);
	if (c.stop == LIST_ABORT)
		return -2;
	return r;
}
