// linux_wc: counts lines, words and bytes of standard input, like wc(1), and
// prints a hash of the bytes. No bug. It exercises the read syscall: under
// `rvrr record` every byte read is recorded, so a replay sees the same input.
#include "rt.h"

int main(void) {
  static char buf[4096];
  unsigned lines = 0, words = 0, bytes = 0, hash = 5381;
  int in_word = 0;
  for (;;) {
    long n = sys_read(0, buf, sizeof buf);
    if (n < 0) {
      eprintf("read failed: %ld\n", n);
      return 1;
    }
    if (n == 0) break;
    for (long i = 0; i < n; i++) {
      char c = buf[i];
      hash = hash * 33 + (unsigned char)c;
      bytes++;
      if (c == '\n') lines++;
      int space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (!space && !in_word) words++;
      in_word = !space;
    }
  }
  printf("%u %u %u %08x\n", lines, words, bytes, hash);
  return 0;
}
