"""The monitor against a compromised TLS, control or user process (raw IPC frames).

These tests need the test-hook build (make boundary-check builds build-hooks/ and
runs them with FTPD_HOOKS pointing at it): there, a TLS, control or user process
whose environment names an abstract socket hands its monitor socket to the test
and stops (ftpd/testhook.c), and the test plays that process, as an attacker
running code in it would.  Each misuse must be refused by the monitor itself,
ending the session where the boundary says so.
"""

import os
import socket
import struct
import time

import pytest

import ftpdtest
from ftpdtest import USERS, wait_for
from test_certs import cert_opts, pki  # noqa: F401 (a fixture)

HOOKS = os.environ.get("FTPD_HOOKS")
pytestmark = pytest.mark.skipif(
    not HOOKS, reason="SKIPPED: needs the test-hook build: make boundary-check")

# common/ipc.def, in its order
MON_AUTH, MON_AUTH_OK, MON_AUTH_FAIL, MON_PORT20, MON_FD, MON_CERT_LOGIN = 1, 2, 3, 4, 5, 6
MON_XFERLOG, REL_INIT, REL_REPLY = 8, 9, 11
MON_CHANNEL, CTL_TLS = 22, 1


def u8(v):
    return struct.pack("B", v)


def u32(v):
    return struct.pack(">I", v)


def field(b):
    """A str or bytes field: u32 length and the bytes."""
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def frame(mtype, payload=b""):
    return u32(len(payload) + 1) + u8(mtype) + payload


def sockaddr_in(host, port):
    """struct sockaddr_in as the C side has it (x86_64 and aarch64: little-endian)."""
    return struct.pack("<H", socket.AF_INET) + struct.pack(">H", port) + \
        socket.inet_aton(host) + b"\0" * 8


def login_frame(user, pw):
    return frame(MON_AUTH, field(user) + field(pw))


class Monitor:
    """The monitor socket of a hooked control or user process."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(15)

    def send(self, data, fds=()):
        if fds:
            self.sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                        struct.pack("%di" % len(fds), *fds))])
        else:
            self.sock.sendall(data)

    def recv(self):
        """(type, payload, fd or None), or None once the monitor has closed its end."""
        try:
            head, anc, _, _ = self.sock.recvmsg(5, socket.CMSG_SPACE(4))
        except (ConnectionResetError, socket.timeout):
            return None
        if not head:
            return None
        while len(head) < 5:
            head += self.sock.recv(5 - len(head))
        n, t = struct.unpack(">IB", head)
        body = b""
        while len(body) < n - 1:
            body += self.sock.recv(n - 1 - len(body))
        fd = struct.unpack("i", anc[0][2][:4])[0] if anc else None
        return t, body, fd

    def closed(self, seconds=10):
        """True once the monitor has closed its end within SECONDS."""
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(4096) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def hooked(ftpenv, which, also=None, **opts):
    """Start the hook build with WHICH ("TLS", "CTL" or "USR"), and ALSO if given,
    handing over; returns the server and a function that accepts the handed-over
    monitor socket (take(ALSO) for the other one)."""
    listeners, names = {}, {}
    for who in [which] + ([also] if also else []):
        names["FTPD_TEST_%s_SOCK" % who] = name = "ftpdtest-%s-%s" % (ftpenv.token[:16], who)
        ls = listeners[who] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind("\0" + name)
        ls.listen(4)
        ls.settimeout(15)
    env = ftpenv.env
    ftpenv.env = lambda: dict(env(), **names)
    ftpenv.ftpd = HOOKS
    srv = ftpenv.inetd(login_delay=0, **opts)

    def take(who=which):
        conn, _ = listeners[who].accept()
        conn.settimeout(15)
        _, anc, _, _ = conn.recvmsg(1, socket.CMSG_SPACE(4))
        fd = struct.unpack("i", anc[0][2][:4])[0]
        conn.close()
        return Monitor(socket.socket(fileno=fd))
    return srv, take


def assert_session_over(ftpenv, mon):
    assert mon.closed(), "the monitor kept the session"
    left = ftpenv.wait_session_gone()
    assert left == [], "processes left:\n" + ftpdtest.describe_procs(left)


def logs(ftpenv, text):
    if ftpenv.syslog and ftpenv.syslog.active:
        assert wait_for(lambda: any(text in l for l in ftpenv.syslog_lines()), 5), text


# --------------------------------------------------------------------------
# as the control process

def test_control_cannot_ask_for_port20(ftpenv):
    """MON_PORT20 from the control process ends the session."""
    srv, take = hooked(ftpenv, "CTL", connect_from_port_20=True)
    c = ftpenv.connect(srv)
    mon = take()
    mon.send(frame(MON_PORT20, field(sockaddr_in("127.0.0.1", 2121))))
    assert_session_over(ftpenv, mon)
    logs(ftpenv, "MON_PORT20 from the control process")
    c.close()


BAD_FRAMES = {
    # what the control process sends -> what the monitor logs as it ends the session
    "trailing byte": (login_frame("alice", "x") + b"", b"!", "MON_AUTH with a bad last field"),
    "user too long": (frame(MON_AUTH, field("a" * 129) + field("x")),
                      b"", "MON_AUTH with a bad user field"),
    "NUL in name": (frame(MON_AUTH, field(b"al\0ice") + field("x")),
                    b"", "MON_AUTH with a bad user field"),
    "certificate bytes": (frame(MON_CERT_LOGIN, field("alice") + field(b"\x30\x82")),
                          b"", "MON_CERT_LOGIN with a bad last field"),
    "channel report": (frame(MON_CHANNEL, u8(CTL_TLS) + field(b"")), b"",
                       "MON_CHANNEL from the control process"),
    "signature": (frame(17, u8(1) + field(b"\x07" * 51)), b"",
                  "MON_SIGN from the control process"),
    "answer type": (frame(MON_AUTH_FAIL, u8(0) + field("no")), b"",
                    "MON_AUTH_FAIL from the control process"),
    "relay type": (frame(REL_REPLY, field("230 ok\r\n")), b"",
                   "REL_REPLY from the control process"),
    "unknown type": (frame(200), b"", "unknown message type 200"),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMES))
def test_monitor_refuses_what_ipc_def_refuses(ftpenv, case):
    """Each frame that ipc.def does not allow from the control process before login
    (a field out of bounds, a byte left over, another process's message) ends the
    session, with the reason in syslog."""
    head, extra, reason = BAD_FRAMES[case]
    if extra:   # a byte past the last field: the frame's length counts it
        n = struct.unpack(">I", head[:4])[0]
        head = u32(n + len(extra)) + head[4:] + extra
    srv, take = hooked(ftpenv, "CTL")
    c = ftpenv.connect(srv)
    mon = take()
    mon.send(head)
    assert mon.recv() is None, "the monitor answered"
    assert_session_over(ftpenv, mon)
    logs(ftpenv, reason)
    c.close()


def test_monitor_counts_failed_logins(ftpenv):
    """The monitor answers login_attempts wrong passwords, the last with 'close', then
    ends the session itself: a control process that ignores it gets no more guesses."""
    srv, take = hooked(ftpenv, "CTL", login_attempts=3)
    c = ftpenv.connect(srv)
    mon = take()
    closes = []
    for i in range(3):
        mon.send(login_frame("alice", "guess-%d" % i))
        r = mon.recv()
        assert r is not None and r[0] == MON_AUTH_FAIL, (i, r)
        closes.append(r[1][0])
    assert closes == [0, 0, 1], closes
    try:
        mon.send(login_frame("alice", USERS["alice"]["pw"]))
    except OSError:
        pass
    r = mon.recv()
    assert r is None, "a fourth login was answered: %r" % (r,)
    assert_session_over(ftpenv, mon)
    c.close()


def test_two_descriptors_end_the_session(ftpenv):
    """A message carrying two descriptors ends the session (none is kept)."""
    srv, take = hooked(ftpenv, "CTL")
    c = ftpenv.connect(srv)
    mon = take()
    a, b = os.open("/dev/null", os.O_RDONLY), os.open("/dev/null", os.O_RDONLY)
    try:
        mon.send(login_frame("alice", "x"), fds=(a, b))
    finally:
        os.close(a)
        os.close(b)
    assert_session_over(ftpenv, mon)
    c.close()


def test_no_second_login_while_logged_in(ftpenv):
    """After a login, another MON_AUTH while the user process lives ends the session
    (instead of leaving the monitor waiting for it)."""
    srv, take = hooked(ftpenv, "CTL")
    c = ftpenv.connect(srv)
    mon = take()
    mon.send(login_frame("alice", USERS["alice"]["pw"]))
    r = mon.recv()
    assert r is not None and r[0] == MON_AUTH_OK and r[2] is not None, r
    relay = socket.socket(fileno=r[2])          # keeps the user process alive
    start = time.monotonic()
    mon.send(login_frame("bob", USERS["bob"]["pw"]))
    assert mon.recv() is None
    assert time.monotonic() - start < 10
    relay.close()
    assert_session_over(ftpenv, mon)
    c.close()


@pytest.mark.parametrize("claim", [True, False])
def test_control_cannot_claim_tls(ftpenv, claim):
    """Under tls_required login, a compromised control process on a plain-text
    channel gets no local login with a correct password: the monitor has the
    channel's protection from the TLS process.  A MON_AUTH in the old layout, whose
    flag said "TLS", ends the session; the current one gets 530."""
    srv, take = hooked(ftpenv, "CTL", tls_required="login", **tls_cert_opts(ftpenv))
    c = ftpenv.connect(srv)
    mon = take()
    pw = USERS["alice"]["pw"]
    mon.send(frame(MON_AUTH, field("alice") + field(pw) + u8(1) + field(b"")) if claim
             else login_frame("alice", pw))
    r = mon.recv()
    if claim:
        assert r is None, "a claim of TLS was answered: %r" % (r,)
        assert_session_over(ftpenv, mon)
    else:
        assert r is not None and r[0] == MON_AUTH_FAIL, r
        logs(ftpenv, "a password in clear text (tls_required)")
        hang_up(ftpenv, mon)
    c.close()


# --------------------------------------------------------------------------
# as the user process

def user_monitor(ftpenv, **opts):
    srv, take = hooked(ftpenv, "USR", **opts)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    return c, take()


def test_user_port20_refused_when_off(ftpenv):
    """MON_PORT20 with connect_from_port_20 off ends the session."""
    c, mon = user_monitor(ftpenv)
    mon.send(frame(MON_PORT20, field(sockaddr_in("127.0.0.1", 40000))))
    assert_session_over(ftpenv, mon)
    c.close()


def test_user_port20_only_to_the_client(ftpenv):
    """With connect_from_port_20, the monitor connects from port 20 only to the control
    peer at a port >= 1024, and hands over a connected socket; any other target ends
    the session."""
    c, mon = user_monitor(ftpenv, connect_from_port_20=True)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(10)
    mon.send(frame(MON_PORT20, field(sockaddr_in("127.0.0.1", ls.getsockname()[1]))))
    r = mon.recv()
    assert r is not None and r[0] == MON_FD and r[2] is not None, r
    conn, peer = ls.accept()
    assert peer[1] == 20
    got = socket.socket(fileno=r[2])
    assert got.getpeername()[1] == ls.getsockname()[1]
    got.close()
    conn.close()
    ls.close()
    mon.send(frame(MON_PORT20, field(sockaddr_in("127.0.0.1", 111))))
    assert_session_over(ftpenv, mon)
    c.close()


def test_user_xferlog_record_checked(ftpenv):
    """MON_XFERLOG: the monitor writes the line with its own user name and address,
    a path's control characters as '_'; a malformed record ends the session."""
    c, mon = user_monitor(ftpenv, xferlog_enable=True)
    rec = u32(3) + struct.pack(">Q", 42) + b"b" + b"o" + b"c"
    mon.send(frame(MON_XFERLOG, rec + field("/x\nFri Jan  1 fake line")))
    log = ftpenv.path("xferlog")
    assert wait_for(lambda: os.path.exists(log) and os.path.getsize(log) > 0, 10)
    with open(ftpenv.path("xferlog")) as f:
        lines = f.read().splitlines()
    assert len(lines) == 1 and " 127.0.0.1 42 /x_Fri_Jan__1_fake_line b _ o r alice " in lines[0]
    mon.send(frame(MON_XFERLOG, u32(3) + struct.pack(">Q", 42) + b"z" + b"o" + b"c" +
                   field("/y")))
    assert_session_over(ftpenv, mon)
    c.close()


# --------------------------------------------------------------------------
# certificate logins and signatures (the private key is in no session process)

MON_CERT_PASS, MON_SIGN, MON_SIG = 7, 17, 18


def hs(mtype, body):
    """A TLS handshake message."""
    return bytes([mtype]) + struct.pack(">I", len(body))[1:] + body


def forged_transcript(client_der, server_sig=b"\x01" * 256):
    """A TLS 1.3 handshake as a compromised control process could report it: the
    client's public certificate, but a CertificateVerify it could not make."""
    sh = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x13\x01" + b"\x00" + b"\x00\x00"
    cert = b"\x00" + struct.pack(">I", len(client_der) + 5)[1:] + \
        struct.pack(">I", len(client_der))[1:] + client_der + b"\x00\x00"
    cv = lambda sig: b"\x08\x04" + struct.pack(">H", len(sig)) + sig
    return (hs(1, b"\x03\x03" + b"\x22" * 32) + hs(2, sh) + hs(8, b"\x00\x00") +
            hs(13, b"\x00\x00\x00") + hs(11, cert) + hs(15, cv(server_sig)) +
            hs(20, b"\x33" * 32) + hs(11, cert) + hs(15, cv(b"\x44" * 256)) +
            hs(20, b"\x55" * 32))


def der_of(pem_file):
    import ssl
    with open(pem_file) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def test_certificate_login_needs_a_handshake(ftpenv, pki):
    """A compromised control process asking for alice's certificate login on a channel
    that had no TLS handshake gets "give the password" (331), never a login: the
    certificate comes to the monitor from the TLS process, not from the FTP parser."""
    srv, take = hooked(ftpenv, "CTL", **cert_opts(ftpenv, pki))
    c = ftpenv.connect(srv)
    mon = take()
    mon.send(frame(MON_CERT_LOGIN, field("alice")))
    r = mon.recv()
    assert r is not None and r[0] == MON_CERT_PASS, r
    logs(ftpenv, "no client certificate on this connection's TLS handshake")
    hang_up(ftpenv, mon)
    c.close()


@pytest.mark.parametrize("own_sig", [False, True])
def test_public_certificate_alone_logs_nobody_in(ftpenv, pki, own_sig):
    """Compromised TLS and control processes that report alice's (mapped) public
    certificate in a forged TLS 1.3 handshake get "give the password" (331) from the
    monitor, never a login: with a server signature that is not the monitor's, or with
    the monitor's own but no client signature it could make."""
    srv, take = hooked(ftpenv, "TLS", "CTL", **cert_opts(ftpenv, pki))
    c = ftpenv.connect(srv)
    tls = take("TLS")
    ctl = take("CTL")
    sig = b"\x01" * 256
    if own_sig:
        tls.send(frame(MON_SIGN, u8(1) + field(DIGEST_INFO)))
        r = tls.recv()
        assert r is not None and r[0] == MON_SIG and r[1][0] == 1, r
        sig = r[1][5:]
    else:   # a signature for some other handshake first, as the monitor wants one
        tls.send(frame(MON_SIGN, u8(1) + field(DIGEST_INFO)))
        assert tls.recv()[0] == MON_SIG
    tls.send(frame(MON_CHANNEL, u8(CTL_TLS) + field(forged_transcript(der_of(pki.alice[0]),
                                                                      sig))))
    ctl.send(frame(MON_CERT_LOGIN, field("alice")))
    r = ctl.recv()
    assert r is not None and r[0] == MON_CERT_PASS, r
    logs(ftpenv, "does not verify" if own_sig else "not this session's")
    hang_up(ftpenv, ctl)
    c.close()


def test_channel_report_needs_the_signed_handshake(ftpenv):
    """A TLS process that reports a protected channel before the monitor made the
    control handshake's signature (a handshake it never had) ends the session."""
    srv, take = hooked(ftpenv, "TLS", **tls_cert_opts(ftpenv))
    c = ftpenv.connect(srv)
    mon = take()
    mon.send(frame(MON_CHANNEL, u8(CTL_TLS) + field(b"")))
    assert mon.recv() is None
    assert_session_over(ftpenv, mon)
    logs(ftpenv, "MON_CHANNEL from the TLS process out of order")
    c.close()


def hang_up(ftpenv, mon):
    """End the session (with a message no process may send) and check it is over."""
    mon.send(frame(200))
    assert_session_over(ftpenv, mon)


DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420") + b"\x07" * 32


def test_one_control_signature_per_session(ftpenv):
    """The monitor has one signature made for the control handshake; a second
    MON_SIGN in the same session is refused (ok 0)."""
    srv, take = hooked(ftpenv, "TLS", **tls_cert_opts(ftpenv))
    c = ftpenv.connect(srv)
    mon = take()
    answers = []
    for _ in range(2):
        mon.send(frame(MON_SIGN, u8(1) + field(DIGEST_INFO)))   # RSA PKCS#1 v1.5
        r = mon.recv()
        assert r is not None and r[0] == MON_SIG, r
        answers.append(r[1][0])
    assert answers == [1, 0], answers
    hang_up(ftpenv, mon)
    c.close()


def test_no_raw_rsa_but_pss(ftpenv):
    """A raw RSA operation on what is no PSS encoding (a decryption, say) is refused."""
    srv, take = hooked(ftpenv, "TLS", **tls_cert_opts(ftpenv))
    c = ftpenv.connect(srv)
    mon = take()
    mon.send(frame(MON_SIGN, u8(2) + field(b"\x5a" * 256)))
    r = mon.recv()
    assert r is not None and r[0] == MON_SIG and r[1][0] == 0, r
    hang_up(ftpenv, mon)
    c.close()


def tls_cert_opts(ftpenv):
    """A fresh self-signed RSA certificate for this test's server."""
    import subprocess
    key, crt = ftpenv.path("srv.key"), ftpenv.path("srv.crt")
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-newkey", "rsa:2048", "-keyout", key, "-out", crt], check=True,
                   capture_output=True, timeout=60)
    return dict(tls_cert_file=crt, tls_key_file=key)
