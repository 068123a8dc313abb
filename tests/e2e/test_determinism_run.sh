#!/bin/bash
# test_determinism_run.sh - `rvrr run` is deterministic: running the same
# program twice gives byte-identical stdout, the same exit status and the same
# instruction count (--stats), even for programs that read the clock.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
ex="$RVRR_EXAMPLES_DIR"
if [ ! -f "$ex/linux_compute.elf" ]; then
  if command -v riscv64-unknown-elf-gcc >/dev/null; then
    echo "FAIL: $ex/linux_compute.elf is missing although the toolchain is installed"
    exit 1
  fi
  echo "SKIP: the RISC-V examples are not built (no riscv64-unknown-elf-gcc)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# Both builds of compute, a program that reads the clock, and one that faults.
cases=("linux_compute.elf 5" "compute.elf 5" "linux_hello.elf" "linux_brk.elf" "linux_fault.elf segv")
for c in "${cases[@]}"; do
  read -r prog args <<<"$c"
  [ -f "$ex/$prog" ] || continue
  for i in 1 2; do
    # shellcheck disable=SC2086
    { timeout --preserve-status -s KILL 120 "$RVRR" run --stats "$ex/$prog" $args </dev/null \
        >"$tmp/out$i" 2>"$tmp/err$i"; } 2>/dev/null
    echo $? >"$tmp/rc$i"
    grep -oE 'instructions: [0-9]+' "$tmp/err$i" >"$tmp/n$i"
  done
  if ! [ -s "$tmp/n1" ]; then
    echo "FAIL [$c]: no 'instructions: N' from --stats: $(head -3 "$tmp/err1")"
    failures=$((failures + 1))
  elif ! cmp -s "$tmp/out1" "$tmp/out2" || ! cmp -s "$tmp/rc1" "$tmp/rc2" || ! cmp -s "$tmp/n1" "$tmp/n2"; then
    echo "FAIL [$c]: two runs differ: exit $(cat "$tmp/rc1") vs $(cat "$tmp/rc2"), $(cat "$tmp/n1") vs $(cat "$tmp/n2")"
    diff "$tmp/out1" "$tmp/out2" | head -10
    failures=$((failures + 1))
  else
    echo "ok   [$c]: exit $(cat "$tmp/rc1"), $(cat "$tmp/n1") both times, identical stdout"
  fi
done
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
