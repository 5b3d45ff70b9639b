/*
 * cmd_conn.c: PORT, EPRT (RFC 2428), PASV, EPSV and ABOR.
 *
 * Owns the parsing of data-connection addresses; the decision whether an
 * address is acceptable is data.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "commands.h"
#include "data.h"
#include "session.h"
#include "transfer.h"

/* Parse "h1,h2,h3,h4,p1,p2" into an IPv4 address. */
static int
parse_port(const char *arg, union sockaddr_u *a)
{
	unsigned v[6];
	int i = 0;
	const char *p = arg;
	char *end;

	for (i = 0; i < 6; i++) {
		unsigned long n;

		if (*p < '0' || *p > '9')
			return -1;
		n = strtoul(p, &end, 10);
		if (n > 255 || end - p > 3 || (i < 5 && *end != ',') || (i == 5 && *end != '\0'))
			return -1;
		v[i] = (unsigned)n;
		p = end + 1;
	}
	memset(a, 0, sizeof(*a));
	a->in.sin_family = AF_INET;
	a->in.sin_addr.s_addr = htonl(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
	a->in.sin_port = htons((uint16_t)(v[4] << 8 | v[5]));
	return 0;
}

static void
port_common(struct session *s, const union sockaddr_u *a)
{
	char why[160];

	if (data_set_port(s, a, why, sizeof(why)) == -1)
		reply(s, FTP_BADCMD, "%s", why);
	else
		reply(s, FTP_OK, "PORT command successful. Consider using PASV.");
}

void
cmd_port(struct session *s, const char *arg)
{
	union sockaddr_u a;

	if (parse_port(arg, &a) == -1) {
		reply(s, FTP_BADARG, "Bad PORT argument: use h1,h2,h3,h4,p1,p2.");
		return;
	}
	if (s->local.sa.sa_family != AF_INET) {
		reply(s, FTP_BADPROTO, "PORT is for IPv4 only: use EPRT.");
		return;
	}
	port_common(s, &a);
}

void
cmd_eprt(struct session *s, const char *arg)
{
	char d = arg[0], addr[64], af[4], port[8], *end;
	const char *p = arg + 1, *q;
	char *fields[3] = { af, addr, port };
	size_t sizes[3] = { sizeof(af), sizeof(addr), sizeof(port) };
	union sockaddr_u a;
	long pn;
	int i;

	if (d < 33 || d > 126) {
		reply(s, FTP_BADARG, "Bad EPRT argument: use |af|address|port|.");
		return;
	}
	for (i = 0; i < 3; i++, p = q + 1) {
		if ((q = strchr(p, d)) == NULL || (size_t)(q - p) >= sizes[i] || q == p) {
			reply(s, FTP_BADARG, "Bad EPRT argument: use |af|address|port|.");
			return;
		}
		memcpy(fields[i], p, (size_t)(q - p));
		fields[i][q - p] = '\0';
	}
	if (*p != '\0') {
		reply(s, FTP_BADARG, "Bad EPRT argument: use |af|address|port|.");
		return;
	}
	if (strcmp(af, "1") != 0 && strcmp(af, "2") != 0) {
		reply(s, FTP_BADPROTO, "Network protocol not supported, use (1,2).");
		return;
	}
	pn = strtol(port, &end, 10);
	if (net_pton(af[0] == '1' ? AF_INET : AF_INET6, addr, &a) == -1 || *end != '\0' ||
	    pn < 1 || pn > 65535) {
		reply(s, FTP_BADARG, "Bad EPRT address or port.");
		return;
	}
	net_set_port(&a, (int)pn);
	net_unmap(&a);
	port_common(s, &a);
}

void
cmd_pasv(struct session *s, const char *arg)
{
	union sockaddr_u a = s->local;
	char why[128];
	unsigned char *ip;
	int port;

	if (s->local.sa.sa_family != AF_INET) {
		reply(s, FTP_BADPROTO, "PASV is for IPv4 only: use EPSV.");
		return;
	}
	if ((port = data_listen(s, why, sizeof(why))) == -1) {
		reply(s, FTP_BADSENDCONN, "%s", why);
		return;
	}
	if (s->have_pasv_adv)
		a = s->pasv_adv;
	ip = (unsigned char *)&a.in.sin_addr;
	reply(s, FTP_PASVOK, "Entering Passive Mode (%u,%u,%u,%u,%d,%d).",
	    ip[0], ip[1], ip[2], ip[3], port >> 8, port & 0xff);
}

void
cmd_epsv(struct session *s, const char *arg)
{
	int fam = s->local.sa.sa_family == AF_INET6 ? 2 : 1, port;
	char why[128];

	if (arg != NULL && !strcasecmp(arg, "ALL")) {
		s->epsv_all = 1;
		reply(s, FTP_OK, "EPSV ALL ok: PORT, EPRT and PASV are now refused.");
		return;
	}
	if (arg != NULL && strcmp(arg, fam == 1 ? "1" : "2") != 0) {
		reply(s, FTP_BADPROTO, "Network protocol not supported, use (%d).", fam);
		return;
	}
	if ((port = data_listen(s, why, sizeof(why))) == -1) {
		reply(s, FTP_BADSENDCONN, "%s", why);
		return;
	}
	reply(s, FTP_EPSVOK, "Entering Extended Passive Mode (|||%d|).", port);
}

void
cmd_abor(struct session *s, const char *arg)
{
	xfer_abort(s);
}
