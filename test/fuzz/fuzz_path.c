/* FUZZ_SRCS: common/path.c test/fuzz/fuzzlib.c common/buf.c common/log.c */
/*
 * fuzz_path.c: path resolution for display (common/path.c): path_join(),
 * path_split() and path_quote().  The input is one byte that picks the
 * output size, then the working directory and the argument, split at the
 * first NUL (no NUL: the directory is "/").  Checks:
 *  - a joined path is absolute and normalised: no empty, "." or ".."
 *    component, no trailing '/', so it never climbs above the root; it is
 *    what a simple component stack gives, and joining it again (to any
 *    directory, or "." to it) changes nothing;
 *  - it fits the size given (at most MAX_PATH); path_join() fails only if an
 *    input or a step of the walk does not fit;
 *  - path_split()'s parts put back together give the path, the last one is a
 *    real name (not "", "." or "..", no '/');
 *  - path_quote() gives "..." with every '"' doubled, each line feed as PATH_NUL,
 *    and nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzzlib.h"
#include "limits.h"
#include "path.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TMPMAX	(MAX_PATH * 2 + 2)	/* what path_join() can hold of cwd/arg */

/*
 * The reference: walk the components of CWD/ARG (ARG alone if absolute) with
 * a stack into OUT; *PEAK is the longest the result was on the way.
 */
static void
ref_join(const char *cwd, const char *arg, char *out, size_t outsz, size_t *peak)
{
	const char *parts[2] = { arg[0] == '/' ? "" : cwd, arg };
	size_t o = 0, i, n;
	const char *p, *q;

	*peak = 1;
	for (i = 0; i < 2; i++)
		for (p = parts[i]; *p != '\0'; p = *q != '\0' ? q + 1 : q) {
			q = strchr(p, '/');
			if (q == NULL)
				q = p + strlen(p);
			n = (size_t)(q - p);
			if (n == 0 || (n == 1 && p[0] == '.'))
				continue;
			if (n == 2 && p[0] == '.' && p[1] == '.') {
				while (o > 0 && out[o - 1] != '/')
					o--;
				if (o > 0)
					o--;
				continue;
			}
			FZ_NEED(o + 1 + n < outsz);
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
			if (o + 1 > *peak)
				*peak = o + 1;
		}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
}

static void
check_normal(const char *p, size_t outsz)
{
	const char *c;
	size_t n;

	FZ_NEED(p[0] == '/' && strlen(p) < outsz && strlen(p) < MAX_PATH);
	if (!strcmp(p, "/"))
		return;
	for (c = p; c != NULL; c = strchr(c + 1, '/')) {
		n = strcspn(c + 1, "/");
		FZ_NEED(n > 0 && !(n == 1 && c[1] == '.') && !(n == 2 && c[1] == '.' && c[2] == '.'));
	}
}

static void
check_join(const char *cwd, const char *arg, size_t outsz)
{
	char out[MAX_PATH], again[MAX_PATH], ref[2 * TMPMAX];
	size_t peak, total = arg[0] == '/' ? strlen(arg) : strlen(cwd) + 1 + strlen(arg);

	ref_join(cwd, arg, ref, sizeof(ref), &peak);
	if (path_join(cwd, arg, out, outsz) == -1) {
		FZ_NEED(total >= TMPMAX || outsz < 2 || peak > outsz);
		return;
	}
	FZ_NEED(total < TMPMAX && peak <= outsz);
	FZ_NEED(!strcmp(out, ref));
	check_normal(out, outsz);
	FZ_NEED(path_join("/", out, again, sizeof(again)) == 0 && !strcmp(again, out));
	FZ_NEED(path_join(cwd, out, again, sizeof(again)) == 0 && !strcmp(again, out));
	FZ_NEED(path_join(out, ".", again, sizeof(again)) == 0 && !strcmp(again, out));
}

static void
check_split(const char *path)
{
	char dir[MAX_PATH], base[MAX_PATH], trimmed[TMPMAX], back[2 * TMPMAX];
	size_t n = strlen(path);

	if (path_split(path, dir, sizeof(dir), base, sizeof(base)) == -1)
		return;
	FZ_NEED(base[0] != '\0' && strcmp(base, ".") && strcmp(base, "..") && !strchr(base, '/'));
	while (n > 1 && path[n - 1] == '/')
		n--;
	FZ_NEED(n < sizeof(trimmed));
	memcpy(trimmed, path, n);
	trimmed[n] = '\0';
	/* "name" in "."; "dir/name"; "/name" in "/" */
	FZ_NEED((!strcmp(dir, ".") && !strcmp(trimmed, base)) ||
	    (str_fmt(back, sizeof(back), "%s/%s", dir, base) == 0 && !strcmp(trimmed, back)) ||
	    (!strcmp(dir, "/") && trimmed[0] == '/' && !strcmp(trimmed + 1, base)));
}

static void
check_quote(const char *path)
{
	struct buf q = BUF_INIT(2 * TMPMAX + 4);
	const char *p, *s = path;

	path_quote(&q, path);
	p = buf_cstr(&q);
	FZ_NEED(q.len >= 2 && p[0] == '"' && p[q.len - 1] == '"');
	for (p++; p < buf_cstr(&q) + q.len - 1; p++, s++) {
		if (*p == '"')
			FZ_NEED(*++p == '"');
		FZ_NEED(*s == '\n' ? *p == PATH_NUL : *s == PATH_NUL ? *p == '?' : *p == *s);
		FZ_NEED(*p != '\n');
	}
	FZ_NEED(*s == '\0');
	buf_free(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[8] = { 0, 1, 2, 3, 8, 64, 256, MAX_PATH };
	const char *cwd = "/", *arg;
	char *in, *nul;

	if (size < 1 || size > 3 * MAX_PATH)
		return 0;
	if ((in = malloc(size)) == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	arg = in;
	if ((nul = memchr(in, '\0', size - 1)) != NULL) {
		cwd = in;
		arg = nul + 1;
	}
	check_join(cwd, arg, sizes[data[0] & 7]);
	check_split(arg);
	check_split(cwd);
	check_quote(arg);
	free(in);
	return 0;
}
