/*
 * wtmp.h: login and logout records in wtmp_file for last(1) (see wtmp.c).
 */
#ifndef FTPD_WTMP_H
#define FTPD_WTMP_H

#include "session.h"

/* A user of session S has logged in (monitor, as root): append a login record. */
void	 wtmp_login(const struct session *s);
/* The login wtmp_login() recorded has ended: append its logout record (else nothing). */
void	 wtmp_logout(const struct session *s);

#endif
