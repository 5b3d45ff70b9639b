/*
 * files.c: reading the administrator's list and message files.
 *
 * Owns the parsing of ftpusers/ftpchroot/shells lines and the sanitising of
 * message files shown to clients.  Never follows a file into a reply unbounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "limits.h"
#include "log.h"

/* Call MATCH on each meaningful line of PATH; stop at the first that returns 1. */
static int
file_scan(const char *path, int (*match)(const char *line, const void *arg), const void *arg)
{
	char line[1024];
	FILE *f;
	int n = 0, hit = 0;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!hit && n++ < MAX_FILE_LINES && fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *end;

		p[strcspn(p, "#\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p != '\0')
			hit = match(p, arg);
	}
	fclose(f);
	return hit;
}

struct user_match {
	const char		*user;
	const char *const	*groups;
	int			 ngroups;
};

static int
match_user(const char *line, const void *arg)
{
	const struct user_match *u = arg;
	int i;

	if (line[0] != '@')
		return strcmp(line, u->user) == 0;
	for (i = 0; i < u->ngroups; i++)
		if (strcmp(line + 1, u->groups[i]) == 0)
			return 1;
	return 0;
}

int
file_lists_user(const char *path, const char *user, const char *const *groups, int ngroups)
{
	struct user_match u = { user, groups, ngroups };

	return file_scan(path, match_user, &u);
}

static int
match_line(const char *line, const void *arg)
{
	return strcmp(line, arg) == 0;
}

int
file_has_line(const char *path, const char *line)
{
	return file_scan(path, match_line, line);
}

int
file_read_text(const char *path, struct buf *out)
{
	char chunk[1024];
	size_t total = 0;
	ssize_t n, i;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1)
		return -1;
	while (total < MSG_FILE_MAX && (n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (i = 0; i < n && total < MSG_FILE_MAX; i++, total++) {
			unsigned char c = (unsigned char)chunk[i];

			if (c >= 0x20 || c == '\n' || c == '\t')
				buf_putc(out, c);
		}
	}
	close(fd);
	return 0;
}
