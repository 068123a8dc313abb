// hello: the first program to try. No bug. Built with the stock toolchain and
// picolibc (semihosting for I/O), exactly as you would build your own:
//   riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 --specs=picolibc.specs
//       --oslib=semihost --crt0=semihost -g -O1 hello.c -o hello.elf
//   rvrr run hello.elf        # prints, exits 0
//   rvrr debug hello.elf      # gdb attached: break main, continue, reverse-step
#include <stdio.h>

int main(void) {
  printf("Hello from RISC-V!\n");
  return 0;
}
