// linux_arith: integer arithmetic edge cases (M extension and shifts), printed
// in hex so `rvrr run` can be compared with qemu-riscv32 line by line.
// No bug. The interesting rows are division by zero (quotient all ones,
// remainder = dividend) and INT_MIN / -1 (quotient INT_MIN, remainder 0).
// The operations are inline asm so the compiler cannot fold them away.
#include "rt.h"

#define OP(name)                                                  \
  static unsigned name(unsigned a, unsigned b) {                  \
    unsigned r;                                                   \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); \
    return r;                                                     \
  }
OP(mul) OP(mulh) OP(mulhsu) OP(mulhu) OP(div) OP(divu) OP(rem) OP(remu)
OP(sll) OP(srl) OP(sra) OP(slt) OP(sltu)

static const unsigned values[] = {0,          1,          2,          3,          7,
                                  0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe,
                                  0x12345678, 0xdeadbeef, 31,         32,         33};
#define NVALUES (sizeof values / sizeof values[0])

int main(void) {
  static const struct {
    const char* name;
    unsigned (*fn)(unsigned, unsigned);
  } ops[] = {{"mul", mul}, {"mulh", mulh}, {"mulhsu", mulhsu}, {"mulhu", mulhu},
             {"div", div}, {"divu", divu}, {"rem", rem},       {"remu", remu},
             {"sll", sll}, {"srl", srl},   {"sra", sra},       {"slt", slt},
             {"sltu", sltu}};
  unsigned checksum = 0;
  for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++) {
    for (unsigned i = 0; i < NVALUES; i++) {
      printf("%-6s", ops[o].name);
      for (unsigned j = 0; j < NVALUES; j++) {
        unsigned r = ops[o].fn(values[i], values[j]);
        checksum = checksum * 31 + r;
        printf(" %08x", r);
      }
      printf("\n");
    }
  }
  // The same through plain C, as the compiler would emit it.
  int64_t big = (int64_t)(int32_t)values[6] * (int64_t)(int32_t)values[8];
  uint64_t ubig = (uint64_t)values[8] * values[8];
  printf("c: %lld %llu %lld\n", (long long)big, (unsigned long long)ubig, (long long)(big / 7));
  printf("checksum %08x\n", checksum);
  return 0;
}
