// stale_ptr: a pointer kept across realloc() - a use after free.
//
// The bug: main() remembers `best`, a pointer into the list's array, then
// keeps appending; when the array grows, realloc() moves it (another block
// now sits right after it in the heap) and frees the old block, so the final
// `*best += BONUS` writes into freed memory and the bonus never reaches the
// real array. The total comes out wrong.
//
// Finding it with rvrr:
//   rvrr debug stale_ptr.elf
//   (gdb) break check_total
//   (gdb) continue
//   (gdb) up
//   (gdb) print best == &list.items[best_index]   # 0: best is stale
//   (gdb) watch list.items
//   (gdb) reverse-continue     # lands in push() just after the realloc that moved the array
#include <stdio.h>
#include <stdlib.h>

#define BONUS 1000

struct list {
  int* items;
  int len, cap;
};

static struct list list;

static void push(int value) {
  if (list.len == list.cap) {
    list.cap = list.cap ? list.cap * 2 : 4;
    list.items = realloc(list.items, list.cap * sizeof *list.items);
    if (!list.items) exit(2);
  }
  list.items[list.len++] = value;
}

static int score(int i) { return (i * 37) % 101; }

int check_total(int expected) {
  int total = 0;
  for (int i = 0; i < list.len; i++) total += list.items[i];
  printf("total %d, expected %d\n", total, expected);
  return total == expected ? 0 : 1;
}

int main(void) {
  int expected = 0, best_index = 0;
  int* best = NULL;
  for (int i = 0; i < 6; i++) {
    push(score(i));
    expected += score(i);
    if (!best || score(i) > *best) best = &list.items[list.len - 1], best_index = i;
  }
  char* summary = malloc(64);  // the next heap block: the array can no longer grow in place
  if (!summary) return 2;
  // More data arrives; the array grows and moves.
  for (int i = 6; i < 200; i++) {
    push(score(i));
    expected += score(i);
  }
  *best += BONUS;  // BUG: best points into the block realloc() freed
  expected += BONUS;
  snprintf(summary, 64, "best was #%d", best_index);
  puts(summary);
  return check_total(expected);
}
