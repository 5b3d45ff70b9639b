"""fail2ban: the shipped filter (examples/fail2ban/filter.d/ftpd.conf) matches every line ftpd
logs for a failed login or for abuse before login, with the client's address, and no line of
a good session.

The syslog datagrams the tests capture are turned into the lines rsyslog writes
("Mmm dd hh:mm:ss host ftpd[pid]: message") and fed to Debian's fail2ban-regex.
"""

import os
import re
import shutil
import subprocess
import time

import pytest

from ftpdtest import HELLO, USERS

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILTER = os.path.join(TOP, "examples", "fail2ban", "filter.d", "ftpd.conf")
COMMON = "/etc/fail2ban/filter.d/common.conf"
PRI = re.compile(r"^<(\d+)>")
LOG_NOTICE = 5


def need_tools(ftpenv):
    if not (ftpenv.syslog and ftpenv.syslog.active):
        pytest.skip("SKIPPED: cannot read syslog here (%s)"
                    % (ftpenv.syslog.reason if ftpenv.syslog else "no capture"))
    if not shutil.which("fail2ban-regex") or not os.path.exists(COMMON):
        pytest.skip("SKIPPED: fail2ban is not installed")


def file_line(datagram):
    """A captured datagram as rsyslog writes it to a file: (priority, line)."""
    m = PRI.match(datagram)
    assert m, datagram
    rest = datagram[m.end():].rstrip("\n")
    # "Mmm dd hh:mm:ss " then "ident[pid]: message"; rsyslog puts the host name between
    return int(m.group(1)) & 7, rest[:16] + "testhost " + rest[16:]


def captured(ftpenv, mark):
    ftpenv.wait_session_gone()
    time.sleep(0.3)
    return [file_line(d) for d in ftpenv.syslog.since(mark)]


def fail2ban(ftpenv, lines):
    """fail2ban-regex over LINES with the shipped filter: [(address, line)] it matched."""
    d = ftpenv.path("fail2ban", "filter.d")
    os.makedirs(d, exist_ok=True)
    shutil.copy(FILTER, os.path.join(d, "ftpd.conf"))
    shutil.copy(COMMON, os.path.join(d, "common.conf"))
    log = ftpenv.write(ftpenv.path("fail2ban", "syslog"), "".join(l + "\n" for l in lines))
    r = subprocess.run(["fail2ban-regex", "-o", "<ip>|<msg>", log, os.path.join(d, "ftpd.conf")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return [tuple(l.split("|", 1)) for l in r.stdout.splitlines() if "|" in l]


def bad_sessions(ftpenv):
    """Failed logins and pre-login abuse; [(what, [notice lines])], each must be banned."""
    out = []

    def scenario(what, run, **opts):
        mark = ftpenv.syslog.mark()
        srv = ftpenv.inetd(**opts)
        run(srv)
        notices = [l for p, l in captured(ftpenv, mark) if p == LOG_NOTICE]
        assert notices, "%s: nothing logged at notice" % what
        out.append((what, notices))

    def login_fails(user, pw="wrong"):
        def run(srv):
            c = ftpenv.connect(srv)
            assert c.login(user, pw).code == 530
            c.cmd("QUIT")
        return run

    def bad_commands(srv):
        c = ftpenv.connect(srv)
        codes = [c.cmd("XYZZY %d" % i).code for i in range(10)]
        assert 421 in codes or c.reply().code == 421, codes

    def too_many(srv):
        held = ftpenv.connect(srv)
        c = ftpenv.connect(srv, read_greeting=False)
        assert c.reply().code == 421
        held.cmd("QUIT")

    scenario("wrong password", login_fails("alice"))
    scenario("no such user", login_fails("nosuchuser"))
    scenario("user in ftpusers", login_fails("carol", USERS["carol"]["pw"]))
    scenario("a user name that names another address",
             login_fails("x from 192.0.2.66: y"))
    scenario("too many bad commands before login", bad_commands)
    scenario("max_per_ip reached", too_many, max_per_ip=1)
    return out


def good_sessions(ftpenv):
    """Everything a good session logs, at log_sessions 2 (every command logged)."""
    mark = ftpenv.syslog.mark()
    srv = ftpenv.inetd(log_sessions=2, xferlog_enable=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.retr("hello.txt") == HELLO
    c.stor("up.txt", b"uploaded\n")
    c.nlst()
    # text a client could send to frame another address: logged as a command, never banned
    c.cmd("SITE failed login for x from 192.0.2.77: y")
    c.cmd("QUIT")
    a = ftpenv.connect(srv)
    a.login_ok("anonymous", "guest@example.org")
    assert a.retr("pub/readme.txt") == b"anonymous readme\n"
    a.cmd("QUIT")
    return [l for _, l in captured(ftpenv, mark)]


def test_filter_matches_bad_lines_only(ftpenv):
    need_tools(ftpenv)
    bad = bad_sessions(ftpenv)
    good = good_sessions(ftpenv)
    assert any("FTP LOGIN FROM 127.0.0.1 as alice" in l for l in good), good
    lines = [l for _, ls in bad for l in ls]
    matched = fail2ban(ftpenv, lines + good)
    by_line = {l: ip for ip, l in matched}
    for what, ls in bad:
        for l in ls:
            assert l in by_line, "%s: not matched: %r" % (what, l)
            assert by_line[l] == "127.0.0.1", "%s: banned %s for %r" % (what, by_line[l], l)
    wrong = [l for l in good if l in by_line]
    assert not wrong, "good-session lines matched: %r" % wrong
    assert len(matched) == len(lines), matched
