#!/bin/sh
# mk/lint.sh: source and manual checks for `make check`; run from the top of the tree.
#
#  1. No .c/.h file outside common/ calls strcpy, strcat, sprintf, vsprintf, gets
#     or strncpy (comments and string literals are ignored; snprintf, vsnprintf,
#     asprintf and fgets are fine).  common/buf.c is the place for byte handling.
#  2. mandoc -Tlint -W warning is clean on man/*.[0-9] (skipped if mandoc is
#     not installed).
#  3. Every keyword in common/options.def has a `.It Cm keyword` entry in
#     man/ftpd.conf.5, and every `.It Cm` entry there is a keyword.
#  4. SECURITY's list of messages (between "ipc.def begin" and "ipc.def end")
#     is what mk/ipc-table.py makes of common/ipc.def.
#
# Prints each problem; exits non-zero if there was any, else prints "lint: ok".

set -u
LC_ALL=C
export LC_ALL

problems=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

problem() {
	echo "lint: $*"
	problems=$((problems + 1))
}

# --- 1. banned string functions outside common/ ----------------------------
find . \( -path ./common -o -path ./.git -o -path ./build -o -path ./build-san \) -prune \
    -o -type f \( -name '*.c' -o -name '*.h' \) -print | sort >"$tmp/files"

if [ -s "$tmp/files" ]; then
	# Blank out comments, string and character literals (keeping line numbers),
	# then look for a call at a word boundary.
	tr '\n' '\0' <"$tmp/files" | xargs -0 awk '
	FNR == 1 { incomment = 0 }
	{
		line = $0; out = ""; i = 1; n = length(line)
		while (i <= n) {
			c = substr(line, i, 1); c2 = substr(line, i, 2)
			if (incomment) {
				if (c2 == "*/") { incomment = 0; i += 2; out = out " " } else i++
				continue
			}
			if (c2 == "/*") { incomment = 1; i += 2; continue }
			if (c2 == "//") break
			if (c == "\"" || c == "\047") {
				q = c; i++
				while (i <= n && substr(line, i, 1) != q)
					i += (substr(line, i, 1) == "\\") ? 2 : 1
				i++; out = out q q
				continue
			}
			out = out c; i++
		}
		if (out ~ /(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|strncpy)[ \t]*\(/)
			print FILENAME ":" FNR ": " $0
	}' >"$tmp/banned"
	if [ -s "$tmp/banned" ]; then
		problem "banned string functions (use common/buf.h: str_copy, str_fmt, buf_*):"
		sed 's/^/	/' "$tmp/banned"
	fi
fi

# --- 2. mandoc -Tlint --------------------------------------------------------
pages=$(ls man/*.[0-9] 2>/dev/null)
if [ -z "$pages" ]; then
	echo "lint: note: no manual pages in man/ to check with mandoc"
elif ! command -v mandoc >/dev/null 2>&1; then
	echo "lint: note: mandoc is not installed; manual pages not linted"
else
	# shellcheck disable=SC2086
	mandoc -Tlint -W warning $pages >"$tmp/mandoc" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/mandoc" ]; then
		problem "mandoc -Tlint -W warning (status $rc):"
		sed 's/^/	/' "$tmp/mandoc"
	fi
fi

# --- 3. options.def against ftpd.conf.5 ---------------------------------------
def=common/options.def
man5=man/ftpd.conf.5
if [ ! -f "$def" ]; then
	problem "$def is missing"
elif [ ! -f "$man5" ]; then
	problem "$man5 is missing (it must document every keyword in $def)"
else
	grep -E '^[[:space:]]*OPT_(BOOL|INT|OCT|STR|ENUM)[[:space:]]*\(' "$def" |
	    sed 's/^[^(]*([[:space:]]*\([A-Za-z0-9_]*\).*/\1/' | sort -u >"$tmp/keywords"
	sed -n 's/^\.It[[:space:]][[:space:]]*Cm[[:space:]][[:space:]]*\([^[:space:]]*\).*/\1/p' \
	    "$man5" | sort -u >"$tmp/documented"
	if [ ! -s "$tmp/keywords" ]; then
		problem "no OPT_* keywords found in $def"
	fi
	comm -23 "$tmp/keywords" "$tmp/documented" >"$tmp/undoc"
	comm -13 "$tmp/keywords" "$tmp/documented" >"$tmp/unknown"
	while read -r kw; do
		problem "$man5: keyword $kw (in $def) has no '.It Cm $kw' entry"
	done <"$tmp/undoc"
	while read -r kw; do
		problem "$man5: '.It Cm $kw' is not a keyword in $def"
	done <"$tmp/unknown"
fi

# --- 4. SECURITY's message list against ipc.def --------------------------------
sed -n '/^ipc.def begin$/,/^ipc.def end$/p' SECURITY | sed '1d;$d' >"$tmp/ipc.doc"
if ! /usr/bin/python3 mk/ipc-table.py common/ipc.def >"$tmp/ipc.def.txt"; then
	problem "mk/ipc-table.py cannot read common/ipc.def"
elif ! [ -s "$tmp/ipc.doc" ]; then
	problem "SECURITY has no 'ipc.def begin' ... 'ipc.def end' list"
elif ! diff -u "$tmp/ipc.doc" "$tmp/ipc.def.txt" >"$tmp/ipc.diff"; then
	problem "SECURITY's message list differs from common/ipc.def" \
	    "(update it with: python3 mk/ipc-table.py):"
	cat "$tmp/ipc.diff"
fi

if [ "$problems" -ne 0 ]; then
	echo "lint: $problems problem(s)"
	exit 1
fi
echo "lint: ok"
exit 0
