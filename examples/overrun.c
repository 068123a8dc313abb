// overrun: a buffer overrun that silently corrupts a neighbouring global.
//
// The bug: bucket() maps a value in 1..MAX_VALUE to 0..NBUCKETS-1, except that
// MAX_VALUE itself lands in bucket NBUCKETS - one past the end of histogram[],
// which is where `guard` lives. Values are pseudo-random, so this happens only
// now and then, long before the program notices at the end.
//
// Finding it with rvrr:
//   rvrr debug overrun.elf
//   (gdb) break report_corruption
//   (gdb) continue
//   (gdb) watch guard
//   (gdb) reverse-continue      # stops at the histogram[...]++ that wrote guard
//   (gdb) print value           # == MAX_VALUE: bucket() returned NBUCKETS
#include <stdio.h>

#define NBUCKETS 16
#define MAX_VALUE 1000

// Keep the two together in memory (in this order), as a linker often would.
unsigned histogram[NBUCKETS] __attribute__((section(".data.histogram")));
unsigned guard __attribute__((section(".data.histogram"))) = 0xC0FFEE;  // must never change

static unsigned seed = 12345;
static unsigned next_value(void) {  // 1..MAX_VALUE
  seed = seed * 1103515245u + 12345u;
  return (seed >> 16) % MAX_VALUE + 1;
}

static unsigned bucket(unsigned value) {
  return value * NBUCKETS / MAX_VALUE;  // BUG: value == MAX_VALUE gives NBUCKETS
}

void report_corruption(void) {
  printf("guard corrupted: 0x%x (expected 0xc0ffee)\n", guard);
}

int main(void) {
  for (int i = 0; i < 20000; i++) {
    unsigned value = next_value();
    histogram[bucket(value)]++;
  }
  for (int b = 0; b < NBUCKETS; b++) printf("bucket %2d: %u\n", b, histogram[b]);
  if (guard != 0xC0FFEE) {
    report_corruption();
    return 1;
  }
  return 0;
}
