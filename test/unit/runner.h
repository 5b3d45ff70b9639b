/*
 * runner.h: the tiny in-tree unit test runner.
 *
 *	TEST(name) { ASSERT_EQ_INT(f(1), 2); }
 *
 * Each TEST registers itself before main() runs (a constructor); runner.c's
 * main() runs them all in file order, reports every failed assertion with
 * file:line, and ends with the line "N passed, N failed" (exit 1 if any failed).
 * A failed assertion stops that test only (longjmp back to the runner).
 * Arguments to a test binary select tests whose name contains one of them.
 */
#ifndef FTPD_TEST_RUNNER_H
#define FTPD_TEST_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Add FN, called NAME, to the list of tests.  Called by TEST's constructor. */
void	 runner_register(const char *name, void (*fn)(void));
/* Report a failed assertion at FILE:LINE and stop the current test.  Never returns. */
void	 runner_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 3, 4)));
/* Compare and report; these return only if the values are equal. */
void	 runner_eq_int(const char *file, int line, const char *what, intmax_t a, intmax_t b);
void	 runner_eq_str(const char *file, int line, const char *what, const char *a, const char *b);
void	 runner_mem_eq(const char *file, int line, const char *what,
	    const void *a, const void *b, size_t n);
/*
 * Fork for ASSERT_DIES.  Returns twice: 0 in the child (whose stderr is now
 * /dev/null), the child's pid in the parent.  Stops the test if fork fails.
 */
pid_t	 runner_fork(const char *file, int line);
/* Wait for PID; 1 if it exited non-zero or died by a signal, else 0. */
int	 runner_died(pid_t pid);

#define TEST(name)							\
	static void test_##name(void);					\
	static void __attribute__((constructor)) test_reg_##name(void)	\
	{ runner_register(#name, test_##name); }			\
	static void test_##name(void)

#define ASSERT_TRUE(x) do {						\
	if (!(x))							\
		runner_fail(__FILE__, __LINE__, "ASSERT_TRUE(%s)", #x);	\
} while (0)

#define ASSERT_EQ_INT(a, b)						\
	runner_eq_int(__FILE__, __LINE__, "ASSERT_EQ_INT(" #a ", " #b ")", (intmax_t)(a), (intmax_t)(b))

#define ASSERT_EQ_STR(a, b)						\
	runner_eq_str(__FILE__, __LINE__, "ASSERT_EQ_STR(" #a ", " #b ")", (a), (b))

#define ASSERT_MEM_EQ(a, b, n)						\
	runner_mem_eq(__FILE__, __LINE__, "ASSERT_MEM_EQ(" #a ", " #b ")", (a), (b), (n))

/* A is a string containing B. */
#define ASSERT_STR_CONTAINS(a, b) do {					\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || b_ == NULL || strstr(a_, b_) == NULL)		\
		runner_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
		    a_ ? a_ : "(null)", b_ ? b_ : "(null)");		\
} while (0)

/* EXPR, run in a child process, must exit non-zero or die by a signal. */
#define ASSERT_DIES(expr) do {						\
	pid_t pid_ = runner_fork(__FILE__, __LINE__);			\
	if (pid_ == 0) {						\
		(void)(expr);						\
		_exit(0);						\
	}								\
	if (!runner_died(pid_))						\
		runner_fail(__FILE__, __LINE__, "ASSERT_DIES(%s): it returned", #expr); \
} while (0)

#endif
