# rv32m.S - the M extension: products (low and the three high forms) and
# division/remainder, including division by zero and INT_MIN / -1, which do
# not trap on RISC-V: x/0 = all ones (divu too), x%0 = x, INT_MIN/-1 = INT_MIN
# and INT_MIN%-1 = 0.
#include "check.h"
    .option norvc
    START
    TEST_RR  1, mul,    6, 2, 3
    TEST_RR  2, mul,    0xfffffffa, -2, 3
    TEST_RR  3, mul,    0x00000001, 0xffffffff, 0xffffffff
    TEST_RR  4, mul,    0x80000000, 0x40000000, 2
    TEST_RR  5, mulh,   0xffffffff, -2, 3              # signed x signed
    TEST_RR  6, mulh,   0x00000000, 0xffffffff, 0xffffffff
    TEST_RR  7, mulh,   0x40000000, 0x80000000, 0x80000000
    TEST_RR  8, mulh,   0xc0000000, 0x80000000, 0x7fffffff
    TEST_RR  9, mulhu,  0xfffffffe, 0xffffffff, 0xffffffff
    TEST_RR 10, mulhu,  0x40000000, 0x80000000, 0x80000000
    TEST_RR 11, mulhu,  0x00000000, 0x12345678, 7
    TEST_RR 12, mulhsu, 0xffffffff, 0xffffffff, 0xffffffff  # signed x unsigned: -1 * (2^32-1)
    TEST_RR 13, mulhsu, 0xc0000000, 0x80000000, 0x80000000
    TEST_RR 14, mulhsu, 0x00000001, 0x00000002, 0x80000000
    TEST_RR 15, div,    3, 7, 2
    TEST_RR 16, div,    0xfffffffd, -7, 2                  # rounds toward zero
    TEST_RR 17, div,    0xfffffffd, 7, -2
    TEST_RR 18, div,    3, -7, -2
    TEST_RR 19, div,    0xffffffff, 7, 0                   # by zero: -1
    TEST_RR 20, div,    0x80000000, 0x80000000, -1         # overflow: INT_MIN
    TEST_RR 21, divu,   0x7fffffff, 0xffffffff, 2
    TEST_RR 22, divu,   0xffffffff, 7, 0                   # by zero: all ones
    TEST_RR 23, divu,   0, 0x80000000, 0xffffffff
    TEST_RR 24, rem,    1, 7, 2
    TEST_RR 25, rem,    0xffffffff, -7, 2                  # sign of the dividend
    TEST_RR 26, rem,    1, 7, -2
    TEST_RR 27, rem,    7, 7, 0                            # by zero: the dividend
    TEST_RR 28, rem,    0, 0x80000000, -1                  # overflow: 0
    TEST_RR 29, remu,   1, 0xffffffff, 2
    TEST_RR 30, remu,   0xfffffff9, 0xfffffff9, 0          # by zero: the dividend
    TEST_RR 31, remu,   0x7fffffff, 0x7fffffff, 0x80000000
    TEST_RR 32, div,    0, 0, 0x80000000
    TEST_RR 33, divu,   0xffffffff, 0, 0                   # 0/0 is all ones too

    li      t0, 6                                          # rd == rs1 == rs2
    mul     t0, t0, t0
    CHECK   40, t0, 36
    li      t0, -100
    div     t0, t0, t0
    CHECK   41, t0, 1
    END
