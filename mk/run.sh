#!/bin/sh
# mk/run.sh FTPD: `make run`, a working demo of ftpd on 127.0.0.1:2121.
#
# Builds a throwaway world in a temporary directory and runs FTPD -D in the
# foreground inside it:
#   - a user database for nss_wrapper (root, nobody, the anonymous account ftp
#     and a test account demo, uid 2000), so no system account is touched;
#   - a PAM service "ftp" for pam_wrapper that checks passwords with
#     pam_matrix against a file holding demo:demo, so logins go through real
#     PAM calls without /etc/pam.d;
#   - an anonymous tree (pub/README), demo's home (hello.txt), an empty
#     directory for the control process, the ftpusers/ftpchroot/shells/
#     welcome/motd files and an ftpd.conf that points at all of them.
# Ctrl-C stops the server and removes the directory.  No system file changes.
#
# Needs root (ftpd starts as root to drop privileges per session), and the
# Debian packages libpam-wrapper and libnss-wrapper: if they are missing,
# mk/deps.sh installs the project's test packages.
#
# Environment: FTPD_RUN_PORT=port to use another port than 2121.

set -u

ftpd=${1:-build/ftpd}
host=127.0.0.1
port=${FTPD_RUN_PORT:-2121}
DEMO_UID=2000
ANON_UID=2100
NOBODY_UID=65534

die() {
	echo "run: $*" >&2
	exit 1
}

case "$port" in
'' | *[!0-9]*) die "FTPD_RUN_PORT must be a port number" ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "run: ftpd must be started as root: it needs root to log users in and" >&2
	echo "run: drops it in every process that talks to the client." >&2
	echo "run: run 'make run' as root (it changes no system file)." >&2
	exit 1
fi
case "$ftpd" in
/*) ;;
*) ftpd=$(pwd)/$ftpd ;;
esac
[ -x "$ftpd" ] || die "$ftpd does not exist; build it with make"

# find_lib NAME: the full path of NAME (a file of libpam-wrapper or
# libnss-wrapper), from dpkg, else ldconfig, else the usual directories.
find_lib() {
	f=$(dpkg -L libpam-wrapper libnss-wrapper 2>/dev/null | grep "/$1\$" | head -n 1)
	if [ -z "$f" ] && command -v ldconfig >/dev/null 2>&1; then
		f=$(ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n { print $NF; exit }')
	fi
	if [ -z "$f" ]; then
		for f in /usr/lib/*/"$1" /usr/lib/*/pam_wrapper/"$1" /usr/lib64/"$1" \
		    /usr/lib64/pam_wrapper/"$1" /usr/lib/"$1" /usr/lib/pam_wrapper/"$1"; do
			[ -f "$f" ] && break
			f=
		done
	fi
	[ -n "$f" ] && [ -f "$f" ] && echo "$f"
}

find_all() {
	pam_wrapper=$(find_lib libpam_wrapper.so)
	nss_wrapper=$(find_lib libnss_wrapper.so)
	pam_matrix=$(find_lib pam_matrix.so)
}

find_all
if [ -z "$pam_wrapper" ] || [ -z "$nss_wrapper" ] || [ -z "$pam_matrix" ] ||
    ! command -v curl >/dev/null 2>&1 || ! command -v lftp >/dev/null 2>&1; then
	if [ -f mk/deps.sh ]; then
		echo "run: installing missing packages (mk/deps.sh)"
		sh mk/deps.sh || echo "run: mk/deps.sh failed; going on with what is there" >&2
		find_all
	fi
fi
[ -n "$pam_wrapper" ] || die "libpam_wrapper.so not found: install the Debian package libpam-wrapper"
[ -n "$pam_matrix" ] || die "pam_matrix.so not found: install the Debian package libpam-wrapper"
[ -n "$nss_wrapper" ] || die "libnss_wrapper.so not found: install the Debian package libnss-wrapper"

# Is something already listening on TCP port $1?
port_busy() {
	hex=$(printf ':%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}
if port_busy "$port"; then
	die "port $port is in use; stop what listens there or set FTPD_RUN_PORT"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-run.XXXXXX") || die "mktemp failed"
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
chmod 755 "$tmp" || exit 1

# --- accounts (nss_wrapper) and passwords (pam_wrapper + pam_matrix) ----------
mkdir -p "$tmp/empty" "$tmp/etc" "$tmp/pam.d" "$tmp/anon/pub" "$tmp/home/demo" || exit 1
cat >"$tmp/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
nobody:x:$NOBODY_UID:$NOBODY_UID:nobody:/nonexistent:/usr/sbin/nologin
ftp:x:$ANON_UID:$ANON_UID:anonymous FTP:$tmp/anon:/usr/sbin/nologin
demo:x:$DEMO_UID:$DEMO_UID:ftpd demo user:$tmp/home/demo:/bin/sh
EOF
cat >"$tmp/group" <<EOF
root:x:0:
nogroup:x:$NOBODY_UID:
ftp:x:$ANON_UID:
demo:x:$DEMO_UID:
EOF
echo "demo:demo:ftp" >"$tmp/passdb"
chmod 600 "$tmp/passdb"
for t in auth account password session; do
	printf '%s\trequired\t%s passdb=%s\n' "$t" "$pam_matrix" "$tmp/passdb"
done >"$tmp/pam.d/ftp"
# every other service is refused (pam_wrapper wants an "other")
deny=
for f in /usr/lib/*/security/pam_deny.so /lib/*/security/pam_deny.so \
    /usr/lib64/security/pam_deny.so /lib64/security/pam_deny.so; do
	if [ -f "$f" ]; then
		deny=$f
		break
	fi
done
if [ -n "$deny" ]; then
	for t in auth account password session; do
		printf '%s\trequired\t%s\n' "$t" "$deny"
	done >"$tmp/pam.d/other"
fi

# --- the policy files ftpd reads ----------------------------------------------
printf '# users who may not log in\nroot\n' >"$tmp/etc/ftpusers"
printf '# users chrooted to their home directory\ndemo\n' >"$tmp/etc/ftpchroot"
printf '/bin/sh\n' >"$tmp/etc/shells"
printf 'Welcome to the ftpd demo server.\n' >"$tmp/etc/ftpwelcome"
printf 'This is a throwaway demo: everything here goes away with Ctrl-C.\n' >"$tmp/etc/motd"

# --- what is served -------------------------------------------------------------
printf 'This file is served to anonymous users from pub/README.\n' >"$tmp/anon/pub/README"
printf 'hello from the demo account\n' >"$tmp/home/demo/hello.txt"
chown -R "$DEMO_UID:$DEMO_UID" "$tmp/home/demo"
# the anonymous tree stays root's: anonymous users can read it, not change it
chmod 755 "$tmp/empty" "$tmp/anon" "$tmp/anon/pub" "$tmp/home" "$tmp/home/demo"

cat >"$tmp/ftpd.conf" <<EOF
# ftpd.conf for the make run demo
pam_service ftp
nopriv_user nobody
empty_dir $tmp/empty
anon_user ftp
ftpusers_file $tmp/etc/ftpusers
ftpchroot_file $tmp/etc/ftpchroot
shells_file $tmp/etc/shells
nologin_file $tmp/etc/nologin
welcome_file $tmp/etc/ftpwelcome
motd_file $tmp/etc/motd
login_delay 1
log_sessions 1
xferlog_enable yes
xferlog_file $tmp/xferlog
wtmp_enable no
EOF

# FTP over TLS with a throwaway self-signed certificate, when openssl is here.
tls=no
if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -nodes -days 30 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:$host" -newkey rsa:2048 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
	printf 'tls_cert_file %s\ntls_key_file %s\n' "$tmp/cert.pem" "$tmp/key.pem" \
	    >>"$tmp/ftpd.conf"
	tls=yes
fi

# A sanitizer build (make SAN=1) needs the wrappers loaded without RTLD_DEEPBIND.
SAN_ENV=
if grep -q __asan_init "$ftpd" 2>/dev/null; then
	SAN_ENV="ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
PAM_WRAPPER_DISABLE_DEEPBIND=1 NSS_WRAPPER_DISABLE_DEEPBIND=1"
fi

upload=/etc/os-release
[ -f "$upload" ] || upload=/etc/hostname
url="ftp://$host:$port"

if [ "$tls" = yes ]; then
	# local logins need TLS (tls_required auto); -k: the certificate is self-signed
	curl="curl --ssl-reqd -k"
	lftp_set="set ssl:verify-certificate no; set ftp:ssl-force yes; set ftp:ssl-protect-data yes;"
	tls_note="explicit FTP over TLS (AUTH TLS), self-signed certificate $tmp/cert.pem"
else
	curl="curl"
	lftp_set="set ftp:ssl-allow no;"
	tls_note="plain FTP only (openssl was not found to make a certificate)"
fi

cat <<EOF
ftpd demo: $ftpd on $host port $port, files in $tmp
  local user:  demo, password demo (chrooted to its home, which holds hello.txt)
  anonymous:   user ftp or anonymous, any password (pub/README)
  security:    $tls_note

Try from another terminal:
  $curl ftp://demo:demo@$host:$port/
  $curl ftp://demo:demo@$host:$port/hello.txt
  $curl -T $upload ftp://demo:demo@$host:$port/
  curl $url/pub/README
  lftp -u demo,demo -e '$lftp_set ls; bye' $url

Transfers are logged in $tmp/xferlog.  Ctrl-C stops the server.

EOF

# Not exec: the shell stays to remove $tmp when the server ends.
# shellcheck disable=SC2086 # SAN_ENV is split into words on purpose
env LD_PRELOAD="$pam_wrapper:$nss_wrapper" \
    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/pam.d" \
    NSS_WRAPPER_PASSWD="$tmp/passwd" NSS_WRAPPER_GROUP="$tmp/group" \
    $SAN_ENV \
    "$ftpd" -D -d -f "$tmp/ftpd.conf" -o listen_address="$host" \
    -o listen_port="$port" -o foreground=yes
status=$?
echo "run: ftpd exited with status $status"
exit "$status"
