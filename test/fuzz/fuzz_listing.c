/* FUZZ_SRCS: ftpd/listing.c test/fuzz/fuzzlib.c common/buf.c common/log.c */
/*
 * fuzz_listing.c: the listing formatters of ftpd/listing.c, through listing.h.
 * Each input builds a small tree in a scratch directory (names of any bytes:
 * controls, CR, LF, UTF-8, blanks, 255 bytes; files, directories, FIFOs,
 * sockets, device nodes, symbolic links with any target; any mode, owner and
 * mtime) and lists it as LIST, NLST or MLSD: the working directory, an
 * entry, a wildcard, with LIST options, the MLST facts an OPTS MLST string
 * chose, owner names seeded as before a chroot, and a small output buffer
 * that is flushed, or stops the listing, as the data connection would.  MLST,
 * the OPTS MLST parser and the FEAT line run as well.  Checks:
 *  - every line ends in CRLF; no other CR, LF or NUL anywhere;
 *  - an ls -l line is "mode nlink owner group size date name[ -> target]"
 *    with the mode, link count and size of the entry it names;
 *  - an MLSD/MLST line is "fact=value;...; name" (RFC 3659): known facts in
 *    order, each once, exactly those asked for, with well-formed values;
 *  - every name shown exists; a directory's names come sorted and, when no
 *    output was cut, all of them (dot files with -a, names with CR/LF never);
 *  - list_run() returns -2 exactly when the flush callback asked it to stop.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fuzzlib.h"
#include "limits.h"
#include "listing.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The MLST facts in the order listing.c writes them. */
static const struct {
	const char	*name;
	unsigned	 bit;
} facts[] = {
	{ "type", MLST_TYPE }, { "size", MLST_SIZE }, { "modify", MLST_MODIFY },
	{ "perm", MLST_PERM }, { "unique", MLST_UNIQUE }, { "UNIX.mode", MLST_UNIX_MODE },
	{ "UNIX.owner", MLST_UNIX_OWNER }, { "UNIX.group", MLST_UNIX_GROUP },
};
#define NFACTS	(sizeof(facts) / sizeof(facts[0]))

/* What the lines of one listing are checked against. */
struct lstate {
	enum list_kind	 kind;
	const char	*dir;		/* names are relative to it (NULL: the cwd) */
	int		 mlsd_dir;	/* MLSD of a directory: "." and ".." come first */
	unsigned	 facts;
	size_t		 lines;
	char		 last[MAX_PATH];	/* the previous name, for the order */
	int		 stop_after;	/* flushes before the callback says stop; 0: never */
	int		 flushes;
	int		 stopped;
};

/* lstat NAME (LEN bytes, relative to the listed directory); its path into PATH. */
static int
name_stat(const struct lstate *ls, const char *name, size_t len, struct stat *st,
    char *path, size_t pathsz)
{
	int n;

	if (len == 0)
		return -1;
	if (ls->dir != NULL)
		n = snprintf(path, pathsz, "%s/%.*s", ls->dir, (int)len, name);
	else
		n = snprintf(path, pathsz, "%.*s", (int)len, name);
	FZ_NEED(n > 0 && (size_t)n < pathsz);
	return lstat(path, st);
}

/* Names come in strcmp order (after MLSD's "." and ".."). */
static void
check_order(struct lstate *ls, const char *name, size_t len)
{
	char cur[MAX_PATH];

	FZ_NEED(len < sizeof(cur));
	memcpy(cur, name, len);
	cur[len] = '\0';
	if (ls->mlsd_dir && ls->lines < 2) {
		FZ_NEED(!strcmp(cur, ls->lines == 0 ? "." : ".."));
		return;
	}
	FZ_NEED(ls->last[0] == '\0' || strcmp(ls->last, cur) < 0);
	memcpy(ls->last, cur, len + 1);
}

/* ---- ls -l lines ---- */

static void
mode_expect(mode_t m, char s[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
	    S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	for (i = 0; i < 9; i++)
		s[i + 1] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		s[3] = s[3] == 'x' ? 's' : 'S';
	if (m & S_ISGID)
		s[6] = s[6] == 'x' ? 's' : 'S';
	if (m & S_ISVTX)
		s[9] = s[9] == 'x' ? 't' : 'T';
	s[10] = '\0';
}

static const char *
skip_set(const char *p, const char *end, const char *set, size_t min, size_t max)
{
	size_t n = 0;

	while (p < end && *p != '\0' && strchr(set, *p) != NULL && n < max) {
		p++;
		n++;
	}
	FZ_NEED(n >= min);
	return p;
}

#define DIGITS	"0123456789"

/* An owner or group field: 1-32 bytes, no blank, control, ';' or '='; padded. */
static const char *
skip_owner(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p != ' ') {
		FZ_NEED((unsigned char)*p > ' ' && *p != 0x7f && *p != ';' && *p != '=');
		p++;
	}
	FZ_NEED(p - s >= 1 && p - s <= 32);
	return skip_set(p, end, " ", 1, SIZE_MAX);
}

/* The name in "name" or "name -> target" (N bytes); its length, and its lstat. */
static size_t
long_name(const struct lstate *ls, const char *rest, size_t n, char type, struct stat *st)
{
	char path[MAX_PATH], target[MAX_PATH];
	const char *a;
	ssize_t t;
	size_t k;

	if (name_stat(ls, rest, n, st, path, sizeof(path)) == 0)
		return n;
	FZ_NEED(type == 'l');
	for (a = rest; (a = memmem(a, n - (size_t)(a - rest), " -> ", 4)) != NULL; a++) {
		k = (size_t)(a - rest);
		if (name_stat(ls, rest, k, st, path, sizeof(path)) == 0 && S_ISLNK(st->st_mode) &&
		    (t = readlink(path, target, sizeof(target))) >= 0 &&
		    (size_t)t == n - k - 4 && memcmp(target, a + 4, (size_t)t) == 0)
			return k;
	}
	fz_fail(__FILE__, __LINE__, "an ls -l name that is not in the tree");
}

static void
check_long(struct lstate *ls, const char *line, size_t len)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p, *end = line + len, *nlink, *size, *m;
	char mode[11], month[4];
	struct stat st;
	size_t n;

	FZ_NEED(len > 11 && line[10] == ' ');
	nlink = skip_set(line + 11, end, " ", 0, SIZE_MAX);
	p = skip_set(nlink, end, DIGITS, 1, 20);
	p = skip_set(p, end, " ", 1, 1);
	p = skip_owner(p, end);
	size = skip_owner(p, end);
	p = skip_set(size, end, DIGITS, 1, 20);
	p = skip_set(p, end, " ", 1, 1);
	FZ_NEED(end - p > 4);
	memcpy(month, p, 3);
	month[3] = '\0';
	FZ_NEED((m = strstr(months, month)) != NULL && (m - months) % 3 == 0);
	p = skip_set(p + 3, end, " ", 1, 1);
	p = skip_set(p, end, DIGITS, 2, 2);
	p = skip_set(p, end, " ", 1, 1);
	if (end - p > 2 && p[2] == ':') {	/* "HH:MM" or " YYYY" */
		p = skip_set(p, end, DIGITS, 2, 2);
		p = skip_set(p + 1, end, DIGITS, 2, 2);
	} else {
		p = skip_set(p, end, " ", 1, 1);
		p = skip_set(p, end, "-", 0, 1);
		p = skip_set(p, end, DIGITS, 1, 20);
	}
	p = skip_set(p, end, " ", 1, 1);
	n = long_name(ls, p, (size_t)(end - p), line[0], &st);
	mode_expect(st.st_mode, mode);
	FZ_NEED(memcmp(line, mode, 10) == 0);
	FZ_NEED(strtoull(nlink, NULL, 10) == (unsigned long long)st.st_nlink);
	FZ_NEED(strtoull(size, NULL, 10) == (unsigned long long)st.st_size);
	check_order(ls, p, n);
}

/* ---- MLSD / MLST facts ---- */

static int
all_in(const char *v, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == '\0' || strchr(set, v[i]) == NULL)
			return 0;
	return 1;
}

static int
val_is(const char *v, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(v, s, n) == 0;
}

/* The value of fact I is well formed. */
static void
check_value(size_t i, const char *v, size_t n)
{
	static const char *const types[] = { "file", "dir", "cdir", "pdir", "OS.unix=slink",
	    "OS.unix=chardev", "OS.unix=blkdev", "OS.unix=fifo", "OS.unix=socket" };
	const char *u;
	size_t k;

	for (k = 0; k < n; k++)	/* RFC 3659 7.1: no SP, ';' or control in a value */
		FZ_NEED((unsigned char)v[k] > ' ' && v[k] != 0x7f && v[k] != ';');
	switch (facts[i].bit) {
	case MLST_TYPE:
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (val_is(v, n, types[k]))
				return;
		FZ_NEED(n > 14 && memcmp(v, "OS.unix=slink:", 14) == 0);
		break;
	case MLST_SIZE:
		FZ_NEED(n > 0 && all_in(v, n, DIGITS));
		break;
	case MLST_MODIFY:	/* time-val: YYYYMMDDHHMMSS */
		FZ_NEED(n == 14 && all_in(v, n, DIGITS));
		break;
	case MLST_PERM:
		FZ_NEED(all_in(v, n, "acdeflmprw"));
		break;
	case MLST_UNIQUE:
		u = memchr(v, 'U', n);
		FZ_NEED(u != NULL && u > v && u < v + n - 1 &&
		    all_in(v, (size_t)(u - v), "0123456789abcdef") &&
		    all_in(u + 1, n - (size_t)(u - v) - 1, "0123456789abcdef"));
		break;
	case MLST_UNIX_MODE:
		FZ_NEED(n == 4 && all_in(v, n, "01234567"));
		break;
	default:		/* UNIX.owner, UNIX.group */
		FZ_NEED(n > 0 && n <= 32 && memchr(v, '=', n) == NULL);
		break;
	}
}

/*
 * LINE is "fact=value;...; name" with exactly the facts of MASK (size only for
 * a file); sets *NAME and *NLEN.  Checks the facts against the entry.
 */
static void
check_facts(const struct lstate *ls, const char *line, size_t len, unsigned mask,
    const char **name, size_t *nlen)
{
	const char *p = line, *end = line + len, *eq, *semi, *type = NULL, *size = NULL;
	char path[MAX_PATH];
	struct stat lst, st;
	struct tm tm;
	size_t i, next = 0, tlen = 0;
	unsigned seen = 0;

	while (p < end && *p != ' ') {
		FZ_NEED((semi = memchr(p, ';', (size_t)(end - p))) != NULL);
		FZ_NEED((eq = memchr(p, '=', (size_t)(semi - p))) != NULL);
		for (i = next; i < NFACTS; i++)
			if (val_is(p, (size_t)(eq - p), facts[i].name))
				break;
		FZ_NEED(i < NFACTS && (mask & facts[i].bit));	/* known, in order, asked for */
		check_value(i, eq + 1, (size_t)(semi - eq - 1));
		if (facts[i].bit == MLST_TYPE) {
			type = eq + 1;
			tlen = (size_t)(semi - eq - 1);
		} else if (facts[i].bit == MLST_SIZE)
			size = eq + 1;
		seen |= facts[i].bit;
		next = i + 1;
		p = semi + 1;
	}
	FZ_NEED(p < end - 1 && *p == ' ');
	*name = p + 1;
	*nlen = (size_t)(end - p - 1);
	FZ_NEED((seen | MLST_SIZE | MLST_MODIFY) == (mask | MLST_SIZE | MLST_MODIFY));
	FZ_NEED(name_stat(ls, *name, *nlen, &lst, path, sizeof(path)) == 0);
	if (stat(path, &st) == -1)
		st = lst;
	/* modify: left out when the mtime is not in the years 0000-9999 */
	FZ_NEED(((mask & MLST_MODIFY) && gmtime_r(&st.st_mtime, &tm) != NULL &&
	    tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900) == ((seen & MLST_MODIFY) != 0));
	FZ_NEED(((mask & MLST_SIZE) && S_ISREG(st.st_mode)) == (size != NULL));
	FZ_NEED(size == NULL || strtoull(size, NULL, 10) == (unsigned long long)st.st_size);
	if (type != NULL && !val_is(type, tlen, "cdir") && !val_is(type, tlen, "pdir"))
		FZ_NEED((val_is(type, tlen, "file") == (S_ISREG(lst.st_mode) != 0)) &&
		    (val_is(type, tlen, "dir") == (S_ISDIR(lst.st_mode) != 0)) &&
		    ((tlen >= 13 && !memcmp(type, "OS.unix=slink", 13)) ==
		    (S_ISLNK(lst.st_mode) != 0)));
}

/* ---- a whole listing ---- */

static void
check_line(const char *line, size_t len, void *arg)
{
	struct lstate *ls = arg;
	const char *name;
	char path[MAX_PATH];
	struct stat st;
	size_t n;

	switch (ls->kind) {
	case LIST_NAMES:
		FZ_NEED(name_stat(ls, line, len, &st, path, sizeof(path)) == 0);
		check_order(ls, line, len);
		break;
	case LIST_LONG:
		check_long(ls, line, len);
		break;
	case LIST_MLSD:
		check_facts(ls, line, len, ls->facts, &name, &n);
		check_order(ls, name, n);
		break;
	}
	ls->lines++;
}

static int
on_flush(struct buf *out, void *arg)
{
	struct lstate *ls = arg;

	fz_check_lines(buf_cstr(out), out->len, check_line, ls);
	buf_reset(out);
	if (ls->stop_after > 0 && ++ls->flushes >= ls->stop_after) {
		ls->stopped = 1;
		return -1;
	}
	return 0;
}

/* The lines a full listing of directory DIR must have. */
static size_t
expected_lines(const char *dir, enum list_kind kind, int all)
{
	struct dirent *de;
	size_t n = kind == LIST_MLSD ? 2 : 0;
	DIR *d;

	FZ_NEED((d = opendir(dir != NULL ? dir : ".")) != NULL);
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			n += kind != LIST_MLSD && all;
		else if (strpbrk(de->d_name, "\r\n") == NULL &&
		    (de->d_name[0] != '.' || all || kind == LIST_MLSD))
			n++;
	}
	closedir(d);
	return n;
}

/* Would listing ARG leave the scratch tree (a ".." or a symbolic link on the way)? */
static int
arg_escapes(const char *arg)
{
	char path[MAX_PATH];
	struct stat st;
	size_t i, n = strlen(arg);

	if (arg[0] == '/' || strstr(arg, "..") != NULL || n >= sizeof(path))
		return 1;
	for (i = 1; i <= n; i++)
		if (i == n || arg[i] == '/') {
			memcpy(path, arg, i);
			path[i] = '\0';
			if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
				return 1;
		}
	return 0;
}

/*
 * The argument SEL picks (0, 1: none, 2: an entry, 3: a wildcard, in a
 * directory entry or not, 4: a missing name, 5: "."), after the options OPTS,
 * as a client would send it.
 */
static void
make_arg(const struct fz_tree *t, unsigned sel, const char *opts, const char *pat,
    char *raw, size_t rawsz)
{
	const struct fz_entry *e = t->n > 0 ? &t->e[(sel >> 3) % t->n] : NULL;
	char target[MAX_PATH], *p;

	target[0] = '\0';
	switch ((sel & 7) % 6) {
	case 2:		/* an entry */
		if (e != NULL)
			(void)snprintf(target, sizeof(target), "%s", e->path);
		break;
	case 3:		/* a wildcard, maybe in a directory */
		(void)snprintf(target, sizeof(target), "%s%s%s",
		    e != NULL && e->kind == FZ_DIR ? e->path : "",
		    e != NULL && e->kind == FZ_DIR ? "/" : "", pat);
		break;
	case 4:
		(void)snprintf(target, sizeof(target), "%s", "no such entry");
		break;
	case 5:
		(void)snprintf(target, sizeof(target), "%s", ".");
		break;
	default:	/* 0, 1: the working directory */
		break;
	}
	(void)snprintf(raw, rawsz, "%s%s%s", opts, opts[0] && target[0] ? " " : "", target);
	while ((p = strpbrk(raw, "\r\n")) != NULL)
		*p = '_';	/* a command line holds neither */
}

/* list_strip_options(): a suffix of ARG, starting at neither a blank nor an option. */
static const char *
strip_checked(const char *arg, int *all)
{
	const char *r = list_strip_options(arg, all);

	FZ_NEED(r >= arg && r <= arg + strlen(arg));
	FZ_NEED(*r != ' ' && *r != '\t');
	FZ_NEED(r[0] != '-' || r[1] == '\0' || r[1] == ' ' || r[1] == '\t');
	FZ_NEED(!*all || memchr(arg, 'a', (size_t)(r - arg)) != NULL ||
	    memchr(arg, 'A', (size_t)(r - arg)) != NULL);
	return r;
}

/* OPTS MLST and FEAT: known facts only, canonical, idempotent; FEAT marks exactly them. */
static unsigned
check_mlst_opts(const char *spec)
{
	struct buf echo = BUF_INIT(256), again = BUF_INIT(256), feat = BUF_INIT(256);
	unsigned mask = list_mlst_parse_opts(spec, &echo);
	const char *p;
	size_t i, n;

	FZ_NEED(mask <= MLST_DEFAULT);
	FZ_NEED(list_mlst_parse_opts(buf_cstr(&echo), &again) == mask);
	FZ_NEED(!strcmp(buf_cstr(&echo), buf_cstr(&again)));
	list_mlst_feat(mask, &feat);
	p = buf_cstr(&feat);
	for (i = 0; i < NFACTS; i++) {
		n = strlen(facts[i].name);
		FZ_NEED(!strncmp(p, facts[i].name, n));
		p += n;
		if (mask & facts[i].bit)
			FZ_NEED(*p++ == '*');
		FZ_NEED(*p++ == ';');
	}
	FZ_NEED(*p == '\0');
	buf_free(&echo);
	buf_free(&again);
	buf_free(&feat);
	return mask;
}

/* MLST of PATH: one line, no CRLF, "facts name" with the name as given. */
static void
check_mlst(const char *path, unsigned mask)
{
	struct buf line = BUF_INIT(2 * MAX_PATH + 512);
	struct lstate ls;
	const char *name;
	char why[128];
	size_t n;

	memset(&ls, 0, sizeof(ls));
	if (list_mlst_facts(path, path, mask, &line, why, sizeof(why)) == 0) {
		check_facts(&ls, buf_cstr(&line), line.len, mask, &name, &n);
		FZ_NEED(n == strlen(path) && !memcmp(name, path, n));
	} else
		FZ_NEED(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
	buf_free(&line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct fz_tree t;
	struct list_req req;
	struct lstate ls;
	struct buf out;
	struct stat st;
	char raw[MAX_PATH + 80], opts[64], pat[64], spec[96], user[48], group[48], why[128];
	/*
	 * mode: bits 0-1 the kind, 2 a small flushed buffer, 3 seed owner names,
	 * 4 the facts from an OPTS MLST string, 5-7 stop after that many flushes.
	 * sel: bits 0-2 which argument (make_arg), 3-7 which entry.
	 */
	unsigned mode = fz_u8(&f), sel = fz_u8(&f), mask = fz_u8(&f), outmax = fz_u16(&f);
	unsigned id = fz_u8(&f);
	int is_dir, r, all = 0;
	size_t i;

	fz_str(&f, opts, sizeof(opts), "/");
	fz_str(&f, pat, sizeof(pat), "/");
	fz_str(&f, spec, sizeof(spec), "");
	fz_str(&f, user, sizeof(user), "");
	fz_str(&f, group, sizeof(group), "");
	fz_enter();
	fz_tree_build(&f, &t, 0);
	if (mode & 8)
		list_names_seed(id, user[0] ? user : NULL, id, group[0] ? group : NULL);
	if (mode & 16)
		mask = check_mlst_opts(spec);

	memset(&req, 0, sizeof(req));
	memset(&ls, 0, sizeof(ls));
	req.kind = ls.kind = (enum list_kind)((mode & 3) % 3);
	req.facts = ls.facts = mask;
	make_arg(&t, sel, opts, pat, raw, sizeof(raw));
	req.arg = req.kind == LIST_MLSD ? raw : strip_checked(raw, &all);
	req.all = all;
	if (arg_escapes(req.arg))
		req.arg = NULL;
	if ((sel & 7) % 6 == 0)
		req.arg = NULL;
	is_dir = req.arg == NULL || req.arg[0] == '\0' ||
	    (stat(req.arg, &st) == 0 && S_ISDIR(st.st_mode));
	if (is_dir && req.kind != LIST_NAMES && req.arg != NULL && req.arg[0] != '\0')
		ls.dir = req.arg;
	ls.mlsd_dir = req.kind == LIST_MLSD;
	if (mode & 4) {
		buf_init(&out, 16 + outmax % 4096);
		req.flush = on_flush;
		req.flush_arg = &ls;
		ls.stop_after = (int)(mode >> 5);
	} else
		buf_init(&out, REPLY_MAX);

	why[0] = '\0';
	r = list_run(&req, &out, why, sizeof(why));
	fz_check_lines(buf_cstr(&out), out.len, check_line, &ls);
	FZ_NEED(r == 0 || r == -1 || r == -2);
	FZ_NEED((r == -2) == ls.stopped);
	if (r == -1)
		FZ_NEED(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
	if (r == 0 && is_dir && !(mode & 4))
		FZ_NEED(ls.lines == expected_lines(req.arg != NULL && req.arg[0] != '\0' ?
		    req.arg : NULL, req.kind, all));

	check_mlst(".", mask);
	for (i = 0; i < t.n; i++)
		if (!arg_escapes(t.e[i].path))
			check_mlst(t.e[i].path, mask);
	FZ_NEED(list_has_glob(raw) == (strpbrk(raw, "*?[") != NULL));
	buf_free(&out);
	fz_leave();
	return 0;
}
