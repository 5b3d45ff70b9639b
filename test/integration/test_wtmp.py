"""wtmp: the monitor records each login and logout, so last(1) shows FTP sessions."""

import os
import shutil
import struct
import subprocess
import time

from ftpdtest import USERS

# struct utmpx of glibc on Linux (the same on every 64-bit and 32-bit ABI Debian has)
UTMPX = struct.Struct("=hxxi32s4s32s256shhi2i16s20x")
USER_PROCESS, DEAD_PROCESS = 7, 8


def cstr(b):
    return b.split(b"\0", 1)[0].decode("ascii", "replace")


def records(path):
    data = open(path, "rb").read()
    assert len(data) % UTMPX.size == 0, "wtmp of %d bytes: not whole records" % len(data)
    out = []
    for off in range(0, len(data), UTMPX.size):
        f = UTMPX.unpack_from(data, off)
        out.append({"type": f[0], "pid": f[1], "line": cstr(f[2]), "user": cstr(f[4]),
                    "host": cstr(f[5]), "sec": f[9]})
    return out


def empty_wtmp(ftpenv):
    path = ftpenv.path("wtmp")
    ftpenv.write(path, b"", mode=0o664)
    return path


def test_login_and_logout_recorded(ftpenv):
    """A local and an anonymous session each leave a login and a logout record on line ftpPID."""
    path = empty_wtmp(ftpenv)
    srv = ftpenv.inetd()
    c = ftpenv.connect(srv)
    pid = srv.pid_for(c)
    c.login_ok("alice")
    assert c.cmd("NOOP").code == 200
    c.cmd("QUIT")
    a = ftpenv.connect(srv)
    apid = srv.pid_for(a)
    a.login_ok("anonymous", "guest@example.org")
    a.cmd("QUIT")
    ftpenv.wait_session_gone()
    recs = records(path)
    mine = [r for r in recs if r["line"] == "ftp%d" % pid]
    assert [r["type"] for r in mine] == [USER_PROCESS, DEAD_PROCESS], recs
    assert mine[0]["user"] == "alice" and mine[0]["host"] == "127.0.0.1", mine
    assert mine[0]["pid"] == pid and mine[1]["pid"] == pid
    assert mine[1]["user"] == "" and mine[0]["sec"] <= mine[1]["sec"]
    anon = [r for r in recs if r["line"] == "ftp%d" % apid]
    assert [(r["type"], r["user"]) for r in anon] == [(USER_PROCESS, "ftp"), (DEAD_PROCESS, "")], recs
    assert len(recs) == 4, recs
    if shutil.which("last"):
        # last(1) says "still running" for a logout in the second it runs in
        time.sleep(max(0.0, mine[1]["sec"] + 1.05 - time.time()))
        out = subprocess.run(["last", "-f", path, "-w", "-i"], capture_output=True, text=True,
                             timeout=10).stdout
        assert any(l.split()[:3] == ["alice", "ftp", "127.0.0.1"] for l in out.splitlines()), out
        assert "still" not in out, out   # each login matched its logout (last shows the line as "ftp")


def test_rein_and_failed_logins(ftpenv):
    """A failed login writes nothing; REIN ends the first login, the second gets its own pair."""
    path = empty_wtmp(ftpenv)
    srv = ftpenv.inetd()
    c = ftpenv.connect(srv)
    pid = srv.pid_for(c)
    assert c.login("alice", "wrong").code == 530
    c.login_ok("alice")
    assert c.cmd("REIN").code == 220
    c.login_ok("bob")
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    recs = records(path)
    assert [(r["type"], r["user"], r["line"]) for r in recs] == [
        (USER_PROCESS, "alice", "ftp%d" % pid), (DEAD_PROCESS, "", "ftp%d" % pid),
        (USER_PROCESS, "bob", "ftp%d" % pid), (DEAD_PROCESS, "", "ftp%d" % pid)], recs


def test_wtmp_enable_no(ftpenv):
    """wtmp_enable no: a whole session leaves the file untouched."""
    path = empty_wtmp(ftpenv)
    srv = ftpenv.inetd(wtmp_enable=False)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    assert os.path.getsize(path) == 0
