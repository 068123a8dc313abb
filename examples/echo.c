// echo: prints its arguments, like echo(1). No bug. The command line reaches
// a semihosting program through SYS_GET_CMDLINE (picolibc's crt0-semihost
// splits it into argv), so `rvrr run echo.elf a b c` prints "a b c".
#include <stdio.h>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) printf("%s%s", i > 1 ? " " : "", argv[i]);
  printf("\n");
  return 0;
}
