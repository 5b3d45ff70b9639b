/*
 * fuzzlib.h: what several fuzz targets share.  Not a target itself (run.sh
 * builds only fuzz_*.c): a target that uses it names test/fuzz/fuzzlib.c in
 * its FUZZ_SRCS line.
 *
 *  - struct fz hands out values taken from the fuzzer's bytes, zeros once they
 *    run out, so that every input, however short, is a complete one;
 *  - a scratch directory, made on first use and removed at exit, in which a
 *    small tree of files is built from the input and emptied after it;
 *  - the CRLF framing check that every listing and every reply must pass.
 */
#ifndef FTPD_FUZZLIB_H
#define FTPD_FUZZLIB_H

#include <stddef.h>
#include <stdint.h>

struct fz {
	const uint8_t	*p;
	size_t		 n;
};

unsigned fz_u8(struct fz *f);
unsigned fz_u16(struct fz *f);
uint32_t fz_u32(struct fz *f);
uint64_t fz_u64(struct fz *f);
/*
 * A string whose length is the next byte, cut to DSTSZ - 1 and to what is
 * left: NUL and every byte in BAD become '_'.  Returns its length.
 */
size_t	 fz_str(struct fz *f, char *dst, size_t dstsz, const char *bad);

/* abort() after saying which check failed; FZ_NEED(cond) calls it when COND is false. */
void	 fz_fail(const char *file, int line, const char *what) __attribute__((noreturn));
#define FZ_NEED(cond)	do { if (!(cond)) fz_fail(__FILE__, __LINE__, #cond); } while (0)

/*
 * Once per process: syslog only from LOG_WARNING up (listings log every name
 * they leave out), and die()/bug() abort() so the fuzzer sees a crash.
 */
void	 fz_init(void);

#define FZ_TREE_MAX	10	/* entries fz_tree_build() makes at most */
#define FZ_NAME_MAX	256	/* a name: up to NAME_MAX bytes and its NUL */

enum fz_kind { FZ_FILE, FZ_DIR, FZ_LINK, FZ_FIFO, FZ_SOCK, FZ_CHR, FZ_BLK };

struct fz_entry {
	enum fz_kind	 kind;
	char		 path[2 * FZ_NAME_MAX];	/* "name", or "dir/name" one level down */
};

struct fz_tree {
	size_t		 n;
	struct fz_entry	 e[FZ_TREE_MAX];
};

/* fz_tree_build() flags */
#define FZ_SAFE_LINKS	0x01	/* no link target holds '/' or is "..": the tree is closed */

/*
 * Go into the scratch directory, which is empty.  It is made on the first call
 * under $FUZZ_TMPDIR, else /dev/shm (fast, and tmpfs keeps any 64-bit mtime
 * where ext4 clamps), else $TMPDIR or /tmp; it aborts if that fails.
 */
void	 fz_enter(void);
/* Empty the scratch directory (whatever its modes) and go back where fz_enter() was called. */
void	 fz_leave(void);
/* Is the working directory the scratch directory (1), or inside it (2)?  0: outside. */
int	 fz_where(void);
/*
 * Build up to FZ_TREE_MAX entries in the current directory as F describes:
 * files (some bytes, then sparse up to any size), directories, symbolic
 * links, FIFOs, sockets and (as root) device nodes 0,0 that no driver
 * answers, with names of any bytes but NUL and '/', any mode, owner (as root)
 * and mtime.  What cannot be made is skipped; T lists what was.
 */
void	 fz_tree_build(struct fz *f, struct fz_tree *t, unsigned flags);

/*
 * P (N bytes) must be lines that each end in CRLF, with no other CR, LF or
 * NUL: abort() if not.  FN (if not NULL) is called with each line, without its
 * CRLF, and ARG.
 */
void	 fz_check_lines(const char *p, size_t n,
	    void (*fn)(const char *line, size_t len, void *arg), void *arg);

#endif
