// linux_branchy: short basic blocks for benchmarks - a tiny bytecode
// interpreter (a switch per byte) and data-dependent branches - repeated
// ITERATIONS times (argv[1], default 2; each iteration is about 0.35 million
// instructions). No bug. Prints one checksum, the same under rvrr (either
// tier) and qemu-riscv32.
//   rvrr run --stats linux_branchy.elf 1000
#include "rt.h"

enum { PUSH, ADD, XOR, DUP, SWAP, SHL, JNZ, DEC, HALT };

// acc: the stack's top after running `code`, a loop counting `n` down.
static unsigned run(const unsigned char* code, unsigned n) {
  unsigned stack[16], sp = 0, pc = 0;
  stack[sp++] = n;
  stack[sp++] = 1;
  for (;;) {
    switch (code[pc++]) {
      case PUSH: stack[sp++] = code[pc++]; break;
      case ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
      case DUP: stack[sp] = stack[sp - 1]; sp++; break;
      case SWAP: { unsigned t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
      case SHL: stack[sp - 1] <<= 1; break;
      case DEC: stack[sp - 1]--; break;
      case JNZ: { unsigned target = code[pc++]; if (stack[sp - 1]) pc = target; break; }
      case HALT: return stack[sp - 1] + stack[sp - 2];
    }
  }
}

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? atoi(argv[1]) : 2;
  // loop: acc = (acc << 1 ^ 7) + acc ; n-- ; while n
  static const unsigned char prog[] = {
      /* 0 */ SWAP, DUP, SHL, PUSH, 7, XOR, ADD, SWAP, DEC, JNZ, 0, HALT,
  };
  unsigned sum = 0, x = 12345;
  for (int it = 0; it < iterations; ++it) {
    sum += run(prog, 8000);
    for (unsigned k = 0; k < 20000; ++k) {  // data-dependent branches
      x ^= x << 13; x ^= x >> 17; x ^= x << 5;
      if (x & 1) sum += k;
      else if (x & 2) sum ^= x;
      else if (x & 4) sum -= 3;
      if ((x >> 8) % 3 == 0) sum = sum * 3 + 1;
    }
  }
  printf("branchy checksum %08x\n", sum);
  return 0;
}
