// read_watch: reads stdin with read() into a global buffer, for
// tests/e2e/test_gdb_host_writes.py: a watchpoint on the buffer must stop at
// the ecall (Linux ABI) or semihosting ebreak (picolibc READ) that filled it,
// forwards and backwards. Built both ways (RVRR_LINUX_RT: examples/linux).
#ifdef RVRR_LINUX_RT
#include "rt.h"
#define READ(fd, b, n) sys_read(fd, b, n)
#else
#include <stdio.h>
#include <unistd.h>
#define READ(fd, b, n) read(fd, b, n)
#endif

char buf[16];
int reads;

int main(void) {
  buf[0] = 'x';                        // LINE store
  reads = 1;                           // LINE before_read
  long n = READ(0, buf, 8);            // LINE read
  reads = 2;                           // LINE after_read
  printf("read %ld: %c\n", n, buf[0]);
  return 0;
}
