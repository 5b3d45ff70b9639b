/*
 * t_conf.c: unit tests for common/conf.c (ftpd.conf, -o and the options.def table).
 *
 * Config files are written to mkstemp() files under $TMPDIR (or /tmp) and removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "limits.h"
#include "runner.h"

/* Write TEXT to a new temporary file; its name goes to PATH. */
static void
write_tmp(char *path, size_t pathsz, const char *text)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (str_fmt(path, pathsz, "%s/t_conf.XXXXXX", dir) == -1)
		runner_fail(__FILE__, __LINE__, "TMPDIR too long");
	if ((fd = mkstemp(path)) == -1)
		runner_fail(__FILE__, __LINE__, "mkstemp %s failed", path);
	if ((f = fdopen(fd, "w")) == NULL)
		runner_fail(__FILE__, __LINE__, "fdopen failed");
	fputs(text, f);
	if (fclose(f) != 0)
		runner_fail(__FILE__, __LINE__, "write %s failed", path);
}

/* conf_load TEXT into C (from defaults); returns conf_load's result, ERR its message. */
static int
load_text(struct conf *c, const char *text, char *path, size_t pathsz,
    char *err, size_t errsz)
{
	int r;

	conf_defaults(c);
	write_tmp(path, pathsz, text);
	err[0] = '\0';
	r = conf_load(c, path, 0, err, errsz);
	unlink(path);
	return r;
}

/* The file TEXT must be refused at line LINE. */
static void
expect_refused(const char *text, int line)
{
	struct conf c;
	char path[256], err[512], where[300];
	int r;

	r = load_text(&c, text, path, sizeof(path), err, sizeof(err));
	conf_free(&c);
	if (r != -1)
		runner_fail(__FILE__, __LINE__, "accepted: \"%s\"", text);
	str_fmt(where, sizeof(where), "%s:%d: ", path, line);
	if (strncmp(err, where, strlen(where)) != 0)
		runner_fail(__FILE__, __LINE__, "for \"%s\": error \"%s\" lacks \"%s\"",
		    text, err, where);
}

TEST(defaults_match_options_def)
{
	struct conf c;

	conf_defaults(&c);
#define OPT_BOOL(f, d, desc)		ASSERT_EQ_INT(c.f, d);
#define OPT_INT(f, d, lo, hi, desc)	ASSERT_EQ_INT(c.f, d); ASSERT_TRUE(d >= lo && d <= hi);
#define OPT_OCT(f, d, desc)		ASSERT_EQ_INT(c.f, d);
#define OPT_STR(f, d, desc)		ASSERT_EQ_STR(c.f, d);
#define OPT_ENUM(f, type, d, desc)	ASSERT_EQ_INT(c.f, d);
#include "options.def"
	conf_free(&c);
}

TEST(defaults_examples)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	ASSERT_EQ_INT(c.idle_timeout, 900);
	ASSERT_EQ_INT(c.max_idle_timeout, 7200);
	ASSERT_EQ_STR(c.pam_service, "ftp");
	ASSERT_EQ_INT(c.umask, 022);
	ASSERT_EQ_INT(c.anon_umask, 022);
	ASSERT_EQ_INT(c.local_enable, 1);
	ASSERT_EQ_INT(c.anonymous_only, 0);
	ASSERT_EQ_INT(c.listen_port, 21);
	ASSERT_EQ_INT(c.listen_family, FAMILY_ANY);
	ASSERT_EQ_STR(c.nopriv_user, "nobody");
	ASSERT_EQ_STR(c.empty_dir, "/var/empty");
	ASSERT_EQ_STR(c.banner, "");
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
}

/* Each default, written back as text, is accepted by conf_set (the table agrees with itself). */
TEST(defaults_round_trip)
{
	struct conf c;
	char v[64], err[256];

	conf_defaults(&c);
#define OPT_BOOL(f, d, desc) \
	ASSERT_EQ_INT(conf_set(&c, #f, (d) ? "yes" : "no", err, sizeof(err)), 0);
#define OPT_INT(f, d, lo, hi, desc) \
	str_fmt(v, sizeof(v), "%ld", (long)(d)); \
	ASSERT_EQ_INT(conf_set(&c, #f, v, err, sizeof(err)), 0);
#define OPT_OCT(f, d, desc) \
	str_fmt(v, sizeof(v), "%o", (unsigned)(d)); \
	ASSERT_EQ_INT(conf_set(&c, #f, v, err, sizeof(err)), 0);
#define OPT_STR(f, d, desc) \
	ASSERT_EQ_INT(conf_set(&c, #f, d, err, sizeof(err)), 0);
#define OPT_ENUM(f, type, d, desc) \
	ASSERT_EQ_INT(conf_set(&c, #f, conf_enum_word(#f, d), err, sizeof(err)), 0); \
	ASSERT_EQ_INT(c.f, d);
#include "options.def"
	conf_free(&c);
}

/* An enumerated keyword holds its word's constant; the error lists the words. */
TEST(enum_words_and_constants)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	ASSERT_EQ_INT(conf_set(&c, "tls_data", "require", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.tls_data, DPROT_REQUIRE);
	ASSERT_EQ_INT(conf_set(&c, "tls_data_anonymous", "never", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.tls_data_anonymous, ADPROT_NEVER);
	ASSERT_EQ_INT(conf_set(&c, "tls_required", "all", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.tls_required, TLSREQ_ALL);
	ASSERT_EQ_INT(conf_set(&c, "tls_data", "same", err, sizeof(err)), -1);
	ASSERT_EQ_STR(err, "tls_data: \"same\" is not one of never|allow|require");
	ASSERT_EQ_STR(conf_enum_word("tls_min_version", TLSV_1_1), "1.1");
	ASSERT_EQ_STR(conf_enum_word("banner", 0), "?");
	/* tls_max_version: 1.2 or 1.3, and not below tls_min_version */
	ASSERT_EQ_INT(conf_set(&c, "tls_max_version", "1.1", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_set(&c, "tls_min_version", "1.0", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set(&c, "tls_max_version", "1.2", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_set(&c, "tls_min_version", "1.3", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set(&c, "tls_min_version", "1.2", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
}

struct walk {
	int	 n;
	int	 bad;
};

static void
count_kw(const char *kw, const char *type, const char *desc, void *arg)
{
	struct walk *w = arg;

	w->n++;
	if (kw == NULL || *kw == '\0' || desc == NULL || *desc == '\0' || type == NULL)
		w->bad++;
}

TEST(foreach_lists_every_keyword)
{
	struct walk w = { 0, 0 };
	int n = 0;

#define OPT_BOOL(f, d, desc)		n++;
#define OPT_INT(f, d, lo, hi, desc)	n++;
#define OPT_OCT(f, d, desc)		n++;
#define OPT_STR(f, d, desc)		n++;
#define OPT_ENUM(f, type, d, desc)	n++;
#include "options.def"
	conf_foreach(count_kw, &w);
	ASSERT_EQ_INT(w.n, n);
	ASSERT_EQ_INT(w.bad, 0);
}

TEST(load_good_file)
{
	struct conf c;
	char path[256], err[512];
	static const char text[] =
	    "# ftpd.conf for the unit tests\n"
	    "\n"
	    "   \t\n"
	    "  # an indented comment\n"
	    "idle_timeout 60\n"
	    "login_timeout = 30\n"
	    "data_timeout=45\n"
	    "\tpam_service\tftp-test  \n"
	    "banner Welcome to the test server\n"
	    "umask 027\n"
	    "anon_umask = 0\n"
	    "write_enable no\n"
	    "anonymous_enable off\n"
	    "debug true\n"
	    "listen_family inet6\r\n"
	    "pasv_min_port 50000\n"
	    "pasv_max_port 50100\n"
	    "idle_timeout 61\n"		/* a later line wins */
	    "anon_root";		/* no value, no final newline */

	ASSERT_EQ_INT(load_text(&c, text, path, sizeof(path), err, sizeof(err)), 0);
	ASSERT_EQ_STR(err, "");
	ASSERT_EQ_INT(c.idle_timeout, 61);
	ASSERT_EQ_INT(c.login_timeout, 30);
	ASSERT_EQ_INT(c.data_timeout, 45);
	ASSERT_EQ_STR(c.pam_service, "ftp-test");
	ASSERT_EQ_STR(c.banner, "Welcome to the test server");
	ASSERT_EQ_INT(c.umask, 027);
	ASSERT_EQ_INT(c.anon_umask, 0);
	ASSERT_EQ_INT(c.write_enable, 0);
	ASSERT_EQ_INT(c.anonymous_enable, 0);
	ASSERT_EQ_INT(c.debug, 1);
	ASSERT_EQ_INT(c.listen_family, FAMILY_INET6);
	ASSERT_EQ_INT(c.pasv_min_port, 50000);
	ASSERT_EQ_INT(c.pasv_max_port, 50100);
	ASSERT_EQ_STR(c.anon_root, "");
	/* untouched keywords keep their defaults */
	ASSERT_EQ_INT(c.local_enable, 1);
	ASSERT_EQ_STR(c.nopriv_user, "nobody");
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
}

TEST(load_empty_file)
{
	struct conf c;
	char path[256], err[512];

	ASSERT_EQ_INT(load_text(&c, "", path, sizeof(path), err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.idle_timeout, 900);
	conf_free(&c);
}

TEST(load_unknown_keyword_has_location)
{
	struct conf c;
	char path[256], err[512], where[300];

	ASSERT_EQ_INT(load_text(&c, "# x\nidle_timeout 60\nno_such_thing yes\n",
	    path, sizeof(path), err, sizeof(err)), -1);
	str_fmt(where, sizeof(where), "%s:3:", path);
	ASSERT_STR_CONTAINS(err, where);
	ASSERT_STR_CONTAINS(err, "no_such_thing");
	ASSERT_STR_CONTAINS(err, "unknown keyword");
	conf_free(&c);
	expect_refused("Idle_timeout 60\n", 1);	/* keywords are case-sensitive */
	expect_refused("\n\n= 5\n", 3);
}

TEST(load_bad_values_refused)
{
	char big[MAX_CONF_VALUE + 32];

	/* bool */
	expect_refused("debug maybe\n", 1);
	expect_refused("debug YES\n", 1);
	expect_refused("# c\ndebug\n", 2);
	expect_refused("debug yes please\n", 1);
	/* int */
	expect_refused("idle_timeout abc\n", 1);
	expect_refused("idle_timeout 12x\n", 1);
	expect_refused("idle_timeout\n", 1);
	expect_refused("idle_timeout 60 # trailing comment\n", 1);
	expect_refused("idle_timeout 0x10\n", 1);
	expect_refused("idle_timeout +60\n", 1);
	expect_refused("idle_timeout 99999999999999999999999\n", 1);
	/* out of range */
	expect_refused("idle_timeout 4\n", 1);
	expect_refused("idle_timeout 86401\n", 1);
	expect_refused("idle_timeout -60\n", 1);
	expect_refused("listen_port 0\n", 1);
	expect_refused("listen_port 65536\n", 1);
	expect_refused("log_sessions 3\n", 1);
	/* octal */
	expect_refused("umask 8\n", 1);
	expect_refused("umask 0999\n", 1);
	expect_refused("umask -1\n", 1);
	expect_refused("umask 10000\n", 1);
	expect_refused("umask rwx\n", 1);
	expect_refused("anon_umask 0x12\n", 1);
	/* enum */
	expect_refused("listen_family inet4\n", 1);
	expect_refused("listen_family ANY\n", 1);
	expect_refused("listen_family any|inet\n", 1);
	expect_refused("listen_family in\n", 1);
	expect_refused("listen_family\n", 1);
	/* string too long */
	memset(big, 'a', sizeof(big));
	memcpy(big, "banner ", 7);
	big[7 + MAX_CONF_VALUE] = '\n';
	big[7 + MAX_CONF_VALUE + 1] = '\0';
	expect_refused(big, 1);
}

TEST(load_longest_value_accepted)
{
	struct conf c;
	char path[256], err[512], text[MAX_CONF_VALUE + 32];

	memset(text, 'b', sizeof(text));
	memcpy(text, "banner ", 7);
	text[7 + MAX_CONF_VALUE - 1] = '\n';
	text[7 + MAX_CONF_VALUE] = '\0';
	ASSERT_EQ_INT(load_text(&c, text, path, sizeof(path), err, sizeof(err)), 0);
	ASSERT_EQ_INT(strlen(c.banner), MAX_CONF_VALUE - 1);
	conf_free(&c);
}

TEST(load_overlong_line)
{
	static char text[3 * MAX_CONF_VALUE];

	memset(text, ' ', sizeof(text));
	memcpy(text, "# ok\nbanner ", 12);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	expect_refused(text, 2);
}

TEST(bool_spellings)
{
	static const char *yes[] = { "yes", "on", "true", "1" };
	static const char *no[] = { "no", "off", "false", "0" };
	struct conf c;
	char err[256];
	size_t i;

	conf_defaults(&c);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ_INT(conf_set(&c, "anon_upload", yes[i], err, sizeof(err)), 0);
		ASSERT_EQ_INT(c.anon_upload, 1);
		ASSERT_EQ_INT(conf_set(&c, "anon_upload", no[i], err, sizeof(err)), 0);
		ASSERT_EQ_INT(c.anon_upload, 0);
	}
	conf_free(&c);
}

TEST(set_refusal_leaves_value)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	ASSERT_EQ_INT(conf_set(&c, "idle_timeout", "100000", err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "idle_timeout");
	ASSERT_EQ_INT(c.idle_timeout, 900);
	ASSERT_EQ_INT(conf_set(&c, "listen_family", "bogus", err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "any|inet|inet6");
	ASSERT_EQ_INT(c.listen_family, FAMILY_ANY);
	ASSERT_EQ_INT(conf_set(&c, "umask", "0777", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.umask, 0777);
	ASSERT_EQ_INT(conf_set(&c, "umask", "07777", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.umask, 07777);
	conf_free(&c);
}

TEST(small_error_buffer)
{
	struct conf c;
	char err[8];

	conf_defaults(&c);
	memset(err, 'x', sizeof(err));
	ASSERT_EQ_INT(conf_set(&c, "nosuchkeyword", "1", err, sizeof(err)), -1);
	ASSERT_EQ_INT(strlen(err), sizeof(err) - 1);
	conf_free(&c);
}

TEST(set_arg)
{
	struct conf c;
	char err[256], key[100];

	conf_defaults(&c);
	ASSERT_EQ_INT(conf_set_arg(&c, "idle_timeout=60", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.idle_timeout, 60);
	ASSERT_EQ_INT(conf_set_arg(&c, "banner=a=b c", err, sizeof(err)), 0);
	ASSERT_EQ_STR(c.banner, "a=b c");
	ASSERT_EQ_INT(conf_set_arg(&c, "banner=", err, sizeof(err)), 0);
	ASSERT_EQ_STR(c.banner, "");
	ASSERT_EQ_INT(conf_set_arg(&c, "umask=077", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.umask, 077);
	ASSERT_EQ_INT(conf_set_arg(&c, "debug=on", err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.debug, 1);

	ASSERT_EQ_INT(conf_set_arg(&c, "idle_timeout", err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "keyword=value");
	ASSERT_EQ_INT(conf_set_arg(&c, "=60", err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set_arg(&c, "", err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set_arg(&c, "nosuch=1", err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "-o");
	ASSERT_STR_CONTAINS(err, "nosuch");
	ASSERT_EQ_INT(conf_set_arg(&c, "idle_timeout=abc", err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "idle_timeout");
	ASSERT_EQ_INT(conf_set_arg(&c, "idle_timeout = 60", err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set_arg(&c, "debug=maybe", err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set_arg(&c, "listen_family=ipx", err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set_arg(&c, "umask=9", err, sizeof(err)), -1);
	memset(key, 'k', sizeof(key));
	memcpy(key + 80, "=1", 3);
	ASSERT_EQ_INT(conf_set_arg(&c, key, err, sizeof(err)), -1);
	/* refusals changed nothing */
	ASSERT_EQ_INT(c.idle_timeout, 60);
	ASSERT_EQ_INT(c.debug, 1);
	ASSERT_EQ_INT(c.umask, 077);
	ASSERT_EQ_INT(c.listen_family, FAMILY_ANY);
	conf_free(&c);
}

/* conf_validate() result for the given passive port range on top of the defaults. */
static int
pasv_ok(long lo, long hi)
{
	struct conf c;
	char err[256];
	int r;

	conf_defaults(&c);
	c.pasv_min_port = lo;
	c.pasv_max_port = hi;
	r = conf_validate(&c, err, sizeof(err));
	conf_free(&c);
	return r == 0;
}

TEST(validate_pasv_ports)
{
	ASSERT_TRUE(pasv_ok(0, 0));
	ASSERT_TRUE(pasv_ok(1024, 1024));
	ASSERT_TRUE(pasv_ok(50000, 51000));
	ASSERT_TRUE(pasv_ok(1024, 65535));
	ASSERT_TRUE(!pasv_ok(50000, 0));
	ASSERT_TRUE(!pasv_ok(0, 50000));
	ASSERT_TRUE(!pasv_ok(51000, 50000));
	ASSERT_TRUE(!pasv_ok(1000, 2000));
	ASSERT_TRUE(!pasv_ok(1, 1));
}

TEST(validate_other_rules)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	ASSERT_EQ_INT(conf_set(&c, "idle_timeout", "8000", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "max_idle_timeout");
	ASSERT_EQ_INT(conf_set(&c, "max_idle_timeout", "8000", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), 0);

	ASSERT_EQ_INT(conf_set(&c, "empty_dir", "var/empty", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set(&c, "empty_dir", "/var/empty", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_set(&c, "nopriv_user", "", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	conf_free(&c);
}

TEST(missing_file)
{
	struct conf c;
	char path[256], err[512];

	conf_defaults(&c);
	write_tmp(path, sizeof(path), "");
	unlink(path);
	err[0] = '\0';
	ASSERT_EQ_INT(conf_load(&c, path, 1, err, sizeof(err)), 0);
	ASSERT_EQ_INT(c.idle_timeout, 900);
	ASSERT_EQ_INT(conf_load(&c, path, 0, err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, path);
	conf_free(&c);
}

TEST(directory_is_not_a_config_file)
{
	struct conf c;
	char err[512];

	conf_defaults(&c);
	ASSERT_EQ_INT(conf_load(&c, "/", 1, err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "/");
	conf_free(&c);
}

TEST(load_stream_allowed_keywords)
{
	static const char *const allowed[] = { "write_enable", "umask", NULL };
	struct conf c;
	char err[512];
	FILE *f;

	conf_defaults(&c);
	f = fmemopen((void *)"write_enable no\numask 077\n", 26, "r");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ_INT(conf_load_stream(&c, f, "u", allowed, err, sizeof(err)), 0);
	fclose(f);
	ASSERT_EQ_INT(c.write_enable, 0);
	ASSERT_EQ_INT(c.umask, 077);
	/* a keyword outside the list, known or not, is refused with its line */
	f = fmemopen((void *)"umask 022\nanon_user root\n", 25, "r");
	ASSERT_EQ_INT(conf_load_stream(&c, f, "u", allowed, err, sizeof(err)), -1);
	fclose(f);
	ASSERT_EQ_STR(err, "u:2: \"anon_user\" may not be set here");
	ASSERT_EQ_STR(c.anon_user, "ftp");
	f = fmemopen((void *)"bogus 1\n", 8, "r");
	ASSERT_EQ_INT(conf_load_stream(&c, f, "u", allowed, err, sizeof(err)), -1);
	fclose(f);
	ASSERT_STR_CONTAINS(err, "\"bogus\" may not be set here");
	/* an allowed keyword with a bad value: conf_set's reason */
	f = fmemopen((void *)"write_enable maybe\n", 19, "r");
	ASSERT_EQ_INT(conf_load_stream(&c, f, "u", allowed, err, sizeof(err)), -1);
	fclose(f);
	ASSERT_STR_CONTAINS(err, "u:1: write_enable: \"maybe\" is not yes or no");
	/* without a list, every keyword */
	f = fmemopen((void *)"anon_user nobody\n", 17, "r");
	ASSERT_EQ_INT(conf_load_stream(&c, f, "u", NULL, err, sizeof(err)), 0);
	fclose(f);
	ASSERT_EQ_STR(c.anon_user, "nobody");
	conf_free(&c);
}

TEST(copy_owns_its_strings)
{
	struct conf a, b;
	char err[256];

	conf_defaults(&a);
	ASSERT_EQ_INT(conf_set(&a, "banner", "hello", err, sizeof(err)), 0);
	conf_copy(&b, &a);
	ASSERT_EQ_STR(b.banner, "hello");
	ASSERT_TRUE(b.banner != a.banner);
	ASSERT_EQ_INT(conf_set(&b, "banner", "other", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_set(&b, "idle_timeout", "60", err, sizeof(err)), 0);
	ASSERT_EQ_STR(a.banner, "hello");
	ASSERT_EQ_INT(a.idle_timeout, 900);
	conf_free(&b);
	ASSERT_EQ_STR(a.banner, "hello");
	conf_free(&a);
}

TEST(validate_guest_settings)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	ASSERT_EQ_INT(conf_set(&c, "guest_enable", "yes", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	ASSERT_STR_CONTAINS(err, "guest_user");
	ASSERT_EQ_INT(conf_set(&c, "guest_user", "virt", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_set(&c, "guest_root", "srv/%u", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), -1);
	ASSERT_EQ_INT(conf_set(&c, "guest_root", "/srv/%u", err, sizeof(err)), 0);
	ASSERT_EQ_INT(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
}
