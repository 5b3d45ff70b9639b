"""FTP over TLS (RFC 4217 / draft-murray): AUTH, PBSZ, PROT, protected data, policy, ftpsd."""

import ftplib
import re
import os
import shutil
import socket
import ssl
import subprocess

import pytest

import ftpdtest
from ftpclient import ReuseFTP_TLS, ftps_retr as retr, tls_context as context
from ftpdtest import HELLO, USERS, WRAPPER

ALICE_PW = USERS["alice"]["pw"]
DATA = bytes(range(256)) * 4096      # 1 MiB with every byte value


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A self-signed RSA and an ECDSA certificate for localhost."""
    if not shutil.which("openssl"):
        pytest.skip("SKIPPED: openssl is not installed")
    d = tmp_path_factory.mktemp("certs")
    out = {}
    for kind, args in (("rsa", ["-newkey", "rsa:2048"]),
                       ("ecdsa", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
        key, crt = str(d / (kind + ".key")), str(d / (kind + ".crt"))
        subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", crt] + args, check=True,
                       capture_output=True, timeout=60)
        out[kind] = (crt, key)
    return out


def tls_opts(certs, **kw):
    crt, key = certs["rsa"]
    opts = dict(tls_cert_file=crt, tls_key_file=key)
    opts.update(kw)
    return opts


def tls_client(srv, cls=ReuseFTP_TLS, maxver=None, login=True):
    f = cls(context=context(maxver=maxver), timeout=15)
    f.connect(srv.host, srv.port)
    if login:
        f.login("alice", ALICE_PW)     # ftplib sends AUTH TLS first
        f.prot_p()
    return f


def stor(f, name, data):
    import io
    f.storbinary("STOR " + name, io.BytesIO(data))


def test_feat_before_auth(ftpenv, certs):
    """FEAT before AUTH and before login lists AUTH TLS, PBSZ and PROT."""
    srv = ftpenv.inetd(**tls_opts(certs))
    c = ftpenv.connect(srv)
    r = c.cmd("FEAT")
    assert r.code == 211
    for feat in (" AUTH TLS", " PBSZ", " PROT"):
        assert feat in r.text.split("\r\n") or feat in r.text.splitlines(), r.text


def test_no_cert_plain_ftp(ftpenv):
    """Without a certificate AUTH gets 502 and FEAT does not offer TLS."""
    srv = ftpenv.inetd()
    c = ftpenv.connect(srv)
    assert c.cmd("AUTH TLS").code == 502
    assert "AUTH TLS" not in c.cmd("FEAT").text


@pytest.mark.parametrize("maxver", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_prot_p_round_trips_with_reuse(ftpenv, certs, maxver):
    """PROT P with session reuse: many consecutive transfers, byte-exact, TLS 1.2 and 1.3."""
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv, maxver=maxver)
    stor(f, "all.bin", DATA)
    for i in range(8):
        assert retr(f, "all.bin") == DATA, i
    assert "all.bin" in f.nlst()
    lines = []
    f.retrlines("LIST", lines.append)
    assert any(l.endswith(" all.bin") for l in lines)
    assert list(f.mlsd())
    f.quit()
    with open(ftpenv.home("alice", "all.bin"), "rb") as fh:
        assert fh.read() == DATA


def test_data_connections_logged_with_tls_path(ftpenv, certs):
    """Each PROT P data connection is logged: TLS version, resumption, kernel or user-space TLS."""
    if not (ftpenv.syslog and ftpenv.syslog.active):
        pytest.skip("SKIPPED: cannot read syslog here")
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv)
    data = os.urandom(700 * 1024)           # several read-ahead batches
    stor(f, "path.bin", data)
    assert retr(f, "path.bin") == data
    f.quit()
    ftpenv.wait_session_gone()
    lines = [l for l in ftpenv.syslog_lines() if ": data connection TLS" in l]
    assert len(lines) == 2, lines
    for l in lines:
        assert "resumed" in l and ("kernel TLS" in l or "TLS in user space" in l), l


def test_stock_ftplib_needs_reuse_accept(ftpenv, certs):
    """Stock ftplib never resumes: 522 naming the fix; with tls_session_reuse=accept it works."""
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv, cls=ftplib.FTP_TLS)
    with pytest.raises(ftplib.error_perm) as e:
        retr(f, "hello.txt")
    assert str(e.value).startswith("522") and "tls_session_reuse" in str(e.value)
    assert f.voidcmd("NOOP").startswith("200")
    f.close()
    srv2 = ftpenv.inetd(**tls_opts(certs, tls_session_reuse="accept"))
    f = tls_client(srv2, cls=ftplib.FTP_TLS)
    assert retr(f, "hello.txt") == HELLO
    f.quit()


def test_pbsz_prot_sequence(ftpenv, certs):
    """PBSZ/PROT before AUTH 503, PROT before PBSZ 503, S/E 536, junk 504/501, PBSZ=0."""
    srv = ftpenv.inetd(**tls_opts(certs))
    c = ftpenv.connect(srv)
    assert c.cmd("PBSZ 0").code == 503
    assert c.cmd("PROT P").code == 503
    f = tls_client(srv, login=False)
    f.auth()
    for bad, code in (("PROT P", "503"), ("PBSZ x", "501"), ("PBSZ 99999999999", "501")):
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd(bad)
        assert str(e.value).startswith(code)
    assert f.sendcmd("PBSZ 1024") == "200 PBSZ=0"
    for level, code in (("S", "536"), ("E", "536"), ("X", "504")):
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd("PROT " + level)
        assert str(e.value).startswith(code)
    assert f.sendcmd("PROT C").startswith("200")
    f.login("alice", ALICE_PW)
    f._prot_p = False
    assert retr(f, "hello.txt") == HELLO          # PROT C: clear data
    f.prot_p()
    assert retr(f, "hello.txt") == HELLO          # protection changed after login
    f.quit()


def test_plaintext_login_refused_with_cert(ftpenv, certs):
    """With a certificate, USER of a local account in clear gets 530 that names the fix."""
    srv = ftpenv.inetd(**tls_opts(certs))
    c = ftpenv.connect(srv)
    r = c.cmd("USER alice")
    assert r.code == 530 and "TLS" in r.text
    assert c.cmd("USER anonymous").code == 331   # anonymous may stay in clear


def test_plain_users_exception(ftpenv, certs):
    """tls_plain_users lets a listed user (or @group member) log in without TLS."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_plain_users="@staff"))
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    c2 = ftpenv.connect(srv)
    assert c2.cmd("USER bob").code == 331
    assert c2.cmd("PASS " + USERS["bob"]["pw"]).code == 530


def test_anonymous_tls_policy(ftpenv, certs):
    """tls_anonymous=refuse: anonymous over TLS is refused; require: in clear it is refused."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_anonymous="refuse"))
    f = tls_client(srv, login=False)
    f.auth()
    with pytest.raises(ftplib.error_perm) as e:
        f.sendcmd("USER anonymous")
    assert str(e.value).startswith("530")
    f.close()
    srv2 = ftpenv.inetd(**tls_opts(certs, tls_anonymous="require"))
    c = ftpenv.connect(srv2)
    assert c.cmd("USER ftp").code == 530


def test_data_policy_521_at_transfer(ftpenv, certs):
    """tls_data=require: PROT C is accepted, PASV works, RETR gets 521 before any 1xx."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_data="require"))
    f = tls_client(srv, login=False)
    f.login("alice", ALICE_PW)
    f.voidcmd("PBSZ 0")
    f.prot_c()
    f.sendcmd("TYPE I")
    assert f.sendcmd("PASV").startswith("227")
    with pytest.raises(ftplib.error_perm) as e:
        f.sendcmd("RETR hello.txt")
    assert str(e.value).startswith("521")
    f.prot_p()
    assert retr(f, "hello.txt") == HELLO
    assert "hello.txt" in f.nlst()
    f.quit()


def test_require_all_commands(ftpenv, certs):
    """tls_required=all: commands other than FEAT/AUTH/... need TLS first."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_required="all"))
    c = ftpenv.connect(srv)
    assert c.cmd("FEAT").code == 211
    assert c.cmd("USER anonymous").code == 530
    assert c.cmd("SYST").code == 215


def read_reply(f):
    """Read one (possibly multi-line) reply from binary file F; returns its last line."""
    while True:
        line = f.readline()
        if len(line) < 4 or line[3:4] == b" ":
            return line


def test_auth_discards_pipelined_plaintext(ftpenv, certs):
    """Bytes sent after AUTH TLS in the same packet are discarded, never executed."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_required="none"))
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    f = s.makefile("rb")
    assert read_reply(f).startswith(b"220")
    s.sendall(b"AUTH TLS\r\nUSER anonymous\r\n")
    assert f.readline().startswith(b"234")
    t = context().wrap_socket(s, server_hostname="localhost")
    t.sendall(b"NOOP\r\n")
    tf = t.makefile("rb")
    assert tf.readline().startswith(b"200")       # not a 331 for the injected USER
    t.sendall(b"PASS x\r\n")
    assert tf.readline().startswith(b"503")       # USER was never seen
    t.close()


def test_auth_mechanisms_and_prot_default(ftpenv, certs):
    """AUTH SSL / TLS-P start with PROT P (draft-02); TLS-C and TLS with PROT C; bad mech 504."""
    srv = ftpenv.inetd(**tls_opts(certs))
    for mech, prot in (("SSL", "P"), ("tls-p", "P"), ("TLS-C", "C"), ("tls", "C")):
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        f = s.makefile("rb")
        read_reply(f)
        s.sendall(b"AUTH " + mech.encode() + b"\r\n")
        assert f.readline().startswith(b"234"), mech
        t = context().wrap_socket(s, server_hostname="localhost")
        tf = t.makefile("rb")
        t.sendall(b"STAT\r\n")
        text = b""
        while True:
            line = tf.readline()
            text += line
            if line[:4] == b"211 ":
                break
        assert (b"Private data channel: On" in text) == (prot == "P"), mech
        t.close()
    c = ftpenv.connect(srv)
    assert c.cmd("AUTH KERBEROS_V4").code == 504


def test_ccc(ftpenv, certs):
    """CCC is refused by default (534) and, when allowed, clears the control connection."""
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv)
    with pytest.raises(ftplib.error_perm) as e:
        f.sendcmd("CCC")
    assert str(e.value).startswith("534")
    f.quit()
    srv2 = ftpenv.inetd(**tls_opts(certs, tls_ccc=True))
    f = tls_client(srv2)
    f.saved_session = f.sock.session
    f.ccc()
    assert f.sendcmd("PWD").startswith("257")
    with pytest.raises(ftplib.error_perm) as e:
        f.sendcmd("PROT C")
    assert str(e.value).startswith("503")
    assert retr(f, "hello.txt") == HELLO            # PROT P stays in force for data
    f.quit()


def test_implicit_ftpsd(ftpenv, certs):
    """ftpsd: TLS first, 220 inside TLS, PROT P by default, PBSZ/PROT accepted, AUTH 534."""
    ftpsd = os.path.join(os.path.dirname(ftpenv.ftpd), "ftpsd")
    if not os.path.exists(ftpsd):
        pytest.fail("ftpsd was not built")
    env = ftpdtest.FtpEnv(ftpd=ftpsd, syslog=ftpenv.syslog)
    try:
        srv = env.inetd(**tls_opts(certs))
        raw = socket.create_connection((srv.host, srv.port), timeout=10)
        f = ReuseFTP_TLS(context=context(), timeout=15)
        t = f.context.wrap_socket(raw, server_hostname="localhost")
        f.sock = t
        f.af = t.family
        f.file = t.makefile("r", encoding="latin-1")
        f.host = srv.host
        f.welcome = f.getresp()
        assert f.welcome.startswith("220")
        f._prot_p = True
        f.login("alice", ALICE_PW)
        assert retr(f, "hello.txt") == HELLO        # private without PBSZ/PROT
        assert f.sendcmd("PBSZ 0") == "200 PBSZ=0"
        assert f.sendcmd("PROT P").startswith("200")
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd("AUTH TLS")
        assert str(e.value).startswith("534")
        f.quit()
    finally:
        env.cleanup()
        env.remove()


def test_clienthello_on_explicit_port(ftpenv, certs):
    """A TLS ClientHello sent to ftpd (explicit) closes the connection and is logged."""
    srv = ftpenv.inetd(**tls_opts(certs))
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    read_reply(s.makefile("rb"))                    # 220
    hello = bytes.fromhex("16030100") + b"\x00\x05" + b"\x01\x00\x00\x01\x00"
    s.sendall(hello)
    s.settimeout(10)
    assert s.recv(4096) == b""


def test_upload_without_close_notify_is_refused(ftpenv, certs):
    """A TLS upload that ends without close_notify is 426 and stores nothing."""
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv)
    f.voidcmd("TYPE I")
    conn, _ = f.ntransfercmd("STOR cut.bin")
    conn.sendall(b"x" * 100000)
    conn.shutdown(socket.SHUT_RDWR)     # SSLSocket.shutdown: TCP only, no close_notify
    conn.close()
    with pytest.raises(ftplib.error_temp) as e:
        f.voidresp()
    assert str(e.value).startswith("426")
    assert not os.path.exists(ftpenv.home("alice", "cut.bin"))
    f.quit()


def test_curl_ftps(ftpenv, certs, tmp_path):
    """curl --ssl-reqd: download, upload and listing over explicit FTPS with PROT P."""
    if not shutil.which("curl"):
        pytest.skip("SKIPPED: curl is not installed")
    srv = ftpenv.inetd(**tls_opts(certs))
    base = "ftp://127.0.0.1:%d/" % srv.port
    args = ["curl", "-sS", "--ssl-reqd", "-k", "--user", "alice:" + ALICE_PW]
    up = tmp_path / "up.bin"
    up.write_bytes(DATA)
    subprocess.run(args + ["-T", str(up), base + "up.bin"], check=True, timeout=60)
    got = subprocess.run(args + [base + "up.bin", base + "hello.txt"], check=True,
                         capture_output=True, timeout=60).stdout
    assert got == DATA + HELLO
    listing = subprocess.run(args + [base], check=True, capture_output=True, timeout=60).stdout
    assert b"hello.txt" in listing


def test_lftp_ftps_mirror(ftpenv, certs, tmp_path):
    """lftp (GnuTLS) with forced TLS and protected data mirrors a tree both ways."""
    if not shutil.which("lftp"):
        pytest.skip("SKIPPED: lftp is not installed")
    srv = ftpenv.inetd(**tls_opts(certs))
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for i in range(6):
        (src / ("f%d.bin" % i)).write_bytes(os.urandom(20000 + i))
    (src / "sub" / "g.txt").write_bytes(b"g\n")
    script = ("set ssl:verify-certificate no; set ftp:ssl-force yes; "
              "set ftp:ssl-protect-data yes; set ftp:ssl-protect-list yes; "
              "open -u alice,%s ftp://127.0.0.1:%d; mirror -R %s up; mirror up %s; bye"
              % (ALICE_PW, srv.port, src, tmp_path / "back"))
    subprocess.run(["lftp", "-c", script], check=True, timeout=120, capture_output=True)
    assert subprocess.run(["diff", "-r", str(src), str(tmp_path / "back")]).returncode == 0


def test_openssl_starttls_alpn(ftpenv, certs):
    """openssl s_client -starttls ftp: ALPN ftp accepted, ALPN http/1.1 alone refused."""
    srv = ftpenv.inetd(**tls_opts(certs))

    def s_client(alpn):
        p = subprocess.run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                            "127.0.0.1:%d" % srv.port, "-alpn", alpn],
                           input=b"QUIT\r\n", capture_output=True, timeout=30)
        return p.returncode, p.stdout + p.stderr

    rc, out = s_client("ftp")
    assert rc == 0 and b"ALPN protocol: ftp" in out, out[-400:]
    rc, out = s_client("http/1.1")
    assert rc != 0 or b"no application protocol" in out.lower() or b"alert" in out.lower()


def test_tls_process_credentials(ftpenv, certs):
    """Over TLS the control process is still nobody and the user process alice."""
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv)
    uids = set()
    for pid in ftpenv.session_pids():
        try:
            with open("/proc/%d/status" % pid) as st:
                for line in st:
                    if line.startswith("Uid:"):
                        uids.add(int(line.split()[1]))
        except OSError:
            pass
    assert {0, 65534, USERS["alice"]["uid"]} <= uids, uids
    f.quit()


@pytest.mark.parametrize("maxver", ["1.2", "1.3"])
def test_lftp_many_transfers(ftpenv, certs, tmp_path, maxver):
    """lftp (GnuTLS) resumes the control session for many consecutive data connections."""
    if not shutil.which("lftp"):
        pytest.skip("SKIPPED: lftp is not installed")
    srv = ftpenv.inetd(**tls_opts(certs, tls_max_version=maxver))
    for i in range(12):
        ftpenv.user_file("alice", "m%02d.txt" % i, b"file %d\n" % i)
    script = ("set ssl:verify-certificate no; set ftp:ssl-force yes; "
              "set ftp:ssl-protect-data yes; set ftp:ssl-protect-list yes; "
              "open -u alice,%s ftp://127.0.0.1:%d; lcd %s; mget m*.txt; cls -l; bye"
              % (ALICE_PW, srv.port, tmp_path))
    p = subprocess.run(["lftp", "-c", script], timeout=120, capture_output=True)
    assert p.returncode == 0, p.stderr[-500:]
    for i in range(12):
        assert (tmp_path / ("m%02d.txt" % i)).read_bytes() == b"file %d\n" % i


def test_wget_explicit_and_implicit(ftpenv, certs, tmp_path):
    """wget (GnuTLS): ftps:// with AUTH TLS and PROT P, and --ftps-implicit against ftpsd."""
    if not shutil.which("wget"):
        pytest.skip("SKIPPED: wget is not installed")
    # Under valgrind the server is so slow that GnuTLS takes the control connection's
    # session data before our TLS 1.3 ticket has arrived, cannot resume, and wget then
    # aborts: the plain runs check resumption, the valgrind run the server's memory.
    opts = tls_opts(certs, **({"tls_session_reuse_exempt": "alice"} if WRAPPER else {}))
    srv = ftpenv.inetd(**opts)
    out = tmp_path / "w1"
    subprocess.run(["wget", "-q", "--no-check-certificate", "-O", str(out),
                    "ftps://alice:%s@127.0.0.1:%d/hello.txt" % (ALICE_PW, srv.port)],
                   check=True, timeout=60)
    assert out.read_bytes() == HELLO
    ftpsd = os.path.join(os.path.dirname(ftpenv.ftpd), "ftpsd")
    env = ftpdtest.FtpEnv(ftpd=ftpsd, syslog=ftpenv.syslog)
    try:
        srv2 = env.inetd(**opts)
        out2 = tmp_path / "w2"
        subprocess.run(["wget", "-q", "--no-check-certificate", "--ftps-implicit", "-O",
                        str(out2), "ftps://alice:%s@127.0.0.1:%d/hello.txt"
                        % (ALICE_PW, srv2.port)], check=True, timeout=60)
        assert out2.read_bytes() == HELLO
    finally:
        env.cleanup()
        env.remove()


def test_auth_after_login_resets_session(ftpenv, certs):
    """RFC 4217 4.2: AUTH after a plaintext login logs the user out (530 until USER/PASS again)."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_plain_users="alice"))
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    f = s.makefile("rb")
    read_reply(f)
    for line, code in ((b"USER alice", b"331"), (b"PASS " + ALICE_PW.encode(), b"230"),
                       (b"TYPE I", b"200"), (b"AUTH TLS", b"234")):
        s.sendall(line + b"\r\n")
        assert read_reply(f).startswith(code), line
    t = context().wrap_socket(s, server_hostname="localhost")
    tf = t.makefile("rb")
    t.sendall(b"PWD\r\n")
    assert read_reply(tf).startswith(b"530")
    t.sendall(b"USER alice\r\n")
    assert read_reply(tf).startswith(b"331")
    t.sendall(b"PASS " + ALICE_PW.encode() + b"\r\n")
    assert read_reply(tf).startswith(b"230")
    t.sendall(b"QUIT\r\n")
    assert read_reply(tf).startswith(b"221")
    t.close()


def test_failed_handshake_leaves_no_process(ftpenv, certs):
    """A client that sends garbage after 234 gets 421 (or a drop) and the session ends."""
    srv = ftpenv.inetd(**tls_opts(certs))
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    f = s.makefile("rb")
    read_reply(f)
    s.sendall(b"AUTH TLS\r\n")
    assert read_reply(f).startswith(b"234")
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    rest = f.read()
    assert rest in (b"",) or rest.startswith(b"421"), rest
    s.close()
    ftpenv.wait_session_gone()


def test_control_process_limits(ftpenv, certs):
    """The pre-login control process: no fork or file writes (rlimits), a seccomp filter."""
    srv = ftpenv.inetd(**tls_opts(certs))
    c = ftpenv.connect(srv)
    c.cmd("NOOP")
    found = False
    for pid in ftpenv.session_pids():
        try:
            with open("/proc/%d/status" % pid) as st:
                uid = [l for l in st if l.startswith("Uid:")][0].split()[1]
            with open("/proc/%d/limits" % pid) as lf:
                limits = lf.read()
        except OSError:
            continue
        if uid == "65534":
            found = True
            assert re.search(r"Max processes\s+0\s+0", limits), limits
            assert re.search(r"Max file size\s+0\s+0", limits), limits
            with open("/proc/%d/status" % pid) as st:
                status = st.read()
            assert "NoNewPrivs:\t1" in status
            assert "Seccomp:\t2" in status, "no seccomp filter on the control process"
    assert found


# -- session resumption by TLS 1.2 session ID, refusals, reuse exceptions ------

def curl_ftps(srv, *args, user="alice", pw=ALICE_PW, timeout=60, check=True,
              ssl_mode="--ssl-reqd"):
    """curl SSL_MODE -k against SRV; the CompletedProcess."""
    if not shutil.which("curl"):
        pytest.skip("SKIPPED: curl is not installed")
    argv = ["curl", "-sS", ssl_mode, "-k", "--max-time", str(timeout - 5),
            "--user", "%s:%s" % (user, pw)] + list(args)
    return subprocess.run(argv, capture_output=True, timeout=timeout, check=check)


def test_tls12_session_id_issued(ftpenv, certs):
    """A TLS 1.2 client without the ticket extension gets a 32-byte session ID."""
    srv = ftpenv.inetd(**tls_opts(certs))
    p = subprocess.run(["openssl", "s_client", "-starttls", "ftp", "-tls1_2", "-no_ticket",
                        "-connect", "127.0.0.1:%d" % srv.port],
                       input=b"QUIT\r\n", capture_output=True, timeout=30)
    m = re.search(rb"Session-ID: ([0-9A-F]*)", p.stdout)
    assert m and len(m.group(1)) == 64, p.stdout[-800:]


def test_tls12_resumes_by_session_id(ftpenv, certs):
    """TLS 1.2 with tickets off (as curl with OpenSSL): data connections resume by session
    ID under tls_session_reuse require; many transfers, byte-exact."""
    srv = ftpenv.inetd(**tls_opts(certs))
    ctx = context(maxver=ssl.TLSVersion.TLSv1_2)
    ctx.options |= ssl.OP_NO_TICKET
    f = ReuseFTP_TLS(context=ctx, timeout=15)
    f.connect(srv.host, srv.port)
    f.login("alice", ALICE_PW)
    f.prot_p()
    stor(f, "sid.bin", DATA)
    for i in range(5):
        assert retr(f, "sid.bin") == DATA, i
    assert "sid.bin" in f.nlst()
    f.quit()


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_curl_tls_versions_under_require(ftpenv, certs, tmp_path, tls):
    """curl over TLS 1.2 (session IDs) and 1.3 (tickets), PASV and EPSV, under require."""
    srv = ftpenv.inetd(**tls_opts(certs))
    base = "ftp://127.0.0.1:%d/" % srv.port
    ver = ["--tlsv1.2", "--tls-max", "1.2"] if tls == "1.2" else ["--tlsv1.3"]
    up = tmp_path / "up.bin"
    up.write_bytes(DATA)
    curl_ftps(srv, *ver, "-T", str(up), base + "up.bin")
    for mode in ([], ["--disable-epsv"]):
        got = curl_ftps(srv, *ver, *mode, base + "up.bin", base + "hello.txt").stdout
        assert got == DATA + HELLO
        assert b"up.bin" in curl_ftps(srv, *ver, *mode, base).stdout


@pytest.mark.parametrize("maxver", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_refused_data_connection_reply_readable(ftpenv, certs, maxver):
    """A data connection refused after its handshake (no reuse) ends with close_notify:
    stock ftplib reports the server's 522 text, not an SSL EOF error; the session goes on."""
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv, cls=ftplib.FTP_TLS, maxver=maxver)
    for op in (lambda: retr(f, "hello.txt"), lambda: f.nlst(),
               lambda: stor(f, "new.bin", b"x" * 1000)):
        with pytest.raises(ftplib.error_perm) as e:
            op()
        assert str(e.value).startswith("522") and "tls_session_reuse_exempt" in str(e.value)
    assert not os.path.exists(ftpenv.home("alice", "new.bin"))
    assert f.voidcmd("NOOP").startswith("200")
    f.quit()


@pytest.mark.parametrize("exempt", ["alice", "@staff", "127.0.0.0/8", "bob, 10.0.0.0/8 ::1"])
def test_reuse_exempt(ftpenv, certs, exempt):
    """tls_session_reuse_exempt: listed users, @groups or networks may use new sessions on
    data connections (stock ftplib); the rest must still resume."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_session_reuse_exempt=exempt))
    f = tls_client(srv, cls=ftplib.FTP_TLS)
    if exempt.startswith("bob"):
        with pytest.raises(ftplib.error_perm) as e:
            retr(f, "hello.txt")
        assert str(e.value).startswith("522")
    else:
        assert retr(f, "hello.txt") == HELLO
        stor(f, "ex.bin", DATA)
        assert retr(f, "ex.bin") == DATA
    f.quit()


def test_reuse_exempt_keeps_certificate_binding(ftpenv, certs):
    """An exempt user's data connection must still not present another certificate."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_session_reuse_exempt="alice",
                                  tls_client_cert="request"))
    f = tls_client(srv)
    f.data_context = context(cert=certs["ecdsa"])
    with pytest.raises(ftplib.error_perm) as e:
        retr(f, "hello.txt")
    assert str(e.value).startswith("522") and "certificate" in str(e.value)
    f.quit()


def cut_upload(f, name, data, reset=False):
    """Send DATA for STOR NAME and end the data connection without close_notify: a TCP
    close, or with RESET a connection reset.  The final reply."""
    f.voidcmd("TYPE I")
    conn, _ = f.ntransfercmd("STOR " + name)
    conn.sendall(data)
    if reset:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        socket.socket.close(conn)
    else:
        conn.shutdown(socket.SHUT_RDWR)     # SSLSocket.shutdown: TCP only, no close_notify
        conn.close()
    try:
        return f.voidresp()
    except ftplib.Error as e:
        return str(e)


def test_upload_without_close_notify_names_setting(ftpenv, certs):
    """The default refuses an upload ended by a TCP close: 426 naming tls_strict_upload_eof,
    and the old file is untouched."""
    ftpenv.user_file("alice", "keep.bin", b"old\n")
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv)
    r = cut_upload(f, "keep.bin", DATA)
    assert r.startswith("426") and "tls_strict_upload_eof" in r, r
    with open(ftpenv.home("alice", "keep.bin"), "rb") as fh:
        assert fh.read() == b"old\n"
    f.quit()


def test_strict_upload_eof_off(ftpenv, certs):
    """tls_strict_upload_eof no: a TCP close ends an upload (226, byte-exact); a reset
    still fails it and stores nothing."""
    ftpenv.user_file("alice", "keep.bin", b"old\n")
    srv = ftpenv.inetd(**tls_opts(certs, tls_strict_upload_eof=False))
    f = tls_client(srv)
    r = cut_upload(f, "lax.bin", DATA)
    assert r.startswith("226"), r
    with open(ftpenv.home("alice", "lax.bin"), "rb") as fh:
        assert fh.read() == DATA
    r = cut_upload(f, "keep.bin", DATA, reset=True)
    assert r.startswith("426"), r
    with open(ftpenv.home("alice", "keep.bin"), "rb") as fh:
        assert fh.read() == b"old\n"
    assert retr(f, "lax.bin") == DATA
    f.quit()


def test_ccc_curl_default_mode(ftpenv, certs, tmp_path):
    """curl --ftp-ssl-ccc (passive mode: no close_notify of its own) goes on in plain text
    after CCC, and the server serves its next commands (clear data, as for a NAT)."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_ccc=True))
    base = "ftp://127.0.0.1:%d/" % srv.port
    ccc = dict(ssl_mode="--ftp-ssl-control", timeout=30)
    got = curl_ftps(srv, "--ftp-ssl-ccc", base + "hello.txt", base + "docs/a.txt",
                    **ccc).stdout
    assert got == HELLO + b"file a\n"
    up = tmp_path / "c.bin"
    up.write_bytes(DATA)
    curl_ftps(srv, "--ftp-ssl-ccc", "-T", str(up), base + "c.bin", **ccc)
    with open(ftpenv.home("alice", "c.bin"), "rb") as fh:
        assert fh.read() == DATA


@pytest.fixture(scope="session")
def chain_certs(tmp_path_factory):
    """A root CA, an intermediate, a leaf signed by the root and one by the intermediate."""
    d = tmp_path_factory.mktemp("chain")

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60,
                       cwd=str(d))

    ext = d / "ca.ext"
    ext.write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n")
    leaf_ext = d / "leaf.ext"
    leaf_ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-days", "2", "-subj", "/CN=Test Root", "-keyout", "root.key", "-out", "root.crt",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign")
    for name, issuer, extfile in (("inter", "root", ext), ("leaf1", "root", leaf_ext),
                                  ("leaf2", "inter", leaf_ext)):
        run("req", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".csr")
        run("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".crt", "-CAkey",
            issuer + ".key", "-CAcreateserial", "-days", "2", "-extfile", str(extfile),
            "-out", name + ".crt")
    cadir = d / "cadir"
    cadir.mkdir()
    (cadir / "root.pem").write_bytes((d / "root.crt").read_bytes())
    run("rehash", str(cadir))
    return d


@pytest.mark.parametrize("case", ["self-signed", "root-signed", "with-intermediate",
                                  "missing-intermediate"])
def test_chain_warning_only_when_incomplete(ftpenv, certs, chain_certs, case):
    """The chain warning is logged only when the issuer of the server certificate is
    neither in its file nor among the system's CAs."""
    if not (ftpenv.syslog and ftpenv.syslog.active):
        pytest.skip("SKIPPED: cannot read syslog here")
    d = chain_certs
    if case == "self-signed":
        crt, key = certs["rsa"]
    elif case == "root-signed":
        crt, key = str(d / "leaf1.crt"), str(d / "leaf1.key")
    else:
        crt, key = str(d / "leaf2.crt"), str(d / "leaf2.key")
        if case == "with-intermediate":
            crt = str(d / "leaf2-chain.crt")
            with open(crt, "wb") as fh:
                fh.write((d / "leaf2.crt").read_bytes() + (d / "inter.crt").read_bytes())
    env = ftpenv.env
    ftpenv.env = lambda: dict(env(), SSL_CERT_DIR=str(d / "cadir"))   # the "system" CAs
    srv = ftpenv.inetd(tls_cert_file=crt, tls_key_file=key)
    f = tls_client(srv)
    assert retr(f, "hello.txt") == HELLO
    f.quit()
    ftpenv.wait_session_gone()
    warned = [l for l in ftpenv.syslog_lines()
              if re.search(r"incomplete certificate chain|no intermediate certificates", l)
              and crt in l]
    assert bool(warned) == (case == "missing-intermediate"), warned
    if warned:
        assert "CN = inter" in warned[0] or "CN=inter" in warned[0], warned


# -- data protection per kind of user --------------------------------------------

def clear_data_login(srv, user):
    """USER logged in over TLS with PBSZ 0 and PROT C: data connections in clear."""
    f = tls_client(srv, login=False)
    f.login(user, USERS[user]["pw"])
    f.voidcmd("PBSZ 0")
    f.prot_c()
    return f

def test_data_policy_local_required_anonymous_clear(ftpenv, certs):
    """tls_data/tls_data_list require with tls_data_anonymous allow: a local user's clear
    transfer gets 521 even after a TLS login, an anonymous clear download works."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_data="require", tls_data_list="require",
                                  tls_data_anonymous="allow"))
    f = clear_data_login(srv, "alice")
    for op in (lambda: retr(f, "hello.txt"), lambda: f.nlst()):
        with pytest.raises(ftplib.error_perm) as e:
            op()
        assert str(e.value).startswith("521")
    f.prot_p()
    assert retr(f, "hello.txt") == HELLO
    f.quit()
    a = ftplib.FTP()
    a.connect(srv.host, srv.port, timeout=10)
    a.login("anonymous", "guest@")
    assert a.nlst("pub") == ["pub/readme.txt"] or "readme.txt" in " ".join(a.nlst("pub"))
    got = []
    a.retrbinary("RETR pub/readme.txt", got.append)
    assert b"".join(got) == b"anonymous readme\n"
    a.quit()


def test_data_policy_anonymous_required(ftpenv, certs):
    """tls_data_anonymous require: an anonymous clear download gets 521, a local one works."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_data_anonymous="require"))
    a = ftplib.FTP()
    a.connect(srv.host, srv.port, timeout=10)
    a.login("anonymous", "guest@")
    with pytest.raises(ftplib.error_perm) as e:
        a.retrbinary("RETR pub/readme.txt", lambda b: None)
    assert str(e.value).startswith("521")
    a.quit()
    f = clear_data_login(srv, "alice")
    assert retr(f, "hello.txt") == HELLO
    f.quit()


def test_data_plain_users(ftpenv, certs):
    """tls_data_plain_users: the listed @group may transfer in clear under require."""
    srv = ftpenv.inetd(**tls_opts(certs, tls_data="require", tls_data_plain_users="@staff"))
    f = clear_data_login(srv, "alice")
    assert retr(f, "hello.txt") == HELLO
    f.quit()
    f = clear_data_login(srv, "bob")
    with pytest.raises(ftplib.error_perm) as e:
        retr(f, "bob.txt")
    assert str(e.value).startswith("521")
    f.quit()
