// long_history: a long history whose start holds one line and one global
// that nothing touches again (the recording index's e2e tests: going back to
// them from the end crosses the whole history, stretch by stretch).
//   long_history [UNITS]   UNITS (default 200) of ~1.1 million instructions each
#ifdef RVRR_LINUX_RT
#include "rt.h"
#else
#include <stdio.h>
#endif

int early;                   // written by prepare() twice at the start: 1, then 2; never again
volatile unsigned sink;

void prepare(int v) {
  early = v;                 // LINE early_write
}

unsigned spin(unsigned n) {
  unsigned h = 1;
  for (unsigned i = 0; i < n; i++)
    h = h * 33 + i;          // LINE spin_body
  return h;
}

int main(int argc, char** argv) {
  unsigned units = 0;
  for (const char* p = argc > 1 ? argv[1] : "200"; *p >= '0' && *p <= '9'; p++) units = units * 10 + (*p - '0');
  prepare(1);
  prepare(2);                // LINE second_prepare
  unsigned h = 0;
  for (unsigned u = 0; u < units; u++)
    h ^= spin(100000);       // LINE unit
  sink = h;
  printf("long_history: %u\n", h);  // LINE print
  return 0;
}
