"""Bandwidth limits (local_max_rate, anon_max_rate): each data transfer keeps to its
rate within 10% over at least 10 seconds, both directions, PROT C and PROT P, and the
transfer process sleeps rather than spins."""

import ftplib
import io
import os
import re
import time

import pytest

from ftpclient import ReuseFTP_TLS, tls_context
from ftpdtest import SLOW, USERS, descendants, proc_status
from test_data_abort import send_abor
from test_tls import certs, tls_opts  # noqa: F401  (certs is a fixture)

RATE = 1000000                  # bytes per second
SIZE = 10 * RATE                # ten seconds' worth
BLOB = os.urandom(SIZE)
TICK = os.sysconf("SC_CLK_TCK")


def login(srv, prot):
    f = ReuseFTP_TLS(context=tls_context(), timeout=30 * SLOW)
    f.connect(srv.host, srv.port)
    f.login("alice", USERS["alice"]["pw"])
    if prot == "P":
        f.prot_p()
    else:
        f.voidcmd("PBSZ 0")
        f.prot_c()
    return f


def user_pid(srv, f, uid):
    mon = srv.pid_for(f.sock)
    found = [p for p in descendants(mon) if proc_status(p).get("Uid") == [uid] * 4 and
             proc_status(p).get("PPid") == mon]
    assert len(found) == 1, found
    return found[0]


def child_cpu(pid):
    """Seconds of CPU the reaped children (the transfer processes) of PID used."""
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / TICK    # cutime, cstime


def timed_retr(f, name):
    got = []
    start = time.monotonic()
    f.retrbinary("RETR " + name, got.append, blocksize=65536)
    return time.monotonic() - start, b"".join(got)


def timed_stor(f, name, data):
    start = time.monotonic()
    f.storbinary("STOR " + name, io.BytesIO(data), blocksize=65536)
    return time.monotonic() - start


@pytest.mark.parametrize("prot", ["C", "P"])
def test_local_rate_both_ways(ftpenv, certs, prot):
    """local_max_rate 1 MB/s: a 10 MB download (sendfile or kernel TLS where they
    apply) and a 10 MB upload each take 10 s within 10%, and the transfer processes
    use a small part of that in CPU."""
    srv = ftpenv.inetd(**tls_opts(certs, local_max_rate=RATE))
    ftpenv.user_file("alice", "big.bin", BLOB)
    f = login(srv, prot)
    upid = user_pid(srv, f, USERS["alice"]["uid"])
    secs, got = timed_retr(f, "big.bin")
    assert got == BLOB
    print("PROT %s download: %.3f s, %.0f B/s" % (prot, secs, SIZE / secs))
    assert 0.9 * SIZE / RATE <= secs <= 1.1 * SIZE / RATE, \
        "download at %.0f B/s (%.2f s)" % (SIZE / secs, secs)
    secs = timed_stor(f, "up.bin", BLOB)
    with open(ftpenv.home("alice", "up.bin"), "rb") as fh:
        assert fh.read() == BLOB
    print("PROT %s upload: %.3f s, %.0f B/s" % (prot, secs, SIZE / secs))
    assert 0.9 * SIZE / RATE <= secs <= 1.1 * SIZE / RATE, \
        "upload at %.0f B/s (%.2f s)" % (SIZE / secs, secs)
    cpu = child_cpu(upid)
    print("PROT %s transfer processes: %.2f s CPU" % (prot, cpu))
    assert cpu < 2.0 * SLOW, "transfer processes used %.2f s of CPU in 20 s" % cpu
    f.quit()


def test_anon_rate_not_local(ftpenv, certs):
    """anon_max_rate limits anonymous transfers only: with anon_max_rate 1 MB/s and no
    local_max_rate, an anonymous 3 MB download takes 3 s within 10%, alice's is not
    slowed."""
    ftpenv.write(ftpenv.anon("pub", "three.bin"), BLOB[:3 * RATE])
    ftpenv.user_file("alice", "three.bin", BLOB[:3 * RATE])
    srv = ftpenv.inetd(**tls_opts(certs, anon_max_rate=RATE))
    a = ftplib.FTP(timeout=30 * SLOW)
    a.connect(srv.host, srv.port)
    a.login("anonymous", "guest@")
    secs, got = timed_retr(a, "pub/three.bin")
    assert got == BLOB[:3 * RATE]
    print("anonymous download: %.3f s" % secs)
    assert 2.7 <= secs <= 3.3, "anonymous download at %.0f B/s" % (3 * RATE / secs)
    a.quit()
    f = login(srv, "C")
    secs, got = timed_retr(f, "three.bin")
    assert got == BLOB[:3 * RATE]
    assert secs < 1.5, "local download slowed to %.2f s" % secs
    f.quit()


def test_control_answers_during_limited_transfer(ftpenv):
    """A transfer asleep under its limit (100 kB/s) leaves the control connection
    responsive: STAT reports progress near the rate, ABOR ends it at once (426, 226),
    and the partial upload is not stored."""
    srv = ftpenv.inetd(local_max_rate=100000)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.set_type("I")
    dc = c.data_setup("pasv")
    data = dc.connect()
    c.send_line("STOR slow.bin")
    assert c.reply().code in (125, 150)
    data.settimeout(10)
    start = time.monotonic()
    stop = start + 2.0
    while time.monotonic() < stop:
        data.sendall(b"x" * 8192)
        time.sleep(0.01)
    r = c.cmd("STAT")
    m = [int(x) for x in re.findall(r"(\d+) (?:of \d+ )?bytes", r.text)]
    assert m and 150000 <= m[0] <= 300000, r
    t = time.monotonic()
    send_abor(c)
    codes = [c.reply(timeout=5).code, c.reply(timeout=5).code]
    assert codes == [426, 226], codes
    assert time.monotonic() - t < 1.0
    data.close()
    assert c.cmd("NOOP").code == 200
    assert not os.path.exists(ftpenv.home("alice", "slow.bin"))
