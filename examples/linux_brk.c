// linux_brk: grows and shrinks the heap with brk, and fills many malloc'ed
// blocks (our bump allocator over brk). No bug. It prints sizes and sums,
// never addresses, because rvrr and qemu place the break differently.
#include "rt.h"

int main(void) {
  char* base = (char*)sys_brk(0);
  if ((long)base <= 0) {
    printf("brk(0) failed\n");
    return 1;
  }
  // Grow by 1 MiB in uneven steps, writing every byte of each new part.
  char* cur = base;
  unsigned sum = 0;
  for (int step = 1; step <= 16; step++) {
    size_t grow = (size_t)step * 8191;
    char* want = cur + grow;
    if ((char*)sys_brk(want) != want) {
      printf("brk grow %d failed\n", step);
      return 1;
    }
    for (size_t i = 0; i < grow; i++) cur[i] = (char)(i * step);
    for (size_t i = 0; i < grow; i++) sum += (unsigned char)cur[i];
    cur = want;
  }
  printf("grown %u bytes, sum %u\n", (unsigned)(cur - base), sum);
  // Shrink back half way: the break moves down; then grow again and the
  // memory must still be usable.
  char* half = base + (cur - base) / 2;
  printf("shrink %s\n", (char*)sys_brk(half) == half ? "ok" : "failed");
  char* again = half + 100000;
  printf("regrow %s\n", (char*)sys_brk(again) == again ? "ok" : "failed");
  memset(half, 0x5a, 100000);

  // malloc: a linked list of blocks of growing size, then check them all.
  struct block {
    struct block* next;
    unsigned size;
    unsigned data[];
  }* head = NULL;
  int count = 0;
  for (unsigned size = 1; size < 5000; size = size * 3 / 2 + 1) {
    struct block* b = malloc(sizeof *b + size * sizeof(unsigned));
    if (!b) {
      printf("malloc(%u) failed\n", size);
      return 1;
    }
    b->size = size;
    for (unsigned i = 0; i < size; i++) b->data[i] = size ^ i;
    b->next = head;
    head = b;
    count++;
  }
  unsigned check = 0;
  for (struct block* b = head; b; b = b->next)
    for (unsigned i = 0; i < b->size; i++) check = check * 7 + b->data[i];
  printf("%d blocks, check %08x\n", count, check);
  // realloc must keep the contents.
  unsigned* v = NULL;
  for (unsigned n = 1; n <= 1024; n *= 2) {
    v = realloc(v, n * sizeof *v);
    for (unsigned i = n / 2; i < n; i++) v[i] = i * i;
  }
  unsigned vs = 0;
  for (unsigned i = 0; i < 1024; i++) vs += v[i];
  printf("realloc sum %u\n", vs);
  return 0;
}
