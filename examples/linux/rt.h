// rt.h - the tiny freestanding runtime of the Linux-ABI examples.
//
// Just enough of a C library for small test programs: raw Linux RISC-V
// syscalls, buffered printf to stdout, string functions and a bump malloc
// over brk. Nothing here depends on the host, so a program built with it
// behaves the same under `rvrr run` and `qemu-riscv32`.
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

// Raw syscalls: return the kernel's result (negative errno on failure).
long sys_write(int fd, const void* buf, size_t n);
long sys_read(int fd, void* buf, size_t n);
long sys_brk(void* addr);            // returns the new (or current) break
long sys_clock_gettime(int clock, int64_t* sec, int64_t* nsec);
_Noreturn void sys_exit(int code);   // exit_group

// Process exit: flushes stdout first.
_Noreturn void exit(int code);

// Formatted output to stdout (buffered, flushed at '\n' and exit) or stderr
// (unbuffered). Supports %d %i %u %x %X %s %c %p %% with flags '-' '0',
// a width, and the length modifiers l and ll.
int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int eprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf_fd(int fd, const char* fmt, va_list ap);
int puts(const char* s);
void fflush_stdout(void);

// Memory and strings (the compiler may call memcpy/memset/memmove itself).
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
char* strcpy(char* dst, const char* src);
long atol(const char* s);
int atoi(const char* s);

// Bump allocator over brk: malloc never reuses memory; free is a no-op;
// realloc always moves. Returns NULL when brk cannot grow.
void* malloc(size_t n);
void* calloc(size_t count, size_t size);
void* realloc(void* p, size_t n);
void free(void* p);
