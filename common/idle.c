/*
 * idle.c: give back the pages an idle session process holds without needing
 * them (see idle.h).
 */
#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
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

/*
 * One line of /proc/self/maps: a mapping of a file (a path, not [heap] or an
 * anonymous one) that is not writable.  Its range in *LO and *HI.
 */
static int
idle_code_mapping(const char *line, unsigned long *lo, unsigned long *hi)
{
	char perms[8];
	int name = 0;

	if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", lo, hi, perms, &name) != 3 || name == 0)
		return 0;
	return perms[0] == 'r' && perms[1] == '-' && line[name] == '/';
}

void
idle_pageout_code(void)
{
	char line[4096 + 128];
	unsigned long lo, hi;
	FILE *f;

	idle_trim();
	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* MADV_PAGEOUT leaves alone the pages that another process maps */
		if (idle_code_mapping(line, &lo, &hi))
			(void)madvise((void *)lo, hi - lo, MADV_PAGEOUT);
	}
	fclose(f);
	idle_drop_code();
}
