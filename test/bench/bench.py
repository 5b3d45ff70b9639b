#!/usr/bin/python3
"""bench.py: ftpd performance figures, as ratios to ceilings measured in the same run.

Normally run by bench.sh, which installs the tools, makes the temporary directory
(on tmpfs) and cleans up after it.  Needs root for the server figures (the
hermetic world of test/integration/ftpdtest.py chowns homes and runs xinetd).

Prints a markdown table on stdout (progress goes to stderr) and writes it to
build/bench.md.  Timings never fail the run: the exit status is 0 unless the
setup itself broke (2).

Environment:
  BENCH_SIZE_MB        size of the RETR/STOR file in MB (default 1024; 64 with BENCH_QUICK=1)
  BENCH_QUICK=1        a short smoke run
  BENCH_REPS           repetitions behind each median (default 3)
  BENCH_SESSION_SECS   seconds of each session-rate run (default 10; 3 with BENCH_QUICK=1)
  BENCH_CONCURRENCY    concurrent clients of the second session-rate run (default 8)
  BENCH_SERVER         xinetd (default; ftpd -D if xinetd is missing) or daemon
  BENCH_BUDGET_SECS    wall-clock budget; later figures become n/a past it (default 720)
  BENCH_PAIRS          alternating ftpd / Pure-FTPd transfers behind each real-PAM CPU figure
                       (default 5; 3 with BENCH_QUICK=1)
  BENCH_NO_REALHOST=1  skip the real-PAM figures (they add and remove a local account)
  BENCH_OUT            where the table is written (default build/bench.md)
  BENCH_WORKDIR        bench.sh's temporary directory (pids of started processes go there)
  FTPD                 the server binary (default build/ftpd)

Internal: `bench.py --sessions HOST PORT SECONDS STEPS` is one session-rate client
(password in BENCH_PW); it prints one JSON object.
"""

import json
import os
import platform
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PY = sys.executable or "/usr/bin/python3"

MB = 1000 * 1000
GIB = 1 << 30
USER = "alice"


def env_int(name, default):
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


QUICK = os.environ.get("BENCH_QUICK", "0") not in ("", "0", "no")
SIZE_MB = env_int("BENCH_SIZE_MB", 64 if QUICK else 1024)
SIZE = SIZE_MB * MB
REPS = max(1, env_int("BENCH_REPS", 3))
SESSION_SECS = max(1, env_int("BENCH_SESSION_SECS", 3 if QUICK else 10))
CONC = max(1, min(64, env_int("BENCH_CONCURRENCY", 8)))
IPERF_SECS = 2 if QUICK else 5
SPEED_SECS = 1 if QUICK else 2
BUDGET = env_int("BENCH_BUDGET_SECS", 720)
PAIRS = max(1, env_int("BENCH_PAIRS", 3 if QUICK else 5))
REALHOST = os.environ.get("BENCH_NO_REALHOST", "0") in ("", "0", "no")
OUT = os.environ.get("BENCH_OUT") or os.path.join(TOP, "build", "bench.md")
WORKDIR = os.environ.get("BENCH_WORKDIR", "")
FTPD = os.path.abspath(os.environ.get("FTPD") or os.path.join(TOP, "build", "ftpd"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
T0 = time.monotonic()


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def remaining():
    return BUDGET - (time.monotonic() - T0)


class OutOfTime(Exception):
    pass


def need_time(secs):
    if remaining() < secs:
        raise OutOfTime("n/a (time budget of %d s used up)" % BUDGET)


# --------------------------------------------------------------------------
# processes this run starts: all recorded, all killed at the end

class Procs:
    def __init__(self):
        self.procs = []
        self.pidfile = os.path.join(WORKDIR, "pids") if WORKDIR else None

    def record(self, pid):
        if self.pidfile:
            try:
                with open(self.pidfile, "a") as f:
                    f.write("%d\n" % pid)
            except OSError:
                pass

    def popen(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("close_fds", True)
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        self.record(p.pid)
        return p

    def run(self, argv, timeout, **kw):
        """Run ARGV to its end (killed after TIMEOUT s); (returncode or None, stdout, stderr)."""
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = self.popen(argv, **kw)
        try:
            out, err = p.communicate(timeout=max(1, timeout))
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            rc = None
        return rc, (out or b"").decode("utf-8", "replace"), (err or b"").decode("utf-8", "replace")

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.kill()
                except OSError:
                    pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


PROCS = Procs()


def port_listening(port):
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except (OSError, StopIteration):
            pass
    return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, interval=0.02):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def median(xs):
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------
# ceilings

def end_server(srv):
    """Give a ceiling's server 5 s to finish after its client, then kill it."""
    try:
        srv.wait(5)
    except subprocess.TimeoutExpired:
        srv.kill()
        srv.wait()


def stream_once(server_argv, client_argv, port, timeout):
    """Start SERVER_ARGV (sends the data and exits), time CLIENT_ARGV to its end; seconds."""
    srv = PROCS.popen(server_argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_until(lambda: port_listening(port) or srv.poll() is not None, 5) or srv.poll() is not None:
        srv.kill()
        err = srv.communicate()[1].decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError("server did not listen: %s" % (err[-1] if err else "?"))
    t = time.perf_counter()
    rc, _, err = PROCS.run(client_argv, timeout, stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    end_server(srv)
    if rc != 0:
        raise RuntimeError("client failed (%s): %s" % (rc, err.strip()[-200:]))
    return dt


def tcp_ceiling(datafile):
    """Loopback TCP bytes/s and how it was measured."""
    if shutil.which("iperf3"):
        need_time(IPERF_SECS + 15)
        port = free_port()
        srv = PROCS.popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: port_listening(port) or srv.poll() is not None, 5)
        rc, out, err = PROCS.run(["iperf3", "-c", "127.0.0.1", "-p", str(port),
                                  "-t", str(IPERF_SECS), "-J"], IPERF_SECS + 15)
        end_server(srv)
        try:
            bps = json.loads(out)["end"]["sum_received"]["bits_per_second"] / 8
            return bps, "iperf3 -t %d" % IPERF_SECS
        except (ValueError, KeyError, TypeError):
            raise RuntimeError("iperf3 failed (%s): %s" % (rc, (err or out).strip()[-200:]))
    if shutil.which("socat") and datafile:
        times = []
        for _ in range(REPS):
            need_time(30)
            port = free_port()
            times.append(stream_once(
                ["socat", "-b", "131072", "-u", "OPEN:" + datafile,
                 "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr" % port],
                ["socat", "-b", "131072", "-u", "TCP:127.0.0.1:%d" % port, "OPEN:/dev/null"],
                port, max(60, SIZE_MB / 20)))
        return SIZE / median(times), "socat file->socket, median of %d (no iperf3)" % REPS
    times = []
    for _ in range(REPS):
        need_time(30)
        times.append(python_tcp_stream())
    return SIZE / median(times), "Python sockets, no iperf3/socat, median of %d" % REPS


# A bare zero-copy file server: accept one connection, read curl's gopher
# selector, sendfile(2) the whole file, close.  No FTP, no privilege separation:
# what the same client reaches when the server side costs next to nothing.
SENDFILE_SERVER = r"""
import os, socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[2])))
ls.listen(1)
c, _ = ls.accept()
c.recv(4096)
with open(sys.argv[1], "rb") as f:
    off, size = 0, os.fstat(f.fileno()).st_size
    while off < size:
        n = os.sendfile(c.fileno(), f.fileno(), off, 1 << 20)
        if n == 0:
            break
        off += n
c.close()
"""


def sendfile_reference(datafile):
    """Bytes/s of curl reading DATAFILE from a bare sendfile(2) server; median of REPS."""
    if not (shutil.which("curl") and datafile):
        raise RuntimeError("n/a (no curl or no data file)")
    rates = []
    for _ in range(REPS):
        need_time(30)
        port = free_port()
        srv = PROCS.popen([PY, "-c", SENDFILE_SERVER, datafile, str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: port_listening(port) or srv.poll() is not None, 5)
        rc, out, err = PROCS.run(["curl", "-sS", "-o", "/dev/null", "-w",
                                  "%{time_pretransfer} %{time_total} %{size_download}",
                                  "gopher://127.0.0.1:%d/" % port], max(60, SIZE_MB / 20))
        end_server(srv)
        try:
            pre, total, size = (float(x) for x in out.split()[:3])
        except ValueError:
            raise RuntimeError("curl failed (%s): %s" % (rc, err.strip()[-160:]))
        if rc != 0 or int(size) != SIZE:
            raise RuntimeError("curl got %d bytes, not %d (exit %s)" % (size, SIZE, rc))
        rates.append(SIZE / max(total - pre, 1e-6))
    return median(rates)


def python_tcp_stream():
    """Seconds to push SIZE bytes through a loopback TCP connection, 1 MiB at a time."""
    import threading

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(10)
    got = [0]

    def sink():
        try:
            c, _ = ls.accept()
        except OSError:
            return
        c.settimeout(60)
        buf = bytearray(1 << 20)
        with c:
            while got[0] < SIZE:
                try:
                    n = c.recv_into(buf)
                except OSError:
                    break
                if not n:
                    break
                got[0] += n

    th = threading.Thread(target=sink, daemon=True)
    th.start()
    block = os.urandom(1 << 20)
    t = time.perf_counter()
    with socket.create_connection(ls.getsockname(), timeout=60) as s:
        left = SIZE
        while left > 0:
            n = min(left, len(block))
            s.sendall(block[:n] if n < len(block) else block)
            left -= n
        s.shutdown(socket.SHUT_WR)
        th.join(max(60, SIZE_MB / 20))
    dt = time.perf_counter() - t
    ls.close()
    if got[0] != SIZE:
        raise RuntimeError("python TCP stream moved %d bytes, not %d" % (got[0], SIZE))
    return dt


def tls_ceiling(datafile, crt, key):
    """Raw TLS stream bytes/s over loopback with the server's certificate."""
    if not datafile:
        raise RuntimeError("n/a (no data file)")
    times = []
    for _ in range(REPS):
        need_time(30)
        port = free_port()
        tmax = max(60, SIZE_MB / 20)
        if shutil.which("socat"):
            how = "socat OPENSSL, -b 128k"
            times.append(stream_once(
                ["socat", "-b", "131072", "-u", "OPEN:" + datafile,
                 "OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,cert=%s,key=%s,verify=0"
                 % (port, crt, key)],
                ["socat", "-b", "131072", "-u", "OPENSSL:127.0.0.1:%d,verify=0" % port,
                 "OPEN:/dev/null"],
                port, tmax))
        elif shutil.which("openssl"):
            how = "openssl s_server -> s_client"
            with open(datafile, "rb") as src:
                times.append(_openssl_stream(src, port, crt, key, tmax))
        else:
            raise RuntimeError("n/a (neither socat nor openssl)")
    return SIZE / median(times), "%s, median of %d" % (how, REPS)


def _openssl_stream(src, port, crt, key, tmax):
    srv = PROCS.popen(["openssl", "s_server", "-quiet", "-naccept", "1",
                       "-accept", "127.0.0.1:%d" % port, "-cert", crt, "-key", key],
                      stdin=src, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_until(lambda: port_listening(port) or srv.poll() is not None, 5):
        srv.kill()
        srv.wait()
        raise RuntimeError("openssl s_server did not listen")
    t = time.perf_counter()
    rc, _, err = PROCS.run(["openssl", "s_client", "-quiet", "-connect", "127.0.0.1:%d" % port],
                           tmax, stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    end_server(srv)
    if rc != 0:
        raise RuntimeError("openssl s_client failed (%s)" % rc)
    return dt


def openssl_speed(alg):
    if not shutil.which("openssl"):
        raise RuntimeError("n/a (no openssl)")
    need_time(SPEED_SECS + 20)
    rc, out, err = PROCS.run(["openssl", "speed", "-evp", alg, "-bytes", "16384",
                              "-seconds", str(SPEED_SECS), "-mr"], SPEED_SECS + 30)
    for line in out.splitlines():
        if line.startswith("+F:"):
            return float(line.rsplit(":", 1)[1])
    raise RuntimeError("n/a (openssl speed %s failed: %s)" % (alg, err.strip()[-120:]))


def make_cert(crt, key):
    """A self-signed RSA certificate for localhost (the server's, and the raw TLS ceiling's)."""
    rc, _, err = PROCS.run(["openssl", "req", "-x509", "-nodes", "-days", "2",
                            "-newkey", "rsa:2048", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                            "-keyout", key, "-out", crt], 60)
    if rc != 0:
        raise RuntimeError("openssl req failed: " + err.strip()[-200:])


def make_data(path):
    """SIZE bytes of incompressible data at PATH."""
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        left = SIZE
        while left > 0:
            left -= f.write(block[:min(left, len(block))])


# --------------------------------------------------------------------------
# the server's processes and their CPU time

def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                            out.append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        return out


def descendants(pid):
    out, todo = [], [pid]
    while todo and len(out) < 10000:
        for c in children(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


def reaped_children_cpu(pid):
    """cutime+cstime of PID in seconds: every session it has reaped, with their children."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def sessions_done(pid, timeout=15):
    """Wait until the listener PID has reaped every session process; False on timeout."""
    return wait_until(lambda: not children(pid), timeout)


def smaps_rollup(pid):
    vals = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] in ("Rss:", "Pss:"):
                    vals[parts[0][:-1]] = int(parts[1]) * 1024
    except OSError:
        pass
    return vals


# --------------------------------------------------------------------------
# FTP over TLS clients

def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def reuse_ftp_tls():
    import ftplib

    class ReuseFTP_TLS(ftplib.FTP_TLS):
        """FTP_TLS that resumes the control connection's TLS session on data connections."""

        def ntransfercmd(self, cmd, rest=None):
            conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
            if self._prot_p:
                conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                                session=self.sock.session)
            return conn, size

    return ReuseFTP_TLS


def one_session(cls, ctx, host, port, pw):
    """connect, AUTH TLS, USER, PASS, PBSZ/PROT P, PASV + RETR small.bin, QUIT; step times (s)."""
    steps = []
    t = time.perf_counter()
    f = cls(context=ctx, timeout=15)
    try:
        f.connect(host, port)                   # reads the 220 banner
        t1 = time.perf_counter()
        steps.append(t1 - t)
        f.auth()
        t2 = time.perf_counter()
        steps.append(t2 - t1)
        r = f.sendcmd("USER " + USER)
        if not r.startswith("331"):
            raise RuntimeError("USER: " + r)
        t3 = time.perf_counter()
        steps.append(t3 - t2)
        f.voidcmd("PASS " + pw)
        t4 = time.perf_counter()
        steps.append(t4 - t3)
        f.prot_p()
        got = []
        f.retrbinary("RETR small.bin", got.append)
        if sum(len(b) for b in got) != 1024:
            raise RuntimeError("short RETR")
        t5 = time.perf_counter()
        steps.append(t5 - t4)
        f.quit()
        steps.append(time.perf_counter() - t5)
    finally:
        f.close()
    return steps


def session_worker(host, port, secs, want_steps):
    """Child process: sessions back to back for SECS seconds; prints a JSON summary."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    pw = os.environ.get("BENCH_PW", "")
    cls = reuse_ftp_tls()
    ctx = client_context()
    start = time.perf_counter()
    end = start + secs
    n = fails = 0
    err = ""
    steps = []
    last = start
    while time.perf_counter() < end and n + fails < 200000:
        try:
            s = one_session(cls, ctx, host, port, pw)
            n += 1
            last = time.perf_counter()
            if want_steps and len(steps) < 20000:
                steps.append(s)
        except Exception as e:              # noqa: BLE001 -- counted and reported
            fails += 1
            err = err or ("%s: %s" % (type(e).__name__, e))[:200]
            if fails > 50 and n == 0:
                break
            time.sleep(0.02)
    print(json.dumps({"n": n, "fails": fails, "err": err, "elapsed": last - start,
                      "steps": steps}))
    return 0


# --------------------------------------------------------------------------
# the table

class Table:
    def __init__(self):
        self.rows = []

    def add(self, figure, value, ceiling="-", ratio="-", target="-"):
        self.rows.append((figure, value, ceiling, ratio, target))

    def na(self, figure, reason, target="-"):
        reason = str(reason)
        if not reason.startswith("n/a"):
            reason = "n/a (%s)" % reason
        self.add(figure, reason.replace("|", "/"), "-", "-", target)

    def markdown(self):
        head = ("figure", "value", "ceiling", "ratio", "target")
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for r in self.rows:
            lines.append("| " + " | ".join(r) + " |")
        return "\n".join(lines)


def mbps(bps):
    return "%.0f MB/s" % (bps / MB)


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


# --------------------------------------------------------------------------
# the server side

class Bench:
    def __init__(self):
        self.table = Table()
        self.env = None
        self.srv = None
        self.listener = None
        self.notes = []
        self.datafile = None
        self.crt = self.key = None
        self.tcp = self.tls = self.zerocopy = None
        self.setup_error = None
        self.scratch = None

    # -- world
    def make_world(self):
        sys.dont_write_bytecode = True
        sys.path.insert(0, os.path.join(TOP, "test", "integration"))
        try:
            import pytest  # noqa: F401 -- ftpdtest imports it
        except ImportError:
            import types

            stub = types.ModuleType("pytest")

            def _fail(msg="", **_):
                raise RuntimeError(msg)
            stub.fail = stub.skip = _fail
            stub.fixture = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))
            sys.modules["pytest"] = stub
        import ftpdtest
        self.ft = ftpdtest
        self.pw = ftpdtest.USERS[USER]["pw"]
        env = self.env = ftpdtest.FtpEnv(ftpd=FTPD)
        if WORKDIR:
            with open(os.path.join(WORKDIR, "token"), "w") as f:
                f.write(env.token + "\n")
        st = os.statvfs(env.dir)
        if st.f_bavail * st.f_frsize < 2 * SIZE + 64 * MB:
            raise RuntimeError("%s has %d MB free; the %d MB file and its upload need %d MB"
                               % (env.dir, st.f_bavail * st.f_frsize // MB, SIZE_MB,
                                  2 * SIZE_MB + 64))
        self.crt, self.key = env.path("tls.crt"), env.path("tls.key")
        make_cert(self.crt, self.key)
        u = ftpdtest.USERS[USER]
        env.user_file(USER, "small.bin", os.urandom(1024))
        self.datafile = env.home(USER, "big.bin")
        make_data(self.datafile)
        os.chown(self.datafile, u["uid"], u["gid"])
        os.chmod(self.datafile, 0o644)
        fs = subprocess.run(["stat", "-f", "-c", "%T", self.datafile], capture_output=True,
                            text=True).stdout.strip()
        if fs != "tmpfs":
            self.notes.append("the data file is on %s, not tmpfs" % (fs or "?"))

    def start_server(self):
        env = self.env
        kind = os.environ.get("BENCH_SERVER", "xinetd")
        have_xinetd = shutil.which("xinetd") or os.path.exists("/usr/sbin/xinetd")
        if kind == "xinetd" and not have_xinetd:
            self.notes.append("xinetd is missing: the server ran as ftpd -D")
            kind = "daemon"
        opts = dict(tls_cert_file=self.crt, tls_key_file=self.key)
        if kind == "daemon":
            self.srv = env.daemon(**opts)
        else:
            self.srv = env.xinetd(**opts)
        self.kind = kind
        self.listener = self.srv.pid
        PROCS.record(self.listener)
        self.host, self.port = "127.0.0.1", self.srv.port

    # -- transfers
    def curl_xfer(self, verb, prot):
        need_time(20)
        tmax = int(min(max(60, SIZE_MB / 20), max(10, remaining() - 5)))
        url = "ftp://127.0.0.1:%d/" % self.port
        argv = ["curl", "-sS", "-k", "--max-time", str(tmax), "-u", "%s:%s" % (USER, self.pw),
                "-w", "%{time_pretransfer} %{time_total} %{size_download} %{size_upload}"]
        argv += ["--ssl-reqd"] if prot == "P" else ["--ftp-ssl-control"]
        up = self.env.home(USER, "up.bin")
        if verb == "RETR":
            argv += ["-o", "/dev/null", url + "big.bin"]
        else:
            if os.path.exists(up):
                os.unlink(up)
            argv += ["-T", self.datafile, url + "up.bin"]
        if not sessions_done(self.listener):
            raise RuntimeError("earlier sessions still running")
        c0 = reaped_children_cpu(self.listener)
        rc, out, err = PROCS.run(argv, tmax + 10)
        if rc != 0:
            raise RuntimeError("curl exit %s: %s" % (rc, err.strip()[-160:]))
        if not sessions_done(self.listener):
            raise RuntimeError("the session did not end")
        cpu = reaped_children_cpu(self.listener) - c0
        pre, total, down, upl = out.split()[:4]
        pre, total = float(pre), float(total)
        moved = int(float(down if verb == "RETR" else upl))
        if verb == "STOR":
            try:
                moved = min(moved, os.path.getsize(up))
            except OSError:
                moved = 0
        if moved != SIZE:
            raise RuntimeError("moved %d bytes, not %d" % (moved, SIZE))
        dt = total - pre if total - pre > 0 else total
        return SIZE / dt, cpu / (SIZE / GIB)

    def transfers(self):
        figs = {}
        for verb, prot in (("RETR", "P"), ("STOR", "P"), ("RETR", "C"), ("STOR", "C")):
            name = "%s PROT %s" % (verb, prot)
            log("%s, %d MB, %d runs" % (name, SIZE_MB, REPS))
            try:
                if not shutil.which("curl"):
                    raise RuntimeError("n/a (no curl)")
                runs = [self.curl_xfer(verb, prot) for _ in range(REPS)]
                figs[name] = (median([r[0] for r in runs]), median([r[1] for r in runs]))
            except Exception as e:          # noqa: BLE001 -- reported in the table
                figs[name] = e
        targets = {"RETR PROT P": "≥1.10", "STOR PROT P": "≥0.90", "RETR PROT C": "≥1.30"}
        for name, v in figs.items():
            label = "%s, %d MB file on tmpfs (curl, median of %d)" % (name, SIZE_MB, REPS)
            tgt = targets.get(name, "-")
            if isinstance(v, Exception):
                self.table.na(label, v, tgt)
                continue
            if name.endswith("P"):
                ceil, cname = self.tls, "raw TLS"
            else:
                ceil, cname = self.tcp, "loopback TCP"
            self.table.add(label, mbps(v[0]),
                           "%s %s" % (cname, mbps(ceil)) if ceil else "n/a", ratio(v[0], ceil), tgt)
        v = figs.get("RETR PROT C")
        if self.zerocopy and not isinstance(v, Exception) and v is not None:
            self.table.add("RETR PROT C / the bare sendfile(2) server, same client (curl)",
                           mbps(v[0]), "sendfile %s" % mbps(self.zerocopy),
                           ratio(v[0], self.zerocopy))
        for name, v in figs.items():
            if not isinstance(v, Exception):
                self.table.add("%s server CPU per GiB" % name, "%.2f s" % v[1])

    # -- sessions
    def session_run(self, conc, want_steps):
        need_time(SESSION_SECS + 30)
        if not sessions_done(self.listener):
            raise RuntimeError("earlier sessions still running")
        c0 = reaped_children_cpu(self.listener)
        env = dict(os.environ, BENCH_PW=self.pw, PYTHONDONTWRITEBYTECODE="1")
        workers = [PROCS.popen([PY, os.path.abspath(__file__), "--sessions", self.host,
                                str(self.port), str(SESSION_SECS), "1" if want_steps else "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                   for _ in range(conc)]
        results = []
        for w in workers:
            try:
                out, err = w.communicate(timeout=SESSION_SECS + 60)
            except subprocess.TimeoutExpired:
                w.kill()
                out, err = w.communicate()
            try:
                results.append(json.loads(out.decode()))
            except ValueError:
                results.append({"n": 0, "fails": 1, "elapsed": 0, "steps": [],
                                "err": err.decode("utf-8", "replace").strip()[-200:]})
        done = sessions_done(self.listener, 30)
        cpu = reaped_children_cpu(self.listener) - c0
        n = sum(r["n"] for r in results)
        fails = sum(r["fails"] for r in results)
        elapsed = max(r["elapsed"] for r in results) if results else 0
        err = next((r["err"] for r in results if r.get("err")), "")
        steps = [s for r in results for s in r.get("steps", [])]
        if fails:
            why = " -- pam_wrapper's racy /tmp/pam.? directories, not ftpd" if "PWRAP" in err else ""
            self.notes.append("c=%d: %d of %d sessions failed (%s)%s" % (conc, fails, n + fails,
                                                                        err, why))
        if not done:
            self.notes.append("c=%d: sessions were still running 30 s after the clients ended"
                              % conc)
        if n == 0:
            raise RuntimeError("no session completed: %s" % err)
        return n / elapsed if elapsed > 0 else 0.0, cpu / n * 1000, steps

    def sessions(self):
        res = {}
        for conc in (1, CONC):
            log("session rate, %d client(s), %d s" % (conc, SESSION_SECS))
            try:
                res[conc] = self.session_run(conc, conc == 1)
            except Exception as e:          # noqa: BLE001 -- reported in the table
                res[conc] = e
        what = "connect, AUTH TLS, USER/PASS (PAM), PROT P, PASV, RETR 1 KiB, QUIT"
        for conc, v in res.items():
            label = "sessions/s, c=%d (%s)" % (conc, what)
            if isinstance(v, Exception):
                self.table.na(label, v)
            else:
                self.table.add(label, "%.1f /s" % v[0])
        for conc, v in res.items():
            tgt = "≤40 ms" if conc == CONC else "-"
            label = "server CPU per session, c=%d" % conc
            if isinstance(v, Exception):
                self.table.na(label, v, tgt)
            else:
                self.table.add(label, "%.1f ms" % v[1], "-", "-", tgt)
        v = res.get(1)
        names = ("banner after connect", "AUTH TLS", "USER", "PASS", "PBSZ+PROT+PASV+RETR 1 KiB",
                 "QUIT")
        for i, name in enumerate(names):
            label = "latency: %s (median of c=1 sessions)" % name
            tgt = "≤5 ms" if i == 0 else "-"
            if isinstance(v, Exception) or v is None or not v[2]:
                self.table.na(label, v if isinstance(v, Exception) else "no sessions", tgt)
            else:
                self.table.add(label, "%.2f ms" % (median([s[i] for s in v[2]]) * 1000),
                               "-", "-", tgt)

    # -- memory
    def idle_session(self):
        """A logged-in TLS session (PROT P) that has answered a NOOP."""
        f = reuse_ftp_tls()(context=client_context(), timeout=15)
        try:
            f.connect(self.host, self.port)
            f.login(USER, self.pw)
            f.prot_p()
            f.voidcmd("NOOP")
        except BaseException:
            f.close()
            raise
        return f

    def server_memory(self):
        """(PSS, RSS, process count) of every process under the listener, bytes."""
        time.sleep(1.0)     # idle: the session's processes have given back what they can
        pids = descendants(self.listener)
        pss = rss = 0
        for p in pids:
            v = smaps_rollup(p)
            pss += v.get("Pss", 0)
            rss += v.get("Rss", 0)
        return pss, rss, len(pids)

    def memory(self):
        log("memory of an idle TLS session")
        labels = ("PSS, idle logged-in TLS session, test wrappers (all its processes)",
                  "RSS, idle logged-in TLS session, test wrappers (all its processes)",
                  "PSS added by a second idle session, test wrappers (the pages it does "
                  "not share)")
        sessions = []
        try:
            need_time(15)
            if not sessions_done(self.listener):
                raise RuntimeError("earlier sessions still running")
            sessions.append(self.idle_session())
            pss, rss, n = self.server_memory()
            if n == 0:
                raise RuntimeError("no session process found")
            self.table.add(labels[0] + ", %d processes" % n,
                           "%.2f MiB" % (pss / (1 << 20)))
            self.table.add(labels[1], "%.2f MiB" % (rss / (1 << 20)))
            sessions.append(self.idle_session())
            pss2 = self.server_memory()[0]
            self.table.add(labels[2], "%.2f MiB" % ((pss2 - pss) / (1 << 20)))
        except Exception as e:              # noqa: BLE001 -- reported in the table
            self.table.na(labels[0], e)
        finally:
            for f in sessions:
                try:
                    f.quit()
                except Exception:           # noqa: BLE001
                    pass
                f.close()

    # -- without the test wrappers, beside Pure-FTPd
    def realhost(self):
        """The figures a host sees (real PAM, nothing preloaded), each next to Pure-FTPd's."""
        import types
        import realhost

        ok, text = realhost.ktls_state()
        self.table.add("kernel TLS on this host (SSL_sendfile for RETR PROT P)", text)
        labels = {
            "pss": "PSS, idle logged-in TLS session, real PAM, no wrappers (all its processes)",
            "RETR": "RETR PROT P server CPU per GiB, real PAM, %d MB, alternating with "
                    "Pure-FTPd (median of %d)" % (SIZE_MB, PAIRS),
            "STOR": "STOR PROT P server CPU per GiB, real PAM, %d MB, alternating with "
                    "Pure-FTPd (median of %d)" % (SIZE_MB, PAIRS),
        }
        targets = {"pss": "≤4 MiB", "RETR": "≤0.85", "STOR": "-"}
        if not REALHOST:
            for k in ("pss", "RETR", "STOR"):
                self.table.na(labels[k], "n/a (BENCH_NO_REALHOST=1)", targets[k])
            return
        helpers = types.SimpleNamespace(ftpd=FTPD, free_port=free_port, descendants=descendants,
                                        ftp_tls_class=reuse_ftp_tls,
                                        client_context=client_context)
        rh = None
        log("real PAM, no wrappers: ftpd and Pure-FTPd under xinetd")
        try:
            need_time(30)
            rh = realhost.RealHost(helpers, PROCS, WORKDIR or self.env.dir, self.crt, self.key,
                                   self.datafile, SIZE)
            self._realhost_figures(rh, labels, targets)
        except Exception as e:              # noqa: BLE001 -- reported in the table
            for k in ("pss", "RETR", "STOR"):
                if not any(r[0].startswith(labels[k]) for r in self.table.rows):
                    self.table.na(labels[k], e, targets[k])
        finally:
            if rh:
                rh.cleanup()

    def _realhost_figures(self, rh, labels, targets):
        pure = "pure" in rh.servers
        try:
            pss, _, n = rh.idle_pss("ftpd")
            rratio = "-"
            if pure:
                try:
                    ppss, _, pn = rh.idle_pss("pure")
                    ref = "Pure-FTPd %.2f MiB (%d processes)" % (ppss / (1 << 20), pn)
                    rratio = ratio(pss, ppss)
                except Exception as e:      # noqa: BLE001
                    ref = "Pure-FTPd: n/a (%s)" % str(e).replace("|", "/")[:80]
            else:
                ref = "Pure-FTPd " + rh.pure_error
            self.table.add(labels["pss"] + ", %d processes" % n, "%.2f MiB" % (pss / (1 << 20)),
                           ref, rratio, targets["pss"])
        except Exception as e:              # noqa: BLE001
            self.table.na(labels["pss"], e, targets["pss"])
        for verb in ("RETR", "STOR"):
            log("real PAM: %s PROT P, %d MB, %d pairs" % (verb, SIZE_MB, PAIRS))
            mine, theirs, err = [], [], None
            try:
                for _ in range(PAIRS):
                    need_time(60)
                    mine.append(rh.xfer_cpu("ftpd", verb))
                    if pure and err is None:
                        try:
                            theirs.append(rh.xfer_cpu("pure", verb))
                        except Exception as e:  # noqa: BLE001
                            err = e
            except Exception as e:          # noqa: BLE001
                if not mine:
                    self.table.na(labels[verb], e, targets[verb])
                    continue
            a = median(mine)
            if theirs:
                b = median(theirs)
                ref = "Pure-FTPd %.2f s" % b
                r = ratio(a, b)
            else:
                ref = "Pure-FTPd " + (rh.pure_error or "n/a (%s)" % err)
                r = "-"
            self.table.add(labels[verb], "%.2f s" % a, ref.replace("|", "/"), r, targets[verb])

    # -- ceilings
    def ceilings(self):
        log("ceiling: loopback TCP")
        try:
            self.tcp, how = tcp_ceiling(self.datafile)
            self.table.add("ceiling: loopback TCP (%s)" % how, mbps(self.tcp))
        except Exception as e:              # noqa: BLE001
            self.table.na("ceiling: loopback TCP", e)
        log("reference: curl from a bare sendfile(2) server")
        try:
            self.zerocopy = sendfile_reference(self.datafile)
            self.table.add("reference: curl reading the file from a bare sendfile(2) server "
                           "(zero-copy, no FTP; median of %d)" % REPS, mbps(self.zerocopy))
        except Exception as e:              # noqa: BLE001
            self.table.na("reference: curl from a bare sendfile(2) server", e)
        log("ceiling: raw TLS stream")
        try:
            if not self.crt:
                raise RuntimeError("no certificate (the server world was not built)")
            self.tls, how = tls_ceiling(self.datafile, self.crt, self.key)
            self.table.add("ceiling: raw TLS stream, same cert, %d MB (%s)" % (SIZE_MB, how),
                           mbps(self.tls))
        except Exception as e:              # noqa: BLE001
            self.table.na("ceiling: raw TLS stream", e)
        for alg in ("aes-128-gcm", "chacha20-poly1305"):
            log("ceiling: openssl speed %s" % alg)
            try:
                self.table.add("ceiling: openssl speed -evp %s, 16 KiB blocks, one core" % alg,
                               mbps(openssl_speed(alg)))
            except Exception as e:          # noqa: BLE001
                self.table.na("ceiling: openssl speed -evp %s" % alg, e)

    def run(self):
        if os.geteuid() != 0:
            self.setup_error = "not root: the hermetic server world needs root"
        elif not os.access(FTPD, os.X_OK):
            log("the server binary %s does not exist (run make, or set FTPD)" % FTPD)
            return 2
        if not self.setup_error:
            try:
                log("building the server world (%d MB data file)" % SIZE_MB)
                self.make_world()
            except Exception as e:          # noqa: BLE001
                log("setup failed: %s" % e)
                return 2
        if self.setup_error:
            # no server world: the ceilings still get a certificate and a data file
            try:
                self.scratch = tempfile.mkdtemp(prefix="ftpdbench.")
                self.crt = os.path.join(self.scratch, "tls.crt")
                self.key = os.path.join(self.scratch, "tls.key")
                make_cert(self.crt, self.key)
                self.datafile = os.path.join(self.scratch, "data.bin")
                make_data(self.datafile)
            except Exception as e:          # noqa: BLE001 -- the ceilings say n/a
                log("no certificate or data file for the ceilings: %s" % e)
        self.ceilings()
        if not self.setup_error:
            try:
                self.start_server()
            except Exception as e:          # noqa: BLE001
                log("could not start the server: %s" % e)
                self.setup_error = "server did not start: %s" % str(e).splitlines()[0]
                if self.env:
                    log(self.env.diagnostics()[-2000:])
        if self.setup_error:
            for fig in ("RETR/STOR", "sessions/s", "latency", "PSS"):
                self.table.na(fig, self.setup_error)
            return 0
        self.transfers()
        self.sessions()
        self.memory()
        self.realhost()
        return 0

    def report(self):
        ver = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip() \
            if shutil.which("openssl") else "no openssl"
        head = ["# ftpd benchmark", "",
                "%s, %s %s, %d CPUs, %s; server %s under %s; file %d MB, medians of %d%s." % (
                    time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), platform.system(),
                    platform.release(), os.cpu_count() or 0, ver,
                    os.path.relpath(FTPD, TOP) if FTPD.startswith(TOP + os.sep) else FTPD,
                    getattr(self, "kind", "-"), SIZE_MB, REPS, ", quick run" if QUICK else ""),
                "MB = 10^6 bytes.  Ratios are to ceilings measured in this run; targets "
                "are goals, not pass/fail.", ""]
        text = "\n".join(head) + self.table.markdown() + "\n"
        if self.notes:
            text += "\nNotes:\n" + "".join("- %s\n" % n for n in self.notes)
        sys.stdout.write(text)
        sys.stdout.flush()
        try:
            os.makedirs(os.path.dirname(OUT), exist_ok=True)
            with open(OUT, "w") as f:
                f.write(text)
            log("table written to %s" % OUT)
        except OSError as e:
            log("cannot write %s: %s" % (OUT, e))

    def cleanup(self):
        PROCS.kill_all()            # the clients first: their sessions end with them
        if self.env:
            try:
                problems = self.env.cleanup()
                for p in problems:
                    log(p.splitlines()[0])
            except BaseException as e:      # noqa: BLE001 -- keep cleaning
                log("cleanup: %s" % e)
            for s in self.env.servers:
                try:
                    s.kill_all()
                except BaseException:       # noqa: BLE001
                    pass
        PROCS.kill_all()
        if self.env:
            self.env.remove()
        if self.datafile and os.path.exists(self.datafile):
            os.unlink(self.datafile)
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv):
    if len(argv) >= 6 and argv[1] == "--sessions":
        return session_worker(argv[2], int(argv[3]), float(argv[4]), argv[5] == "1")
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, _terminate)
    b = Bench()
    rc = 2
    try:
        rc = b.run()
        if rc == 0:
            b.report()
    finally:
        b.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
