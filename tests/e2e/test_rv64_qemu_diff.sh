#!/bin/bash
# test_rv64_qemu_diff.sh - differential test for RV64: the Linux-ABI examples
# rebuilt as ordinary static glibc programs with Debian's cross toolchain
# (riscv64-linux-gnu-gcc -static -O1 -g; examples/linux/rt_glibc.c maps the
# examples' tiny runtime onto glibc), plus compute.c and fpmath.c against
# glibc directly, and rv64_far.c (mappings far apart, above 4 GiB), must give the same stdout and exit status under
# `$RVRR run` as under qemu-riscv64, for each argument set below. Then a
# record/replay round trip of one of them must reproduce the run, and
# picolibc's rv64 semihosting builds must print the same. Skipped
# (exit 0 with a note) when qemu-riscv64 or the cross toolchain is missing.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_SOURCE_DIR:?RVRR_SOURCE_DIR must name the source tree}"

for tool in qemu-riscv64 riscv64-linux-gnu-gcc; do
  if ! command -v $tool >/dev/null; then
    echo "SKIP: $tool is not installed"
    exit 0
  fi
done

src="$RVRR_SOURCE_DIR/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
input="$src/compute.c"   # stdin for linux_wc
failures=0
cases=0

build() {  # build NAME SOURCES...
  local name="$1"
  shift
  if ! riscv64-linux-gnu-gcc -static -O1 -g -I"$src/linux" "$@" -o "$tmp/$name.elf" -lm 2>"$tmp/cc.err"; then
    echo "FAIL [$name]: riscv64-linux-gnu-gcc failed: $(head -3 "$tmp/cc.err")"
    failures=$((failures + 1))
    return 1
  fi
}

args_for() {
  case "$1" in
    linux_echo) printf '%s\n' "" "hello" "a bb ccc dddd" ;;
    compute) printf '%s\n' "1" ;;
    fpmath) printf '%s\n' "" "2000" ;;
    linux_fault) printf '%s\n' "none" "segv" "wild" "ill" ;;
    *) printf '\n' ;;
  esac
}

qemu=qemu-riscv64
# shellcheck source=tests/e2e/qemu_diff_common.sh
. "$(dirname "$0")/qemu_diff_common.sh"

for name in linux_hello linux_arith linux_strings linux_echo linux_wc linux_brk linux_fault; do
  build "$name" "$src/linux/rt_glibc.c" "$src/$name.c" || continue
done
build compute "$src/compute.c"
build fpmath "$src/fpmath.c"
build rv64_far "$src/rv64_far.c"  # memory far apart: above 4 GiB, stack near the top

for prog in "$tmp"/*.elf; do
  if ! file_class=$(od -An -tx1 -j4 -N1 "$prog" | tr -d ' ') || [ "$file_class" != "02" ]; then
    echo "FAIL [$(basename "$prog" .elf)]: not an ELF64 file"
    failures=$((failures + 1))
    continue
  fi
  run_all "$prog"
done

# record once, then replay the whole trace and verify its final state.
if [ -f "$tmp/linux_hello.elf" ]; then
  cases=$((cases + 1))
  if ! timeout 120 "$RVRR" record -o "$tmp/hello.trace" "$tmp/linux_hello.elf" >"$tmp/rec.out" 2>"$tmp/rec.err"; then
    echo "FAIL [record linux_hello]: $(head -3 "$tmp/rec.err")"
    failures=$((failures + 1))
  elif ! timeout 120 "$RVRR" trace info --verify "$tmp/hello.trace" >"$tmp/rep.out" 2>"$tmp/rep.err"; then
    echo "FAIL [trace info --verify linux_hello]: $(head -3 "$tmp/rep.err")"
    failures=$((failures + 1))
  else
    echo "ok   [record + trace info --verify linux_hello]: $(grep -m1 -i instructions "$tmp/rep.out")"
  fi
fi

# picolibc's rv64 multilib with semihosting (64-bit parameter blocks; qemu-user
# does not serve semihosting, so the glibc build under qemu is the reference).
if command -v riscv64-unknown-elf-gcc >/dev/null; then
  sh_build() {  # sh_build NAME SOURCE
    riscv64-unknown-elf-gcc -march=rv64imafdc -mabi=lp64d -mcmodel=medany --specs=picolibc.specs \
      --oslib=semihost --crt0=semihost -O1 -g -Wl,--defsym=__flash_size=0x100000 -Wl,--defsym=__ram_size=0x100000 \
      -Wl,--defsym=__stack_size=0x10000 -Wl,--defsym=__heap_end=__stack-__stack_size "$2" -o "$tmp/sh/$1.elf" 2>"$tmp/cc.err" ||
      { echo "FAIL [semihosting $1]: build failed: $(head -3 "$tmp/cc.err")"; failures=$((failures + 1)); return 1; }
  }
  sh_expect() {  # sh_expect NAME STATUS STDOUT ARGS...
    local name="$1" want_rc="$2" want_out="$3"
    shift 3
    cases=$((cases + 1))
    out=$(timeout 60 "$RVRR" run "$tmp/sh/$name.elf" "$@" 2>"$tmp/sh.err")
    rc=$?
    if [ "$rc" -ne "$want_rc" ] || [ "$out" != "$want_out" ]; then
      echo "FAIL [semihosting $name $*]: exit $rc (want $want_rc), stdout '$out' (want '$want_out'); stderr: $(head -2 "$tmp/sh.err")"
      failures=$((failures + 1))
    else
      echo "ok   [semihosting $name $*]: exit $rc"
    fi
  }
  mkdir -p "$tmp/sh"
  printf 'int main(void) { return 3; }\n' >"$tmp/sh/ret3.c"
  if sh_build compute "$src/compute.c" && [ -f "$tmp/compute.elf" ]; then
    sh_expect compute 0 "$(qemu-riscv64 "$tmp/compute.elf" 1)" 1
  fi
  sh_build echo "$src/echo.c" && sh_expect echo 0 "a bb ccc" a bb ccc
  sh_build ret3 "$tmp/sh/ret3.c" && sh_expect ret3 3 ""
fi

echo "$cases cases, $failures failed"
[ "$failures" -eq 0 ]
