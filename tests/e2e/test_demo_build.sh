#!/bin/bash
# test_demo_build.sh - ./demo.sh on a fresh machine builds only what the demo
# needs (rvrr and examples/overrun.elf), not the 100-odd test targets and the
# other examples first. Configures a fresh build directory and asks demo.sh
# for a dry run (RVRR_DEMO_DRY_RUN=1: Ninja lists every command its build
# targets need).
set -u
: "${RVRR_SOURCE_DIR:?RVRR_SOURCE_DIR must name the source tree}"
if ! command -v riscv64-unknown-elf-gcc >/dev/null; then
  echo "SKIP: no riscv64-unknown-elf-gcc (the demo needs it)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

RVRR_BUILD_DIR="$tmp/build" RVRR_DEMO_DRY_RUN=1 timeout 120 "$RVRR_SOURCE_DIR/demo.sh" >"$tmp/plan" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ]; then
  fail "demo.sh dry run exited $rc: $(tail -5 "$tmp/err")"
fi
grep -qE -- '-o rvrr( |$)' "$tmp/plan" || fail "the demo's build does not link rvrr:
$(tail -5 "$tmp/plan")"
grep -q 'overrun.elf' "$tmp/plan" || fail "the demo's build does not build examples/overrun.elf"
unneeded='_tests|/tests/|doctest|hello\.elf|linux_[a-z]+\.elf|compute\.elf'
if grep -qE "$unneeded" "$tmp/plan"; then
  fail "the demo's build includes targets it does not need:
$(grep -oE "[^ ]*($unneeded)[^ ]*" "$tmp/plan" | sort -u | head -5)"
fi
steps=$(grep -c . "$tmp/plan")
echo "demo build plan: $steps steps"
[ "$failures" -eq 0 ] && echo "ok: demo.sh builds only rvrr and overrun.elf"
[ "$failures" -eq 0 ]
