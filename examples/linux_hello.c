// linux_hello: the smallest Linux-ABI program (no libc, our own runtime in
// linux/). No bug. It runs the same under `rvrr run linux_hello.elf` and
// `qemu-riscv32 linux_hello.elf`; the qemu differential test relies on that.
#include "rt.h"

int main(int argc, char** argv) {
  printf("Hello from RISC-V (Linux ABI)!\n");
  printf("argc = %d\n", argc);
  int64_t sec = 0, nsec = 0;  // CLOCK_REALTIME: any date after 2001 will do
  long r = sys_clock_gettime(0, &sec, &nsec);
  printf("clock %s\n", r == 0 && sec > 1000000000 && nsec >= 0 && nsec < 1000000000 ? "ok" : "failed");
  return 0;
}
