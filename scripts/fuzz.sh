#!/usr/bin/env bash
# scripts/fuzz.sh: coverage-guided fuzzing of the server-independent C code.
#
#   scripts/fuzz.sh [SECONDS]    build every harness test/fuzz/fuzz_*.c with
#                                libFuzzer, ASan and UBSan (Debian's clang) and
#                                run each for SECONDS (default 60)
#   scripts/fuzz.sh --replay     build the harnesses as plain drivers (no
#                                libFuzzer) and replay the seed corpus and the
#                                saved regressions once
#
# Each harness starts from a scratch copy of test/fuzz/corpus/<harness>/ and
# test/fuzz/regressions/<harness>/, so the repository is never modified.
# Prints "ok N - <harness>: M executions in S s, 0 crashes" per harness and
# ends with "N passed, N failed"; exits non-zero if any harness failed to
# build, crashed or broke a property.  A crashing input is kept (its path is
# printed, with its base64, so that it can be recovered from a CI log): save
# it as test/fuzz/regressions/<harness>/<name> once understood.
#
# Environment: FUZZ_CC (default clang, else clang-14), FUZZ_CFLAGS (added to
# the compiler flags, e.g. -DFUZZ_TOLERATE_OFFSET_RANGE_FIRST to fuzz past
# that known finding), FUZZ_WORK (work directory; default a fresh one in
# /tmp, removed when every harness passed).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FUZZ_DIR=$REPO_DIR/test/fuzz
SOURCES=(src/iso8601.c src/json_out.c src/ulid.c src/validate.c)
# shellcheck disable=SC2054  # commas inside flags, not between elements
FUZZ_FLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer -DFUZZING -Isrc)
# shellcheck disable=SC2054
REPLAY_FLAGS=(-std=c99 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc)
# Debian's clang and its sanitizer and libFuzzer runtimes (installed where
# missing, as root; run as another user, fuzz.sh names those it lacks)
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }

MODE=fuzz
SECONDS_EACH=60
case "${1:-}" in
	"") ;;
	--replay) MODE=replay ;;
	-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)
		[[ $1 =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [SECONDS | --replay]"
		SECONDS_EACH=$1
		;;
esac

# The harnesses: test/fuzz/fuzz_*.c, by name
HARNESSES=()
for src in "$FUZZ_DIR"/fuzz_*.c; do
	HARNESSES+=("$(basename "$src" .c)")
done
[ ${#HARNESSES[@]} -gt 0 ] || die "no harness in $FUZZ_DIR"

if [ -n "${FUZZ_WORK:-}" ]; then
	WORK=$FUZZ_WORK
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/clarky-fuzz.XXXXXX)
fi

passed=0
failed=0
n=0

if [ "$MODE" = replay ]; then
	CC=${FUZZ_CC:-${UNIT_CC:-gcc}}
	cd "$REPO_DIR"
	for h in "${HARNESSES[@]}"; do
		n=$((n + 1))
		log "replaying $h"
		# shellcheck disable=SC2086  # FUZZ_CFLAGS is a list of flags
		if ! "$CC" "${REPLAY_FLAGS[@]}" ${FUZZ_CFLAGS:-} -o "$WORK/${h}_replay" \
			"test/fuzz/$h.c" "${SOURCES[@]}"; then
			echo "not ok $n - $h: does not build"
			failed=$((failed + 1))
			continue
		fi
		if "$WORK/${h}_replay" "test/fuzz/corpus/$h" "test/fuzz/regressions/$h" \
			>"$WORK/$h.replay" 2>&1; then
			echo "ok $n - $h: $(grep -c '^ok' "$WORK/$h.replay") inputs replayed"
			passed=$((passed + 1))
		else
			grep -v '^ok' "$WORK/$h.replay" | head -60 >&2 || true
			echo "not ok $n - $h: $(grep -c '^not ok' "$WORK/$h.replay" || true) inputs failed" \
				"(log: $WORK/$h.replay)"
			failed=$((failed + 1))
		fi
	done
	print_tally "$passed" "$failed"
	[ "$failed" -eq 0 ] && [ -z "${FUZZ_WORK:-}" ] && rm -rf "$WORK"
	[ "$failed" -eq 0 ]
	exit
fi

install_apt_packages "${FUZZ_PACKAGES[@]}"
if [ -n "${FUZZ_CC:-}" ]; then
	CC=$FUZZ_CC
elif command -v clang >/dev/null; then
	CC=clang
else
	CC=clang-14
fi
command -v "$CC" >/dev/null || die "no $CC"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# The most bytes each harness is given: a timestamp needs few
max_len_of() {
	case $1 in
		fuzz_iso8601) echo 128 ;;
		*) echo 4096 ;;
	esac
}

cd "$REPO_DIR"
log "fuzzing ${HARNESSES[*]} for $SECONDS_EACH s each with $("$CC" --version | head -1)"
for h in "${HARNESSES[@]}"; do
	n=$((n + 1))
	bin=$WORK/$h
	corpus=$WORK/corpus/$h
	artifacts=$WORK/artifacts/$h
	logfile=$WORK/$h.log
	mkdir -p "$corpus" "$artifacts"

	log "building $h"
	# shellcheck disable=SC2086  # FUZZ_CFLAGS is a list of flags
	if ! "$CC" "${FUZZ_FLAGS[@]}" ${FUZZ_CFLAGS:-} -o "$bin" "test/fuzz/$h.c" "${SOURCES[@]}"; then
		echo "not ok $n - $h: does not build"
		failed=$((failed + 1))
		continue
	fi

	# a scratch copy of the seeds and the regressions: the run adds to it
	for dir in "$FUZZ_DIR/corpus/$h" "$FUZZ_DIR/regressions/$h"; do
		[ -d "$dir" ] || continue
		find "$dir" -maxdepth 1 -type f ! -name '.*' ! -name 'README*' \
			-exec cp -t "$corpus" {} +
	done
	seeds=$(find "$corpus" -type f | wc -l)

	log "running $h for $SECONDS_EACH s from $seeds seeds"
	start=$(date +%s)
	status=0
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=5 -rss_limit_mb=2048 \
		-max_len="$(max_len_of "$h")" -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$corpus" >"$logfile" 2>&1 || status=$?
	elapsed=$(($(date +%s) - start))

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logfile" | tail -1)
	if [ -z "$execs" ]; then
		# no final stats after a crash: the last status line's count
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$logfile" | tail -1)
	fi
	execs=${execs:-0}
	crashes=$(find "$artifacts" -type f | wc -l)
	echo "# $h: $execs executions, corpus $seeds -> $(find "$corpus" -type f | wc -l) inputs"

	if [ "$status" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		echo "ok $n - $h: $execs executions in $elapsed s, 0 crashes"
		passed=$((passed + 1))
		continue
	fi

	failed=$((failed + 1))
	echo "not ok $n - $h: exit status $status after $execs executions in $elapsed s," \
		"$crashes crashing inputs"
	# what broke: the property or sanitizer report, without libFuzzer's chatter
	grep -E '^\*\*\*|ERROR: |SUMMARY: |runtime error|^    #[0-9]+ .* in ' "$logfile" |
		grep -v -E ' in (fuzzer::|__sanitizer|__asan|__ubsan|__libc_start|_start|main )' |
		head -40 | sed 's/^/# /'
	for f in "$artifacts"/*; do
		[ -f "$f" ] || continue
		echo "# crashing input: $f ($(stat -c %s "$f") bytes)"
		echo "# base64: $(base64 -w0 "$f")"
	done
	echo "# full log: $logfile"
done

print_tally "$passed" "$failed"
if [ "$failed" -eq 0 ]; then
	[ -n "${FUZZ_WORK:-}" ] || rm -rf "$WORK"
	exit 0
fi
echo "# kept $WORK: reproduce with $WORK/<harness> <crashing input>" >&2
exit 1
