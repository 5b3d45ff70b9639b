#!/bin/sh
# mk/boundary.sh: `make boundary-check`, the hostile-process tests.
#
# Builds the test-hook build in build-hooks/ (-DFTPD_TEST_HOOKS: a control or
# user process can hand its monitor socket to a test; never installed) and
# runs test/integration/test_boundary.py against it, which plays a compromised
# control or user process with raw IPC frames.  Ends with one line
# "boundary: N passed, N failed"; exits non-zero on any failure.

set -u

BUILD=build-hooks
top=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-boundary.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! ${MAKE:-make} --no-print-directory BUILD=$BUILD CFLAGS="-O2 -g -DFTPD_TEST_HOOKS" all; then
	echo "boundary: the test-hook build failed"
	echo "boundary: 0 passed, 1 failed"
	exit 1
fi
FTPD="$top/$BUILD/ftpd" FTPD_HOOKS="$top/$BUILD/ftpd" JUNIT="$tmp/junit.xml" TESTS=boundary \
    sh test/integration/run.sh
rc=$?
counts=$(/usr/bin/python3 - "$tmp/junit.xml" <<'PY' 2>/dev/null
import sys
import xml.etree.ElementTree as ET
p = f = 0
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    tags = {c.tag for c in case}
    if tags & {"failure", "error"}:
        f += 1
    elif "skipped" not in tags:
        p += 1
print(p, f)
PY
)
# shellcheck disable=SC2086 # "P F" into two words
set -- $counts
p=${1:-0}
f=${2:-0}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
	echo "boundary: no test ran"
	f=1
fi
echo "boundary: $p passed, $f failed"
[ "$f" -eq 0 ]
