/*
 * t_buf.c: unit tests for common/buf.c (bounded buffers and string copies).
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "runner.h"

TEST(empty_buf_cstr)
{
	struct buf b = BUF_INIT(16);

	ASSERT_TRUE(buf_cstr(&b) != NULL);
	ASSERT_EQ_STR(buf_cstr(&b), "");
	ASSERT_EQ_INT(b.len, 0);
	buf_check(&b);
	buf_free(&b);
	ASSERT_EQ_STR(buf_cstr(&b), "");
}

TEST(append_and_puts)
{
	struct buf b;

	buf_init(&b, 64);
	ASSERT_EQ_INT(buf_append(&b, "abc", 3), 0);
	ASSERT_EQ_INT(buf_puts(&b, "def"), 0);
	ASSERT_EQ_INT(buf_putc(&b, 'g'), 0);
	ASSERT_EQ_INT(buf_append(&b, "", 0), 0);
	ASSERT_EQ_INT(b.len, 7);
	ASSERT_EQ_STR(buf_cstr(&b), "abcdefg");
	buf_check(&b);
	buf_free(&b);
	ASSERT_TRUE(b.p == NULL);
	ASSERT_EQ_INT(b.len, 0);
	ASSERT_EQ_INT(b.max, 64);	/* reusable after free */
	ASSERT_EQ_INT(buf_puts(&b, "x"), 0);
	ASSERT_EQ_STR(buf_cstr(&b), "x");
	buf_free(&b);
}

TEST(append_binary_keeps_nul_termination)
{
	struct buf b = BUF_INIT(16);
	static const char bin[] = { 'a', '\0', 'b', '\xff' };

	ASSERT_EQ_INT(buf_append(&b, bin, sizeof(bin)), 0);
	ASSERT_EQ_INT(b.len, 4);
	ASSERT_MEM_EQ(b.p, bin, sizeof(bin));
	ASSERT_EQ_INT(b.p[4], '\0');
	buf_free(&b);
}

TEST(appendf_grows)
{
	struct buf b = BUF_INIT(100000);
	char want[16];
	int i;

	for (i = 0; i < 1000; i++)
		ASSERT_EQ_INT(buf_appendf(&b, "%04d,", i), 0);
	ASSERT_EQ_INT(b.len, 5000);
	ASSERT_TRUE(b.cap > b.len);
	ASSERT_MEM_EQ(b.p, "0000,0001,", 10);
	str_fmt(want, sizeof(want), "%04d,", 999);
	ASSERT_EQ_STR(buf_cstr(&b) + 4995, want);
	buf_check(&b);
	buf_free(&b);
}

TEST(appendf_long_single)
{
	struct buf b = BUF_INIT(10000);
	char big[3000];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_EQ_INT(buf_appendf(&b, "<%s>", big), 0);
	ASSERT_EQ_INT(b.len, 3001);
	ASSERT_EQ_INT(b.p[0], '<');
	ASSERT_EQ_INT(b.p[3000], '>');
	buf_free(&b);
}

TEST(max_enforced_append)
{
	struct buf b = BUF_INIT(8);

	ASSERT_EQ_INT(buf_append(&b, "12345", 5), 0);
	ASSERT_EQ_INT(buf_append(&b, "6789", 4), -1);
	ASSERT_EQ_INT(b.len, 5);
	ASSERT_EQ_STR(buf_cstr(&b), "12345");
	ASSERT_EQ_INT(buf_puts(&b, "6789"), -1);
	ASSERT_EQ_STR(buf_cstr(&b), "12345");
	ASSERT_EQ_INT(buf_append(&b, "678", 3), 0);	/* exactly max */
	ASSERT_EQ_STR(buf_cstr(&b), "12345678");
	ASSERT_EQ_INT(buf_putc(&b, '9'), -1);
	ASSERT_EQ_INT(buf_append(&b, "", 0), 0);
	ASSERT_EQ_INT(b.len, 8);
	ASSERT_EQ_STR(buf_cstr(&b), "12345678");
	buf_check(&b);
	buf_free(&b);
}

TEST(max_enforced_appendf)
{
	struct buf b = BUF_INIT(10);

	ASSERT_EQ_INT(buf_appendf(&b, "%s", "abcdef"), 0);
	ASSERT_EQ_INT(buf_appendf(&b, "%d", 12345), -1);
	ASSERT_EQ_INT(b.len, 6);
	ASSERT_EQ_STR(buf_cstr(&b), "abcdef");
	ASSERT_EQ_INT(buf_appendf(&b, "%d", 1234), 0);
	ASSERT_EQ_STR(buf_cstr(&b), "abcdef1234");
	ASSERT_EQ_INT(buf_appendf(&b, "%s", ""), 0);
	ASSERT_EQ_INT(buf_appendf(&b, "x"), -1);
	ASSERT_EQ_STR(buf_cstr(&b), "abcdef1234");
	buf_check(&b);
	buf_free(&b);
}

TEST(max_zero)
{
	struct buf b = BUF_INIT(0);

	ASSERT_EQ_INT(buf_putc(&b, 'a'), -1);
	ASSERT_EQ_INT(b.len, 0);
	ASSERT_EQ_STR(buf_cstr(&b), "");
	buf_check(&b);
	buf_free(&b);
}

TEST(max_huge_no_overflow)
{
	struct buf b = BUF_INIT(SIZE_MAX);

	ASSERT_EQ_INT(buf_puts(&b, "ab"), 0);
	ASSERT_EQ_INT(buf_append(&b, "c", 1), 0);
	ASSERT_EQ_STR(buf_cstr(&b), "abc");
	buf_free(&b);
}

TEST(consume)
{
	struct buf b = BUF_INIT(64);

	buf_puts(&b, "hello world");
	buf_consume(&b, 0);
	ASSERT_EQ_STR(buf_cstr(&b), "hello world");
	buf_consume(&b, 6);
	ASSERT_EQ_INT(b.len, 5);
	ASSERT_EQ_STR(buf_cstr(&b), "world");
	buf_check(&b);
	buf_consume(&b, 5);
	ASSERT_EQ_INT(b.len, 0);
	ASSERT_EQ_STR(buf_cstr(&b), "");
	buf_check(&b);
	/* room is reusable after consuming */
	ASSERT_EQ_INT(buf_puts(&b, "again"), 0);
	ASSERT_EQ_STR(buf_cstr(&b), "again");
	buf_free(&b);
}

TEST(consume_zero_on_unallocated)
{
	struct buf b = BUF_INIT(8);

	buf_consume(&b, 0);
	buf_truncate(&b, 0);
	buf_reset(&b);
	ASSERT_EQ_STR(buf_cstr(&b), "");
	buf_check(&b);
}

TEST(truncate_and_reset)
{
	struct buf b = BUF_INIT(64);
	char *mem;

	buf_puts(&b, "abcdef");
	buf_truncate(&b, 6);
	ASSERT_EQ_STR(buf_cstr(&b), "abcdef");
	buf_truncate(&b, 2);
	ASSERT_EQ_INT(b.len, 2);
	ASSERT_EQ_STR(buf_cstr(&b), "ab");
	buf_check(&b);
	mem = b.p;
	buf_reset(&b);
	ASSERT_EQ_INT(b.len, 0);
	ASSERT_EQ_STR(buf_cstr(&b), "");
	ASSERT_TRUE(b.p == mem);	/* memory kept */
	buf_check(&b);
	buf_free(&b);
}

TEST(str_copy_fits_and_truncates)
{
	char d[4];

	ASSERT_EQ_INT(str_copy(d, sizeof(d), "abc"), 0);
	ASSERT_EQ_STR(d, "abc");
	ASSERT_EQ_INT(str_copy(d, sizeof(d), ""), 0);
	ASSERT_EQ_STR(d, "");
	ASSERT_EQ_INT(str_copy(d, sizeof(d), "abcd"), -1);
	ASSERT_EQ_STR(d, "abc");
	ASSERT_EQ_INT(str_copy(d, sizeof(d), "abcdefghijkl"), -1);
	ASSERT_EQ_STR(d, "abc");
	ASSERT_EQ_INT(str_copy(d, 1, "x"), -1);
	ASSERT_EQ_STR(d, "");
}

TEST(str_fmt_fits_and_truncates)
{
	char d[6];

	ASSERT_EQ_INT(str_fmt(d, sizeof(d), "%d-%s", 12, "ab"), 0);
	ASSERT_EQ_STR(d, "12-ab");
	ASSERT_EQ_INT(str_fmt(d, sizeof(d), "%d-%s", 123, "ab"), -1);
	ASSERT_EQ_STR(d, "123-a");
	ASSERT_EQ_INT(str_fmt(d, sizeof(d), "%s", ""), 0);
	ASSERT_EQ_STR(d, "");
}

/* Corrupt a buffer so that buf_check() must fire. */
static void
corrupt_and_append(void)
{
	struct buf b = BUF_INIT(4);

	buf_puts(&b, "ab");
	b.len = 10;		/* len > max and >= cap */
	buf_append(&b, "x", 1);
}

static void
unterminated_check(void)
{
	struct buf b = BUF_INIT(64);

	buf_puts(&b, "abc");
	b.p[3] = 'x';
	buf_check(&b);
}

TEST(bug_paths_die)
{
	struct buf b = BUF_INIT(16);
	char d[4];

	buf_puts(&b, "abc");
	ASSERT_DIES(buf_consume(&b, 4));
	ASSERT_DIES(buf_truncate(&b, 4));
	ASSERT_DIES(str_copy(d, 0, "x"));
	ASSERT_DIES(str_fmt(d, 0, "%s", "x"));
	ASSERT_DIES(corrupt_and_append());
	ASSERT_DIES(unterminated_check());
	/* the parent's buffer is untouched by what the children did */
	ASSERT_EQ_STR(buf_cstr(&b), "abc");
	buf_free(&b);

	struct buf e = BUF_INIT(16);
	ASSERT_DIES(buf_consume(&e, 1));
}

TEST(assert_dies_sees_normal_return)
{
	/* Sanity check of the runner: a returning expression is not a death. */
	pid_t pid = runner_fork(__FILE__, __LINE__);

	if (pid == 0)
		_exit(0);
	ASSERT_EQ_INT(runner_died(pid), 0);
}

TEST(xcalloc_overflow_dies)
{
	ASSERT_DIES(xcalloc(SIZE_MAX / 2, 3));
}
