// corrupt_late: a long run (about 100 million instructions) in which a global
// is corrupted once, near the very end. It is the reverse-debugging benchmark:
// `watch guard` + `reverse-continue` must find that one write far back in
// history without re-running the whole program step by step.
//
// The bug: record_large() keeps the first LOG_SIZE large transfers, but tests
// nlarge <= LOG_SIZE, so the (LOG_SIZE+1)-th large transfer - which happens
// late in the run - is written to log[LOG_SIZE], i.e. over `guard`.
//
//   rvrr debug corrupt_late.elf
//   (gdb) break report
//   (gdb) continue
//   (gdb) watch guard
//   (gdb) reverse-continue       # stops in record_large(), nlarge == LOG_SIZE
#include <stdio.h>

#define ACCOUNTS 64
#define STEPS 3600000   // about 28 instructions each
#define LOG_SIZE 49     // the 50th large transfer comes at step 3486343 (97%)
#define LARGE 0xffff00u  // transfers of at least this much are logged (rare)

static unsigned balance[ACCOUNTS];

// Keep the two together in memory (in this order), as a linker often would.
unsigned large_log[LOG_SIZE] __attribute__((section(".data.large_log")));
unsigned guard __attribute__((section(".data.large_log"))) = 0xC0FFEE;  // must never change
static unsigned nlarge;

static unsigned seed = 1;
static unsigned next_random(void) {
  seed = seed * 1664525u + 1013904223u;
  return seed;
}

static void record_large(unsigned amount) {
  if (nlarge <= LOG_SIZE) large_log[nlarge++] = amount;  // BUG: should be <
}

void report(unsigned total) {
  printf("total %u, guard 0x%x, %u large transfers logged\n", total, guard, nlarge);
}

int main(void) {
  for (int i = 0; i < ACCOUNTS; i++) balance[i] = 1000;
  for (int step = 0; step < STEPS; step++) {
    unsigned r = next_random();
    unsigned from = r % ACCOUNTS, to = (r >> 8) % ACCOUNTS;
    unsigned amount = (r >> 8) % (balance[from] + 1);
    balance[from] -= amount;
    balance[to] += amount;
    if ((r >> 8) >= LARGE) record_large(r >> 8);
  }
  unsigned total = 0;
  for (int i = 0; i < ACCOUNTS; i++) total += balance[i];
  report(total);
  return guard == 0xC0FFEE ? 0 : 1;
}
