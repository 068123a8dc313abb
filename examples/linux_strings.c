// linux_strings: string handling with the runtime's own strlen/strcmp/memcpy
// and byte loads/stores: reversing, palindromes, word counts, sorting words,
// number formatting. No bug; its output is compared with qemu-riscv32.
#include "rt.h"

static const char* text =
    "A man a plan a canal Panama. Was it a car or a cat I saw? "
    "rvrr runs RISC-V programs backwards; level racecar noon refer rotor.";

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static void reverse(char* s) {
  for (size_t i = 0, j = strlen(s); i + 1 < j; i++, j--) {
    char t = s[i];
    s[i] = s[j - 1];
    s[j - 1] = t;
  }
}

static int is_palindrome(const char* s, size_t n) {
  for (size_t i = 0; i < n / 2; i++)
    if (lower(s[i]) != lower(s[n - 1 - i])) return 0;
  return 1;
}

int main(void) {
  char words[32][16];
  int nwords = 0;
  for (const char* p = text; *p;) {
    while (*p && !is_alpha(*p)) p++;
    const char* start = p;
    while (is_alpha(*p)) p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || n >= sizeof words[0] || nwords == 32) continue;
    memcpy(words[nwords], start, n);
    words[nwords][n] = '\0';
    nwords++;
  }
  printf("%d words, %u bytes\n", nwords, (unsigned)strlen(text));

  for (int i = 0; i < nwords; i++)  // insertion sort, case-sensitive
    for (int j = i; j > 0 && strcmp(words[j - 1], words[j]) > 0; j--) {
      char t[16];
      strcpy(t, words[j]);
      strcpy(words[j], words[j - 1]);
      strcpy(words[j - 1], t);
    }
  for (int i = 0; i < nwords; i++) {
    char r[16];
    strcpy(r, words[i]);
    reverse(r);
    printf("%-10s %-10s %s\n", words[i], r,
           is_palindrome(words[i], strlen(words[i])) ? "palindrome" : "-");
  }

  char buf[64];
  memset(buf, '.', sizeof buf - 1);
  buf[sizeof buf - 1] = '\0';
  memmove(buf + 3, buf, 10);
  memcpy(buf, "overlap", 7);
  memmove(buf + 2, buf, 7);
  printf("%s\n", buf);
  printf("[%5d] [%-5d] [%05d] [%x] [%X] [%c] [%s]\n", 42, -42, -42, 0xbeefu, 0xbeefu, 'z', "");
  unsigned h = 2166136261u;  // FNV-1a of the text
  for (const char* p = text; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
  printf("fnv1a %08x atoi %d %d\n", h, atoi("-1234"), atoi("  77x"));
  return 0;
}
