"""Load: 200 concurrent TLS sessions under xinetd, each logging in, listing and moving files.

The sessions log in anonymously: the PAM stand-in the tests use (pam_wrapper)
cannot start hundreds of processes at once (it gives each a one-letter
temporary directory and exits on a collision), so this test runs without it;
anonymous logins take the same monitor/control/user/transfer process path.
"""

import hashlib
import io
import os
import shutil
import subprocess
import threading
import time

import pytest

from ftpclient import ReuseFTP_TLS, tls_context
from ftpdtest import ANON_UID

SESSIONS = int(os.environ.get("FTPD_LOAD_SESSIONS", "200"))
PAM_SESSIONS = 0       # of them logged in through PAM: needs real PAM, not pam_wrapper


def one_session(srv, i, barrier, errors):
    ctx = tls_context()
    data = hashlib.sha256(b"%d" % i).digest() * (2048 + i)     # 64 KiB and up, distinct
    try:
        # ramp up over ~2 s: the test's syslog stand-in is one Python thread,
        # and a burst of thousands of log datagrams would block the servers
        time.sleep(i * 0.01)
        f = ReuseFTP_TLS(context=ctx, timeout=40)
        f.connect(srv.host, srv.port)
        if i < PAM_SESSIONS:
            f.login("alice", USERS["alice"]["pw"])
            name = "load%03d.bin" % i
        else:
            f.login("anonymous", "load@example.org")
            name = "incoming/load%03d.bin" % i
        f.prot_p()
        barrier.wait(timeout=40)          # all sessions logged in at once
        time.sleep((i % 20) * 0.02)
        f.storbinary("STOR " + name, io.BytesIO(data))
        assert name.split("/")[-1] in [n.split("/")[-1] for n in f.nlst(os.path.dirname(name))]
        out = []
        f.retrbinary("RETR " + name, out.append)
        assert b"".join(out) == data, "RETR differs"
        f.quit()
    except Exception as e:            # reported by the main thread
        import traceback
        errors.append("session %d: %r %s" % (i, e, traceback.format_exc()[-400:].replace("\n", " | ")))
        try:
            barrier.abort()
        except Exception:
            pass


def test_200_concurrent_tls_sessions(ftpenv, tmp_path):
    """200 sessions at once: every login and transfer succeeds byte-exact, none is left over."""
    if not shutil.which("openssl"):
        pytest.skip("SKIPPED: openssl is not installed")
    key, crt = str(tmp_path / "k.pem"), str(tmp_path / "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", key,
                    "-out", crt], check=True, capture_output=True, timeout=60)
    ftpenv.mkdir(ftpenv.anon("incoming"), uid=ANON_UID, gid=ANON_UID, mode=0o755)
    srv = ftpenv.xinetd(instances=SESSIONS + 20, stderr_null=True, no_pam_wrapper=True, tls_cert_file=crt,
                        tls_key_file=key, anon_upload=True, max_per_ip=0)
    barrier = threading.Barrier(SESSIONS)
    errors = []
    threads = [threading.Thread(target=one_session, args=(srv, i, barrier, errors))
               for i in range(SESSIONS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 75
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "sessions hung"
    assert not errors, errors[:5]
    ftpenv.wait_session_gone(timeout=30, exclude=ftpenv.listener_pids())
