"""FTP bounce defence (RFC 2577): PORT/EPRT only to the control peer on high ports; EPSV ALL.

"Another host" is 127.0.0.2: a different address from the control peer 127.0.0.1 that
still lives on this machine, so a server that wrongly connects reaches only our listener.
"""

import socket

from ftpdtest import HELLO, recv_all


def other_listener():
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.listen(1)
    s.settimeout(2)
    return s


def no_connection(ls, wait=2):
    ls.settimeout(wait)
    try:
        conn, _ = ls.accept()
    except socket.timeout:
        return True
    conn.close()
    return False


def refused_or_unused(c, command, ls):
    """COMMAND must be refused (5xx); if accepted, a RETR must not reach LS."""
    r = c.cmd(command)
    if r.code == 200:
        c.send_line("RETR hello.txt")
        connected = not no_connection(ls)
        raise AssertionError("%s was accepted (%r)%s" % (
            command, r, "; the server then connected to the other address" if connected else ""))
    assert 500 <= r.code <= 599, "%s -> %r" % (command, r)
    assert no_connection(ls, 0.5)


def test_port_other_host_refused(alice):
    """PORT naming an address other than the client's is refused."""
    ls = other_listener()
    try:
        p = ls.getsockname()[1]
        refused_or_unused(alice, "PORT 127,0,0,2,%d,%d" % (p >> 8, p & 255), ls)
    finally:
        ls.close()


def test_eprt_other_host_refused(alice):
    """EPRT naming an address other than the client's is refused."""
    ls = other_listener()
    try:
        refused_or_unused(alice, "EPRT |1|127.0.0.2|%d|" % ls.getsockname()[1], ls)
    finally:
        ls.close()


def test_port_privileged_port_refused(alice):
    """PORT to port 80 (below 1024) is refused."""
    r = alice.cmd("PORT 127,0,0,1,0,80")
    assert 500 <= r.code <= 599, r


def test_eprt_privileged_port_refused(alice):
    """EPRT to port 25 is refused."""
    r = alice.cmd("EPRT |1|127.0.0.1|25|")
    assert 500 <= r.code <= 599, r


def test_port_promiscuous_allows_other_host(ftpenv):
    """With port_promiscuous yes a PORT to another address is honoured."""
    srv = ftpenv.inetd(port_promiscuous=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.set_type("I")
    ls = other_listener()
    try:
        p = ls.getsockname()[1]
        assert c.cmd("PORT 127,0,0,2,%d,%d" % (p >> 8, p & 255)).code == 200
        c.send_line("RETR hello.txt")
        assert c.reply().code in (125, 150)
        ls.settimeout(10)
        conn, _ = ls.accept()
        conn.settimeout(10)
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        conn.close()
        assert data == HELLO
        assert c.reply().code == 226
    finally:
        ls.close()


def test_pasv_rejects_other_peer(alice):
    """A passive data connection from an address other than the client's gets no data."""
    alice.set_type("I")
    host, port = alice.pasv()
    thief = socket.socket()
    thief.bind(("127.0.0.2", 0))
    thief.settimeout(5)
    thief.connect((host, port))
    alice.send_line("RETR hello.txt")
    try:
        stolen = thief.recv(65536)
    except (socket.timeout, ConnectionResetError):
        stolen = b""
    thief.close()
    assert stolen == b"", "the data went to a connection from another address"
    r = alice.reply(timeout=15)
    if r.code in (125, 150):
        # the server kept waiting for the right peer; give it one
        ok = socket.create_connection((host, port), timeout=5)
        ok.settimeout(10)
        got = ok.recv(65536)
        ok.close()
        assert got == HELLO
        r = alice.reply(timeout=10)
        assert r.code == 226, r
    else:
        assert r.code == 425, r


def test_epsv_all(alice):
    """After EPSV ALL (200) PASV, PORT and EPRT are refused but EPSV still works."""
    assert alice.cmd("EPSV ALL").code == 200
    for line in ("PASV", "PORT 127,0,0,1,200,10", "EPRT |1|127.0.0.1|51210|"):
        r = alice.cmd(line)
        assert 500 <= r.code <= 599, "%s after EPSV ALL -> %r" % (line, r)
    assert alice.retr("hello.txt", mode="epsv") == HELLO


def test_connect_from_port_20(ftpenv):
    """connect_from_port_20: the monitor connects the data connection from port 20 to the
    checked PORT target, and the transfer goes through it."""
    srv = ftpenv.inetd(connect_from_port_20=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c.set_type("I")
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(10)
    port = ls.getsockname()[1]
    assert c.cmd("PORT 127,0,0,1,%d,%d" % (port >> 8, port & 255)).code == 200
    c.send_line("RETR hello.txt")
    assert c.reply().code == 150
    conn, peer = ls.accept()
    assert peer[1] == 20, peer
    data = recv_all(conn)
    conn.close()
    assert data == HELLO and c.reply().code == 226
    ls.close()
