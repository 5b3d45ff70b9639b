"""procs: what /proc says about the server's processes (ids, root, sockets, tree)."""

import os
import time


def wait_for(pred, timeout, interval=0.05):
    """Poll PRED until it returns a true value or TIMEOUT seconds pass; return its last value."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


# --------------------------------------------------------------------------
# /proc inspection

def proc_status(pid):
    """Parsed /proc/PID/status: Uid/Gid/Groups as int lists, PPid int, others str. {} if gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        return {}
    st = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        v = v.strip()
        if k in ("Uid", "Gid", "Groups"):
            st[k] = [int(x) for x in v.split()]
        elif k == "PPid":
            st[k] = int(v)
        else:
            st[k] = v
    st["pid"] = pid
    return st


def proc_root(pid):
    try:
        return os.readlink("/proc/%d/root" % pid)
    except OSError:
        return None


def is_tls_process(pid):
    """Is PID (an unprivileged pre-login process of a session) the TLS process, which
    holds the client connection as fds 0 and 1?  (The control process has /dev/null.)"""
    try:
        return os.readlink("/proc/%d/fd/0" % pid).startswith("socket:")
    except OSError:
        return False


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("latin-1").strip()
    except OSError:
        return ""


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def is_zombie(pid):
    st = proc_status(pid)
    return not st or st.get("State", "").startswith(("Z", "X"))


def token_pids(token):
    """Live (non-zombie) processes whose environment holds FTPD_TEST_TOKEN=TOKEN."""
    needle = ("FTPD_TEST_TOKEN=%s" % token).encode()
    found = []
    for pid in all_pids():
        if pid == os.getpid():
            continue
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b"\0") and not is_zombie(pid):
            found.append(pid)
    return sorted(found)


def descendants(pid):
    """PID's live descendants (children, grandchildren, ...), not PID itself."""
    children = {}
    for p in all_pids():
        st = proc_status(p)
        if st and not st.get("State", "").startswith("Z"):
            children.setdefault(st.get("PPid"), []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return sorted(out)


def socket_inode(local_port, remote_port):
    """Inode of the TCP socket LOCAL_PORT <-> REMOTE_PORT (from /proc/net/tcp*), or None."""
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    lp = int(parts[1].rsplit(":", 1)[1], 16)
                    rp = int(parts[2].rsplit(":", 1)[1], 16)
                    if (lp, rp) == (local_port, remote_port):
                        return int(parts[9])
        except OSError:
            pass
    return None


def holds_socket(pid, inode):
    """True if process PID has a file descriptor open on socket INODE."""
    target = "socket:[%d]" % inode
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target:
                return True
        except OSError:
            pass
    return False


def describe_procs(pids):
    lines = []
    for p in pids:
        st = proc_status(p)
        if st:
            lines.append("pid %d ppid %s uid %s gid %s groups %s root %s state %s: %s" % (
                p, st.get("PPid"), st.get("Uid"), st.get("Gid"), st.get("Groups"),
                proc_root(p), st.get("State"), proc_cmdline(p)))
    return "\n".join(lines)
