// write_history: a global written at known points and a buffer filled by
// read(), for tests/e2e/test_gdb_write_history.py (last-write / next-write,
// `rvrr trace writes`) and `info proc mappings`. With input "abcd", counter
// goes 0 -> 1 -> 11 -> 22 -> 26.
#include <stdio.h>
#include <unistd.h>

int counter;
char buf[8];

static void bump(int by) {
  counter += by;                        // LINE bump
}

int main(void) {
  counter = 1;                          // LINE first
  bump(10);                             // LINE bump10
  counter = counter * 2;                // LINE double
  long n = read(0, buf, 4);             // LINE read
  bump((int)n);                         // LINE bump_n
  printf("counter %d buf %.4s\n", counter, buf);
  return 0;                             // LINE end
}
