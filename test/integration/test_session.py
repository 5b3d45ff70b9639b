"""Session end: QUIT, idle timeout, clients that vanish; no process may be left behind."""

import os
import socket
import time

from ftpdtest import describe_procs


def test_quit(ftpenv, alice):
    """QUIT is 221, the server closes, and every session process exits."""
    assert ftpenv.session_pids(), "no session processes found"
    assert alice.cmd("QUIT").code == 221
    assert alice.wait_closed(timeout=5) == []
    left = ftpenv.wait_session_gone(timeout=5)
    assert left == [], describe_procs(left)


def test_quit_before_login(ftpenv, client):
    """QUIT before login is 221 and the processes exit."""
    assert client.cmd("QUIT").code == 221
    assert client.wait_closed(timeout=5) == []
    assert ftpenv.wait_session_gone(timeout=5) == []


def test_idle_timeout(ftpenv):
    """With idle_timeout 5 an idle session gets 421 and its processes are gone."""
    srv = ftpenv.inetd(idle_timeout=5)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    t0 = time.monotonic()
    replies = c.wait_closed(timeout=20)
    took = time.monotonic() - t0
    assert [r.code for r in replies] == [421], replies
    assert 4 <= took <= 15, "idle timeout fired after %.1fs" % took
    left = ftpenv.wait_session_gone(timeout=5)
    assert left == [], describe_procs(left)


def test_idle_timer_reset_by_commands(ftpenv):
    """Commands reset the idle timer: NOOP every 2 s keeps a 5 s session alive."""
    srv = ftpenv.inetd(idle_timeout=5)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    for _ in range(4):
        time.sleep(2)
        assert c.cmd("NOOP").code == 200


def test_idle_flag_t(ftpenv):
    """-t 5 on the command line sets the idle timeout."""
    srv = ftpenv.inetd(args=["-t", "5"])
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    replies = c.wait_closed(timeout=20)
    assert [r.code for r in replies] == [421], replies


def test_client_vanishes(ftpenv, alice):
    """A logged-in client that just closes its socket leaves no process behind."""
    assert ftpenv.session_pids()
    alice.close()
    left = ftpenv.wait_session_gone(timeout=5)
    assert left == [], describe_procs(left)


def test_client_resets_before_login(ftpenv, client):
    """A client that resets the connection before login leaves no process behind."""
    client.abort_close()
    left = ftpenv.wait_session_gone(timeout=5)
    assert left == [], describe_procs(left)


def test_client_vanishes_mid_transfer(ftpenv, alice):
    """A client that drops control and data connections during a RETR leaves nothing behind."""
    ftpenv.user_file("alice", "big.bin", b"")
    os.truncate(ftpenv.home("alice", "big.bin"), 64 << 20)
    dc = alice.data_setup("pasv")
    data = dc.connect()
    alice.send_line("RETR big.bin")
    assert alice.reply().code in (125, 150)
    data.recv(1024)
    alice.abort_close()
    time.sleep(0.5)
    dc.close()
    left = ftpenv.wait_session_gone(timeout=8)
    assert left == [], describe_procs(left)


def test_client_vanishes_keeping_data_open(ftpenv, alice):
    """Closing only the control connection during a stalled RETR still ends the session."""
    ftpenv.user_file("alice", "big.bin", b"")
    os.truncate(ftpenv.home("alice", "big.bin"), 64 << 20)
    dc = alice.data_setup("pasv")
    data = dc.connect()
    data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    alice.send_line("RETR big.bin")
    assert alice.reply().code in (125, 150)
    data.recv(1024)
    alice.close()
    try:
        left = ftpenv.wait_session_gone(timeout=8)
        assert left == [], describe_procs(left)
    finally:
        dc.close()


def test_many_sessions_sequential(ftpenv, server):
    """Twenty short sessions in a row all work and all clean up."""
    for _ in range(20):
        c = ftpenv.connect(server)
        c.login_ok("alice")
        assert c.cmd("QUIT").code == 221
        c.close()
    assert ftpenv.wait_session_gone() == []


def test_concurrent_sessions(ftpenv, server):
    """Five sessions at once are independent."""
    clients = [ftpenv.connect(server) for _ in range(5)]
    for i, c in enumerate(clients):
        c.login_ok("alice")
        assert c.cmd("MKD dir%d" % i).code == 257
    for i, c in enumerate(clients):
        assert c.cmd("CWD dir%d" % i).code == 250
        assert c.cmd("PWD").text.startswith('257 "%s/dir%d"' % (ftpenv.home("alice"), i))
