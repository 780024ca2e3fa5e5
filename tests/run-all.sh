#!/bin/bash
# run-all.sh - the whole test suite from a clean clone (CI runs it through
# .ci/run; the README names it): install the Debian 12 packages,
# build, run the whole suite normally and under ASan+UBSan, make distcheck,
# run every fuzz target for a while, and end with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=$(nproc 2>/dev/null || echo 2)
pass=0 fail=0 skip=0
note() { printf '\n=== %s\n' "$*"; }

# count_trs DIR - add up automake's per-case results under DIR.
count_trs() {
	local p f s
	p=$(cat $(find "$1" -name '*.trs') 2>/dev/null | grep -c '^:test-result: \(PASS\|XFAIL\)')
	f=$(cat $(find "$1" -name '*.trs') 2>/dev/null | grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)')
	s=$(cat $(find "$1" -name '*.trs') 2>/dev/null | grep -c '^:test-result: SKIP')
	echo "$2: $p passed, $f failed, $s skipped"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		grep -l '^:test-result: \(FAIL\|XPASS\|ERROR\)' $(find "$1" -name '*.trs') |
		while read -r t; do
			echo "--- ${t%.trs}.log (failures)"
			grep -E '^(not ok|# )' "${t%.trs}.log" | head -60
		done
	fi
}

# one STATUS NAME - count a single check.
one() {
	if [ "$1" -eq 0 ]; then pass=$((pass + 1)); echo "PASS: $2"
	else fail=$((fail + 1)); echo "FAIL: $2"; fi
}

note "installing packages"
bash contrib/debian-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

note "build (gcc)"
./autogen.sh >/tmp/mtasts-autogen.log 2>&1 || { cat /tmp/mtasts-autogen.log; echo "0 passed, 1 failed"; exit 1; }
rm -rf _build && mkdir -p _build && cd _build
if ../configure -q && make -j"$JOBS" -s >/tmp/mtasts-build.log 2>&1; then
	one 0 "build with gcc -Wall -Wextra -Werror"
else
	cat /tmp/mtasts-build.log | tail -50
	one 1 "build with gcc"
	echo "$pass passed, $fail failed, $skip skipped"
	exit 1
fi

note "test suite"
make -s check >/tmp/mtasts-check.log 2>&1
count_trs tests "suite"
cd "$top"

note "build (clang) and test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
rm -rf _build-asan && mkdir -p _build-asan && cd _build-asan
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
if CC=clang CFLAGS="$san" LDFLAGS="$san" ../configure -q && make -j"$JOBS" -s >/tmp/mtasts-asan-build.log 2>&1; then
	one 0 "build with clang and sanitizers"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions="$top/tests/lsan.supp":print_suppressions=0 \
	MTASTS_NETNS_RUN=0 make -s check >/tmp/mtasts-asan-check.log 2>&1
	count_trs tests "sanitizer suite"
else
	tail -50 /tmp/mtasts-asan-build.log
	one 1 "build with clang and sanitizers"
fi
cd "$top"

note "make distcheck"
cd _build
if MTASTS_SKIP_INTEGRATION=1 make -s distcheck >/tmp/mtasts-distcheck.log 2>&1; then
	one 0 "make distcheck"
else
	tail -40 /tmp/mtasts-distcheck.log
	one 1 "make distcheck"
fi
cd "$top"

note "fuzzing (${FUZZ_SECONDS}s per target)"
rm -rf _build-fuzz && mkdir -p _build-fuzz && cd _build-fuzz
fz="-g -O1 -fsanitize=fuzzer-no-link,address,undefined"
if CC=clang CFLAGS="$fz" ../configure -q --enable-fuzz && make -j"$JOBS" -s >/tmp/mtasts-fuzz-build.log 2>&1; then
	for t in tests/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		name=${t##*/fuzz_}
		corpus=$(mktemp -d)
		cp -r "$top/tests/fuzz/corpus/$name/." "$corpus/" 2>/dev/null
		dict=
		[ -f "$top/tests/fuzz/$name.dict" ] && dict=-dict="$top/tests/fuzz/$name.dict"
		if "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		    $dict "$corpus" >/tmp/mtasts-fuzz-$name.log 2>&1; then
			one 0 "fuzz $name ($(grep -o 'Done [0-9]* runs' /tmp/mtasts-fuzz-$name.log))"
		else
			tail -30 /tmp/mtasts-fuzz-$name.log
			one 1 "fuzz $name"
		fi
		rm -rf "$corpus"
	done
else
	tail -50 /tmp/mtasts-fuzz-build.log
	one 1 "build fuzz targets"
fi
cd "$top"

echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
