# tests/e2e/qemu_diff_common.sh - what the differential tests against qemu
# user mode share (sourced by test_qemu_diff.sh for RV32 and
# test_rv64_qemu_diff.sh for RV64; not a test itself).
#
# The sourcing script sets: qemu (qemu-riscv32 or qemu-riscv64), tmp (a
# scratch directory), input (stdin for every run), and counters `cases` and
# `failures`, which run_case updates.

# run_case PROGRAM ARGS...: `$RVRR run` and $qemu must give the same stdout
# and exit status, and rvrr's stderr must not show a host crash.
run_case() {
  local prog="$1"
  shift
  local name
  name="$(basename "$prog" .elf) $*"
  cases=$((cases + 1))
  timeout 120 "$RVRR" run "$prog" "$@" <"$input" >"$tmp/rvrr.out" 2>"$tmp/rvrr.err"
  local rc_rvrr=$?
  # (the braces keep bash's "Segmentation fault" job notice out of the log)
  { timeout 120 "$qemu" "$prog" "$@" <"$input" >"$tmp/qemu.out" 2>"$tmp/qemu.err"; } 2>/dev/null
  local rc_qemu=$?
  local ok=1
  if [ "$rc_rvrr" -ne "$rc_qemu" ]; then
    echo "FAIL [$name]: exit status rvrr=$rc_rvrr, $qemu=$rc_qemu"
    ok=0
  fi
  if ! cmp -s "$tmp/rvrr.out" "$tmp/qemu.out"; then
    echo "FAIL [$name]: stdout differs (< rvrr, > $qemu):"
    diff "$tmp/rvrr.out" "$tmp/qemu.out" | head -20
    ok=0
  fi
  if grep -qE 'Assertion|terminate called|Segmentation fault|AddressSanitizer|runtime error' "$tmp/rvrr.err"; then
    echo "FAIL [$name]: rvrr's stderr shows a host crash:"
    head -5 "$tmp/rvrr.err"
    ok=0
  fi
  if [ "$ok" -eq 1 ]; then
    echo "ok   [$name]: exit $rc_rvrr, $(wc -l <"$tmp/rvrr.out") lines of identical stdout"
  else
    [ -s "$tmp/rvrr.err" ] && echo "     rvrr stderr: $(head -3 "$tmp/rvrr.err")"
    failures=$((failures + 1))
  fi
}

# run_all PROGRAM...: run_case for each program and each of its argument
# lines (args_for NAME, defined by the sourcing script: one line per run).
run_all() {
  local prog name line
  for prog in "$@"; do
    name=$(basename "$prog" .elf)
    while IFS= read -r line; do
      # shellcheck disable=SC2086  # word splitting of the argument line is intended
      run_case "$prog" $line
    done < <(args_for "$name")
  done
}
