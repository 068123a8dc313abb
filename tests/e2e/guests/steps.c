// steps: a small guest for the gdb-driven tests, built with -O0 so every
// variable is visible and every source line is a stepping point. The tests
// find lines by the "LINE name" markers, never by number. One statement per
// line, so that gdb's line stepping has one obvious answer in both directions.
//   steps          normal run; prints "steps: x=5" once, exits 0
//   steps ill      executes an illegal instruction (SIGILL) in illegal()
#ifdef RVRR_LINUX_RT
#include "rt.h"   // examples/linux: lets the same source run under qemu-riscv32
#else
#include <stdio.h>
#endif

int counter;                 // written by bump(): 5, 6, 8, 11, 15, 20 (by = 5, 1, 2, 3, 4, 5)
int guard = 7;               // read by reader(), written once by main
int arr[4] = {10, 20, 30, 40};
volatile int sink;

int add(int a, int b) {
  int r = a + b;             // LINE add_body
  return r;                  // LINE add_return
}

void bump(int by) {
  counter += by;             // LINE bump_write
}

int sum_to(int n) {
  int s = 0;                 // LINE sum_init
  for (int i = 0; i < n; i++)
    s += i;                  // LINE loop_body
  return s;                  // LINE sum_return
}

int reader(void) {
  return guard + 1;          // LINE guard_read
}

void illegal(void) {
  __asm__ volatile("unimp");  // LINE illegal_insn (an illegal instruction)
}

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == 'i') illegal();  // LINE call_illegal
  int x = add(2, 3);                     // LINE call_add
  bump(x);                               // LINE call_bump
  printf("steps: x=%d\n", x);            // LINE printf
  int y = sum_to(100000);                // LINE call_sum
  for (int k = 1; k <= 4; k++)           // LINE bump_loop
    bump(k);                             // LINE bump_call
  bump(5);                               // LINE bump_last
  guard = reader();                      // LINE guard_write
  arr[2] = y & 0xff;                     // LINE arr_write
  sink = counter + guard;                // LINE sink_write
  return 0;                              // LINE main_return
}
