// fault_spin: runs forever (a counting loop, no host calls), for
// tests/e2e/test_fault_runaway.py: --max-instructions and gdb's Ctrl-C must stop it.
#include <stdio.h>

volatile unsigned counter;

int main(void) {
  printf("fault_spin: spinning forever\n");
  for (;;) counter++;
}
