"""Real clients against ftpd set up the way a firewalled production host is.

Every test here starts the server with what an administrator of such a host
writes: a passive range of PASV_PORTS ports, `tls_session_reuse require` (the
default, written out), TLS required for local logins, and a certificate that a
test CA signed (the certificate file holds the leaf only).  Then curl, lftp,
wget, rclone, Debian's ftp-ssl and Python's ftplib do what their users do with
them: whole trees of files with spaces and UTF-8 in their names, hundreds of
transfers a minute through the passive range.  Every file is compared by
SHA-256.  A client that is not installed skips its test.
"""

import ftplib
import hashlib
import io
import os
import random
import shutil
import ssl
import subprocess
import time
import urllib.parse
from collections import namedtuple

import pytest

from ftpclient import ReuseFTP_TLS, tls_context
from ftpdtest import SLOW, USERS, ProtocolError, Reply, free_port_block, run_tool, tool

ALICE_PW = USERS["alice"]["pw"]
PASV_PORTS = 20             # the size of the passive range a firewall opens
TREE_FILES = 150
MINUTE = 60.0 * SLOW
TLS12, TLS13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3


# --------------------------------------------------------------------------
# the certificate: a test root CA and a leaf for localhost it signed directly

Certs = namedtuple("Certs", "ca cert key")


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A test root CA and a localhost/127.0.0.1 leaf signed directly by it."""
    if not shutil.which("openssl"):
        pytest.skip("SKIPPED: openssl is not installed")
    d = tmp_path_factory.mktemp("interop-certs")

    def openssl(*args):
        cp = subprocess.run(["openssl"] + list(args), capture_output=True, timeout=60, cwd=d)
        assert cp.returncode == 0, "openssl %s: %s" % (args[0], cp.stderr.decode(errors="replace"))

    openssl("req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "3",
            "-subj", "/CN=ftpd interop test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", "ca.key", "-out", "ca.crt")
    openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=localhost",
            "-keyout", "leaf.key", "-out", "leaf.csr")
    (d / "leaf.ext").write_text("basicConstraints=CA:FALSE\n"
                                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                "extendedKeyUsage=serverAuth\n"
                                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-set_serial", "2", "-days", "2", "-extfile", "leaf.ext", "-out", "leaf.crt")
    return Certs(ca=str(d / "ca.crt"), cert=str(d / "leaf.crt"), key=str(d / "leaf.key"))


# --------------------------------------------------------------------------
# the configuration of a firewalled host

def free_port_range(n=PASV_PORTS):
    """(low, high) of N consecutive free ports for the passive range."""
    low = free_port_block(n)
    return low, low + n - 1


def firewalled(certs, **kw):
    """ftpd.conf keywords of a firewalled production host, plus KW."""
    low, high = free_port_range()
    opts = dict(tls_cert_file=certs.cert, tls_key_file=certs.key,
                tls_required="login", tls_session_reuse="require",
                pasv_min_port=low, pasv_max_port=high)
    opts.update(kw)
    return opts


def in_range(opts, port):
    return opts["pasv_min_port"] <= port <= opts["pasv_max_port"]


def start_server(ftpenv, opts, kind="inetd"):
    """Start ftpd with OPTS under the inetd stand-in or the real xinetd, and check
    that it greets: a configuration it refuses fails here, with its error."""
    srv = ftpenv.xinetd(**opts) if kind == "xinetd" else ftpenv.inetd(**opts)
    try:
        greeting = ftpenv.connect(srv).greeting
    except (EOFError, OSError, ProtocolError) as e:
        greeting = e
    if not isinstance(greeting, Reply) or greeting.code != 220:
        errs = ([l for l in ftpenv.stderr_text().splitlines() if l.strip()]
                or [l for l in ftpenv.syslog_lines() if "ftpd" in l])
        pytest.fail("ftpd does not start with %s: %r; its error: %s"
                    % (" ".join("%s=%s" % (k, {True: "yes", False: "no"}.get(v, v))
                                for k, v in opts.items() if not k.endswith("_file")),
                       greeting, errs[-1] if errs else "(none logged)"), pytrace=False)
    return srv


# --------------------------------------------------------------------------
# trees of files, and comparing them

TREE_DIRS = ["", "docs", "dir é", "dir é/sub dir", "данные", "данные/深い 階層", "a/b/c/d"]
TREE_NAMES = ["файл %d.txt", "file %d.bin", "name with spaces %d", "résumé-%d.dat", "%d"]
OLD_MTIME = 1600000000          # 2020-09-13: the tree's files are older than "now"


def make_tree(root, n=TREE_FILES, seed=1, uid=0, gid=0):
    """N files under ROOT in nested directories with spaces and UTF-8 in their names,
    random contents (some empty, some several hundred KiB) and distinct whole-second
    mtimes in the past.  Returns {relative path: (sha256 hex, mtime)}."""
    rnd = random.Random(seed)
    files = {}
    for i in range(n):
        d = TREE_DIRS[i % len(TREE_DIRS)]
        rel = os.path.join(d, TREE_NAMES[i % len(TREE_NAMES)] % i)
        size = rnd.choice((0, 1, 100, 1500, 4096, 65536 + 1, 300000)) if i % 4 == 0 \
            else rnd.randrange(0, 20000)
        data = rnd.randbytes(size)
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        mtime = OLD_MTIME + i * 3671
        os.utime(path, (mtime, mtime))
        os.chown(path, uid, gid)
        files[rel] = (hashlib.sha256(data).hexdigest(), mtime)
    for dirpath, _, _ in os.walk(root):
        os.chown(dirpath, uid, gid)
    return files


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tree_files(root, ignore=()):
    """{relative path: absolute path} of every regular file under ROOT, but for
    files whose base name is in IGNORE."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name not in ignore:
                p = os.path.join(dirpath, name)
                out[os.path.relpath(p, root)] = p
    return out


def assert_same_tree(expected, root, what, ignore=(), mtimes=False, log=None):
    """Every file of EXPECTED (from make_tree) is under ROOT with the same SHA-256
    (and, with MTIMES, the same mtime within a second), and nothing else is.
    LOG: the client's CompletedProcess, whose output a failure shows."""
    tail = "\n--- client output (end)\n" + text(log)[-2500:] if log is not None else ""
    assert os.path.isdir(root), "%s: %s was not created%s" % (what, root, tail)
    got = tree_files(root, ignore)
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    differ = sorted(r for r in set(expected) & set(got) if sha256_file(got[r]) != expected[r][0])
    assert not (missing or extra or differ), (
        "%s: %d of %d files missing %s, %d unexpected %s, %d differ by SHA-256 %s%s"
        % (what, len(missing), len(expected), missing[:5], len(extra), extra[:5],
           len(differ), differ[:5], tail))
    if mtimes:
        off = sorted((r, int(os.stat(got[r]).st_mtime) - expected[r][1]) for r in expected
                     if abs(os.stat(got[r]).st_mtime - expected[r][1]) > 1)
        assert not off, ("%s: %d of %d files lost their modification time (seconds off: %s)%s"
                         % (what, len(off), len(expected), off[:5], tail))


def text(cp):
    """A client's stdout and stderr, for assertions and failure messages."""
    return (cp.stdout.decode("utf-8", "replace") + "\n" + cp.stderr.decode("utf-8", "replace"))


# --------------------------------------------------------------------------
# the clients, invoked as their users do

def curl_ftps(args, env_dir, timeout=40 * SLOW, check=True):
    """curl with explicit FTPS required (--ssl-reqd), not checking the certificate (-k)."""
    exe = tool("curl")
    return run_tool([exe, "-q", "-sS", "--ssl-reqd", "-k", "--user", "alice:" + ALICE_PW,
                     "--connect-timeout", "10", "--max-time", str(int(timeout - 5))] + args,
                    env_dir, timeout=timeout, check=check)


def lftp_ftps(server, script, env_dir, timeout=40 * SLOW, check=True):
    """lftp over explicit FTPS with protected data, as alice; SCRIPT is ;-separated."""
    exe = tool("lftp")
    cmd = ("set ftp:ssl-force yes; set ftp:ssl-protect-data yes; "
           "set ssl:verify-certificate no; set net:max-retries 1; set net:timeout %d; "
           "set net:reconnect-interval-base 1; set cmd:fail-exit yes; set cmd:interactive no; "
           "open -u alice,%s ftp://%s:%d; %s"
           % (10 * SLOW, ALICE_PW, server.host, server.port, script))
    return run_tool([exe, "-c", cmd], env_dir, timeout=timeout, check=check)


def rclone_remote(server, path=""):
    """An on-the-fly rclone ftp remote for alice (rclone() adds the TLS flags)."""
    exe = tool("rclone")
    cp = subprocess.run([exe, "obscure", ALICE_PW], capture_output=True, timeout=30, check=True)
    return ":ftp,host=%s,port=%d,user=alice,pass=%s:%s" % (
        server.host, server.port, cp.stdout.decode().strip(), path)


def rclone(args, env_dir, timeout=40 * SLOW, check=True):
    """rclone at its default concurrency, FTPS, no retries hiding a failure."""
    exe = tool("rclone")
    return run_tool([exe, "-v", "--retries", "1", "--low-level-retries", "1",
                     "--contimeout", "10s", "--timeout", "20s",
                     "--ftp-explicit-tls", "--ftp-no-check-certificate"] + args,
                    env_dir, timeout=timeout, check=check)


def ftp_ssl(server, certs, script, env_dir, timeout=40 * SLOW):
    """Debian's ftp-ssl: AUTH TLS, verifying the certificate against the test CA,
    passive, never falling back to plain FTP; SCRIPT lines on stdin after login."""
    exe = tool("ftp-ssl")
    lines = ["user alice " + ALICE_PW, "binary"] + list(script) + ["bye"]
    return run_tool([exe, "-n", "-v", "-p", "-z", "secure", "-z", "verify=1",
                     "-z", "cacert=" + certs.ca, server.host, str(server.port)],
                    env_dir, timeout=timeout, input=("\n".join(lines) + "\n").encode())


class EpsvSwitch:
    """An ftplib mixin: .use_epsv picks EPSV over PASV (ftplib uses EPSV for IPv6 only);
    .ports lists the data ports the server announced."""

    use_epsv = False

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.ports = []

    def makepasv(self):
        if self.use_epsv:
            host, port = ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
        else:
            host, port = ftplib.FTP.makepasv(self)
        self.ports.append(port)
        return host, port


class FTP_TLS_EPSV(EpsvSwitch, ReuseFTP_TLS):
    pass


class FTP_EPSV(EpsvSwitch, ftplib.FTP):
    pass


def ftplib_tls(ftpenv, server, cls=ReuseFTP_TLS, maxver=None):
    """An ftplib FTPS session logged in as alice with PROT P (closed at the test's end)."""
    f = cls(context=tls_context(maxver=maxver), timeout=15 * SLOW)
    ftpenv.clients.append(f)
    f.connect(server.host, server.port)
    f.login("alice", ALICE_PW)         # ftplib sends AUTH TLS first
    f.prot_p()
    return f


def retr(f, name):
    out = io.BytesIO()
    f.retrbinary("RETR " + name, out.write)
    return out.getvalue()


# --------------------------------------------------------------------------
# curl

@pytest.mark.parametrize("tls", ["1.2", "1.3"])
@pytest.mark.parametrize("mode", ["pasv", "epsv"])
def test_curl_ftps(ftpenv, certs, tls, mode):
    """curl --ssl-reqd uploads, downloads (a UTF-8 path too) and lists: TLS 1.2/1.3, PASV/EPSV."""
    srv = start_server(ftpenv, firewalled(certs))
    args = (["--tls-max", "1.2"] if tls == "1.2" else ["--tlsv1.3"]) + \
        (["--disable-epsv"] if mode == "pasv" else [])
    data = os.urandom(700 * 1024 + 3)
    src = ftpenv.path("up.bin")
    with open(src, "wb") as f:
        f.write(data)
    curl_ftps(args + ["-T", src, srv.url("up.bin")], ftpenv.dir)
    assert sha256_file(ftpenv.home("alice", "up.bin")) == sha256(data), "upload differs"

    ftpenv.user_dir("alice", "dir é")
    ftpenv.user_file("alice", "dir é/файл 3.txt", data[:5000])
    for name, want in (("up.bin", data), ("dir é/файл 3.txt", data[:5000])):
        cp = curl_ftps(args + [srv.url(urllib.parse.quote(name))], ftpenv.dir)
        assert sha256(cp.stdout) == sha256(want), "download of %s differs (%d bytes)" % (
            name, len(cp.stdout))

    cp = curl_ftps(args + [srv.url("")], ftpenv.dir)
    names = [l.split(None, 8)[-1] for l in cp.stdout.decode().splitlines()]
    assert "up.bin" in names and "dir é" in names, cp.stdout
    cp = curl_ftps(args + ["--list-only", srv.url(urllib.parse.quote("dir é") + "/")],
                   ftpenv.dir)
    assert cp.stdout.decode().splitlines() == ["файл 3.txt"], cp.stdout


@pytest.mark.parametrize("kind", ["inetd", "xinetd"])
def test_curl_60_fresh_sessions(ftpenv, certs, kind):
    """60 curl downloads in a row, each a fresh session, go through the 20-port range."""
    opts = firewalled(certs)
    srv = start_server(ftpenv, opts, kind)
    data = os.urandom(64 * 1024)
    ftpenv.user_file("alice", "blob.bin", data)
    t0 = time.monotonic()
    for i in range(60):
        args = ["--disable-epsv"] if i % 2 else []
        cp = curl_ftps(args + [srv.url("blob.bin")], ftpenv.dir, timeout=30 * SLOW,
                       check=False)
        assert cp.returncode == 0, "download %d of 60 (%s, %d-port range %d-%d) failed: " \
            "curl exit %d: %s" % (i + 1, "PASV" if args else "EPSV", PASV_PORTS,
                                  opts["pasv_min_port"], opts["pasv_max_port"],
                                  cp.returncode, text(cp).strip())
        assert sha256(cp.stdout) == sha256(data), "download %d of 60 differs" % (i + 1)
    took = time.monotonic() - t0
    assert took < MINUTE, "60 downloads took %.0f seconds" % took


# --------------------------------------------------------------------------
# lftp

def test_lftp_mirror_tree_both_ways(ftpenv, certs):
    """lftp mirror -R then mirror of 150 files over FTPS: every file SHA-256 equal, mtimes kept."""
    srv = start_server(ftpenv, firewalled(certs))
    src = ftpenv.path("tree")
    files = make_tree(src)
    put = lftp_ftps(srv, 'mirror -R "%s" tree' % src, ftpenv.dir)
    up = ftpenv.home("alice", "tree")
    assert_same_tree(files, up, "lftp mirror -R, the server's copy", log=put)
    back = ftpenv.path("back")
    get = lftp_ftps(srv, 'mirror tree "%s"' % back, ftpenv.dir)
    assert_same_tree(files, back, "lftp mirror, the downloaded copy", log=get)
    assert_same_tree(files, up, "lftp mirror -R, the server's copy (lftp sets mtimes with MFMT)",
                     mtimes=True, log=put)
    assert_same_tree(files, back, "lftp mirror, the downloaded copy", mtimes=True, log=get)


# --------------------------------------------------------------------------
# wget

def test_wget_mirror_anonymous_plain(ftpenv, certs):
    """wget -m mirrors a 150-file anonymous tree over plain FTP; every file SHA-256 equal."""
    exe = tool("wget")
    srv = start_server(ftpenv, firewalled(certs))
    files = make_tree(ftpenv.anon("pub", "tree"))
    out = ftpenv.path("wget")
    cp = run_tool([exe, "--no-config", "-m", "-nv", "-nH", "--tries=1", "--timeout=10",
                   "-P", out, srv.url("pub/tree/")], ftpenv.dir, timeout=60 * SLOW,
                  check=False)
    assert cp.returncode == 0, "wget -m exited %d: %s" % (cp.returncode, text(cp)[-3000:])
    assert_same_tree(files, os.path.join(out, "pub", "tree"), "wget -m (anonymous, plain FTP)",
                     ignore=(".listing",), log=cp)


def test_wget_mirror_ftps(ftpenv, certs):
    """wget -m ftps:// (explicit FTPS, session resumed) mirrors alice's 150-file tree."""
    exe = tool("wget")
    srv = start_server(ftpenv, firewalled(certs))
    u = USERS["alice"]
    files = make_tree(ftpenv.home("alice", "tree"), uid=u["uid"], gid=u["gid"])
    out = ftpenv.path("wget")
    url = "ftps://%s:%d/tree/" % (srv.host, srv.port)
    cp = run_tool([exe, "--no-config", "-m", "-nv", "-nH", "--tries=1", "--timeout=10",
                   "--ca-certificate=" + certs.ca, "--ftps-resume-ssl",
                   "--user=alice", "--password=" + ALICE_PW, "-P", out, url],
                  ftpenv.dir, timeout=60 * SLOW, check=False)
    assert cp.returncode == 0, "wget -m ftps:// exited %d: %s" % (cp.returncode,
                                                                  text(cp)[-3000:])
    assert_same_tree(files, os.path.join(out, "tree"), "wget -m (alice, FTPS)",
                     ignore=(".listing",), log=cp)


# --------------------------------------------------------------------------
# rclone

def test_rclone_copy_both_ways_exempt(ftpenv, certs):
    """rclone copy up and back at default concurrency works for a tls_session_reuse_exempt user."""
    srv = start_server(ftpenv, firewalled(certs, tls_session_reuse_exempt="alice"))
    src = ftpenv.path("tree")
    files = make_tree(src)
    put = rclone(["copy", src, rclone_remote(srv, "tree")], ftpenv.dir)
    assert_same_tree(files, ftpenv.home("alice", "tree"), "rclone copy up, the server's copy",
                     log=put)
    back = ftpenv.path("back")
    get = rclone(["copy", rclone_remote(srv, "tree"), back], ftpenv.dir)
    assert_same_tree(files, back, "rclone copy back, the downloaded copy", log=get)


def test_rclone_without_exemption_gets_522(ftpenv, certs):
    """rclone 1.60 at its default concurrency, not exempt, gets a 522 naming the exemption."""
    # rclone shares one TLS session cache among all its control and data
    # connections, so at its default concurrency a data connection resumes
    # another control connection's session, which `require` refuses.  If a
    # later rclone stops doing that, this test fails and should be updated.
    srv = start_server(ftpenv, firewalled(certs))
    src = ftpenv.path("tree")
    make_tree(src)
    cp = rclone(["copy", src, rclone_remote(srv, "tree")], ftpenv.dir, check=False)
    out = text(cp)
    assert cp.returncode != 0, "rclone copy now works without the exemption:\n" + out[-3000:]
    lines = [l for l in out.splitlines() if "522" in l]
    assert lines, "rclone failed without a 522 in its log:\n" + out[-3000:]
    assert any("tls_session_reuse_exempt" in l for l in lines), (
        "the 522 rclone shows does not name tls_session_reuse_exempt: %s" % lines[0].strip())


# --------------------------------------------------------------------------
# Python's ftplib

@pytest.mark.parametrize("maxver", [TLS12, TLS13], ids=["tls1.2", "tls1.3"])
def test_stock_ftplib_refused_with_readable_522(ftpenv, certs, maxver):
    """Stock ftplib.FTP_TLS (never resumes) gets error_perm 522 naming tls_session_reuse_exempt."""
    srv = start_server(ftpenv, firewalled(certs))
    f = ftplib_tls(ftpenv, srv, cls=ftplib.FTP_TLS, maxver=maxver)
    try:
        retr(f, "hello.txt")
    except ftplib.error_perm as e:
        msg = str(e)
        assert msg.startswith("522") and "tls_session_reuse_exempt" in msg, \
            "the refusal does not name tls_session_reuse_exempt: %s" % msg
    except (ssl.SSLError, OSError, EOFError, ftplib.Error) as e:
        pytest.fail("stock ftplib got %s (%s) instead of a readable 522 reply"
                    % (type(e).__name__, e))
    else:
        pytest.fail("a data connection that did not resume the session was accepted")
    assert f.voidcmd("NOOP").startswith("200"), "the session did not survive the refusal"
    f.close()


@pytest.mark.parametrize("exempt", ["alice", "@staff", "127.0.0.0/8"])
def test_stock_ftplib_works_when_exempt(ftpenv, certs, exempt):
    """Stock ftplib.FTP_TLS stores, retrieves and lists when tls_session_reuse_exempt covers it."""
    srv = start_server(ftpenv, firewalled(certs, tls_session_reuse_exempt=exempt))
    f = ftplib_tls(ftpenv, srv, cls=ftplib.FTP_TLS)
    data = os.urandom(500 * 1024)
    f.storbinary("STOR stock.bin", io.BytesIO(data))
    assert sha256(retr(f, "stock.bin")) == sha256(data), "download differs"
    assert "stock.bin" in f.nlst()
    f.quit()
    assert sha256_file(ftpenv.home("alice", "stock.bin")) == sha256(data), "upload differs"


def test_stock_ftplib_refused_when_exempt_list_misses_it(ftpenv, certs):
    """tls_session_reuse_exempt naming another user and network leaves alice under require."""
    srv = start_server(ftpenv, firewalled(certs, tls_session_reuse_exempt="bob 10.0.0.0/8"))
    f = ftplib_tls(ftpenv, srv, cls=ftplib.FTP_TLS)
    with pytest.raises(ftplib.error_perm) as e:
        retr(f, "hello.txt")
    assert str(e.value).startswith("522"), str(e.value)
    f.close()


@pytest.mark.parametrize("maxver", [TLS12, TLS13], ids=["tls1.2", "tls1.3"])
def test_ftplib_with_session_reuse_under_require(ftpenv, certs, maxver):
    """ftplib that resumes the session works under require: store, retrieve, list."""
    srv = start_server(ftpenv, firewalled(certs))
    f = ftplib_tls(ftpenv, srv, maxver=maxver)
    data = os.urandom(500 * 1024)
    f.storbinary("STOR reuse.bin", io.BytesIO(data))
    assert sha256(retr(f, "reuse.bin")) == sha256(data), "download differs"
    lines = []
    f.retrlines("LIST", lines.append)
    assert any(l.endswith(" reuse.bin") for l in lines), lines
    f.quit()
    assert sha256_file(ftpenv.home("alice", "reuse.bin")) == sha256(data), "upload differs"


@pytest.mark.parametrize("session", ["tls1.2", "tls1.3", "anonymous-plain"])
def test_200_transfers_in_a_minute_one_session(ftpenv, certs, session):
    """200 downloads and listings on one session within a minute, PASV and EPSV, 20-port range."""
    # Plain FTP ends each download by closing the data connection, so the
    # server's passive port is the one left in TIME_WAIT every time; over TLS
    # it depends on which side closes first after the close_notify exchange.
    opts = firewalled(certs)
    srv = start_server(ftpenv, opts)
    blobs = {"blob%d.bin" % i: os.urandom(32 * 1024 + i) for i in range(4)}
    if session == "anonymous-plain":
        for name, data in blobs.items():
            ftpenv.write(ftpenv.anon("pub", name), data)
        f = FTP_EPSV(timeout=15 * SLOW)
        ftpenv.clients.append(f)
        f.connect(srv.host, srv.port)
        f.login()
        f.cwd("pub")
        listing = sorted(["readme.txt"] + list(blobs))
    else:
        for name, data in blobs.items():
            ftpenv.user_file("alice", name, data)
        f = ftplib_tls(ftpenv, srv, cls=FTP_TLS_EPSV,
                       maxver=TLS12 if session == "tls1.2" else TLS13)
        listing = sorted(["hello.txt", "docs"] + list(blobs))
    t0 = time.monotonic()
    for i in range(200):
        # in blocks of four: RETR, LIST, RETR, NLST; PASV blocks alternate with EPSV blocks
        op = ("RETR", "LIST", "RETR", "NLST")[i % 4]
        f.use_epsv = bool(i // 4 % 2)
        what = "%s over %s" % (op, "EPSV" if f.use_epsv else "PASV")
        try:
            if op == "RETR":
                name = "blob%d.bin" % (i // 2 % 4)
                assert sha256(retr(f, name)) == sha256(blobs[name]), \
                    "transfer %d (%s): %s differs" % (i + 1, what, name)
            elif op == "LIST":
                lines = []
                f.retrlines("LIST", lines.append)
                assert sorted(l.split()[-1] for l in lines) == listing, lines
            else:
                assert sorted(f.nlst()) == listing
        except (ftplib.Error, OSError, EOFError) as e:
            pytest.fail("transfer %d of 200 (%s) failed after %.1f s, %d-port range %d-%d: "
                        "%s: %s" % (i + 1, what, time.monotonic() - t0, PASV_PORTS,
                                    opts["pasv_min_port"], opts["pasv_max_port"],
                                    type(e).__name__, e))
    took = time.monotonic() - t0
    f.quit()
    assert took < MINUTE, "200 transfers took %.0f seconds" % took
    outside = [p for p in f.ports if not in_range(opts, p)]
    assert not outside, "data ports outside the passive range: %s" % outside[:5]


# --------------------------------------------------------------------------
# Debian's ftp-ssl

def test_ftp_ssl_download(ftpenv, certs):
    """ftp-ssl (AUTH TLS, certificate verified against the test CA) downloads byte-exact."""
    srv = start_server(ftpenv, firewalled(certs))
    data = os.urandom(400 * 1024)
    ftpenv.user_file("alice", "get.bin", data)
    out = ftpenv.path("got.bin")
    cp = ftp_ssl(srv, certs, ["get get.bin " + out], ftpenv.dir)
    assert "234 AUTH TLS" in text(cp) and "226 " in text(cp), text(cp)
    assert os.path.exists(out) and sha256_file(out) == sha256(data), \
        "download differs:\n" + text(cp)


def test_ftp_ssl_upload_refused_without_close_notify(ftpenv, certs):
    """ftp-ssl upload without close_notify: 426 naming tls_strict_upload_eof, old file kept."""
    srv = start_server(ftpenv, firewalled(certs))
    old = b"the previous version\n"
    ftpenv.user_file("alice", "up.bin", old)
    src = ftpenv.path("up.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(300 * 1024))
    cp = ftp_ssl(srv, certs, ["put %s up.bin" % src], ftpenv.dir)
    out = text(cp)
    refusal = [l for l in out.splitlines() if l.startswith("426")]
    assert refusal, "the upload without close_notify was not refused with 426:\n" + out
    assert "tls_strict_upload_eof" in refusal[0], \
        "the 426 does not name tls_strict_upload_eof: " + refusal[0]
    with open(ftpenv.home("alice", "up.bin"), "rb") as f:
        assert f.read() == old, "the existing file was changed by a refused upload"


def test_ftp_ssl_upload_with_lenient_eof(ftpenv, certs):
    """With tls_strict_upload_eof no an ftp-ssl upload is stored byte-exact."""
    srv = start_server(ftpenv, firewalled(certs, tls_strict_upload_eof=False))
    ftpenv.user_file("alice", "up.bin", b"the previous version\n")
    data = os.urandom(300 * 1024 + 7)
    src = ftpenv.path("up.bin")
    with open(src, "wb") as f:
        f.write(data)
    cp = ftp_ssl(srv, certs, ["put %s up.bin" % src], ftpenv.dir)
    assert "226 " in text(cp), "the upload was not confirmed:\n" + text(cp)
    assert sha256_file(ftpenv.home("alice", "up.bin")) == sha256(data), \
        "the stored file differs:\n" + text(cp)
