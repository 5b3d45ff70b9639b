"""realhost.py: the figures of bench.py measured the way a host sees them.

No test wrappers: a real local account (a yescrypt password set with chpasswd),
the real PAM stack (a PAM service file of its own that includes the system's
common-auth, common-account and common-session), the server started by xinetd
with nothing preloaded.  Beside ftpd, in the same run, Pure-FTPd (Debian's
pure-ftpd, also under xinetd, also PAM) as the reference: every figure is given
next to it, as a ratio.  The transfers alternate between the two servers, so
that the drift of a shared machine hits both alike.

Used by bench.py (Bench.realhost()); everything it makes (the account, the PAM
file, the xinetd processes, its directory) is removed by cleanup().
"""

import os
import shutil
import socket
import subprocess
import sys
import time

IDLE_SECS = 1.5         # the idle session waits this long before its pages are counted


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def ktls_state():
    """(available, text): can the kernel here do TLS itself (the tls module)?"""
    if os.path.exists("/proc/net/tls_stat"):
        return True, "available (tls module loaded: /proc/net/tls_stat)"
    modprobe = shutil.which("modprobe") or ("/sbin/modprobe" if os.path.exists("/sbin/modprobe")
                                            else None)
    if modprobe:
        subprocess.run([modprobe, "-q", "tls"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)
        if os.path.exists("/proc/net/tls_stat"):
            return True, "available (modprobe tls)"
    rel = os.uname().release
    for cfg in ("/boot/config-" + rel, "/proc/config.gz"):
        if not os.path.exists(cfg):
            continue
        try:
            if cfg.endswith(".gz"):
                import gzip
                text = gzip.open(cfg, "rt").read()
            else:
                text = open(cfg).read()
        except OSError:
            continue
        if "# CONFIG_TLS is not set" in text:
            return False, "not available: kernel %s is built without CONFIG_TLS" % rel
    return False, "not available: no tls module in kernel %s%s" % (
        rel, "" if modprobe else " (and no modprobe to load one)")


def smaps_totals(pids):
    pss = rss = 0
    for p in pids:
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    parts = line.split()
                    if parts[0] == "Pss:":
                        pss += int(parts[1]) * 1024
                    elif parts[0] == "Rss:":
                        rss += int(parts[1]) * 1024
        except OSError:
            pass
    return pss, rss


class Server:
    """One xinetd with one service: NAME run as ARGV for each connection."""

    def __init__(self, procs, workdir, name, argv, env, port):
        self.name = name
        self.port = port
        conf = os.path.join(workdir, "xinetd-%s.conf" % name)
        self.log_path = os.path.join(workdir, "xinetd-%s.log" % name)
        envs = " ".join("%s=%s" % kv for kv in sorted(env.items()))
        with open(conf, "w") as f:
            f.write("defaults\n{\n\tlog_type = FILE %s\n\tinstances = 20\n\tcps = 1000 1\n}\n\n"
                    % self.log_path)
            f.write("service bench%s\n{\n\ttype = UNLISTED\n\tid = bench%s\n"
                    "\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tuser = root\n"
                    "\tport = %d\n\tbind = 127.0.0.1\n\tserver = %s\n\tserver_args = %s\n"
                    "\tpassenv =\n\tenv = %s\n}\n"
                    % (name, name, port, argv[0], " ".join(argv[1:]), envs))
        xinetd = shutil.which("xinetd") or "/usr/sbin/xinetd"
        with open(self.log_path, "ab") as lf:
            self.proc = procs.popen([xinetd, "-dontfork", "-f", conf, "-pidfile",
                                     os.path.join(workdir, "xinetd-%s.pid" % name)],
                                    stdout=lf, stderr=lf, start_new_session=True,
                                    env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("xinetd for %s did not listen" % name)
        # that probe connection started a session: let it end
        self.wait_idle(10)

    @property
    def pid(self):
        return self.proc.pid

    def sessions(self, bench):
        return bench.descendants(self.pid)

    def wait_idle(self, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with open("/proc/%d/task/%d/children" % (self.pid, self.pid)) as f:
                    if not f.read().split():
                        return True
            except OSError:
                return True
            time.sleep(0.05)
        return False

    def cpu(self):
        """Seconds of CPU (user, system) of every session this xinetd has reaped."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return int(fields[13]) / tck, int(fields[14]) / tck


class RealHost:
    """The account, PAM file and servers of the no-wrapper figures."""

    def __init__(self, bench, procs, workdir, crt, key, datafile, size):
        self.bench = bench
        self.procs = procs
        self.size = size
        self.dir = os.path.join(workdir, "realhost")
        self.user = "ftpb%d" % (os.getpid() % 100000)
        self.pw = "Bench-" + os.urandom(9).hex()
        self.pam_file = "/etc/pam.d/ftpd-bench-%s" % self.user
        self.made_user = self.made_pam = False
        self.servers = {}
        self.pure_error = None
        os.makedirs(self.dir, mode=0o755)
        self.home = os.path.join(self.dir, "home")
        self._account()
        self._pam()
        self.data = os.path.join(self.home, "big.bin")
        try:
            os.link(datafile, self.data)
        except OSError:
            shutil.copyfile(datafile, self.data)
        os.chmod(self.data, 0o644)
        self._servers(crt, key)

    # -- the world
    def _account(self):
        if subprocess.run(["id", self.user], capture_output=True).returncode == 0:
            raise RuntimeError("user %s exists already" % self.user)
        r = subprocess.run(["useradd", "-M", "-d", self.home, "-s", "/bin/sh", self.user],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("useradd: " + r.stderr.strip()[-200:])
        self.made_user = True
        r = subprocess.run(["chpasswd", "-c", "YESCRYPT"], input="%s:%s\n" % (self.user, self.pw),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("chpasswd: " + r.stderr.strip()[-200:])
        os.makedirs(self.home, mode=0o755)
        pw = __import__("pwd").getpwnam(self.user)
        os.chown(self.home, pw.pw_uid, pw.pw_gid)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def _pam(self):
        with open(self.pam_file, "w") as f:
            f.write("# written by ftpd's make bench, removed at its end\n"
                    "@include common-auth\n@include common-account\n@include common-session\n")
        self.made_pam = True

    def _servers(self, crt, key):
        run = {"FTPD_BENCH_RUN": os.environ.get("FTPD_BENCH_RUN", "none")}
        empty = os.path.join(self.dir, "empty")
        os.makedirs(empty, mode=0o755)
        conf = os.path.join(self.dir, "ftpd.conf")
        with open(conf, "w") as f:
            f.write("pam_service %s\nempty_dir %s\nlimit_dir %s\ntls_cert_file %s\n"
                    "tls_key_file %s\nlogin_delay 0\nftpusers_file %s\n"
                    % (os.path.basename(self.pam_file), empty, os.path.join(self.dir, "limits"),
                       crt, key, os.path.join(self.dir, "ftpusers")))
        self.servers["ftpd"] = Server(self.procs, self.dir, "ftpd", [self.bench.ftpd, "-f", conf],
                                      run, self.bench.free_port())
        pure = shutil.which("pure-ftpd") or ("/usr/sbin/pure-ftpd"
                                             if os.path.exists("/usr/sbin/pure-ftpd") else None)
        if not pure:
            self.pure_error = "n/a (pure-ftpd is not installed)"
            return
        pem = os.path.join(self.dir, "pure.pem")
        with open(pem, "wb") as out:
            for p in (key, crt):
                with open(p, "rb") as src:
                    out.write(src.read())
        os.chmod(pem, 0o600)
        try:
            # -l pam: PAM logins (service pure-ftpd); -E: no anonymous; -Y 1: TLS
            # allowed; -2: the same certificate and key; -H: no DNS look-ups
            self.servers["pure"] = Server(self.procs, self.dir, "pure",
                                          [pure, "-l", "pam", "-E", "-Y", "1", "-2", pem, "-H"],
                                          run, self.bench.free_port())
        except Exception as e:              # noqa: BLE001 -- reported in the table
            self.pure_error = "n/a (Pure-FTPd did not start: %s)" % e

    def cleanup(self):
        for s in self.servers.values():
            try:
                s.proc.kill()
                s.proc.wait(5)
            except Exception:               # noqa: BLE001 -- keep cleaning
                pass
        for s in self.servers.values():
            for p in self.bench.descendants(s.pid):
                try:
                    os.kill(p, 9)
                except OSError:
                    pass
        if self.made_pam:
            try:
                os.unlink(self.pam_file)
            except OSError:
                pass
        if self.made_user:
            time.sleep(0.3)
            subprocess.run(["userdel", self.user], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- the figures
    def idle_pss(self, name):
        """(PSS, RSS, processes) of one idle logged-in TLS session of server NAME."""
        srv = self.servers[name]
        if not srv.wait_idle():
            raise RuntimeError("earlier sessions still running")
        f = self.bench.ftp_tls_class()(context=self.bench.client_context(), timeout=15)
        try:
            f.connect("127.0.0.1", srv.port)
            f.login(self.user, self.pw)
            f.prot_p()
            f.voidcmd("NOOP")
            time.sleep(IDLE_SECS)
            pids = srv.sessions(self.bench)
            pss, rss = smaps_totals(pids)
            f.voidcmd("NOOP")       # the session still answers
            f.quit()
        finally:
            f.close()
        if not pids:
            raise RuntimeError("no session process found")
        return pss, rss, len(pids)

    def xfer_cpu(self, name, verb):
        """Server CPU seconds (user+system) per GiB of one RETR or STOR PROT P of NAME."""
        srv = self.servers[name]
        if not srv.wait_idle():
            raise RuntimeError("earlier sessions still running")
        url = "ftp://127.0.0.1:%d/" % srv.port
        argv = ["curl", "-sS", "-k", "--ssl-reqd", "--max-time", "300",
                "-u", "%s:%s" % (self.user, self.pw), "-w", "%{size_download} %{size_upload}"]
        up = os.path.join(self.home, "up.bin")
        if os.path.exists(up):
            os.unlink(up)
        if verb == "RETR":
            argv += ["-o", "/dev/null", url + "big.bin"]
        else:
            argv += ["-T", self.data, url + "up.bin"]
        u0, s0 = srv.cpu()
        rc, out, err = self.procs.run(argv, 320)
        if rc != 0:
            raise RuntimeError("curl exit %s: %s" % (rc, err.strip()[-160:]))
        if not srv.wait_idle():
            raise RuntimeError("the session did not end")
        u1, s1 = srv.cpu()
        down, upl = (int(float(x)) for x in out.split()[:2])
        moved = down if verb == "RETR" else min(upl, os.path.getsize(up) if os.path.exists(up)
                                                else 0)
        if verb == "STOR" and os.path.exists(up):
            os.unlink(up)
        if moved != self.size:
            raise RuntimeError("moved %d bytes, not %d" % (moved, self.size))
        gib = self.size / (1 << 30)
        return (u1 - u0 + s1 - s0) / gib
