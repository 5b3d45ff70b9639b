"""What reaches syslog: refused logins with the peer, never a password.

These tests read syslog through a socket the test suite binds at /dev/log, which it
can do only when no syslog daemon owns it; otherwise they are skipped.
"""

import time

import pytest


def need_syslog(ftpenv):
    if not (ftpenv.syslog and ftpenv.syslog.active):
        pytest.skip("SKIPPED: cannot read syslog here (%s)"
                    % (ftpenv.syslog.reason if ftpenv.syslog else "no capture"))


def test_password_never_logged(ftpenv):
    """Neither a right nor a wrong password appears in syslog, even at log_sessions 2 + debug."""
    need_syslog(ftpenv)
    srv = ftpenv.inetd(log_sessions=2, debug=True)
    secret = "Wr0ng-S3cret-%d" % time.time_ns()
    c = ftpenv.connect(srv)
    assert c.login("alice", secret).code == 530
    c.login_ok("alice")
    c.cmd("NOOP")
    c.cmd("QUIT")
    c2 = ftpenv.connect(srv)
    c2.login_ok("anonymous", "anon-Secret-Mail@example.org")
    c2.cmd("QUIT")
    ftpenv.wait_session_gone()
    time.sleep(0.3)
    lines = ftpenv.syslog_lines()
    assert any("ftpd" in l for l in lines), "the server logged nothing at all"
    for l in lines:
        assert secret not in l, "password in syslog: %r" % l
        assert "alice-pw-1" not in l, "password in syslog: %r" % l


def test_refused_login_logged_with_peer(ftpenv):
    """A refused login is logged with the client's address."""
    need_syslog(ftpenv)
    srv = ftpenv.inetd()
    c = ftpenv.connect(srv)
    assert c.login("alice", "wrong").code == 530
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    time.sleep(0.3)
    lines = [l for l in ftpenv.syslog_lines() if "ftpd" in l]
    assert any("127.0.0.1" in l and "alice" in l for l in lines), "\n".join(lines[-20:])


def test_config_error_logged(ftpenv):
    """A config error is reported on syslog with file:line."""
    need_syslog(ftpenv)
    import subprocess
    path = ftpenv.write(ftpenv.path("bad.conf"), "no_such_keyword yes\n")
    subprocess.run([ftpenv.ftpd, "-f", path], stdin=subprocess.DEVNULL, capture_output=True,
                   env=ftpenv.env(), timeout=10)
    time.sleep(0.3)
    assert any(path + ":1" in l for l in ftpenv.syslog_lines()), ftpenv.syslog_lines()[-10:]
