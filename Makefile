# ftpd: a secure FTP server for inetd.  See README.
#
#   make            build build/ftpd
#   make check      install test dependencies (Debian, as root), build, run all tests
#   make SAN=1 check   the same with AddressSanitizer and UBSan
#   make run        start a demo server on 127.0.0.1:2121
#   make install    install under $(DESTDIR)$(PREFIX)

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

FTPD_SRCS = ftpd/main.c ftpd/monitor.c ftpd/control.c ftpd/session.c \
	ftpd/reply.c ftpd/commands.c ftpd/cmd_login.c ftpd/cmd_info.c \
	ftpd/cmd_dir.c ftpd/cmd_file.c ftpd/cmd_conn.c ftpd/cmd_tls.c ftpd/data.c \
	ftpd/transfer.c ftpd/listing.c ftpd/userproc.c \
	ftpd/linebuf.c ftpd/ascii.c
COMMON_SRCS = common/buf.c common/log.c common/conf.c common/ipc.c \
	common/net.c common/path.c common/privdrop.c common/files.c \
	common/tls.c
PAM_SRCS = pam/auth_pam.c
MAN8	= man/ftpd.8
MAN5	= man/ftpd.conf.5

include mk/rules.mk
