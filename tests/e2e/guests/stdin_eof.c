// stdin_eof: reads stdin with getchar until EOF, then prints how many
// characters it read and whether the stream says end-of-file. For
// tests/e2e/test_picolibc_recipe.py: under semihosting, stdin goes through
// READC, and end of input must reach getchar as EOF (not loop forever).
#include <stdio.h>

int main(void) {
  unsigned long n = 0, sum = 0;
  int c;
  while ((c = getchar()) != EOF) {
    n++;
    sum = sum * 31 + (unsigned char)c;
    if (n > 100000) {
      printf("no EOF after %lu characters (last %d)\n", n, c);
      return 2;
    }
  }
  printf("read %lu characters (hash %lu), feof %d\n", n, sum, feof(stdin) != 0);
  return 0;
}
