// rt.c - syscalls, printf, strings and malloc for the Linux-ABI examples.
// See rt.h. Kept deliberately simple: these programs are test material.
#include "rt.h"

int main(int argc, char** argv);

// ---- syscalls (number in a7, arguments in a0..a5, result in a0) ----

static long syscall3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

long sys_write(int fd, const void* buf, size_t n) { return syscall3(64, fd, (long)buf, (long)n); }
long sys_read(int fd, void* buf, size_t n) { return syscall3(63, fd, (long)buf, (long)n); }
long sys_brk(void* addr) { return syscall3(214, (long)addr, 0, 0); }

_Noreturn void sys_exit(int code) {
  syscall3(94, code, 0, 0);  // exit_group
  for (;;) syscall3(93, code, 0, 0);
}

// clock_gettime64 (403): rv32 Linux has only the 64-bit time syscalls.
long sys_clock_gettime(int clock, int64_t* sec, int64_t* nsec) {
  int64_t ts[2];  // struct __kernel_timespec
  long r = syscall3(403, clock, (long)ts, 0);
  if (r == 0) {
    *sec = ts[0];
    *nsec = ts[1];
  }
  return r;
}

// ---- buffered stdout ----

static char out_buf[1024];
static size_t out_len;

static void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    long r = sys_write(fd, p, n);
    if (r <= 0) return;  // nowhere to report it; drop the rest
    p += r;
    n -= (size_t)r;
  }
}

void fflush_stdout(void) {
  write_all(1, out_buf, out_len);
  out_len = 0;
}

_Noreturn void exit(int code) {
  fflush_stdout();
  sys_exit(code);
}

void rt_start(int argc, char** argv, char** envp) {
  (void)envp;
  exit(main(argc, argv));
}

// ---- printf ----

struct sink {
  int fd;
  int count;
};

static void emit(struct sink* s, const char* p, size_t n) {
  s->count += (int)n;
  if (s->fd != 1) {
    write_all(s->fd, p, n);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    out_buf[out_len++] = p[i];
    if (p[i] == '\n' || out_len == sizeof out_buf) fflush_stdout();
  }
}

static void pad(struct sink* s, char c, int n) {
  while (n-- > 0) emit(s, &c, 1);
}

// Emits a number already converted to text, honouring width and flags.
static void emit_field(struct sink* s, const char* digits, int len, int negative, int width,
                       int left, int zero) {
  int total = len + negative;
  if (!left && !zero) pad(s, ' ', width - total);
  if (negative) emit(s, "-", 1);
  if (!left && zero) pad(s, '0', width - total);
  emit(s, digits, (size_t)len);
  if (left) pad(s, ' ', width - total);
}

int vprintf_fd(int fd, const char* fmt, va_list ap) {
  struct sink s = {fd, 0};
  while (*fmt) {
    if (*fmt != '%') {
      const char* start = fmt;
      while (*fmt && *fmt != '%') fmt++;
      emit(&s, start, (size_t)(fmt - start));
      continue;
    }
    fmt++;
    int left = 0, zero = 0, width = 0, longs = 0;
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') zero = 1;
      else break;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') longs++, fmt++;
    char conv = *fmt ? *fmt++ : '\0';
    char tmp[24];
    int len = 0, negative = 0;
    unsigned long long u = 0;
    unsigned base = 10;
    const char* hex = "0123456789abcdef";
    switch (conv) {
      case 'd':
      case 'i': {
        long long v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
        negative = v < 0;
        u = negative ? 0ull - (unsigned long long)v : (unsigned long long)v;
        break;
      }
      case 'X':
        hex = "0123456789ABCDEF";
        /* fallthrough */
      case 'x':
        base = 16;
        /* fallthrough */
      case 'u':
        u = longs >= 2 ? va_arg(ap, unsigned long long) : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
        break;
      case 'p':
        u = (uintptr_t)va_arg(ap, void*);
        base = 16;
        emit(&s, "0x", 2);
        break;
      case 'c':
        tmp[0] = (char)va_arg(ap, int);
        emit_field(&s, tmp, 1, 0, width, left, 0);
        continue;
      case 's': {
        const char* str = va_arg(ap, const char*);
        if (!str) str = "(null)";
        emit_field(&s, str, (int)strlen(str), 0, width, left, 0);
        continue;
      }
      case '%':
        emit(&s, "%", 1);
        continue;
      default:  // unknown conversion: print it as is
        emit(&s, "%", 1);
        if (conv) emit(&s, &conv, 1);
        continue;
    }
    char* end = tmp + sizeof tmp;
    char* p = end;
    do {
      *--p = hex[u % base];
      u /= base;
    } while (u != 0);
    len = (int)(end - p);
    emit_field(&s, p, len, negative, width, left, zero);
  }
  return s.count;
}

int printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vprintf_fd(1, fmt, ap);
  va_end(ap);
  return n;
}

int eprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fflush_stdout();
  int n = vprintf_fd(2, fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char* str) { return printf("%s\n", str); }

// ---- memory and strings ----
// Byte loops on purpose: simple to read and to step through in gdb. The
// loops are marked so GCC does not turn them back into calls to themselves.

#define NO_BUILTIN __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_BUILTIN void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  while (n--) *d++ = *s++;
  return dst;
}

NO_BUILTIN void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

NO_BUILTIN void* memset(void* dst, int c, size_t n) {
  unsigned char* d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

NO_BUILTIN size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

NO_BUILTIN char* strcpy(char* dst, const char* src) {
  char* d = dst;
  while ((*d++ = *src++)) {
  }
  return dst;
}

long atol(const char* s) {
  long v = 0;
  int neg = 0;
  while (*s == ' ') s++;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return neg ? -v : v;
}

int atoi(const char* s) { return (int)atol(s); }

// ---- bump allocator ----
// Each block is preceded by its size (8 bytes, keeping 8-byte alignment).

static char* heap_next;
static char* heap_end;

void* malloc(size_t n) {
  if (!heap_next) heap_next = heap_end = (char*)sys_brk(0);
  size_t need = (n + 8 + 7) & ~(size_t)7;
  if (need < n) return NULL;  // overflow
  if ((size_t)(heap_end - heap_next) < need) {
    char* want = heap_next + need;
    if ((char*)sys_brk(want) < want) return NULL;
    heap_end = want;
  }
  char* block = heap_next;
  heap_next += need;
  *(size_t*)block = n;
  return block + 8;
}

void* calloc(size_t count, size_t size) {
  if (size && count > (size_t)-1 / size) return NULL;
  void* p = malloc(count * size);
  if (p) memset(p, 0, count * size);  // brk memory is zero, but be honest
  return p;
}

void* realloc(void* p, size_t n) {
  void* q = malloc(n);
  if (p && q) {
    size_t old = *(size_t*)((char*)p - 8);
    memcpy(q, p, old < n ? old : n);
  }
  return q;
}

void free(void* p) { (void)p; }
