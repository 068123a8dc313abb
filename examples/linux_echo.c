// linux_echo: prints its arguments like echo(1); exits with the number of
// arguments, so exit codes can be checked too. No bug. The arguments come
// from the Linux initial stack (argc, argv, envp, auxv) that rvrr lays out.
#include "rt.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) printf("%s%s", i > 1 ? " " : "", argv[i]);
  printf("\n");
  return argc - 1;
}
