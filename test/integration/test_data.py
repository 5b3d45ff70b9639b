"""Data transfers: PASV/EPSV/PORT/EPRT, binary and ASCII, REST, STOU, APPE, big offsets."""

import hashlib
import os
import re

import pytest

from ftpdtest import HELLO, free_port_block, proc_status

ALL_BYTES = bytes(range(256)) * 4096          # 1 MiB holding every byte value


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_pasv_reply(alice):
    """PASV is 227 with h1,h2,h3,h4,p1,p2 naming the control address and a high port."""
    r = alice.cmd("PASV")
    assert r.code == 227, r
    m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", r.text)
    assert m, r
    n = [int(x) for x in m.groups()]
    assert n[:4] == [127, 0, 0, 1]
    assert n[4] * 256 + n[5] >= 1024


def test_epsv_reply(alice):
    """EPSV is 229 (|||port|)."""
    r = alice.cmd("EPSV")
    assert r.code == 229, r
    assert re.search(r"\(\|\|\|\d+\|\)", r.text), r


def test_epsv_bad_protocol(alice):
    """EPSV with an unknown network protocol is 522."""
    assert alice.cmd("EPSV 7").code == 522


def test_eprt_bad_protocol(alice):
    """EPRT with an unknown address family is 522; bad syntax is 501."""
    assert alice.cmd("EPRT |7|127.0.0.1|2000|").code == 522
    assert alice.cmd("EPRT garbage").code == 501


def test_port_syntax(alice):
    """PORT with a malformed argument is 501."""
    assert alice.cmd("PORT 1,2,3").code == 501
    assert alice.cmd("PORT 127,0,0,1,300,1").code == 501


@pytest.mark.parametrize("up,down", [("pasv", "port"), ("epsv", "eprt"), ("port", "pasv"),
                                     ("eprt", "epsv")])
def test_binary_round_trip(alice, ftpenv, up, down):
    """1 MiB of every byte value survives STOR and RETR byte for byte."""
    assert alice.cmd("TYPE I").code == 200
    alice.stor("bin.dat", ALL_BYTES, mode=up)
    path = ftpenv.home("alice", "bin.dat")
    assert hashlib.sha256(read(path)).digest() == hashlib.sha256(ALL_BYTES).digest()
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (2001, 2001)
    got = alice.retr("bin.dat", mode=down)
    assert len(got) == len(ALL_BYTES) and got == ALL_BYTES


def test_ascii_upload(alice, ftpenv):
    """TYPE A: CR LF in an upload is stored as LF."""
    assert alice.cmd("TYPE A").code == 200
    alice.stor("ascii.txt", b"a\r\nb\r\n", type="A")
    assert read(ftpenv.home("alice", "ascii.txt")) == b"a\nb\n"


def test_ascii_download(alice, ftpenv):
    """TYPE A: LF in a file is sent as CR LF."""
    ftpenv.user_file("alice", "unix.txt", b"x\ny\n")
    assert alice.cmd("TYPE A").code == 200
    assert alice.retr("unix.txt", type="A") == b"x\r\ny\r\n"


def test_binary_keeps_crlf(alice, ftpenv):
    """TYPE I leaves CR LF alone both ways."""
    alice.cmd("TYPE I")
    alice.stor("crlf.bin", b"a\r\nb\r\n")
    assert read(ftpenv.home("alice", "crlf.bin")) == b"a\r\nb\r\n"
    assert alice.retr("crlf.bin") == b"a\r\nb\r\n"


def test_rest_retr(alice, ftpenv):
    """REST 100 then RETR sends the file from byte 100."""
    data = os.urandom(1000)
    ftpenv.user_file("alice", "r.bin", data)
    alice.cmd("TYPE I")
    assert alice.retr("r.bin", rest=100) == data[100:]
    # the marker is used once only
    assert alice.retr("r.bin") == data


def test_rest_stor_resumes(alice, ftpenv):
    """REST n then STOR writes from offset n and keeps the first n bytes."""
    ftpenv.user_file("alice", "part.bin", b"A" * 100)
    alice.cmd("TYPE I")
    assert alice.cmd("REST 100").code == 350
    x = alice.xfer("STOR part.bin", upload=b"B" * 50)
    assert x.ok, x
    assert read(ftpenv.home("alice", "part.bin")) == b"A" * 100 + b"B" * 50


def test_rest_past_end(alice, ftpenv):
    """RETR after a REST beyond the end of the file is refused (554/551/550) or sends nothing."""
    alice.cmd("TYPE I")
    assert alice.cmd("REST 1000").code == 350
    x = alice.xfer("RETR hello.txt")
    if x.pre.code in (125, 150):
        assert x.data == b""
    else:
        assert x.pre.code in (501, 550, 551, 554), x


FOUR_G = 1 << 32


def test_rest_past_4gib(alice, ftpenv):
    """REST 4294967396 on a sparse file just over 4 GiB sends exactly the last bytes."""
    path = ftpenv.user_file("alice", "over4g.bin", b"")
    tail = bytes(range(200))
    os.truncate(path, FOUR_G)
    with open(path, "r+b") as f:
        f.seek(FOUR_G)
        f.write(tail)
    alice.cmd("TYPE I")
    assert alice.cmd("SIZE over4g.bin").text == "213 %d" % (FOUR_G + 200)
    got = alice.retr("over4g.bin", rest=FOUR_G + 100)
    assert got == tail[100:]


def test_size_5gib(alice, ftpenv):
    """SIZE of a 5 GiB sparse file is 5368709120."""
    path = ftpenv.user_file("alice", "big5g.bin", b"")
    os.truncate(path, 5 << 30)
    alice.cmd("TYPE I")
    assert alice.cmd("SIZE big5g.bin").text == "213 5368709120"


def test_stou(alice, ftpenv):
    """STOU answers '150 FILE: name' and creates that file with the data."""
    alice.cmd("TYPE I")
    x = alice.xfer("STOU", upload=b"unique data\n")
    assert x.ok, x
    m = re.search(r"FILE: (\S+)", x.pre.text)
    assert m, "STOU preliminary reply lacks 'FILE: name': %r" % x.pre
    name = os.path.basename(m.group(1))
    assert read(ftpenv.home("alice", name)) == b"unique data\n"


def test_stou_twice_gives_two_files(alice, ftpenv):
    """Two STOU uploads never overwrite each other."""
    alice.cmd("TYPE I")
    names = []
    for data in (b"one\n", b"two\n"):
        x = alice.xfer("STOU", upload=data)
        assert x.ok, x
        names.append(os.path.basename(re.search(r"FILE: (\S+)", x.pre.text).group(1)))
    assert names[0] != names[1]
    assert read(ftpenv.home("alice", names[0])) == b"one\n"
    assert read(ftpenv.home("alice", names[1])) == b"two\n"


def test_appe(alice, ftpenv):
    """APPE appends to an existing file and creates a missing one."""
    alice.cmd("TYPE I")
    alice.stor("hello.txt", b"more\n", verb="APPE")
    assert read(ftpenv.home("alice", "hello.txt")) == HELLO + b"more\n"
    alice.stor("fresh.txt", b"new\n", verb="APPE")
    assert read(ftpenv.home("alice", "fresh.txt")) == b"new\n"


def test_empty_file(alice, ftpenv):
    """An empty file can be stored and retrieved."""
    alice.cmd("TYPE I")
    alice.stor("empty.txt", b"")
    assert os.path.getsize(ftpenv.home("alice", "empty.txt")) == 0
    assert alice.retr("empty.txt") == b""


def test_stor_replaces(alice, ftpenv):
    """STOR over an existing file replaces its whole content."""
    ftpenv.user_file("alice", "old.txt", b"x" * 1000)
    alice.cmd("TYPE I")
    alice.stor("old.txt", b"short\n")
    assert read(ftpenv.home("alice", "old.txt")) == b"short\n"


def test_retr_missing(alice):
    """RETR of a missing file is 550 with no 150."""
    assert alice.xfer("RETR nosuchfile").pre.code == 550


def test_retr_directory(alice):
    """RETR of a directory is 550."""
    assert alice.xfer("RETR docs").pre.code == 550


def test_retr_without_data_setup(alice):
    """RETR with no PORT/PASV first is 425."""
    r = alice.cmd("RETR hello.txt")
    assert r.code == 425, r
    assert alice.cmd("NOOP").code == 200


def test_second_pasv_replaces_first(alice):
    """A second PASV replaces the first; the transfer uses the second."""
    alice.pasv()
    assert alice.retr("hello.txt") == HELLO


def test_several_transfers_one_session(alice):
    """Ten transfers in one session alternate passive and active modes."""
    alice.cmd("TYPE I")
    for i in range(10):
        mode = ("pasv", "port", "epsv", "eprt")[i % 4]
        alice.stor("f%d" % i, b"%d\n" % i, mode=mode)
        assert alice.retr("f%d" % i, mode=mode) == b"%d\n" % i


def test_xferlog(ftpenv):
    """xferlog_enable writes a wu-ftpd format line per transfer."""
    srv = ftpenv.inetd(xferlog_enable=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.cmd("TYPE I")
    c.retr("hello.txt")
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    with open(ftpenv.path("xferlog")) as f:
        lines = f.read().splitlines()
    assert lines, "xferlog is empty"
    f = lines[-1].split()
    # Mon Jan  8 12:00:01 2024 3 192.0.2.7 104857600 /home/al/f b _ o r al ftp 0 * c
    assert f[5:8] == [f[5], "127.0.0.1", str(len(HELLO))], lines[-1]
    assert f[8].endswith("hello.txt")
    assert f[9:] == ["b", "_", "o", "r", "alice", "ftp", "0", "*", "c"], lines[-1]


def test_xferlog_only_in_the_monitor(ftpenv):
    """Only the root monitor holds the xferlog: no process running as the user (or the
    control process) has a descriptor for it to truncate or forge lines with."""
    srv = ftpenv.inetd(xferlog_enable=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.stor("x.bin", b"x" * 1000).ok
    log = os.path.realpath(ftpenv.path("xferlog"))
    holders = {}
    for pid in ftpenv.session_pids():
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
            uid = proc_status(pid)["Uid"][0]
        except (OSError, TypeError, KeyError):
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == log:
                    holders[pid] = uid
            except OSError:
                pass
    assert holders and set(holders.values()) == {0}, holders
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    with open(ftpenv.path("xferlog")) as fh:
        assert fh.read().split()[-9:] == ["b", "_", "i", "r", "alice", "ftp", "0", "*", "c"]


def test_passive_range_reused_under_load(ftpenv):
    """A passive range of 3 ports serves 90 consecutive transfers on one session, PASV and
    EPSV alternating: a port whose last connection is in TIME_WAIT is bound again."""
    base = free_port_block(3)
    ftpenv.user_file("alice", "blob.bin", os.urandom(50000))
    with open(ftpenv.home("alice", "blob.bin"), "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    srv = ftpenv.inetd(pasv_min_port=base, pasv_max_port=base + 2)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.set_type("I")
    for i in range(90):
        mode = "pasv" if i % 2 else "epsv"
        if i % 3 == 2:
            x = c.xfer("NLST", mode=mode)
            assert x.ok and b"blob.bin" in x.data, (i, x)
        else:
            x = c.xfer("RETR blob.bin", mode=mode)
            assert x.ok and hashlib.sha256(x.data).hexdigest() == want, (i, x)
    assert c.cmd("QUIT").code == 221
