// null_deref: a lookup that can fail, used as if it could not.
//
// The bug: setting() returns NULL for a key that is not in the table, and
// main() dereferences the result without checking; "retries" is misspelt in
// the table, so the program dies with SIGSEGV (rvrr run exits 139 and names
// the faulting pc and instruction).
//
// Finding it with rvrr:
//   rvrr debug null_deref.elf
//   (gdb) continue               # Program received signal SIGSEGV
//   (gdb) reverse-step           # back into the expression that crashed
//   (gdb) reverse-finish         # ... and into setting(): which key failed?
#include <stdio.h>
#include <string.h>

struct setting {
  const char* key;
  int value;
};

static const struct setting table[] = {
    {"width", 80}, {"height", 24}, {"timeout", 30}, {"retires", 3}, {"verbose", 1},
};

static const struct setting* setting(const char* key) {
  for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].key, key) == 0) return &table[i];
  return NULL;
}

int main(void) {
  static const char* wanted[] = {"width", "height", "timeout", "retries", "verbose"};
  int total = 0;
  for (unsigned i = 0; i < 5; i++) {
    int value = setting(wanted[i])->value;  // BUG: NULL when the key is missing
    printf("%s = %d\n", wanted[i], value);
    total += value;
  }
  printf("total %d\n", total);
  return 0;
}
