// fault_reader: reads stdin in chunks (read(2); picolibc's stdio never sees
// end of input from semihosting READC) and works about a million
// instructions on each chunk, until end of input, for
// tests/e2e/test_fault_record_kill.py (a recording killed mid-way).
#include <stdio.h>
#include <unistd.h>

unsigned hash;
unsigned chunks;

int main(void) {
  char buf[256];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    chunks++;
    for (int round = 0; round < 20000; round++)
      for (ssize_t i = 0; i < n; i++) hash = hash * 33 + (unsigned char)buf[i] + round;
    printf("fault_reader: chunk %u hash %08x\n", chunks, hash);
    fflush(stdout);
  }
  printf("fault_reader: %u chunks\n", chunks);
  return 0;
}
