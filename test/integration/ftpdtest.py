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
  - DaemonServer: `ftpd -D` as a standalone listener.

Every server process gets FTPD_TEST_TOKEN=<unique> in its environment, so the
processes of one test can be found in /proc (and checked to be gone) whatever
they did to their parent, uid or root directory.

Clients: FtpClient is a raw control-connection client (send a line, read a full
reply) with helpers for PASV/EPSV/PORT/EPRT transfers; external clients (curl,
lftp, wget) are run through run_tool(), which skips the test when the tool is
missing.  Only the Python standard library and pytest are used.
"""

import errno
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
FTPD = os.path.abspath(os.environ.get("FTPD") or os.path.join(TOP, "build", "ftpd"))

TIMEOUT = 10.0          # default socket / reply timeout, seconds
TOOL_TIMEOUT = 60.0     # curl / lftp / wget
GONE_TIMEOUT = 8.0      # how long a session's processes may linger after its end

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


# --------------------------------------------------------------------------
# system look-ups

def find_lib(name):
    """Full path of shared library NAME (e.g. libpam_wrapper.so), or None."""
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
# replies and the raw client

class Reply:
    """One FTP reply: .code (int), .lines (str, latin-1 decoded), .raw (bytes)."""

    def __init__(self, code, lines, raw):
        self.code = code
        self.lines = lines
        self.raw = raw

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def multiline(self):
        return len(self.lines) > 1

    def __repr__(self):
        return "Reply(%r)" % self.text

    def __contains__(self, s):
        return s in self.text


class ProtocolError(Exception):
    pass


class FtpClient:
    """A raw FTP control connection.  Every read has a timeout; EOFError on close."""

    def __init__(self, host, port, timeout=TIMEOUT, read_greeting=True):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.greeting = self.reply() if read_greeting else None
        self.closed = False

    # -- low level
    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        self.sock.sendall(data)

    def send_line(self, line):
        if isinstance(line, str):
            line = line.encode("utf-8", "surrogateescape")
        self.send(line + b"\r\n")

    def readline(self, timeout=None):
        end = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete reply line within the timeout; have %r"
                                     % self.buf[:200])
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if self.buf:
                    raise ProtocolError("connection closed inside a reply line: %r"
                                        % self.buf[:200])
                raise EOFError("control connection closed by the server")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def reply(self, timeout=None):
        """Read one complete (possibly multi-line) reply."""
        first = self.readline(timeout)
        raw = first
        m = re.match(rb"^(\d{3})([ -])", first)
        if not m:
            raise ProtocolError("malformed reply line %r" % first)
        code = m.group(1)
        lines = [first.rstrip(b"\r\n").decode("latin-1")]
        if m.group(2) == b"-":
            while True:
                line = self.readline(timeout)
                raw += line
                lines.append(line.rstrip(b"\r\n").decode("latin-1"))
                if line.startswith(code + b" "):
                    break
        if any(not l.endswith(b"\r\n") for l in raw.splitlines(True)):
            raise ProtocolError("reply lines must end with CRLF: %r" % raw[:200])
        return Reply(int(code), lines, raw)

    def pending(self, wait=0.3):
        """True if the server sent something more (or closed) within WAIT seconds."""
        if self.buf:
            return True
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            return True
        if not chunk:
            return True
        self.buf += chunk
        return True

    def cmd(self, line, timeout=None):
        self.send_line(line)
        r = self.reply(timeout)
        if isinstance(line, str) and line[:5].upper() == "TYPE " and r.code == 200:
            self.type = line[5:].strip()[:1].upper()
        return r

    def set_type(self, t):
        """Make sure the transfer type is T ("I" or "A"); the session starts in ASCII."""
        if getattr(self, "type", "A") != t:
            self.expect("TYPE " + t, 200)

    def expect(self, line, codes, timeout=None):
        """Send LINE, assert the reply code is in CODES (int or tuple); return the reply."""
        if isinstance(codes, int):
            codes = (codes,)
        r = self.cmd(line, timeout)
        assert r.code in codes, "%s -> %r, expected %s" % (printable(line), r, codes)
        return r

    def wait_closed(self, timeout=None):
        """Read until the server closes; return the replies seen meanwhile."""
        seen = []
        end = time.monotonic() + (timeout or self.timeout)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("server did not close the control connection; saw %r" % seen)
            try:
                seen.append(self.reply(timeout=left))
            except EOFError:
                return seen
            except (ConnectionResetError, BrokenPipeError):
                return seen

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def abort_close(self):
        """Vanish: close with RST."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        except OSError:
            pass
        self.close()

    # -- login
    def login(self, user, pw=None):
        """USER/PASS; returns the PASS reply (or the USER reply if it was final)."""
        if pw is None:
            pw = USERS[user]["pw"] if user in USERS else "guest@example.org"
        r = self.cmd("USER " + user)
        if r.code != 331:
            return r
        return self.cmd("PASS " + pw)

    def login_ok(self, user, pw=None):
        r = self.login(user, pw)
        assert r.code == 230, "login %s -> %r" % (user, r)
        return r

    # -- data connection set-up
    def pasv(self):
        r = self.expect("PASV", 227)
        m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", r.text)
        assert m, "no address in %r" % r
        n = [int(x) for x in m.groups()]
        return "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]

    def epsv(self):
        r = self.expect("EPSV", 229)
        m = re.search(r"\((.)\1\1(\d+)\1\)", r.text)
        assert m, "bad EPSV reply %r" % r
        return self.host, int(m.group(2))

    def data_setup(self, mode="pasv"):
        """Prepare a data connection; returns a DataConn whose .connect() gives the socket."""
        if mode == "pasv":
            return DataConn(addr=self.pasv(), timeout=self.timeout)
        if mode == "epsv":
            return DataConn(addr=self.epsv(), timeout=self.timeout)
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.bind((self.sock.getsockname()[0], 0))
        ls.listen(1)
        ls.settimeout(self.timeout)
        ip = self.sock.getsockname()[0]
        port = ls.getsockname()[1]
        if mode == "port":
            r = self.cmd("PORT %s,%d,%d" % (ip.replace(".", ","), port >> 8, port & 255))
        elif mode == "eprt":
            r = self.cmd("EPRT |%d|%s|%d|" % (2 if fam == socket.AF_INET6 else 1, ip, port))
        else:
            raise ValueError(mode)
        if r.code != 200:
            ls.close()
            raise AssertionError("%s refused: %r" % (mode.upper(), r))
        return DataConn(listener=ls, timeout=self.timeout)

    def xfer(self, command, upload=None, mode="pasv", rest=None, chunk=None):
        """Run one data command.  Returns Xfer(pre, final, data)."""
        dc = self.data_setup(mode)
        try:
            if rest is not None:
                self.expect("REST %d" % rest, 350)
            if dc.addr is not None:
                dc.connect()
            self.send_line(command)
            pre = self.reply()
            if pre.code >= 200:
                return Xfer(pre, None, b"")
            conn = dc.connect()
            data = b""
            if upload is not None:
                conn.sendall(upload)
            else:
                data = recv_all(conn, self.timeout * 3)
            dc.close()
            final = self.reply(timeout=self.timeout * 3)
            return Xfer(pre, final, data)
        finally:
            dc.close()

    def retr(self, path, mode="pasv", rest=None, type="I"):
        """RETR PATH in TYPE TYPE (binary unless told); assert 150..226; return the data."""
        self.set_type(type)
        x = self.xfer("RETR " + path, mode=mode, rest=rest)
        assert x.ok, "RETR %s: %r" % (path, x)
        return x.data

    def stor(self, path, data, mode="pasv", verb="STOR", type="I"):
        """STOR (or VERB) PATH with DATA in TYPE TYPE; assert 150..226."""
        self.set_type(type)
        x = self.xfer((verb + " " + path) if path else verb, upload=data, mode=mode)
        assert x.ok, "%s %s: %r" % (verb, path, x)
        return x

    def nlst(self, path=None, mode="pasv"):
        x = self.xfer("NLST" + (" " + path if path else ""), mode=mode)
        assert x.ok, "NLST: %r" % (x,)
        return [n for n in x.data.decode("utf-8", "surrogateescape").split("\r\n") if n]


class DataConn:
    """One data connection, passive (we connect to ADDR) or active (we accept on LISTENER)."""

    def __init__(self, addr=None, listener=None, timeout=TIMEOUT):
        self.addr = addr
        self.listener = listener
        self.timeout = timeout
        self.sock = None

    def connect(self):
        if self.sock is None:
            if self.addr is not None:
                self.sock = socket.create_connection(self.addr, timeout=self.timeout)
            else:
                self.sock, _ = self.listener.accept()
                self.sock.settimeout(self.timeout)
        return self.sock

    def close(self):
        for s in (self.sock, self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
        self.sock = None
        self.listener = None


class Xfer:
    def __init__(self, pre, final, data):
        self.pre = pre
        self.final = final
        self.data = data

    @property
    def ok(self):
        return self.pre.code in (125, 150) and self.final is not None and self.final.code == 226

    def __repr__(self):
        return "Xfer(pre=%r, final=%r, %d bytes)" % (self.pre, self.final, len(self.data))


def recv_all(sock, timeout=TIMEOUT):
    sock.settimeout(timeout)
    parts = []
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


def printable(s):
    if isinstance(s, bytes):
        s = s.decode("latin-1")
    return s if len(s) < 120 else s[:100] + "...(%d chars)" % len(s)


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
            self.lsock.close()
        except OSError:
            pass
        self._thread.join(3)

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

    def _wait_listening(self, timeout=10):
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

    def __init__(self, workdir, ftpd_argv, env, host="127.0.0.1"):
        self.host = host
        self.port = free_port(host)
        self.conf = os.path.join(workdir, "xinetd.conf")
        self.log_path = os.path.join(workdir, "xinetd.log")
        pidfile = os.path.join(workdir, "xinetd.pid")
        envs = " ".join("%s=%s" % kv for kv in sorted(env.items()))
        with open(self.conf, "w") as f:
            f.write("defaults\n{\n"
                    "\tlog_type = FILE %s\n"
                    "\tinstances = 60\n"
                    "\tcps = 200 1\n"
                    "}\n\n" % self.log_path)
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
        d = self.dir
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
        return [self.ftpd, "-f", conf or self.path("ftpd.conf")] + list(args)

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

    def xinetd(self, args=(), **opts):
        if not shutil.which("xinetd") and not os.path.exists("/usr/sbin/xinetd"):
            pytest.skip("SKIPPED: xinetd is not installed")
        conf = self._prestart(opts)
        srv = XinetdServer(self.dir, self.argv(args, conf), self.env())
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
        err = self.stderr_text()
        if re.search(r"ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer", err):
            problems.append("sanitizer report in the server's stderr:\n" + err[-6000:])
        return problems

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# external clients

def tool(name):
    """Path of client NAME, or skip the test with SKIPPED when it is not installed."""
    p = shutil.which(name)
    if not p:
        pytest.skip("SKIPPED: %s is not installed" % name)
    return p


def run_tool(argv, env_dir, timeout=TOOL_TIMEOUT, input=None, check=True):
    """Run an external client with HOME in ENV_DIR; returns CompletedProcess (bytes)."""
    home = os.path.join(env_dir, "client-home")
    os.makedirs(home, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": home, "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8", "TERM": "dumb"}
    try:
        cp = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                            capture_output=True, timeout=timeout, env=env, cwd=env_dir)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s timed out after %ss; stdout %r stderr %r" % (
            argv[0], timeout, (e.stdout or b"")[-2000:], (e.stderr or b"")[-2000:]))
    if check and cp.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s" % (
            " ".join(argv), cp.returncode, cp.stdout[-3000:].decode("utf-8", "replace"),
            cp.stderr[-3000:].decode("utf-8", "replace")))
    return cp


def lftp(server, user, pw, script, env_dir, timeout=TOOL_TIMEOUT, check=True):
    """Run lftp commands SCRIPT (';'-separated) logged in as USER on SERVER."""
    exe = tool("lftp")
    h = "[%s]" % server.host if ":" in server.host else server.host
    pre = ("set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 10; "
           "set net:reconnect-interval-base 1; set cmd:fail-exit yes; "
           "set xfer:clobber yes; set cmd:interactive no; ")
    cmd = "%sopen -u %s,%s ftp://%s:%d; %s" % (pre, user, pw, h, server.port, script)
    return run_tool([exe, "-c", cmd], env_dir, timeout=timeout, check=check)


def curl(args, env_dir, timeout=TOOL_TIMEOUT, check=True):
    exe = tool("curl")
    return run_tool([exe, "-q", "-s", "-S", "--max-time", str(int(timeout) - 5)] + list(args),
                    env_dir, timeout=timeout, check=check)
