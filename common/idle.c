/*
 * idle.c: give back the pages an idle session process holds without needing
 * them (see idle.h).
 */
#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "idle.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21	/* Linux 5.4 */
#endif

static int idle_done;	/* trimmed since the last event */
static int idle_startup_objects;	/* objects loaded before main() */
static int idle_pageout_pending;	/* idle_after_login() was called */

void
idle_trim(void)
{
	malloc_trim(0);
}

/* Milliseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
static long long
idle_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * dl_iterate_phdr() callback: the pages wholly inside each loaded segment
 * that is not writable (code, read-only data) lose their page-table entries.
 * The pages are clean copies of the file (no text relocations: an object
 * with DT_TEXTREL is left alone), so the next access maps the same bytes
 * again from the page cache.  The RELRO part of the data segment, written by
 * the dynamic loader, lies in a writable segment and is never touched.
 */
static int
idle_drop_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi;
	int i;

	(void)size;
	(void)arg;
	if (info->dlpi_name != NULL && !strncmp(info->dlpi_name, "linux-", 6))
		return 0;	/* the vDSO */
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_DYNAMIC) {
			const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);

			for (; d->d_tag != DT_NULL; d++)
				if (d->d_tag == DT_TEXTREL ||
				    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
					return 0;
		}
	}
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz != ph->p_filesz)
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~((uintptr_t)pg - 1);
		if (hi > lo)
			(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	return 0;
}

void
idle_drop_code(void)
{
	dl_iterate_phdr(idle_drop_object, NULL);
}

/* dl_iterate_phdr() callback: count the objects. */
static int
idle_count_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	++*(int *)arg;
	return 0;
}

/*
 * Before main(): the objects loaded with the program (ftpd, libc, libssl,
 * libcrypto, libpam and theirs).  Those loaded later are dlopen()ed: the
 * PAM modules and NSS libraries.
 */
__attribute__((constructor)) static void
idle_note_startup(void)
{
	dl_iterate_phdr(idle_count_object, &idle_startup_objects);
}

/*
 * dl_iterate_phdr() callback: page out (MADV_PAGEOUT) the non-writable
 * segments of every object loaded after startup.  The kernel leaves alone
 * the pages another process maps; the others leave memory, to be read again
 * if the monitor runs that code again (pam_close_session at the end).
 */
static int
idle_pageout_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t lo, hi, pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	int *seen = arg, i;

	(void)size;
	if ((*seen)++ < idle_startup_objects)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr + pg - 1) & ~(pg - 1);
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(pg - 1);
		if (hi > lo)
			(void)madvise((void *)lo, hi - lo, MADV_PAGEOUT);
	}
	return 0;
}

void
idle_after_login(void)
{
	idle_pageout_pending = 1;
}

int
idle_poll(struct pollfd *pfd, nfds_t n, int ms)
{
	long long start;
	int r, left;

	if (idle_done || (ms >= 0 && ms <= IDLE_AFTER_MS))
		goto rest;
	start = idle_now_ms();
	if ((r = poll(pfd, n, IDLE_AFTER_MS)) != 0)
		return r;
	idle_trim();
	if (idle_pageout_pending) {
		int seen = 0;

		dl_iterate_phdr(idle_pageout_object, &seen);
		idle_pageout_pending = 0;
	}
	idle_drop_code();
	idle_done = 1;
	if (ms >= 0) {
		left = ms - (int)(idle_now_ms() - start);
		ms = left > 0 ? left : 0;
	}
rest:
	r = poll(pfd, n, ms);
	if (r != 0)
		idle_done = 0;	/* an event: work follows, and later idleness trims again */
	return r;
}
