"""The server's private key lives in no process of a session (SECURITY, "The TLS boundary").

Every signature a handshake needs is made by a signer the monitor forks for it
(ftpd/keyproc.c), which exits at once; the monitor, control, user and transfer
processes hold only the certificate.  These tests read the writable memory of
every process of a logged-in session that has done protected transfers (full
data handshakes included) and look for the key's secret numbers: the RSA
primes and private exponent, or the EC private scalar, in big- and
little-endian byte order (DER and PEM decoding, and OpenSSL's BIGNUM limbs).
The same scan finds them in an `openssl s_server` holding the key, so it can fail.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from ftpclient import ReuseFTP_TLS, ftps_retr as retr, tls_context as context
from ftpdtest import HELLO, USERS, wait_for
from test_tls import certs, stor  # noqa: F401 (a fixture)

ALICE_PW = USERS["alice"]["pw"]


def key_secrets(keyfile):
    """The secret numbers of KEYFILE as big-endian bytes (openssl pkey -text)."""
    text = subprocess.run(["openssl", "pkey", "-in", keyfile, "-text", "-noout"],
                          check=True, capture_output=True, text=True).stdout
    out = {}
    name = None
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s*$", line)
        if m:
            name = m.group(1)
            out[name] = ""
        elif name and re.match(r"^\s+[0-9a-f:]+$", line):
            out[name] += line.strip().replace(":", "")
        else:
            name = None
    wanted = ("prime1", "prime2", "privateExponent", "priv")
    secrets = {}
    for k in wanted:
        if k in out:
            b = bytes.fromhex(out[k]).lstrip(b"\0")
            secrets[k] = b
    assert secrets, "no secret numbers found in %s" % keyfile
    return secrets


MAPPING_MAX = 1 << 30    # larger writable mappings are sanitizer shadow, not data


def writable_mappings(pid):
    """The bytes of each of PID's writable mappings, one at a time."""
    with open("/proc/%d/maps" % pid) as maps:
        ranges = []
        for line in maps:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if "w" in parts[1] and hi - lo <= MAPPING_MAX and \
                    not (len(parts) > 5 and parts[5] in ("[vvar]", "[vsyscall]")):
                ranges.append((lo, hi))
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for lo, hi in ranges:
            try:
                mem.seek(lo)
                yield mem.read(hi - lo)
            except (OSError, ValueError):
                pass


def found_in(pid, secrets):
    """The names of SECRETS found in PID's memory, in either byte order."""
    hits = set()
    for data in writable_mappings(pid):
        for name, b in secrets.items():
            if b in data or b[::-1] in data:
                hits.add(name)
    return sorted(hits)


def test_scan_finds_a_key_that_is_there(certs):
    """The scanner itself: an openssl s_server holding the RSA key shows its secrets."""
    if not shutil.which("openssl"):
        pytest.skip("SKIPPED: openssl is not installed")
    crt, key = certs["rsa"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:%d" % port,
                          "-cert", crt, "-key", key], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def served():
            try:
                subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port],
                               input=b"", capture_output=True, timeout=10)
                return True
            except subprocess.TimeoutExpired:
                return False
        assert wait_for(served, 10)
        assert set(found_in(p.pid, key_secrets(key))) >= {"prime1", "prime2"}
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)


@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
@pytest.mark.parametrize("reuse", ["require", "accept"])
def test_no_session_process_holds_the_key(ftpenv, certs, kind, reuse):
    """After protected transfers (with accept: full data handshakes, which need
    signatures, by a client that never resumes), no process of the session, the
    monitor included, holds the private key."""
    crt, key = certs[kind]
    srv = ftpenv.inetd(tls_cert_file=crt, tls_key_file=key, tls_session_reuse=reuse)
    f = ReuseFTP_TLS(context=context(), timeout=15)
    f.connect(srv.host, srv.port)
    f.login("alice", ALICE_PW)
    f.prot_p()
    stor(f, "k.bin", HELLO * 100)
    assert retr(f, "k.bin") == HELLO * 100
    if reuse == "accept":    # a data connection with a full handshake of its own
        f.data_context = context()   # another context: nothing to resume
        assert retr(f, "k.bin") == HELLO * 100
    time.sleep(0.2)
    pids = ftpenv.session_pids()
    assert len(pids) >= 3, pids
    secrets = key_secrets(key)
    for pid in pids:
        hits = found_in(pid, secrets)
        assert not hits, "process %d holds %s of the %s key" % (pid, hits, kind)
    f.quit()


def test_require_spends_few_signatures(ftpenv, certs):
    """Under tls_session_reuse require (the default), a client that never resumes gets
    the 522 that names the setting on its first data connections; after the few full
    handshakes a session may have (3), its handshakes are refused without a signature,
    logged as such, and the session still serves a client that resumes."""
    import ftplib
    import ssl
    crt, key = certs["rsa"]
    srv = ftpenv.inetd(tls_cert_file=crt, tls_key_file=key)
    f = ReuseFTP_TLS(context=context(), timeout=15)
    f.connect(srv.host, srv.port)
    f.login("alice", ALICE_PW)
    f.prot_p()
    stor(f, "k.bin", HELLO)
    f.data_context = context()      # a context of its own: never resumes
    outcomes = []
    for _ in range(5):
        try:
            retr(f, "k.bin")
            outcomes.append("ok")
        except ftplib.error_perm as e:
            outcomes.append(str(e)[:3])
        except (ssl.SSLError, OSError, EOFError):
            with pytest.raises(ftplib.error_perm) as e:
                f.voidresp()        # the server's 522 for the refused handshake
            outcomes.append("tls " + str(e.value)[:3])
    assert outcomes == ["522"] * 3 + ["tls 522"] * 2, outcomes
    if ftpenv.syslog and ftpenv.syslog.active:
        assert wait_for(lambda: any("no full handshake left" in l
                                    for l in ftpenv.syslog_lines()), 5)
    f.data_context = None           # resumes the control connection's session
    assert retr(f, "k.bin") == HELLO
    f.quit()
