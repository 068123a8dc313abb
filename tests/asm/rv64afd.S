# rv64afd.S - RV64 A and F/D specifics: lr.d/sc.d, every AMO on doublewords,
# the .w AMOs sign-extending the old value, the 64-bit integer conversions
# (fcvt.l/lu, fcvt.d.l/lu, fcvt.s.l), fmv.x.d/fmv.d.x, and fmv.x.w and
# fcvt.wu.d sign-extending their 32-bit results.
#include "check.h"
    .data
    .balign 16
cell:   .dword 0
    .text

# AMO `op` with memory = m and rs2 = v: expect old value `old` in rd and `res` in memory.
.macro TEST_AMO n, op, m, v, old, res
    la      s0, cell
    li      t0, \m
    sd      t0, 0(s0)
    li      t1, \v
    \op     t2, t1, (s0)
    CHECK   \n, t2, \old
    ld      t3, 0(s0)
    CHECK   \n, t3, \res
.endm

    START
    .option norvc
    la      s0, cell
    li      t0, 0x100000000
    sd      t0, 0(s0)
    lr.d    t1, (s0)
    CHECK   1, t1, 0x100000000
    addi    t1, t1, 1
    sc.d    t2, t1, (s0)
    CHECK   2, t2, 0
    ld      t3, 0(s0)
    CHECK   3, t3, 0x100000001
    sc.d    t2, t1, (s0)                 # no reservation: fails
    CHECK   4, t2, 1

    TEST_AMO  5, amoswap.d, 0x1111111122222222, 7, 0x1111111122222222, 7
    TEST_AMO  6, amoadd.d,  0xffffffff, 1, 0xffffffff, 0x100000000
    TEST_AMO  7, amoxor.d,  0xff00ff00ff00ff00, -1, 0xff00ff00ff00ff00, 0x00ff00ff00ff00ff
    TEST_AMO  8, amoand.d,  0xffff0000ffff0000, 0x0f0f0f0f0f0f0f0f, 0xffff0000ffff0000, 0x0f0f00000f0f0000
    TEST_AMO  9, amoor.d,   0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000001
    TEST_AMO 10, amomin.d,  0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000
    TEST_AMO 11, amomax.d,  0x8000000000000000, 1, 0x8000000000000000, 1
    TEST_AMO 12, amominu.d, 0x8000000000000000, 1, 0x8000000000000000, 1
    TEST_AMO 13, amomaxu.d, 0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000
    # .w AMO: the old word comes back sign-extended; the upper word is untouched
    TEST_AMO 14, amoadd.w,  0x1234567880000000, 1, 0xffffffff80000000, 0x1234567880000001

    li      t0, -3
    fcvt.d.l ft0, t0
    fcvt.l.d t1, ft0
    CHECK   15, t1, -3
    fmv.x.d t1, ft0
    CHECK   16, t1, 0xc008000000000000
    li      t0, 0x4000000000000000       # 2.0
    fmv.d.x ft1, t0
    fcvt.l.d t1, ft1
    CHECK   17, t1, 2
    li      t0, -1
    fcvt.d.lu ft2, t0                    # 2^64-1 rounds to 2^64
    fmv.x.d t1, ft2
    CHECK   18, t1, 0x43f0000000000000
    fcvt.lu.d t1, ft2, rtz               # 2^64 does not fit: saturates
    CHECK   19, t1, 0xffffffffffffffff
    fcvt.l.d t1, ft2                     # nor in a signed long
    CHECK   20, t1, 0x7fffffffffffffff
    fcvt.wu.d t1, ft1                    # 2 -> 2
    CHECK   21, t1, 2
    li      t0, 0xc1f0000000000000       # -2^32 -> fcvt.wu saturates to 0
    fmv.d.x ft3, t0
    fcvt.wu.d t1, ft3
    CHECK   22, t1, 0
    li      t0, 0x41efffffffe00000       # 4294967295.0 -> 0xffffffff, sign-extended
    fmv.d.x ft3, t0
    fcvt.wu.d t1, ft3
    CHECK   23, t1, 0xffffffffffffffff
    li      t0, 0x80000000
    fmv.w.x ft4, t0
    fmv.x.w t1, ft4                      # sign-extends bit 31
    CHECK   24, t1, 0xffffffff80000000
    li      t0, 0x1000001                # 2^24+1: not exact in single
    fcvt.s.l ft5, t0
    fmv.x.w t1, ft5
    CHECK   25, t1, 0x4b800000
    frflags t1
    andi    t1, t1, 1                    # inexact was raised
    CHECK   26, t1, 1
    fcvt.l.s t1, ft5
    CHECK   27, t1, 0x1000000
    feq.d   t1, ft0, ft0
    CHECK   28, t1, 1
    fclass.d t1, ft2                     # +normal
    CHECK   29, t1, 0x40
    j       pass
    END
