# ftpd: a secure FTP server for inetd.  See README.
#
#   make            build build/ftpd and build/ftpsd
#   make check      install test dependencies (Debian, as root), build, run all tests
#   make SAN=1 check   the same with AddressSanitizer and UBSan
#   make run        start a demo server on 127.0.0.1:2121
#   make install    install under $(DESTDIR)$(PREFIX) (configuration under $(DESTDIR)$(SYSCONFDIR))
#   make uninstall  remove what make install installed (with the same DESTDIR, PREFIX ...)

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/ftpd
SYSCONFDIR ?= /etc

FTPD_SRCS = ftpd/main.c ftpd/monitor.c ftpd/control.c ftpd/session.c \
	ftpd/reply.c ftpd/commands.c ftpd/cmd_login.c ftpd/cmd_info.c \
	ftpd/cmd_dir.c ftpd/cmd_file.c ftpd/cmd_conn.c ftpd/cmd_tls.c ftpd/data.c \
	ftpd/transfer.c ftpd/listing.c ftpd/userproc.c ftpd/login.c ftpd/limit.c \
	ftpd/ratelimit.c ftpd/userconf.c ftpd/linebuf.c ftpd/ascii.c ftpd/testhook.c \
	ftpd/keyproc.c ftpd/wtmp.c ftpd/tlsproc.c
COMMON_SRCS = common/buf.c common/log.c common/conf.c common/ipc.c \
	common/net.c common/path.c common/privdrop.c common/files.c common/sandbox.c \
	common/tls.c common/tls_cert.c common/tls_key.c \
	common/tls_proof.c common/idle.c
PAM_SRCS = pam/auth_pam.c pam/certmap.c
MAN8	= man/ftpd.8
# other names of man8 pages, installed as symbolic links: link=page
MAN8_LINKS = ftpsd.8=ftpd.8
MAN5	= man/ftpd.conf.5 man/ftpd.certmap.5
# installed as $(SYSCONFDIR)/pam.d/ftp and $(SYSCONFDIR)/ftpd/ftpd.conf, never
# over an existing file; make uninstall removes them only if unchanged
PAM_FILE = pam/ftp
CONF_FILE = examples/ftpd.conf
# installed under $(DOCDIR), keeping their paths
EXAMPLES = examples/ftpd.conf examples/inetd.conf \
	examples/xinetd.d/ftp examples/xinetd.d/ftps \
	examples/systemd/ftpd.socket examples/systemd/ftpd@.service \
	examples/systemd/ftpsd.socket examples/systemd/ftpsd@.service \
	examples/fail2ban/filter.d/ftpd.conf examples/fail2ban/jail.d/ftpd.conf

include mk/rules.mk
