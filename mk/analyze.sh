#!/bin/sh
# mk/analyze.sh: static analysis of the ftpd sources; run from the top of the tree.
#
#   sh mk/analyze.sh [file.c ...]
#
# Without arguments it checks the sources in the Makefile's FTPD_SRCS,
# COMMON_SRCS and PAM_SRCS (the headers they include come along), with the
# preprocessor flags of mk/rules.mk, using three tools:
#
#  1. cppcheck --enable=warning,portability,performance (the standard library
#     configuration only: posix.cfg adds readdir_r/getpwnam_r advice and false
#     null-pointer reports on accept4).
#  2. gcc -fanalyzer: only its -Wanalyzer-* warnings count (no -Wall; the build
#     itself has -Werror for those).
#  3. clang-tidy with the checks in the top-level .clang-tidy (for every file,
#     also those given as arguments outside the tree).  One process per
#     file: clang-tidy 14 given several files in one process reports false
#     "uninitialized va_list" in every file after the first.
#
# A tool that is not installed is reported as skipped.  As root, missing tools
# are first installed with apt-get (cppcheck; clang-tidy and clang), unless
# FTPD_NO_DEPS=1.  Each finding is printed as one line
#   file:line:col: tool: message [check]
# ANALYZE_VERBOSE=1 prints the full diagnostics as well (gcc's and clang's
# explanation of the path that leads to a finding).  ANALYZE_JOBS sets the
# parallelism (default: the number of processors).
#
# Every step has a time limit (with coreutils' timeout; about 4.5 minutes in
# all, the analysis itself takes well under a minute on 2 cores); a tool that
# runs out of time counts as a finding.  Ends with "analyze: N findings" and
# exits 1 if N > 0.

set -u
LC_ALL=C
export LC_ALL

cd "$(dirname "$0")/.." || exit 2
top=$(pwd)

CPPFLAGS_FTPD="-std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -iquote common -iquote ftpd -iquote pam"
CPPCHECK_FLAGS="--std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I common -I ftpd -I pam"

T_INSTALL=100	# seconds for apt-get (all of it)
T_CPPCHECK=40
T_GCC=60
T_TIDY=90

verbose=${ANALYZE_VERBOSE:-0}
jobs=${ANALYZE_JOBS:-$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
case "$jobs" in ''|*[!0-9]*|0) jobs=2 ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-analyze.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

total=0

have() { command -v "$1" >/dev/null 2>&1; }

# with_timeout SECONDS CMD...: run CMD, killed after SECONDS; status 124 then.
if have timeout; then
	with_timeout() { t=$1; shift; timeout -k 5 "$t" "$@"; }
else
	with_timeout() { shift; "$@"; }
fi

# --- the sources ---------------------------------------------------------------
if [ $# -gt 0 ]; then
	printf '%s\n' "$@" >"$tmp/srcs"
else
	# Join continued lines, then take the three assignments' words.
	awk '
	{
		line = $0
		while (line ~ /\\$/ && (getline nxt) > 0) {
			sub(/\\$/, " ", line)
			line = line nxt
		}
		if (line ~ /^(FTPD_SRCS|COMMON_SRCS|PAM_SRCS)[ \t]*[:+?]?=/) {
			sub(/^[^=]*=/, "", line)
			n = split(line, w, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (w[i] != "")
					print w[i]
		}
	}' Makefile >"$tmp/srcs"
fi
if [ ! -s "$tmp/srcs" ]; then
	echo "analyze: no sources (FTPD_SRCS, COMMON_SRCS, PAM_SRCS not found in Makefile)" >&2
	exit 2
fi
while read -r f; do
	if [ ! -f "$f" ]; then
		echo "analyze: $f: no such file" >&2
		exit 2
	fi
done <"$tmp/srcs"
nsrcs=$(wc -l <"$tmp/srcs" | tr -d ' ')
echo "analyze: $nsrcs source files, $jobs jobs"

# --- missing tools: install as root ----------------------------------------------
missing=""
have cppcheck || missing="$missing cppcheck"
have clang-tidy || missing="$missing clang-tidy clang"
if [ -n "$missing" ] && [ "${FTPD_NO_DEPS:-0}" != 1 ] && [ "$(id -u)" -eq 0 ] && have apt-get; then
	echo "analyze: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! with_timeout "$T_INSTALL" sh -c '
	    apt-get update -q >/dev/null &&
	    apt-get install -y -q --no-install-recommends "$@" >/dev/null' sh $missing </dev/null; then
		echo "analyze: apt-get install failed for:$missing"
	fi
fi

# report TOOL FILE: print the findings in FILE (one a line, already normalized),
# add them to the total.
report() {
	n=$(grep -c . "$2")
	echo "== $1: $n finding(s)"
	cat "$2"
	total=$((total + n))
}

# skipped TOOL WHY
skipped() {
	echo "== $1: skipped ($2)"
}

# Take "/top/dir/file" to "dir/file" in the messages.
relpath() {
	awk -v top="$top/" '{
		while ((i = index($0, top)) > 0)
			$0 = substr($0, 1, i - 1) substr($0, i + length(top))
		print
	}'
}

# gather DIR: the per-file outputs a tool left in DIR, in the order of $tmp/srcs.
gather() {
	while read -r f; do
		o="$1/$(echo "$f" | tr / _)"
		if [ -f "$o" ]; then cat "$o"; fi
	done <"$tmp/srcs"
}

# --- 1. cppcheck -------------------------------------------------------------------
if ! have cppcheck; then
	skipped cppcheck "not installed"
else
	# shellcheck disable=SC2086,SC2046
	with_timeout "$T_CPPCHECK" cppcheck --enable=warning,portability,performance \
	    --error-exitcode=1 --inline-suppr -q --suppress=missingIncludeSystem \
	    -j "$jobs" $CPPCHECK_FLAGS \
	    --template='{file}:{line}:{column}: cppcheck: {severity}: {message} [{id}]' \
	    $(cat "$tmp/srcs") >"$tmp/cppcheck.out" 2>&1
	rc=$?
	grep ': cppcheck: ' "$tmp/cppcheck.out" | relpath | awk '!seen[$0]++' >"$tmp/cppcheck"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "cppcheck: timed out after ${T_CPPCHECK}s" >>"$tmp/cppcheck"
	elif [ "$rc" -ne 0 ] && [ ! -s "$tmp/cppcheck" ]; then
		{ echo "cppcheck: failed (status $rc):"; sed 's/^/	/' "$tmp/cppcheck.out"; } >>"$tmp/cppcheck"
	fi
	report cppcheck "$tmp/cppcheck"
fi

# --- 2. gcc -fanalyzer ---------------------------------------------------------------
gcc=${ANALYZE_GCC:-gcc}
if ! have "$gcc"; then
	skipped "gcc -fanalyzer" "$gcc not installed"
elif ! echo 'int x;' | "$gcc" -fanalyzer -x c -c -o /dev/null - >/dev/null 2>&1; then
	skipped "gcc -fanalyzer" "$gcc has no -fanalyzer (gcc 10 or later needed)"
else
	diagflags="-fno-diagnostics-show-caret"
	if echo 'int x;' | "$gcc" -fdiagnostics-plain-output -x c -c -o /dev/null - >/dev/null 2>&1; then
		diagflags="-fdiagnostics-plain-output"
	fi
	mkdir "$tmp/gcc"
	# One file a process, ANALYZE_JOBS at once; each writes $tmp/gcc/<path with _>.
	# shellcheck disable=SC2016
	tr '\n' '\0' <"$tmp/srcs" | with_timeout "$T_GCC" xargs -0 -n 1 -P "$jobs" sh -c '
	    out="$0/$(echo "$1" | tr / _)"
	    '"$gcc"' '"$CPPFLAGS_FTPD $diagflags"' -fanalyzer -c -o /dev/null "$1" >"$out" 2>&1
	    rc=$?
	    if [ "$rc" -ne 0 ] && ! grep -q "error: " "$out"; then
		echo "$1: error: gcc failed (status $rc)" >>"$out"
	    fi' "$tmp/gcc"
	rc=$?
	gather "$tmp/gcc" >"$tmp/gcc.all"
	# A finding: an analyzer warning, or an error (a file that does not compile).
	grep -E '^[^ 	:]+(:[0-9]+:[0-9]+)?: (warning: .*\[-Wanalyzer-|(fatal )?error: )' "$tmp/gcc.all" | relpath |
	    sed 's/: warning: /: gcc-analyzer: /; s/: \(fatal \)\{0,1\}error: /: gcc-analyzer: error: /' |
	    awk '!seen[$0]++' >"$tmp/gcc.found"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "gcc -fanalyzer: timed out after ${T_GCC}s" >>"$tmp/gcc.found"
	fi
	report "gcc -fanalyzer" "$tmp/gcc.found"
	if [ "$verbose" = 1 ] && [ -s "$tmp/gcc.found" ]; then
		echo "-- gcc -fanalyzer, full output:"
		relpath <"$tmp/gcc.all"
	fi
fi

# --- 3. clang-tidy ------------------------------------------------------------------------
if ! have clang-tidy; then
	skipped clang-tidy "not installed"
elif [ ! -f .clang-tidy ]; then
	echo "clang-tidy: .clang-tidy is missing at the top of the tree" >"$tmp/tidy.found"
	report clang-tidy "$tmp/tidy.found"
else
	mkdir "$tmp/tidy"
	# shellcheck disable=SC2016
	tr '\n' '\0' <"$tmp/srcs" | with_timeout "$T_TIDY" xargs -0 -n 1 -P "$jobs" sh -c '
	    out="$0/$(echo "$1" | tr / _)"
	    clang-tidy -quiet --config-file=.clang-tidy "$1" -- '"$CPPFLAGS_FTPD"' >"$out" 2>"$out.err"
	    rc=$?
	    if [ "$rc" -ne 0 ] && ! grep -q "error: " "$out"; then
		{ echo "$1: error: clang-tidy failed (status $rc)"; sed "s/^/	/" "$out.err"; } >>"$out"
	    fi' "$tmp/tidy"
	rc=$?
	gather "$tmp/tidy" >"$tmp/tidy.all"
	# A finding in a header is reported once however many files include it.
	grep -E '^[^ 	:]+(:[0-9]+:[0-9]+)?: (warning|error): ' "$tmp/tidy.all" | relpath |
	    sed 's/: warning: /: clang-tidy: /; s/: error: /: clang-tidy: error: /' |
	    awk '!seen[$0]++' >"$tmp/tidy.found"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "clang-tidy: timed out after ${T_TIDY}s" >>"$tmp/tidy.found"
	fi
	report clang-tidy "$tmp/tidy.found"
	if [ "$verbose" = 1 ] && [ -s "$tmp/tidy.found" ]; then
		echo "-- clang-tidy, full output:"
		relpath <"$tmp/tidy.all"
	fi
fi

echo "analyze: $total findings"
[ "$total" -eq 0 ] || exit 1
exit 0
