"""Process model, read from /proc: who runs as root, as nobody, as the user, where chrooted."""

import os
import socket

from ftpdtest import (ANON_UID, NOBODY_UID, STAFF_GID, descendants, describe_procs,
                      holds_socket, proc_root, proc_status, socket_inode, wait_for)


def session(server, client):
    """(monitor pid, [all session pids]) for CLIENT's session."""
    mon = server.pid_for(client)
    return mon, [mon] + descendants(mon)


def caps(st, name):
    return int(st.get(name, "0"), 16)


def procs_with_uid(pids, uid):
    return [p for p in pids if proc_status(p).get("Uid") == [uid] * 4]


def wait_procs_with_uid(server, client, uid, count=1, timeout=5):
    def look():
        _, pids = session(server, client)
        found = procs_with_uid(pids, uid)
        return found if len(found) >= count else None
    found = wait_for(look, timeout)
    _, pids = session(server, client)
    assert found, "no %d process(es) with uid %d in the session:\n%s" % (
        count, uid, describe_procs(pids))
    return found


def assert_unprivileged(pids, monitor):
    """Only the monitor is root; no other process has root ids or capabilities."""
    for p in pids:
        st = proc_status(p)
        if not st or p == monitor:
            continue
        assert 0 not in st["Uid"], "pid %d runs with a root uid:\n%s" % (p, describe_procs(pids))
        assert 0 not in st["Gid"], "pid %d runs with a root gid:\n%s" % (p, describe_procs(pids))
        assert 0 not in st.get("Groups", []), "pid %d is in group 0" % p
        assert caps(st, "CapEff") == 0 and caps(st, "CapPrm") == 0, \
            "pid %d holds capabilities %s/%s" % (p, st.get("CapEff"), st.get("CapPrm"))


def test_monitor_is_root(server, client):
    """The process inetd started (the monitor) keeps uid 0."""
    mon, _ = session(server, client)
    assert proc_status(mon)["Uid"] == [0, 0, 0, 0]


def test_prelogin_control_process(ftpenv, server, client):
    """Before login the TLS and control processes are nobody in all uid fields,
    chrooted to empty_dir."""
    found = wait_procs_with_uid(server, client, NOBODY_UID, count=2)
    mon, pids = session(server, client)
    assert len(found) == 2, describe_procs(pids)
    for p in found:
        assert proc_status(p)["Gid"][0] != 0
        assert proc_root(p) == os.path.realpath(ftpenv.empty_dir), describe_procs(pids)
    assert_unprivileged(pids, mon)
    roots = [p for p in pids if 0 in proc_status(p).get("Uid", [])]
    assert roots == [mon], "root processes besides the monitor:\n" + describe_procs(pids)


def test_user_process_credentials(ftpenv, server, alice):
    """After alice's login a process runs with her uid, gid and supplementary groups."""
    found = wait_procs_with_uid(server, alice, 2001)
    mon, pids = session(server, alice)
    st = proc_status(found[0])
    assert st["Gid"] == [2001] * 4, describe_procs(pids)
    assert STAFF_GID in st["Groups"], describe_procs(pids)
    assert 0 not in st["Groups"]
    assert proc_root(found[0]) == "/"          # alice is not chrooted
    assert_unprivileged(pids, mon)
    roots = [p for p in pids if 0 in proc_status(p).get("Uid", [])]
    assert roots == [mon], "root processes besides the monitor:\n" + describe_procs(pids)


def test_control_stays_chrooted_after_login(ftpenv, server, alice):
    """After login no process of the session runs as nobody outside empty_dir."""
    mon, pids = session(server, alice)
    for p in procs_with_uid(pids, NOBODY_UID):
        assert proc_root(p) == os.path.realpath(ftpenv.empty_dir), describe_procs(pids)


def test_chrooted_user_process_root(ftpenv, server):
    """bob's user process is chrooted to his home."""
    c = ftpenv.connect(server)
    c.login_ok("bob")
    found = wait_procs_with_uid(server, c, 2002)
    assert proc_root(found[0]) == os.path.realpath(ftpenv.home("bob"))
    mon, pids = session(server, c)
    assert_unprivileged(pids, mon)


def test_anonymous_process_root(ftpenv, server):
    """An anonymous session runs as the ftp account, chrooted to its home."""
    c = ftpenv.connect(server)
    c.login_ok("anonymous", "me@example.org")
    found = wait_procs_with_uid(server, c, ANON_UID)
    assert proc_root(found[0]) == os.path.realpath(ftpenv.anon())
    mon, pids = session(server, c)
    assert_unprivileged(pids, mon)


def test_anon_root_option(ftpenv):
    """anon_root chroots anonymous sessions there instead of the ftp home."""
    other = ftpenv.mkdir(ftpenv.path("anon2"))
    ftpenv.write(os.path.join(other, "only-here.txt"), b"anon2\n")
    srv = ftpenv.inetd(anon_root=other)
    c = ftpenv.connect(srv)
    c.login_ok("anonymous", "me@example.org")
    found = wait_procs_with_uid(srv, c, ANON_UID)
    assert proc_root(found[0]) == os.path.realpath(other)
    assert c.retr("/only-here.txt") == b"anon2\n"


def test_transfer_process(ftpenv, server, alice):
    """A RETR runs in its own child process with the user's uid."""
    ftpenv.user_file("alice", "big.bin", b"")
    os.truncate(ftpenv.home("alice", "big.bin"), 64 << 20)
    before = procs_with_uid(session(server, alice)[1], 2001)
    dc = alice.data_setup("pasv")
    data = dc.connect()
    data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        alice.send_line("RETR big.bin")
        assert alice.reply().code in (125, 150)
        data.recv(1024)             # the transfer has started; now let it stall
        during = wait_procs_with_uid(server, alice, 2001, count=len(before) + 1)
        mon, pids = session(server, alice)
        assert_unprivileged(pids, mon)
        assert len(during) > len(before), describe_procs(pids)
    finally:
        dc.close()
    r = alice.reply(timeout=15)
    assert r.code in (426, 451, 226), r


def control_socket_holders(server, client):
    inode = socket_inode(server.port, client.sock.getsockname()[1])
    assert inode, "cannot find the server side of the control connection in /proc/net/tcp"
    _, pids = session(server, client)
    return [p for p in pids if holds_socket(p, inode)], pids


def test_monitor_does_not_hold_client_socket(server, alice):
    """After set-up the root monitor has closed its copy of the client's socket."""
    mon = server.pid_for(alice)
    holders, pids = control_socket_holders(server, alice)
    assert holders, "no process holds the control socket?\n" + describe_procs(pids)
    assert mon not in holders, "the root monitor still holds the client socket:\n" + \
        describe_procs(pids)


def test_control_socket_owned_by_the_tls_process(server, alice):
    """Only the unprivileged TLS process holds the control socket: not the user process,
    and not the control process (the FTP parser), whose fds 0 and 1 are /dev/null."""
    holders, pids = control_socket_holders(server, alice)
    uids = [proc_status(p)["Uid"][0] for p in holders]
    assert uids == [NOBODY_UID], "control socket holders:\n" + describe_procs(holders)
    parsers = [p for p in procs_with_uid(pids, NOBODY_UID) if p not in holders]
    assert len(parsers) == 1, describe_procs(pids)
    for fd in (0, 1):
        assert os.readlink("/proc/%d/fd/%d" % (parsers[0], fd)) == "/dev/null"
