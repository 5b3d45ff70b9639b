/*
 * path.c: splitting, joining and quoting path names.
 *
 * Pure string work: nothing here touches the file system, so every function
 * can be unit-tested and fuzzed.  Access control is the kernel's job (the user
 * process runs with the user's ids, inside its chroot).
 */
#include <string.h>

#include "limits.h"
#include "path.h"

int
path_split(const char *path, char *dir, size_t dirsz, char *base, size_t basesz)
{
	size_t len = strlen(path);
	const char *slash;

	while (len > 1 && path[len - 1] == '/')
		len--;
	slash = memrchr(path, '/', len);
	if (slash == NULL) {
		if (str_copy(dir, dirsz, ".") == -1 || len >= basesz)
			return -1;
		memcpy(base, path, len);
		base[len] = '\0';
	} else {
		size_t dlen = (size_t)(slash - path), blen = len - dlen - 1;

		if (dlen == 0)
			dlen = 1;	/* "/name": the directory is "/" */
		if (dlen >= dirsz || blen >= basesz)
			return -1;
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
		memcpy(base, slash + 1, blen);
		base[blen] = '\0';
	}
	if (base[0] == '\0' || !strcmp(base, ".") || !strcmp(base, ".."))
		return -1;
	return 0;
}

/* Append the reply form of byte C. */
static void
path_putc(struct buf *out, char c)
{
	buf_putc(out, c == '\n' ? PATH_NUL : c == PATH_NUL ? '?' : c);
}

void
path_for_reply(struct buf *out, const char *path, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		path_putc(out, path[i]);
}

void
path_quote(struct buf *out, const char *path)
{
	buf_putc(out, '"');
	for (; *path != '\0'; path++) {
		if (*path == '"')
			buf_putc(out, '"');
		path_putc(out, *path);
	}
	buf_putc(out, '"');
}

int
path_join(const char *cwd, const char *arg, char *out, size_t outsz)
{
	char tmp[MAX_PATH * 2 + 2];
	size_t o = 0;
	char *p, *save = NULL;

	if (arg[0] == '/') {
		if (str_copy(tmp, sizeof(tmp), arg) == -1)
			return -1;
	} else if (str_fmt(tmp, sizeof(tmp), "%s/%s", cwd, arg) == -1)
		return -1;
	if (outsz < 2)
		return -1;
	out[0] = '\0';
	for (p = strtok_r(tmp, "/", &save); p != NULL; p = strtok_r(NULL, "/", &save)) {
		size_t n = strlen(p);

		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
			continue;
		}
		if (o + 1 + n + 1 > outsz)
			return -1;
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		out[o] = '\0';
	}
	if (o == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}
