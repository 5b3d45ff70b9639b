"""vglog: collect and judge the logs of a valgrind run (mk/valgrind.sh).

  vglog.py serve DIR     listen on 127.0.0.1 (port written to DIR/port) for
                         valgrind's --log-socket and file each process's lines
                         as DIR/vg.<connection>.<pid>; runs until SIGTERM
  vglog.py scan DIR      read every DIR/vg.*: print each finding and a
                         summary line; exit 1 on any finding, or if no log

Why a socket and not --log-file=vg.%p: valgrind writes the log from inside
the process it watches, and ftpd's processes chroot (the transfer child
cannot open a new file under the log directory) and the control process
runs with RLIMIT_FSIZE 0 (every write to a regular file fails with SIGXFSZ).
A socket opened at start-up and inherited through fork() works in all of
them.  Forked children share their parent's connection; every line starts
with "==PID==", which sorts them out.

A process killed by SIGKILL writes no summary; the scan counts how many did.
"""

import os
import re
import signal
import socket
import sys
import threading

LINE = re.compile(rb"^==(\d+)== ")

# errors memcheck reports as they happen (leaks come from the summary and
# from "definitely lost in loss record" blocks)
ERRORS = re.compile(
    r"Invalid (read|write|free)|Mismatched free|uninitialised|Jump to the invalid|"
    r"Source and destination overlap|definitely lost in loss record|"
    r"Argument '\w+' of function \w+ has a fishy|unhandled \S+ syscall|"
    r"Process terminating with default action of signal \d+ "
    r"\(SIG(SEGV|BUS|ILL|FPE|ABRT|SYS)\)")
SUMMARY = re.compile(r"ERROR SUMMARY: (\d+) errors")
DEFLOST = re.compile(r"definitely lost: ([\d,]+) bytes")


# --------------------------------------------------------------------------
# serve

class _Conn(threading.Thread):
    def __init__(self, sock, num, outdir):
        super().__init__(daemon=True)
        self.sock = sock
        self.num = num
        self.outdir = outdir
        self.files = {}

    def _out(self, pid):
        f = self.files.get(pid)
        if f is None:
            path = os.path.join(self.outdir, "vg.%d.%s" % (self.num, pid.decode()))
            f = self.files[pid] = open(path, "ab")
        return f

    def run(self):
        pending = b""
        pid = b"0"
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                m = LINE.match(line)
                if m:
                    pid = m.group(1)
                f = self._out(pid)
                f.write(line + b"\n")
                f.flush()
        if pending:
            self._out(pid).write(pending + b"\n")
        for f in self.files.values():
            f.close()
        self.sock.close()


def serve(outdir):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(128)
    tmp = os.path.join(outdir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(tmp, os.path.join(outdir, "port"))
    conns = []

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        num = 0
        while True:
            s, _ = lsock.accept()
            num += 1
            c = _Conn(s, num, outdir)
            c.start()
            conns.append(c)
    finally:
        # valgrind processes still running keep writing into closed files no more
        for c in conns:
            c.join(2)


# --------------------------------------------------------------------------
# scan

def _blocks(lines):
    """Split a log's message lines (prefix removed) into blank-line separated blocks."""
    block = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def scan_log(path):
    """(has_summary, findings): FINDINGS is a list of text blocks, one per problem."""
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", "replace")
    lines = [re.sub(r"^==\d+== ?", "", l) for l in raw.splitlines()]
    findings = []
    summary = False
    for block in _blocks(lines):
        head = block[0]
        text = "\n".join(block)
        m = SUMMARY.search(text)
        if m:
            summary = True
            if int(m.group(1)) and not findings:
                # a forked child inherits its parent's error count
                findings.append(text + "\n(no report of its own: the errors may be its "
                                "parent's, from before fork(); see the parent's log)")
            continue
        m = DEFLOST.search(text)
        if m:
            if m.group(1) != "0" and not any("definitely lost" in f for f in findings):
                findings.append(text)
            continue
        if ERRORS.search(head):
            findings.append(text)
    return summary, findings


def _key(finding):
    """FINDING without what differs between processes: addresses, record numbers, sizes."""
    return re.sub(r"0x[0-9A-Fa-f]+|loss record \d+ of \d+|[\d,]+ bytes in [\d,]+ blocks",
                  "", finding)


def scan(outdir):
    logs = sorted((n for n in os.listdir(outdir) if n.startswith("vg.")),
                  key=lambda n: [int(x) if x.isdigit() else x for x in n.split(".")])
    bad = 0
    summaries = 0
    seen = {}       # finding's key -> the log that showed it first
    for name in logs:
        summary, findings = scan_log(os.path.join(outdir, name))
        summaries += summary
        if findings:
            bad += 1
            print("valgrind: %s: %d finding(s)" % (name, len(findings)))
            for f in findings:
                first = seen.setdefault(_key(f), name)
                if first != name:
                    print("    %s  [as in %s]" % (f.splitlines()[0], first))
                else:
                    print("    " + f.replace("\n", "\n    "))
    print("valgrind: %d processes checked, %d with errors (%d ran to their leak summary, "
          "%d were killed before it)" % (len(logs), bad, summaries, len(logs) - summaries))
    if not logs:
        print("valgrind: no log at all: did the server run under valgrind?")
        return 1
    return 1 if bad else 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("serve", "scan"):
        sys.stderr.write("usage: vglog.py serve|scan DIR\n")
        return 2
    if argv[1] == "serve":
        serve(argv[2])
        return 0
    return scan(argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
