"""Real clients against the server: curl, lftp, wget and Python's ftplib."""

import ftplib
import io
import os
import subprocess

import pytest

from ftpdtest import HELLO, USERS, curl, lftp, run_tool, tool

PW = USERS["alice"]["pw"]


def read(path):
    with open(path, "rb") as f:
        return f.read()


# -- curl ---------------------------------------------------------------------

def test_curl_download(server, ftpenv):
    """curl downloads a file."""
    cp = curl(["--user", "alice:" + PW, server.url("hello.txt")], ftpenv.dir)
    assert cp.stdout == HELLO


def test_curl_download_subdir(server, ftpenv):
    """curl downloads from a subdirectory (CWD per path component)."""
    cp = curl(["--user", "alice:" + PW, server.url("docs/a.txt")], ftpenv.dir)
    assert cp.stdout == b"file a\n"


def test_curl_download_active(server, ftpenv):
    """curl -P - (active mode, PORT/EPRT) downloads a file."""
    cp = curl(["-P", "127.0.0.1", "--user", "alice:" + PW, server.url("hello.txt")], ftpenv.dir)
    assert cp.stdout == HELLO


def test_curl_upload(server, ftpenv):
    """curl -T uploads a file byte for byte."""
    src = os.path.join(ftpenv.dir, "upload.bin")
    data = os.urandom(300000)
    with open(src, "wb") as f:
        f.write(data)
    curl(["--user", "alice:" + PW, "-T", src, server.url("up.bin")], ftpenv.dir)
    assert read(ftpenv.home("alice", "up.bin")) == data


def test_curl_list(server, ftpenv):
    """curl lists a directory URL."""
    cp = curl(["--user", "alice:" + PW, server.url("docs/")], ftpenv.dir)
    assert b"a.txt" in cp.stdout and b"b.txt" in cp.stdout
    cp = curl(["--user", "alice:" + PW, "--list-only", server.url("docs/")], ftpenv.dir)
    assert sorted(cp.stdout.split()) == [b"a.txt", b"b.txt"]


def test_curl_quote_commands(server, ftpenv):
    """curl -Q runs MKD before and DELE after a transfer."""
    curl(["--user", "alice:" + PW, "-Q", "MKD qdir", "-Q", "-DELE docs/a.txt",
          server.url("hello.txt"), "-o", os.path.join(ftpenv.dir, "a.out")], ftpenv.dir)
    assert os.path.isdir(ftpenv.home("alice", "qdir"))
    assert not os.path.exists(ftpenv.home("alice", "docs", "a.txt"))
    assert read(os.path.join(ftpenv.dir, "a.out")) == HELLO


def test_curl_wrong_password(server, ftpenv):
    """curl reports a login failure (exit 67) for a wrong password."""
    cp = curl(["--user", "alice:wrong", server.url("hello.txt")], ftpenv.dir, check=False)
    assert cp.returncode == 67, cp


def test_curl_resume(server, ftpenv):
    """curl -C - resumes a partial download (REST)."""
    data = os.urandom(200000)
    ftpenv.user_file("alice", "resume.bin", data)
    out = os.path.join(ftpenv.dir, "resume.out")
    with open(out, "wb") as f:
        f.write(data[:50000])
    curl(["--user", "alice:" + PW, "-C", "-", "-o", out, server.url("resume.bin")], ftpenv.dir)
    assert read(out) == data


# -- lftp ---------------------------------------------------------------------

def make_tree(root):
    os.makedirs(os.path.join(root, "sub", "deeper"))
    os.makedirs(os.path.join(root, "emptydir"))
    files = {"top.txt": b"top\n", "sub/bin.dat": bytes(range(256)) * 300,
             "sub/deeper/z.txt": b"zz\n" * 1000, "sub/empty": b"",
             "name with space.txt": b"spaces\n"}
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    return files


def diff_r(a, b):
    cp = subprocess.run(["diff", "-r", a, b], capture_output=True, timeout=30)
    assert cp.returncode == 0, cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")


def test_lftp_mirror_both_ways(server, ftpenv):
    """lftp mirror -R uploads a tree and mirror downloads it back; diff -r finds nothing."""
    src = os.path.join(ftpenv.dir, "tree")
    make_tree(src)
    lftp(server, "alice", PW, "mirror -R %s up" % src, ftpenv.dir)
    diff_r(src, ftpenv.home("alice", "up"))
    back = os.path.join(ftpenv.dir, "back")
    lftp(server, "alice", PW, "mirror up %s" % back, ftpenv.dir)
    diff_r(src, back)


def test_lftp_cls(server, ftpenv):
    """lftp cls -l shows names and sizes."""
    cp = lftp(server, "alice", PW, "cls -l docs", ftpenv.dir)
    out = cp.stdout.decode()
    assert "a.txt" in out and "b.txt" in out
    line = [l for l in out.splitlines() if "b.txt" in l][0]
    assert " 15 " in line, out


def test_lftp_get_put(server, ftpenv):
    """lftp get and put move files unchanged."""
    out = os.path.join(ftpenv.dir, "got.txt")
    lftp(server, "alice", PW, "get hello.txt -o %s" % out, ftpenv.dir)
    assert read(out) == HELLO
    lftp(server, "alice", PW, "put %s -o put.txt" % out, ftpenv.dir)
    assert read(ftpenv.home("alice", "put.txt")) == HELLO


def test_lftp_active_mode(server, ftpenv):
    """lftp with passive mode off (PORT/EPRT) lists and downloads."""
    out = os.path.join(ftpenv.dir, "got.txt")
    lftp(server, "alice", PW, "set ftp:passive-mode off; ls; get hello.txt -o %s" % out,
         ftpenv.dir)
    assert read(out) == HELLO


def test_lftp_wrong_password(server, ftpenv):
    """lftp fails on a wrong password."""
    cp = lftp(server, "alice", "wrong", "ls", ftpenv.dir, check=False, timeout=60)
    assert cp.returncode != 0


# -- wget ---------------------------------------------------------------------

def test_wget_download(server, ftpenv):
    """wget downloads a file."""
    exe = tool("wget")
    out = os.path.join(ftpenv.dir, "wget.out")
    run_tool([exe, "-q", "--no-config", "--tries=1", "--timeout=10", "-O", out,
              "--user=alice", "--password=" + PW, server.url("docs/b.txt")], ftpenv.dir)
    assert read(out) == b"file b, longer\n"


def test_wget_anonymous(server, ftpenv):
    """wget downloads anonymously from pub/."""
    exe = tool("wget")
    out = os.path.join(ftpenv.dir, "wget.out")
    run_tool([exe, "-q", "--no-config", "--tries=1", "--timeout=10", "-O", out,
              server.url("pub/readme.txt")], ftpenv.dir)
    assert read(out) == b"anonymous readme\n"


# -- ftplib ---------------------------------------------------------------------

def test_ftplib_session(server, ftpenv):
    """ftplib: login, mkd, cwd, storbinary, retrbinary, size, rename, nlst, delete, rmd, quit."""
    f = ftplib.FTP()
    f.connect(server.host, server.port, timeout=10)
    assert "WELCOME-MARK" in f.getwelcome()
    f.login("alice", PW)
    assert f.pwd() == ftpenv.home("alice")
    f.mkd("work")
    f.cwd("work")
    data = os.urandom(100000)
    f.storbinary("STOR blob", io.BytesIO(data))
    assert f.size("blob") == len(data)
    got = io.BytesIO()
    f.retrbinary("RETR blob", got.write)
    assert got.getvalue() == data
    f.rename("blob", "blob2")
    assert f.nlst() == ["blob2"]
    f.storlines("STOR lines.txt", io.BytesIO(b"one\ntwo\n"))
    assert read(ftpenv.home("alice", "work", "lines.txt")) == b"one\ntwo\n"
    lines = []
    f.retrlines("RETR lines.txt", lines.append)
    assert lines == ["one", "two"]
    f.delete("blob2")
    f.delete("lines.txt")
    f.cwd("..")
    f.rmd("work")
    assert f.quit().startswith("221")
    assert not os.path.exists(ftpenv.home("alice", "work"))


def test_ftplib_active(server, ftpenv):
    """ftplib in active mode (set_pasv False) retrieves and stores."""
    f = ftplib.FTP()
    f.connect(server.host, server.port, timeout=10)
    f.login("alice", PW)
    f.set_pasv(False)
    got = io.BytesIO()
    f.retrbinary("RETR hello.txt", got.write)
    assert got.getvalue() == HELLO
    f.storbinary("STOR act.txt", io.BytesIO(b"active\n"))
    f.quit()
    assert read(ftpenv.home("alice", "act.txt")) == b"active\n"


def test_ftplib_errors(server):
    """ftplib sees permanent errors as error_perm."""
    f = ftplib.FTP()
    f.connect(server.host, server.port, timeout=10)
    with pytest.raises(ftplib.error_perm):
        f.login("alice", "wrong")
    f.login("alice", PW)
    with pytest.raises(ftplib.error_perm):
        f.retrbinary("RETR nosuchfile", lambda b: None)
    with pytest.raises(ftplib.error_perm):
        f.cwd("nosuchdir")
    f.quit()
