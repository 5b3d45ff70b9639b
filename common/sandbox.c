/*
 * sandbox.c: the control process's seccomp filter (Linux).
 *
 * A deny list, not an allow list: the control process runs OpenSSL and
 * glibc's syslog, whose exact system calls vary between versions, and a
 * missing entry in an allow list would kill good sessions.  What is denied is
 * what turns a memory bug into a foothold: exec, fork/clone, ptrace, setuid
 * and friends, chroot/mount, new listening sockets.  The process already has
 * no privileges, no files (chroot to an empty directory, RLIMIT_FSIZE 0) and
 * NO_NEW_PRIVS.
 */
#include <errno.h>
#include <stddef.h>
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

#define DENY(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

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
#ifdef __NR_fork
		DENY(__NR_fork),
		DENY(__NR_vfork),
#endif
		DENY(__NR_clone),
		DENY(__NR_clone3),
		DENY(__NR_execve),
		DENY(__NR_execveat),
		DENY(__NR_ptrace),
		DENY(__NR_process_vm_writev),
		DENY(__NR_setuid),
		DENY(__NR_setgid),
		DENY(__NR_setreuid),
		DENY(__NR_setregid),
		DENY(__NR_setresuid),
		DENY(__NR_setresgid),
		DENY(__NR_setgroups),
		DENY(__NR_chroot),
		DENY(__NR_mount),
		DENY(__NR_umount2),
		DENY(__NR_pivot_root),
		DENY(__NR_unshare),
		DENY(__NR_setns),
		DENY(__NR_bind),
		DENY(__NR_listen),
		DENY(__NR_accept),
		DENY(__NR_accept4),
		DENY(__NR_kill),
		DENY(__NR_tkill),
		DENY(__NR_init_module),
		DENY(__NR_finit_module),
		DENY(__NR_bpf),
		DENY(__NR_perf_event_open),
		DENY(__NR_keyctl),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	errno = ENOSYS;
	return -1;
#endif
}
