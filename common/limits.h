/*
 * limits.h: every fixed limit of the daemon, each with the reason for its value.
 * Nothing else in the tree defines a size that bounds client input.
 */
#ifndef FTPD_LIMITS_H
#define FTPD_LIMITS_H

#define MAX_CMDLINE	4096	/* longest control line incl. CRLF; longer lines get 500 */
#define CTL_READ_MAX	4096	/* bytes of client input the control connection reads at once */
#define MAX_USER	128	/* longest user name accepted by USER */
#define MAX_PASS	256	/* longest password accepted by PASS */
#define MAX_PATH	4096	/* PATH_MAX on Linux: longest path we build */
#define CERT_DER_MAX	(60 * 1024)	/* largest client certificate: a session ticket holds it,
				   and OpenSSL makes no ticket over 65280 bytes */
#define TLS_SESSION_MAX	(CERT_DER_MAX + 4096)	/* a serialised TLS session: a few hundred
				   bytes plus the client's certificate */
#define STR_OF_(x)	#x
#define STR_OF(x)	STR_OF_(x)	/* a limit's value as a string literal */
#define TLS_TRANSCRIPT_MAX (CERT_DER_MAX + 32 * 1024)	/* a control handshake's messages:
				   the client's certificate, ours, and the rest */
#define TLS_SIG_MAX	1024	/* an RSA signature of an 8192-bit key, and what it signs */
#define TLS_DATA_SIGNS	1000	/* full data handshakes (signatures) one session may have
				   where tls_session_reuse is accept or off, or the user exempt */
#define TLS_REFUSAL_SIGNS 3	/* ...and under require: enough for the 522 that names it */
#define IPC_FDS_SEEN	8	/* descriptors one IPC read takes in (to close all but one) */
#define REPLY_MAX	(256 * 1024)	/* largest reply (STAT of a big directory is cut here) */
#define REPLY_WIRE_MAX	(REPLY_MAX * 2 + 64)	/* the same formatted: IAC doubled, CRLFs */
#define DATA_BUFSZ	(256 * 1024)	/* one read/write on a data connection: a TLS read-ahead
				   batch or a socket buffer's worth per system call */
#define ASCII_SIZE_MAX	(64L * 1024 * 1024)	/* SIZE in TYPE A reads the file: larger get 550 */
#define LOGIN_TRIES	3	/* failed PASS per connection before 421 */
#define LOGIN_DELAY	3	/* seconds before a failed-login 530 */
#define PRELOGIN_ERRORS	10	/* unknown/invalid commands before login before 421 (ALPACA) */
#define GLOB_MAX_ENTRIES 10000	/* directory entries a wildcard may match */
#define GLOB_MAX_SCAN	100000	/* directory entries a wildcard may look at */
#define LIST_MAX_ENTRIES 200000	/* entries one listing may send; more are cut with a log line */
#define MAX_GROUPS	256	/* supplementary groups a user may have */
#define MAX_FILE_LINES	1000	/* lines read from ftpusers, ftpchroot, shells, motd... */
#define MSG_FILE_MAX	8192	/* bytes of a welcome/motd/.message file shown to a client */
#define STOU_TRIES	100	/* candidate names STOU tries before giving up */
#define MON_LOGIN_GRACE	2	/* seconds past login_timeout before the monitor ends a
				   session whose control process has not */
#define USER_GRACE_MS	2000	/* a user process may take this long to end after its control process */
#define MAX_CONF_VALUE	1024	/* longest value in ftpd.conf or -o */

#endif
