"""Logins: PAM users, refusals (ftpusers, shells, nologin), anonymous, banners, limits."""

import time

import pytest

from ftpdtest import USERS


def test_login_good_password(client):
    """alice with her password: USER -> 331, PASS -> 230."""
    r = client.cmd("USER alice")
    assert r.code == 331, r
    r = client.cmd("PASS " + USERS["alice"]["pw"])
    assert r.code == 230, r


def test_login_wrong_password(ftpenv):
    """A wrong password gets 530, after the configured login_delay."""
    srv = ftpenv.inetd(login_delay=1)
    c = ftpenv.connect(srv)
    assert c.cmd("USER alice").code == 331
    t0 = time.monotonic()
    r = c.cmd("PASS not-the-password")
    took = time.monotonic() - t0
    assert r.code == 530, r
    assert took >= 0.9, "failed login answered after %.2fs, login_delay is 1" % took
    assert c.cmd("NOOP").code == 200


def test_login_retry_after_failure(client):
    """After one failed attempt the right password still logs in."""
    assert client.login("alice", "wrong").code == 530
    client.login_ok("alice")


def test_three_failures_close(ftpenv, server):
    """The third failed login is answered with 421 and the connection is closed."""
    c = ftpenv.connect(server)
    assert c.login("alice", "bad-1").code == 530
    assert c.login("alice", "bad-2").code == 530
    assert c.cmd("USER alice").code == 331
    c.send_line("PASS bad-3")
    replies = c.wait_closed(timeout=15)
    codes = [r.code for r in replies]
    assert 421 in codes, "replies after the third failure: %r" % replies
    assert ftpenv.wait_session_gone() == []


def test_ftpusers_refused(client):
    """carol is listed in ftpusers: 331 like anyone, then 530 even with her password."""
    assert client.cmd("USER carol").code == 331
    r = client.cmd("PASS " + USERS["carol"]["pw"])
    assert r.code == 530, r


def test_bad_shell_refused(client):
    """dave's shell is not in the shells file: 530 even with his password."""
    assert client.cmd("USER dave").code == 331
    r = client.cmd("PASS " + USERS["dave"]["pw"])
    assert r.code == 530, r


def test_unknown_user_same_331(ftpenv, server):
    """An unknown user gets the same 331 text as a real one, then 530."""
    c1 = ftpenv.connect(server)
    known = c1.cmd("USER alice")
    c2 = ftpenv.connect(server)
    unknown = c2.cmd("USER nosuchuser")
    assert known.code == unknown.code == 331
    assert known.text.replace("alice", "X") == unknown.text.replace("nosuchuser", "X")
    assert c2.cmd("PASS whatever").code == 530


@pytest.mark.parametrize("name", ["anonymous", "ftp"])
def test_anonymous_login(client, name):
    """anonymous and ftp log in with an e-mail address as password."""
    assert client.cmd("USER " + name).code == 331
    r = client.cmd("PASS someone@example.org")
    assert r.code == 230, r


def test_nologin_file(ftpenv, server):
    """While the nologin file exists logins are refused with 530 and its text."""
    ftpenv.write(ftpenv.path("etc", "nologin"), "Down for maintenance NOLOGIN-MARK\n")
    c = ftpenv.connect(server)
    seen = [c.greeting]
    r = c.cmd("USER alice")
    seen.append(r)
    if r.code == 331:
        r = c.cmd("PASS " + USERS["alice"]["pw"])
        seen.append(r)
    assert r.code == 530, seen
    assert any("NOLOGIN-MARK" in x.text for x in seen), seen


def test_welcome_before_220(client):
    """The welcome file's text is part of the 220 greeting."""
    g = client.greeting
    assert g.code == 220
    assert "WELCOME-MARK" in g.text, g


def test_motd_in_230(client):
    """The motd file's text is shown in the 230 reply."""
    r = client.login_ok("alice")
    assert "MOTD-MARK" in r.text, r


def test_banner_option(ftpenv):
    """The banner keyword sets the text of the 220 line."""
    srv = ftpenv.inetd(banner="BANNER-MARK")
    c = ftpenv.connect(srv)
    assert c.greeting.code == 220
    assert "BANNER-MARK" in c.greeting.lines[-1]


def test_pass_without_user(client):
    """PASS without USER is a bad sequence: 503."""
    assert client.cmd("PASS secret").code == 503


@pytest.mark.parametrize("line", ["PWD", "LIST", "NLST", "CWD /", "CDUP", "RETR hello.txt",
                                  "STOR x", "MKD x", "DELE hello.txt", "SIZE hello.txt",
                                  "PASV", "EPSV", "PORT 127,0,0,1,200,10", "RNFR hello.txt",
                                  "SITE CHMOD 777 hello.txt", "MLST hello.txt"])
def test_commands_need_login(client, line):
    """Commands that touch files or data connections need a login: 530."""
    r = client.cmd(line)
    assert r.code == 530, "%s before login -> %r" % (line, r)


@pytest.mark.parametrize("line,code", [("SYST", 215), ("FEAT", 211), ("NOOP", 200),
                                       ("HELP", 214)])
def test_allowed_before_login(client, line, code):
    """SYST, FEAT, NOOP and HELP work before login."""
    assert client.cmd(line).code == code


def test_login_timeout(ftpenv):
    """A client that never logs in is dropped with 421 after login_timeout."""
    srv = ftpenv.inetd(login_timeout=5)
    c = ftpenv.connect(srv)
    t0 = time.monotonic()
    replies = c.wait_closed(timeout=15)
    assert [r.code for r in replies] == [421], replies
    assert 4 <= time.monotonic() - t0 <= 12
    assert ftpenv.wait_session_gone() == []


def test_pwd_after_login(alice, ftpenv):
    """alice (not chrooted) starts in her home directory."""
    r = alice.cmd("PWD")
    assert r.code == 257
    assert r.text.startswith('257 "%s"' % ftpenv.home("alice")), r


def test_chrooted_user_sees_root(ftpenv, server):
    """bob is in ftpchroot: he starts at "/" and cannot leave his home."""
    c = ftpenv.connect(server)
    c.login_ok("bob")
    assert c.cmd("PWD").text.startswith('257 "/"')
    assert c.retr("bob.txt") == b"bob's file\n"
    c.cmd("CWD ..")
    assert c.cmd("PWD").text.startswith('257 "/"')
    assert c.xfer("RETR ../alice/hello.txt").pre.code == 550


def test_chroot_local_user(ftpenv):
    """chroot_local_user yes chroots alice too."""
    srv = ftpenv.inetd(chroot_local_user=True)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.cmd("PWD").text.startswith('257 "/"')
    assert c.retr("/hello.txt") == b"hello world\n"


def test_local_enable_no(ftpenv):
    """local_enable no refuses PAM users but still lets anonymous in."""
    srv = ftpenv.inetd(local_enable=False)
    c = ftpenv.connect(srv)
    assert c.login("alice").code == 530
    c2 = ftpenv.connect(srv)
    c2.login_ok("anonymous", "me@example.org")


def test_anonymous_disabled(ftpenv):
    """anonymous_enable no refuses anonymous logins."""
    srv = ftpenv.inetd(anonymous_enable=False)
    c = ftpenv.connect(srv)
    assert c.login("anonymous", "me@example.org").code == 530


def test_anonymous_only(ftpenv):
    """anonymous_only yes (-A) refuses PAM users."""
    srv = ftpenv.inetd(anonymous_only=True)
    c = ftpenv.connect(srv)
    assert c.login("alice").code == 530
