// rv64_far.c - an RV64 program whose memory lies far apart: the program low,
// regions mapped at fixed addresses above 4 GiB (4 GiB, 64 GiB, 128 GiB), a
// large malloc (its own mmap), the brk heap and the stack near the top of the
// address space. Each region is written and read back through pointers
// chained across regions; it prints checksums only (never addresses), so its
// output is the same wherever a system puts things.
//
//   riscv64-linux-gnu-gcc -static -O0 -g examples/rv64_far.c -o rv64_far.elf
//   rvrr run rv64_far.elf          # prints 4 lines, exits 0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define REGION_SIZE (64 * 1024)

struct node {
  struct node* next;  // the next node, in another region
  uint64_t value;
};

static const uintptr_t far_addresses[] = {0x100000000ull, 0x1000000000ull, 0x2000000000ull};

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

int main(void) {
  struct node* regions[4];
  for (int i = 0; i < 3; ++i) {
    void* p = mmap((void*)far_addresses[i], REGION_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || (uintptr_t)p != far_addresses[i]) {
      printf("mmap %d failed\n", i);
      return 2;
    }
    regions[i] = p;
  }
  regions[3] = malloc(1 << 20);  // big enough for malloc to mmap it
  if (!regions[3]) return 3;

  // Fill every region, each page of it, and chain one node per region.
  uint64_t h = 0xcbf29ce484222325ull;
  for (int r = 0; r < 4; ++r) {
    uint64_t* words = (uint64_t*)regions[r];
    for (size_t i = 2; i < REGION_SIZE / 8; i += 509) words[i] = mix(h, i * 7 + r);
    regions[r]->value = 1000 + r;  // LINE value_write
    regions[r]->next = regions[(r + 1) % 4];
  }
  uint64_t sum = 0;
  struct node* n = regions[0];
  for (int step = 0; step < 8; ++step, n = n->next) sum += n->value;
  printf("chain sum %llu\n", (unsigned long long)sum);

  for (int r = 0; r < 4; ++r) {
    const uint64_t* words = (const uint64_t*)regions[r];
    for (size_t i = 2; i < REGION_SIZE / 8; i += 509) h = mix(h, words[i]);
  }
  printf("region hash %016llx\n", (unsigned long long)h);  // LINE print_hash

  // The stack: a local array, and the brk heap: small mallocs.
  volatile uint64_t local[256];
  for (int i = 0; i < 256; ++i) local[i] = (uint64_t)i * i;
  uint64_t lsum = 0;
  for (int i = 0; i < 256; ++i) lsum += local[i];
  char* small = malloc(100);
  strcpy(small, "brk heap");
  printf("stack sum %llu, %s\n", (unsigned long long)lsum, small);

  // Unmap the middle region and map it again: it reads as zeros.
  munmap(regions[1], REGION_SIZE);  // LINE munmap
  void* again = mmap((void*)far_addresses[1], REGION_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("remapped %s\n", again == regions[1] && ((uint64_t*)again)[2] == 0 ? "zero" : "WRONG");
  free(small);
  free(regions[3]);
  return 0;
}
