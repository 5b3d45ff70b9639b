"""Logins by client certificate (RFC 4217 12.2, RFC 2228 232): verification, mapping, modes."""

import ftplib
import os
import re
import shutil
import ssl
import subprocess
import time

import pytest

from ftpclient import ReuseFTP_TLS, ftps_retr as retr, tls_context as context
from ftpdtest import HELLO, USERS, wait_for

ALICE_PW = USERS["alice"]["pw"]


def openssl(*args, cwd=None):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60, cwd=cwd)


class Pki:
    """A test CA (and a stranger CA) issuing client certificates with `openssl ca`."""

    def __init__(self, d):
        self.d = d
        self.server = self.self_signed("server", "/CN=localhost")
        self.ca = self.self_signed("ca", "/CN=ftpd test CA", ca=True)
        self.other_ca = self.self_signed("otherca", "/CN=stranger CA", ca=True)

    def path(self, name):
        return os.path.join(self.d, name)

    def self_signed(self, name, subj, ca=False):
        crt, key = self.path(name + ".crt"), self.path(name + ".key")
        ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext",
               "keyUsage=critical,keyCertSign,cRLSign"] if ca else []
        openssl("req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "3", "-subj", subj,
                "-keyout", key, "-out", crt, *ext)
        return crt, key

    def issue(self, name, subj, ca="ca", eku="clientAuth", san=None,
              start=None, end=None, comment=None):
        """A client certificate NAME for SUBJ signed by CA; returns (crt, key)."""
        cadir = self.path("db-" + name)
        os.makedirs(cadir)
        open(os.path.join(cadir, "index.txt"), "w").close()
        with open(os.path.join(cadir, "serial"), "w") as f:
            f.write("%04X\n" % (abs(hash(name)) % 60000 + 16))
        cfg = os.path.join(cadir, "ca.cnf")
        with open(cfg, "w") as f:
            f.write("[ca]\ndefault_ca = d\n[d]\ndir = %s\ndatabase = $dir/index.txt\n"
                    "new_certs_dir = $dir\nserial = $dir/serial\ndefault_md = sha256\n"
                    "policy = p\ndefault_days = 2\nunique_subject = no\n"
                    "[p]\norganizationName = optional\ncommonName = optional\n" % cadir)
        ext = os.path.join(cadir, "ext.cnf")
        with open(ext, "w") as f:
            f.write("basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\n")
            if eku:
                f.write("extendedKeyUsage = %s\n" % eku)
            if san:
                f.write("subjectAltName = %s\n" % san)
            if comment:
                f.write("nsComment = %s\n" % comment)
        key, csr, crt = self.path(name + ".key"), self.path(name + ".csr"), self.path(name + ".crt")
        openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", subj, "-keyout", key,
                "-out", csr)
        cacrt, cakey = self.ca if ca == "ca" else self.other_ca
        dates = []
        if start:
            dates += ["-startdate", start, "-enddate", end]
        openssl("ca", "-batch", "-notext", "-config", cfg, "-cert", cacrt, "-keyfile", cakey,
                "-in", csr, "-out", crt, "-extfile", ext, *dates)
        return crt, key


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("SKIPPED: openssl is not installed")
    p = Pki(str(tmp_path_factory.mktemp("pki")))
    p.alice = p.issue("alice", "/O=Test/CN=alice", san="email:alice@example.org")
    p.alice2 = p.issue("alice2", "/O=Test/CN=alice")
    p.bob = p.issue("bob", "/O=Test/CN=Bob Builder")
    p.expired = p.issue("expired", "/O=Test/CN=alice", start="20200101000000Z",
                        end="20200201000000Z")
    p.stranger = p.issue("stranger", "/O=Test/CN=alice", ca="other")
    p.server_eku = p.issue("servereku", "/O=Test/CN=alice", eku="serverAuth")
    p.twoway = p.issue("twoway", "/O=Test/CN=carol2", san="email:shared@example.org")
    p.big = p.issue("big", "/O=Test/CN=alice", comment="x" * 6000)          # ~7 KiB
    p.huge = p.issue("huge", "/O=Test/CN=alice", comment="x" * 70000)       # > 64 KiB
    return p


def cert_opts(ftpenv, pki, certmap="alice cn alice\nbob cn Bob Builder\n", **kw):
    path = ftpenv.write(ftpenv.path("etc", "certmap"), certmap)
    opts = dict(tls_cert_file=pki.server[0], tls_key_file=pki.server[1],
                tls_client_cert="request", tls_ca_file=pki.ca[0], certmap_file=path,
                ssl_users_file=ftpenv.path("etc", "ssl.users"))
    opts.update(kw)
    return opts


def connect(srv, cert):
    f = ReuseFTP_TLS(context=context(cert), timeout=15)
    f.connect(srv.host, srv.port)
    f.auth()
    f.prot_p()
    return f


def refused_alike(ftpenv, f, user, pw="x", reason=None):
    """USER USER gets 331 and PASS the same "530 Login incorrect." as an unknown user
    would; the REASON (a regular expression) is in syslog only."""
    assert f.sendcmd("USER " + user).startswith("331")
    with pytest.raises(ftplib.error_perm) as e:
        f.sendcmd("PASS " + pw)
    assert str(e.value) == "530 Login incorrect.", str(e.value)
    if reason and ftpenv.syslog and ftpenv.syslog.active:
        assert wait_for(lambda: any(re.search(reason, l, re.I) for l in ftpenv.syslog_lines()),
                        5), "no log line matching %r" % reason


def test_cert_alone_gives_232(ftpenv, pki):
    """A valid certificate that maps to the account logs in without a password: 232."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki))
    f = connect(srv, pki.alice)
    r = f.sendcmd("USER alice")
    assert r.startswith("232"), r
    assert retr(f, "hello.txt") == HELLO
    f.quit()


def test_cert_for_other_user_falls_back_or_refuses(ftpenv, pki):
    """alice's certificate does not log in bob: a password is asked (or refused if bob needs one)."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki))
    f = connect(srv, pki.alice)
    assert f.sendcmd("USER bob").startswith("331")
    f.close()
    srv2 = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_cert_only_users="bob"))
    f = connect(srv2, pki.alice)
    refused_alike(ftpenv, f, "bob", USERS["bob"]["pw"], "does not map")
    f.close()


@pytest.mark.parametrize("which,text", [("expired", "expired"), ("stranger", "issuer"),
                                        ("server_eku", "purpose")])
def test_bad_certificates_refused(ftpenv, pki, which, text):
    """Expired, unknown-CA and wrong-EKU certificates are refused (require), the reason
    logged: the client hears what an unknown user would."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_client_cert="require"))
    f = connect(srv, getattr(pki, which))
    refused_alike(ftpenv, f, "alice", ALICE_PW, text)
    f.close()
    f = connect(srv, getattr(pki, which))
    refused_alike(ftpenv, f, "nosuchuser", ALICE_PW)
    f.close()


def test_require_without_cert(ftpenv, pki):
    """tls_client_cert=require: a password login without a certificate is 530, the
    reason logged."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_client_cert="require"))
    f = connect(srv, None)
    refused_alike(ftpenv, f, "alice", ALICE_PW, "needs a client certificate")
    f.close()


def test_cert_only_account_refuses_password(ftpenv, pki):
    """tls_cert_only_users (by @group): a password login is refused; the certificate works."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_cert_only_users="@staff"))
    f = connect(srv, None)
    refused_alike(ftpenv, f, "alice", ALICE_PW, "certificate-only")
    f.close()
    f = connect(srv, pki.alice)
    assert f.sendcmd("USER alice").startswith("232")
    f.quit()


def test_cert_and_password(ftpenv, pki):
    """tls_cert_password_users: certificate accepted then the password is needed (two factors)."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_cert_password_users="alice"))
    f = connect(srv, pki.alice)
    r = f.sendcmd("USER alice")
    assert r.startswith("331") and "Certificate accepted" in r
    assert f.sendcmd("PASS " + ALICE_PW).startswith("230")
    f.quit()
    f = connect(srv, None)
    f.sendcmd("USER alice")
    with pytest.raises(ftplib.error_perm):
        f.sendcmd("PASS " + ALICE_PW)
    f.close()


def test_mapping_kinds(ftpenv, pki):
    """Rules by subject, email, sha256 fingerprint and the legacy ssl.users file all map."""
    fp = subprocess.run(["openssl", "x509", "-in", pki.alice2[0], "-noout", "-fingerprint",
                         "-sha256"], capture_output=True, text=True, check=True).stdout
    fp = fp.strip().split("=", 1)[1]
    subject = "/O=Test/CN=Bob Builder"
    cm = "alice email ALICE@example.org\nalice sha256 %s\nbob subject %s\n" % (fp, subject)
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, certmap=cm))
    for cert, user in ((pki.alice, "alice"), (pki.alice2, "alice"), (pki.bob, "bob")):
        f = connect(srv, cert)
        assert f.sendcmd("USER " + user).startswith("232"), (cert, user)
        f.quit()
    ftpenv.write(ftpenv.path("etc", "ssl.users"), "carol,bob:/O=Test/CN=Bob Builder\n")
    srv2 = ftpenv.inetd(**cert_opts(ftpenv, pki, certmap=""))
    f = connect(srv2, pki.bob)
    assert f.sendcmd("USER bob").startswith("232")
    f.quit()


def test_ambiguous_mapping_refused(ftpenv, pki):
    """A certificate matching rules for two accounts is refused."""
    cm = "alice email shared@example.org\nbob cn carol2\n"
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, certmap=cm, tls_client_cert="require"))
    f = connect(srv, pki.twoway)
    refused_alike(ftpenv, f, "alice", ALICE_PW, "different accounts")
    f.close()


def test_data_connection_with_other_cert(ftpenv, pki):
    """A protected data connection presenting another certificate than control's: 522."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_session_reuse="accept"))
    f = connect(srv, pki.alice)
    f.sendcmd("USER alice")
    f.data_context = context(pki.bob)
    with pytest.raises(ftplib.error_perm) as e:
        retr(f, "hello.txt")
    assert str(e.value).startswith("522") and "certificate" in str(e.value)
    f.data_context = None
    assert retr(f, "hello.txt") == HELLO
    f.quit()


def test_curl_client_cert(ftpenv, pki):
    """curl --cert/--key logs in by certificate (USER alice, no password) and downloads."""
    if not shutil.which("curl"):
        pytest.skip("SKIPPED: curl is not installed")
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki))
    p = subprocess.run(["curl", "-sS", "--ssl-reqd", "-k", "--cert", pki.alice[0], "--key",
                        pki.alice[1], "--user", "alice:",
                        "ftp://127.0.0.1:%d/hello.txt" % srv.port],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == HELLO


def test_lftp_client_cert(ftpenv, pki, tmp_path):
    """lftp with ssl:cert-file/key-file logs in by certificate."""
    if not shutil.which("lftp"):
        pytest.skip("SKIPPED: lftp is not installed")
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki))
    script = ("set ssl:verify-certificate no; set ftp:ssl-force yes; set ftp:ssl-protect-data yes; "
              "set ssl:cert-file %s; set ssl:key-file %s; open -u alice,x ftp://127.0.0.1:%d; "
              "get hello.txt -o %s; bye" % (pki.alice[0], pki.alice[1], srv.port,
                                             tmp_path / "h.txt"))
    p = subprocess.run(["lftp", "-c", script], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "h.txt").read_bytes() == HELLO


# -- no account enumeration, certificates of every documented size ---------------

def test_refusals_look_alike(ftpenv, pki):
    """With certificate policies, a wrong password, an unknown user, a refused account
    and a certificate-only account all get the same 530, after the same delay."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_cert_only_users="bob", login_delay=1))
    replies = {}
    for user, pw in (("alice", "wrong"), ("zed", "wrong"), ("carol", USERS["carol"]["pw"]),
                     ("bob", USERS["bob"]["pw"]), ("dave", USERS["dave"]["pw"])):
        f = connect(srv, None)
        r331 = f.sendcmd("USER " + user)
        start = time.monotonic()
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd("PASS " + pw)
        replies[user] = (r331, str(e.value), round(time.monotonic() - start))
        f.close()
    assert len(set(replies.values())) == 1, replies


def test_user_with_bad_certificate_looks_alike(ftpenv, pki):
    """USER with a self-signed (or unmapped) certificate: 331 whether or not the account
    exists, and whatever the certificate lacks."""
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, tls_client_cert="require"))
    seen = set()
    for cert, user in ((pki.server, "alice"), (pki.server, "zed"), (pki.stranger, "alice"),
                       (pki.bob, "alice"), (pki.alice, "zed")):
        f = connect(srv, cert)
        seen.add(f.sendcmd("USER " + user))
        f.close()
    assert seen == {"331 Please specify the password."}, seen


def test_large_client_certificate(ftpenv, pki):
    """A 7 KiB client certificate logs in (232), its data connections resume; one over
    60 KiB fails the handshake, with a log line."""
    assert 4096 < os.path.getsize(pki.big[0]) < 60 * 1024
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki))
    f = connect(srv, pki.big)
    assert f.sendcmd("USER alice").startswith("232")
    assert retr(f, "hello.txt") == HELLO
    f.quit()
    with pytest.raises((ssl.SSLError, ConnectionError, EOFError)):
        f = connect(srv, pki.huge)
        f.sendcmd("USER alice")
    if ftpenv.syslog and ftpenv.syslog.active:
        assert wait_for(lambda: any(re.search(r"client certificate of \d+ bytes refused", l)
                                    for l in ftpenv.syslog_lines()), 5)
