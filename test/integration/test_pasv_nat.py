"""PASV behind NAT: pasv_address (address or name) and pasv_local_networks; passive port range."""

import re


def pasv_reply(ftpenv, **opts):
    srv = ftpenv.inetd(**opts)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    r = c.cmd("PASV")
    assert r.code == 227, r
    h = [int(x) for x in re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", r.text).groups()]
    c.cmd("QUIT")
    return "%d.%d.%d.%d" % tuple(h[:4]), h[4] * 256 + h[5]


def test_pasv_address_announced(ftpenv):
    """pasv_address is announced to clients outside pasv_local_networks (address only, no connect)."""
    addr, _ = pasv_reply(ftpenv, pasv_address="192.0.2.7")
    assert addr == "192.0.2.7"


def test_pasv_address_name_resolved(ftpenv):
    """A host name in pasv_address is resolved for the session."""
    addr, _ = pasv_reply(ftpenv, pasv_address="localhost")
    assert addr == "127.0.0.1"


def test_local_networks_get_real_address(ftpenv):
    """A client in pasv_local_networks gets the control connection's own address."""
    addr, _ = pasv_reply(ftpenv, pasv_address="192.0.2.7", pasv_local_networks="127.0.0.0/8")
    assert addr == "127.0.0.1"


def test_passive_port_range(ftpenv):
    """PASV ports come from pasv_min_port..pasv_max_port."""
    for _ in range(3):
        _, port = pasv_reply(ftpenv, pasv_min_port=40100, pasv_max_port=40110)
        assert 40100 <= port <= 40110
