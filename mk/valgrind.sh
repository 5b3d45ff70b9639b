#!/bin/sh
# mk/valgrind.sh MAKE: `make valgrind`, a memcheck pass over the server.
#
# Builds build-vg/ (-O1 -g, for exact lines in the reports), then runs a
# representative subset of the integration tests (through mk/check.sh) with
# every server process under valgrind: the harness prefixes each ftpd it
# starts, under inetd, xinetd or -D, with FTPD_WRAPPER and scales its
# timeouts.  valgrind follows fork() without exec, so the monitor, control,
# user and transfer processes are all checked.  Last, test/valgrind/vglog.py
# scans every process's log: an invalid read, write or free, a use of
# uninitialised memory, a definite leak or a crash in any of them is a
# failure.  Prints the findings, "valgrind: N processes checked ...", and last
# "N passed, N failed": the tests, plus one for the log scan.
#
# Not --error-exitcode: the exit status of a forked child means something to
# its parent (a transfer's outcome), and rewriting it would turn a finding
# into a confusing protocol failure; the log scan sees everything anyway.
#
# Environment: VALGRIND_TESTS replaces the subset (a pytest -k expression);
# VALGRIND_LOGS=DIR keeps the per-process logs there; VALGRIND_OPTS is read by
# valgrind itself (e.g. --track-origins=yes).

set -u

MAKE=${1:-make}
BUILD=build-vg
top=$(pwd)
supp="$top/test/valgrind/valgrind.supp"

# Whole modules: logins (PAM, failed, refused, anonymous), listings, data
# transfers in every mode with REST and ABOR, FTP over TLS (PROT C and P,
# CCC, implicit ftpsd, curl, lftp, wget), client certificates, xinetd and -D;
# and from the others REIN, REST, file commands, overlong and Telnet lines,
# vanishing clients, curl and lftp in clear.  Left out: tests that only wait
# for a timeout to expire (slower under valgrind, nothing more to check).
SUBSET="(test_login.py or test_anonymous.py or test_listing.py or test_data.py
 or test_data_abort.py or test_tls.py or test_certs.py or test_superservers.py
 or test_rein_or_not or test_rest or test_directory_commands or test_rename
 or test_site_chmod or test_stat_file or test_overlong_line_refused_once
 or test_telnet_synch_abor or test_crlf_in_filename_cannot_inject_reply
 or test_client_vanishes_mid_transfer or test_quit or test_curl_upload
 or test_lftp_get_put)
 and not (test_data_stall_times_out or test_login_timeout
 or test_data_connection_never_opened)"
TESTS=$(echo "${VALGRIND_TESTS:-$SUBSET}" | tr '\n' ' ')

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed (Debian package valgrind; make deps)"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "== valgrind: building $BUILD (-O1 -g)"
if ! $MAKE --no-print-directory BUILD=$BUILD SAN=0 CFLAGS="-O1 -g" all >/dev/null; then
	echo "valgrind: the build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

if [ -n "${VALGRIND_LOGS:-}" ]; then
	logs=$VALGRIND_LOGS
	mkdir -p "$logs" && rm -f "$logs"/vg.* "$logs/port" || exit 1
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-vg.XXXXXX") || exit 1
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-vg.XXXXXX") || exit 1
	logs=$tmp/logs
	mkdir "$logs" || exit 1
fi
collector=""
cleanup() {
	[ -n "$collector" ] && kill "$collector" 2>/dev/null && wait "$collector"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" test/valgrind/vglog.py serve "$logs" &
collector=$!
i=0
while [ ! -s "$logs/port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s "$logs/port" ]; then
	echo "valgrind: the log collector did not start"
	echo "0 passed, 1 failed"
	exit 1
fi

FTPD_WRAPPER="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite
 --errors-for-leak-kinds=definite --track-fds=no --child-silent-after-fork=no
 --num-callers=30 --suppressions=$supp --log-socket=127.0.0.1:$(cat "$logs/port")"
FTPD_WRAPPER=$(echo "$FTPD_WRAPPER" | tr '\n' ' ')
export FTPD_WRAPPER

echo "== valgrind: integration subset, every server process under memcheck"
TESTS="$TESTS" SKIP_UNIT=1 SKIP_LINT=1 SKIP_ANALYZE=1 SKIP_FUZZ=1 SKIP_FUZZ_REPLAY=1 \
    sh mk/check.sh "$BUILD" "$MAKE" | tee "$tmp/check.log"
counts=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$tmp/check.log" | tail -n 1)
# shellcheck disable=SC2086 # split "P F" into two words on purpose
set -- ${counts:-0 1}
passed=$1
failed=$2

kill "$collector" 2>/dev/null
wait "$collector"
collector=""
echo "== valgrind: scanning the logs"
if "$PY" test/valgrind/vglog.py scan "$logs"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
[ -n "${VALGRIND_LOGS:-}" ] && echo "valgrind: logs kept in $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
