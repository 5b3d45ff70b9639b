"""LIST, NLST, MLSD, MLST and file names (UTF-8 and raw bytes)."""

import ftplib
import os
import re

import pytest

from ftpdtest import HELLO

LIST_RE = re.compile(r"^([-dlcbps])([-rwxsStT]{9})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+"
                     r"([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}:\d{2}|\d{4})\s(.+)$")


def ftplib_alice(server):
    f = ftplib.FTP()
    f.connect(server.host, server.port, timeout=10)
    f.login("alice", "alice-pw-1")
    return f


def test_list_format(alice):
    """LIST lines look like ls -l (type, mode, links, owner, group, size, date, name)."""
    x = alice.xfer("LIST")
    assert x.ok, x
    text = x.data.decode("utf-8", "replace")
    assert text.endswith("\r\n")
    entries = {}
    for line in text.split("\r\n"):
        if not line or line.startswith("total "):
            continue
        m = LIST_RE.match(line)
        assert m, "LIST line not in ls -l format: %r" % line
        entries[m.group(10)] = m
    assert entries["hello.txt"].group(1) == "-"
    assert entries["hello.txt"].group(6) == str(len(HELLO))
    assert entries["docs"].group(1) == "d"


def test_list_directory_argument_and_options(alice):
    """LIST docs and LIST -la docs both list docs/."""
    for cmd in ("LIST docs", "LIST -la docs", "LIST -l"):
        x = alice.xfer(cmd)
        assert x.ok, (cmd, x)
    assert b"a.txt" in alice.xfer("LIST -la docs").data


def test_list_missing(alice):
    """LIST of a missing path is 450/550 (or an empty listing)."""
    x = alice.xfer("LIST nosuchdir")
    assert x.pre.code in (450, 550) or (x.ok and x.data == b""), x


def test_ftplib_dir(server, ftpenv):
    """ftplib's dir() parses names and sizes out of LIST."""
    f = ftplib_alice(server)
    try:
        lines = []
        f.dir("docs", lines.append)
    finally:
        f.close()
    byname = {l.split()[-1]: l for l in lines}
    assert set(byname) >= {"a.txt", "b.txt"}
    assert byname["a.txt"].split()[4] == "7"


def test_nlst(alice):
    """NLST gives bare names, one per CRLF line."""
    names = alice.nlst()
    assert "hello.txt" in names and "docs" in names
    for n in names:
        assert "\r" not in n and " -> " not in n


def test_nlst_directory(alice):
    """NLST docs gives names usable as RETR arguments."""
    names = alice.nlst("docs")
    assert sorted(os.path.basename(n) for n in names) == ["a.txt", "b.txt"]
    for n in names:
        assert alice.xfer("RETR " + (n if "/" in n else "docs/" + n)).ok


def test_nlst_empty_dir(alice, ftpenv):
    """NLST of an empty directory: 226 with no data (or 450/550)."""
    ftpenv.user_dir("alice", "void")
    x = alice.xfer("NLST void")
    assert (x.ok and x.data == b"") or x.pre.code in (450, 550), x


def test_mlsd_facts(server, ftpenv):
    """MLSD facts (type, size, modify) parse with ftplib.mlsd."""
    f = ftplib_alice(server)
    try:
        entries = dict(f.mlsd("", facts=["type", "size", "modify"]))
    finally:
        f.close()
    assert entries["hello.txt"]["type"] == "file"
    assert entries["hello.txt"]["size"] == str(len(HELLO))
    assert re.fullmatch(r"\d{14}(\.\d+)?", entries["hello.txt"]["modify"])
    assert entries["docs"]["type"] == "dir"
    types = {e["type"] for e in entries.values()}
    assert "cdir" in types or "." in entries


def test_mlsd_raw_lines(alice):
    """MLSD lines are 'facts SP name' with no leading space."""
    x = alice.xfer("MLSD docs")
    assert x.ok, x
    for line in x.data.decode().split("\r\n"):
        if line:
            assert re.match(r"^([A-Za-z.]+=[^;]*;)+ \S", line), line


def test_mlsd_on_file(alice):
    """MLSD of a file is 501."""
    assert alice.xfer("MLSD hello.txt").pre.code in (501, 550)


def test_mlst_file(alice):
    """MLST of a file is a 250 multi-line reply with one space-led fact line."""
    r = alice.cmd("MLST hello.txt")
    assert r.code == 250 and r.multiline, r
    facts = [l for l in r.lines[1:-1]]
    assert len(facts) == 1 and facts[0].startswith(" ") and not facts[0].startswith("  "), r
    assert "type=file;" in facts[0].lower() and "size=%d;" % len(HELLO) in facts[0].lower()
    assert facts[0].endswith("hello.txt")


def test_mlst_missing(alice):
    """MLST of a missing file is 550."""
    assert alice.cmd("MLST nosuchfile").code == 550


def test_opts_mlst(alice):
    """OPTS MLST type;size; is 200 and restricts the facts shown."""
    r = alice.cmd("OPTS MLST type;size;")
    assert r.code == 200, r
    r = alice.cmd("MLST hello.txt")
    assert "modify=" not in r.text.lower()


NAMES = ["h\u00e9llo w\u00f6rld \u2713.txt", "\u65e5\u672c\u8a9e.txt", "with space.txt"]


@pytest.mark.parametrize("name", NAMES)
def test_utf8_name_round_trip(alice, ftpenv, name):
    """UTF-8 file names are stored, listed and retrieved byte for byte."""
    alice.cmd("TYPE I")
    alice.stor(name, b"payload\n")
    raw = name.encode("utf-8")
    assert raw in os.listdir(ftpenv.home("alice").encode())
    assert name in alice.nlst()
    assert alice.retr(name) == b"payload\n"
    r = alice.cmd("MLST " + name)
    assert r.code == 250 and raw in r.raw


def test_non_utf8_name_transparent(alice, ftpenv):
    """A non-UTF-8 byte name (latin-1) is passed through unchanged."""
    alice.cmd("TYPE I")
    alice.stor(b"caf\xe9.txt".decode("utf-8", "surrogateescape"), b"latin\n")
    assert b"caf\xe9.txt" in os.listdir(ftpenv.home("alice").encode())
    x = alice.xfer("NLST")
    assert b"caf\xe9.txt" in x.data.split(b"\r\n")
