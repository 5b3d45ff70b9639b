"""An idle logged-in session gives back the pages it does not need (common/idle.c):
its processes keep no page-table entries of code (here: libcrypto's, the largest),
and the session answers and transfers as before once the client wakes it."""

import io

import pytest

from ftpdtest import HELLO, WRAPPER, wait_for
from test_tls import certs, tls_client, tls_opts  # noqa: F401  (certs is a fixture)

CODE_KEPT = 256 << 10   # resident libcrypto code an idle process may keep (it held 0.6-2.2 MiB)


def code_rss(pid, lib="libcrypto.so"):
    """Resident bytes of PID's executable mappings of LIB."""
    total, mine = 0, False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                mine = len(parts) >= 6 and lib in parts[5] and "x" in parts[1]
            elif mine and parts[0] == "Rss:":
                total += int(parts[1]) * 1024
    return total


def session_code(ftpenv):
    return {p: code_rss(p) for p in ftpenv.session_pids()}


@pytest.mark.skipif(bool(WRAPPER), reason="SKIPPED: under FTPD_WRAPPER the mappings are the tool's")
def test_idle_session_drops_code(ftpenv, certs):  # noqa: F811
    srv = ftpenv.inetd(**tls_opts(certs))
    f = tls_client(srv)
    assert f.voidcmd("NOOP").startswith("200")
    wait_for(lambda: len(ftpenv.session_pids()) == 4, 10)     # monitor, TLS, control, user
    kept = {}

    def idle():
        kept.clear()
        kept.update(session_code(ftpenv))
        return len(kept) == 4 and all(v <= CODE_KEPT for v in kept.values())
    assert wait_for(idle, 10), "libcrypto code still mapped while idle: %r" % kept
    # woken, the session works as before: commands, a protected download, an upload
    assert f.sendcmd("PWD").startswith("257")
    got = []
    f.retrbinary("RETR hello.txt", got.append)
    assert b"".join(got) == HELLO
    f.storbinary("STOR idle.bin", io.BytesIO(b"x" * 100000))
    with open(ftpenv.home("alice", "idle.bin"), "rb") as up:
        assert up.read() == b"x" * 100000
    f.quit()
    assert not ftpenv.wait_session_gone()
