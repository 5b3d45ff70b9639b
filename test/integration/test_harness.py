"""The test world itself: PAM and NSS wrappers answer as the server will see them."""

import os
import shutil
import subprocess

import pytest

import ftpdtest
from ftpdtest import USERS


def run_wrapped(env, argv, input=None):
    return subprocess.run(argv, input=input, capture_output=True, env=env.env(), timeout=20)


def test_nss_wrapper_users(ftpenv):
    """getent through nss_wrapper sees the test accounts and alice's extra group."""
    ftpenv.check_wrappers()
    cp = run_wrapped(ftpenv, ["getent", "passwd", "alice"])
    assert cp.returncode == 0, cp
    fields = cp.stdout.decode().strip().split(":")
    assert fields[2:4] == ["2001", "2001"] and fields[5] == ftpenv.home("alice")
    cp = run_wrapped(ftpenv, ["getent", "group", "staff"])
    assert cp.stdout.decode().strip() == "staff:x:%d:alice" % ftpdtest.STAFF_GID
    cp = run_wrapped(ftpenv, ["id", "-G", "alice"])
    assert str(ftpdtest.STAFF_GID) in cp.stdout.decode().split(), cp


@pytest.mark.parametrize("user,good", [("alice", True), ("bob", True), ("alice", False),
                                       ("nosuchuser", False)])
def test_pam_matrix_login(ftpenv, user, good):
    """pamtester through pam_wrapper + pam_matrix accepts exactly the right passwords."""
    ftpenv.check_wrappers()
    exe = shutil.which("pamtester")
    if not exe:
        pytest.skip("SKIPPED: pamtester is not installed")
    pw = USERS[user]["pw"] if good else "wrong-password"
    cp = run_wrapped(ftpenv, [exe, "ftp", user, "authenticate", "acct_mgmt",
                              "open_session", "close_session"], input=(pw + "\n").encode())
    if good:
        assert cp.returncode == 0, cp
    else:
        assert cp.returncode != 0, cp


def test_pam_other_service_denied(ftpenv):
    """A PAM service other than the configured one is denied (no accidental passes)."""
    ftpenv.check_wrappers()
    exe = shutil.which("pamtester")
    if not exe:
        pytest.skip("SKIPPED: pamtester is not installed")
    cp = run_wrapped(ftpenv, [exe, "vsftpd", "alice", "authenticate"],
                     input=(USERS["alice"]["pw"] + "\n").encode())
    assert cp.returncode != 0, cp


def test_tree_ownership(ftpenv):
    """Home directories belong to their users; the empty dir and anon root to root."""
    for name, u in USERS.items():
        st = os.stat(ftpenv.home(name))
        assert (st.st_uid, st.st_gid) == (u["uid"], u["gid"])
    assert os.stat(ftpenv.empty_dir).st_uid == 0
    assert os.listdir(ftpenv.empty_dir) == []
    assert os.stat(ftpenv.anon()).st_uid == 0
    assert os.stat(ftpenv.anon("incoming")).st_uid == ftpdtest.ANON_UID


def test_inetd_listener_spawns_per_connection(ftpenv, tmp_path):
    """The inetd-style listener hands the connection to the program on fd 0 and 1."""
    srv = ftpdtest.InetdServer(["/bin/sh", "-c", r"""printf '220 hi\r\n'; read l; printf '221 %s\n' "$l" """],
                               ftpenv.env(), ftpenv.path("ftpd.stderr"))
    ftpenv.servers.append(srv)
    c = ftpenv.connect(srv)
    assert c.greeting.code == 220
    c.send(b"bye\r\n")
    r = c.reply()
    assert r.code == 221 and "bye" in r.text
    assert srv.proc_for(c).wait(5) == 0
