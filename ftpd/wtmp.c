/*
 * wtmp.c: sessions in wtmp, as the netkit and BSD servers record them.
 *
 * The monitor appends a USER_PROCESS record when a user process starts and a
 * DEAD_PROCESS record on the same line when it has ended (logout, REIN, or
 * the end of the connection), so last(1) shows FTP sessions with their
 * address and length.  The line is "ftp" and the monitor's pid, unique while
 * the session lasts; anonymous sessions are recorded as anon_user.  Only the
 * monitor calls this, as root and not chrooted; nothing here reads what the
 * client sent except the checked user name.  wtmp_enable turns it off.
 */
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmpx.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "wtmp.h"

static int recorded;	/* a login record was written and has no logout yet */

/* Fill UT for session S: TYPE, the line, the pid, the time, USER and the address. */
static void
wtmp_fill(struct utmpx *ut, const struct session *s, short type, const char *user)
{
	struct timeval tv;
	char line[sizeof(ut->ut_line) + 1];

	memset(ut, 0, sizeof(*ut));
	ut->ut_type = type;
	ut->ut_pid = s->monitor_pid;
	str_fmt(line, sizeof(line), "ftp%ld", (long)s->monitor_pid);
	memcpy(ut->ut_line, line, strnlen(line, sizeof(ut->ut_line)));
	/* ut_id: the last characters of the line, as login(1) does */
	memcpy(ut->ut_id, line + (strlen(line) > sizeof(ut->ut_id) ?
	    strlen(line) - sizeof(ut->ut_id) : 0), strnlen(line, sizeof(ut->ut_id)));
	if (user != NULL)
		memcpy(ut->ut_user, user, strnlen(user, sizeof(ut->ut_user)));
	if (type == USER_PROCESS) {
		memcpy(ut->ut_host, s->peer_str, strnlen(s->peer_str, sizeof(ut->ut_host)));
		if (s->peer.sa.sa_family == AF_INET)
			memcpy(ut->ut_addr_v6, &s->peer.in.sin_addr, 4);
		else if (s->peer.sa.sa_family == AF_INET6)
			memcpy(ut->ut_addr_v6, &s->peer.in6.sin6_addr, 16);
	}
	gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = tv.tv_sec;
	ut->ut_tv.tv_usec = tv.tv_usec;
}

void
wtmp_login(const struct session *s)
{
	struct utmpx ut;

	if (!s->conf->wtmp_enable || s->conf->wtmp_file[0] == '\0')
		return;
	wtmp_fill(&ut, s, USER_PROCESS, s->anonymous ? s->conf->anon_user : s->user);
	updwtmpx(s->conf->wtmp_file, &ut);
	recorded = 1;
}

void
wtmp_logout(const struct session *s)
{
	struct utmpx ut;

	if (!recorded)
		return;
	recorded = 0;
	wtmp_fill(&ut, s, DEAD_PROCESS, NULL);
	updwtmpx(s->conf->wtmp_file, &ut);
}
