// fault_alloc: allocates without bound (Linux ABI, malloc over brk), touching
// every page, for tests/e2e/test_fault_memory.py. With rvrr's --memory-limit
// either brk fails (malloc returns NULL; the program says so and exits 3) or
// rvrr stops it with a clear message; the host never runs out of memory.
#include "rt.h"

int main(void) {
  unsigned long total = 0;
  for (;;) {
    char* p = malloc(1 << 20);
    if (!p) {
      printf("fault_alloc: malloc returned NULL after %lu MiB\n", total >> 20);
      return 3;
    }
    for (unsigned i = 0; i < (1u << 20); i += 4096) p[i] = (char)i;
    total += 1 << 20;
  }
}
