#!/bin/sh
# test/bench/bench.sh: performance figures for ftpd, as ratios to ceilings
# measured in the same run (loopback TCP, a raw TLS stream with the same
# certificate, openssl speed).  Run as root from the top of the tree after make:
#
#   sh test/bench/bench.sh              # 1024 MB transfers, well under 10 minutes
#   BENCH_QUICK=1 sh test/bench/bench.sh    # about a minute, 64 MB
#
# Prints a markdown table and writes it to build/bench.md.  Timings are never
# pass/fail: the exit status is 0 unless the setup itself broke.  The server
# runs in the hermetic world of test/integration/ftpdtest.py (nss_wrapper,
# pam_wrapper, under the real xinetd), in a temporary directory on tmpfs; the
# figures marked "real PAM" run without those wrappers, as a host runs ftpd: a
# local account made for the run (removed at its end), the system's PAM, and
# Pure-FTPd (Debian's pure-ftpd, installed if missing) beside it as the
# reference (test/bench/realhost.py).
#
# Environment: see test/bench/bench.py (BENCH_SIZE_MB, BENCH_QUICK, BENCH_REPS,
# BENCH_SESSION_SECS, BENCH_SERVER, BENCH_OUT, FTPD).  BENCH_NO_DEPS=1 (or
# FTPD_NO_DEPS=1) skips installing missing tools; without them, figures are n/a.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 2

: "${FTPD:=$top/build/ftpd}"
export FTPD
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export PYTHONDONTWRITEBYTECODE=1

# package:command that shows it is there ("-" : a library, checked with dpkg)
# (pure-ftpd, the reference of the no-wrapper figures, calls update-inetd when
# it is configured: that goes first, on its own)
TOOLS="iperf3:iperf3 socat:socat openssl:openssl curl:curl xinetd:xinetd
libpam-wrapper:- libnss-wrapper:- python3:- update-inetd:update-inetd pure-ftpd:pure-ftpd"

pkg_installed() {
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" in
	*" ok installed") return 0 ;;
	esac
	return 1
}

missing_pkgs() {
	for t in $TOOLS; do
		p=${t%%:*}
		c=${t#*:}
		if [ "$c" != - ] && command -v "$c" >/dev/null 2>&1; then
			continue
		fi
		if command -v dpkg-query >/dev/null 2>&1 && pkg_installed "$p"; then
			continue
		fi
		printf '%s ' "$p"
	done
}

install_deps() {
	if [ "${BENCH_NO_DEPS:-${FTPD_NO_DEPS:-0}}" = 1 ]; then
		return 0
	fi
	missing=$(missing_pkgs)
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "bench: missing: $missing(not installed: needs root and apt-get); those figures are n/a" >&2
		return 0
	fi
	echo "bench: installing: $missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	APT_OPTS="-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
	if ! timeout 300 apt-get update -q </dev/null >&2; then
		echo "bench: apt-get update failed; going on without: $missing" >&2
		return 0
	fi
	case " $missing" in
	*" update-inetd "*)
		# shellcheck disable=SC2086
		timeout 300 apt-get install $APT_OPTS --no-install-recommends update-inetd \
			</dev/null >&2 ;;
	esac
	# shellcheck disable=SC2086
	if ! timeout 300 apt-get install $APT_OPTS --no-install-recommends $missing </dev/null >&2; then
		echo "bench: apt-get install failed; going on with what there is" >&2
	fi
	still=$(missing_pkgs)
	[ -z "$still" ] || echo "bench: still missing: $still(those figures are n/a)" >&2
	return 0
}

if [ "$(id -u)" -eq 0 ] && [ ! -x "$FTPD" ]; then
	echo "bench: the server binary $FTPD does not exist: run make first (or set FTPD)" >&2
	exit 2
fi

install_deps

if ! [ -x "$PY" ] && ! command -v "$PY" >/dev/null 2>&1; then
	echo "bench: python3 is needed" >&2
	exit 2
fi

# a temporary directory on tmpfs: the server world, its files and the data file
base=${TMPDIR:-/tmp}
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	base=/dev/shm
fi
work=$(mktemp -d "$base/ftpdbench.XXXXXX") || exit 2
chmod 755 "$work"
run_id=$(basename "$work")
export BENCH_WORKDIR="$work" FTPD_BENCH_RUN="$run_id" TMPDIR="$work"
pypid=

# every process this run started carries FTPD_BENCH_RUN (the tools, the clients) or
# the server world's FTPD_TEST_TOKEN (the ftpd sessions), or names $work on its
# command line (xinetd); kill exactly those
# shellcheck disable=SC2317  # kill_ours and cleanup run from the traps
kill_ours() {
	tok=no-token-yet
	[ -s "$work/token" ] && tok=$(cat "$work/token" 2>/dev/null)
	# collected first: the greps match themselves, and are gone when the kills start
	pids=$({
		grep -lzx -e "FTPD_BENCH_RUN=$run_id" -e "FTPD_TEST_TOKEN=$tok" \
			/proc/[0-9]*/environ 2>/dev/null
		grep -lzF "$work/" /proc/[0-9]*/cmdline 2>/dev/null
	} | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p' | sort -u)
	for p in $pids; do
		[ "$p" = $$ ] || kill -KILL "$p" 2>/dev/null
	done
}

# shellcheck disable=SC2317
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$pypid" ] && kill -0 "$pypid" 2>/dev/null; then
		kill -TERM "$pypid" 2>/dev/null
		i=0
		while [ "$i" -lt 100 ] && kill -0 "$pypid" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pypid" 2>/dev/null
		wait "$pypid" 2>/dev/null
	fi
	for _ in 1 2 3; do
		kill_ours
		sleep 0.2
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM HUP

# pam_wrapper keeps per-process copies of the PAM configuration in /tmp/pam.?
# (62 names, picked racily, shared with everything else on the machine): give
# the run a private /tmp of its own when a mount namespace can be had
# (not when something the run needs lives under /tmp: it would disappear)
under_tmp() {
	case "$1" in
	/tmp | /tmp/*) return 0 ;;
	esac
	return 1
}
private_tmp=${BENCH_PRIVATE_TMP:-1}
for p in "$work" "$FTPD" "$top" "${BENCH_OUT:-}" "$PY"; do
	under_tmp "$p" && private_tmp=0
done
oldifs=$IFS
IFS=:
for p in $PATH; do
	under_tmp "$p" && private_tmp=0
done
IFS=$oldifs
if [ "$(id -u)" -eq 0 ] && [ "$private_tmp" = 1 ] &&
	command -v unshare >/dev/null 2>&1 && unshare -m --propagation private true 2>/dev/null; then
	# shellcheck disable=SC2016  # expanded by the inner sh
	unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=1777,size=64m ftpdbench-tmp /tmp ||
			echo "bench: no private /tmp (mount failed)" >&2
		exec "$0" "$@"' "$PY" "$here/bench.py" &
else
	[ "$(id -u)" -ne 0 ] || [ "${BENCH_PRIVATE_TMP:-1}" != 1 ] ||
		echo "bench: no private /tmp (no mount namespace, or the run needs /tmp):" \
			"pam_wrapper shares /tmp/pam.? with the rest of the machine" >&2
	"$PY" "$here/bench.py" &
fi
pypid=$!
wait "$pypid"
rc=$?
pypid=
exit $rc
