"""Virtual users (guest_enable), per-user roots (local_root) and per-user settings
(user_config_dir), decided by the monitor at login."""

import os
import re
import shutil
import subprocess

import pytest

from ftpdtest import TIMEOUT, USERS, descendants, proc_root, proc_status, wait_for
from test_certs import cert_opts, connect as cert_connect, pki  # noqa: F401  (pki: fixture)
from test_tls import certs, tls_opts  # noqa: F401  (certs is a fixture)

GUEST_UID = 2100
VIRTUAL = {"v1": "v1-secret", "v2": "v2-secret", "v3": "v3-secret"}


def expect_log(ftpenv, pattern):
    """A syslog line of this test matching PATTERN (skipped without a capture)."""
    if not (ftpenv.syslog and ftpenv.syslog.active):
        return
    rx = re.compile(pattern)
    hit = wait_for(lambda: [l for l in ftpenv.syslog_lines() if rx.search(l)], TIMEOUT)
    assert hit, "no syslog line matching %r; the last ones:\n%s" % (
        pattern, "\n".join(ftpenv.syslog_lines()[-20:]))


def add_virtual_users(ftpenv):
    """The account vguest (uid 2100) for nss, and v1..v3 known to PAM only (pam_matrix's
    passdb); v1 and v2 get a directory under virt/ with a file each, v3 none."""
    with open(ftpenv.path("passwd"), "a") as f:
        f.write("vguest:x:%d:%d:virtual users:/nonexistent:/usr/sbin/nologin\n"
                % (GUEST_UID, GUEST_UID))
    with open(ftpenv.path("group"), "a") as f:
        f.write("vguest:x:%d:\n" % GUEST_UID)
    with open(ftpenv.path("passdb"), "a") as f:
        for name, pw in VIRTUAL.items():
            f.write("%s:%s:ftp\n" % (name, pw))
    ftpenv.mkdir(ftpenv.path("virt"))
    for name in ("v1", "v2"):
        d = ftpenv.mkdir(ftpenv.path("virt", name), GUEST_UID, GUEST_UID)
        ftpenv.write(os.path.join(d, name + "-only.txt"), name.encode() * 10,
                     GUEST_UID, GUEST_UID)


def guest_opts(ftpenv, **kw):
    opts = dict(guest_enable=True, guest_user="vguest",
                guest_root=ftpenv.path("virt", "%u"), xferlog_enable=True)
    opts.update(kw)
    return opts


def user_proc(srv, client, uid):
    """The user process of CLIENT's session: the monitor's child running as UID."""
    mon = srv.pid_for(client)

    def look():
        return [p for p in descendants(mon) if proc_status(p).get("Uid") == [uid] * 4]
    found = wait_for(look, TIMEOUT)
    assert found, "no process with uid %d in the session" % uid
    return found[0]


def test_virtual_user_lands_in_own_root(ftpenv):
    """v1, known to PAM and not to nss, logs in as vguest's uid and gid, chrooted to
    virt/v1: it sees its own file, not v2's, and the xferlog names v1."""
    add_virtual_users(ftpenv)
    srv = ftpenv.inetd(**guest_opts(ftpenv))
    c = ftpenv.connect(srv)
    r = c.login_ok("v1", VIRTUAL["v1"])
    assert "User v1 logged in" in r.text, r
    pid = user_proc(srv, c, GUEST_UID)
    st = proc_status(pid)
    assert st["Gid"] == [GUEST_UID] * 4
    assert proc_root(pid) == os.path.realpath(ftpenv.path("virt", "v1"))
    assert c.cmd("PWD").text.startswith('257 "/"')
    assert c.nlst() == ["v1-only.txt"]
    assert c.cmd("TYPE I").code == 200
    assert c.retr("v1-only.txt") == b"v1" * 10
    assert c.cmd("SIZE ../v2/v2-only.txt").code == 550
    assert c.cmd("CWD /../v2").code != 250 or c.nlst() == ["v1-only.txt"]
    c.cmd("QUIT")
    ftpenv.wait_session_gone()
    with open(ftpenv.path("xferlog")) as f:
        last = f.read().splitlines()[-1].split()
    assert last[8] == "/v1-only.txt" and last[13] == "v1", last
    c = ftpenv.connect(srv)
    c.login_ok("v2", VIRTUAL["v2"])
    assert c.nlst() == ["v2-only.txt"]
    c.cmd("QUIT")


def test_pam_user_changed_by_module(ftpenv):
    """A module that changes PAM_USER (pam_rename, built here: "alias-v1" becomes "v1")
    decides who logs in: the session is v1's, in v1's root, under the name v1."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("SKIPPED: no C compiler to build the test PAM module")
    mod = ftpenv.path("pam_rename.so")
    subprocess.run([cc, "-shared", "-fPIC", "-o", mod,
                    os.path.join(os.path.dirname(__file__), "pam_rename.c"), "-lpam"],
                   check=True, timeout=60)
    add_virtual_users(ftpenv)
    with open(ftpenv.path("pam", "ftp")) as f:
        stack = f.read()
    ftpenv.write(ftpenv.path("pam", "ftp"), "auth\trequisite\t%s\n" % mod + stack)
    srv = ftpenv.inetd(**guest_opts(ftpenv))
    c = ftpenv.connect(srv)
    r = c.login_ok("alias-v1", VIRTUAL["v1"])
    assert "User v1 logged in" in r.text, r
    pid = user_proc(srv, c, GUEST_UID)
    assert proc_root(pid) == os.path.realpath(ftpenv.path("virt", "v1"))
    assert c.nlst() == ["v1-only.txt"]
    c.cmd("QUIT")
    c = ftpenv.connect(srv)
    assert c.login("alias-v1", VIRTUAL["v2"]).code == 530


def test_virtual_user_without_root_refused(ftpenv):
    """v3 has no directory under virt/: 530, and syslog says why."""
    add_virtual_users(ftpenv)
    srv = ftpenv.inetd(**guest_opts(ftpenv))
    c = ftpenv.connect(srv)
    assert c.login("v3", VIRTUAL["v3"]).code == 530
    expect_log(ftpenv, r"login of v3 from \S+ refused: guest_root \S+/virt/v3: "
                       r"No such file or directory")


def test_virtual_user_needs_guest_enable(ftpenv):
    """Without guest_enable a name with no local account is refused, password or not;
    a local account still logs in as itself with guest_enable."""
    add_virtual_users(ftpenv)
    srv = ftpenv.inetd()
    c = ftpenv.connect(srv)
    assert c.login("v1", VIRTUAL["v1"]).code == 530
    srv2 = ftpenv.inetd(**guest_opts(ftpenv))
    c = ftpenv.connect(srv2)
    c.login_ok("alice")
    user_proc(srv2, c, USERS["alice"]["uid"])
    assert "hello.txt" in c.nlst()


def test_virtual_user_config_file(ftpenv):
    """users/v2 names another root (local_root) and write_enable no: v2 lands there and
    may not write; v1 (no file) keeps guest_root and may write."""
    add_virtual_users(ftpenv)
    shared = ftpenv.mkdir(ftpenv.path("virt", "shared"))
    ftpenv.write(os.path.join(shared, "shared.txt"), b"s")
    write_userconf(ftpenv, "v2", "local_root %s\nwrite_enable no\n" % shared)
    srv = ftpenv.inetd(**guest_opts(ftpenv, user_config_dir=ftpenv.path("users")))
    c = ftpenv.connect(srv)
    c.login_ok("v2", VIRTUAL["v2"])
    assert proc_root(user_proc(srv, c, GUEST_UID)) == os.path.realpath(shared)
    assert c.nlst() == ["shared.txt"]
    assert c.cmd("MKD d").code == 550
    c.cmd("QUIT")
    c = ftpenv.connect(srv)
    c.login_ok("v1", VIRTUAL["v1"])
    assert c.nlst() == ["v1-only.txt"]
    assert c.cmd("MKD d").code == 257
    assert os.stat(ftpenv.path("virt", "v1", "d")).st_uid == GUEST_UID


def test_virtual_name_in_tls_lists(ftpenv, certs):
    """tls_plain_users names the virtual user: v1 may log in without TLS, v2 may not."""
    add_virtual_users(ftpenv)
    srv = ftpenv.inetd(**tls_opts(certs, **guest_opts(ftpenv, tls_plain_users="v1")))
    c = ftpenv.connect(srv)
    c.login_ok("v1", VIRTUAL["v1"])
    c.cmd("QUIT")
    c = ftpenv.connect(srv)
    r = c.login("v2", VIRTUAL["v2"])
    assert r.code != 230, r


def test_virtual_user_by_certificate(ftpenv, pki):
    """certmap rules name the virtual user: "v1 cn Bob Builder" logs Bob's certificate
    in as v1 without a password (232), in v1's root with the guest uid; the same
    certificate does not log in v2."""
    add_virtual_users(ftpenv)
    srv = ftpenv.inetd(**cert_opts(ftpenv, pki, certmap="v1 cn Bob Builder\n",
                                   **guest_opts(ftpenv)))
    f = cert_connect(srv, pki.bob)
    r = f.sendcmd("USER v1")
    assert r.startswith("232"), r
    pid = user_proc(srv, f.sock, GUEST_UID)
    assert proc_root(pid) == os.path.realpath(ftpenv.path("virt", "v1"))
    assert f.nlst() == ["v1-only.txt"]
    f.quit()
    f = cert_connect(srv, pki.bob)
    assert f.sendcmd("USER v2").startswith("331")
    f.close()


@pytest.mark.parametrize("chroot", [True, False])
def test_local_root_template(ftpenv, chroot):
    """local_root roots/%u: alice starts in roots/alice, chrooted there with
    chroot_local_user, else as its absolute path."""
    u = USERS["alice"]
    ftpenv.mkdir(ftpenv.path("roots"))
    d = ftpenv.mkdir(ftpenv.path("roots", "alice"), u["uid"], u["gid"])
    ftpenv.write(os.path.join(d, "in-root.txt"), b"x", u["uid"], u["gid"])
    srv = ftpenv.inetd(local_root=ftpenv.path("roots", "%u"), chroot_local_user=chroot)
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    pid = user_proc(srv, c, u["uid"])
    assert c.nlst() == ["in-root.txt"]
    pwd = c.cmd("PWD").text
    if chroot:
        assert proc_root(pid) == os.path.realpath(d)
        assert pwd.startswith('257 "/"'), pwd
    else:
        assert proc_root(pid) == "/"
        assert pwd.startswith('257 "%s"' % d), pwd


def test_local_root_missing_refused(ftpenv):
    """A local_root that does not exist for the user refuses the login, with the reason
    in syslog."""
    srv = ftpenv.inetd(local_root=ftpenv.path("roots", "%u"))
    c = ftpenv.connect(srv)
    assert c.login("alice").code == 530
    expect_log(ftpenv, r"login of alice from \S+ refused: local_root \S+/roots/alice: "
                       r"No such file or directory")


def write_userconf(ftpenv, user, text, uid=0, mode=0o644):
    ftpenv.mkdir(ftpenv.path("users"), mode=0o755)
    ftpenv.write(ftpenv.path("users", user), text, uid, uid, mode)


def test_user_config_changes_only_that_user(ftpenv):
    """users/alice says write_enable no and umask 077: alice's STOR is refused, bob's
    (no file) is stored with the global umask; a second alice session keeps hers."""
    write_userconf(ftpenv, "alice", "# alice may only read\nwrite_enable no\n")
    write_userconf(ftpenv, "bob", "umask 077\n")
    srv = ftpenv.inetd(user_config_dir=ftpenv.path("users"))
    a = ftpenv.connect(srv)
    a.login_ok("alice")
    assert a.cmd("MKD newdir").code == 550
    assert not os.path.exists(ftpenv.home("alice", "newdir"))
    a.cmd("QUIT")
    b = ftpenv.connect(srv)
    b.login_ok("bob")
    assert b.cmd("TYPE I").code == 200
    b.stor("b.txt", b"bob")
    assert os.stat(ftpenv.home("bob", "b.txt")).st_mode & 0o777 == 0o600
    b.cmd("QUIT")
    # alice again after bob: her file still applies, bob's does not leak to her
    a = ftpenv.connect(srv)
    a.login_ok("alice")
    assert a.cmd("MKD newdir").code == 550
    a.cmd("QUIT")
    # without the per-user files the same actions succeed
    srv2 = ftpenv.inetd()
    a = ftpenv.connect(srv2)
    a.login_ok("alice")
    assert a.cmd("MKD newdir").code == 257
    a.cmd("QUIT")


def test_user_config_rein_drops_settings(ftpenv):
    """REIN then another user on the same connection: the first user's file does not
    carry over."""
    write_userconf(ftpenv, "alice", "write_enable no\n")
    srv = ftpenv.inetd(user_config_dir=ftpenv.path("users"))
    c = ftpenv.connect(srv)
    c.login_ok("alice")
    assert c.cmd("MKD d1").code == 550
    assert c.cmd("REIN").code == 220
    c.login_ok("bob")
    assert c.cmd("MKD d2").code == 257


@pytest.mark.parametrize("text,why", [
    ("anon_user root\n", r'"anon_user" may not be set here'),
    ("no_such_keyword yes\n", r'"no_such_keyword" may not be set here'),
    ("write_enable maybe\n", r'write_enable: "maybe" is not yes or no'),
])
def test_user_config_bad_keyword_refuses(ftpenv, text, why):
    """A per-user file with a keyword outside the per-user subset, an unknown one or a
    bad value refuses that user's login (530, the reason in syslog); others log in."""
    write_userconf(ftpenv, "alice", "umask 022\n" + text)
    srv = ftpenv.inetd(user_config_dir=ftpenv.path("users"))
    c = ftpenv.connect(srv)
    assert c.login("alice").code == 530
    expect_log(ftpenv, r"login of alice from \S+ refused: \S+/users/alice:2: " + why)
    c = ftpenv.connect(srv)
    c.login_ok("bob")


def test_user_config_not_root_owned_refuses(ftpenv):
    """A per-user file alice owns (she could change her own settings) refuses her login."""
    write_userconf(ftpenv, "alice", "write_enable yes\n", uid=USERS["alice"]["uid"])
    srv = ftpenv.inetd(user_config_dir=ftpenv.path("users"))
    c = ftpenv.connect(srv)
    assert c.login("alice").code == 530
    expect_log(ftpenv, r"login of alice from \S+ refused: \S+/users/alice: not a regular "
                       r"file that root owns")


def test_user_config_rate_for_one_user(ftpenv):
    """local_max_rate in users/alice slows alice's downloads (1 MB at 500 kB/s: 2 s
    within 10%), not bob's."""
    data = os.urandom(1000000)
    ftpenv.user_file("alice", "m.bin", data)
    ftpenv.user_file("bob", "m.bin", data)
    write_userconf(ftpenv, "alice", "local_max_rate 500000\n")
    srv = ftpenv.inetd(user_config_dir=ftpenv.path("users"))
    import time
    for user, lo, hi in (("alice", 1.8, 2.2), ("bob", 0, 0.5)):
        c = ftpenv.connect(srv)
        c.login_ok(user)
        assert c.cmd("TYPE I").code == 200
        t = time.monotonic()
        assert c.retr("m.bin") == data
        secs = time.monotonic() - t
        assert lo <= secs <= hi, "%s: %.2f s" % (user, secs)
        c.cmd("QUIT")
