"""The command set over a raw control connection: reply codes and effects on disk."""

import calendar
import os
import re
import stat

import pytest

from ftpdtest import HELLO


def test_syst(client):
    """SYST answers the exact Unix string clients key their parsers on."""
    r = client.cmd("SYST")
    assert r.text == "215 UNIX Type: L8"


def test_feat(client):
    """FEAT is a 211 multi-line list with the RFC 2389 layout and our extensions."""
    r = client.cmd("FEAT")
    assert r.code == 211 and r.multiline, r
    assert r.lines[0].startswith("211-") and r.lines[-1].startswith("211 ")
    body = r.lines[1:-1]
    for line in body:
        assert line.startswith(" ") and not line.startswith("  "), "bad feature line %r" % line
    names = {line.split()[0].upper() for line in body}
    for feat in ("EPRT", "EPSV", "MDTM", "MFMT", "SIZE", "MLST", "UTF8", "TVFS"):
        assert feat in names, "FEAT lacks %s: %r" % (feat, r)
    assert any(line.strip().upper() == "REST STREAM" for line in body), r


def test_feat_with_argument(client):
    """FEAT takes no argument: 501."""
    assert client.cmd("FEAT X").code == 501


def test_opts_utf8(client):
    """OPTS UTF8 ON is accepted (Windows clients need 200)."""
    assert client.cmd("OPTS UTF8 ON").code == 200


def test_opts_unknown(alice):
    """OPTS for an unknown command is 501."""
    assert alice.cmd("OPTS XYZZY ON").code == 501


def test_help(client):
    """HELP is a 214 reply that lists commands."""
    r = client.cmd("HELP")
    assert r.code == 214
    assert "RETR" in r.text.upper()


def test_noop(client):
    """NOOP is 200."""
    assert client.cmd("NOOP").code == 200


def test_lowercase_verbs(alice):
    """Verbs are case-insensitive."""
    assert alice.cmd("noop").code == 200
    assert alice.cmd("sYsT").code == 215


def test_unknown_verb_not_echoed(client):
    """An unknown verb gets 502 and the reply does not echo it back (ALPACA)."""
    r = client.cmd("XYZZY plugh")
    assert r.code == 502, r
    assert "xyzzy" not in r.text.lower() and "plugh" not in r.text


def test_unknown_verb_after_login(alice):
    """An unknown verb after login is 502 too, and the session goes on."""
    assert alice.cmd("XYZZY").code == 502
    assert alice.cmd("NOOP").code == 200


@pytest.mark.parametrize("line,code", [
    ("TYPE I", 200), ("TYPE A", 200), ("TYPE A N", 200), ("TYPE L 8", 200),
    ("TYPE Q", 504), ("TYPE E", 504), ("TYPE", 501),
    ("MODE S", 200), ("MODE B", 504), ("MODE C", 504), ("MODE", 501),
    ("STRU F", 200), ("STRU R", 504), ("STRU P", 504), ("STRU", 501)])
def test_type_mode_stru(alice, line, code):
    """TYPE/MODE/STRU accept what we implement, 504 the rest, 501 without argument."""
    r = alice.cmd(line)
    assert r.code == code, "%s -> %r" % (line, r)


def test_rnto_without_rnfr(alice):
    """RNTO without RNFR is 503."""
    assert alice.cmd("RNTO x").code == 503


def test_rnfr_must_be_followed_by_rnto(alice, ftpenv):
    """Another command between RNFR and RNTO cancels the rename: RNTO is 503."""
    assert alice.cmd("RNFR hello.txt").code == 350
    assert alice.cmd("NOOP").code == 200
    assert alice.cmd("RNTO moved.txt").code == 503
    assert os.path.exists(ftpenv.home("alice", "hello.txt"))


def pwd(c):
    r = c.cmd("PWD")
    assert r.code == 257, r
    m = re.match(r'257 "((?:[^"]|"")*)"', r.lines[-1])
    assert m, r
    return m.group(1).replace('""', '"')


def test_directory_commands(alice, ftpenv):
    """MKD, CWD, PWD, CDUP, RMD and their X-forms work and change the disk."""
    home = ftpenv.home("alice")
    assert pwd(alice) == home
    r = alice.cmd("MKD newdir")
    assert r.code == 257 and "newdir" in r.text, r
    st = os.stat(os.path.join(home, "newdir"))
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == 2001 and st.st_gid == 2001
    assert alice.cmd("CWD newdir").code == 250
    assert pwd(alice) == os.path.join(home, "newdir")
    assert alice.cmd("CDUP").code in (200, 250)
    assert pwd(alice) == home
    assert alice.cmd("XMKD xdir").code == 257
    assert alice.cmd("XCWD xdir").code == 250
    r = alice.cmd("XPWD")
    assert r.code == 257 and "xdir" in r.text
    assert alice.cmd("XCUP").code in (200, 250)
    assert alice.cmd("XRMD xdir").code == 250
    assert alice.cmd("RMD newdir").code == 250
    assert not os.path.exists(os.path.join(home, "newdir"))
    assert not os.path.exists(os.path.join(home, "xdir"))


def test_mkd_quote_doubled(alice, ftpenv):
    """MKD of a name with a double quote: 257 doubles the quote (RFC 959 App. II)."""
    r = alice.cmd('MKD a"b')
    assert r.code == 257, r
    assert 'a""b' in r.text, r
    assert os.path.isdir(ftpenv.home("alice", 'a"b'))


def test_cwd_errors(alice):
    """CWD to a missing directory or to a file is 550."""
    assert alice.cmd("CWD nosuchdir").code == 550
    assert alice.cmd("CWD hello.txt").code == 550


def test_rmd_nonempty(alice):
    """RMD of a non-empty directory is 550."""
    assert alice.cmd("RMD docs").code == 550


def test_dele(alice, ftpenv):
    """DELE removes a file (250); a missing file is 550."""
    assert alice.cmd("DELE hello.txt").code == 250
    assert not os.path.exists(ftpenv.home("alice", "hello.txt"))
    assert alice.cmd("DELE hello.txt").code == 550


def test_rename(alice, ftpenv):
    """RNFR (350) + RNTO (250) renames; RNFR of a missing file is 550."""
    assert alice.cmd("RNFR hello.txt").code == 350
    assert alice.cmd("RNTO renamed.txt").code == 250
    with open(ftpenv.home("alice", "renamed.txt"), "rb") as f:
        assert f.read() == HELLO
    assert not os.path.exists(ftpenv.home("alice", "hello.txt"))
    assert alice.cmd("RNFR nosuchfile").code == 550


def test_size(alice):
    """SIZE gives the octet count (213); directories and missing files are 550."""
    alice.cmd("TYPE I")
    assert alice.cmd("SIZE hello.txt").text == "213 %d" % len(HELLO)
    assert alice.cmd("SIZE docs").code == 550
    assert alice.cmd("SIZE nosuchfile").code == 550


def test_mdtm_utc(alice, ftpenv):
    """MDTM gives the modification time in UTC as YYYYMMDDHHMMSS."""
    t = calendar.timegm((2020, 1, 2, 3, 4, 5, 0, 0, 0))
    os.utime(ftpenv.home("alice", "hello.txt"), (t, t))
    r = alice.cmd("MDTM hello.txt")
    assert r.code == 213
    assert re.fullmatch(r"213 20200102030405(\.\d+)?", r.text), r
    assert alice.cmd("MDTM nosuchfile").code == 550


def test_stat_server(alice):
    """STAT without argument is a 211 multi-line status."""
    r = alice.cmd("STAT")
    assert r.code == 211 and r.multiline, r


def test_stat_directory(alice):
    """STAT dir lists it over the control connection (212/213/211 multi-line)."""
    r = alice.cmd("STAT docs")
    assert r.code in (211, 212, 213) and r.multiline, r
    assert "a.txt" in r.text and "b.txt" in r.text
    for line in r.lines[1:-1]:
        assert not re.match(r"^\d{3}[ -]", line), "inner line looks like a reply: %r" % line


def test_stat_file(alice):
    """STAT file gives its listing line."""
    r = alice.cmd("STAT hello.txt")
    assert r.code in (211, 212, 213), r
    assert "hello.txt" in r.text


def test_allo(alice):
    """ALLO is superfluous: 202 (or 200)."""
    assert alice.cmd("ALLO 1000").code in (200, 202)


def test_smnt(alice):
    """SMNT is not implemented: 502."""
    assert alice.cmd("SMNT /").code == 502


def test_acct(alice):
    """ACCT after login is superfluous: 202."""
    assert alice.cmd("ACCT project").code == 202


def test_site_help(alice):
    """SITE HELP is 214."""
    assert alice.cmd("SITE HELP").code == 214


def test_site_chmod(alice, ftpenv):
    """SITE CHMOD 600 file is 200 and changes the mode."""
    assert alice.cmd("SITE CHMOD 600 hello.txt").code == 200
    assert stat.S_IMODE(os.stat(ftpenv.home("alice", "hello.txt")).st_mode) == 0o600
    assert alice.cmd("SITE CHMOD 600 nosuchfile").code == 550
    assert alice.cmd("SITE CHMOD 99x hello.txt").code == 501


def test_site_chmod_other_users_file(alice, ftpenv):
    """SITE CHMOD on a file alice does not own is refused (550)."""
    path = ftpenv.write(ftpenv.home("alice", "roots.txt"), b"root's\n")
    assert alice.cmd("SITE CHMOD 666 roots.txt").code == 550
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_site_umask(alice, ftpenv):
    """SITE UMASK 077 is 200 and files stored afterwards are mode 600."""
    assert alice.cmd("SITE UMASK 077").code == 200
    alice.stor("private.txt", b"secret\n")
    assert stat.S_IMODE(os.stat(ftpenv.home("alice", "private.txt")).st_mode) == 0o600


def test_default_umask(alice, ftpenv):
    """With the default umask 022 a stored file is mode 644 and owned by alice."""
    alice.stor("public.txt", b"data\n")
    st = os.stat(ftpenv.home("alice", "public.txt"))
    assert stat.S_IMODE(st.st_mode) == 0o644
    assert (st.st_uid, st.st_gid) == (2001, 2001)


def test_site_idle(alice):
    """SITE IDLE 60 is 200."""
    assert alice.cmd("SITE IDLE 60").code == 200


def test_rest(alice):
    """REST 100 is 350; a non-number is 501."""
    assert alice.cmd("REST 100").code == 350
    assert alice.cmd("REST abc").code == 501


def test_rein_or_not(alice):
    """REIN is either done (220) or refused as not implemented (502)."""
    assert alice.cmd("REIN").code in (220, 502)


def test_permissions_are_alices(alice, ftpenv):
    """alice cannot write into bob's home nor read bob's private file."""
    ftpenv.user_file("bob", "private.txt", b"bob only\n", mode=0o600)
    bob_home = ftpenv.home("bob")
    assert alice.cmd("MKD %s/intruder" % bob_home).code == 550
    assert not os.path.exists(os.path.join(bob_home, "intruder"))
    assert alice.xfer("RETR %s/private.txt" % bob_home).pre.code == 550
    assert alice.xfer("RETR %s/bob.txt" % bob_home).ok


def test_write_enable_no(ftpenv):
    """write_enable no refuses STOR, DELE, MKD, RNFR and SITE CHMOD with 550."""
    srv = ftpenv.inetd(write_enable=False)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.xfer("STOR new.txt", upload=b"x").pre.code in (550, 553)
    for line in ("DELE hello.txt", "MKD d", "RNFR hello.txt", "SITE CHMOD 600 hello.txt"):
        assert c.cmd(line).code == 550, line
    assert os.path.exists(ftpenv.home("alice", "hello.txt"))
    assert c.retr("hello.txt") == HELLO


def test_mfmt(alice, ftpenv):
    """MFMT sets a file's (or directory's) modification time: 213 with the time, MDTM
    and stat agree; the access time stays."""
    path = ftpenv.home("alice", "hello.txt")
    atime = os.stat(path).st_atime
    r = alice.cmd("MFMT 20200102030405 hello.txt")
    assert r.text == "213 Modify=20200102030405; hello.txt", r
    st = os.stat(path)
    assert st.st_mtime == calendar.timegm((2020, 1, 2, 3, 4, 5)) and st.st_atime == atime
    assert alice.cmd("MDTM hello.txt").text == "213 20200102030405"
    assert alice.cmd("MFMT 19991231235959.5 docs").code == 213
    assert os.stat(ftpenv.home("alice", "docs")).st_mtime == \
        calendar.timegm((1999, 12, 31, 23, 59, 59)) + 0.5
    ftpenv.user_file("alice", "name with space.txt", b"x")
    assert alice.cmd("MFMT 20210304050607 name with space.txt").code == 213
    assert os.stat(ftpenv.home("alice", "name with space.txt")).st_mtime == \
        calendar.timegm((2021, 3, 4, 5, 6, 7))


@pytest.mark.parametrize("line,code", [
    ("MFMT", 501), ("MFMT 20200102030405", 501), ("MFMT 20200102030405 ", 501),
    ("MFMT 2020010203040 hello.txt", 501), ("MFMT 20200230000000 hello.txt", 501),
    ("MFMT 20200102030405x hello.txt", 501), ("MFMT 20200102030405 nosuch", 550),
])
def test_mfmt_errors(alice, ftpenv, line, code):
    """MFMT with a bad time, no file name or no such file is refused; nothing changes."""
    before = os.stat(ftpenv.home("alice", "hello.txt")).st_mtime
    assert alice.cmd(line).code == code
    assert os.stat(ftpenv.home("alice", "hello.txt")).st_mtime == before


def test_mfmt_needs_write_permission(ftpenv):
    """MFMT follows STOR's rules: refused for anonymous users and without write_enable."""
    srv = ftpenv.inetd(anon_upload=True)
    c = ftpenv.connect(srv)
    c.login_ok("anonymous", "guest@")
    assert c.cmd("MFMT 20200102030405 incoming/exists.txt").code == 550
    srv2 = ftpenv.inetd(write_enable=False)
    c2 = ftpenv.connect(srv2)
    c2.login_ok("alice")
    assert c2.cmd("MFMT 20200102030405 hello.txt").code == 550
    assert c.cmd("MDTM incoming/exists.txt").text != "213 20200102030405"
