"""Configuration errors are fatal at start-up and name file:line."""

import os
import subprocess

import pytest

import ftpdtest


def run_ftpd(ftpenv, args, timeout=10):
    if not os.path.exists(ftpenv.ftpd):
        pytest.fail("the server binary %s does not exist" % ftpenv.ftpd)
    try:
        return subprocess.run([ftpenv.ftpd] + args, stdin=subprocess.DEVNULL,
                              capture_output=True, env=ftpenv.env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("ftpd %s did not exit within %ss" % (" ".join(args), timeout))


def bad_conf(ftpenv, extra_line):
    text = ftpenv.conf_text() + extra_line + "\n"
    path = ftpenv.write(ftpenv.path("bad.conf"), text)
    return path, text.count("\n")


def test_unknown_keyword(ftpenv):
    """An unknown keyword makes ftpd exit non-zero at once."""
    path, _ = bad_conf(ftpenv, "no_such_keyword yes")
    cp = run_ftpd(ftpenv, ["-f", path])
    assert cp.returncode != 0


def test_unknown_keyword_debug_names_line(ftpenv):
    """With -d the unknown keyword is reported on stderr as file:line."""
    path, line = bad_conf(ftpenv, "no_such_keyword yes")
    cp = run_ftpd(ftpenv, ["-d", "-f", path])
    assert cp.returncode != 0
    err = cp.stderr.decode(errors="replace")
    assert "%s:%d" % (path, line) in err, err


@pytest.mark.parametrize("line", ["idle_timeout 1", "idle_timeout abc", "login_delay -1",
                                  "anon_upload maybe", "umask 999", "listen_family ipx",
                                  "listen_port 70000", "idle_timeout", "anon_upload"])
def test_bad_values(ftpenv, line):
    """A bad value (out of range, wrong type, missing) is a start-up error."""
    path, n = bad_conf(ftpenv, line)
    cp = run_ftpd(ftpenv, ["-d", "-f", path])
    assert cp.returncode != 0, line
    assert "%s:%d" % (path, n) in cp.stderr.decode(errors="replace")


def test_unknown_option_override(ftpenv):
    """-o with an unknown keyword is a start-up error."""
    path = ftpenv.write_conf()
    cp = run_ftpd(ftpenv, ["-f", path, "-o", "no_such_keyword=1"])
    assert cp.returncode != 0


def test_missing_config_file(ftpenv):
    """A config file that does not exist is a start-up error."""
    cp = run_ftpd(ftpenv, ["-f", ftpenv.path("nonexistent.conf")])
    assert cp.returncode != 0


def test_comments_and_blank_lines(ftpenv):
    """Comments and blank lines are accepted; the server then serves a session."""
    text = "# a comment\n\n   \n" + ftpenv.conf_text() + "# trailing comment\n"
    ftpenv.write(ftpenv.path("ftpd.conf"), text)
    srv = ftpdtest.InetdServer(ftpenv.argv(), ftpenv.env(), ftpenv.path("ftpd.stderr"))
    ftpenv.servers.append(srv)
    c = ftpenv.connect(srv)
    assert c.greeting.code == 220
    c.login_ok("alice")


def test_option_override_wins(ftpenv):
    """-o keyword=value overrides the file (banner shown in the 220 line)."""
    srv = ftpenv.inetd(args=["-o", "banner=OVERRIDE-MARK"], banner="FILE-MARK")
    c = ftpenv.connect(srv)
    assert "OVERRIDE-MARK" in c.greeting.lines[-1]
    assert "FILE-MARK" not in c.greeting.text
