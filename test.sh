#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the Release build
# (unit, integration, gdb-driven, differential), the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzzers for a
# bounded time. Ends with ctest's summary line.
#
#   RVRR_NO_SANITIZE=1  skip the sanitizer build     RVRR_NO_FUZZ=1  skip fuzzing
#   RVRR_FUZZ_SECONDS=N seconds per fuzzer (default 20)
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/deps.sh
install_deps

JOBS=$(nproc 2>/dev/null || echo 2)
log() { printf '\n== %s\n' "$*"; }

log "Release build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"

SAN=0
if [ -z "${RVRR_NO_SANITIZE:-}" ]; then
  log "ASan+UBSan build (build-asan/)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRVRR_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$JOBS"
  SAN=1
fi

FUZZ=0
if [ -z "${RVRR_NO_FUZZ:-}" ] && command -v clang++ >/dev/null 2>&1; then
  log "libFuzzer build (build-fuzz/)"
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DRVRR_FUZZ=ON -DRVRR_EXAMPLES=OFF -DRVRR_FUZZ_SECONDS="${RVRR_FUZZ_SECONDS:-20}" >/dev/null
  targets=$(ls tests/fuzz/fuzz_*.cpp | xargs -n1 basename | sed 's/\.cpp$//')
  # shellcheck disable=SC2086
  cmake --build build-fuzz -j "$JOBS" --target $targets
  FUZZ=1
fi

status=0
if [ $SAN = 1 ]; then
  log "tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j "$JOBS" --output-on-failure --timeout 900 -E '^fuzz\.' || status=$?
fi
if [ $FUZZ = 1 ]; then
  log "fuzzers (${RVRR_FUZZ_SECONDS:-20} s each)"
  ctest --test-dir build-fuzz -R '^fuzz\.' -j "$JOBS" --output-on-failure || status=$?
fi
# The whole suite runs in each tier: interpreter only (RVRR_TIER=interp),
# every block translated on its first entry (RVRR_JIT_THRESHOLD=1), and last
# in the default tier (auto: hot code translated, where the build has the
# translating tier). Each Release pass takes ~2-3 min.
if grep -q RVRR_HAVE_JIT build/build.ninja 2>/dev/null; then
  log "tests (Release), interpreter only (RVRR_TIER=interp)"
  RVRR_TIER=interp ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 600 || status=$?
  log "tests (Release), every block translated at once (RVRR_JIT_THRESHOLD=1)"
  RVRR_JIT_THRESHOLD=1 ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 600 || status=$?
fi
# Last, so the final line is ctest's summary of the main suite.
log "tests (Release)"
ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 600 || status=$?
exit $status
