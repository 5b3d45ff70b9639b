#!/usr/bin/python3
"""mk/ipc-table.py [ipc.def]: the process boundary as text, from common/ipc.def.

One entry per message: who sends it to whom, when it is accepted, whether a
descriptor travels with it, and its fields with their bounds.  SECURITY holds
this output between its "ipc.def begin" and "ipc.def end" lines; mk/lint.sh
(make check) fails when the two differ.
"""

import re
import sys

WHO = {"MON": "monitor", "CTL": "control", "USR": "user", "KEY": "key", "TLS": "TLS"}
STATE = {"IPC_PREAUTH": "before login", "IPC_START": "at login", "IPC_USER": "logged in",
         "IPC_ANY": "any time"}
FDS = {"NOFD": "", "FD": ", with a descriptor", "MAYFD": ", with a descriptor if connected"}


def split_args(text):
    """Split TEXT at the commas that are not inside parentheses."""
    args, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    args.append(cur.strip())
    return args


def entries(src):
    """(kind, args) of every REQ(...) and ANS(...) in SRC."""
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    for m in re.finditer(r"^(REQ|ANS)\(", src, re.M):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(src[i], 0)
            i += 1
        yield m.group(1), split_args(" ".join(src[m.end():i - 1].split()))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "common/ipc.def"
    with open(path) as f:
        src = f.read()
    for kind, a in entries(src):
        mtype, _, frm, to, when, fds = a[:6]
        if kind == "ANS":
            when = "answer to " + " or ".join(
                re.findall(r"IPC_BIT\((\w+)\)", when))
        else:
            when = ", ".join(STATE[w.strip()] for w in when.split("|"))
        fields = []
        for f in re.finditer(r"(\w+)\(([^()]*(?:\([^()]*\)[^()]*)*)\)", a[6] if len(a) > 6 else ""):
            parts = split_args(f.group(2))
            kind_ = f.group(1).lower()
            bound = "<= " + parts[1] if kind_ == "str" else "..".join(parts[1:])
            fields.append("%s %s %s" % (parts[0], kind_, bound))
        print("    %s: %s -> %s, %s%s" % (mtype, WHO[frm], WHO[to], when, FDS[fds]))
        print("        %s" % ("; ".join(fields) if fields else "(no fields)"))


main()
