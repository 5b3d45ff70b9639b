"""The control channel during transfers (ABOR, STAT), data timeouts, and upload safety."""

import os
import socket
import time

from ftpdtest import HELLO, recv_all


def read(path):
    with open(path, "rb") as f:
        return f.read()


def start_stalled_retr(c, ftpenv, size=256 << 20):
    """Begin a RETR of a big sparse file and stop reading, so the transfer stalls once the
    socket buffers are full; returns the DataConn (.first = bytes read so far)."""
    path = ftpenv.user_file("alice", "big.bin", b"")
    os.truncate(path, size)
    c.set_type("I")
    dc = c.data_setup("pasv")
    data = dc.connect()
    c.send_line("RETR big.bin")
    r = c.reply()
    assert r.code in (125, 150), r
    first = data.recv(4096)
    assert first
    dc.first = len(first)
    time.sleep(0.2)
    return dc


def send_abor(c):
    """Telnet IP and DM in band, then ABOR: the form that works with and without TLS."""
    c.send(b"\xff\xf4\xff\xf2ABOR\r\n")


def test_abor_during_retr(alice, ftpenv):
    """ABOR during a big RETR gives 426 then 226, and the session goes on."""
    dc = start_stalled_retr(alice, ftpenv)
    try:
        send_abor(alice)
        r1 = alice.reply(timeout=10)
        assert r1.code == 426, r1
        r2 = alice.reply(timeout=10)
        assert r2.code == 226, r2
    finally:
        dc.close()
    assert alice.cmd("NOOP").code == 200
    assert alice.retr("hello.txt") == HELLO


def test_abor_plain_during_retr(alice, ftpenv):
    """A plain ABOR line (no Telnet IP/DM) during a RETR also aborts it."""
    dc = start_stalled_retr(alice, ftpenv)
    try:
        alice.send_line("ABOR")
        codes = [alice.reply(timeout=10).code, alice.reply(timeout=10).code]
        assert codes == [426, 226], codes
    finally:
        dc.close()
    assert alice.cmd("NOOP").code == 200


def test_abor_synch_during_retr(alice, ftpenv):
    """ABOR preceded by a Telnet Synch (DM sent urgent) during a RETR: 426 then 226."""
    dc = start_stalled_retr(alice, ftpenv)
    try:
        alice.send(b"\xff\xf4\xff")
        alice.sock.send(b"\xf2", socket.MSG_OOB)
        alice.send(b"ABOR\r\n")
        codes = [alice.reply(timeout=10).code, alice.reply(timeout=10).code]
        assert codes == [426, 226], codes
    finally:
        dc.close()
    assert alice.cmd("NOOP").code == 200


def test_stat_during_transfer(alice, ftpenv):
    """STAT during a transfer is answered (211/213) and the transfer still completes."""
    size = 256 << 20
    dc = start_stalled_retr(alice, ftpenv, size)
    alice.send_line("STAT")
    r = alice.reply(timeout=10)
    assert r.code in (211, 213), r
    rest = recv_all(dc.sock, 20)
    dc.close()
    assert len(rest) + dc.first == size
    r = alice.reply(timeout=30)
    assert r.code == 226, r


def test_noop_during_transfer(alice, ftpenv):
    """NOOP during a transfer is answered or queued until after 226, never lost."""
    dc = start_stalled_retr(alice, ftpenv, 256 << 20)
    alice.send_line("NOOP")
    recv_all(dc.sock, 20)
    dc.close()
    codes = sorted([alice.reply(timeout=30).code, alice.reply(timeout=30).code])
    assert codes == [200, 226], codes


def test_data_connection_never_opened(ftpenv):
    """PASV + RETR with no data connection gives 425 after data_timeout."""
    srv = ftpenv.inetd(data_timeout=5)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.pasv()
    t0 = time.monotonic()
    c.send_line("RETR hello.txt")
    r = c.reply(timeout=20)
    if r.code in (125, 150):
        r = c.reply(timeout=20)
    assert r.code == 425, r
    assert 3 <= time.monotonic() - t0 <= 15
    assert c.cmd("NOOP").code == 200


def test_data_stall_times_out(ftpenv):
    """A data connection that stalls for data_timeout seconds is given up (426/451/425)."""
    srv = ftpenv.inetd(data_timeout=5)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    dc = start_stalled_retr(c, ftpenv)
    try:
        r = c.reply(timeout=25)
        assert r.code in (421, 425, 426, 451), r
    finally:
        dc.close()


def stor_partial(c, name, first):
    """Start STOR NAME, send FIRST, then ABOR it; returns the reply codes."""
    c.set_type("I")
    dc = c.data_setup("pasv")
    data = dc.connect()
    c.send_line("STOR " + name)
    r = c.reply()
    assert r.code in (125, 150), r
    data.sendall(first)
    time.sleep(0.3)
    send_abor(c)
    codes = [c.reply(timeout=10).code]
    if codes[0] != 226:
        codes.append(c.reply(timeout=10).code)
    dc.close()
    return codes


def test_aborted_stor_keeps_old_file(alice, ftpenv):
    """A STOR aborted with ABOR leaves the file it would have replaced intact."""
    old = b"precious old content\n" * 100
    path = ftpenv.user_file("alice", "keep.txt", old)
    codes = stor_partial(alice, "keep.txt", b"N" * 100000)
    assert codes[-1] == 226 and (len(codes) == 1 or codes[0] == 426), codes
    assert read(path) == old
    assert alice.cmd("NOOP").code == 200


def test_failed_stor_keeps_old_file(alice, ftpenv):
    """STOR over a file alice may not write is refused and the file is untouched."""
    path = ftpenv.write(ftpenv.home("alice", "ro.txt"), b"root's file\n")
    x = alice.xfer("STOR ro.txt", upload=b"overwrite attempt\n")
    assert x.pre.code in (550, 553), x
    assert read(path) == b"root's file\n"
    st = os.stat(path)
    assert st.st_uid == 0


def test_aborted_stor_leaves_no_temp_files(alice, ftpenv):
    """An aborted upload leaves no stray temporary file next to the target."""
    ftpenv.user_file("alice", "keep.txt", b"old\n")
    before = set(os.listdir(ftpenv.home("alice")))
    stor_partial(alice, "keep.txt", b"N" * 100000)
    time.sleep(0.5)
    assert set(os.listdir(ftpenv.home("alice"))) == before


def test_xferlog_records_aborted_transfer(ftpenv):
    """An ABORted transfer gets an xferlog line with completion status i (incomplete)."""
    srv = ftpenv.inetd(xferlog_enable=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    dc = start_stalled_retr(c, ftpenv)
    try:
        send_abor(c)
        assert [c.reply(timeout=10).code, c.reply(timeout=10).code] == [426, 226]
    finally:
        dc.close()
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    with open(ftpenv.path("xferlog")) as f:
        last = f.read().splitlines()[-1].split()
    assert last[8].endswith("big.bin") and last[-1] == "i", last
