// compute: a mixed integer workload for benchmarks - sieve, hashing, sorting,
// matrix multiply, gcd/modular arithmetic - repeated ITERATIONS times
// (argv[1], default 10; each iteration is about one million instructions).
// No bug. It prints one checksum, the same on every machine, so it doubles as
// a determinism test. Built twice from this source: compute.elf (picolibc,
// semihosting) and linux_compute.elf (Linux ABI, runs under qemu-riscv32 too).
//   rvrr run --stats linux_compute.elf 1500     # ~1.5 billion instructions
#ifdef RVRR_LINUX_RT
#include "rt.h"
#else
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#endif

#define SIEVE_N 32768
#define SORT_N 2048
#define MAT_N 24

static uint8_t composite[SIEVE_N];
static uint32_t keys[SORT_N];
static int32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

static uint32_t rng_state;
static uint32_t rng(void) {  // xorshift32: shifts and xors
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static uint32_t sieve(void) {
  for (uint32_t i = 0; i < SIEVE_N; i++) composite[i] = 0;
  uint32_t count = 0;
  for (uint32_t i = 2; i < SIEVE_N; i++) {
    if (composite[i]) continue;
    count++;
    for (uint32_t j = i * i; j < SIEVE_N; j += i) composite[j] = 1;
  }
  return count;
}

static uint32_t hash_bytes(const uint8_t* p, uint32_t n, uint32_t seed) {
  uint32_t h = seed ^ 0x9e3779b9u;  // murmur-style mixing: multiplies and rotates
  for (uint32_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x5bd1e995u;
    h ^= h >> 15;
  }
  return h;
}

static void quicksort(uint32_t* a, int lo, int hi) {
  while (lo < hi) {
    uint32_t pivot = a[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        uint32_t t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (j - lo < hi - i) {  // recurse into the smaller half
      quicksort(a, lo, j);
      lo = i;
    } else {
      quicksort(a, i, hi);
      hi = j;
    }
  }
}

static uint32_t sort_keys(void) {
  for (int i = 0; i < SORT_N; i++) keys[i] = rng();
  quicksort(keys, 0, SORT_N - 1);
  uint32_t h = 0;
  for (int i = 0; i < SORT_N; i++) {
    if (i > 0 && keys[i - 1] > keys[i]) return 0xbad;  // never: the sort is correct
    h = h * 31 + keys[i];
  }
  return h;
}

static uint32_t matmul(void) {
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      ma[i][j] = (int32_t)(rng() % 201) - 100;
      mb[i][j] = (int32_t)(rng() % 201) - 100;
    }
  uint32_t h = 0;
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      int32_t s = 0;
      for (int k = 0; k < MAT_N; k++) s += ma[i][k] * mb[k][j];
      mc[i][j] = s;
      h = h * 17 + (uint32_t)s;
    }
  return h;
}

static uint32_t gcd(uint32_t a, uint32_t b) {
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static uint32_t modpow(uint32_t base, uint32_t exp, uint32_t mod) {
  uint64_t result = 1, b = base % mod;
  for (; exp; exp >>= 1) {
    if (exp & 1) result = result * b % mod;
    b = b * b % mod;
  }
  return (uint32_t)result;
}

static uint32_t number_theory(void) {
  uint32_t h = 0;
  for (int i = 0; i < 200; i++) {
    uint32_t a = rng() | 1, b = rng() | 1;
    h += gcd(a, b) + (a / (b % 1000 + 1)) - (int32_t)a / ((int32_t)b % 77 + 1);
  }
  for (int i = 0; i < 20; i++) h ^= modpow(rng(), 65537, 1000000007u);
  return h;
}

int main(int argc, char** argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 10;
  if (iterations < 0) {
    printf("usage: compute [ITERATIONS]\n");
    return 2;
  }
  uint32_t checksum = 0;
  for (long it = 0; it < iterations; it++) {
    rng_state = 2463534242u + (uint32_t)it;
    uint32_t primes = sieve();
    uint32_t h = hash_bytes(composite, SIEVE_N / 2, (uint32_t)it);
    h ^= sort_keys();
    h += matmul();
    h ^= number_theory();
    checksum = (checksum ^ h) * 0x01000193u + primes;
  }
  printf("compute: %ld iterations, checksum %08lx\n", iterations, (unsigned long)checksum);
  return 0;
}
