// rv64_scores: an RV64 Linux program (static glibc, Debian's cross toolchain)
// with a bug to hunt backwards. fill() runs one past the end of
// table.scores[] and overwrites table.checksum, which main set earlier, so
// the final check fails long after the bad write:
//   riscv64-linux-gnu-gcc -static -O0 -g examples/rv64_scores.c -o rv64_scores.elf
//   rvrr debug rv64_scores.elf
//   (gdb) break rv64_scores.c:<the printf of checksum>   (or: break exit)
//   (gdb) continue
//   (gdb) watch table.checksum
//   (gdb) reverse-continue      -> stops in fill(), at the write with i == 8
#include <stdio.h>

#define N 8

struct table {
  long scores[N];
  long checksum;  // the sum of scores[]: set once, checked at the end
};

static struct table table;

static long weight(long i) {
  long w = i * 0x100000001L;  // LINE weight_body: needs all 64 bits
  return w;
}

static void fill(struct table* t) {
  for (int i = 0; i <= N; ++i)  // BUG: <= writes one past scores[], into checksum
    t->scores[i] = weight(i);   // LINE fill_write
}

static long sum(const struct table* t) {
  long s = 0;
  for (int i = 0; i < N; ++i) s += t->scores[i];
  return s;
}

int main(void) {
  table.checksum = 28 * 0x100000001L;  // LINE set_checksum: weight(0) + ... + weight(7)
  fill(&table);                        // LINE call_fill
  long s = sum(&table);
  printf("sum      = %ld\n", s);
  printf("checksum = %ld\n", table.checksum);  // LINE print_checksum
  if (s != table.checksum) {
    printf("checksum mismatch!\n");
    return 1;
  }
  return 0;
}
