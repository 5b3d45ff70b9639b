/*
 * runner.c: registry, assertions and main() for the unit tests (see runner.h).
 *
 * Owns the test list and the jump back out of a failed test.  Writes only to
 * stdout (results) and, in ASSERT_DIES children, nothing at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "runner.h"

#define MAX_TESTS	1024

struct test {
	const char	*name;
	void		(*fn)(void);
};

static struct test tests[MAX_TESTS];
static size_t ntests;
static const char *current;
static jmp_buf test_env;

void
runner_register(const char *name, void (*fn)(void))
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "runner: more than %d tests\n", MAX_TESTS);
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void
runner_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s:%d: %s: ", file, line, current ? current : "?");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	longjmp(test_env, 1);
}

void
runner_eq_int(const char *file, int line, const char *what, intmax_t a, intmax_t b)
{
	if (a != b)
		runner_fail(file, line, "%s: %jd != %jd", what, a, b);
}

void
runner_eq_str(const char *file, int line, const char *what, const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			runner_fail(file, line, "%s: \"%s\" != \"%s\"", what,
			    a ? a : "(null)", b ? b : "(null)");
		return;
	}
	if (strcmp(a, b) != 0)
		runner_fail(file, line, "%s: \"%s\" != \"%s\"", what, a, b);
}

void
runner_mem_eq(const char *file, int line, const char *what,
    const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (pa[i] != pb[i])
			runner_fail(file, line, "%s: differ at byte %zu of %zu "
			    "(0x%02x != 0x%02x)", what, i, n, pa[i], pb[i]);
}

pid_t
runner_fork(const char *file, int line)
{
	pid_t pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		runner_fail(file, line, "fork failed");
	if (pid == 0 && (fd = open("/dev/null", O_WRONLY)) != -1) {
		dup2(fd, 2);
		if (fd != 2)
			close(fd);
	}
	return pid;
}

int
runner_died(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 0;
	return WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0);
}

/* Is NAME selected by the command line (no arguments: everything)? */
static int
selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]) != NULL)
			return 1;
	return 0;
}

/* Run one test; 1 if it passed.  No locals here, so nothing for longjmp to clobber. */
static int
run_one(const struct test *t)
{
	current = t->name;
	if (setjmp(test_env) != 0)
		return 0;
	t->fn();
	return 1;
}

int
main(int argc, char **argv)
{
	size_t i;
	unsigned passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ntests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		if (run_one(&tests[i])) {
			passed++;
		} else {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		}
	}
	current = NULL;
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
