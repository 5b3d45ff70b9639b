"""Anonymous sessions: read-only by default, chrooted, optional new-file uploads."""

import os

from ftpdtest import ANON_UID, curl


def anon(ftpenv, server):
    c = ftpenv.connect(server)
    c.login_ok("anonymous", "guest@example.org")
    return c


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_anonymous_download(ftpenv, server):
    """Anonymous users download from pub/."""
    c = anon(ftpenv, server)
    assert c.retr("pub/readme.txt") == b"anonymous readme\n"


def test_anonymous_chroot(ftpenv, server):
    """Anonymous users are chrooted: PWD is /, .. goes nowhere, /etc/passwd is not there."""
    c = anon(ftpenv, server)
    assert c.cmd("PWD").text.startswith('257 "/"')
    c.cmd("CWD ../../..")
    assert c.cmd("PWD").text.startswith('257 "/"')
    assert sorted(c.nlst()) in (["incoming", "pub"], ["/incoming", "/pub"])
    assert c.xfer("RETR /etc/passwd").pre.code == 550


def test_anonymous_upload_refused(ftpenv, server):
    """By default anonymous STOR, MKD, DELE and RNFR are refused (550/553)."""
    c = anon(ftpenv, server)
    x = c.xfer("STOR incoming/new.txt", upload=b"x\n")
    assert x.pre.code in (550, 553), x
    assert not os.path.exists(ftpenv.anon("incoming", "new.txt"))
    assert c.cmd("MKD incoming/d").code == 550
    assert c.cmd("DELE incoming/exists.txt").code == 550
    assert c.cmd("RNFR incoming/exists.txt").code == 550
    assert c.cmd("SITE CHMOD 777 incoming/exists.txt").code in (550, 502)
    assert os.path.exists(ftpenv.anon("incoming", "exists.txt"))


def test_anonymous_upload_allowed(ftpenv):
    """With anon_upload yes anonymous users may create new files, owned by the ftp account."""
    srv = ftpenv.inetd(anon_upload=True)
    c = anon(ftpenv, srv)
    c.stor("incoming/new.txt", b"uploaded\n")
    path = ftpenv.anon("incoming", "new.txt")
    assert read(path) == b"uploaded\n"
    assert os.stat(path).st_uid == ANON_UID


def test_anonymous_upload_no_overwrite(ftpenv):
    """With anon_upload yes an existing file can still not be overwritten, appended or deleted."""
    srv = ftpenv.inetd(anon_upload=True)
    c = anon(ftpenv, srv)
    x = c.xfer("STOR incoming/exists.txt", upload=b"overwrite\n")
    assert x.pre.code in (550, 553), x
    x = c.xfer("APPE incoming/exists.txt", upload=b"more\n")
    assert x.pre.code in (550, 553), x
    assert c.cmd("DELE incoming/exists.txt").code == 550
    assert read(ftpenv.anon("incoming", "exists.txt")) == b"already here\n"


def test_anonymous_umask(ftpenv):
    """Anonymous uploads get anon_umask (default 022): mode 644."""
    srv = ftpenv.inetd(anon_upload=True)
    c = anon(ftpenv, srv)
    c.stor("incoming/m.txt", b"m\n")
    assert os.stat(ftpenv.anon("incoming", "m.txt")).st_mode & 0o777 == 0o644


def test_anonymous_curl(ftpenv, server):
    """curl's default anonymous login downloads from pub/."""
    cp = curl([server.url("pub/readme.txt")], ftpenv.dir)
    assert cp.stdout == b"anonymous readme\n"
