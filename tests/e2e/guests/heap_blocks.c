// heap_blocks: a few allocations with known sizes, for `monitor heap`
// (tests/e2e/test_gdb_write_history.py). At the `end` marker two blocks are
// live: 32 bytes from calloc(4, 8) and 200 bytes from realloc(c, 200); the
// 10 bytes of `a` were freed and c's first 100 bytes moved or grew in place.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char* a = malloc(10);                 // LINE alloc_a
  char* b = calloc(4, 8);               // LINE alloc_b
  char* c = malloc(100);                // LINE alloc_c
  free(a);                              // LINE free_a
  c = realloc(c, 200);                  // LINE realloc_c
  b[0] = c[0] = 1;                      // LINE end
  printf("%d\n", b[0] + c[0]);
  free(b);
  free(c);
  return 0;
}
