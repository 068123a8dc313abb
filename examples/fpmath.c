// fpmath.c - a float-heavy program for the F and D extensions: libm, printf
// of doubles and floats, the four IEEE rounding modes through <fenv.h>,
// exception flags, NaNs and signed zeros, and a numeric kernel whose result
// is printed bit-exactly (%a). Built for picolibc's hard-float multilibs
// (rv32imafdc/ilp32d and rv32imafc/ilp32f), with semihosting (fpmath) and
// with the Linux ABI (linux_fpmath*, also run under qemu-riscv32: the output
// must be identical, bit for bit).
//
//   fpmath [N]   N = iterations of the numeric kernel (default 2000)
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

// volatile: keep the compiler from folding anything at build time (it would
// fold in round-to-nearest whatever the current mode is).
static volatile double one = 1.0, three = 3.0, two_and_half = 2.5, zero = 0.0, big = 1e308, tiny = 1e-308;
static volatile float onef = 1.0f, threef = 3.0f;

// Globals for gdb tests: a function returning double, a watched double.
double last_result;

__attribute__((noinline)) double scaled_hypot(double x, double y, double scale) {
  double h = hypot(x, y) * scale;
  last_result = h;
  return h;
}

static void print_flags(const char* what) {
  printf("%-12s flags:%s%s%s%s%s\n", what, fetestexcept(FE_INEXACT) ? " inexact" : "",
         fetestexcept(FE_UNDERFLOW) ? " underflow" : "", fetestexcept(FE_OVERFLOW) ? " overflow" : "",
         fetestexcept(FE_DIVBYZERO) ? " divbyzero" : "", fetestexcept(FE_INVALID) ? " invalid" : "");
  feclearexcept(FE_ALL_EXCEPT);
}

static void libm_table(void) {
  const double xs[] = {0.5, 1.0, 2.0, 10.0, -3.25};
  for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    double x = xs[i];
    printf("x=%-6g sqrt=%.17g exp=%.17g log|x|=%.17g sin=%.17g cos=%.17g atan2=%.17g\n", x, sqrt(fabs(x)), exp(x),
           log(fabs(x)), sin(x), cos(x), atan2(x, 1.5));
    printf("        pow=%.17g cbrt=%.17g fmod=%.17g sinf=%.9g expf=%.9g\n", pow(fabs(x), 0.3), cbrt(x), fmod(x, 0.7),
           (double)sinf((float)x), (double)expf((float)x));
  }
  printf("pi=%.17g e=%.17g %e %f %a\n", 4 * atan(1.0), exp(1.0), 6.02214076e23, -1.0 / 3, 0.1);
}

static void rounding_modes(void) {
  static const struct {
    int mode;
    const char* name;
  } modes[] = {{FE_TONEAREST, "nearest"}, {FE_UPWARD, "upward"}, {FE_DOWNWARD, "downward"}, {FE_TOWARDZERO, "towardzero"}};
  for (unsigned i = 0; i < 4; ++i) {
    fesetround(modes[i].mode);
    double q = one / three;
    float qf = onef / threef;
    double nq = -one / three;
    printf("%-10s 1/3=%a -1/3=%a 1/3f=%a rint(2.5)=%g rint(-2.5)=%g lrint(3.5)=%ld (float)0.1=%a sqrt(2)=%a\n",
           modes[i].name, q, nq, (double)qf, rint(two_and_half), rint(-two_and_half), lrint(two_and_half + 1),
           (double)(float)(one / 10), sqrt(one + one));
    if (fegetround() != modes[i].mode) printf("fegetround mismatch\n");
  }
  fesetround(FE_TONEAREST);
}

static void exceptions(void) {
  feclearexcept(FE_ALL_EXCEPT);
  volatile double r = one / three;
  print_flags("1/3");
  r = one / zero;
  print_flags("1/0");
  r = sqrt(-one);
  print_flags("sqrt(-1)");
  r = zero / zero;
  print_flags("0/0");
  r = big * 10;
  print_flags("1e308*10");
  r = tiny * tiny;
  print_flags("1e-308^2");
  r = one + one;
  print_flags("1+1");
  (void)r;
  double nan = zero / zero;
  feclearexcept(FE_ALL_EXCEPT);
  printf("nan=%g isnan=%d fmin(nan,1)=%g fmax(-0,0)=%g signbit(-0)=%d copysign=%g -0=%g inf=%g\n", nan, isnan(nan),
         fmin(nan, one), fmax(-zero, zero), signbit(-zero) != 0, copysign(3.0, -zero), -zero, one / zero);
  feclearexcept(FE_ALL_EXCEPT);
}

// A numeric kernel: Kahan-compensated harmonic sum, a Newton square root,
// a tiny matrix power and a float accumulation; bit-exact results.
static void kernel(long n) {
  double sum = 0, c = 0;
  for (long k = 1; k <= n; ++k) {
    double y = 1.0 / (double)k - c;
    double t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
  double x = 2.0, g = 1.0;
  for (int i = 0; i < 8; ++i) g = 0.5 * (g + x / g);
  double m[3][3] = {{0.9, 0.1, 0.0}, {0.05, 0.9, 0.05}, {0.0, 0.2, 0.8}}, p[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (long it = 0; it < n / 10 + 1; ++it) {
    double r[3][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) r[i][j] = fma(p[i][0], m[0][j], fma(p[i][1], m[1][j], p[i][2] * m[2][j]));
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) p[i][j] = r[i][j];
  }
  float f = 0;
  for (long k = 0; k < n; ++k) f += 0.1f * (float)(k % 7);
  printf("kernel(%ld): harmonic=%a newton=%a p00=%a p12=%a f=%a (%.9g)\n", n, sum, g, p[0][0], p[1][2], (double)f,
         (double)f);
  printf("hypot: %.17g last=%.17g\n", scaled_hypot(3.0, 4.0, 1.5), last_result);
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000;
  libm_table();
  rounding_modes();
  exceptions();
  kernel(n);
  return 0;
}
