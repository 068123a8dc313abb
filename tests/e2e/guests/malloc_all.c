// malloc_all: allocates 1 KiB blocks until malloc fails, writing every byte,
// then checks that its stack survived. For tests/e2e/test_picolibc_recipe.py:
// with the README's picolibc recipe malloc must return NULL before the heap
// reaches the stack (a heap that overlaps the stack hands out the stack).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int depth(int n) {
  volatile char frame[256];
  memset((char*)frame, n, sizeof frame);
  int below = n > 0 ? depth(n - 1) : 0;
  return below + (frame[n % 256] == (char)n);
}

int main(void) {
  volatile unsigned canary = 0x5eed1234;
  unsigned long blocks = 0;
  for (;;) {
    char* p = malloc(1024);
    if (!p) break;
    memset(p, 0xa5, 1024);
    blocks++;
  }
  if (canary != 0x5eed1234) {
    printf("stack corrupted after %lu KiB of heap\n", blocks);
    return 3;
  }
  printf("malloc returned NULL after %lu KiB; stack ok (%d)\n", blocks, depth(100));
  return 0;
}
