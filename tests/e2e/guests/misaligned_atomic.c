// misaligned_atomic: an atomic read-modify-write on a misaligned address.
// RISC-V Linux delivers SIGBUS (BUS_ADRALN) for a misaligned AMO; so does
// rvrr, and gdb must show it as SIGBUS with the address in $_siginfo.
#ifdef RVRR_LINUX_RT
#include "rt.h"
#else
#include <stdio.h>
#endif

char buffer[16] __attribute__((aligned(8)));

int main(void) {
  volatile int* p = (volatile int*)(buffer + 2);  // LINE misaligned_ptr
  __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);     // LINE amo (SIGBUS here)
  printf("not reached\n");
  return 0;
}
