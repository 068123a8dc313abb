// rv64_queries.c - an RV64 static glibc guest whose query answers are known by
// construction (tests/e2e/test_trace_queries_rv64.py), built twice by
// tests/CMakeLists.txt: at glibc's usual place, and linked above 4 GiB
// (-Wl,-Ttext-segment=0x200000000), so that every pc, function, line and
// global lies past 2^32.
//  - the loop body (loop_body) is entered exactly 23 times;
//  - scale() is called 4 times with an int, a long above 2^32, a pointer to
//    `message` and a double, and returns a long above 2^32;
//  - half() takes and returns a double (fa0 under lp64d);
//  - `counter` (a long) is written 0 -> 5 (main) -> 12, 19 (bump) -> 38 (main);
//  - `inbuf` is filled by read() from stdin (a write by a host call);
//  - page_end_addiw() (assembly, below) is called 3 times: its c.addiw is the
//    last instruction of a page, so a run of the trace ends there without a
//    transfer. (RV32 reads that encoding as c.jal, a call.)
#include <unistd.h>

long page_end_addiw(long x);  // returns (int)(x + 1)
__asm__(
    ".pushsection .text\n"
    ".balign 4096\n"
    ".globl page_end_addiw\n"
    ".type page_end_addiw, @function\n"
    "page_end_addiw:\n"
    ".option push\n"
    ".option rvc\n"
    ".fill 2047, 2, 0x0001\n"  // c.nop up to the page's last halfword
    "c.addiw a0, 1\n"          // the page's last instruction
    "ret\n"                    // the next page's first
    ".option pop\n"
    ".size page_end_addiw, . - page_end_addiw\n"
    ".popsection\n");

long counter;
char inbuf[8];
const char message[] = "rv64";

long scale(int k, long big, const char* p, double d) {
  long r = big * k + p[k % 4] + (long)d;  // LINE scale_body
  return r;
}

double half(double x) {
  return x / 2;  // LINE half_body
}

void bump(long by) {
  counter += by;  // LINE bump_write
}

int main(void) {
  long acc = 0;
  for (int i = 0; i < 23; i++) {
    acc += i;  // LINE loop_body
  }
  counter = 5;  // LINE counter_first
  for (int k = 1; k <= 4; k++) {
    acc += scale(k, 0x100000000L + k, message, k * 0.5);  // LINE call_scale
  }
  bump(7);  // LINE call_bump
  bump(7);
  counter *= 2;  // LINE counter_double
  for (long x = 10; x < 13; x++) acc += page_end_addiw(x);  // LINE call_page_end
  double h = half(5.0);
  ssize_t got = read(0, inbuf, sizeof inbuf);  // LINE read_call
  return acc + counter + (long)h + got == 0 ? 1 : 0;  // uses every result; exits 0
}
