"""make install and make uninstall into a temporary DESTDIR with PREFIX=/usr.

The binaries under test (the directory of FTPD, as BUILD) are installed as they
are: make runs with -o on them, so nothing is rebuilt while other tests use them.
"""

import glob
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

from ftpdtest import FTPD

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.dirname(FTPD)
PREFIX = "/usr"
SYSCONFDIR = "/etc"
DOC = PREFIX + "/share/doc/ftpd"
MAN = PREFIX + "/share/man"


def make(target, dest, **extra):
    """Run make TARGET into DEST with this tree's sources; returns its output."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DESTDIR", "PREFIX")}
    cmd = ["make", "--no-print-directory", "-C", TOP,
           "-o", os.path.join(BUILD, "ftpd"), "-o", os.path.join(BUILD, "ftpsd"), target,
           "BUILD=" + BUILD, "DESTDIR=" + dest, "PREFIX=" + PREFIX,
           "SYSCONFDIR=" + SYSCONFDIR]
    cmd += ["%s=%s" % kv for kv in extra.items()]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0, "make %s failed:\n%s" % (target, r.stdout)
    return r.stdout


def expected():
    """{installed path: mode or "link"} for everything make install must put in place."""
    want = {PREFIX + "/sbin/ftpd": 0o755, PREFIX + "/sbin/ftpsd": 0o755,
            MAN + "/man8/ftpsd.8": "link",
            SYSCONFDIR + "/pam.d/ftp": 0o644, SYSCONFDIR + "/ftpd/ftpd.conf": 0o644}
    for page in glob.glob(os.path.join(TOP, "man", "*.[0-9]")):
        name = os.path.basename(page)
        want["%s/man%s/%s" % (MAN, name.rsplit(".", 1)[1], name)] = 0o644
    for d, _, files in os.walk(os.path.join(TOP, "examples")):
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), TOP)
            want[DOC + "/" + rel] = 0o644
    return want


def tree(root):
    """Every non-directory under ROOT, as absolute paths inside it."""
    out = set()
    for d, _, files in os.walk(root):
        for f in files:
            out.add("/" + os.path.relpath(os.path.join(d, f), root))
    return out


@pytest.fixture
def destdir():
    for b in ("ftpd", "ftpsd"):
        if not os.access(os.path.join(BUILD, b), os.X_OK):
            pytest.fail("%s/%s was not built" % (BUILD, b))
    d = tempfile.mkdtemp(prefix="ftpd-install.")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_install_tree_and_uninstall(destdir):
    """install puts every file in place with its mode, pages lint clean; uninstall removes all."""
    make("install", destdir)
    want = expected()
    assert tree(destdir) == set(want)
    for path, mode in want.items():
        full = destdir + path
        if mode == "link":
            assert os.path.islink(full) and os.readlink(full) == "ftpd.8", path
            assert os.path.isfile(full), path + " is a dangling link"
        else:
            st = os.lstat(full)
            assert stat.S_ISREG(st.st_mode), path
            assert stat.S_IMODE(st.st_mode) == mode, "%s: mode %o, expected %o" % (
                path, stat.S_IMODE(st.st_mode), mode)
    for b in ("ftpd", "ftpsd"):
        with open(os.path.join(BUILD, b), "rb") as a, open(destdir + PREFIX + "/sbin/" + b,
                                                          "rb") as c:
            assert a.read() == c.read(), b
    with open(os.path.join(TOP, "pam", "ftp")) as a, open(destdir + "/etc/pam.d/ftp") as c:
        assert a.read() == c.read()

    if shutil.which("mandoc"):
        pages = sorted(destdir + p for p in want if p.startswith(MAN + "/"))
        r = subprocess.run(["mandoc", "-Tlint", "-W", "warning"] + pages,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=60)
        assert r.returncode == 0 and r.stdout == "", r.stdout

    make("uninstall", destdir)
    assert tree(destdir) == set()
    assert not os.path.exists(destdir + DOC)
    assert not os.path.exists(destdir + SYSCONFDIR + "/ftpd")


def test_install_keeps_administrators_files(destdir):
    """An existing PAM file and an edited ftpd.conf survive install and uninstall."""
    os.makedirs(destdir + "/etc/pam.d")
    pam = destdir + "/etc/pam.d/ftp"
    with open(pam, "w") as f:
        f.write("auth required pam_deny.so\n")
    out = make("install", destdir)
    assert "pam.d/ftp exists: kept" in out
    with open(pam) as f:
        assert f.read() == "auth required pam_deny.so\n"

    conf = destdir + "/etc/ftpd/ftpd.conf"
    with open(conf, "a") as f:
        f.write("banner edited\n")
    make("install", destdir)
    make("uninstall", destdir)
    assert tree(destdir) == {"/etc/pam.d/ftp", "/etc/ftpd/ftpd.conf"}
    with open(conf) as f:
        assert f.read().endswith("banner edited\n")
