#!/bin/sh
# mk/package-test.sh: `make package-test`, the Debian package end to end.
# Run as root.
#
#   sh mk/package-test.sh
#
# 1. Builds the binary package (debian/, `dpkg-buildpackage -us -uc -b`) from
#    a copy of this working tree (its tracked files and untracked ones git
#    does not ignore) in a temporary directory, and runs lintian over it:
#    no error may be reported.  debhelper, lintian, mmdebstrap and the
#    build dependencies are installed with apt-get when missing.
# 2. Builds a minimal Debian root (mmdebstrap --variant=minbase, from this
#    machine's apt sources as mk/fresh-root.sh does) holding curl, openssl,
#    systemd (never booted) and what the package and openbsd-inetd depend
#    on, with the .debs of openbsd-inetd and ftpd-ssl downloaded into it,
#    not installed.
# 3. In private mount, PID and network namespaces (loopback only: nothing
#    is fetched from here on), chroots into it and checks, as an
#    administrator would see it:
#    with an inetd: openbsd-inetd installed (apt-get install ./its.deb) and
#      Debian's ftpd-ssl, the legacy ftpd; apt-get install ./ftpd-tls.deb
#      removes ftpd-ssl, puts ftp and ftps lines in /etc/inetd.conf and
#      comments ftpd-ssl's line out; the ftp account, /srv/ftp and /etc/ftpusers exist; the
#      socket units stay disabled.  inetd started, curl logs in as a local
#      user over explicit (AUTH TLS, port 21) and implicit TLS (port 990),
#      uploads and downloads, and anonymously; last shows the sessions.
#      apt-get purge removes the lines, the PAM file, the configuration,
#      the binaries, the ftp account and /srv/ftp.
#    without an inetd (openbsd-inetd purged): the package enables
#      ftpd.socket and ftpsd.socket (systemctl is-enabled, offline), whose
#      units set MaxConnectionsPerSource=; purge disables and removes them.
# 4. Removes everything, also on failure or interruption.
#
# Prints each check, the time each step took, and last one line "N passed,
# N failed" (each check is one; a step that fails before its checks, such
# as the build or the bootstrap, is one failure).  Exits non-zero on any
# failure.  Needs about 600 MB under TMPDIR (default /tmp), on a file
# system that allows exec and device nodes.
#
# Environment: PACKAGE_TEST_SUITE (default bookworm); PACKAGE_TEST_MIRROR, a
# mirror URL, a "deb ..." line or a sources file for mmdebstrap instead of
# this machine's sources; PACKAGE_TEST_KEEP=1 keeps the work directory
# (its path is printed).  http_proxy and https_proxy reach mmdebstrap.
#
# Internally the script runs itself twice more: with --namespace ROOT inside
# the new namespaces (mounts, loopback, then chroot), and with --inside in
# the chroot.

set -u

SUITE=${PACKAGE_TEST_SUITE:-bookworm}
PKG=ftpd-tls
# in the root: the package's dependencies and openbsd-inetd's, and the tools
# of the checks (installing from a local .deb needs no network then)
INCLUDE=adduser,netbase,libpam-modules,libpam-runtime,libssl3,update-inetd,tcpd
INCLUDE=$INCLUDE,libwrap0,libbsd0,libevent-2.1-7,libtirpc3,systemd,curl,openssl,ca-certificates
BUILD_DEPS="dpkg-dev debhelper lintian mmdebstrap libpam0g-dev libssl-dev pkg-config make gcc"
SELF=/root/package-test.sh	# this script, copied into the root
RESULT=/root/package-test.result	# "P F" written by --inside
DEBS=/root/debs			# the packages the checks install, in the root
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() {
	echo "package-test: $*"
}

now() {
	date +%s
}

# --- inside the chroot: the checks -----------------------------------------------

passed=0
failed=0

# check WHAT CMD...: run CMD, count it, say how it went (its output on failure)
check() {
	what=$1
	shift
	if out=$("$@" 2>&1); then
		say "  ok: $what"
		passed=$((passed + 1))
		return 0
	fi
	say "  FAILED: $what"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/	/'
	failed=$((failed + 1))
	return 1
}

# listening PORT: is something listening on PORT (IPv4 or IPv6)?
listening() {
	hex=$(printf ':%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# wait_listening PORT: up to 10 seconds
wait_listening() {
	n=0
	while ! listening "$1"; do
		[ "$n" -ge 50 ] && return 1
		sleep 0.2
		n=$((n + 1))
	done
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null
}

apt_purge() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$@" </dev/null
}

# inetd_line SERVICE PROGRAM: an enabled line of /etc/inetd.conf for SERVICE runs PROGRAM
inetd_line() {
	grep -E "^$1[[:space:]]+stream[[:space:]]+tcp[[:space:]]+nowait[[:space:]]+root[[:space:]]+$2[[:space:]]" \
	    /etc/inetd.conf
}

no_inetd_line() {
	! grep -E "[[:space:]]$1([[:space:]]|\$)" /etc/inetd.conf
}

ftp_home_ok() {
	[ "$(getent passwd ftp | cut -d: -f6)" = /srv/ftp ] &&
	    [ "$(stat -c '%U:%G %a' /srv/ftp)" = "root:root 755" ]
}

gone() {
	for f in "$@"; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "$f is still there"
			return 1
		fi
	done
}

curl_tls() {
	curl -sS --max-time 30 --ssl-reqd -k -u "tester:$TESTER_PW" "$@"
}

both_listening() {
	wait_listening 21 && wait_listening 990
}

list_home() {
	curl_tls ftp://127.0.0.1/ | grep hello.txt
}

upload_download() {
	curl_tls -T /etc/os-release ftp://127.0.0.1/ &&
	    curl_tls -o /tmp/back ftp://127.0.0.1/os-release &&
	    cmp /etc/os-release /tmp/back && cmp /etc/os-release /home/tester/os-release
}

implicit_download() {
	curl_tls ftps://127.0.0.1/hello.txt | grep -x 'hello from the tester account'
}

anonymous_download() {
	curl -sS --max-time 30 ftp://127.0.0.1/README | grep -x 'served to anonymous users'
}

anonymous_refused() {
	out=$(curl -sS --max-time 30 ftp://127.0.0.1/README 2>&1)
	echo "$out"
	case $out in
	*"Access denied: 530"*) return 0 ;;
	esac
	return 1
}

wrong_password() {
	out=$(curl -sS --max-time 30 --ssl-reqd -k -u tester:wrong ftp://127.0.0.1/ 2>&1)
	echo "$out"
	case $out in
	*"Access denied: 530"*) return 0 ;;
	esac
	return 1
}

last_sessions() {
	last -w -i -f /var/log/wtmp
	last -w -i -f /var/log/wtmp | grep -E '^tester +ftp +127\.0\.0\.1 ' &&
	    last -w -i -f /var/log/wtmp | grep -E '^ftp +ftp +127\.0\.0\.1 ' &&
	    ! last -w -i -f /var/log/wtmp | grep still
}

with_inetd() {
	say "== with an inetd: openbsd-inetd, then $PKG"
	check "apt-get install ./openbsd-inetd.deb" apt_install "$DEBS"/openbsd-inetd_*.deb
	# the legacy server: Debian's ftpd-ssl (netkit's ftpd with TLS), which
	# registers "ftp ... /usr/sbin/tcpd /usr/sbin/in.ftpd" with update-inetd
	check "apt-get install ./ftpd-ssl.deb (the legacy ftpd)" apt_install "$DEBS"/ftpd-ssl_*.deb
	check "inetd.conf: ftpd-ssl's line" inetd_line ftp /usr/sbin/tcpd
	check "apt-get install ./$PKG.deb" apt_install "$DEBS/$PKG.deb"
	check "ftpd-ssl was removed (ftp-server conflicts)" sh -c \
	    "dpkg-query -W -f='\${Status}' ftpd-ssl | grep -q 'deinstall ok config-files'"
	grep -E 'ftp' /etc/inetd.conf | sed 's/^/	inetd.conf| /'
	check "inetd.conf: the ftp line runs /usr/sbin/ftpd" inetd_line ftp /usr/sbin/ftpd
	check "inetd.conf: the ftps line runs /usr/sbin/ftpsd" inetd_line ftps /usr/sbin/ftpsd
	check "inetd.conf: ftpd-ssl's line is commented out with #<ftpd-tls>#, not lost" \
	    sh -c "! grep -E '^ftp[[:space:]].*in\\.ftpd' /etc/inetd.conf &&
		grep -E '^#<ftpd-tls># ?ftp[[:space:]].*in\\.ftpd' /etc/inetd.conf"
	check "the ftp account, its home /srv/ftp root's" ftp_home_ok
	check "/etc/ftpusers lists root" grep -x root /etc/ftpusers
	check "the PAM file and ftpd.conf are conffiles" sh -c \
	    "dpkg-query -W -f='\${Conffiles}' $PKG | grep -q ' /etc/pam.d/ftp ' &&
		dpkg-query -W -f='\${Conffiles}' $PKG | grep -q ' /etc/ftpd/ftpd.conf '"
	check "the socket units are not enabled (inetd serves)" sh -c \
	    "! systemctl is-enabled ftpd.socket && ! systemctl is-enabled ftpsd.socket"
	check "logrotate for /var/log/xferlog" grep -q '^/var/log/xferlog' /etc/logrotate.d/$PKG

	# an administrator's set-up: a certificate, a local user, a file for anonymous users
	openssl req -x509 -nodes -days 2 -subj /CN=localhost -newkey rsa:2048 \
	    -keyout /etc/ftpd/key.pem -out /etc/ftpd/cert.pem >/dev/null 2>&1
	printf 'tls_cert_file /etc/ftpd/cert.pem\ntls_key_file /etc/ftpd/key.pem\nxferlog_enable yes\n' \
	    >>/etc/ftpd/ftpd.conf
	TESTER_PW=tester-pw-$$
	useradd -m -s /bin/sh tester && echo "tester:$TESTER_PW" | chpasswd
	echo 'hello from the tester account' >/home/tester/hello.txt
	chown tester: /home/tester/hello.txt
	echo 'served to anonymous users' >/srv/ftp/README
	[ -e /var/log/wtmp ] || install -m 0664 -g utmp /dev/null /var/log/wtmp
	: >/var/log/wtmp

	/usr/sbin/inetd
	check "inetd listens on ports 21 and 990" both_listening
	check "explicit TLS (AUTH TLS): a local user lists the home" list_home
	check "explicit TLS: upload, and download it back" upload_download
	check "implicit TLS (ftps, port 990): download" implicit_download
	check "anonymous refused: ftpd-ssl's /etc/ftpusers lists ftp and anonymous, as before" \
	    anonymous_refused
	sed -i '/^ftp$/d; /^anonymous$/d' /etc/ftpusers	# the administrator opens anonymous FTP
	check "anonymous download" anonymous_download
	check "a wrong password is refused" wrong_password
	sleep 1.1	# last(1): a logout in the current second is "still running"
	check "last shows the FTP sessions (tester and ftp, from 127.0.0.1)" last_sessions
	last -w -i -f /var/log/wtmp | sed 's/^/	last| /'
	check "the xferlog has the upload" grep -q 'os-release b _ i r tester ftp' /var/log/xferlog
	[ -f /run/inetd.pid ] && kill "$(cat /run/inetd.pid)"
	rm -f /srv/ftp/README

	check "apt-get purge $PKG" apt_purge "$PKG"
	grep -E 'ftp' /etc/inetd.conf | sed 's/^/	inetd.conf| /'
	check "inetd.conf: no line runs ftpd or ftpsd" sh -c \
	    "! grep -E '[[:space:]]/usr/sbin/ftps?d([[:space:]]|\$)' /etc/inetd.conf"
	check "the binaries, PAM file, configuration, units and logrotate file are gone" gone \
	    /usr/sbin/ftpd /usr/sbin/ftpsd /etc/pam.d/ftp /etc/ftpd/ftpd.conf \
	    /lib/systemd/system/ftpd.socket /etc/logrotate.d/$PKG /var/lib/$PKG
	check "/etc/ftpusers, which ftpd-ssl installed, is kept" test -f /etc/ftpusers
	check "the ftp account and the empty /srv/ftp are gone" sh -c \
	    "! getent passwd ftp && [ ! -e /srv/ftp ]"
	check "ftpd-ssl's line is still there, commented out" \
	    grep -E '^#<ftpd-tls># ?ftp[[:space:]].*in\.ftpd' /etc/inetd.conf
	check "apt-get purge ftpd-ssl leaves inetd.conf alone" sh -c \
	    "cp /etc/inetd.conf /tmp/inetd.conf.before && $(command -v apt-get) purge -y -q ftpd-ssl </dev/null &&
		cmp /etc/inetd.conf /tmp/inetd.conf.before"
}

without_inetd() {
	say "== without an inetd: the systemd socket units"
	check "apt-get purge openbsd-inetd" apt_purge openbsd-inetd
	rm -f /etc/inetd.conf	# an inetd.conf left behind would mean "an inetd is here"
	check "apt-get install ./$PKG.deb" apt_install "$DEBS/$PKG.deb"
	check "ftpd.socket and ftpsd.socket are enabled" sh -c \
	    "systemctl is-enabled ftpd.socket && systemctl is-enabled ftpsd.socket"
	check "the socket units set MaxConnectionsPerSource=" sh -c \
	    "grep -q '^MaxConnectionsPerSource=[1-9]' /lib/systemd/system/ftpd.socket &&
		grep -q '^MaxConnectionsPerSource=[1-9]' /lib/systemd/system/ftpsd.socket"
	check "systemd-analyze verify accepts the units" sh -c \
	    "! command -v systemd-analyze >/dev/null ||
		systemd-analyze verify --man=no /lib/systemd/system/ftpd.socket /lib/systemd/system/ftpsd.socket"
	check "no /etc/inetd.conf was created" gone /etc/inetd.conf
	check "/etc/ftpusers created (none was left) with the system accounts" grep -qx daemon /etc/ftpusers
	check "apt-get purge $PKG" apt_purge "$PKG"
	check "/etc/ftpusers, created by the package and unchanged, is gone" gone /etc/ftpusers
	check "the units are disabled and gone" sh -c \
	    "! systemctl is-enabled ftpd.socket; ! systemctl is-enabled ftpsd.socket;
		[ ! -e /lib/systemd/system/ftpd.socket ] &&
		[ -z \"\$(find /etc/systemd/system -name 'ftps*d*' 2>/dev/null)\" ]"
}

inside_main() {
	echo "0 1" >"$RESULT"
	with_inetd
	without_inetd
	echo "$passed $failed" >"$RESULT"
}

# --- in the new namespaces: mounts, loopback, then the chroot ------------------------

dev_node() {
	mknod -m 666 "$root/dev/$1" c "$2" "$3" 2>/dev/null && return 0
	: >"$root/dev/$1" && mount --bind "/dev/$1" "$root/dev/$1"
}

namespace_main() {
	root=$1
	ip link set lo up || exit 1
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
	ln -s /proc/self/fd "$root/dev/fd"
	ln -s /proc/self/fd/0 "$root/dev/stdin"
	ln -s /proc/self/fd/1 "$root/dev/stdout"
	ln -s /proc/self/fd/2 "$root/dev/stderr"
	mount -t tmpfs -o mode=1777,nosuid tmp "$root/tmp" || exit 1
	mount -t tmpfs -o mode=0755,nosuid run "$root/run" || exit 1
	chroot "$root" /usr/bin/env -i PATH="$PATH_IN" HOME=/root TERM="${TERM:-dumb}" \
	    LOGNAME=root USER=root LANG=C /bin/sh "$SELF" --inside
}

# --- on this machine: build, bootstrap, run, clean up ----------------------------------

# bg_wait and cleanup: mk/debroot.sh

# finish PASSED FAILED: clean up and print the last line
finish() {
	cleanup
	say "total $(($(now) - t_start))s"
	echo "$1 passed, $2 failed"
	[ "$2" -eq 0 ]
	exit
}

# copy_tree TOP DIR: TOP's tracked files and the untracked ones git does not
# ignore (what a commit would hold) into DIR
# shellcheck disable=SC2016 # "$f" is the inner sh's
copy_tree() {
	git -c safe.directory="$1" -C "$1" ls-files -z --cached --others --exclude-standard |
	    (cd "$1" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh) |
	    tar -C "$1" -cf - -T - | tar -C "$2" -xf -
}

missing_pkgs() {
	for p in $BUILD_DEPS; do
		case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" in
		*" ok installed") ;;
		*) printf '%s ' "$p" ;;
		esac
	done
}

host_main() {
	t_start=$(now)
	if [ "$(id -u)" -ne 0 ]; then
		say "must be run as root (it builds a Debian root and chroots into it)" >&2
		exit 1
	fi
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	top=$(cd "$(dirname "$0")/.." && pwd)
	# shellcheck source=mk/debroot.sh
	. "$top/mk/debroot.sh"
	KEEP=${PACKAGE_TEST_KEEP:-0}
	KEEP_NAME=PACKAGE_TEST_KEEP
	missing=$(missing_pkgs)
	if [ -n "$missing" ]; then
		say "installing: $missing"
		# shellcheck disable=SC2086 # the names, split on purpose
		if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; } \
		    </dev/null >/dev/null; then
			say "cannot install $missing"
			echo "0 passed, 1 failed"
			exit 1
		fi
	fi

	work=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-package-test.XXXXXX") || exit 1
	chmod 755 "$work"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	hp=0
	hf=0

	# --- 1. the package, and lintian
	say "== dpkg-buildpackage -us -uc -b"
	t0=$(now)
	mkdir "$work/src"
	if ! copy_tree "$top" "$work/src"; then
		say "cannot copy the tree"
		finish 0 1
	fi
	if ! (cd "$work/src" && dpkg-buildpackage -us -uc -b) </dev/null >"$work/build.log" 2>&1; then
		tail -n 40 "$work/build.log"
		say "  FAILED: dpkg-buildpackage"
		finish 0 1
	fi
	deb=$(ls "$work"/${PKG}_*.deb)
	say "  ok: dpkg-buildpackage built $(basename "$deb") ($(($(now) - t0))s)"
	hp=$((hp + 1))
	lintian --tag-display-limit 0 "$work"/${PKG}_*.changes >"$work/lintian.log" 2>&1
	sed 's/^/	lintian: /' "$work/lintian.log"
	if grep -q '^E: ' "$work/lintian.log"; then
		say "  FAILED: lintian reports errors"
		hf=1
	else
		say "  ok: lintian reports no error ($(grep -c '^W: ' "$work/lintian.log") warnings)"
		hp=$((hp + 1))
	fi

	# --- 2. the root
	set --
	if [ -n "${PACKAGE_TEST_MIRROR:-}" ]; then
		set -- "$PACKAGE_TEST_MIRROR"
	else
		host_sources "$work/host"
		[ -s "$work/host.list" ] && set -- "$@" "$work/host.list"
		[ -s "$work/host.sources" ] && set -- "$@" "$work/host.sources"
	fi
	host_aptconf "$work/apt.conf"
	aptopt=
	[ -s "$work/apt.conf" ] && aptopt=$work/apt.conf
	root=$work/root
	# no service starts in the root (openbsd-inetd's postinst would start inetd)
	# shellcheck disable=SC2016 # $1 is mmdebstrap's, for the hook
	policy_hook='printf "#!/bin/sh\nexit 101\n" >"$1/usr/sbin/policy-rc.d" && chmod 755 "$1/usr/sbin/policy-rc.d"'
	say "== mmdebstrap --variant=minbase $SUITE"
	t1=$(now)
	if ! bg_wait unshare --mount mmdebstrap --mode=root --variant=minbase --include="$INCLUDE" \
	    ${aptopt:+"--aptopt=$aptopt"} \
	    --customize-hook="mkdir -p \"\$1$DEBS\" && chroot \"\$1\" sh -c 'cd $DEBS && apt-get download -q openbsd-inetd ftpd-ssl'" \
	    --customize-hook="$policy_hook" \
	    "$SUITE" "$root" "$@" </dev/null >"$work/mmdebstrap.log" 2>&1; then
		tail -n 30 "$work/mmdebstrap.log"
		say "mmdebstrap failed"
		finish "$hp" $((hf + 1))
	fi
	say "bootstrap: $(($(now) - t1))s, $(du -sm "$root" | cut -f 1) MB"
	if ! cp "$deb" "$root$DEBS/$PKG.deb" || ! cp "$self" "$root$SELF"; then
		finish "$hp" $((hf + 1))
	fi

	# --- 3. the checks, offline
	t2=$(now)
	bg_wait unshare --mount --pid --net --fork --kill-child \
	    env --default-signal=INT,QUIT sh "$self" --namespace "$root"
	rc=$?
	say "checks in the root: $(($(now) - t2))s (status $rc)"
	# shellcheck disable=SC2046 # "P F" into two words on purpose
	set -- $(cat "$root$RESULT" 2>/dev/null)
	if [ $# -ne 2 ]; then
		say "the run in the root reported nothing"
		set -- 0 1
	fi
	finish $((hp + $1)) $((hf + $2))
}

case "${1:-}" in
--inside) inside_main ;;
--namespace) namespace_main "$2" ;;
*) host_main ;;
esac
