/*
 * data.h: setting up and opening data connections (PORT, EPRT, PASV, EPSV).
 */
#ifndef FTPD_DATA_H
#define FTPD_DATA_H

#include <stddef.h>

#include "net.h"

struct session;

/*
 * PASV/EPSV: listen on the control connection's local address (a port from
 * pasv_min_port..pasv_max_port if set).  Returns the port, or -1 with WHY.
 */
int	 data_listen(struct session *s, char *why, size_t whysz);
/*
 * PORT/EPRT: check TARGET against the bounce rules (RFC 2577: the control
 * peer's address, a port >= 1024, unless port_promiscuous) and remember it.
 * Returns -1 with WHY if refused.
 */
int	 data_set_port(struct session *s, const union sockaddr_u *target, char *why, size_t whysz);
/*
 * In the transfer process: the data connection, accepted on the PASV listener
 * (only from the control peer unless pasv_promiscuous) or connected to the
 * PORT target, within data_timeout; CONNECTED if it is not -1 (the monitor's
 * connection from port 20).  -1 with WHY.
 */
int	 data_open(struct session *s, int connected, char *why, size_t whysz);

#endif
