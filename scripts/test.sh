#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs dependencies, builds with
# AddressSanitizer and UndefinedBehaviorSanitizer, builds the test guest, runs
# every test against real QEMU and the stock libvirt clients, and ends with
# a line "N passed, N failed". Then every fuzz target runs briefly
# (VK_FUZZ_SECONDS, default 10; 0 skips it).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

build=${VK_BUILD_DIR:-build-asan}
if [ ! -d "$build" ]; then
  meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
    { echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$build" || { echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# -j2: two cores; tests that run QEMU keep their own processes apart.
meson test -C "$build" --num-processes 2 --print-errorlogs "$@" | tee "$build/test-summary.txt"
rc=${PIPESTATUS[0]}

# Every fuzz target for a short bounded time with clang's libFuzzer (longer
# runs: fuzz/run.sh SECONDS). Counted as one test in the summary.
fuzz_secs=${VK_FUZZ_SECONDS:-10}
fuzz_pass=0 fuzz_fail=0
if [ "$fuzz_secs" -gt 0 ]; then
  if VK_FUZZ_BUILD_DIR="$top/build-fuzz" bash fuzz/run.sh "$fuzz_secs" >"$build/fuzz.log" 2>&1; then
    fuzz_pass=1
    echo "fuzz: every target ran ${fuzz_secs}s without a finding"
  else
    fuzz_fail=1
    echo "fuzz: FAILED (see below)"
    tail -40 "$build/fuzz.log"
  fi
fi

count() { grep -E "^$1:" "$build/test-summary.txt" | tail -1 | awk '{print $NF}'; }
ok=$(count Ok); xfail=$(count "Expected Fail"); fail=$(count Fail)
upass=$(count "Unexpected Pass"); skip=$(count Skipped); tout=$(count Timeout)
passed=$(( ${ok:-0} + ${xfail:-0} + fuzz_pass ))
failed=$(( ${fail:-0} + ${upass:-0} + ${tout:-0} + fuzz_fail ))
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
[ "$fuzz_fail" -ne 0 ] && rc=1
echo "${passed} passed, ${failed} failed, ${skip:-0} skipped"
exit "$rc"
