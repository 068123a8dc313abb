// linux_picolibc.c - picolibc's heap and errno on the Linux ABI
// (linux/picolibc_glue.c), as real programs such as bench/bench_real.sh's
// SQLite use them: malloc, realloc and free over brk well past the first
// page of heap, and errno (thread-local in picolibc: it needs the TLS block
// the glue sets up). Prints what it found; exits 1 if anything is wrong.
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
  struct node* next;
  uint32_t value;
  char pad[20];
};

static int failures;
static void expect(int ok, const char* what) {
  if (!ok) {
    printf("FAIL: %s\n", what);
    failures++;
  }
}

int main(void) {
  // Many small blocks (a list), half freed, then reused.
  struct node* head = NULL;
  for (uint32_t i = 0; i < 20000; i++) {
    struct node* n = malloc(sizeof *n);
    if (!n) return printf("FAIL: malloc of node %u\n", (unsigned)i), 1;
    n->value = i * 2654435761u;
    n->next = head;
    head = n;
  }
  uint32_t sum = 0, kept = 0;
  for (struct node **p = &head; *p;) {
    struct node* n = *p;
    if (n->value & 1) {
      *p = n->next;
      free(n);
    } else {
      sum += n->value;
      kept++;
      p = &n->next;
    }
  }
  // A buffer grown to 4 MiB: brk far beyond its start, contents kept.
  size_t size = 16;
  unsigned char* buf = malloc(size);
  expect(buf != NULL, "malloc(16)");
  for (size_t i = 0; i < size; i++) buf[i] = (unsigned char)(i * 7);
  while (buf && size < ((size_t)4 << 20)) {
    unsigned char* grown = realloc(buf, size * 2);
    if (!grown) break;
    buf = grown;
    for (size_t i = size; i < size * 2; i++) buf[i] = (unsigned char)(i * 7);
    size *= 2;
  }
  expect(size == ((size_t)4 << 20), "realloc to 4 MiB");
  uint32_t bad = 0;
  for (size_t i = 0; buf && i < size; i++) bad += buf[i] != (unsigned char)(i * 7);
  expect(bad == 0, "realloc kept the contents");
  free(buf);
  char* again = calloc(1000, 100);
  expect(again != NULL && again[0] == 0 && again[99999] == 0, "calloc after free");
  free(again);

  // errno lives in the TLS block.
  errno = 0;
  long big = strtol("999999999999999999999", NULL, 10);
  expect(big == LONG_MAX && errno == ERANGE, "strtol overflow sets errno to ERANGE");
  errno = 0;
  long small = strtol("-12345", NULL, 10);
  expect(small == -12345 && errno == 0, "strtol in range leaves errno 0");
  expect(strcmp(strerror(ERANGE), "") != 0, "strerror");

  printf("list: %u nodes kept, sum %08lx; buffer %lu KiB; errno %s\n", (unsigned)kept, (unsigned long)sum,
         (unsigned long)(size >> 10), failures ? "broken" : "ERANGE");
  return failures ? 1 : 0;
}
