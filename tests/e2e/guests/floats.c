// floats.c - guest of test_gdb_float.py (built -march=rv32imafdc -mabi=ilp32d
// at -O0): a function returning double (finish), a watched double, and one
// fdiv.d whose inexact flag reverse-stepi must take back.
#include <stdio.h>

volatile double watched_d = 0.0;
volatile double one = 1.0, three = 3.0;

// fa0 = fa0 / fa1: one instruction, so stepi/reverse-stepi cross exactly it.
__asm__(".text\n.globl do_div\n.type do_div, @function\ndo_div:\n  fdiv.d fa0, fa0, fa1\n  ret\n");
double do_div(double a, double b);

double half(double x) {
  return x * 0.5;  // LINE half_body
}

int main(void) {
  double a = 3.0;
  double r = half(a);          // LINE call_half
  watched_d = r + 1.0;         // LINE write_watched
  double q = do_div(one, three);  // LINE call_div
  printf("floats: r=%g watched=%g q=%.17g\n", r, watched_d, q);  // LINE print
  return 0;
}
