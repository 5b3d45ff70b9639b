/* FUZZ_SRCS: common/conf.c common/buf.c common/log.c */
/*
 * fuzz_conf.c: libFuzzer target for the ftpd.conf parser (conf_load) and the
 * -o parser (conf_set_arg).  Built and run by test/fuzz/run.sh.
 *
 * The input is written to a memfd that conf_load() opens by its /proc path,
 * so the real fopen/fgets path is exercised.  Its first line (up to a NUL or
 * newline) is also given to conf_set_arg() as a -o argument.  Every string the
 * parser allocates is freed, so the leak checker stays meaningful.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "limits.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* After any conf call, the error text must be a terminated string that fits. */
static void
check_err(const char *err, size_t errsz)
{
	if (memchr(err, '\0', errsz) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct conf c;
	char err[256], arg[MAX_CONF_VALUE + 128];
	size_t n;

	if (fd == -1) {
		if ((fd = memfd_create("fuzz_conf", MFD_CLOEXEC)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();

	conf_defaults(&c);
	err[0] = '\0';
	if (conf_load(&c, path, 0, err, sizeof(err)) == 0)
		(void)conf_validate(&c, err, sizeof(err));
	check_err(err, sizeof(err));

	n = 0;
	while (n < size && n < sizeof(arg) - 1 && data[n] != '\0' && data[n] != '\n')
		n++;
	memcpy(arg, data, n);
	arg[n] = '\0';
	err[0] = '\0';
	(void)conf_set_arg(&c, arg, err, sizeof(err));
	check_err(err, sizeof(err));

	conf_free(&c);
	return 0;
}
