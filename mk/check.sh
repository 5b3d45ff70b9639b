#!/bin/sh
# mk/check.sh BUILD MAKE: the test part of `make check`.
#
# Runs, in order: the C unit tests (`$MAKE unit`), mk/lint.sh when it exists,
# static analysis and a short libFuzzer pass (not for the SAN build), the fuzz
# targets' seed corpora replayed under this build (`$MAKE fuzz-replay`: one
# count per target), the hostile-process tests (`$MAKE boundary-check`, not for
# the SAN build), and the integration tests (test/integration/run.sh against
# BUILD/ftpd).  Prints one line per stage and, last, the total as "N passed,
# N failed".  Exits non-zero if anything failed or if nothing at all passed.
#
# Environment: TESTS=expr runs only the integration tests matching that pytest -k
# expression; SKIP_TESTS=expr leaves those out (both are also passed on to the unit
# runner); SKIP_UNIT=1, SKIP_LINT=1, SKIP_ANALYZE=1, SKIP_FUZZ=1,
# SKIP_FUZZ_REPLAY=1, SKIP_BOUNDARY=1, SKIP_INTEGRATION=1 leave a stage out.

set -u

BUILD=${1:-build}
MAKE=${2:-make}
top=$(pwd)
case "$BUILD" in
/*) ftpd="$BUILD/ftpd" ;;
*) ftpd="$top/$BUILD/ftpd" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
skipped=0
summary=""

# note STAGE PASSED FAILED: add to the totals and remember a per-stage line
note() {
	passed=$((passed + $2))
	failed=$((failed + $3))
	summary="$summary
$1: $2 passed, $3 failed"
}

# last_count FILE: print "P F" from the last "N passed, N failed" line of FILE
last_count() {
	sed -n 's/^\([A-Za-z_-]*: \)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\2 \3/p' "$1" | tail -n 1
}

# counted STAGE TARGET: run `$MAKE TARGET`, showing its output, and note STAGE
# with the counts of its last "N passed, N failed" line (one failure more if
# make failed without counting one)
counted() {
	{ $MAKE --no-print-directory "$2" BUILD="$BUILD"; echo $? >"$tmp/$1.rc"; } 2>&1 |
	    tee "$tmp/$1.log"
	rc=$(cat "$tmp/$1.rc" 2>/dev/null || echo 1)
	# shellcheck disable=SC2046 # split "P F" into two words on purpose
	set -- "$1" "$2" $(last_count "$tmp/$1.log")
	if [ $# -eq 4 ]; then
		p=$3
		f=$4
	else
		p=0
		f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$1: '$MAKE $2' failed (status $rc)"
		f=1
	fi
	note "$1" "$p" "$f"
}

# --- unit tests ------------------------------------------------------------
if [ "${SKIP_UNIT:-0}" = 1 ]; then
	echo "== unit tests: skipped (SKIP_UNIT=1)"
elif ! ls test/unit/t_*.c >/dev/null 2>&1; then
	echo "== unit tests: none yet (no test/unit/t_*.c)"
elif [ ! -f test/unit/run.sh ]; then
	echo "== unit tests: test/unit/run.sh is missing"
	note unit 0 1
else
	echo "== unit tests"
	counted unit unit
fi

# --- lint --------------------------------------------------------------------
if [ "${SKIP_LINT:-0}" = 1 ]; then
	echo "== lint: skipped (SKIP_LINT=1)"
elif [ -f mk/lint.sh ]; then
	echo "== lint"
	if sh mk/lint.sh; then
		note lint 1 0
	else
		echo "lint: mk/lint.sh failed"
		note lint 0 1
	fi
fi

# --- static analysis and a short fuzzing pass (once: not for the SAN build) -----
if [ "${SKIP_ANALYZE:-0}" = 1 ] || [ "$(basename "$BUILD")" = build-san ]; then
	echo "== analyze: skipped"
elif [ -f mk/analyze.sh ]; then
	echo "== analyze (cppcheck, gcc -fanalyzer, clang-tidy)"
	if sh mk/analyze.sh; then
		note analyze 1 0
	else
		note analyze 0 1
	fi
fi
if [ "${SKIP_FUZZ:-0}" = 1 ] || [ "$(basename "$BUILD")" = build-san ]; then
	echo "== fuzz: skipped"
elif [ -f test/fuzz/run.sh ]; then
	echo "== fuzz (${FUZZ_SECONDS:-10} s per target, corpus replayed first)"
	if FUZZ_SECONDS=${FUZZ_SECONDS:-10} sh test/fuzz/run.sh; then
		note fuzz 1 0
	else
		note fuzz 0 1
	fi
fi

# --- fuzz corpus replay (both builds: gcc and this build's flags, no libFuzzer) ---
if [ "${SKIP_FUZZ_REPLAY:-0}" = 1 ]; then
	echo "== fuzz corpus replay: skipped (SKIP_FUZZ_REPLAY=1)"
elif [ -f test/fuzz/replay.sh ]; then
	echo "== fuzz corpus replay (every target over test/fuzz/corpus/<target>/)"
	counted fuzz-replay fuzz-replay
fi

# --- the monitor against compromised processes (once: not for the SAN build) ---
if [ "${SKIP_BOUNDARY:-0}" = 1 ] || [ "$(basename "$BUILD")" = build-san ]; then
	echo "== boundary: skipped"
elif [ -f mk/boundary.sh ]; then
	echo "== boundary (hostile-process tests, test-hook build)"
	counted boundary boundary-check
fi

# --- integration tests --------------------------------------------------------
if [ "${SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "== integration tests: skipped (SKIP_INTEGRATION=1)"
else
	echo "== integration tests (FTPD=$ftpd)"
	FTPD="$ftpd" JUNIT="$tmp/junit.xml" sh test/integration/run.sh
	rc=$?
	counts=""
	if [ -s "$tmp/junit.xml" ]; then
		counts=$(/usr/bin/python3 - "$tmp/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
p = f = s = 0
for case in root.iter("testcase"):
    tags = {child.tag for child in case}
    if tags & {"failure", "error"}:
        f += 1
    elif "skipped" in tags:
        s += 1
    else:
        p += 1
print(p, f, s)
EOF
)
	fi
	# shellcheck disable=SC2086 # split "P F S" into three words on purpose
	set -- $counts
	if [ $# -eq 3 ]; then
		p=$1
		f=$2
		skipped=$3
	else
		echo "integration: no test report was written"
		p=0
		f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "integration: test run failed (status $rc)"
		f=1
	fi
	if [ "$skipped" -gt 0 ]; then
		echo "integration: $skipped skipped"
	fi
	note integration "$p" "$f"
fi

echo "== summary$summary"
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "check: no test ran"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
