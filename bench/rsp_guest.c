// rsp_guest: the program bench_rsp.py steps through, built for the Linux ABI
// (examples/linux runtime) so the very same ELF runs under rvrr and under
// qemu-riscv32. The hot loop is one source line, so gdb's `next` over it
// single-steps every instruction of every iteration (one RSP round trip each).
#include "rt.h"

int main(int argc, char** argv) {
  unsigned n = argc > 1 ? (unsigned)atol(argv[1]) : 100000;
  unsigned acc = 1;
  for (unsigned i = 0; i < n; i++) acc = acc * 31 + i;  // HOT LOOP (one line)
  printf("rsp_guest: %u iterations, acc %u\n", n, acc);  // AFTER LOOP
  return 0;
}
