"""The same server under real xinetd and as a standalone `ftpd -D` listener."""

import ftplib
import io
import os
import shutil
import subprocess
import time

import pytest

import ftpdtest
from ftpdtest import (HELLO, USERS, FtpClient, curl, describe_procs, have_ipv6_loopback,
                      proc_status)


def login_and_retr(srv):
    f = ftplib.FTP()
    f.connect(srv.host, srv.port, timeout=10)
    assert f.getwelcome().startswith("220")
    f.login("alice", USERS["alice"]["pw"])
    got = io.BytesIO()
    f.retrbinary("RETR hello.txt", got.write)
    assert got.getvalue() == HELLO
    lines = []
    f.retrlines("LIST docs", lines.append)
    assert any("a.txt" in l for l in lines)
    f.quit()


def test_under_xinetd(ftpenv, xinetd_server):
    """Under xinetd (socket on fd 0, 1 and 2) login and RETR work and nothing is left behind."""
    srv = xinetd_server
    login_and_retr(srv)
    login_and_retr(srv)
    left = ftpenv.wait_session_gone()
    assert left == [], describe_procs(left)


def test_stderr_is_socket(ftpenv):
    """Started with the socket as stderr too, the server writes nothing stray to the client."""
    srv = ftpenv.inetd(stderr_is_socket=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.cmd("NOOP").code == 200
    assert c.xfer("RETR nosuchfile").pre.code == 550
    assert c.cmd("QUIT").code == 221
    assert c.wait_closed(timeout=5) == []


def test_daemon_ipv4(ftpenv, daemon_server):
    """ftpd -D on 127.0.0.1 serves sessions; the listener survives them, children exit."""
    srv = daemon_server
    login_and_retr(srv)
    login_and_retr(srv)
    assert srv.proc.poll() is None, "the -D listener exited"
    assert proc_status(srv.pid)["Uid"][0] == 0
    left = ftpenv.wait_session_gone()
    assert left == [], describe_procs(left)


def test_daemon_ipv6(ftpenv):
    """ftpd -D on ::1 serves a session (EPSV data)."""
    if not have_ipv6_loopback():
        pytest.skip("SKIPPED: no IPv6 loopback address on this machine")
    srv = ftpenv.daemon(host="::1", listen_family="inet6")
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.retr("hello.txt", mode="epsv") == HELLO
    assert c.retr("hello.txt", mode="eprt") == HELLO
    assert c.cmd("QUIT").code == 221


def test_daemon_concurrent(ftpenv):
    """ftpd -D runs several sessions at once."""
    srv = ftpenv.daemon()
    clients = [ftpenv.connect(srv) for _ in range(4)]
    for c in clients:
        c.login_ok("alice")
    for c in clients:
        assert c.retr("hello.txt") == HELLO


def test_daemon_max_clients(ftpenv):
    """With max_clients 2 a third simultaneous session is turned away (421 or close)."""
    srv = ftpenv.daemon(max_clients=2)
    a = ftpenv.connect(srv)
    b = ftpenv.connect(srv)
    try:
        c = FtpClient(srv.host, srv.port, read_greeting=False)
    except OSError:
        return
    ftpenv.clients.append(c)
    try:
        g = c.reply(timeout=5)
    except EOFError:
        return
    assert g.code == 421, g
    a.cmd("NOOP")
    b.cmd("NOOP")


def test_daemon_stops_on_sigterm(ftpenv):
    """The -D listener exits on SIGTERM."""
    srv = ftpenv.daemon()
    srv.proc.terminate()
    srv.proc.wait(10)
    time.sleep(0.2)
    assert ftpenv.session_pids() == []


# --- the real openbsd-inetd (Debian's inetd), with README's inetd.conf line

def test_under_openbsd_inetd(ftpenv):
    """inetd.conf's "ftp stream tcp nowait root /usr/sbin/ftpd ftpd" line under the real
    openbsd-inetd: logins, RETR and LIST, twice; no session process left behind."""
    srv = ftpenv.openbsd_inetd()
    login_and_retr(srv)
    login_and_retr(srv)
    left = ftpenv.wait_session_gone()
    assert left == [], describe_procs(left)
    assert srv.proc.poll() is None, "inetd exited"


def test_openbsd_inetd_upload_anonymous_and_refusal(ftpenv):
    """Under openbsd-inetd: a failed then a good login and an upload read back (PASV and
    EPSV), an anonymous download, and two sessions at once."""
    srv = ftpenv.openbsd_inetd()
    c = ftpenv.connect(srv)
    assert c.login("alice", "wrong").code == 530
    c.login_ok("alice")
    data = bytes(range(256)) * 512
    c.stor("up.bin", data)
    assert c.retr("up.bin", mode="epsv") == data
    a = ftpenv.connect(srv)
    a.login_ok("anonymous", "guest@example.org")
    assert a.retr("pub/readme.txt") == b"anonymous readme\n"
    a.cmd("QUIT")
    c.cmd("QUIT")
    with open(ftpenv.home("alice", "up.bin"), "rb") as f:
        assert f.read() == data
    left = ftpenv.wait_session_gone()
    assert left == [], describe_procs(left)


def test_openbsd_inetd_ftps_curl(ftpenv):
    """ftpd (AUTH TLS) and ftpsd (implicit TLS) started by openbsd-inetd, one line each as
    README gives them: curl logs in over TLS, uploads and downloads."""
    if not shutil.which("openssl"):
        pytest.skip("SKIPPED: openssl is not installed")
    crt, key = ftpenv.path("cert.pem"), ftpenv.path("key.pem")
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-newkey", "rsa:2048", "-keyout", key, "-out", crt], check=True,
                   capture_output=True, timeout=60)
    tls = dict(tls_cert_file=crt, tls_key_file=key)
    user = ["-u", "alice:" + USERS["alice"]["pw"], "--ssl-reqd", "-k"]
    srv = ftpenv.openbsd_inetd(**tls)
    up = ftpenv.write(ftpenv.path("up.txt"), b"uploaded over AUTH TLS\n")
    curl(user + ["-T", up, "ftp://127.0.0.1:%d/" % srv.port], ftpenv.dir)
    r = curl(user + ["ftp://127.0.0.1:%d/up.txt" % srv.port], ftpenv.dir)
    assert r.stdout == b"uploaded over AUTH TLS\n", r
    ftpsd = os.path.join(os.path.dirname(ftpenv.ftpd), "ftpsd")
    if not os.path.exists(ftpsd):
        pytest.fail("ftpsd was not built")
    env = ftpdtest.FtpEnv(ftpd=ftpsd, syslog=ftpenv.syslog)
    try:
        srv = env.openbsd_inetd(**tls)
        r = curl(user + ["ftps://127.0.0.1:%d/hello.txt" % srv.port], env.dir)
        assert r.stdout == HELLO, r
    finally:
        env.cleanup()
        env.remove()
