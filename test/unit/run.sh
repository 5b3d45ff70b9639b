#!/bin/sh
# test/unit/run.sh BINARY...: run the unit test binaries and add up their results.
#
# Each binary's output is passed through under a "== name" header.  Its last
# "N passed, N failed" line is added to the totals; a binary that prints no such
# line, exits non-zero without reporting a failure, or is killed (signal, or
# UNIT_TIMEOUT seconds, default 120, when timeout(1) exists) counts as one failure.
# The last line printed is the total "N passed, N failed"; the exit status is
# non-zero if anything failed.  With no arguments: "0 passed, 0 failed", status 0.

set -u

passed=0
failed=0
out=$(mktemp "${TMPDIR:-/tmp}/unit-run.XXXXXX") || exit 1
trap 'rm -f "$out" "$out.rc"' EXIT
trap 'exit 130' INT TERM

if command -v timeout >/dev/null 2>&1; then
	limit="timeout ${UNIT_TIMEOUT:-120}"
else
	limit=""
fi

for bin in "$@"; do
	name=$(basename "$bin")
	echo "== $name"
	case "$bin" in
	*/*) path=$bin ;;
	*) path=./$bin ;;
	esac
	{ $limit "$path" 2>&1; echo $? >"$out.rc"; } | tee "$out"
	rc=$(cat "$out.rc" 2>/dev/null || echo 1)
	counts=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$out" | tail -n 1)
	set -- $counts
	if [ $# -eq 2 ]; then
		p=$1
		f=$2
	else
		p=0
		f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 124 ] && [ -n "$limit" ]; then
			echo "$name: timed out after ${UNIT_TIMEOUT:-120}s"
		elif [ "$rc" -gt 128 ]; then
			echo "$name: killed by signal $((rc - 128))"
		else
			echo "$name: exited with status $rc"
		fi
		f=1
	elif [ -z "$counts" ]; then
		echo "$name: printed no 'N passed, N failed' line"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
