/*
 * replay.c: main() for a fuzz target built without libFuzzer, by the normal
 * compiler and flags of the build (gcc, and ASan/UBSan under make SAN=1):
 *
 *	fuzz_conf [-q] PATH...
 *
 * Calls LLVMFuzzerInitialize() once if the target has one, then
 * LLVMFuzzerTestOneInput() on every PATH that is a file and on every file in
 * every PATH that is a directory (not recursively; names starting with '.'
 * are left out; in name order).  Names each input before running it (unless
 * -q), so the last name printed is the one that crashed.  Exits 0 when all
 * ran, 2 if a PATH could not be read; a failed check in the target aborts.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX	(16 * 1024 * 1024)	/* a seed larger than this is a mistake */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int quiet;
static unsigned long ran;

/* Run the target on the file PATH; -1 if it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *data;
	long n;
	size_t got;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 || n > REPLAY_MAX ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fprintf(stderr, "replay: %s: cannot size it (or over %d bytes)\n", path, REPLAY_MAX);
		fclose(f);
		return -1;
	}
	/* one byte more than needed: malloc(0) may return NULL */
	if ((data = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	got = fread(data, 1, (size_t)n, f);
	fclose(f);
	if (got != (size_t)n) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(data);
		return -1;
	}
	if (!quiet) {
		printf("replay: %s (%ld bytes)\n", path, n);
		fflush(stdout);
	}
	(void)LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	ran++;
	return 0;
}

static int
replay_skip_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Run the target on every file in directory DIR. */
static int
replay_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	struct stat st;
	int i, n, r = 0;

	if ((n = scandir(dir, &names, replay_skip_dot, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
		    (int)sizeof(path))
			r = -1;
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) == -1)
			r = -1;
		free(names[i]);
	}
	free(names);
	return r;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i = 1, status = 0;

	if (argc > 1 && !strcmp(argv[1], "-q")) {
		quiet = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-q] file-or-directory...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			status = 2;
		} else if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) == -1)
			status = 2;
	}
	printf("replay: %lu inputs\n", ran);
	return status;
}
