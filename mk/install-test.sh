#!/bin/sh
# mk/install-test.sh: check `make install` and `make uninstall`; run from the
# top of the tree, after `make`.
#
#   sh mk/install-test.sh
#
# Installs into a temporary DESTDIR with PREFIX=/usr (PREFIX may be set in the
# environment), then checks that:
#   1. exactly the expected files are there: sbin/ftpd and sbin/ftpsd (mode
#      0755), every page of man/ in its section directory (0644) and
#      man8/ftpsd.8 (a link to ftpd.8), the PAM file and ftpd.conf under
#      SYSCONFDIR (also inside DESTDIR), every file of examples/ under
#      share/doc/ftpd/examples (0644), and nothing else;
#   2. the installed pages pass `mandoc -Tlint -W warning` (if mandoc exists);
#   3. a second install keeps an edited ftpd.conf, and uninstall keeps it too
#      but removes the unchanged PAM file;
#   4. after removing the edited file, `make uninstall` with the same DESTDIR
#      and PREFIX leaves no file behind.
# BUILD (default build) names the build directory; its ftpd and ftpsd are
# installed as they are (make -o: nothing is rebuilt), or built first with
# `make` when missing.  Prints each problem; ends with "install-test: ok" or
# exits non-zero.

set -u
LC_ALL=C
export LC_ALL

MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
PREFIX=${PREFIX:-/usr}
SYSCONFDIR=/etc

problems=0
problem() {
	echo "install-test: $*"
	problems=$((problems + 1))
}

[ -f mk/rules.mk ] || { echo "install-test: run from the top of the tree" >&2; exit 1; }
if [ ! -x "$BUILD/ftpd" ] || [ ! -x "$BUILD/ftpsd" ]; then
	$MAKE --no-print-directory BUILD="$BUILD" all >/dev/null || {
		echo "install-test: cannot build $BUILD/ftpd and $BUILD/ftpsd" >&2
		exit 1
	}
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
dest=$tmp/root

# run_make TARGET: make TARGET into $dest, output in $tmp/make.log
run_make() {
	if ! $MAKE --no-print-directory -o "$BUILD/ftpd" -o "$BUILD/ftpsd" "$1" \
	    BUILD="$BUILD" DESTDIR="$dest" PREFIX="$PREFIX" SYSCONFDIR="$SYSCONFDIR" \
	    >"$tmp/make.log" 2>&1; then
		problem "make $1 failed:"
		sed 's/^/	/' "$tmp/make.log"
		return 1
	fi
}

# mode_of PATH: its permission bits in octal, e.g. 755
mode_of() {
	stat -c %a "$1"
}

# --- 1. install and the tree ---------------------------------------------------
run_make install || exit 1

# What must be there: the binaries, every page in man/ (by section), ftpsd.8
# linking to ftpd.8, the PAM file, ftpd.conf, every file in examples/.
doc=$PREFIX/share/doc/ftpd
man=$PREFIX/share/man
{
	echo "$PREFIX/sbin/ftpd 755"
	echo "$PREFIX/sbin/ftpsd 755"
	for page in man/*.[0-9]; do
		echo "$man/man${page##*.}/${page#man/} 644"
	done
	echo "$man/man8/ftpsd.8 link"
	echo "$SYSCONFDIR/pam.d/ftp 644"
	echo "$SYSCONFDIR/ftpd/ftpd.conf 644"
	find examples -type f | sort | sed "s|^|$doc/|; s|\$| 644|"
} >"$tmp/expected"

while read -r path want; do
	f=$dest$path
	if [ "$want" = link ]; then
		if [ ! -L "$f" ]; then
			problem "$path: missing or not a symbolic link"
		elif [ "$(readlink "$f")" != ftpd.8 ] || [ ! -f "$f" ]; then
			problem "$path: links to '$(readlink "$f")', not to ftpd.8"
		fi
	elif [ ! -f "$f" ] || [ -L "$f" ]; then
		problem "$path: missing (or not a regular file)"
	elif [ "$(mode_of "$f")" != "$want" ]; then
		problem "$path: mode $(mode_of "$f"), expected $want"
	fi
done <"$tmp/expected"

(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort) >"$tmp/found"
cut -d ' ' -f 1 "$tmp/expected" | sort >"$tmp/want"
comm -13 "$tmp/want" "$tmp/found" | while read -r extra; do
	echo "install-test: unexpected file $extra"
done >"$tmp/extra"
if [ -s "$tmp/extra" ]; then
	cat "$tmp/extra"
	problems=$((problems + 1))
fi

cmp -s pam/ftp "$dest$SYSCONFDIR/pam.d/ftp" ||
    problem "$SYSCONFDIR/pam.d/ftp differs from pam/ftp"
cmp -s examples/ftpd.conf "$dest$SYSCONFDIR/ftpd/ftpd.conf" ||
    problem "$SYSCONFDIR/ftpd/ftpd.conf differs from examples/ftpd.conf"
for b in ftpd ftpsd; do
	cmp -s "$BUILD/$b" "$dest$PREFIX/sbin/$b" || problem "$PREFIX/sbin/$b differs from $BUILD/$b"
done

# --- 2. mandoc on the installed pages --------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	# shellcheck disable=SC2046 # one word per page on purpose
	if ! mandoc -Tlint -W warning $(find "$dest$man" ! -type d | sort) \
	    >"$tmp/mandoc" 2>&1 || [ -s "$tmp/mandoc" ]; then
		problem "mandoc -Tlint -W warning on the installed pages:"
		sed 's/^/	/' "$tmp/mandoc"
	fi
else
	echo "install-test: note: mandoc is not installed; installed pages not linted"
fi

# --- 3. an edited configuration survives install and uninstall ---------------------
conf=$dest$SYSCONFDIR/ftpd/ftpd.conf
echo "banner edited by the administrator" >>"$conf"
cp "$conf" "$tmp/edited"
run_make install && { cmp -s "$conf" "$tmp/edited" || problem "a second make install replaced an edited ftpd.conf"; }
run_make uninstall
if ! cmp -s "$conf" "$tmp/edited"; then
	problem "make uninstall removed or changed an edited ftpd.conf"
fi
[ -e "$dest$SYSCONFDIR/pam.d/ftp" ] && problem "make uninstall left the unchanged $SYSCONFDIR/pam.d/ftp"

# --- 4. nothing left -----------------------------------------------------------------
rm -f "$conf"
run_make uninstall
(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort) >"$tmp/left"
if [ -s "$tmp/left" ]; then
	problem "files left after make uninstall:"
	sed 's/^/	/' "$tmp/left"
fi
[ -d "$dest$PREFIX/share/doc/ftpd" ] && problem "make uninstall left $PREFIX/share/doc/ftpd"
[ -d "$dest$SYSCONFDIR/ftpd" ] && problem "make uninstall left $SYSCONFDIR/ftpd"

if [ "$problems" -ne 0 ]; then
	echo "install-test: $problems problem(s)"
	exit 1
fi
echo "install-test: ok"
exit 0
