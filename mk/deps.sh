#!/bin/sh
# mk/deps.sh: make sure the Debian packages that building and testing ftpd need
# are installed.  Run by `make check` (and `make deps`).
#
# Installs only what is missing, with apt-get, non-interactively ("apt-get update"
# once first).  Needs root for that; without root it lists what is missing and
# exits non-zero.  Set FTPD_NO_DEPS=1 to skip this step entirely.

set -u

# Installed without Recommends, so everything used is named here (mk/fresh-root.sh
# checks that in a minimal root): libclang-rt-14-dev holds clang's libFuzzer
# and sanitizer runtimes for make fuzz, which clang only recommends; rclone and
# ftp-ssl are FTP clients the integration tests drive; fail2ban's
# fail2ban-regex checks the shipped filter (test_fail2ban.py); libwrap0,
# libbsd0 and libevent-2.1-7 are what the inetd of openbsd-inetd links, which
# the tests unpack from its package (it conflicts with xinetd) and run.
PKGS="build-essential gcc make pkg-config libpam0g-dev libssl-dev
libpam-wrapper libnss-wrapper pamtester xinetd curl lftp wget rclone ftp-ssl
python3 python3-pytest mandoc openssl clang libclang-rt-14-dev cppcheck
clang-tidy valgrind fail2ban libwrap0 libbsd0 libevent-2.1-7"

if [ "${FTPD_NO_DEPS:-0}" = 1 ]; then
	echo "deps: skipped (FTPD_NO_DEPS=1)"
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: this is not a Debian system (no dpkg-query/apt-get)." >&2
	echo "deps: install by hand the equivalents of: $(echo "$PKGS" | tr '\n' ' ')" >&2
	echo "deps: then run make check with FTPD_NO_DEPS=1" >&2
	exit 1
fi

missing_pkgs() {
	for p in $PKGS; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case "$st" in
		*" ok installed") ;;
		*) printf '%s ' "$p" ;;
		esac
	done
}

missing=$(missing_pkgs)
if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: $missing" >&2
	echo "deps: installing them needs root; run as root:" >&2
	echo "deps:     apt-get update && apt-get install -y $missing" >&2
	echo "deps: or run 'make check' as root (it installs them itself)." >&2
	exit 1
fi

echo "deps: installing: $missing"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS="-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

if ! apt-get update -q </dev/null; then
	echo "deps: apt-get update failed" >&2
	exit 1
fi
# shellcheck disable=SC2086
if ! apt-get install $APT_OPTS --no-install-recommends $missing </dev/null; then
	echo "deps: apt-get install failed for: $missing" >&2
	exit 1
fi

still=$(missing_pkgs)
if [ -n "$still" ]; then
	echo "deps: still missing after apt-get install: $still" >&2
	exit 1
fi
echo "deps: all packages installed"
exit 0
