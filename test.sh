#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/deps.sh
install_deps

JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"

# Fuzzers need clang's libFuzzer runtime; they get their own build directory.
FUZZ_DIRS=()
if command -v clang++ >/dev/null 2>&1 && [ -z "${RVRR_NO_FUZZ:-}" ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DRVRR_FUZZ=ON -DRVRR_EXAMPLES=OFF >/dev/null
  cmake --build build-fuzz -j "$JOBS" --target $(ls tests/fuzz/fuzz_*.cpp 2>/dev/null | xargs -rn1 basename | sed 's/\.cpp$//') 2>&1 | tail -3
  FUZZ_DIRS+=(build-fuzz)
fi

status=0
ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 600 || status=$?
for d in "${FUZZ_DIRS[@]}"; do
  ctest --test-dir "$d" -R '^fuzz\.' -j "$JOBS" --output-on-failure || status=$?
done
exit $status
