/*
 * sandbox.c: the control process's seccomp filter (Linux).
 *
 * An allow list: the calls the control process makes (its poll loop, the
 * control connection and its TLS, the IPC socket pair, malloc, syslog, the
 * clock and signals) pass.  What turns a memory bug into a foothold (exec,
 * fork/clone, ptrace, setuid and friends, chroot/mount, new listening
 * sockets, kill) kills the process.  Every other call fails with EPERM
 * without reaching the kernel's code for it: a library taking a rare path we
 * did not foresee gets an error it already handles (as for a file the empty
 * chroot does not have), not a dead session.  The process already has no
 * privileges, no files (chroot to an empty directory, RLIMIT_FSIZE 0) and
 * NO_NEW_PRIVS.
 *
 * The list was taken from system call traces of the control process over
 * the whole integration suite, plus the clock calls that valgrind and a
 * system without a vDSO make for real.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif

#define ON(nr, action) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, (action))
#define ALLOW(nr)	ON(nr, SECCOMP_RET_ALLOW)
/* the low 32 bits of system call argument N (little-endian ABIs only) */
#define ARG_LO(n)	(offsetof(struct seccomp_data, args) + (n) * sizeof(uint64_t))
#define KILL(nr)	ON(nr, SECCOMP_RET_KILL_PROCESS)

int
sandbox_control(void)
{
#ifdef SANDBOX_ARCH
	struct sock_filter filter[] = {
		/* a call from another ABI (x32, i386) is refused outright */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),

		/*
		 * fcntl: the descriptor and status flags only.  F_SETOWN, F_SETSIG
		 * and O_ASYNC would let it signal any process of nopriv_user (every
		 * other session's control process): they kill it.
		 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, 13),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN, 10, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETSIG, 9, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN_EX, 8, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETFL, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_ASYNC, 5, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_GETFL, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_GETFD, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETFD, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),

		/* the busiest first: the poll loop, the client, the socket pair */
		ALLOW(__NR_read),
		ALLOW(__NR_write),
#ifdef __NR_poll
		ALLOW(__NR_poll),
#endif
		ALLOW(__NR_ppoll),
		ALLOW(__NR_recvmsg),
		ALLOW(__NR_sendmsg),
		ALLOW(__NR_recvfrom),
		ALLOW(__NR_sendto),		/* syslog */
		ALLOW(__NR_readv),
		ALLOW(__NR_writev),
		ALLOW(__NR_getpid),
		ALLOW(__NR_gettid),
		ALLOW(__NR_setsockopt),
		ALLOW(__NR_getsockopt),
		ALLOW(__NR_getsockname),
		ALLOW(__NR_getpeername),
		ALLOW(__NR_shutdown),
		ALLOW(__NR_close),
		ALLOW(__NR_lseek),
		ALLOW(__NR_fstat),
		ALLOW(__NR_newfstatat),
		ALLOW(__NR_uname),		/* gethostname(): ftpsd's greeting */
		/* memory, randomness, time, signals, the end */
		ALLOW(__NR_brk),
		ALLOW(__NR_mmap),
		ALLOW(__NR_munmap),
		ALLOW(__NR_mremap),
		ALLOW(__NR_mprotect),
		ALLOW(__NR_madvise),
		ALLOW(__NR_futex),
		ALLOW(__NR_getrandom),
		ALLOW(__NR_clock_gettime),
		ALLOW(__NR_gettimeofday),
#ifdef __NR_time
		ALLOW(__NR_time),
#endif
		ALLOW(__NR_nanosleep),
		ALLOW(__NR_clock_nanosleep),
		ALLOW(__NR_sched_yield),
		ALLOW(__NR_rt_sigaction),
		ALLOW(__NR_rt_sigprocmask),
		ALLOW(__NR_rt_sigreturn),
		ALLOW(__NR_sigaltstack),
		ALLOW(__NR_restart_syscall),
		ALLOW(__NR_exit),
		ALLOW(__NR_exit_group),

		/* a foothold: never needed, so whoever asks is not us */
#ifdef __NR_fork
		KILL(__NR_fork),
		KILL(__NR_vfork),
#endif
		KILL(__NR_clone),
		KILL(__NR_clone3),
		KILL(__NR_execve),
		KILL(__NR_execveat),
		KILL(__NR_ptrace),
		KILL(__NR_process_vm_writev),
		KILL(__NR_setuid),
		KILL(__NR_setgid),
		KILL(__NR_setreuid),
		KILL(__NR_setregid),
		KILL(__NR_setresuid),
		KILL(__NR_setresgid),
		KILL(__NR_setgroups),
		KILL(__NR_chroot),
		KILL(__NR_mount),
		KILL(__NR_umount2),
		KILL(__NR_pivot_root),
		KILL(__NR_unshare),
		KILL(__NR_setns),
		KILL(__NR_bind),
		KILL(__NR_listen),
		KILL(__NR_accept),
		KILL(__NR_accept4),
		KILL(__NR_kill),
		KILL(__NR_tkill),
		KILL(__NR_init_module),
		KILL(__NR_finit_module),
		KILL(__NR_bpf),
		KILL(__NR_perf_event_open),
		KILL(__NR_keyctl),

		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	errno = ENOSYS;
	return -1;
#endif
}
