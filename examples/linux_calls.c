// linux_calls: a call-heavy integer workload for benchmarks - recursion,
// small functions that are not inlined, calls through function pointers -
// repeated ITERATIONS times (argv[1], default 2; each iteration is about
// 0.6 million instructions). No bug. Prints one checksum, the same under
// rvrr (either tier) and qemu-riscv32.
//   rvrr run --stats linux_calls.elf 1000
#include "rt.h"

#define NOINLINE __attribute__((noinline))

static NOINLINE unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static NOINLINE unsigned mix(unsigned a, unsigned b) { return (a ^ (b << 3)) + (b >> 2); }
static NOINLINE unsigned twist(unsigned a, unsigned b) { return (a * 2654435761u) ^ b; }
static NOINLINE unsigned fold(unsigned a, unsigned b) { return a + b * 31; }

typedef unsigned (*op_fn)(unsigned, unsigned);
static op_fn const ops[] = {mix, twist, fold};

static NOINLINE unsigned walk(unsigned depth, unsigned acc) {
  if (depth == 0) return acc;
  return walk(depth - 1, ops[depth % 3](acc, depth));
}

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? atoi(argv[1]) : 2;
  unsigned sum = 0;
  for (int it = 0; it < iterations; ++it) {
    sum += fib(18 + (it & 1));                    // ~0.6M instructions of calls and returns
    for (unsigned k = 0; k < 2000; ++k) sum = walk(16, sum + k);
  }
  printf("calls checksum %08x\n", sum);
  return 0;
}
