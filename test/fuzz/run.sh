#!/bin/sh
# test/fuzz/run.sh [TARGET...]: build and run the libFuzzer targets; run from the top of the tree.
#
# Every test/fuzz/fuzz_*.c is a target (or only the TARGETs named, e.g. fuzz_conf):
#   fuzz_conf      ftpd.conf and -o parser
#   fuzz_cmdline   Telnet/line assembler, reply framing, path helpers
#   fuzz_dispatch  command parser, dispatcher and handlers, no sockets
#   fuzz_path      path_join/path_split/path_quote: normalised, never above /
#   fuzz_listing   LIST/NLST/MLSD/MLST text from a tree built in a scratch dir
#   fuzz_ipc       the privilege-separation message decoder
#   fuzz_certmap   the certmap parser
# One of its first ten lines names the sources it links (other test/fuzz/*.c,
# such as fuzzlib.c, are helpers, not targets):
#	/* FUZZ_SRCS: common/conf.c common/buf.c common/log.c */
# It is built with $FUZZ_CC (default clang) -fsanitize=fuzzer,address,undefined into
# $FUZZ_BUILD (default build/fuzz) and run for $FUZZ_SECONDS (default 20) seconds,
# starting from the seeds in test/fuzz/corpus/<target>/; an input that runs
# longer than $FUZZ_TIMEOUT (default 25) seconds is a failure.  New inputs go to
# $FUZZ_BUILD/corpus/<target>/ (the seeds are never written to); crash inputs go to
# $FUZZ_BUILD/crash-<target>-*.  Extra libFuzzer flags: FUZZ_FLAGS.  Targets
# that build a tree of files do it in a scratch directory under $FUZZ_TMPDIR
# (default /dev/shm, else $TMPDIR or /tmp).
# Exits non-zero if any target failed to build or found a problem.
#
# A crash input, once fixed, goes into test/fuzz/corpus/<target>/: make
# fuzz-replay (test/fuzz/replay.sh) runs every seed under the normal build,
# with gcc and without libFuzzer, and make check does that for the plain and
# the SAN build.
#
# libFuzzer ships with clang's runtime; on Debian that is libclang-rt-NN-dev
# (libclang-rt-14-dev on bookworm, which clang only recommends: mk/deps.sh
# installs it).

set -u

CC=${FUZZ_CC:-clang}
SECONDS_EACH=${FUZZ_SECONDS:-20}
OUT=${FUZZ_BUILD:-build/fuzz}
FLAGS="-std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -g -O1 -fno-omit-frame-pointer
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
-Wall -Wextra -Wno-unused-parameter -iquote common -iquote ftpd -iquote pam"

if [ ! -d test/fuzz ]; then
	echo "fuzz: run this from the top of the source tree" >&2
	exit 2
fi
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (apt-get install clang)" >&2
	exit 2
fi

if [ $# -eq 0 ]; then
	set -- test/fuzz/fuzz_*.c
	[ -e "$1" ] || { echo "fuzz: no test/fuzz/fuzz_*.c targets"; exit 0; }
fi

mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd) || exit 1	# absolute: some targets change directory
seeds=$(pwd)/test/fuzz/corpus
failed=0
ran=0
for arg in "$@"; do
	name=$(basename "$arg" .c)
	src=test/fuzz/$name.c
	if [ ! -f "$src" ]; then
		echo "fuzz: no such target: $src"
		failed=$((failed + 1))
		continue
	fi
	srcs=$(sed -n '1,10s/.*FUZZ_SRCS:[[:space:]]*\(.*\)\*\/.*/\1/p' "$src" | head -n 1)
	echo "== $name (links: ${srcs:-nothing})"
	# shellcheck disable=SC2086
	if ! $CC $FLAGS -o "$OUT/$name" "$src" $srcs; then
		echo "fuzz: $name: build failed"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$OUT/corpus/$name" "$seeds/$name"
	# shellcheck disable=SC2086
	"$OUT/$name" -max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-25}" \
	    -print_final_stats=1 -artifact_prefix="$OUT/crash-$name-" ${FUZZ_FLAGS:-} \
	    "$OUT/corpus/$name" "$seeds/$name"
	rc=$?
	ran=$((ran + 1))
	if [ "$rc" -ne 0 ]; then
		echo "fuzz: $name: FAILED (status $rc); reproduce with: $OUT/$name $OUT/crash-$name-*"
		failed=$((failed + 1))
	else
		echo "fuzz: $name: ok (${SECONDS_EACH}s)"
	fi
done

echo "fuzz: $ran run, $failed failed"
[ "$failed" -eq 0 ]
