#!/bin/sh
# test/fuzz/replay.sh BUILD MAKE [TARGET...]: replay the fuzz targets' seed
# corpora under the normal build; `make fuzz-replay` runs it, and make check
# does for the plain and the SAN build.  Run from the top of the tree.
#
# For each test/fuzz/fuzz_*.c (or each TARGET named, e.g. fuzz_conf) it runs
# `MAKE BUILD/fuzz-replay/<target>`: the target linked with test/fuzz/replay.c
# by the build's own compiler and flags (gcc is enough; ASan and UBSan under
# make SAN=1), then that binary over test/fuzz/corpus/<target>/, within
# REPLAY_TIMEOUT seconds (default 300) when timeout(1) exists.  A target
# fails if it does not build, a check in it fails, a sanitizer reports, or it
# runs out of time; its output is shown then.  Crash inputs that were fixed
# live in the corpus, so this is their regression test.
#
# One line per target; the last line is "fuzz-replay: N passed, N failed"
# (one count per target).  Exits non-zero if any failed.

set -u

BUILD=${1:-build}
MAKE=${2:-make}
if [ $# -ge 2 ]; then
	shift 2
else
	shift $#
fi

if [ ! -d test/fuzz ]; then
	echo "fuzz-replay: run this from the top of the source tree" >&2
	exit 2
fi
if [ $# -eq 0 ]; then
	set -- test/fuzz/fuzz_*.c
	[ -e "$1" ] || { echo "fuzz-replay: 0 passed, 0 failed"; exit 0; }
fi
if command -v timeout >/dev/null 2>&1; then
	limit="timeout -k 5 ${REPLAY_TIMEOUT:-300}"
else
	limit=""
fi

log=$(mktemp "${TMPDIR:-/tmp}/fuzz-replay.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
for arg in "$@"; do
	name=$(basename "$arg" .c)
	bin=$BUILD/fuzz-replay/$name
	corpus=test/fuzz/corpus/$name
	if ! $MAKE --no-print-directory "$bin" >"$log" 2>&1; then
		cat "$log"
		echo "fuzz-replay: $name: FAILED (does not build)"
		failed=$((failed + 1))
		continue
	fi
	if [ ! -d "$corpus" ]; then
		echo "fuzz-replay: $name: FAILED (no seed corpus in $corpus)"
		failed=$((failed + 1))
		continue
	fi
	# shellcheck disable=SC2086 # $limit is a command and its arguments
	$limit "$bin" "$corpus" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "fuzz-replay: $name: ok ($(tail -n 1 "$log" | sed 's/^replay: //'))"
		passed=$((passed + 1))
	else
		tail -n 60 "$log"
		[ "$rc" -eq 124 ] && echo "fuzz-replay: $name: timed out"
		echo "fuzz-replay: $name: FAILED (status $rc); reproduce with: $bin $corpus"
		failed=$((failed + 1))
	fi
done

echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
