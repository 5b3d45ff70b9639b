# mk/apt-sources.sh: sourced by mk/fresh-root.sh and mk/package-test.sh, which
# build minimal Debian roots with mmdebstrap from this machine's apt sources.
#
# Needs SUITE set (e.g. bookworm).

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
