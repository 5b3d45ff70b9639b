"""Hostile clients: stalled, slow, flooding and pipelining ones never hold a session.

Each test plays one client an attacker would write, against the timeouts an
administrator sets (login_timeout and idle_timeout of a few seconds), and checks
that the session ends within them (plus a second) and leaves no process behind.
"""

import os
import signal
import socket
import ssl
import threading
import time

import pytest

import ftpdtest
from ftpclient import tls_context
from ftpdtest import (NOBODY_UID, SLOW, USERS, descendants, holds_socket, is_tls_process,
                      proc_status, socket_inode, wait_for)
from test_tls import certs, tls_opts  # noqa: F401  (certs is a fixture)

ALICE_PW = USERS["alice"]["pw"]
LIMIT = 5                       # login_timeout and idle_timeout of these tests
SLACK = 1.5 * SLOW              # how much later than LIMIT the session may end


def read_reply(f):
    """One (possibly multi-line) reply from binary file F: its last line."""
    while True:
        line = f.readline()
        if not line:
            raise EOFError("connection closed")
        if len(line) < 4 or line[3:4] == b" ":
            return line


def closed_within(sock, seconds):
    """Wait until the server closes SOCK (EOF or reset); how long it took."""
    start = time.monotonic()
    sock.settimeout(seconds + 10 * SLOW)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, socket.timeout, ssl.SSLError, OSError):
        pass
    return time.monotonic() - start


def assert_ends_in_time(ftpenv, sock, limit, what):
    took = closed_within(sock, limit)
    assert took <= limit + SLACK, "%s: the session lasted %.1f s (limit %d s)" % (
        what, took, limit)
    left = ftpenv.wait_session_gone()
    assert left == [], "%s: processes left:\n%s" % (what, ftpdtest.describe_procs(left))


def auth_tls(srv):
    """A connection after AUTH TLS and the handshake: (raw socket fd owner, TLS socket)."""
    raw = socket.create_connection((srv.host, srv.port), timeout=10)
    f = raw.makefile("rb")
    read_reply(f)
    raw.sendall(b"AUTH TLS\r\n")
    assert read_reply(f).startswith(b"234")
    return tls_context().wrap_socket(raw, server_hostname="localhost")


def tls_reply(t):
    buf = b""
    while not buf.endswith(b"\r\n") or (len(buf.splitlines()[-1]) >= 4 and
                                        buf.splitlines()[-1][3:4] == b"-"):
        chunk = t.recv(4096)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def tls_login(srv):
    """A TLS connection on which alice is logged in."""
    t = auth_tls(srv)
    t.sendall(b"USER alice\r\n")
    tls_reply(t)
    t.sendall(b"PASS %s\r\n" % ALICE_PW.encode())
    assert tls_reply(t).startswith(b"230")
    return t


# --------------------------------------------------------------------------
# 1. stalled TLS clients: every read and handshake has a deadline

def test_stalled_mid_record_after_auth(ftpenv, certs):
    """After AUTH TLS, 3 bytes of a record header and then nothing: the login timeout
    still ends the session."""
    srv = ftpenv.inetd(**tls_opts(certs, login_timeout=LIMIT, idle_timeout=60))
    t = auth_tls(srv)
    os.write(t.fileno(), b"\x17\x03\x03")      # raw bytes under the TLS layer
    start = time.monotonic()
    assert_ends_in_time(ftpenv, t, LIMIT, "mid-record after AUTH TLS")
    assert time.monotonic() - start >= LIMIT - 1.5


def test_stalled_mid_handshake(ftpenv, certs):
    """After AUTH TLS, half a ClientHello: the handshake ends at the login deadline,
    not after tls_handshake_timeout."""
    srv = ftpenv.inetd(**tls_opts(certs, login_timeout=LIMIT, tls_handshake_timeout=60))
    raw = socket.create_connection((srv.host, srv.port), timeout=10)
    f = raw.makefile("rb")
    read_reply(f)
    raw.sendall(b"AUTH TLS\r\n")
    assert read_reply(f).startswith(b"234")
    raw.sendall(bytes.fromhex("160301020001"))     # a record header promising more
    assert_ends_in_time(ftpenv, raw, LIMIT, "mid-handshake")


def test_stalled_mid_record_after_login(ftpenv, certs):
    """Logged in over TLS, then 3 bytes of a record: the idle timeout ends the session."""
    srv = ftpenv.inetd(**tls_opts(certs, idle_timeout=LIMIT))
    t = tls_login(srv)
    os.write(t.fileno(), b"\x17\x03\x03")
    assert_ends_in_time(ftpenv, t, LIMIT, "mid-record after login")


def test_stalled_ftpsd(ftpenv, certs):
    """ftpsd: after the greeting, 3 bytes of a record: the login timeout holds; and a
    client that never finishes its handshake is dropped at the login deadline too."""
    ftpsd = os.path.join(os.path.dirname(ftpenv.ftpd), "ftpsd")
    env = ftpdtest.FtpEnv(ftpd=ftpsd, syslog=ftpenv.syslog)
    try:
        srv = env.inetd(**tls_opts(certs, login_timeout=LIMIT, tls_handshake_timeout=60))
        raw = socket.create_connection((srv.host, srv.port), timeout=10)
        t = tls_context().wrap_socket(raw, server_hostname="localhost")
        assert tls_reply(t).startswith(b"220")
        os.write(t.fileno(), b"\x17\x03\x03")
        assert_ends_in_time(env, t, LIMIT, "ftpsd mid-record")
        raw = socket.create_connection((srv.host, srv.port), timeout=10)
        raw.sendall(bytes.fromhex("160301020001"))
        assert_ends_in_time(env, raw, LIMIT, "ftpsd mid-handshake")
    finally:
        env.cleanup()
        env.remove()


# --------------------------------------------------------------------------
# 2. slow clients

def test_one_byte_every_two_seconds(ftpenv):
    """A client that sends a byte every 2 s and never a newline: the idle timer counts
    from the last complete command, so the session ends at the idle timeout."""
    srv = ftpenv.inetd(idle_timeout=LIMIT, login_timeout=120)
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    read_reply(s.makefile("rb"))
    stop = threading.Event()

    def drip():
        while not stop.wait(2):
            try:
                s.send(b"N")
            except OSError:
                return
    th = threading.Thread(target=drip, daemon=True)
    th.start()
    try:
        assert_ends_in_time(ftpenv, s, LIMIT, "one byte every 2 s")
    finally:
        stop.set()
        th.join(5)


@pytest.mark.parametrize("tls", [False, True])
def test_pipelined_replies_never_read(ftpenv, certs, tls):
    """A client that pipelines FEAT and never reads a reply: once nothing more can be
    sent to it, the session ends within the idle timeout."""
    srv = ftpenv.inetd(**tls_opts(certs, idle_timeout=LIMIT))
    if tls:
        s = auth_tls(srv)
    else:
        s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(0.5)
    line = b"FEAT\r\n" * 1000
    deadline = time.monotonic() + 30 * SLOW
    while time.monotonic() < deadline:       # until the server stops reading
        try:
            s.sendall(line)
        except (socket.timeout, ssl.SSLWantWriteError):
            break
        except OSError:
            break
    start = time.monotonic()
    left = ftpenv.wait_session_gone(timeout=LIMIT + SLACK + 5)
    took = time.monotonic() - start
    assert left == [], "processes left:\n" + ftpdtest.describe_procs(left)
    assert took <= LIMIT + SLACK, "the session lasted %.1f s after the client stalled" % took
    s.close()


# --------------------------------------------------------------------------
# 3. pipelining: every command answered, in order

def pump(sock, tls, out, want_lines, seconds):
    """Send OUT and read until WANT_LINES reply lines came, in one thread (an SSL
    object may not be read and written from two), never blocking on either
    direction: the pipelining a real client does.  With TLS ((SSLObject, incoming
    BIO, outgoing BIO) over SOCK), OUT is plaintext.  Returns the reply lines."""
    import select
    if tls is not None:
        tls, incoming, outgoing = tls
        tls.write(out)
        out = b""
    pending, got, lines = bytearray(out), bytearray(), []
    sock.setblocking(False)
    deadline = time.monotonic() + seconds
    while len(lines) < want_lines:
        if tls is not None:
            while True:
                chunk = outgoing.read()
                if not chunk:
                    break
                pending += chunk
        left = deadline - time.monotonic()
        assert left > 0, "%d of %d reply lines after %s s" % (len(lines), want_lines, seconds)
        r, w, _ = select.select([sock], [sock] if pending else [], [], left)
        if w:
            pending = pending[sock.send(pending):]
        if r:
            data = sock.recv(65536)
            if not data:
                raise AssertionError("connection closed after %d of %d reply lines"
                                     % (len(lines), want_lines))
            if tls is not None:
                incoming.write(data)
                data = b""
                while True:
                    try:
                        data += tls.read(65536)
                    except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
                        break
            got += data
            *done, rest = bytes(got).split(b"\r\n")
            lines += done
            got = bytearray(rest)
    sock.setblocking(True)
    return lines


@pytest.mark.parametrize("tls", [False, True])
def test_ten_thousand_pipelined_commands(ftpenv, certs, tls):
    """10,000 pipelined commands after login get 10,000 replies, in order."""
    n = 10000
    srv = ftpenv.inetd(**tls_opts(certs, tls_required="none" if not tls else "login"))
    raw = socket.create_connection((srv.host, srv.port), timeout=10)
    f = raw.makefile("rb")
    read_reply(f)
    obj = None
    if tls:
        raw.sendall(b"AUTH TLS\r\n")
        assert read_reply(f).startswith(b"234")
        inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = tls_context().wrap_bio(inb, outb, server_hostname="localhost")
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(outb.read())
                inb.write(raw.recv(65536))
        raw.sendall(outb.read())
        obj = (obj, inb, outb)
    login = pump(raw, obj, b"USER alice\r\nPASS %s\r\n" % ALICE_PW.encode(), 2, 20)
    assert login[1].startswith(b"230"), login
    cmds = b"".join(b"NOOP\r\n" if i % 2 else b"PWD\r\n" for i in range(n))
    start = time.monotonic()
    lines = pump(raw, obj, cmds + b"QUIT\r\n", n + 1, 30 * SLOW)
    for i, line in enumerate(lines[:n]):
        assert line.startswith(b"200" if i % 2 else b"257"), (i, line)
    assert lines[n].startswith(b"221"), lines[n]
    assert time.monotonic() - start < 30 * SLOW
    raw.close()


def test_pipelining_clients_that_hang_up(ftpenv):
    """Five anonymous clients pipeline 2,000 commands each and hang up without reading:
    no process is left."""
    srv = ftpenv.inetd()
    for _ in range(5):
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        f = s.makefile("rb")
        read_reply(f)
        s.sendall(b"USER anonymous\r\nPASS x@\r\n")
        read_reply(f)
        read_reply(f)
        s.settimeout(2)
        try:
            s.sendall(b"NOOP\r\n" * 2000)
        except OSError:
            pass
        f.close()
        s.close()
    left = ftpenv.wait_session_gone()
    assert left == [], "processes left:\n" + ftpdtest.describe_procs(left)


# --------------------------------------------------------------------------
# the monitor's own login deadline

def test_monitor_ends_a_stuck_control_process(ftpenv):
    """A control process that stops (here SIGSTOP) before login: the monitor ends the
    session itself shortly after login_timeout."""
    srv = ftpenv.inetd(login_timeout=LIMIT)
    c = ftpenv.connect(srv)
    mon = srv.pid_for(c)
    ctl = wait_for(lambda: next((p for p in descendants(mon) if (proc_status(p) or {})
                                 .get("Uid", [None])[0] == NOBODY_UID and
                                 not is_tls_process(p)), None), 10)
    assert ctl, "no control process"
    os.kill(ctl, signal.SIGSTOP)
    start = time.monotonic()
    left = ftpenv.wait_session_gone(timeout=LIMIT + 10)
    assert left == [], "processes left:\n" + ftpdtest.describe_procs(left)
    assert time.monotonic() - start <= LIMIT + 2 + SLACK
    if ftpenv.syslog and ftpenv.syslog.active:
        assert any("no login within" in l for l in ftpenv.syslog_lines())


# --------------------------------------------------------------------------
# 5. mode bits: no setuid or setgid file, no looser umask, nothing for anonymous

@pytest.mark.parametrize("mode", ["4755", "2755", "6755", "7777"])
def test_site_chmod_refuses_setid_bits(alice, ftpenv, mode):
    """SITE CHMOD with setuid or setgid bits is refused; the mode stays."""
    path = ftpenv.home("alice", "hello.txt")
    before = os.stat(path).st_mode
    r = alice.cmd("SITE CHMOD %s hello.txt" % mode)
    assert r.code == 550 and "setuid" in r.text, r
    assert os.stat(path).st_mode == before


def test_site_chmod_plain_bits_and_sticky(alice, ftpenv):
    """Ordinary permission bits and the sticky bit on a directory are still allowed."""
    assert alice.cmd("SITE CHMOD 0640 hello.txt").code == 200
    assert os.stat(ftpenv.home("alice", "hello.txt")).st_mode & 0o7777 == 0o640
    assert alice.cmd("SITE CHMOD 1777 docs").code == 200
    assert os.stat(ftpenv.home("alice", "docs")).st_mode & 0o7777 == 0o1777


def test_stor_over_setuid_file_drops_the_bits(alice, ftpenv):
    """Replacing a setuid file by STOR keeps its permission bits but not setuid/setgid."""
    path = ftpenv.user_file("alice", "tool", b"old\n", mode=0o6755)
    os.chmod(path, 0o6755)
    assert alice.stor("tool", b"new\n").ok
    assert os.stat(path).st_mode & 0o7777 == 0o755


def test_site_umask_only_tightens(alice, ftpenv):
    """SITE UMASK may add bits to the configured umask (022), never remove them."""
    r = alice.cmd("SITE UMASK 000")
    assert r.code == 550 and "022" in r.text, r
    assert alice.cmd("SITE UMASK 020").code == 550
    assert alice.cmd("SITE UMASK 077").code == 200
    assert alice.stor("tight.txt", b"x").ok
    assert os.stat(ftpenv.home("alice", "tight.txt")).st_mode & 0o777 == 0o600


def test_anonymous_gets_no_site_umask_or_chmod(ftpenv):
    """Anonymous users cannot change the umask or modes: uploads keep anon_umask."""
    srv = ftpenv.inetd(anon_upload=True)
    c = ftpenv.connect(srv)
    c.login_ok("anonymous", "guest@")
    assert c.cmd("SITE UMASK 000").code == 550
    assert c.cmd("SITE CHMOD 777 incoming/exists.txt").code == 550
    assert c.stor("incoming/new.txt", b"x").ok
    assert c.cmd("MKD incoming/newdir").code == 257
    assert os.stat(ftpenv.anon("incoming", "new.txt")).st_mode & 0o777 == 0o644
    assert os.stat(ftpenv.anon("incoming", "newdir")).st_mode & 0o777 == 0o755


# --------------------------------------------------------------------------
# 8. a line feed in a path cannot split a reply

def lf_tree(ftpenv):
    """alice's home gets a directory whose name holds a line feed, reachable by a
    symlink, with a file whose name holds one too."""
    u = USERS["alice"]
    odd = ftpenv.mkdir(ftpenv.home("alice", "x\n226 Transfer complete."), u["uid"], u["gid"])
    ftpenv.write(os.path.join(odd, "a\n200 b"), b"x", u["uid"], u["gid"])
    os.symlink(odd, ftpenv.home("alice", "link"))
    os.lchown(ftpenv.home("alice", "link"), u["uid"], u["gid"])


def test_pwd_with_line_feed(alice, ftpenv):
    """PWD in a directory whose name holds a line feed: one 257 line, the line feed
    sent as NUL (RFC 959)."""
    lf_tree(ftpenv)
    assert alice.cmd("CWD link").code == 250
    r = alice.cmd("PWD")
    assert r.code == 257 and not r.multiline, r
    assert b'x\x00226 Transfer complete."' in r.raw, r.raw


def test_mlst_and_stat_with_line_feed(alice, ftpenv):
    """MLST and STAT of such a directory: no reply line starts with a name's tail (a
    listing leaves out a name with a line feed)."""
    lf_tree(ftpenv)
    assert alice.cmd("CWD link").code == 250
    r = alice.cmd("MLST")
    assert r.code == 250 and len(r.lines) == 3, r
    r = alice.cmd("STAT .")
    assert r.code in (211, 212, 213), r
    assert not any(l.startswith("200 b") or l.startswith("226 ") for l in r.lines), r.lines


# --------------------------------------------------------------------------
# 10. PORT to the server's own control port

@pytest.mark.parametrize("verb", ["PORT", "EPRT"])
def test_port_to_own_control_port(alice, server, verb):
    """PORT/EPRT naming the server's own control port is refused, even promiscuous."""
    p = server.port
    line = ("PORT 127,0,0,1,%d,%d" % (p >> 8, p & 255) if verb == "PORT"
            else "EPRT |1|127.0.0.1|%d|" % p)
    r = alice.cmd(line)
    assert r.code >= 500 and "control port" in r.text, r


# --------------------------------------------------------------------------
# 4. connection floods: a per-address limit before any TLS work

def greeting(srv):
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    return s, read_reply(s.makefile("rb"))


def test_max_per_ip(ftpenv, certs):
    """max_per_ip 5: the sixth connection from the address gets 421 before any TLS work;
    once one session ends, a new one is served."""
    srv = ftpenv.inetd(**tls_opts(certs, max_per_ip=5))
    held = [greeting(srv) for _ in range(5)]
    assert all(r.startswith(b"220") for _, r in held)
    s, r = greeting(srv)
    assert r.startswith(b"421") and b"max_per_ip" in r, r
    assert s.recv(100) == b""
    held[0][0].close()
    assert wait_for(lambda: greeting(srv)[1].startswith(b"220"), 10)
    if ftpenv.syslog and ftpenv.syslog.active:
        assert any("refused: too many sessions from this address" in l
                   for l in ftpenv.syslog_lines())
    for h, _ in held:
        h.close()


def test_max_clients_under_xinetd(ftpenv, certs):
    """max_clients holds under xinetd too (each connection its own process)."""
    srv = ftpenv.xinetd(**tls_opts(certs, max_clients=3, max_per_ip=0))
    held = [greeting(srv) for _ in range(3)]
    s, r = greeting(srv)
    assert r.startswith(b"421") and b"max_clients" in r, r
    for h, _ in held:
        h.close()


def greeting_from(srv, source):
    s = socket.create_connection((srv.host, srv.port), timeout=10, source_address=(source, 0))
    return s, read_reply(s.makefile("rb"))


def monitor_of(ftpenv, srv, sock):
    """The monitor of the session on SOCK: the parent of the process holding its socket."""
    inode = socket_inode(srv.port, sock.getsockname()[1])
    assert inode is not None
    # once set up, only the TLS process (nobody) holds it; until then the monitor does
    holders = wait_for(lambda: (lambda h: h if len(h) == 1 and
                                (proc_status(h[0]) or {}).get("Uid", [0])[0] != 0 else None)(
        [p for p in ftpenv.session_pids() if holds_socket(p, inode)]), 10)
    assert holders, "no unprivileged process holds the session's socket"
    return proc_status(holders[0])["PPid"]


@pytest.mark.parametrize("mode", ["inetd", "xinetd", "daemon"])
def test_max_per_ip_every_launch_mode(ftpenv, certs, mode):
    """max_per_ip 3 under the inetd-style launcher, xinetd and -D: the fourth session
    from 127.0.0.1 gets 421 before any TLS work, one from 127.0.0.2 is served, and a
    session whose monitor is killed with SIGKILL gives its slot back."""
    srv = getattr(ftpenv, mode)(**tls_opts(certs, max_per_ip=3))
    held = [greeting_from(srv, "127.0.0.1") for _ in range(3)]
    assert all(r.startswith(b"220") for _, r in held), held
    s, r = greeting_from(srv, "127.0.0.1")
    assert r.startswith(b"421") and b"max_per_ip" in r, r
    assert s.recv(100) == b""
    s.close()
    other, r = greeting_from(srv, "127.0.0.2")
    assert r.startswith(b"220"), r
    mon = monitor_of(ftpenv, srv, held[0][0])
    os.kill(mon, signal.SIGKILL)
    assert wait_for(lambda: greeting_from(srv, "127.0.0.1")[1].startswith(b"220"), 10)
    for h, _ in held + [(other, None)]:
        h.close()


def test_flood_of_stalled_connections(ftpenv, certs):
    """200 stalled pre-login connections from one address under xinetd: at most
    max_per_ip (the default, 20) sessions stay, three processes each (monitor, TLS,
    control); the rest are refused at once."""
    srv = ftpenv.xinetd(instances=300, stderr_null=True, no_pam_wrapper=True,
                        **tls_opts(certs))
    socks = []
    for _ in range(200):
        try:
            socks.append(socket.create_connection((srv.host, srv.port), timeout=10))
        except OSError:
            pass
    try:
        settled = lambda: len(ftpenv.session_pids(exclude=ftpenv.listener_pids())) <= 60
        assert wait_for(settled, 20 * SLOW), "%d processes" % len(ftpenv.session_pids())
        time.sleep(1)
        pids = ftpenv.session_pids(exclude=ftpenv.listener_pids())
        assert len(pids) <= 60, "%d session processes for 200 stalled connections" % len(pids)
        answers = {}
        for s in socks:
            s.settimeout(15 * SLOW)
            try:
                code = s.recv(4)[:3]
            except OSError:
                code = b"---"
            answers[code] = answers.get(code, 0) + 1
        assert answers.get(b"220", 0) <= 20, answers
        assert answers.get(b"220", 0) + answers.get(b"421", 0) == len(socks), answers
    finally:
        for s in socks:
            s.close()


# --------------------------------------------------------------------------
# soak: good sessions among hostile clients

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "45"))


def good_session(srv, n, stop, errors, done):
    """Log in over TLS, store a file, read it back by SHA-256, list, quit; again.  (As
    anonymous: pam_wrapper, the tests' PAM, cannot carry hundreds of processes.)"""
    import ftplib
    import hashlib
    import io
    from ftpclient import ReuseFTP_TLS
    i = 0
    while not stop.is_set():
        data = os.urandom(20000 + 997 * i)
        name = "incoming/soak-%d-%d.bin" % (n, i)
        try:
            f = ReuseFTP_TLS(context=tls_context(), timeout=20)
            f.connect(srv.host, srv.port)
        except (OSError, ftplib.Error, EOFError):
            time.sleep(0.2)             # refused (421) while a flood holds the slots
            continue
        try:
            f.login("anonymous", "soak@")
            f.prot_p()
            f.storbinary("STOR " + name, io.BytesIO(data))
            got = []
            f.retrbinary("RETR " + name, got.append)
            if hashlib.sha256(b"".join(got)).digest() != hashlib.sha256(data).digest():
                errors.append("%s: downloaded bytes differ" % name)
            if name not in f.nlst("incoming"):
                errors.append("%s: not listed" % name)
            f.quit()
            done.append((name, hashlib.sha256(data).hexdigest()))
        except (OSError, ftplib.Error, EOFError) as e:
            errors.append("%s: %r" % (name, e))
        i += 1


def hostile_client(srv, kind, stop):
    """One kind of bad client, over and over until STOP."""
    while not stop.is_set():
        try:
            if kind == "stall":
                t = auth_tls(srv)
                os.write(t.fileno(), b"\x17\x03\x03")
                stop.wait(LIMIT + 1)
                t.close()
            elif kind == "drip":
                s, _ = greeting(srv)
                for _ in range(4):
                    if stop.wait(1):
                        break
                    s.send(b"x")
                s.close()
            elif kind == "pipeline":
                s, _ = greeting(srv)
                s.settimeout(1)
                try:
                    s.sendall(b"FEAT\r\n" * 20000)
                except OSError:
                    pass
                s.close()
            else:           # flood: connections that say nothing
                socks = []
                for _ in range(15):
                    try:
                        socks.append(socket.create_connection((srv.host, srv.port), timeout=5))
                    except OSError:
                        pass
                stop.wait(2)
                for s in socks:
                    s.close()
        except (OSError, EOFError, ssl.SSLError):
            stop.wait(0.2)


def test_soak_good_and_hostile(ftpenv, certs):
    """For SOAK_SECONDS, good TLS sessions run beside stalled, dripping, pipelining and
    flooding clients: every good session's file is intact, and afterwards no session
    process is left."""
    srv = ftpenv.inetd(**tls_opts(certs, login_timeout=LIMIT, idle_timeout=LIMIT,
                                  max_per_ip=40, tls_handshake_timeout=LIMIT,
                                  anon_upload=True))
    stop = threading.Event()
    errors, done = [], []
    threads = [threading.Thread(target=good_session, args=(srv, n, stop, errors, done),
                                daemon=True) for n in range(3)]
    threads += [threading.Thread(target=hostile_client, args=(srv, kind, stop), daemon=True)
                for kind in ("stall", "drip", "pipeline", "flood")]
    for t in threads:
        t.start()
    time.sleep(SOAK_SECONDS)
    stop.set()
    for t in threads:
        t.join(LIMIT + 30)
    assert not errors, errors[:10]
    assert len(done) >= 10, "only %d good sessions completed" % len(done)
    import hashlib
    for name, digest in done:
        with open(ftpenv.anon(name), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == digest, name
    left = ftpenv.wait_session_gone(timeout=LIMIT + 2 + 10 * SLOW)
    assert left == [], "processes left:\n" + ftpdtest.describe_procs(left)
