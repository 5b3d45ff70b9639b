/*
 * keyproc.c: the signer, the only process that ever holds the server's
 * private keys.
 *
 * For each signature a handshake needs (and the session may still have: see
 * monitor.c), the monitor forks a signer with the request in its memory.
 * The monitor never loads a key, so the signer starts with none, and nothing
 * forked from the monitor later can inherit one.  The signer closes every
 * descriptor but its answer socket, loads the keys (as root: it reads no
 * byte from anyone), signs with tls_keys_sign(), which checks what it signs,
 * sends the one KEY_SIG message, and exits: the keys live for a few
 * milliseconds, in a process that is gone before the handshake goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ftpd.h"
#include "ipc.h"
#include "log.h"
#include "session.h"
#include "tls.h"

#define SIGNER_MS	10000	/* a signer that has not answered by then is killed */

/* The signer: sign KIND over IN on FD (descriptor 3) and exit. */
static void __attribute__((noreturn))
signer_run(const struct session *s, int kind, const struct ipc_bytes *in)
{
	struct buf sig = BUF_INIT(TLS_SIG_MAX);
	struct ipc_key_sig r = { 0 };
	struct tls_keys *k;
	char err[400];

	if ((k = tls_keys_load(s->conf, err, sizeof(err))) == NULL)
		log_msg(LOG_ERR, "%s: TLS set-up failed: %s", s->peer_str, err);
	else if (tls_keys_sign(k, kind, in->p, in->len, &sig) > 0) {
		r.ok = 1;
		r.sig = (struct ipc_bytes){ sig.p, sig.len };
	} else
		log_msg(LOG_WARNING, "%s: signer: a request refused (kind %d, %zu bytes)",
		    s->peer_str, kind, in->len);
	ipc_send_key_sig(3, &r, -1);
	tls_keys_free(k);
	buf_free(&sig);
	_exit(0);
}

int
keyproc_sign(const struct session *s, enum ipc_type req, int kind, const struct ipc_bytes *in,
    struct buf *out, pid_t *signer)
{
	struct pollfd p;
	struct ipc_in r;
	int sp[2], st, ok = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		die("socketpair: %s", strerror(errno));
	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null;

		/* nothing but the answer socket: 0-2 /dev/null, 3 the socket, then syslog */
		log_close();
		if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 ||
		    dup2(null, 1) == -1 || dup2(sp[1], 3) == -1 || close_range(4, ~0U, 0) == -1)
			_exit(1);
		log_reopen();
		log_set_fatal_hook(NULL);
		signer_run(s, kind, in);
	}
	close(sp[1]);
	p.fd = sp[0];
	p.events = POLLIN;
	while ((st = poll(&p, 1, SIGNER_MS)) == -1 && errno == EINTR)
		;
	if (st == 1 && ipc_await(sp[0], IPC_KEY, IPC_MON, req, &r) == 0) {
		if ((ok = r.u.key_sig.ok))
			buf_append(out, r.u.key_sig.sig.p, r.u.key_sig.sig.len);
		ipc_free(&r);
	} else
		kill(pid, SIGKILL);
	close(sp[0]);
	*signer = pid;	/* reaped after the answer has gone: keyproc_reap() */
	return ok ? 0 : -1;
}

void
keyproc_reap(pid_t signer)
{
	int st;

	while (signer > 0 && waitpid(signer, &st, 0) == -1 && errno == EINTR)
		;
}
