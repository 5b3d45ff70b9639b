/*
 * main.c: command line, configuration, and the start of a session.
 *
 * Owns the legacy flags (one table mapping each onto an ftpd.conf keyword),
 * the choice between inetd mode (serve fd 0/1) and -D (listen and serve each
 * connection the same way), and the descriptor hygiene that keeps
 * diagnostics off the client connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "ftpd.h"
#include "log.h"
#include "net.h"
#include "session.h"

#define DEFAULT_CONF	"/etc/ftpd/ftpd.conf"

/*
 * The same sources build two binaries: ftpd (explicit TLS with AUTH, port 21)
 * and ftpsd (compiled with FTPD_IMPLICIT=1: TLS from the first byte, port 990).
 */
#ifndef FTPD_IMPLICIT
#define FTPD_IMPLICIT	0
#endif
#define PROGNAME	(FTPD_IMPLICIT ? "ftpsd" : "ftpd")

/* Legacy BSD/netkit flags, each an ftpd.conf keyword (VALUE NULL: the flag's argument). */
static const struct flag {
	char		 ch;
	const char	*keyword;
	const char	*value;
} flagtab[] = {
	{ '4', "listen_family",	"inet" },
	{ '6', "listen_family",	"inet6" },
	{ 'A', "anonymous_only",	"yes" },
	{ 'd', "debug",		"yes" },
	{ 'D', "daemon",		"yes" },
	{ 'n', "reverse_lookup",	"no" },
	{ 'P', "port_promiscuous",	"yes" },
	{ 'S', "xferlog_enable",	"yes" },
	{ 't', "idle_timeout",	NULL },
	{ 'T', "max_idle_timeout",	NULL },
	{ 'u', "umask",		NULL },
};

#define OPTSTRING	"46AdDlnPSf:o:t:T:u:"

static int stderr_ok;	/* fd 2 is not the client socket */

static void __attribute__((noreturn))
startup_error(const char *msg)
{
	log_msg(LOG_ERR, "%s", msg);
	if (stderr_ok)
		fprintf(stderr, "%s: %s\n", PROGNAME, msg);
	exit(1);
}

/* Under inetd fd 2 may be the client socket: point it at /dev/null then. */
static void
fix_stderr(void)
{
	struct stat st;
	int fd;

	if (fstat(2, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		stderr_ok = 1;
		return;
	}
	if ((fd = open("/dev/null", O_WRONLY)) != -1 && fd != 2) {
		dup2(fd, 2);
		close(fd);
	}
}

static void
apply_flag(struct conf *c, int ch, const char *arg)
{
	char err[300];
	size_t i;

	if (ch == 'l') {
		if (c->log_sessions < 2)
			c->log_sessions++;
		return;
	}
	for (i = 0; i < sizeof(flagtab) / sizeof(flagtab[0]); i++) {
		if (flagtab[i].ch != ch)
			continue;
		if (conf_set(c, flagtab[i].keyword, flagtab[i].value ? flagtab[i].value : arg,
		    err, sizeof(err)) == -1) {
			char msg[400];

			str_fmt(msg, sizeof(msg), "-%c: %s", ch, err);
			startup_error(msg);
		}
		return;
	}
}

/* Load the config file, then apply flags and -o on top (the command line wins). */
static void
configure(struct conf *c, int argc, char **argv)
{
	const char *file = DEFAULT_CONF;
	char err[600];
	int ch, explicit_file = 0;

	conf_defaults(c);
	if (FTPD_IMPLICIT)
		conf_set(c, "listen_port", "990", err, sizeof(err));
	opterr = 0;
	while ((ch = getopt(argc, argv, OPTSTRING)) != -1)
		if (ch == 'f') {
			file = optarg;
			explicit_file = 1;
		}
	if (conf_load(c, file, !explicit_file, err, sizeof(err)) == -1)
		startup_error(err);
	optind = 0;
	while ((ch = getopt(argc, argv, OPTSTRING)) != -1) {
		if (ch == 'o') {
			if (conf_set_arg(c, optarg, err, sizeof(err)) == -1)
				startup_error(err);
		} else if (ch == '?')
			log_msg(LOG_WARNING, "unknown flag -%c ignored", optopt);
		else if (ch != 'f')
			apply_flag(c, ch, optarg);
	}
	if (optind < argc)
		log_msg(LOG_WARNING, "extra arguments ignored");
	if (conf_validate(c, err, sizeof(err)) == -1)
		startup_error(err);
}

static void
serve(void *arg)
{
	struct session s;

	session_init(&s, arg);
	s.implicit = FTPD_IMPLICIT;
	monitor_run(&s);
	exit(0);
}

/*
 * Close every descriptor above 2 that whatever started the server left open:
 * none may reach a session's processes (the root monitor's children least).
 */
static void
close_inherited(void)
{
	long fd, max = sysconf(_SC_OPEN_MAX);

	if (close_range(3, ~0U, 0) == 0)
		return;
	for (fd = 3; fd < (max > 0 ? max : 1024); fd++)
		(void)close((int)fd);
}

int
main(int argc, char **argv)
{
	static struct conf conf;

	close_inherited();
	fix_stderr();
	log_init(PROGNAME, 0);
	configure(&conf, argc, argv);
	log_set_debug(conf.debug);
	if (conf.debug && stderr_ok && isatty(2))
		log_init(PROGNAME, 1);
	if (geteuid() != 0)
		startup_error("must be started as root (it drops privileges per session)");
	if (conf.daemon) {
		if (!conf.foreground && daemon(0, 0) == -1)
			startup_error("daemon() failed");
		net_listen_loop(&conf, serve, &conf);
	}
	serve(&conf);
	return 0;
}
