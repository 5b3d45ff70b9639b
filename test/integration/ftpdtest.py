"""ftpdtest: a hermetic world for ftpd integration tests.

What it builds, per test, in a fresh temporary directory:
  - passwd/group files for nss_wrapper and a pam_matrix password file plus PAM
    service files for pam_wrapper, so logins go through real PAM calls without
    touching the system's accounts;
  - home directories owned by the test users' numeric uids, an anonymous tree,
    an empty directory for the unprivileged control process, the ftpusers /
    ftpchroot / shells / welcome / motd files;
  - an ftpd.conf pointing at all of that.

How it runs the server:
  - InetdServer: a small listener on 127.0.0.1 that, like inetd "nowait", runs one
    `ftpd -f conf` per accepted connection with the socket as fd 0 and 1;
  - XinetdServer: the real xinetd with a generated configuration;
  - OpenbsdInetdServer: the real inetd of Debian's openbsd-inetd (unpacked from
    its package with dpkg-deb -x, never installed: it conflicts with xinetd)
    with the inetd.conf line README gives;
  - DaemonServer: `ftpd -D` as a standalone listener.

Every server process gets FTPD_TEST_TOKEN=<unique> in its environment, so the
processes of one test can be found in /proc (and checked to be gone) whatever
they did to their parent, uid or root directory.

FTPD_WRAPPER="cmd args" starts every server kind as `cmd args ftpd ...` (e.g.
valgrind, mk/valgrind.sh); the environment, LD_PRELOAD included, goes through
it, and every timeout scales by SLOW (ftpclient.py).

The client side lives in ftpclient.py (FtpClient: a raw control connection that
sends a line and reads one full reply, plus PASV/EPSV/PORT/EPRT transfers; curl,
lftp and wget through run_tool()), /proc inspection in procs.py; this module
re-exports both.  Only the Python stdlib and pytest are used.
"""

import errno
import glob
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from ftpclient import (SLOW, TIMEOUT, TOOL_TIMEOUT, DataConn, FtpClient, ProtocolError,
                       Reply, Xfer, curl, lftp, printable, recv_all, run_tool, tool)
from procs import (all_pids, describe_procs, descendants, holds_socket,
                   is_tls_process, is_zombie, proc_cmdline, proc_root, proc_status,
                   socket_inode, token_pids, wait_for)

# the tests import everything from here
__all__ = [
    "SLOW", "TIMEOUT", "TOOL_TIMEOUT", "DataConn", "FtpClient", "ProtocolError", "Reply", "Xfer",
    "curl", "lftp", "printable", "recv_all", "run_tool", "tool",
    "all_pids", "describe_procs", "descendants", "holds_socket", "is_zombie", "proc_cmdline",
    "proc_root", "proc_status", "socket_inode", "token_pids", "wait_for",
    "FTPD", "WRAPPER", "USERS", "HELLO", "NOBODY_UID", "ANON_UID", "STAFF_GID", "GONE_TIMEOUT",
    "find_lib", "find_pam_module", "is_sanitized", "have_ipv6_loopback", "free_port",
    "free_port_block",
    "port_listening", "SyslogCapture", "InetdServer", "XinetdServer", "DaemonServer",
    "OpenbsdInetdServer", "openbsd_inetd_binary",
    "FtpEnv",
]

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
FTPD = os.path.abspath(os.environ.get("FTPD") or os.path.join(TOP, "build", "ftpd"))


def _wrapper():
    """FTPD_WRAPPER (shell words, e.g. "valgrind --log-socket=..."): the command
    every server kind runs ftpd under; its first word as a full path, for xinetd."""
    argv = shlex.split(os.environ.get("FTPD_WRAPPER", ""))
    if argv and not os.path.isabs(argv[0]):
        argv[0] = shutil.which(argv[0]) or argv[0]
    return argv


WRAPPER = _wrapper()

GONE_TIMEOUT = 8.0 * SLOW   # how long a session's processes may linger after its end

NOBODY_UID = 65534
ANON_UID = 2100

# The test accounts.  pw None: not in the PAM password file.
USERS = {
    "alice": dict(uid=2001, gid=2001, pw="alice-pw-1", shell="/bin/sh"),
    "bob": dict(uid=2002, gid=2002, pw="bob-pw-2", shell="/bin/sh"),
    "carol": dict(uid=2003, gid=2003, pw="carol-pw-3", shell="/bin/sh"),
    "dave": dict(uid=2004, gid=2004, pw="dave-pw-4", shell="/bin/false"),
}
STAFF_GID = 2050
HELLO = b"hello world\n"
FtpClient.passwords = {name: u["pw"] for name, u in USERS.items()}


# --------------------------------------------------------------------------
# system look-ups

def find_lib(name):
    """Full path of the shared object NAME (e.g. libpam_wrapper.so), or None."""
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        line = line.strip()
        if line.startswith(name + " ") and "=>" in line:
            path = line.split("=>", 1)[1].strip()
            if os.path.exists(path):
                return path
    for pat in ("/usr/lib/*/" + name, "/lib/*/" + name, "/usr/lib/" + name,
                "/usr/lib64/" + name):
        hits = sorted(glob.glob(pat))
        if hits:
            return hits[0]
    return None


def find_pam_module(name):
    """Full path of PAM module NAME (pam_matrix.so from pam_wrapper, or a system one)."""
    pats = ["/usr/lib/*/pam_wrapper/" + name, "/usr/lib/pam_wrapper/" + name,
            "/usr/lib64/pam_wrapper/" + name, "/usr/lib/*/security/" + name,
            "/lib/*/security/" + name, "/usr/lib/security/" + name,
            "/lib/security/" + name, "/usr/lib64/security/" + name]
    for pat in pats:
        hits = sorted(glob.glob(pat))
        if hits:
            return hits[0]
    return None


def is_sanitized(path):
    """True if the binary at PATH was built with AddressSanitizer."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def have_ipv6_loopback():
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_free(port, host):
    """True if nothing holds PORT on HOST, not even a connection in TIME_WAIT."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))            # no SO_REUSEADDR: TIME_WAIT counts as taken
        except OSError:
            return False
    return True


def free_port_block(n, host="0.0.0.0"):
    """The first of N consecutive free ports below the kernel's ephemeral range (for a
    passive range), chosen at random so that parallel runs do not collide."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph_low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        eph_low = 32768
    rnd = random.Random()
    for _ in range(500):
        low = rnd.randrange(10000, max(eph_low, 12000) - n)
        if all(_port_free(p, host) for p in range(low, low + n)):
            return low
    raise AssertionError("no block of %d free ports on %s" % (n, host))


def port_listening(port, host="127.0.0.1"):
    """True if something listens on HOST:PORT (read from /proc, no connection made)."""
    if ":" in host:
        files = ["/proc/net/tcp6"]
    else:
        files = ["/proc/net/tcp", "/proc/net/tcp6"]
    for fn in files:
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


# --------------------------------------------------------------------------
# syslog capture

class SyslogCapture:
    """Collects syslog datagrams sent to /dev/log, when this machine has no syslog daemon.

    Only possible as root and when /dev/log is absent (or a dead socket left by an
    earlier run); otherwise .active is False and tests that need the log skip.
    """

    PATH = "/dev/log"

    def __init__(self):
        self.active = False
        self.reason = ""
        self.messages = []          # (monotonic time, text)
        self._lock = threading.Lock()
        self._sock = None
        self._thread = None
        self._stop = False

    def start(self):
        if os.geteuid() != 0:
            self.reason = "not root"
            return self
        if os.path.lexists(self.PATH):
            if not self._stale(self.PATH):
                self.reason = "%s belongs to a running syslog daemon" % self.PATH
                return self
            try:
                os.unlink(self.PATH)
            except OSError as e:
                self.reason = "cannot remove stale %s: %s" % (self.PATH, e)
                return self
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(self.PATH)
            os.chmod(self.PATH, 0o666)
            s.settimeout(0.2)
        except OSError as e:
            self.reason = "cannot bind %s: %s" % (self.PATH, e)
            return self
        self._sock = s
        self.active = True
        self._thread = threading.Thread(target=self._run, name="syslog", daemon=True)
        self._thread.start()
        return self

    @staticmethod
    def _stale(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.connect(path)
            return False
        except OSError as e:
            return e.errno in (errno.ECONNREFUSED, errno.ENOENT)
        finally:
            s.close()

    def _run(self):
        while not self._stop:
            try:
                data = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            with self._lock:
                self.messages.append((time.monotonic(), data.decode("utf-8", "replace")))

    def mark(self):
        with self._lock:
            return len(self.messages)

    def since(self, mark=0):
        with self._lock:
            return [m for _, m in self.messages[mark:]]

    def stop(self):
        if not self.active:
            return
        self._stop = True
        self._thread.join(2)
        self._sock.close()
        try:
            os.unlink(self.PATH)
        except OSError:
            pass
        self.active = False


def pids_in_syslog(lines):
    pids = set()
    for line in lines:
        m = re.search(r"ftpd\[(\d+)\]", line)
        if m:
            pids.add(int(m.group(1)))
    return pids


# --------------------------------------------------------------------------
# servers

class _Server:
    kind = "?"
    host = "127.0.0.1"
    port = None

    def connect(self, **kw):
        return FtpClient(self.host, self.port, **kw)

    def url(self, path="", user=None, pw=None):
        h = "[%s]" % self.host if ":" in self.host else self.host
        cred = ""
        if user:
            cred = user + (":" + pw if pw is not None else "") + "@"
        return "ftp://%s%s:%d/%s" % (cred, h, self.port, path.lstrip("/"))


class InetdServer(_Server):
    """Runs `ftpd ARGV...` once per connection with the socket on fd 0 and 1, like inetd."""

    kind = "inetd"

    def __init__(self, argv, env, stderr_path, host="127.0.0.1", stderr_is_socket=False):
        self.argv = argv
        self.env = env
        self.host = host
        self.stderr_path = stderr_path
        self.stderr_is_socket = stderr_is_socket
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.lsock = socket.socket(fam, socket.SOCK_STREAM)
        self.lsock.bind((host, 0))
        self.lsock.listen(16)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.procs = {}            # client's port -> Popen
        self.spawn_errors = []
        self._stop = False
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="inetd", daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop:
            try:
                conn, peer = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            try:
                with open(self.stderr_path, "ab") as err:
                    p = subprocess.Popen(
                        self.argv, stdin=conn.fileno(), stdout=conn.fileno(),
                        stderr=conn.fileno() if self.stderr_is_socket else err,
                        env=self.env, close_fds=True, start_new_session=True, cwd="/")
            except OSError as e:
                self.spawn_errors.append(str(e))
                p = None
            finally:
                conn.close()
            with self._cv:
                self.procs[peer[1]] = p
                self._cv.notify_all()

    def proc_for(self, client):
        """The Popen of the ftpd serving CLIENT (an FtpClient or a socket)."""
        sock = client.sock if isinstance(client, FtpClient) else client
        port = sock.getsockname()[1]
        with self._cv:
            self._cv.wait_for(lambda: port in self.procs, timeout=TIMEOUT)
            p = self.procs.get(port)
        assert p is not None, "no ftpd was started for this connection (%s)" % self.spawn_errors
        return p

    def pid_for(self, client):
        return self.proc_for(client).pid

    def stop(self):
        self._stop = True
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)    # wakes the accept() at once
        except OSError:
            pass
        self._thread.join(3)
        try:
            self.lsock.close()
        except OSError:
            pass

    def kill_all(self):
        for p in list(self.procs.values()):
            if p is None:
                continue
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                pass

    def reap(self):
        for p in list(self.procs.values()):
            if p is not None:
                p.poll()


class _ListenerServer(_Server):
    """A long-running listener process (xinetd or ftpd -D)."""

    proc = None
    log_path = None

    def _wait_listening(self, timeout=10 * SLOW):
        ok = wait_for(lambda: port_listening(self.port, self.host) or self.proc.poll() is not None,
                      timeout)
        if self.proc.poll() is not None or not ok:
            log = ""
            try:
                with open(self.log_path, errors="replace") as f:
                    log = f.read()[-3000:]
            except OSError:
                pass
            self.stop()
            raise AssertionError("%s did not start listening on %s port %d (exit %s)\n%s" % (
                self.kind, self.host, self.port, self.proc.returncode, log))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.proc.wait(5)

    @property
    def pid(self):
        return self.proc.pid

    def reap(self):
        if self.proc:
            self.proc.poll()

    def kill_all(self):
        self.stop()


class XinetdServer(_ListenerServer):
    kind = "xinetd"

    def __init__(self, workdir, ftpd_argv, env, host="127.0.0.1", instances=60,
                 stderr_null=False, no_pam_wrapper=False):
        self.host = host
        self.port = free_port(host)
        self.conf = os.path.join(workdir, "xinetd.conf")
        if stderr_null:
            # pam_wrapper (a test stand-in, loaded before main) writes its own
            # messages to fd 2, the client socket under xinetd; under load its
            # stale-directory sweep races and complains.  Keep them off the wire.
            wrapper = os.path.join(workdir, "ftpd-stderr-null")
            # the wrappers are preloaded into ftpd only, not into this shell
            with open(wrapper, "w") as f:
                f.write('#!/bin/sh\nexec 2>/dev/null\n'
                        'LD_PRELOAD="$TEST_LD_PRELOAD" exec %s "$@"\n' % ftpd_argv[0])
            os.chmod(wrapper, 0o755)
            ftpd_argv = [wrapper] + list(ftpd_argv[1:])
            env = dict(env)
            env["TEST_LD_PRELOAD"] = env.pop("LD_PRELOAD", "")
        if no_pam_wrapper:
            # pam_wrapper gives each process a one-letter directory in /tmp and
            # exits when two collide: it cannot carry hundreds of sessions at
            # once.  Without it only anonymous logins work.
            env = dict(env)
            for k in ("LD_PRELOAD", "TEST_LD_PRELOAD"):
                if k in env:
                    env[k] = ":".join(l for l in env[k].split(":") if "pam_wrapper" not in l)
        self.log_path = os.path.join(workdir, "xinetd.log")
        pidfile = os.path.join(workdir, "xinetd.pid")
        envs = " ".join("%s=%s" % kv for kv in sorted(env.items()))
        with open(self.conf, "w") as f:
            f.write("defaults\n{\n"
                    "\tlog_type = FILE %s\n"
                    "\tinstances = %d\n"
                    "\tcps = 1000 1\n"
                    "}\n\n" % (self.log_path, instances))
            f.write("service ftpdtest\n{\n"
                    "\ttype = UNLISTED\n"
                    "\tid = ftpdtest\n"
                    "\tsocket_type = stream\n"
                    "\tprotocol = tcp\n"
                    "\twait = no\n"
                    "\tuser = root\n"
                    "\tport = %d\n"
                    "\tbind = %s\n"
                    "\tserver = %s\n"
                    "\tserver_args = %s\n"
                    "\tpassenv =\n"
                    "\tenv = %s\n"
                    "\tlog_on_success = PID HOST EXIT\n"
                    "\tlog_on_failure = HOST\n"
                    "}\n" % (self.port, host, ftpd_argv[0], " ".join(ftpd_argv[1:]), envs))
        xinetd = shutil.which("xinetd") or "/usr/sbin/xinetd"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [xinetd, "-dontfork", "-f", self.conf, "-pidfile", pidfile],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True,
                start_new_session=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        self._wait_listening()


_openbsd_inetd = {}


def openbsd_inetd_binary():
    """The inetd of Debian's openbsd-inetd, unpacked once per test run: its path, or
    pytest.skip() with the reason when the package cannot be had."""
    if "path" in _openbsd_inetd:
        return _openbsd_inetd["path"]
    if "skip" in _openbsd_inetd:
        pytest.skip(_openbsd_inetd["skip"])
    why = None
    d = tempfile.mkdtemp(prefix="ftpd-openbsd-inetd.")
    _openbsd_inetd["dir"] = d
    os.chmod(d, 0o755)     # apt-get download runs as _apt where it can
    try:
        r = subprocess.run(["apt-get", "download", "-q", "openbsd-inetd"], cwd=d,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        debs = glob.glob(os.path.join(d, "openbsd-inetd_*.deb"))
        if r.returncode != 0 or not debs:
            why = "apt-get download openbsd-inetd failed: %s" % (r.stderr.strip()[-300:])
        else:
            subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(d, "root")], check=True,
                           capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        why = "cannot unpack openbsd-inetd: %s" % e
    path = os.path.join(d, "root", "usr", "sbin", "inetd")
    if why is None and not os.access(path, os.X_OK):
        why = "the openbsd-inetd package holds no usr/sbin/inetd"
    if why is None:
        # its libraries (libwrap0, libevent, libbsd) are Debian packages mk/deps.sh installs
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=30).stdout
        missing = [l.split()[0] for l in ldd.splitlines() if "not found" in l]
        if missing:
            pytest.fail("openbsd-inetd's libraries are missing: %s (run make deps)"
                        % " ".join(missing))
    if why is not None:
        _openbsd_inetd["skip"] = "SKIPPED: " + why
        pytest.skip(_openbsd_inetd["skip"])
    _openbsd_inetd["path"] = path
    return path


def openbsd_inetd_cleanup():
    d = _openbsd_inetd.pop("dir", None)
    if d:
        shutil.rmtree(d, ignore_errors=True)


class OpenbsdInetdServer(_ListenerServer):
    """The real openbsd-inetd with an inetd.conf holding the line an administrator writes:
    "HOST:PORT stream tcp nowait root /path/ftpd ftpd -f CONF".

    It runs in the foreground (-i) and passes its environment on (-E: the test
    wrappers' LD_PRELOAD and files), in a mount namespace of its own whose /run
    is a directory of the test, since it writes /run/inetd.pid.
    """

    kind = "openbsd-inetd"

    def __init__(self, workdir, inetd, ftpd_argv, env, host="127.0.0.1"):
        self.host = host
        self.port = free_port(host)
        self.conf = os.path.join(workdir, "inetd.conf")
        self.log_path = os.path.join(workdir, "inetd.log")
        run = os.path.join(workdir, "inetd-run")
        os.makedirs(run, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("# written by the integration tests\n")
            f.write("%s:%d\tstream\ttcp\tnowait\troot\t%s\t%s\n" % (
                host, self.port, ftpd_argv[0],
                " ".join([os.path.basename(ftpd_argv[0])] + list(ftpd_argv[1:]))))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                # private propagation where / is a mount point; in a chroot (make
                # fresh-root-check: already a private namespace) it cannot be set
                ["unshare", "--mount", "--propagation", "unchanged", "sh", "-c",
                 'mount --make-rprivate / 2>/dev/null; '
                 'mount --bind "$1" /run && shift && exec "$@"', "sh", run,
                 inetd, "-i", "-E", self.conf],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True,
                start_new_session=True, env=env, cwd="/")
        self._wait_listening()
        self.pidfile = os.path.join(run, "inetd.pid")


class DaemonServer(_ListenerServer):
    kind = "daemon"

    def __init__(self, workdir, ftpd_argv, env, host="127.0.0.1"):
        self.host = host
        self.port = free_port(host)
        self.log_path = os.path.join(workdir, "daemon.stderr")
        argv = list(ftpd_argv) + ["-D", "-o", "listen_address=" + host,
                                  "-o", "listen_port=%d" % self.port, "-o", "foreground=yes"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         env=env, close_fds=True, start_new_session=True, cwd="/")
        self._wait_listening()


# --------------------------------------------------------------------------
# the per-test world

class FtpEnv:
    """A temporary tree, accounts and config for one test, and the servers started in it."""

    def __init__(self, ftpd=FTPD, syslog=None):
        self.ftpd = ftpd
        self.syslog = syslog
        self.syslog_mark = syslog.mark() if syslog and syslog.active else 0
        self.token = uuid.uuid4().hex
        self.dir = tempfile.mkdtemp(prefix="ftpdtest.")
        os.chmod(self.dir, 0o755)
        self.servers = []
        self.clients = []
        self.conf_opts = {}
        self.pam_matrix = find_pam_module("pam_matrix.so")
        self.libs = [find_lib("libpam_wrapper.so"), find_lib("libnss_wrapper.so")]
        self._build()

    # -- paths
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def home(self, user, *parts):
        return os.path.join(self.dir, "home", user, *parts)

    def anon(self, *parts):
        return os.path.join(self.dir, "anon", *parts)

    @property
    def empty_dir(self):
        return self.path("empty")

    # -- files
    def write(self, path, data, uid=0, gid=0, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        return path

    def mkdir(self, path, uid=0, gid=0, mode=0o755):
        os.makedirs(path, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        return path

    def user_file(self, user, name, data, mode=0o644):
        u = USERS[user]
        return self.write(self.home(user, name), data, u["uid"], u["gid"], mode)

    def user_dir(self, user, name, mode=0o755):
        u = USERS[user]
        return self.mkdir(self.home(user, name), u["uid"], u["gid"], mode)

    def _build(self):
        self.mkdir(self.path("empty"))
        self.mkdir(self.path("etc"))
        self.mkdir(self.path("pam"))
        self.mkdir(self.path("home"))
        # accounts
        pw_lines = ["root:x:0:0:root:/root:/bin/sh",
                    "nobody:x:%d:%d:nobody:/nonexistent:/usr/sbin/nologin" % (NOBODY_UID, NOBODY_UID),
                    "ftp:x:%d:%d:anonymous ftp:%s:/usr/sbin/nologin" % (ANON_UID, ANON_UID,
                                                                         self.anon())]
        gr_lines = ["root:x:0:", "nogroup:x:%d:" % NOBODY_UID, "ftp:x:%d:" % ANON_UID]
        passdb = []
        for name, u in USERS.items():
            pw_lines.append("%s:x:%d:%d:%s:%s:%s" % (name, u["uid"], u["gid"], name.title(),
                                                      self.home(name), u["shell"]))
            gr_lines.append("%s:x:%d:" % (name, u["gid"]))
            passdb.append("%s:%s:ftp" % (name, u["pw"]))
            self.mkdir(self.home(name), u["uid"], u["gid"])
        gr_lines.append("staff:x:%d:alice" % STAFF_GID)
        self.write(self.path("passwd"), "\n".join(pw_lines) + "\n")
        self.write(self.path("group"), "\n".join(gr_lines) + "\n")
        self.write(self.path("passdb"), "\n".join(passdb) + "\n", mode=0o600)
        # PAM service files for pam_wrapper
        if self.pam_matrix:
            svc = "".join("%s\trequired\t%s passdb=%s\n" % (t, self.pam_matrix, self.path("passdb"))
                          for t in ("auth", "account", "password", "session"))
            self.write(self.path("pam", "ftp"), svc)
            deny = find_pam_module("pam_deny.so")
            if deny:
                self.write(self.path("pam", "other"),
                           "".join("%s\trequired\t%s\n" % (t, deny)
                                   for t in ("auth", "account", "password", "session")))
        # policy files
        self.write(self.path("etc", "ftpusers"), "# users who may not log in\nroot\ncarol\n")
        self.write(self.path("etc", "ftpchroot"), "bob\n")
        self.write(self.path("etc", "shells"), "/bin/sh\n/bin/bash\n")
        self.write(self.path("etc", "ftpwelcome"), "Welcome to the WELCOME-MARK test server.\n")
        self.write(self.path("etc", "motd"), "Message of the day: MOTD-MARK.\n")
        # homes
        self.user_file("alice", "hello.txt", HELLO)
        self.user_dir("alice", "docs")
        self.user_file("alice", "docs/a.txt", b"file a\n")
        self.user_file("alice", "docs/b.txt", b"file b, longer\n")
        self.user_file("bob", "bob.txt", b"bob's file\n")
        # anonymous tree: root-owned, with a pub/ to read and an incoming/ the ftp uid owns
        self.mkdir(self.anon())
        self.mkdir(self.anon("pub"))
        self.write(self.anon("pub", "readme.txt"), b"anonymous readme\n")
        self.mkdir(self.anon("incoming"), ANON_UID, ANON_UID, 0o755)
        self.write(self.anon("incoming", "exists.txt"), b"already here\n", ANON_UID, ANON_UID)
        self.write(self.path("ftpd.stderr"), b"")

    # -- configuration
    def conf_text(self, **opts):
        base = {
            "pam_service": "ftp",
            "nopriv_user": "nobody",
            "empty_dir": self.empty_dir,
            "ftpusers_file": self.path("etc", "ftpusers"),
            "ftpchroot_file": self.path("etc", "ftpchroot"),
            "shells_file": self.path("etc", "shells"),
            "nologin_file": self.path("etc", "nologin"),
            "welcome_file": self.path("etc", "ftpwelcome"),
            "motd_file": self.path("etc", "motd"),
            "anon_user": "ftp",
            "login_delay": 0,
            "xferlog_file": self.path("xferlog"),
            "limit_dir": self.path("limits"),   # each test counts its own sessions
            "wtmp_file": self.path("wtmp"),     # never the machine's wtmp
        }
        base.update(self.conf_opts)
        base.update(opts)
        lines = ["# ftpd.conf written by the integration tests"]
        for k, v in base.items():
            if v is True:
                v = "yes"
            elif v is False:
                v = "no"
            lines.append("%s %s" % (k, v))
        return "\n".join(lines) + "\n"

    def write_conf(self, name="ftpd.conf", **opts):
        return self.write(self.path(name), self.conf_text(**opts))

    def env(self):
        libs = [l for l in self.libs if l]
        e = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C",
            "TZ": "UTC",
            "LD_PRELOAD": ":".join(libs),
            "PAM_WRAPPER": "1",
            "PAM_WRAPPER_SERVICE_DIR": self.path("pam"),
            "NSS_WRAPPER_PASSWD": self.path("passwd"),
            "NSS_WRAPPER_GROUP": self.path("group"),
            "FTPD_TEST_TOKEN": self.token,
        }
        if is_sanitized(self.ftpd):
            e.update({
                "ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=0:abort_on_error=0",
                "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
                "PAM_WRAPPER_DISABLE_DEEPBIND": "1",
                # pam_wrapper 1.1.4 (Debian 12) reads this name instead
                "UID_WRAPPER_DISABLE_DEEPBIND": "1",
                "NSS_WRAPPER_DISABLE_DEEPBIND": "1",
            })
        return e

    def check_wrappers(self):
        missing = []
        if not self.pam_matrix:
            missing.append("pam_matrix.so (package libpam-wrapper)")
        if not self.libs[0]:
            missing.append("libpam_wrapper.so (package libpam-wrapper)")
        if not self.libs[1]:
            missing.append("libnss_wrapper.so (package libnss-wrapper)")
        if missing:
            pytest.fail("test environment incomplete: missing " + ", ".join(missing))

    # -- servers
    def argv(self, args=(), conf=None):
        return WRAPPER + [self.ftpd, "-f", conf or self.path("ftpd.conf")] + list(args)

    def _prestart(self, opts):
        self.check_wrappers()
        if not os.path.exists(self.ftpd):
            pytest.fail("the server binary %s does not exist (build it with make, or set FTPD)"
                        % self.ftpd)
        return self.write_conf(**opts)

    def inetd(self, args=(), host="127.0.0.1", stderr_is_socket=False, **opts):
        """Start an inetd-style listener; OPTS are config keywords for this run."""
        conf = self._prestart(opts)
        srv = InetdServer(self.argv(args, conf), self.env(), self.path("ftpd.stderr"), host=host,
                          stderr_is_socket=stderr_is_socket)
        self.servers.append(srv)
        return srv

    def xinetd(self, args=(), instances=60, stderr_null=False, no_pam_wrapper=False, **opts):
        if not shutil.which("xinetd") and not os.path.exists("/usr/sbin/xinetd"):
            pytest.skip("SKIPPED: xinetd is not installed")
        conf = self._prestart(opts)
        srv = XinetdServer(self.dir, self.argv(args, conf), self.env(), instances=instances,
                           stderr_null=stderr_null, no_pam_wrapper=no_pam_wrapper)
        self.servers.append(srv)
        return srv

    def openbsd_inetd(self, args=(), **opts):
        """The real openbsd-inetd (unpacked, see openbsd_inetd_binary) starting ftpd."""
        inetd = openbsd_inetd_binary()
        conf = self._prestart(opts)
        srv = OpenbsdInetdServer(self.dir, inetd, self.argv(args, conf), self.env())
        self.servers.append(srv)
        return srv

    def daemon(self, args=(), host="127.0.0.1", **opts):
        conf = self._prestart(opts)
        srv = DaemonServer(self.dir, self.argv(args, conf), self.env(), host=host)
        self.servers.append(srv)
        return srv

    def connect(self, server, **kw):
        c = server.connect(**kw)
        self.clients.append(c)
        return c

    # -- processes
    def session_pids(self, exclude=()):
        return [p for p in token_pids(self.token) if p not in exclude]

    def listener_pids(self):
        return [s.pid for s in self.servers if isinstance(s, _ListenerServer) and s.proc]

    def wait_session_gone(self, timeout=GONE_TIMEOUT, exclude=()):
        """Wait until no ftpd session process of this test is left; return the leftovers."""
        exclude = set(exclude) | set(self.listener_pids())
        for s in self.servers:
            s.reap()

        def gone():
            for s in self.servers:
                s.reap()
            return not self.session_pids(exclude)
        wait_for(gone, timeout)
        return self.session_pids(exclude)

    def syslog_lines(self):
        if not (self.syslog and self.syslog.active):
            return []
        return self.syslog.since(self.syslog_mark)

    def stderr_text(self):
        try:
            with open(self.path("ftpd.stderr"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def diagnostics(self):
        out = []
        err = self.stderr_text()
        if err:
            out.append("--- server stderr (last 4000 chars)\n" + err[-4000:])
        logs = self.syslog_lines()
        if logs:
            out.append("--- syslog (last 60 lines)\n" + "\n".join(logs[-60:]))
        for s in self.servers:
            if isinstance(s, _ListenerServer) and s.log_path:
                try:
                    with open(s.log_path, errors="replace") as f:
                        t = f.read()
                    if t:
                        out.append("--- %s log\n%s" % (s.kind, t[-3000:]))
                except OSError:
                    pass
        return "\n".join(out)

    def cleanup(self):
        """Close clients, stop servers, and report processes that outlived their session."""
        problems = []
        for c in self.clients:
            c.close()
        for s in self.servers:
            if isinstance(s, InetdServer):
                s.stop()
        leftovers = self.wait_session_gone()
        if leftovers:
            problems.append("ftpd processes left behind after the sessions ended:\n"
                            + describe_procs(leftovers))
        for s in self.servers:
            s.kill_all()
        for pid in self.session_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        logs = [self.stderr_text()]
        for s in self.servers:
            if isinstance(s, _ListenerServer) and s.log_path:
                try:
                    with open(s.log_path, errors="replace") as f:
                        logs.append(f.read())
                except OSError:
                    pass
        for err in logs:
            if re.search(r"ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer", err):
                problems.append("sanitizer report in the server's stderr:\n" + err[-6000:])
        return problems

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


