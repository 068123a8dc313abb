// linux_fault: dies on purpose, in the way named by argv[1], so tests can
// check how rvrr reports a guest fault (one line naming the signal, the pc and
// the instruction; exit status 128 + signal, as a shell reports a killed
// process) and that it matches qemu-riscv32:
//   segv   store through a null pointer            SIGSEGV, exit 139
//   wild   load from an unmapped address far away  SIGSEGV, exit 139
//   ill    an illegal instruction                  SIGILL,  exit 132
//   bus    a misaligned atomic                     SIGBUS,  exit 135
//   stack  unbounded recursion overflows the stack SIGSEGV, exit 139
//   trap   an ebreak (not a semihosting call)      SIGTRAP, exit 133
//   none   (default) no fault: exit 0
#include "rt.h"

static volatile int max_depth = -1;  // never reached; keeps the compiler quiet

static int depth(volatile char* prev, int n) {
  volatile char frame[256];
  if (n == max_depth) return 0;
  frame[0] = (char)n;
  frame[255] = prev ? prev[0] : 0;
  return depth(frame, n + 1) + frame[1];  // not a tail call: the stack must grow
}

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "none";
  printf("fault: %s\n", what);
  fflush_stdout();
  if (strcmp(what, "segv") == 0) {
    *(volatile int*)0 = 1;
  } else if (strcmp(what, "wild") == 0) {
    return *(volatile int*)0xdead0000;
  } else if (strcmp(what, "ill") == 0) {
    __asm__ volatile(".word 0");  // all-zero bits is defined to be illegal
  } else if (strcmp(what, "bus") == 0) {
    static int words[2];
    int old;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"((char*)words + 1), "r"(1) : "memory");
    return old;
  } else if (strcmp(what, "stack") == 0) {
    return depth(0, 0);
  } else if (strcmp(what, "trap") == 0) {
    __asm__ volatile("ebreak");  // assembled as c.ebreak
  } else if (strcmp(what, "none") != 0) {
    printf("unknown fault '%s'\n", what);
    return 2;
  }
  printf("still alive\n");
  return 0;
}
