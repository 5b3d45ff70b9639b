/*
 * t_sandbox.c: the control process's seccomp filter kills forbidden calls,
 * refuses calls it does not know with EPERM and lets ordinary I/O through.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "sandbox.h"

static int iop[2] = { -1, -1 };	/* a pipe made before the filter */

/* Run FN in a child under the filter; returns its wait status. */
static int
sandboxed(void (*fn)(void))
{
	pid_t pid = fork();
	int st = 0;

	ASSERT_TRUE(pid != -1);
	if (pid == 0) {
		if (sandbox_control() == -1)
			_exit(77);
		fn();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return st;
}

static void
do_io(void)
{
	char c = 'x';

	if (write(iop[1], &c, 1) != 1 || read(iop[0], &c, 1) != 1)
		_exit(1);
}

/* Calls outside the list fail with EPERM, and the process lives on. */
static void
do_unlisted(void)
{
	int p[2];

	if (open("/", O_RDONLY) != -1 || errno != EPERM)
		_exit(2);
	if (pipe(p) != -1 || errno != EPERM)
		_exit(3);
	if (syscall(SYS_socket, 1, 1, 0) != -1 || errno != EPERM)
		_exit(4);
}

static void
do_exec(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve(argv[0], argv, NULL);
}

static void
do_fork(void)
{
	syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
}

static void
do_setuid(void)
{
	syscall(SYS_setuid, 0);
}

/* fcntl for flags passes; a call that could aim signals elsewhere kills. */
static void
do_fcntl_flags(void)
{
	int fl = fcntl(iop[0], F_GETFL);

	if (fl == -1 || fcntl(iop[0], F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(iop[0], F_SETFD, FD_CLOEXEC) == -1 || fcntl(iop[0], F_GETFD) == -1)
		_exit(1);
	if (fcntl(iop[0], F_GETLK, NULL) != -1 || errno != EPERM)
		_exit(2);
}

static void
do_fcntl_setown(void)
{
	fcntl(iop[0], F_SETOWN, 1);
}

static void
do_fcntl_async(void)
{
	fcntl(iop[0], F_SETFL, O_ASYNC);
}

static void
do_fcntl_setsig(void)
{
	fcntl(iop[0], F_SETSIG, SIGKILL);
}

TEST(sandbox_fcntl_arguments)
{
	int st;

	ASSERT_TRUE(pipe(iop) == 0);
	st = sandboxed(do_fcntl_flags);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ_INT(WEXITSTATUS(st), 0);
	st = sandboxed(do_fcntl_setown);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = sandboxed(do_fcntl_async);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = sandboxed(do_fcntl_setsig);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	close(iop[0]);
	close(iop[1]);
}

TEST(sandbox_allows_io)
{
	int st;

	ASSERT_TRUE(pipe(iop) == 0);
	st = sandboxed(do_io);
	close(iop[0]);
	close(iop[1]);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ_INT(WEXITSTATUS(st), 0);
}

TEST(sandbox_refuses_unlisted_calls)
{
	int st = sandboxed(do_unlisted);

	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ_INT(WEXITSTATUS(st), 0);
}

TEST(sandbox_kills_exec_fork_setuid)
{
	int st;

	st = sandboxed(do_exec);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = sandboxed(do_fork);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = sandboxed(do_setuid);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}
