#!/bin/sh
# mk/fresh-root.sh: `make fresh-root-check`, the README's two commands on a
# machine that has nothing but what a user starts from.  Run as root.
#
#   sh mk/fresh-root.sh
#
# 1. Builds a minimal Debian root (mmdebstrap --variant=minbase, installed
#    with apt-get if missing) in a temporary directory, with only
#    build-essential, git, python3 and ca-certificates added: what the README
#    assumes a user has.  The packages come from the apt sources this machine
#    uses (its entries for the suite, with its Acquire:: settings such as
#    proxies or Check-Valid-Until), else from deb.debian.org.
# 2. Clones this checkout's HEAD into it (/root/ftpd) with git: only committed
#    files count, so a file that was never committed makes the check fail.
# 3. In a private mount and PID namespace, with a /proc, /sys, a /dev of its
#    own (a tmpfs with the usual nodes, devpts and /dev/shm: the integration
#    tests bind a syslog stand-in at /dev/log, which must not be this
#    machine's) and a tmpfs /tmp, chroots into it and runs there:
#      - `make run` in the background, which must install what it needs,
#        build and serve the demo on 127.0.0.1:2121: a TLS listing, download
#        and upload as demo with curl, an lftp listing and an anonymous
#        download must work, and after a SIGTERM (a Ctrl-C cannot be sent to
#        a background job) the server must be gone and its temporary
#        directory removed.  This smoke test counts as one test.
#      - `make check`, with the words of FRESH_ROOT_CHECK_ARGS as extra make
#        arguments (e.g. FUZZ_SECONDS=2).
# 4. Removes the root, also on failure or interruption: every mount was made
#    in a namespace that ends with the run, and every process in it goes too.
#
# Prints the inner make check's own summary, the time each step took, and
# last one line "N passed, N failed": make check's counts plus the smoke
# test; a step that fails before counting (bootstrap, clone) is one failure.
# Exits non-zero on any failure.
#
# The root shares this machine's network (apt must reach the mirror), so
# port 2121 (FTPD_RUN_PORT) must be free here.  It needs about 1.5 GB under
# TMPDIR (default /tmp), on a file system that allows exec and device nodes.
#
# Environment: FRESH_ROOT_SUITE (default bookworm); FRESH_ROOT_MIRROR, a
# mirror URL, a "deb ..." line or a sources file for mmdebstrap instead of
# this machine's sources; FRESH_ROOT_CHECK_ARGS; FRESH_ROOT_RUN_WAIT, how long
# make run may take to install, build and listen (default 1800 seconds);
# FRESH_ROOT_KEEP=1 keeps the root (its path is printed) for a look inside.
# http_proxy, https_proxy and no_proxy are passed on into the root.
#
# Internally the script runs itself twice more: with --namespace ROOT inside
# the new namespaces (mounts, then chroot), and with --inside in the chroot.

set -u

SUITE=${FRESH_ROOT_SUITE:-bookworm}
INCLUDE=build-essential,git,python3,ca-certificates
SRC=/root/ftpd			# where the checkout is cloned, inside the root
SELF=/root/fresh-root.sh	# this script, copied into the root
RESULT=/root/fresh-root.result	# "P F" written by --inside
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() {
	echo "fresh-root: $*"
}

now() {
	date +%s
}

# --- inside the chroot: the smoke test and make check ---------------------------

# listening PORT: is something listening on 127.0.0.1 or any address at PORT?
listening() {
	hex=$(printf ':%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# alive PID: PID exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# ftpd_pids: the ftpd processes in this PID namespace (only the root's)
ftpd_pids() {
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = ftpd ] && echo "${d#/proc/}"
	done
}

# smoke_check WHAT CMD...: run CMD (a test of the demo server), say how it went
smoke_check() {
	what=$1
	shift
	if out=$("$@" 2>&1); then
		say "  ok: $what"
		return 0
	fi
	say "  FAILED: $what"
	printf '%s\n' "$out" | sed 's/^/	/'
	smoke_failed=$((smoke_failed + 1))
	return 1
}

# the checks against the running demo (the commands the README shows)
demo_checks() {
	base="ftp://demo:demo@127.0.0.1:$port"
	curl="curl -sS --max-time 60 --ssl-reqd -k"
	smoke_check "curl --ssl-reqd -k $base/ lists hello.txt" \
	    sh -c "$curl '$base/' | grep hello.txt"
	smoke_check "TLS download of hello.txt" \
	    sh -c "$curl '$base/hello.txt' | grep -x 'hello from the demo account'"
	smoke_check "TLS upload of /etc/os-release, and back" \
	    sh -c "$curl -T /etc/os-release '$base/' && $curl -o /tmp/os-release.back '$base/os-release' &&
		cmp /etc/os-release /tmp/os-release.back"
	smoke_check "anonymous download of pub/README" \
	    sh -c "curl -sS --max-time 60 'ftp://127.0.0.1:$port/pub/README' | grep 'served to anonymous users'"
	# (on one line: lftp makes -e and the site one command line, which a newline ends)
	lftp_set="set ssl:verify-certificate no; set ftp:ssl-force yes; set ftp:ssl-protect-data yes;"
	lftp_set="$lftp_set set net:max-retries 1; set net:timeout 30;"
	smoke_check "lftp over TLS lists hello.txt" \
	    sh -c "lftp -u demo,demo -e '$lftp_set ls; bye' 'ftp://127.0.0.1:$port' | grep hello.txt"
}

# smoke_test: `make run` in the background, the checks, then stop it.
# Sets smoke_failed (0 = passed).
smoke_test() {
	smoke_failed=0
	port=${FTPD_RUN_PORT:-2121}
	limit=${FRESH_ROOT_RUN_WAIT:-1800}
	log=/tmp/make-run.log
	if listening "$port"; then
		say "port $port is in use (the root shares this machine's network); free it or set FTPD_RUN_PORT"
		smoke_failed=1
		return
	fi
	: >"$log"
	# setsid: its own process group, so that one kill reaches make, run.sh and ftpd
	setsid make run </dev/null >>"$log" 2>&1 &
	run_pid=$!
	# its output as it comes, line by line; tail ends once make run has ended
	tail -n +1 -f --pid="$run_pid" "$log" | sed -u 's/^/make run| /' &
	tail_pid=$!
	waited=0
	why=
	while ! listening "$port"; do
		if ! alive "$run_pid"; then
			why="make run ended before the server listened on port $port"
			break
		fi
		if [ "$waited" -ge "$limit" ]; then
			why="nothing listens on port $port after ${limit}s"
			break
		fi
		sleep 2
		waited=$((waited + 2))
	done
	if [ -z "$why" ]; then
		sleep 1
		say "the demo server listens on port $port (after ${waited}s); checking it"
		demo_checks
	fi

	# Stop it as Ctrl-C would, with SIGTERM to the whole group (dash's kill
	# takes no "--": a negative number after the signal is a process group).
	kill -TERM "-$run_pid"
	n=0
	while alive "$run_pid" && [ "$n" -lt 30 ]; do
		sleep 1
		n=$((n + 1))
	done
	# run.sh removes its directory after ftpd has gone; give it a moment
	n=0
	while { [ -n "$(ftpd_pids)" ] || ls -d /tmp/ftpd-run.* >/dev/null 2>&1; } && [ "$n" -lt 20 ]; do
		sleep 1
		n=$((n + 1))
	done
	left=$(ftpd_pids)
	still=no
	alive "$run_pid" && still=yes
	kill -KILL "-$run_pid" 2>/dev/null
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
	wait "$tail_pid"	# all of make run's output is out
	wait "$run_pid"
	st=$?
	if [ -n "$why" ]; then
		say "  FAILED: $why (status $st)"
		smoke_failed=1
	elif [ "$still" = yes ] || [ -n "$left" ]; then
		say "  FAILED: make run and ftpd stop on SIGTERM (still running after 30s: make $still, ftpd ${left:-none})"
		smoke_failed=$((smoke_failed + 1))
	elif listening "$port"; then
		say "  FAILED: port $port is still in use after make run ended"
		smoke_failed=$((smoke_failed + 1))
	elif ls -d /tmp/ftpd-run.* >/dev/null 2>&1; then
		say "  FAILED: make run left its directory behind: $(ls -d /tmp/ftpd-run.*)"
		smoke_failed=$((smoke_failed + 1))
	else
		say "  ok: SIGTERM stops make run and the server, and its directory is removed"
	fi
	wait 2>/dev/null
}

inside_main() {
	cd "$SRC" || exit 1
	echo "0 1" >"$RESULT"	# until there is something better to say

	say "== make run (the demo server, as a smoke test)"
	t0=$(now)
	smoke_test
	t1=$(now)
	if [ "$smoke_failed" -eq 0 ]; then
		smoke="passed"
	else
		smoke="FAILED"
	fi
	say "make run smoke test: $smoke ($((t1 - t0))s)"

	say "== make check ${FRESH_ROOT_CHECK_ARGS:-}"
	# shellcheck disable=SC2086 # the words of FRESH_ROOT_CHECK_ARGS, split on purpose
	{ make check ${FRESH_ROOT_CHECK_ARGS:-} </dev/null 2>&1; echo $? >/tmp/check.rc; } |
	    tee /tmp/check.log
	t2=$(now)
	rc=$(cat /tmp/check.rc 2>/dev/null || echo 1)
	# shellcheck disable=SC2046 # "P F" into two words on purpose
	set -- $(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\1 \2/p' /tmp/check.log | tail -n 1)
	if [ $# -eq 2 ]; then
		p=$1
		f=$2
		say "make check: $p passed, $f failed (status $rc, $((t2 - t1))s)"
	else
		p=0
		f=0
		say "make check: no summary line (status $rc, $((t2 - t1))s)"
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$smoke_failed" -eq 0 ]; then
		p=$((p + 1))
	else
		f=$((f + 1))
	fi
	echo "$p $f" >"$RESULT"
}

# --- in the new mount and PID namespaces: mounts, then the chroot -----------------

# dev_node NAME MAJOR MINOR: /dev/NAME in the root, or this machine's bound on it
dev_node() {
	mknod -m 666 "$root/dev/$1" c "$2" "$3" 2>/dev/null && return 0
	: >"$root/dev/$1" && mount --bind "/dev/$1" "$root/dev/$1"
}

namespace_main() {
	root=$1
	# The mounts are private to this namespace (unshare's default) and go away
	# with it; the shell stays PID 1 and reaps orphans while it waits for chroot.
	mount -t proc proc "$root/proc" || exit 1
	mount -t sysfs sysfs "$root/sys" 2>/dev/null || mount --rbind /sys "$root/sys" || exit 1
	mount -t tmpfs -o mode=0755,nosuid dev "$root/dev" || exit 1
	for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
		# shellcheck disable=SC2086 # NAME MAJOR MINOR
		dev_node $n || exit 1
	done
	mkdir -m 0755 "$root/dev/pts" && mkdir -m 1777 "$root/dev/shm" || exit 1
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts" || exit 1
	ln -s pts/ptmx "$root/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm" || exit 1
	ln -s /proc/self/fd "$root/dev/fd"
	ln -s /proc/self/fd/0 "$root/dev/stdin"
	ln -s /proc/self/fd/1 "$root/dev/stdout"
	ln -s /proc/self/fd/2 "$root/dev/stderr"
	mount -t tmpfs -o mode=1777,nosuid tmp "$root/tmp" || exit 1

	# A clean environment, as after a login; only the proxies and this
	# script's own settings come along.
	set -- PATH="$PATH_IN" HOME=/root TERM="${TERM:-dumb}" LOGNAME=root USER=root
	for v in http_proxy https_proxy no_proxy FTPD_RUN_PORT FRESH_ROOT_CHECK_ARGS FRESH_ROOT_RUN_WAIT; do
		eval "val=\${$v-}"
		# shellcheck disable=SC2154 # val is set by the eval
		[ -n "$val" ] && set -- "$@" "$v=$val"
	done
	chroot "$root" /usr/bin/env -i "$@" /bin/sh "$SELF" --inside
}

# --- on this machine: bootstrap, clone, run, clean up -----------------------------

# bg_wait and cleanup: mk/debroot.sh

# finish PASSED FAILED: clean up and print the last line
finish() {
	cleanup
	t_end=$(now)
	say "total $((t_end - t_start))s"
	echo "$1 passed, $2 failed"
	[ "$2" -eq 0 ]
	exit
}

host_main() {
	t_start=$(now)
	if [ "$(id -u)" -ne 0 ]; then
		say "must be run as root (it builds a Debian root with mmdebstrap and chroots into it)" >&2
		exit 1
	fi
	for c in git unshare chroot mount awk; do
		if ! command -v "$c" >/dev/null 2>&1; then
			say "$c not found" >&2
			exit 1
		fi
	done
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	top=$(cd "$(dirname "$0")/.." && pwd)
	# shellcheck source=mk/debroot.sh
	. "$top/mk/debroot.sh"
	KEEP=${FRESH_ROOT_KEEP:-0}
	KEEP_NAME=FRESH_ROOT_KEEP
	if ! git -c safe.directory="$top" -C "$top" rev-parse --verify -q HEAD >/dev/null; then
		say "$top is not a git checkout with a commit" >&2
		exit 1
	fi
	if [ -n "$(git -c safe.directory="$top" -C "$top" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		say "note: the working tree has uncommitted changes; only committed files are tested"
	fi

	if ! command -v mmdebstrap >/dev/null 2>&1; then
		say "installing mmdebstrap"
		if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap; } </dev/null; then
			say "cannot install mmdebstrap"
			echo "0 passed, 1 failed"
			exit 1
		fi
	fi

	work=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-fresh-root.XXXXXX") || exit 1
	chmod 755 "$work"	# apt downloads as _apt, which must reach the root
	root=$work/root
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP

	# --- the apt sources (as mmdebstrap's MIRROR arguments) and settings of this machine
	set --
	if [ -n "${FRESH_ROOT_MIRROR:-}" ]; then
		set -- "$FRESH_ROOT_MIRROR"
	else
		host_sources "$work/host"
		[ -s "$work/host.list" ] && set -- "$@" "$work/host.list"
		[ -s "$work/host.sources" ] && set -- "$@" "$work/host.sources"
		if [ $# -eq 0 ]; then
			say "no apt source for $SUITE on this machine: using deb.debian.org"
		fi
	fi
	host_aptconf "$work/apt.conf"
	aptopt=
	[ -s "$work/apt.conf" ] && aptopt=$work/apt.conf

	# --- 1. the root
	say "== mmdebstrap --variant=minbase --include=$INCLUDE $SUITE"
	t0=$(now)
	# its own mount namespace: nothing it mounts can outlive it
	if ! bg_wait unshare --mount mmdebstrap --mode=root --variant=minbase --include="$INCLUDE" \
	    ${aptopt:+"--aptopt=$aptopt"} "$SUITE" "$root" "$@" </dev/null; then
		say "mmdebstrap failed"
		finish 0 1
	fi
	t1=$(now)
	say "bootstrap: $((t1 - t0))s, $(du -sm "$root" | cut -f 1) MB"

	# --- 2. the checkout's HEAD
	if ! git -c safe.directory="$top" -c safe.directory="$top/.git" -c advice.detachedHead=false \
	    clone -q --no-hardlinks "$top" "$root$SRC" </dev/null; then
		say "git clone of $top failed"
		finish 0 1
	fi
	say "testing commit $(git -C "$root$SRC" log -1 --format='%H: %s')"
	cp "$self" "$root$SELF" || finish 0 1

	# --- 3. make run and make check inside (env: a background job starts with
	# SIGINT and SIGQUIT ignored, which the tests and make run must not inherit)
	bg_wait unshare --mount --pid --fork --kill-child \
	    env --default-signal=INT,QUIT sh "$self" --namespace "$root"
	rc=$?
	t2=$(now)
	say "make run and make check in the root: $((t2 - t1))s (status $rc); the root grew to $(du -sm "$root" | cut -f 1) MB"
	# shellcheck disable=SC2046 # "P F" into two words on purpose
	set -- $(cat "$root$RESULT" 2>/dev/null)
	if [ $# -ne 2 ]; then
		say "the run in the root reported nothing"
		set -- 0 1
	elif [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
		set -- "$1" 1
	fi
	finish "$1" "$2"
}

case "${1:-}" in
--inside) inside_main ;;
--namespace) namespace_main "$2" ;;
*) host_main ;;
esac
