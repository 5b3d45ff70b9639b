"""ftpclient: the client side of the tests.

FtpClient is a raw control connection (send a line, read one full reply, with a
timeout on every read) with helpers for PASV/EPSV/PORT/EPRT transfers.  run_tool()
and the curl/lftp helpers run external clients, skipping the test when the client
is not installed.  Python stdlib and pytest only.
"""

import os
import re
import shutil
import socket
import subprocess
import time

import pytest

# A server run under a wrapper (FTPD_WRAPPER, e.g. valgrind) is many times
# slower: every timeout below scales by FTPD_TIMEOUT_FACTOR (default 4 then).
SLOW = float(os.environ.get("FTPD_TIMEOUT_FACTOR") or (4 if os.environ.get("FTPD_WRAPPER") else 1))
TIMEOUT = 10.0 * SLOW           # default socket / reply timeout, seconds
TOOL_TIMEOUT = 45.0 * SLOW      # curl / lftp / wget


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

    passwords = {}      # user -> password used by login() when none is given

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
            pw = self.passwords.get(user, "guest@example.org")
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
    pre = ("set ftp:ssl-allow no; set net:max-retries 1; set net:timeout %d; "
           "set net:reconnect-interval-base 1; set cmd:fail-exit yes; "
           "set xfer:clobber yes; set cmd:interactive no; " % (10 * SLOW))
    cmd = "%sopen -u %s,%s ftp://%s:%d; %s" % (pre, user, pw, h, server.port, script)
    return run_tool([exe, "-c", cmd], env_dir, timeout=timeout, check=check)


def curl(args, env_dir, timeout=TOOL_TIMEOUT, check=True):
    exe = tool("curl")
    return run_tool([exe, "-q", "-s", "-S", "--max-time", str(int(timeout) - 5)] + list(args),
                    env_dir, timeout=timeout, check=check)


# --------------------------------------------------------------------------
# FTP over TLS with Python's ftplib

import ftplib  # noqa: E402  (kept beside the code that uses it)
import ssl  # noqa: E402


def tls_context(cert=None, maxver=None):
    """A client SSLContext that accepts the tests' self-signed server certificate.

    CERT is a (certificate, key) pair to present; MAXVER caps the TLS version."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if maxver:
        ctx.maximum_version = maxver
    if cert:
        ctx.load_cert_chain(cert[0], cert[1])
    return ctx


class ReuseFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS that resumes the control connection's TLS session on data connections.

    Stock ftplib never does, and the server requires it by default.  Set
    .saved_session to resume a session kept from before CCC; set .data_context
    to present another certificate on data connections (then nothing is resumed)."""

    saved_session = None
    data_context = None

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            if self.data_context is not None:
                conn = self.data_context.wrap_socket(conn, server_hostname=self.host)
            else:
                session = self.saved_session or self.sock.session
                conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                                session=session)
        return conn, size


def ftps_retr(f, name):
    """RETR NAME in binary over ftplib connection F; the bytes."""
    out = []
    f.retrbinary("RETR " + name, out.append)
    return b"".join(out)
