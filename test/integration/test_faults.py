"""Faults: a full disk, an unwritable directory, a file that changes under RETR, a reset
or TLS-broken data connection, a killed client, a failing PAM stack, and a session process
that dies.  Each gives the right reply where one is possible, logs why, leaves existing
files intact, and leaves no process behind.

ABOR, data stalls, a client that drops its connections mid-transfer, a failed control
handshake and an upload without close_notify are tested in test_data_abort.py,
test_session.py and test_tls.py.
"""

import ftplib
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from ftpdtest import (HELLO, NOBODY_UID, TIMEOUT, USERS, descendants, describe_procs,
                      free_port_block, is_tls_process, proc_status, recv_all, wait_for)
from test_data_abort import read
from test_tls import certs, tls_client, tls_opts  # noqa: F401  (certs is a fixture)

OLD = b"precious old content\n" * 3000          # 63000 bytes that must survive
BIG = bytes(range(256)) * 4096                  # 1 MiB to upload
FIRST = 200000                                  # bytes sent before the fault
ALICE = USERS["alice"]
TEMP_PREFIX = ".ftpd-upload."


# --------------------------------------------------------------------------
# the checks: reply (inline), log, files, processes

def expect_log(ftpenv, pattern):
    """Wait for a syslog line of this test matching the regex PATTERN; return it.

    Without a syslog capture (a syslog daemon owns /dev/log) this check is left out."""
    if not (ftpenv.syslog and ftpenv.syslog.active):
        return None
    rx = re.compile(pattern)
    hit = wait_for(lambda: [l for l in ftpenv.syslog_lines() if rx.search(l)], TIMEOUT)
    assert hit, "no syslog line matching %r; the last ones:\n%s" % (
        pattern, "\n".join(ftpenv.syslog_lines()[-25:]))
    return hit[0]


def home(ftpenv, *parts):
    return ftpenv.home("alice", *parts)


def temp_files(d):
    return [n for n in os.listdir(d) if n.startswith(TEMP_PREFIX)]


def assert_no_temp(d):
    """No upload temporary file in D (its remover may still be on its way out)."""
    wait_for(lambda: not temp_files(d), TIMEOUT)
    assert temp_files(d) == [], "temporary upload files left in %s" % d


def assert_idle_session(ftpenv):
    """The session is back to its monitor, TLS, control and user process: no transfer
    process."""
    ok = wait_for(lambda: len(ftpenv.session_pids()) == 4, TIMEOUT)
    assert ok, "session processes:\n" + describe_procs(ftpenv.session_pids())


def assert_gone(ftpenv):
    left = ftpenv.wait_session_gone()
    assert left == [], "processes left behind:\n" + describe_procs(left)


def quit_and_check(c, ftpenv):
    """The session still answers; QUIT ends it with no process left."""
    assert c.cmd("NOOP").code == 200
    assert c.cmd("QUIT").code == 221
    c.close()
    assert_gone(ftpenv)


# --------------------------------------------------------------------------
# transfers that are cut short

def upload(c, command, data, rest=None):
    """COMMAND (STOR, APPE, STOU) with DATA, sent as far as the server takes it.
    Returns (preliminary reply, final reply or None)."""
    c.set_type("I")
    dc = c.data_setup("pasv")
    try:
        conn = dc.connect()
        if rest is not None:
            c.expect("REST %d" % rest, 350)
        c.send_line(command)
        pre = c.reply()
        if pre.code >= 200:
            return pre, None
        try:
            conn.sendall(data)
        except OSError:
            pass                    # the server gave up and reset the connection
    finally:
        dc.close()
    return pre, c.reply(timeout=3 * TIMEOUT)


def started_stor(c, ftpenv, name="keep.bin"):
    """Start STOR NAME and send FIRST bytes; returns the DataConn once the server has
    written some of them to its temporary file."""
    c.set_type("I")
    dc = c.data_setup("pasv")
    dc.connect()
    c.send_line("STOR " + name)
    assert c.reply().code == 150
    dc.sock.sendall(BIG[:FIRST])
    d = home(ftpenv, os.path.dirname(name))
    assert wait_for(lambda: any(os.path.getsize(os.path.join(d, n)) > 0
                                for n in temp_files(d)), TIMEOUT), os.listdir(d)
    return dc


def stalled_retr(c, name, type_="I"):
    """Start RETR NAME and read only its first bytes, so that the transfer stalls with
    the socket buffers full; returns (DataConn, first bytes)."""
    c.set_type(type_)
    dc = c.data_setup("pasv")
    data = dc.connect()
    c.send_line("RETR " + name)
    pre = c.reply()
    assert pre.code in (125, 150), pre
    first = data.recv(4096)
    assert first
    return dc, first


def big_file(ftpenv, name="big.bin", size=64 << 20, content=False):
    """A SIZE-byte file of alice's: sparse, or a repeating 0..255 pattern if CONTENT."""
    path = ftpenv.user_file("alice", name, b"")
    if content:
        with open(path, "wb") as f:
            for _ in range(size // len(BIG)):
                f.write(BIG)
    else:
        os.truncate(path, size)
    return path


def reset(dc):
    """Close DataConn DC's socket with RST (SO_LINGER 0)."""
    dc.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    dc.close()


# --------------------------------------------------------------------------
# disk full: a small tmpfs inside alice's home

@pytest.fixture
def small_fs(ftpenv):
    """A 256 KiB tmpfs at ~alice/small, owned by alice, holding keep.bin (OLD)."""
    d = home(ftpenv, "small")
    os.mkdir(d)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,nr_inodes=64,mode=0755,"
                        "uid=%d,gid=%d" % (ALICE["uid"], ALICE["gid"]), "ftpdtest-full", d],
                       capture_output=True, text=True, timeout=20)
    if p.returncode != 0:
        pytest.skip("SKIPPED: cannot mount a small tmpfs for the disk-full tests (%s)"
                    % (p.stderr.strip() or "mount exit %d" % p.returncode))
    try:
        ftpenv.user_file("alice", "small/keep.bin", OLD)
        yield d
    finally:
        subprocess.run(["umount", "-l", d], capture_output=True, timeout=20)


def check_disk_full(ftpenv, d, replies, kept):
    """After a full disk cut short each upload of REPLIES ((file, final reply text) pairs):
    452 naming the cause, a log line, nothing half-written, the old bytes KEPT intact."""
    for name, text in replies:
        assert text.startswith("452 ") and "No space left on device" in text, replies
        expect_log(ftpenv, re.escape(name) + r" failed after \d+ bytes: 452 .*No space left")
    assert not os.path.exists(os.path.join(d, "new.bin"))
    got = read(os.path.join(d, "keep.bin"))
    assert got[:kept] == OLD[:kept]
    assert got[kept:] == BIG[:len(got) - kept]      # APPE and REST may only add BIG's start
    assert_no_temp(d)
    assert_idle_session(ftpenv)


def test_disk_full_stor(ftpenv, small_fs):
    """Disk full during STOR, STOR of a new file, APPE and REST+STOR (PROT C): 452 saying
    so, logged; STOR leaves the old file byte-exact and no temporary file; APPE and REST
    keep what came before their offset; the session goes on and ends cleanly."""
    c = ftpenv.connect(ftpenv.inetd())
    c.login_ok("alice")
    replies = []
    for name in ("small/keep.bin", "small/new.bin"):
        pre, final = upload(c, "STOR " + name, BIG)
        assert pre.code == 150, pre
        replies.append((name, final.text))
        assert read(os.path.join(small_fs, "keep.bin")) == OLD
    _, final = upload(c, "APPE small/keep.bin", BIG)
    check_disk_full(ftpenv, small_fs, replies + [("small/keep.bin", final.text)], len(OLD))
    _, final = upload(c, "STOR small/keep.bin", BIG, rest=1000)
    check_disk_full(ftpenv, small_fs, [("small/keep.bin", final.text)], 1000)
    quit_and_check(c, ftpenv)


def tls_upload(f, command, data):
    """COMMAND with DATA over the PROT P ftplib connection F; the final reply's text."""
    conn, _ = f.ntransfercmd(command)
    try:
        conn.sendall(data)
        conn.unwrap()
    except (OSError, ValueError):
        pass                        # the server gave up and reset the connection
    conn.close()
    try:
        return f.voidresp()
    except ftplib.Error as e:
        return str(e)


def test_disk_full_stor_tls(ftpenv, small_fs, certs):  # noqa: F811
    """Disk full during STOR and APPE with PROT P: the same 452, nothing stored."""
    f = tls_client(ftpenv.inetd(**tls_opts(certs)))
    f.voidcmd("TYPE I")
    replies = [(name, tls_upload(f, "STOR " + name, BIG))
               for name in ("small/keep.bin", "small/new.bin")]
    assert read(os.path.join(small_fs, "keep.bin")) == OLD
    replies.append(("small/keep.bin", tls_upload(f, "APPE small/keep.bin", BIG)))
    check_disk_full(ftpenv, small_fs, replies, len(OLD))
    assert f.voidcmd("NOOP").startswith("200")
    f.quit()
    assert_gone(ftpenv)


# --------------------------------------------------------------------------
# a directory alice cannot write

def test_unwritable_directory(ftpenv):
    """STOR, APPE, STOU, MKD, RMD, DELE and RNTO in a directory alice cannot write: 550
    with the reason (logged at log_sessions 2), and the directory as it was."""
    srv = ftpenv.inetd(log_sessions=2)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    d = ftpenv.mkdir(home(ftpenv, "rodir"))
    ftpenv.mkdir(os.path.join(d, "sub"))
    ftpenv.write(os.path.join(d, "theirs.txt"), OLD)
    before = sorted(os.listdir(d))
    refusals = []
    for cmd in ("STOR rodir/new.txt", "STOR rodir/theirs.txt", "APPE rodir/theirs.txt",
                "STOU rodir/u"):
        pre, final = upload(c, cmd, b"attempt\n")
        assert final is None, (cmd, pre, final)
        refusals.append((cmd, pre))
    for cmd in ("MKD rodir/newdir", "RMD rodir/sub", "DELE rodir/theirs.txt"):
        refusals.append((cmd, c.cmd(cmd)))
    for src, dst in (("hello.txt", "rodir/hello.txt"), ("rodir/theirs.txt", "mine.txt")):
        c.expect("RNFR " + src, 350)
        refusals.append(("RNTO " + dst, c.cmd("RNTO " + dst)))
    for cmd, r in refusals:
        assert r.code == 550 and r.text.endswith(": Permission denied."), (cmd, r)
    expect_log(ftpenv, r"<- 550 .*Permission denied")
    assert sorted(os.listdir(d)) == before
    assert read(os.path.join(d, "theirs.txt")) == OLD
    assert read(home(ftpenv, "hello.txt")) == HELLO
    assert_idle_session(ftpenv)
    quit_and_check(c, ftpenv)


# --------------------------------------------------------------------------
# the file changes under a RETR

@pytest.mark.parametrize("type_", ["I", "A"])
def test_file_deleted_during_retr(ftpenv, alice, type_):
    """A file deleted during its RETR is sent whole from the open descriptor: 226."""
    size = 32 << 20
    path = big_file(ftpenv, size=size, content=True)
    dc, first = stalled_retr(alice, "big.bin", type_)
    os.unlink(path)
    got = first + recv_all(dc.sock, 3 * TIMEOUT)
    dc.close()
    r = alice.reply(timeout=3 * TIMEOUT)
    assert r.code == 226, r
    want = BIG * (size // len(BIG))
    if type_ == "A":
        want = want.replace(b"\n", b"\r\n")
    assert got == want
    assert_idle_session(ftpenv)
    quit_and_check(alice, ftpenv)


@pytest.mark.parametrize("type_", ["I", "A"])
def test_file_truncated_during_retr(ftpenv, alice, type_):
    """A file truncated during its RETR (sendfile, or read() in TYPE A) ends the transfer
    at once and without a crash: 451 saying the file shrank, not 226; logged."""
    size = 64 << 20
    path = big_file(ftpenv, size=size)
    dc, first = stalled_retr(alice, "big.bin", type_)
    os.truncate(path, 1 << 20)
    got = len(first) + len(recv_all(dc.sock, 3 * TIMEOUT))
    dc.close()
    r = alice.reply(timeout=3 * TIMEOUT)
    assert r.code == 451 and "shrank" in r.text, r
    assert got < size
    expect_log(ftpenv, r"big\.bin failed after \d+ bytes: 451 File shrank")
    assert_idle_session(ftpenv)
    quit_and_check(alice, ftpenv)


def test_file_truncated_during_retr_tls(ftpenv, certs):  # noqa: F811
    """The same with PROT P (SSL_sendfile over kernel TLS where there is one, else the
    TLS record layer): 451, and no close_notify that would make the short file look whole."""
    path = big_file(ftpenv)
    f = tls_client(ftpenv.inetd(**tls_opts(certs)))
    f.voidcmd("TYPE I")
    conn, _ = f.ntransfercmd("RETR big.bin")
    got = len(conn.recv(4096))
    os.truncate(path, 1 << 20)
    conn.settimeout(3 * TIMEOUT)
    while True:
        chunk = conn.recv(1 << 20)      # a missing close_notify reads as b"" here
        if not chunk:
            break
        got += len(chunk)
    conn.close()
    with pytest.raises(ftplib.error_temp) as e:
        f.voidresp()
    assert str(e.value).startswith("451 ") and "shrank" in str(e.value), e.value
    assert got < 64 << 20
    expect_log(ftpenv, r"big\.bin failed after \d+ bytes: 451 File shrank")
    assert f.voidcmd("NOOP").startswith("200")
    f.quit()
    assert_gone(ftpenv)


# --------------------------------------------------------------------------
# the data connection is reset

def test_data_reset_during_retr(ftpenv, alice):
    """The client resets the data connection during a RETR: 426, logged, session goes on."""
    big_file(ftpenv)
    dc, _ = stalled_retr(alice, "big.bin")
    reset(dc)
    r = alice.reply(timeout=3 * TIMEOUT)
    assert r.code == 426, r
    expect_log(ftpenv, r"big\.bin failed after \d+ bytes: 426 ")
    assert_idle_session(ftpenv)
    quit_and_check(alice, ftpenv)


def test_data_reset_during_stor(ftpenv, alice):
    """The client resets the data connection during a STOR over an existing file: 426 (or
    451), logged, the old file byte-exact, no temporary file, the session goes on."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    reset(started_stor(alice, ftpenv))
    r = alice.reply(timeout=3 * TIMEOUT)
    assert r.code in (426, 451), r
    expect_log(ftpenv, r"keep\.bin failed after \d+ bytes: (426|451) ")
    assert read(path) == OLD
    assert_no_temp(home(ftpenv))
    assert_idle_session(ftpenv)
    quit_and_check(alice, ftpenv)


# --------------------------------------------------------------------------
# a TLS alert, or a record that is not TLS, in the middle of a protected transfer

FATAL_ALERT = b"\x15\x03\x03\x00\x02\x02\x28"          # alert: fatal, handshake_failure
GARBAGE = b"\x17\x03\x03\x00\x40" + bytes(range(64))   # application data that is junk


def after_tls_fault(ftpenv, f, name):
    """The transfer of NAME on F failed with 426/451 (not 226), said so in the log, and the
    control connection still works."""
    with pytest.raises(ftplib.error_temp) as e:
        f.voidresp()
    assert str(e.value)[:4] in ("426 ", "451 "), e.value
    expect_log(ftpenv, re.escape(name) + r" failed after \d+ bytes: (426|451) ")
    assert f.voidcmd("NOOP").startswith("200")
    out = []
    f.retrbinary("RETR hello.txt", out.append)
    assert b"".join(out) == HELLO
    f.quit()
    assert_gone(ftpenv)


@pytest.mark.parametrize("junk", [FATAL_ALERT, GARBAGE], ids=["alert", "garbage"])
def test_tls_fault_during_stor(ftpenv, certs, junk):  # noqa: F811
    """A fatal alert (or a bogus record) in the middle of a PROT P STOR: 426, nothing
    stored over the old file, no temporary file, logged; the session goes on."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    f = tls_client(ftpenv.inetd(**tls_opts(certs)))
    f.voidcmd("TYPE I")
    conn, _ = f.ntransfercmd("STOR keep.bin")
    conn.sendall(BIG[:FIRST])
    os.write(conn.fileno(), junk)               # under the TLS layer
    try:
        after_tls_fault(ftpenv, f, "keep.bin")
    finally:
        conn.close()
    assert read(path) == OLD
    assert_no_temp(home(ftpenv))


@pytest.mark.parametrize("junk", [FATAL_ALERT, GARBAGE], ids=["alert", "garbage"])
def test_tls_fault_during_retr(ftpenv, certs, junk):  # noqa: F811
    """A fatal alert (or a bogus record) in the middle of a PROT P RETR, after which the
    client closes: 426, logged; the session goes on."""
    big_file(ftpenv)
    f = tls_client(ftpenv.inetd(**tls_opts(certs)))
    f.voidcmd("TYPE I")
    conn, _ = f.ntransfercmd("RETR big.bin")
    assert conn.recv(4096)
    os.write(conn.fileno(), junk)
    conn.close()
    after_tls_fault(ftpenv, f, "big.bin")


# --------------------------------------------------------------------------
# the client process is killed (SIGKILL) mid-transfer

KILLED_CLIENT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from ftpclient import ReuseFTP_TLS, tls_context
port, cmd, prot, pw = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
f = ReuseFTP_TLS(context=tls_context(), timeout=30)
f.connect("127.0.0.1", port)
if prot == "P":
    f.login("alice", pw)
    f.prot_p()
else:
    f.login("alice", pw, secure=False)
f.voidcmd("TYPE I")
conn, _ = f.ntransfercmd(cmd)
print("started", flush=True)
while True:
    if cmd.startswith("STOR"):
        conn.sendall(b"k" * 65536)
    else:
        conn.recv(65536)
        time.sleep(0.01)
"""


def kill_client_mid_transfer(ftpenv, srv, cmd, prot):
    """Run a client process that starts CMD and keeps transferring; SIGKILL it once the
    transfer is under way."""
    here = os.path.dirname(os.path.abspath(__file__))
    p = subprocess.Popen([sys.executable, "-c", KILLED_CLIENT, here, str(srv.port), cmd, prot,
                          ALICE["pw"]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline()
        assert line == b"started\n", (line, p.stderr.read() if p.poll() is not None else "")
        d = home(ftpenv)
        if cmd.startswith("STOR"):
            assert wait_for(lambda: any(os.path.getsize(os.path.join(d, n)) > FIRST
                                        for n in temp_files(d)), TIMEOUT), os.listdir(d)
        else:
            time.sleep(0.3)     # the client reads for a while (nothing to wait for)
    finally:
        p.kill()
        p.wait(TIMEOUT)


@pytest.mark.parametrize("cmd", ["STOR keep.bin", "STOR new.bin", "RETR big.bin"])
def test_client_killed_tls(ftpenv, certs, cmd):  # noqa: F811
    """A PROT P client killed mid-upload or mid-download: no process left, nothing stored
    (there was no close_notify), the old file intact, the stopped transfer logged."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    big_file(ftpenv)
    kill_client_mid_transfer(ftpenv, ftpenv.inetd(**tls_opts(certs)), cmd, "P")
    assert_gone(ftpenv)
    expect_log(ftpenv, re.escape(cmd.split()[1]) + r" (failed|stopped) after \d+ bytes")
    assert read(path) == OLD
    assert not os.path.exists(home(ftpenv, "new.bin"))
    assert_no_temp(home(ftpenv))


@pytest.mark.parametrize("cmd", ["STOR keep.bin", "RETR big.bin"])
def test_client_killed_clear(ftpenv, cmd):
    """A PROT C client killed mid-transfer: no process left, no temporary file, and the old
    file either intact or replaced whole by what arrived (in clear, the end of the data
    connection is the end of the file: a killed client looks like a finished upload)."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    big_file(ftpenv)
    kill_client_mid_transfer(ftpenv, ftpenv.inetd(), cmd, "C")
    assert_gone(ftpenv)
    got = read(path)
    assert got == OLD or got == b"k" * len(got), got[:100]
    assert_no_temp(home(ftpenv))


# --------------------------------------------------------------------------
# PAM failures

def matrix(ftpenv, kind, passdb=None):
    return "%s\trequired\t%s passdb=%s" % (kind, ftpenv.pam_matrix,
                                           passdb or ftpenv.path("passdb"))


def missing_module(ftpenv, kind):
    return "%s\trequired\t%s" % (kind, ftpenv.path("no-such-pam-module.so"))


# name -> (PAM service lines, what the log says)
PAM_BROKEN = {
    "auth-module-missing": (
        lambda e: [missing_module(e, "auth")] + [matrix(e, k) for k in ("account", "session")],
        r"failed login for alice from 127\.0\.0\.1: \w"),
    "passdb-missing": (
        lambda e: [matrix(e, k, e.path("no-such-passdb")) for k in ("auth", "account",
                                                                     "session")],
        r"failed login for alice from 127\.0\.0\.1: \w"),
    "session-module-missing": (
        lambda e: [matrix(e, k) for k in ("auth", "account")] + [missing_module(e, "session")],
        r"login of alice: pam_open_session: \w"),
}


@pytest.mark.parametrize("kind", sorted(PAM_BROKEN))
def test_pam_failure(ftpenv, kind):
    """A broken PAM stack: 530, the reason in syslog, no crash; the client may try again
    until login_attempts, then the server closes, and no process is left."""
    lines, logged = PAM_BROKEN[kind]
    srv = ftpenv.inetd(login_attempts=2)
    ftpenv.write(ftpenv.path("pam", "ftp"), "".join(l + "\n" for l in lines(ftpenv)))
    c = ftpenv.connect(srv)
    assert c.login("alice").code == 530
    expect_log(ftpenv, logged)
    assert c.cmd("NOOP").code == 200
    assert c.login("alice").code in (421, 530)
    assert c.wait_closed() == []
    assert_gone(ftpenv)


# --------------------------------------------------------------------------
# a process of the session dies

def session_roles(srv, c):
    """{'monitor', 'tls', 'control', 'user', 'transfer'} -> pid (None if not there)."""
    mon = srv.pid_for(c)
    roles = {"monitor": mon, "tls": None, "control": None, "user": None, "transfer": None}
    for p in descendants(mon):
        st = proc_status(p)
        if not st:
            continue
        if st["PPid"] == mon and st["Uid"][0] == NOBODY_UID:
            roles["tls" if is_tls_process(p) else "control"] = p
        elif st["PPid"] == mon:
            roles["user"] = p
        else:
            roles["transfer"] = p
    return roles


def wait_roles(srv, c, *need):
    roles = wait_for(lambda: (lambda r: r if all(r[k] for k in need) else None)(
        session_roles(srv, c)), TIMEOUT)
    assert roles, "session processes not found: %s" % session_roles(srv, c)
    return roles


def logged_in(ftpenv):
    srv = ftpenv.inetd()
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    return srv, c


def test_user_process_killed(ftpenv):
    """The user process of an idle session is killed: the client gets 421, the monitor
    logs it and ends, no process is left."""
    srv, c = logged_in(ftpenv)
    os.kill(wait_roles(srv, c, "control", "user")["user"], signal.SIGKILL)
    assert [r.code for r in c.wait_closed()] == [421]
    expect_log(ftpenv, r"user process \d+ killed by signal 9")
    assert_gone(ftpenv)


def test_user_process_killed_mid_stor(ftpenv):
    """The user process is killed during a STOR: 421, the transfer process goes too and
    removes its temporary file, the old file is intact."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    srv, c = logged_in(ftpenv)
    dc = started_stor(c, ftpenv)
    os.kill(wait_roles(srv, c, "control", "user", "transfer")["user"], signal.SIGKILL)
    try:
        assert [r.code for r in c.wait_closed()] == [421]
    finally:
        dc.close()
    expect_log(ftpenv, r"user process \d+ killed by signal 9")
    assert_gone(ftpenv)
    assert read(path) == OLD
    assert_no_temp(home(ftpenv))


def test_tls_process_killed(ftpenv):
    """The TLS process (the owner of the client connection) is killed during a RETR: the
    connection closes, the control process ends with its channel, the monitor logs it and
    ends, the user and transfer processes go too."""
    big_file(ftpenv)
    srv, c = logged_in(ftpenv)
    dc, _ = stalled_retr(c, "big.bin")
    os.kill(wait_roles(srv, c, "tls", "control", "user", "transfer")["tls"], signal.SIGKILL)
    try:
        assert c.wait_closed() == []
    finally:
        dc.close()
    expect_log(ftpenv, r"TLS process \d+ killed by signal 9")
    assert_gone(ftpenv)


def test_control_process_killed(ftpenv):
    """The control process is killed during a RETR: the connection closes (nobody is left
    to send 421), the monitor logs it and ends, the user and transfer processes go too."""
    big_file(ftpenv)
    srv, c = logged_in(ftpenv)
    dc, _ = stalled_retr(c, "big.bin")
    os.kill(wait_roles(srv, c, "control", "user", "transfer")["control"], signal.SIGKILL)
    try:
        assert c.wait_closed() == []
    finally:
        dc.close()
    expect_log(ftpenv, r"control process \d+ killed by signal 9")
    expect_log(ftpenv, r"big\.bin (stopped|failed) after \d+ bytes")
    assert_gone(ftpenv)


@pytest.mark.parametrize("cmd", ["RETR big.bin", "STOR keep.bin"])
def test_transfer_process_killed(ftpenv, cmd):
    """The transfer process is killed: 451 saying so, logged, the old file intact, no
    temporary file, and the session goes on."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    big_file(ftpenv)
    srv, c = logged_in(ftpenv)
    dc = stalled_retr(c, "big.bin")[0] if cmd.startswith("RETR") else started_stor(c, ftpenv)
    os.kill(wait_roles(srv, c, "control", "user", "transfer")["transfer"], signal.SIGKILL)
    try:
        r = c.reply(timeout=TIMEOUT)
    finally:
        dc.close()
    assert r.code == 451 and "killed by signal 9" in r.text, r
    expect_log(ftpenv, re.escape(cmd.split()[1]) + r" failed after \d+ bytes: 451 .*signal 9")
    assert read(path) == OLD
    assert_no_temp(home(ftpenv))
    assert_idle_session(ftpenv)
    assert c.retr("hello.txt") == HELLO
    quit_and_check(c, ftpenv)


# --------------------------------------------------------------------------
# an upload's temporary file, from its creation to the transfer process

def test_stor_control_gone_before_150(ftpenv):
    """The control process dies while a STOR waits to be read: the user process creates
    the temporary file, cannot send its 150, and removes the file before it ends."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    srv, c = logged_in(ftpenv)
    assert c.cmd("PASV").code == 227
    roles = wait_roles(srv, c, "control", "user")
    os.kill(roles["user"], signal.SIGSTOP)
    try:
        c.send_line("STOR keep.bin")      # relayed, waiting in the stopped user process
        time.sleep(0.3)
        os.kill(roles["control"], signal.SIGKILL)
        wait_for(lambda: not proc_status(roles["control"]) or
                 proc_status(roles["control"]).get("State", "").startswith("Z"), TIMEOUT)
    finally:
        os.kill(roles["user"], signal.SIGCONT)
    assert_gone(ftpenv)
    assert read(path) == OLD
    assert_no_temp(home(ftpenv))


def test_stor_user_process_terminated(ftpenv):
    """SIGTERM (the monitor's) to the user process while a STOR waits for its data
    connection: the transfer process goes too and no temporary file is left."""
    path = ftpenv.user_file("alice", "keep.bin", OLD)
    srv, c = logged_in(ftpenv)
    assert c.cmd("PASV").code == 227
    c.send_line("STOR keep.bin")
    assert c.reply().code == 150
    roles = wait_roles(srv, c, "control", "user", "transfer")
    assert len(temp_files(home(ftpenv))) == 1
    os.kill(roles["user"], signal.SIGTERM)
    c.wait_closed()
    assert_gone(ftpenv)
    assert read(path) == OLD
    assert_no_temp(home(ftpenv))


def test_stor_after_refused_pasv_leaves_no_temp(ftpenv):
    """With every passive port taken, PASV gets 425 and a STOR after it 425 too: no
    temporary file is ever made, and the next PASV works once a port is free."""
    port = free_port_block(1)
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hog.bind(("127.0.0.1", port))
    hog.listen(1)
    srv = ftpenv.inetd(pasv_min_port=port, pasv_max_port=port)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    try:
        r = c.cmd("PASV")
        assert r.code == 425 and "passive port" in r.text, r
        assert c.cmd("STOR new.bin").code == 425
        assert_no_temp(home(ftpenv))
    finally:
        hog.close()
    assert c.stor("new.bin", b"now\n").ok
    assert read(home(ftpenv, "new.bin")) == b"now\n"
    quit_and_check(c, ftpenv)

