// picolibc_glue.c - runs a picolibc program (stdio, libm, fenv) with the
// Linux ABI, so hard-float builds also run under qemu-riscv32: crt0.S calls
// rt_start, stdout/stderr write(2) through a line buffer, _exit is
// exit_group. No picolibc crt0 or oslib (they assume bare metal: CSR writes
// to mstatus, semihosting). malloc's sbrk grows the Linux brk; the
// thread pointer gets a copy of the program's TLS segment (picolibc's errno
// is thread-local), so picolibc code that sets errno works.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long linux_call(long n, long a0, long a1, long a2) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a2 __asm__("a2") = a2;
  register long r_a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
  return r_a0;
}

static char out_buf[512];
static unsigned out_len;

static void flush_out(void) {
  unsigned done = 0;
  while (done < out_len) {
    long r = linux_call(64, 1, (long)(out_buf + done), out_len - done);  // write
    if (r <= 0) break;
    done += (unsigned)r;
  }
  out_len = 0;
}
static int put(char c, FILE* f) {
  (void)f;
  out_buf[out_len++] = c;
  if (c == '\n' || out_len == sizeof out_buf) flush_out();
  return (unsigned char)c;
}
static int flush(FILE* f) {
  (void)f;
  flush_out();
  return 0;
}

static FILE out_stream = FDEV_SETUP_STREAM(put, NULL, flush, _FDEV_SETUP_WRITE);
FILE* const stdout = &out_stream;
FILE* const stderr = &out_stream;
FILE* const stdin = NULL;

void _exit(int code) {
  flush_out();
  for (;;) linux_call(94, code, 0, 0);  // exit_group
}

// picolibc's malloc grows its arena here: the Linux program break, which
// answers the break it reached (the old one when it cannot grow).
void* sbrk(ptrdiff_t increment) {
  static char* end;
  if (!end) end = (char*)linux_call(214, 0, 0, 0);  // brk(0): the initial break
  char* old = end;
  if (increment != 0) {
    char* want = old + increment;
    if ((char*)linux_call(214, (long)want, 0, 0) != want) return (void*)-1;
    end = want;
  }
  return old;
}

// The TLS block: found through the program headers (the first loadable
// segment maps the ELF header at __ehdr_start; RV32 processes get no
// AT_PHDR from rvrr), copied to fresh brk memory. RISC-V's tp points at
// the block's start (TLS variant I, no TCB before the variables).
extern const unsigned char __ehdr_start[];
struct phdr32 {
  uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
static void init_tls(void) {
  uint32_t phoff;
  uint16_t phentsize, phnum;
  memcpy(&phoff, __ehdr_start + 28, sizeof phoff);  // Elf32_Ehdr.e_phoff
  memcpy(&phentsize, __ehdr_start + 42, sizeof phentsize);
  memcpy(&phnum, __ehdr_start + 44, sizeof phnum);
  for (unsigned i = 0; i < phnum; i++) {
    struct phdr32 ph;
    memcpy(&ph, __ehdr_start + phoff + i * phentsize, sizeof ph);
    if (ph.type != 7) continue;  // PT_TLS
    uintptr_t align = ph.align > 16 ? ph.align : 16;
    char* raw = sbrk((ptrdiff_t)(ph.memsz + align));
    if (raw == (void*)-1) _exit(127);
    char* block = (char*)(((uintptr_t)raw + align - 1) & ~(align - 1));
    memcpy(block, (const void*)ph.vaddr, ph.filesz);
    memset(block + ph.filesz, 0, ph.memsz - ph.filesz);
    __asm__ volatile("mv tp, %0" : : "r"(block));
    return;
  }
}

int main(int argc, char** argv);
void rt_start(int argc, char** argv, char** envp) {
  (void)envp;
  init_tls();
  exit(main(argc, argv));
}
