"""Control-channel framing: long lines, bare CR, NUL, Telnet IAC sequences, pipelining."""

import os
import socket

from ftpdtest import HELLO


def test_overlong_line_refused_once(alice):
    """A 5000-byte line gets exactly one 500 and the session goes on."""
    alice.send(b"NOOP " + b"A" * 5000 + b"\r\n")
    r = alice.reply()
    assert r.code == 500, r
    assert alice.cmd("NOOP").code == 200, "the long line was answered more than once"


def test_overlong_line_not_split(alice, ftpenv):
    """Bytes past the line limit never become a command of their own."""
    for pad in (4096 - 5, 4096 - 4, 4096, 4100, 8192 - 5):
        alice.send(b"NOOP " + b"X" * pad + b"DELE hello.txt\r\n")
        r = alice.reply()
        assert r.code in (500, 200), r      # 200 only if it fits the limit after all
        assert alice.cmd("NOOP").code == 200, "line of %d bytes gave two replies" % (pad + 19)
    assert os.path.exists(ftpenv.home("alice", "hello.txt"))


def test_overlong_before_login(client):
    """An overlong line before login is refused the same way."""
    client.send(b"USER " + b"u" * 6000 + b"\r\n")
    assert client.reply().code == 500
    assert client.cmd("NOOP").code == 200


def test_bare_cr_in_argument(alice, ftpenv):
    """A bare CR inside an argument is 501: 'MKD x<CR>DELE f' is neither a MKD nor a DELE."""
    alice.send(b"MKD inj\rDELE hello.txt\r\n")
    r = alice.reply()
    assert r.code == 501, r
    assert alice.cmd("NOOP").code == 200, "the line was answered more than once"
    assert os.path.exists(ftpenv.home("alice", "hello.txt"))
    assert not any(n.startswith("inj") for n in os.listdir(ftpenv.home("alice")))


def test_nul_in_argument(alice, ftpenv):
    """A NUL inside an argument is 501 and nothing is created."""
    alice.send(b"MKD nul\0dir\r\n")
    assert alice.reply().code == 501
    assert not any(n.startswith("nul") for n in os.listdir(ftpenv.home("alice")))


def test_bare_lf_accepted(alice):
    """A command ended by a bare LF is accepted."""
    alice.send(b"NOOP\n")
    assert alice.reply().code == 200


def test_pipelined_commands(alice):
    """Several commands in one segment get their replies in order."""
    alice.send(b"NOOP\r\nSYST\r\nPWD\r\nTYPE I\r\n")
    assert [alice.reply().code for _ in range(4)] == [200, 215, 257, 200]


def test_iac_ip_dm_abor_without_transfer(alice):
    """IAC IP IAC DM ABOR (in band) with no transfer: one 225/226 reply, no garbage."""
    alice.send(b"\xff\xf4\xff\xf2ABOR\r\n")
    r = alice.reply()
    assert r.code in (225, 226), r
    assert alice.cmd("NOOP").code == 200, "ABOR was answered more than once"


def test_telnet_synch_abor(alice):
    """RFC 959 Synch: IAC IP, IAC DM with DM sent urgent (MSG_OOB), then ABOR: 225/226."""
    alice.send(b"\xff\xf4\xff")
    alice.sock.send(b"\xf2", socket.MSG_OOB)
    alice.send(b"ABOR\r\n")
    r = alice.reply()
    assert r.code in (225, 226), r
    assert alice.cmd("NOOP").code == 200, "ABOR was answered more than once"


def test_bsd_client_abor(alice):
    """BSD ftp(1)'s abort: IAC IP IAC sent urgent, then DM ABOR in band: 225/226."""
    alice.sock.send(b"\xff\xf4\xff", socket.MSG_OOB)
    alice.send(b"\xf2ABOR\r\n")
    r = alice.reply()
    assert r.code in (225, 226), r
    assert alice.cmd("NOOP").code == 200, "ABOR was answered more than once"


def test_iac_ip_inline(alice):
    """Telnet IP and DM sent in-band before NOOP are stripped: NOOP is 200."""
    alice.send(b"\xff\xf4\xff\xf2NOOP\r\n")
    assert alice.reply().code == 200
    assert alice.cmd("NOOP").code == 200


def test_iac_iac_in_filename(alice, ftpenv):
    """IAC IAC in an argument is one 0xFF byte in the name, and replies double it back."""
    alice.send(b"MKD a\xff\xffb\r\n")
    r = alice.reply()
    assert r.code == 257, r
    assert os.path.isdir(os.path.join(ftpenv.home("alice").encode(), b"a\xffb"))
    assert b"a\xff\xffb" in r.raw, "the 0xFF in the 257 reply is not doubled: %r" % r.raw
    alice.send(b"RMD a\xff\xffb\r\n")
    assert alice.reply().code == 250


def test_crlf_in_filename_cannot_inject_reply(alice, ftpenv):
    """A file name holding CR LF can neither inject a command nor forge a reply line."""
    name = b"evil\r\n226 forged"
    path = os.path.join(ftpenv.home("alice").encode(), name)
    with open(path, "wb") as f:
        f.write(HELLO)
    x = alice.xfer("LIST")
    assert x.ok
    r = alice.cmd("STAT .")
    for line in r.lines[1:-1]:
        assert not line.startswith("226"), "file name split a STAT reply: %r" % r
    assert alice.cmd("NOOP").code == 200
