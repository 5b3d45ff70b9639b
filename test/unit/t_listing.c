/*
 * t_listing.c: unit tests for ftpd/listing.c (LIST, NLST, MLSD/MLST, wildcards).
 *
 * Builds a small tree under /tmp (mkdtemp), chdirs into it with TZ=UTC and
 * removes it at exit.  The tree: file.txt (1234 bytes, mtime 2020-01-02
 * 03:04:05 UTC), recent.txt (an hour old), sub/inner.txt, link -> file.txt,
 * .hidden, a UTF-8 name and a name holding '\n'.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "listing.h"
#include "log.h"
#include "runner.h"

#define T_OLD		1577934245	/* 2020-01-02 03:04:05 UTC */
#define T_UTF8		"caf\xc3\xa9"

static char tdir[64];

static void
t_mkfile(const char *name, size_t size, time_t mtime)
{
	struct timespec ts[2];
	char b[256];
	int fd;

	memset(b, 'x', sizeof(b));
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1)
		abort();
	while (size > 0) {
		size_t n = size < sizeof(b) ? size : sizeof(b);

		if (write(fd, b, n) != (ssize_t)n)
			abort();
		size -= n;
	}
	fchmod(fd, 0644);
	close(fd);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (utimensat(AT_FDCWD, name, ts, AT_SYMLINK_NOFOLLOW) == -1)
		abort();
}

/* Make the tree once and chdir into it. */
static void
fixture(void)
{
	if (tdir[0] != '\0')
		return;
	setenv("TZ", "UTC0", 1);
	tzset();
	umask(022);
	(void)str_copy(tdir, sizeof(tdir), "/tmp/t_listing.XXXXXX");
	if (mkdtemp(tdir) == NULL || chdir(tdir) == -1)
		abort();
	t_mkfile("file.txt", 1234, T_OLD);
	t_mkfile("recent.txt", 5, time(NULL) - 3600);
	t_mkfile(".hidden", 1, T_OLD);
	t_mkfile(T_UTF8, 2, T_OLD);
	t_mkfile("bad\nname", 3, T_OLD);
	if (mkdir("sub", 0755) == -1 || symlink("file.txt", "link") == -1)
		abort();
	t_mkfile("sub/inner.txt", 7, T_OLD);
}

static int
t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void __attribute__((destructor))
t_cleanup(void)
{
	if (tdir[0] == '\0')
		return;
	if (chdir("/") == 0)
		(void)nftw(tdir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run a listing of KIND for ARG into OUT; returns list_run's result. */
static int
t_list(enum list_kind kind, const char *arg, int all, struct buf *out, char *why)
{
	struct list_req req;

	fixture();
	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.arg = arg;
	req.all = all;
	req.facts = MLST_DEFAULT;
	why[0] = '\0';
	return list_run(&req, out, why, 128);
}

/* The line of OUT ending in SUFFIX (incl. CRLF), copied into LINE; 0 if none. */
static int
t_line(const struct buf *out, const char *suffix, char *line, size_t linesz)
{
	const char *p = buf_cstr(out), *e;
	size_t n, sl = strlen(suffix);

	for (; *p != '\0'; p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL)
			return 0;
		n = (size_t)(e - p) + 1;
		if (n >= sl && memcmp(e + 1 - sl, suffix, sl) == 0 && n < linesz) {
			memcpy(line, p, n);
			line[n] = '\0';
			return 1;
		}
	}
	return 0;
}

static int
t_count_lines(const struct buf *out)
{
	const char *p;
	int n = 0;

	for (p = buf_cstr(out); (p = strstr(p, "\r\n")) != NULL; p += 2)
		n++;
	return n;
}

TEST(long_file_line_shape)
{
	struct buf out = BUF_INIT(65536);
	struct passwd *pw = getpwuid(geteuid());
	struct group *gr = getgrgid(getegid());
	char why[128], want[256];

	ASSERT_EQ_INT(t_list(LIST_LONG, "file.txt", 0, &out, why), 0);
	ASSERT_TRUE(pw != NULL && gr != NULL);
	ASSERT_EQ_INT(str_fmt(want, sizeof(want), "-rw-r--r--    1 %-8s %-8s %12d %s file.txt\r\n",
	    pw->pw_name, gr->gr_name, 1234, "Jan 02  2020"), 0);
	ASSERT_EQ_STR(buf_cstr(&out), want);
	buf_free(&out);
}

TEST(long_dir_sorted_no_dotfiles)
{
	struct buf out = BUF_INIT(65536);
	char why[128], line[512];
	const char *p;

	ASSERT_EQ_INT(t_list(LIST_LONG, NULL, 0, &out, why), 0);
	ASSERT_EQ_INT(t_count_lines(&out), 5);	/* no .hidden, no bad\nname */
	p = buf_cstr(&out);
	ASSERT_TRUE(strstr(p, ".hidden") == NULL);
	ASSERT_TRUE(strstr(p, "bad") == NULL);
	ASSERT_TRUE(strstr(p, " " T_UTF8 "\r\n") < strstr(p, " file.txt\r\n"));
	ASSERT_TRUE(strstr(p, " file.txt\r\n") < strstr(p, " link -> file.txt\r\n"));
	ASSERT_TRUE(strstr(p, " recent.txt\r\n") < strstr(p, " sub\r\n"));
	ASSERT_TRUE(t_line(&out, " sub\r\n", line, sizeof(line)));
	ASSERT_TRUE(strncmp(line, "drwxr-xr-x ", 11) == 0);
	ASSERT_TRUE(t_line(&out, " link -> file.txt\r\n", line, sizeof(line)));
	ASSERT_TRUE(line[0] == 'l');
	/* recent: "Mmm dd HH:MM" just before the name */
	ASSERT_TRUE(t_line(&out, " recent.txt\r\n", line, sizeof(line)));
	p = line + strlen(line) - strlen(" recent.txt\r\n") - 12;
	ASSERT_TRUE(p[3] == ' ' && p[6] == ' ' && p[9] == ':');
	ASSERT_TRUE(strstr(line, "            5 ") != NULL);
	buf_free(&out);
}

TEST(long_dash_a_shows_dotfiles)
{
	struct buf out = BUF_INIT(65536);
	char why[128];
	const char *arg;
	int all = 0;

	arg = list_strip_options("-la", &all);
	ASSERT_EQ_STR(arg, "");
	ASSERT_EQ_INT(all, 1);
	ASSERT_EQ_INT(t_list(LIST_LONG, arg, all, &out, why), 0);
	ASSERT_STR_CONTAINS(buf_cstr(&out), " .hidden\r\n");
	ASSERT_STR_CONTAINS(buf_cstr(&out), " ..\r\n");
	ASSERT_EQ_INT(t_count_lines(&out), 8);
	buf_free(&out);
}

TEST(strip_options)
{
	int all = 0;

	ASSERT_EQ_STR(list_strip_options("-l foo", &all), "foo");
	ASSERT_EQ_INT(all, 0);
	ASSERT_EQ_STR(list_strip_options("foo -la", &all), "foo -la");
	ASSERT_EQ_INT(all, 0);
	ASSERT_EQ_STR(list_strip_options("-", &all), "-");
	ASSERT_EQ_STR(list_strip_options("- x", &all), "- x");
	ASSERT_EQ_STR(list_strip_options(NULL, &all), "");
	ASSERT_EQ_INT(all, 0);
	ASSERT_EQ_STR(list_strip_options("  -l -A  sub dir", &all), "sub dir");
	ASSERT_EQ_INT(all, 1);
}

TEST(nlst_sorted_and_hidden)
{
	struct buf out = BUF_INIT(65536);
	char why[128];

	ASSERT_EQ_INT(t_list(LIST_NAMES, NULL, 0, &out, why), 0);
	ASSERT_EQ_STR(buf_cstr(&out),
	    T_UTF8 "\r\nfile.txt\r\nlink\r\nrecent.txt\r\nsub\r\n");
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_NAMES, "", 1, &out, why), 0);
	ASSERT_EQ_STR(buf_cstr(&out), ".\r\n..\r\n.hidden\r\n"
	    T_UTF8 "\r\nfile.txt\r\nlink\r\nrecent.txt\r\nsub\r\n");
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_NAMES, "sub", 0, &out, why), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "sub/inner.txt\r\n");
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_NAMES, "sub/", 0, &out, why), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "sub/inner.txt\r\n");
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_NAMES, "file.txt", 0, &out, why), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "file.txt\r\n");
	buf_free(&out);
}

TEST(list_errors)
{
	struct buf out = BUF_INIT(65536);
	char why[128];

	ASSERT_EQ_INT(t_list(LIST_LONG, "nope", 0, &out, why), -1);
	ASSERT_EQ_STR(why, "No such file or directory");
	ASSERT_EQ_INT(t_list(LIST_NAMES, "*.none", 0, &out, why), -1);
	ASSERT_EQ_STR(why, "No files found");
	ASSERT_EQ_INT(t_list(LIST_MLSD, "file.txt", 0, &out, why), -1);
	ASSERT_EQ_STR(why, "Not a directory");
	ASSERT_EQ_INT(t_list(LIST_MLSD, "nope", 0, &out, why), -1);
	ASSERT_EQ_STR(why, "No such file or directory");
	ASSERT_EQ_INT(out.len, 0);
	buf_free(&out);
}

TEST(mlsd_facts)
{
	struct buf out = BUF_INIT(65536);
	char why[128], line[512];
	const char *p;

	ASSERT_EQ_INT(t_list(LIST_MLSD, NULL, 0, &out, why), 0);
	p = buf_cstr(&out);
	ASSERT_TRUE(strncmp(p, "type=cdir;", 10) == 0);
	ASSERT_TRUE(strstr(p, " .\r\ntype=pdir;") != NULL);
	ASSERT_TRUE(t_line(&out, "; file.txt\r\n", line, sizeof(line)));
	ASSERT_TRUE(strncmp(line, "type=file;size=1234;modify=20200102030405;perm=", 47) == 0);
	ASSERT_TRUE(strchr(line + 47, 'r') != NULL && strchr(line + 47, 'r') < strchr(line + 47, ';'));
	ASSERT_STR_CONTAINS(line, ";unique=");
	ASSERT_STR_CONTAINS(line, ";UNIX.mode=0644;UNIX.owner=");
	ASSERT_STR_CONTAINS(line, ";UNIX.group=");
	ASSERT_TRUE(t_line(&out, "; link\r\n", line, sizeof(line)));
	ASSERT_TRUE(strncmp(line, "type=OS.unix=slink:file.txt;size=1234;", 38) == 0);
	ASSERT_TRUE(t_line(&out, "; sub\r\n", line, sizeof(line)));
	ASSERT_TRUE(strncmp(line, "type=dir;modify=", 16) == 0);
	ASSERT_STR_CONTAINS(line, "perm=cdeflmp;");
	ASSERT_TRUE(t_line(&out, "; .hidden\r\n", line, sizeof(line)));	/* MLSD shows all */
	ASSERT_TRUE(strstr(p, "bad") == NULL);
	ASSERT_EQ_INT(t_count_lines(&out), 8);
	buf_free(&out);
}

TEST(mlsd_selected_facts)
{
	struct buf out = BUF_INIT(65536);
	struct list_req req;
	char why[128];

	fixture();
	memset(&req, 0, sizeof(req));
	req.kind = LIST_MLSD;
	req.arg = "sub";
	req.facts = MLST_TYPE | MLST_SIZE;
	ASSERT_EQ_INT(list_run(&req, &out, why, sizeof(why)), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "type=cdir; .\r\ntype=pdir; ..\r\n"
	    "type=file;size=7; inner.txt\r\n");
	buf_reset(&out);
	req.facts = 0;
	ASSERT_EQ_INT(list_run(&req, &out, why, sizeof(why)), 0);
	ASSERT_EQ_STR(buf_cstr(&out), " .\r\n ..\r\n inner.txt\r\n");
	buf_free(&out);
}

TEST(mlst_facts_line)
{
	struct buf out = BUF_INIT(4096);
	char why[128];

	fixture();
	ASSERT_EQ_INT(list_mlst_facts("file.txt", "/x/file.txt",
	    MLST_TYPE | MLST_SIZE | MLST_MODIFY, &out, why, sizeof(why)), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "type=file;size=1234;modify=20200102030405; /x/file.txt");
	buf_reset(&out);
	ASSERT_EQ_INT(list_mlst_facts("sub", "sub", MLST_TYPE | MLST_PERM, &out, why,
	    sizeof(why)), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "type=dir;perm=cdeflmp; sub");
	buf_reset(&out);
	ASSERT_EQ_INT(list_mlst_facts("sub/inner.txt", "i", MLST_PERM, &out, why,
	    sizeof(why)), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "perm=adfrw; i");
	buf_reset(&out);
	ASSERT_EQ_INT(list_mlst_facts("nope", "nope", MLST_DEFAULT, &out, why, sizeof(why)), -1);
	ASSERT_EQ_STR(why, "No such file or directory");
	ASSERT_EQ_INT(out.len, 0);
	buf_free(&out);
}

TEST(mlst_opts_and_feat)
{
	struct buf b = BUF_INIT(256);

	ASSERT_EQ_INT(list_mlst_parse_opts("type;size;", &b), MLST_TYPE | MLST_SIZE);
	ASSERT_EQ_STR(buf_cstr(&b), "type;size;");
	buf_reset(&b);
	ASSERT_EQ_INT(list_mlst_parse_opts("unix.MODE;Bogus;TYPE", &b),
	    MLST_TYPE | MLST_UNIX_MODE);
	ASSERT_EQ_STR(buf_cstr(&b), "type;UNIX.mode;");
	buf_reset(&b);
	ASSERT_EQ_INT(list_mlst_parse_opts("", &b), 0);
	ASSERT_EQ_STR(buf_cstr(&b), "");
	list_mlst_feat(MLST_TYPE | MLST_SIZE, &b);
	ASSERT_EQ_STR(buf_cstr(&b),
	    "type*;size*;modify;perm;unique;UNIX.mode;UNIX.owner;UNIX.group;");
	buf_reset(&b);
	list_mlst_feat(MLST_DEFAULT, &b);
	ASSERT_EQ_STR(buf_cstr(&b), "type*;size*;modify*;perm*;unique*;"
	    "UNIX.mode*;UNIX.owner*;UNIX.group*;");
	buf_free(&b);
}

/* MDTM and the modify fact: a time-val only for the years 0000-9999 (fuzz_listing). */
TEST(time_val_range)
{
	char tv[LIST_TIME_VAL];

	ASSERT_EQ_INT(list_time_val(T_OLD, tv, sizeof(tv)), 0);
	ASSERT_EQ_STR(tv, "20200102030405");
	ASSERT_EQ_INT(list_time_val(0, tv, sizeof(tv)), 0);
	ASSERT_EQ_STR(tv, "19700101000000");
	ASSERT_EQ_INT(list_time_val((time_t)253402300799LL, tv, sizeof(tv)), 0);
	ASSERT_EQ_STR(tv, "99991231235959");
	ASSERT_EQ_INT(list_time_val((time_t)253402300800LL, tv, sizeof(tv)), -1);	/* 10000 */
	ASSERT_EQ_INT(list_time_val((time_t)-62167219201LL, tv, sizeof(tv)), -1);	/* year -1 */
	ASSERT_EQ_INT(list_time_val((time_t)0x7fffffffffffffffLL, tv, sizeof(tv)), -1);
	ASSERT_EQ_INT(list_time_val(T_OLD, tv, 14), -1);
}

/* MFMT's time-val: real dates only, a fraction of up to nine digits. */
TEST(parse_time_val)
{
	static const char *bad[] = {
		"2020010203040", "20200102030405.", "2020010203040x", "20201301000000",
		"20200230000000", "20200101240000", "20200101006000", "20200101000061",
		"20200102030405,5", "20200102030405.1234567890", "-2020010203040",
	};
	struct timespec ts;
	size_t i;

	ASSERT_EQ_INT(list_parse_time_val("20200102030405", 14, &ts), 0);
	ASSERT_TRUE(ts.tv_sec == T_OLD && ts.tv_nsec == 0);
	ASSERT_EQ_INT(list_parse_time_val("20200102030405 rest", 14, &ts), 0);
	ASSERT_EQ_INT(list_parse_time_val("20200102030405.25", 17, &ts), 0);
	ASSERT_TRUE(ts.tv_sec == T_OLD && ts.tv_nsec == 250000000L);
	ASSERT_EQ_INT(list_parse_time_val("20240229235959.123456789", 24, &ts), 0);
	ASSERT_TRUE(ts.tv_nsec == 123456789L);
	ASSERT_EQ_INT(list_parse_time_val("19691231235959", 14, &ts), 0);
	ASSERT_TRUE(ts.tv_sec == -1);
	ASSERT_EQ_INT(list_parse_time_val("00000101000000", 14, &ts), 0);
	ASSERT_EQ_INT(list_parse_time_val("99991231235959", 14, &ts), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ_INT(list_parse_time_val(bad[i], strlen(bad[i]), &ts), -1);
}

static int
t_collect(const char *path, void *arg)
{
	struct buf *b = arg;

	buf_puts(b, path);
	buf_putc(b, '|');
	return 0;
}

TEST(glob_last_component)
{
	struct buf b = BUF_INIT(4096);
	char why[128];

	fixture();
	ASSERT_TRUE(list_has_glob("a*") && list_has_glob("[ab]") && !list_has_glob("ab"));
	ASSERT_EQ_INT(list_glob("*.txt", 0, t_collect, &b, why, sizeof(why)), 2);
	ASSERT_EQ_STR(buf_cstr(&b), "file.txt|recent.txt|");
	buf_reset(&b);
	ASSERT_EQ_INT(list_glob("sub/*.t?t", 0, t_collect, &b, why, sizeof(why)), 1);
	ASSERT_EQ_STR(buf_cstr(&b), "sub/inner.txt|");
	buf_reset(&b);
	ASSERT_EQ_INT(list_glob("*", 0, t_collect, &b, why, sizeof(why)), 5);
	ASSERT_TRUE(strstr(buf_cstr(&b), ".hidden") == NULL);
	buf_reset(&b);
	ASSERT_EQ_INT(list_glob("*", 1, t_collect, &b, why, sizeof(why)), 6);
	ASSERT_STR_CONTAINS(buf_cstr(&b), ".hidden|");
	buf_reset(&b);
	ASSERT_EQ_INT(list_glob("*.none", 0, t_collect, &b, why, sizeof(why)), 0);
	ASSERT_EQ_INT(list_glob("s*/x", 0, t_collect, &b, why, sizeof(why)), -1);
	ASSERT_EQ_STR(why, "Wildcards only in the last path component");
	ASSERT_EQ_INT(list_glob("nodir/*", 0, t_collect, &b, why, sizeof(why)), -1);
	ASSERT_EQ_STR(why, "No such file or directory");
	ASSERT_EQ_INT(b.len, 0);
	buf_free(&b);
}

TEST(list_and_nlst_glob)
{
	struct buf out = BUF_INIT(65536);
	char why[128], line[512];

	ASSERT_EQ_INT(t_list(LIST_NAMES, "*.txt", 0, &out, why), 0);
	ASSERT_EQ_STR(buf_cstr(&out), "file.txt\r\nrecent.txt\r\n");
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_LONG, "s*", 0, &out, why), 0);
	ASSERT_EQ_INT(t_count_lines(&out), 1);	/* a matched dir is one line */
	ASSERT_TRUE(t_line(&out, " sub\r\n", line, sizeof(line)) && line[0] == 'd');
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_LONG, "*/x", 0, &out, why), -1);
	ASSERT_EQ_STR(why, "Wildcards only in the last path component");
	buf_free(&out);
}

static struct buf t_sink = BUF_INIT(65536);

static int
t_flush(struct buf *out, void *arg)
{
	int *calls = arg;

	(*calls)++;
	if (*calls > 100)
		return -1;
	buf_append(&t_sink, out->p, out->len);
	buf_consume(out, out->len);
	return 0;
}

TEST(flush_drains_and_stops)
{
	struct buf out = BUF_INIT(16), whole = BUF_INIT(65536);
	struct list_req req;
	char why[128];
	int calls = 0;

	ASSERT_EQ_INT(t_list(LIST_NAMES, NULL, 0, &whole, why), 0);
	memset(&req, 0, sizeof(req));
	req.kind = LIST_NAMES;
	req.flush = t_flush;
	req.flush_arg = &calls;
	ASSERT_EQ_INT(list_run(&req, &out, why, sizeof(why)), 0);
	ASSERT_TRUE(calls > 0);
	buf_append(&t_sink, out.p, out.len);
	ASSERT_EQ_STR(buf_cstr(&t_sink), buf_cstr(&whole));
	buf_reset(&out);
	calls = 1000;	/* every flush now fails */
	ASSERT_EQ_INT(list_run(&req, &out, why, sizeof(why)), -2);
	buf_free(&out);
	buf_free(&whole);
	buf_free(&t_sink);
}

TEST(owner_names_seeded_and_numeric)
{
	struct buf out = BUF_INIT(65536);
	char why[128], line[512];

	fixture();
	if (geteuid() != 0)
		return;	/* cannot chown: nothing to check */
	list_names_seed(4242, "alice", 4243, "staff");
	ASSERT_EQ_INT(lchown("recent.txt", 4242, 4243), 0);
	ASSERT_EQ_INT(lchown("sub/inner.txt", 4244, 4245), 0);
	ASSERT_EQ_INT(t_list(LIST_LONG, "recent.txt", 0, &out, why), 0);
	ASSERT_TRUE(t_line(&out, " recent.txt\r\n", line, sizeof(line)));
	ASSERT_STR_CONTAINS(line, " alice    staff    ");
	buf_reset(&out);
	ASSERT_EQ_INT(t_list(LIST_LONG, "sub/inner.txt", 0, &out, why), 0);
	ASSERT_STR_CONTAINS(buf_cstr(&out), " 4244     4245     ");
	ASSERT_EQ_INT(lchown("recent.txt", geteuid(), getegid()), 0);
	ASSERT_EQ_INT(lchown("sub/inner.txt", geteuid(), getegid()), 0);
	buf_free(&out);
}
