#!/bin/sh
# test/integration/run.sh: run the integration tests against a built ftpd.
#
#   FTPD=/abs/path/to/ftpd sh test/integration/run.sh [extra pytest args]
#
# Environment:
#   FTPD        the binary under test (default: build/ftpd of this tree)
#   TESTS       pytest -k expression selecting a subset (e.g. TESTS=login);
#               LTESTS is accepted as another name for it (OpenSSH habit)
#   SKIP_TESTS  pytest -k expression of tests to leave out (or SKIP_LTESTS)
#   JUNIT       write a JUnit XML report there (mk/check.sh counts from it)
#
# Exit status is pytest's, except that "no tests collected" (pytest's 5) is a
# failure here too (status 1).  Needs root; as another user every test is skipped.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${FTPD:=$top/build/ftpd}"
export FTPD
export PYTHONDONTWRITEBYTECODE=1

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

TESTS=${TESTS:-${LTESTS:-}}
SKIP_TESTS=${SKIP_TESTS:-${SKIP_LTESTS:-}}
kexpr=""
if [ -n "${TESTS:-}" ]; then
	kexpr="(${TESTS})"
fi
if [ -n "${SKIP_TESTS:-}" ]; then
	if [ -n "$kexpr" ]; then
		kexpr="$kexpr and not (${SKIP_TESTS})"
	else
		kexpr="not (${SKIP_TESTS})"
	fi
fi

set -- -q -rfEs -p no:cacheprovider "$@"
if [ -n "${JUNIT:-}" ]; then
	set -- "$@" "--junitxml=$JUNIT"
fi
if [ -n "$kexpr" ]; then
	set -- "$@" -k "$kexpr"
fi

cd "$top" || exit 1
"$PY" -m pytest "$@" test/integration
rc=$?
if [ "$rc" -eq 5 ]; then
	echo "integration: no tests collected (TESTS='${TESTS:-}' SKIP_TESTS='${SKIP_TESTS:-}')" >&2
	exit 1
fi
exit "$rc"
