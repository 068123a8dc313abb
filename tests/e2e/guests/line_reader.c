// line_reader: reads stdin line by line with fgets, as interactive programs
// do, until "quit" or end of input, for tests/e2e/test_interrupt_stdin.py
// (Ctrl-C and signals while the guest waits for input).
#include <stdio.h>
#include <string.h>

char line[128];
unsigned lines;

int main(void) {
  printf("line_reader: ready\n");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
    lines++;
    printf("line_reader: line %u: %s", lines, line);
    fflush(stdout);
    if (strncmp(line, "quit", 4) == 0) break;
  }
  printf("line_reader: %u lines\n", lines);
  return (int)lines;
}
