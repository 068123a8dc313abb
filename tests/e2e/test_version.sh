#!/bin/bash
# test_version.sh - `rvrr --version` and `rvrr version` print "rvrr X.Y.Z"
# (the CMake project version) on stdout and exit 0.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_SOURCE_DIR:?RVRR_SOURCE_DIR must name the source tree}"
expected=$(sed -n 's/^project(rvrr VERSION \([0-9.]*\).*/\1/p' "$RVRR_SOURCE_DIR/CMakeLists.txt")
fail=0
for word in --version version; do
  out=$(timeout 10 "$RVRR" "$word" 2>/dev/null)
  status=$?
  if [ "$status" -ne 0 ]; then echo "FAIL: rvrr $word exited $status"; fail=1; fi
  if [ "$out" != "rvrr $expected" ]; then echo "FAIL: rvrr $word printed '$out', expected 'rvrr $expected'"; fail=1; fi
done
[ "$fail" -eq 0 ] && echo "test_version: all checks passed"
exit "$fail"
