# rv32fd.S - the F and D extensions (built -march=rv32imafdc -mabi=ilp32d):
# every instruction class with its edge cases: rounding modes (static and
# dynamic), every exception flag, NaN boxing, the canonical NaN, fmin/fmax
# and comparisons with quiet and signalling NaNs, fcvt saturation, fma with
# one rounding, fclass, sign injection, moves, compressed loads/stores.
# Runs under rvrr and qemu-riscv32 (see run_asm_test.sh).
#include "check.h"

# Single constant into float register f (NaN-boxed by fmv.w.x).
.macro FLI_S f, bits
    li      t0, \bits
    fmv.w.x \f, t0
.endm
# Double constant (hi:lo words) into float register f, via the stack.
.macro FLI_D f, hi, lo
    addi    sp, sp, -16
    li      t0, \lo
    sw      t0, 0(sp)
    li      t0, \hi
    sw      t0, 4(sp)
    fld     \f, 0(sp)
    addi    sp, sp, 16
.endm
# The low 32 bits of f must be exp.
.macro CHECK_S n, f, exp
    fmv.x.w t2, \f
    CHECK   \n, t2, \exp
.endm
# All 64 bits of f must be hi:lo.
.macro CHECK_D n, f, hi, lo
    addi    sp, sp, -16
    fsd     \f, 0(sp)
    lw      t2, 0(sp)
    lw      t3, 4(sp)
    addi    sp, sp, 16
    CHECK   \n, t2, \lo
    CHECK   \n, t3, \hi
.endm
# fflags must be exp; then cleared.
.macro CHECK_FLAGS n, exp
    csrrw   t2, fflags, zero
    CHECK   \n, t2, \exp
.endm

    START
    csrw    fcsr, zero

    # ---- rounding modes: 1 + 2^-24 is a tie between 1 and 1 + 2^-23 ----
    FLI_S   f1, 0x3f800000           # 1.0f
    FLI_S   f2, 0x33800000           # 2^-24
    fadd.s  f3, f1, f2, rne
    CHECK_S 1, f3, 0x3f800000        # to even
    fadd.s  f3, f1, f2, rmm
    CHECK_S 2, f3, 0x3f800001        # away from zero
    fadd.s  f3, f1, f2, rup
    CHECK_S 3, f3, 0x3f800001
    fadd.s  f3, f1, f2, rdn
    CHECK_S 4, f3, 0x3f800000
    fadd.s  f3, f1, f2, rtz
    CHECK_S 5, f3, 0x3f800000
    CHECK_FLAGS 6, 0x01              # NX
    fneg.s  f4, f1
    fneg.s  f5, f2
    fadd.s  f3, f4, f5, rmm
    CHECK_S 7, f3, 0xbf800001
    fadd.s  f3, f4, f5, rdn
    CHECK_S 8, f3, 0xbf800001
    fadd.s  f3, f4, f5, rup
    CHECK_S 9, f3, 0xbf800000

    # ---- dynamic rounding through frm ----
    FLI_S   f1, 0x3f800000           # 1.0f
    FLI_S   f2, 0x40400000           # 3.0f
    fsrmi   1                        # RTZ
    fdiv.s  f3, f1, f2
    CHECK_S 10, f3, 0x3eaaaaaa
    fsrmi   3                        # RUP
    fdiv.s  f3, f1, f2
    CHECK_S 11, f3, 0x3eaaaaab
    frcsr   t2
    CHECK   12, t2, 0x61             # frm=3, NX
    frrm    t2
    CHECK   13, t2, 3
    fsrmi   0
    CHECK_FLAGS 14, 0x01

    # ---- exception flags ----
    FLI_S   f1, 0x3f800000
    FLI_S   f2, 0x00000000
    fdiv.s  f3, f1, f2
    CHECK_S 20, f3, 0x7f800000       # 1/0 = +inf
    CHECK_FLAGS 21, 0x08             # DZ
    FLI_D   f1, 0x7ff00000, 0
    fsub.d  f3, f1, f1
    CHECK_D 22, f3, 0x7ff80000, 0    # inf - inf: canonical NaN
    CHECK_FLAGS 23, 0x10             # NV
    FLI_S   f1, 0xbf800000
    fsqrt.s f3, f1
    CHECK_S 24, f3, 0x7fc00000
    CHECK_FLAGS 25, 0x10
    FLI_D   f1, 0x7e37e43c, 0x8800759c   # 1e300
    fmul.d  f3, f1, f1, rtz
    CHECK_D 26, f3, 0x7fefffff, 0xffffffff  # overflow toward zero: largest finite
    CHECK_FLAGS 27, 0x05             # OF | NX
    fmul.d  f3, f1, f1, rne
    CHECK_D 28, f3, 0x7ff00000, 0
    CHECK_FLAGS 29, 0x05
    # Tininess after rounding: (1 + 2^-52) * (2^-1022 - 2^-1074).
    FLI_D   f1, 0x3ff00000, 1
    FLI_D   f2, 0x000fffff, 0xffffffff
    fmul.d  f3, f1, f2, rne
    CHECK_D 30, f3, 0x00100000, 0    # rounds to 2^-1022: not tiny
    CHECK_FLAGS 31, 0x01             # NX only
    fmul.d  f3, f1, f2, rtz
    CHECK_D 32, f3, 0x000fffff, 0xffffffff
    CHECK_FLAGS 33, 0x03             # UF | NX

    # ---- NaNs in min/max and comparisons ----
    FLI_S   f1, 0x80000000           # -0
    FLI_S   f2, 0x00000000           # +0
    fmin.s  f3, f1, f2
    CHECK_S 40, f3, 0x80000000
    fmax.s  f3, f1, f2
    CHECK_S 41, f3, 0x00000000
    FLI_S   f4, 0x7fc00000           # qNaN
    FLI_S   f5, 0x7f800001           # sNaN
    FLI_S   f6, 0x3f800000           # 1.0
    fmin.s  f3, f4, f6
    CHECK_S 42, f3, 0x3f800000
    CHECK_FLAGS 43, 0
    fmax.s  f3, f6, f5
    CHECK_S 44, f3, 0x3f800000
    CHECK_FLAGS 45, 0x10
    fmax.s  f3, f4, f4
    CHECK_S 46, f3, 0x7fc00000
    feq.s   t2, f4, f6
    CHECK   47, t2, 0
    CHECK_FLAGS 48, 0                # feq is quiet
    flt.s   t2, f4, f6
    CHECK   49, t2, 0
    CHECK_FLAGS 50, 0x10             # flt signals on any NaN
    feq.s   t2, f5, f6
    CHECK   51, t2, 0
    CHECK_FLAGS 52, 0x10             # feq signals on sNaN
    fle.s   t2, f1, f2
    CHECK   53, t2, 1                # -0 <= +0
    flt.s   t2, f1, f2
    CHECK   54, t2, 0
    feq.s   t2, f1, f2
    CHECK   55, t2, 1
    FLI_D   f7, 0x7ff00000, 1        # sNaN (double)
    FLI_D   f8, 0x40000000, 0        # 2.0
    fmin.d  f3, f7, f8
    CHECK_D 56, f3, 0x40000000, 0
    CHECK_FLAGS 57, 0x10

    # ---- conversions to integers: saturation and NaN ----
    fcvt.w.s t2, f4                  # qNaN
    CHECK   60, t2, 0x7fffffff
    fcvt.wu.s t2, f4
    CHECK   61, t2, 0xffffffff
    CHECK_FLAGS 62, 0x10
    FLI_D   f1, 0xfff00000, 0        # -inf
    fcvt.w.d t2, f1
    CHECK   63, t2, 0x80000000
    fcvt.wu.d t2, f1
    CHECK   64, t2, 0
    CHECK_FLAGS 65, 0x10
    FLI_D   f1, 0x41e00000, 0        # 2^31
    fcvt.w.d t2, f1, rtz
    CHECK   66, t2, 0x7fffffff
    CHECK_FLAGS 67, 0x10
    FLI_D   f1, 0xbfe00000, 0        # -0.5
    fcvt.wu.d t2, f1, rtz
    CHECK   68, t2, 0
    CHECK_FLAGS 69, 0x01             # rounds to 0: inexact, not invalid
    FLI_S   f1, 0xbf800000           # -1.0f
    fcvt.wu.s t2, f1, rtz
    CHECK   70, t2, 0
    CHECK_FLAGS 71, 0x10
    FLI_D   f1, 0x40040000, 0        # 2.5
    fcvt.w.d t2, f1, rne
    CHECK   72, t2, 2
    fcvt.w.d t2, f1, rmm
    CHECK   73, t2, 3
    fneg.d  f1, f1
    fcvt.w.d t2, f1, rdn
    CHECK   74, t2, -3
    fcvt.w.d t2, f1, rup
    CHECK   75, t2, -2
    CHECK_FLAGS 76, 0x01
    li      t1, 16777217
    fcvt.s.w f3, t1, rne
    CHECK_S 77, f3, 0x4b800000
    fcvt.s.w f3, t1, rup
    CHECK_S 78, f3, 0x4b800001
    li      t1, -1
    fcvt.d.wu f3, t1
    CHECK_D 79, f3, 0x41efffff, 0xffe00000   # 4294967295.0
    fcvt.d.w f3, t1
    CHECK_D 80, f3, 0xbff00000, 0
    CHECK_FLAGS 81, 0x01

    # ---- fma: one rounding; sign variants; inf*0 ----
    FLI_D   f1, 0x3ff00000, 0x00400000   # x = 1 + 2^-30
    FLI_D   f2, 0xbff00000, 0x00800000   # c = -(1 + 2^-29)
    fmadd.d f3, f1, f1, f2
    CHECK_D 90, f3, 0x3c300000, 0    # x*x + c = 2^-60 exactly
    fnmadd.d f3, f1, f1, f2
    CHECK_D 91, f3, 0xbc300000, 0    # -(x*x) - c
    CHECK_FLAGS 92, 0
    fmsub.d f3, f1, f1, f2           # x*x + (1 + 2^-29) = 2 + 2^-28 + 2^-60
    CHECK_D 93, f3, 0x40000000, 0x00800000
    fnmsub.d f3, f1, f1, f2          # -(x*x) + c
    CHECK_D 94, f3, 0xc0000000, 0x00800000
    CHECK_FLAGS 95, 0x01
    FLI_S   f1, 0x7f800000           # inf
    FLI_S   f2, 0x00000000
    FLI_S   f4, 0x7fc00000           # qNaN
    fmadd.s f3, f1, f2, f4
    CHECK_S 96, f3, 0x7fc00000
    CHECK_FLAGS 97, 0x10             # invalid even with a quiet NaN addend

    # ---- fclass ----
    FLI_S   f1, 0xff800000
    fclass.s t2, f1
    CHECK   100, t2, 0x001           # -inf
    FLI_S   f1, 0x80000000
    fclass.s t2, f1
    CHECK   101, t2, 0x008           # -0
    FLI_S   f1, 0x00000001
    fclass.s t2, f1
    CHECK   102, t2, 0x020           # +subnormal
    FLI_D   f1, 0x7ff00000, 1
    fclass.d t2, f1
    CHECK   103, t2, 0x100           # sNaN
    FLI_D   f1, 0x7ff80000, 0
    fclass.d t2, f1
    CHECK   104, t2, 0x200           # qNaN
    FLI_D   f1, 0xc0000000, 0
    fclass.d t2, f1
    CHECK   105, t2, 0x002           # -normal
    FLI_D   f1, 0x3ff00000, 0        # 1.0 (double): not a boxed single
    fclass.s t2, f1
    CHECK   106, t2, 0x200           # reads as the canonical NaN

    # ---- NaN boxing, sign injection, moves ----
    fadd.s  f3, f1, f1
    CHECK_D 110, f3, 0xffffffff, 0x7fc00000   # boxed canonical NaN
    fmv.x.w t2, f1                   # transfers do not check the boxing
    CHECK   111, t2, 0
    fsgnjn.s f3, f1, f1              # both read as 0x7fc00000
    CHECK_D 112, f3, 0xffffffff, 0xffc00000
    FLI_S   f1, 0x3f800000
    FLI_S   f2, 0xc0000000
    fsgnj.s f3, f1, f2
    CHECK_S 113, f3, 0xbf800000
    fsgnjx.s f3, f2, f2
    CHECK_S 114, f3, 0x40000000
    fabs.s  f3, f2
    CHECK_S 115, f3, 0x40000000
    FLI_D   f1, 0xfff00000, 5        # a negative NaN: sign ops keep the payload
    fabs.d  f3, f1
    CHECK_D 116, f3, 0x7ff00000, 5
    CHECK_FLAGS 117, 0
    FLI_D   f1, 0x3ff00000, 0x10000000   # 1 + 2^-24 (double)
    fcvt.s.d f3, f1, rmm
    CHECK_S 118, f3, 0x3f800001
    fcvt.s.d f3, f1, rne
    CHECK_S 119, f3, 0x3f800000
    FLI_S   f1, 0x7f800001           # sNaN single
    fcvt.d.s f3, f1
    CHECK_D 120, f3, 0x7ff80000, 0
    CHECK_FLAGS 121, 0x11

    # ---- compressed float loads and stores ----
    addi    sp, sp, -64
    mv      a1, sp
    FLI_D   f8, 0x40080000, 0        # 3.0 in fs0
    c.fsd   fs0, 8(a1)
    c.fld   fa0, 8(a1)
    CHECK_D 130, fa0, 0x40080000, 0
    c.fsdsp fa0, 16(sp)
    c.fldsp fa1, 16(sp)
    CHECK_D 131, fa1, 0x40080000, 0
    FLI_S   fs1, 0x3f000000
    c.fsw   fs1, 24(a1)
    c.flw   fa2, 24(a1)
    CHECK_D 132, fa2, 0xffffffff, 0x3f000000
    c.fswsp fa2, 28(sp)
    c.flwsp fa3, 28(sp)
    CHECK_S 133, fa3, 0x3f000000
    addi    sp, sp, 64

    j       pass
    END
