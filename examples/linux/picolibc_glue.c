// picolibc_glue.c - runs a picolibc program (stdio, libm, fenv) with the
// Linux ABI, so hard-float builds also run under qemu-riscv32: crt0.S calls
// rt_start, stdout/stderr write(2) through a line buffer, _exit is
// exit_group. No picolibc crt0 or oslib (they assume bare metal: CSR writes
// to mstatus, semihosting) and nothing that needs the heap.
#include <stdio.h>
#include <stdlib.h>

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

int main(int argc, char** argv);
void rt_start(int argc, char** argv, char** envp) {
  (void)envp;
  exit(main(argc, argv));
}
