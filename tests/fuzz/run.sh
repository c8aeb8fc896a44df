#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# run.sh: builds the libFuzzer harnesses and runs each for FUZZ_SECONDS; fails on any crash, leak or UB.
#
#   FUZZ_SECONDS=60 tests/fuzz/run.sh [harness ...]
#
# The harnesses: http_parser url template config proxy_proto file_headers (all of them when none is named).
#
# FUZZ_BUILD_DIR is where binaries, working corpora, logs and crash inputs go: by default $TMPDIR/tinyhttpd-fuzz
# when TMPDIR is set, else tests/fuzz/build. The working corpus there grows from run to run; the seeds in
# tests/fuzz/corpus/ are only read.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

seconds=${FUZZ_SECONDS:-60}
if [ -n "${FUZZ_BUILD_DIR:-}" ]; then
	build=$FUZZ_BUILD_DIR
elif [ -n "${TMPDIR:-}" ]; then
	build=$TMPDIR/tinyhttpd-fuzz
else
	build=tests/fuzz/build
fi
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(http_parser url template config proxy_proto file_headers)

# shellcheck disable=SC2054 # the commas belong to -fsanitize=
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
	-std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Werror
	-Isrc -DPACKAGE_VERSION='"fuzz"')

# The project sources each harness links besides its own file. The config harness links tls_none.c: a
# listener with tls = true is refused there, rather than certificates read from paths the input names.
sources() {
	case $1 in
	http_parser) echo src/http_parser.c src/url.c ;;
	url) echo src/url.c ;;
	template) echo src/template.c ;;
	config) echo src/config.c src/config_answer.c src/config_keys.c src/mime.c src/template.c src/http_parser.c src/url.c src/version.c src/tls_none.c ;;
	proxy_proto) echo src/proxy_proto.c ;;
	file_headers) echo src/range.c src/conditional.c src/coding.c src/response.c src/buf.c ;;
	*) return 1 ;;
	esac
}

# libFuzzer's runtime comes with clang on most systems, but Debian splits it into its own package.
toolchain_ok() {
	command -v clang >/dev/null &&
		echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' |
		clang -fsanitize=fuzzer,address,undefined -x c - -o "$build/.probe" 2>/dev/null
}

mkdir -p "$build"
if ! toolchain_ok; then
	if [ "$(id -u)" = 0 ] && [ "${CI:-}" = true ]; then
		apt-get update && apt-get install -y clang libclang-rt-14-dev || exit 1
	fi
	if ! toolchain_ok; then
		echo "fuzz: clang with libFuzzer is missing; on Debian: apt-get install clang libclang-rt-14-dev" >&2
		exit 1
	fi
fi
rm -f "$build/.probe"

export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1

passed=0 failed=0
summary=()
for h in "${harnesses[@]}"; do
	bin=$build/fuzz_$h log=$build/fuzz_$h.log artifacts=$build/artifacts/$h/
	if ! srcs=$(sources "$h"); then
		echo "fuzz: no harness named $h" >&2
		exit 2
	fi
	libs=()
	[ "$h" = config ] && read -ra libs <<<"$(pkg-config --cflags --libs libconfig)"
	echo "fuzz: building $h"
	# shellcheck disable=SC2086 # srcs is a list of file names without spaces
	if ! clang "${cflags[@]}" "tests/fuzz/fuzz_$h.c" $srcs "${libs[@]}" -o "$bin"; then
		failed=$((failed + 1))
		summary+=("fuzz_$h: FAILED to build")
		continue
	fi
	mkdir -p "$build/corpus/$h" "$artifacts"
	echo "fuzz: running $h for ${seconds}s (log: $log)"
	# stdin from /dev/null: a config's @include "/dev/stdin" must not wait for a terminal.
	"$bin" -max_total_time="$seconds" -timeout=25 -detect_leaks=1 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts" "$build/corpus/$h" "tests/fuzz/corpus/$h" </dev/null >"$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$status" -eq 0 ]; then
		passed=$((passed + 1))
		summary+=("fuzz_$h: passed, ${execs:-0} executions")
		continue
	fi
	failed=$((failed + 1))
	summary+=("fuzz_$h: FAILED (exit $status), ${execs:-0} executions")
	grep -E 'ERROR:|SUMMARY:|invariant failed|runtime error' "$log" | head -n 20
	artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
	if [ -n "$artifact" ] && [ -f "$artifact" ]; then
		echo "fuzz: $h: input that failed: $artifact (rerun: $bin $artifact)"
		od -A x -t x1z -v "$artifact" | head -n 64
	else
		tail -n 40 "$log"
	fi
done

printf '%s\n' "${summary[@]}"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
