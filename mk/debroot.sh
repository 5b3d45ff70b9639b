# shellcheck shell=sh
# mk/debroot.sh: sourced by mk/fresh-root.sh and mk/package-test.sh, which
# build minimal Debian roots with mmdebstrap from this machine's apt sources:
# those sources, and running a step that an interrupt can stop, and the clean-up.
#
# Needs SUITE set (e.g. bookworm), say(), and for cleanup(): work (the work
# directory, removed unless KEEP is 1) and KEEP_NAME (the variable that set KEEP).

# host_sources OUT: this machine's apt entries for $SUITE (and its -updates,
# -security, ...), one-line entries into OUT.list, deb822 stanzas into OUT.sources
host_sources() {
	: >"$1.list"
	: >"$1.sources"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v s="$SUITE" '
		/^[ \t]*deb[ \t]/ {
			line = $0
			sub(/^[ \t]+/, "", line)
			sub(/\[[^]]*\]/, "", line)
			split(line, w, /[ \t]+/)
			if (w[3] == s || index(w[3], s "-") == 1 || index(w[3], s "/") == 1)
				print
		}' "$f" >>"$1.list"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$SUITE" '
		function flush() {
			if (stanza != "" && deb && suite && enabled)
				printf "%s\n", stanza
			stanza = ""; deb = 0; suite = 0; enabled = 1
		}
		BEGIN { enabled = 1 }
		/^[ \t]*$/ { flush(); next }
		{
			stanza = stanza $0 "\n"
			if (tolower($1) == "types:")
				for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1
			if (tolower($1) == "suites:")
				for (i = 2; i <= NF; i++)
					if ($i == s || index($i, s "-") == 1 || index($i, s "/") == 1)
						suite = 1
			if (tolower($1) == "enabled:" && tolower($2) == "no")
				enabled = 0
		}
		END { flush() }' "$f" >>"$1.sources"
	done
}

# host_aptconf OUT: the Acquire:: settings of this machine that a bootstrap
# needs too (Check-Valid-Until, proxies ...) into OUT; empty if none
host_aptconf() {
	apt-config dump 2>/dev/null | grep -E '^Acquire::(Check-Valid-Until|Check-Date|Retries|ForceIPv4|ForceIPv6|(http|https|ftp)::Proxy(::[^ ]+)?) ' \
	    >"$1"
}

# bg_wait CMD...: run CMD in the background (so that a signal reaches this
# shell's traps at once) and wait for it; its status
bg_wait() {
	"$@" &
	child=$!
	wait "$child"
	st=$?
	child=
	return "$st"
}

# cleanup: stop what still runs, remove the work directory, never through a mount
cleanup() {
	if [ -n "${child:-}" ]; then
		# SIGTERM lets mmdebstrap clean up; unshare --fork blocks it while it
		# waits, and only dies by SIGKILL: then --kill-child ends the namespace
		kill -TERM "$child" 2>/dev/null
		n=0
		while kill -0 "$child" 2>/dev/null && [ "$n" -lt 5 ]; do
			sleep 1
			n=$((n + 1))
		done
		kill -KILL "$child" 2>/dev/null
		wait "$child" 2>/dev/null
		child=
		say "interrupted"
	fi
	[ -n "${work:-}" ] && [ -d "$work" ] || return 0
	if [ "${KEEP:-0}" = 1 ]; then
		say "kept $work ($KEEP_NAME=1)"
		work=
		return 0
	fi
	# Everything was mounted in namespaces that have ended; this is a safety net.
	awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r |
	    while read -r m; do umount -l "$m"; done
	if awk -v w="$work/" 'index($2, w) == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
		say "something is still mounted under $work: not removed"
		return 1
	fi
	rm -rf "$work"
	work=
}
