// rt_glibc.c - rt.h on top of glibc: builds the Linux-ABI examples as
// ordinary static glibc programs, e.g. for RV64 with Debian's cross
// toolchain (tests/e2e/test_rv64_qemu_diff.sh):
//   riscv64-linux-gnu-gcc -static -O1 -g -Iexamples/linux examples/linux/rt_glibc.c examples/linux_hello.c
// printf, puts, malloc, the string functions and exit are glibc's own; only
// what rt.h adds (raw syscalls returning -errno, eprintf, ...) is here.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"

static long raw(long r) { return r < 0 ? -errno : r; }

long sys_write(int fd, const void* buf, size_t n) {
  fflush(stdout);  // keep rt's order: its printf output precedes a raw write
  return raw(syscall(SYS_write, fd, buf, n));
}
long sys_read(int fd, void* buf, size_t n) { return raw(syscall(SYS_read, fd, buf, n)); }
long sys_brk(void* addr) { return syscall(SYS_brk, addr); }
long sys_clock_gettime(int clock, int64_t* sec, int64_t* nsec) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -errno;
  *sec = ts.tv_sec;
  *nsec = ts.tv_nsec;
  return 0;
}
_Noreturn void sys_exit(int code) { _exit(code); }

int vprintf_fd(int fd, const char* fmt, va_list ap) { return vfprintf(fd == 2 ? stderr : stdout, fmt, ap); }
int eprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(stderr, fmt, ap);
  va_end(ap);
  return n;
}
void fflush_stdout(void) { fflush(stdout); }
