# rv64i.S - RV64I and M: 64-bit registers and immediates, the *W forms
# (32-bit result sign-extended), 6-bit shift amounts, 64-bit loads/stores
# (ld, sd, lwu and sign-extending lw), the 64-bit multiplies and divisions
# including division by zero and INT64_MIN / -1 (no trap), compressed RV64
# forms (c.ld/c.sd/c.addiw/c.subw/c.addw/c.ldsp/c.sdsp).
#include "check.h"
    .data
    .balign 16
cell:   .dword 0
cell2:  .dword 0
    .text
    START
    .option push
    .option norvc
    TEST_RR  1, add,   0x100000000, 0xffffffff, 1
    TEST_RR  2, sub,   0xffffffffffffffff, 0, 1
    TEST_RR  3, addw,  0xffffffff80000000, 0x7fffffff, 1     # wraps and sign-extends
    TEST_RR  4, subw,  0x7fffffff, 0x80000000, 1
    TEST_RI  5, addiw, 0, 0xffffffff, 1
    TEST_RI  6, slli,  0x8000000000000000, 1, 63
    TEST_RI  7, srli,  1, 0x8000000000000000, 63
    TEST_RI  8, srai,  0xffffffffffffffff, 0x8000000000000000, 63
    TEST_RI  9, slliw, 0xffffffff80000000, 1, 31
    TEST_RI 10, srliw, 1, 0xffffffff80000000, 31               # only the low 32 bits
    TEST_RI 11, sraiw, 0xffffffffffffffff, 0x80000000, 31
    TEST_RR 12, sll,   0x8000000000000000, 1, 63
    TEST_RR 13, sll,   1, 1, 64                                # amount masked to 6 bits
    TEST_RR 14, sllw,  1, 1, 32                                # amount masked to 5 bits
    TEST_RR 15, srlw,  0x7fffffff, 0xfffffffffffffffe, 1
    TEST_RR 16, sraw,  0xffffffffffffffff, 0x80000000, 31
    TEST_RR 17, slt,   1, 0x8000000000000000, 0
    TEST_RR 18, sltu,  0, 0x8000000000000000, 0
    TEST_RR 19, mul,   0xfffffffe00000001, 0xffffffff, 0xffffffff
    TEST_RR 20, mulh,  0xffffffffffffffff, -2, 3
    TEST_RR 21, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 22, mulhsu, 0xffffffffffffffff, -1, 1
    TEST_RR 23, mulw,  1, 0xffffffff, 0xffffffff               # (-1)*(-1) = 1 on 32 bits
    TEST_RR 24, div,   0x8000000000000000, 0x8000000000000000, -1
    TEST_RR 25, rem,   0, 0x8000000000000000, -1
    TEST_RR 26, divu,  0xffffffffffffffff, 7, 0
    TEST_RR 27, remu,  7, 7, 0
    TEST_RR 28, divw,  0xffffffff80000000, 0x80000000, -1
    TEST_RR 29, divuw, 0xffffffffffffffff, 7, 0
    TEST_RR 30, remw,  0xfffffffffffffffd, -7, 4
    TEST_RR 31, remuw, 3, 0xffffffff00000007, 4                # low 32 bits only

    la      s0, cell
    li      t0, 0x8877665544332211
    sd      t0, 0(s0)
    ld      t1, 0(s0)
    CHECK   32, t1, 0x8877665544332211
    lw      t1, 4(s0)
    CHECK   33, t1, 0xffffffff88776655                        # lw sign-extends
    lwu     t1, 4(s0)
    CHECK   34, t1, 0x88776655
    ld      t1, 1(s0)                                          # misaligned: emulated
    CHECK   35, t1, 0x0088776655443322
    lui     t1, 0x80000
    CHECK   36, t1, 0xffffffff80000000                        # lui sign-extends
    .option pop

    # RV64 compressed forms
    la      s0, cell
    li      a0, 0x123456789
    c.sd    a0, 8(s0)
    c.ld    a1, 8(s0)
    CHECK   37, a1, 0x123456789
    li      a2, 0x7fffffff
    c.addiw a2, 1
    CHECK   38, a2, 0xffffffff80000000
    li      a3, 5
    li      a4, 7
    c.subw  a3, a4
    CHECK   39, a3, 0xfffffffffffffffe
    c.addw  a3, a4
    CHECK   40, a3, 5
    addi    sp, sp, -16
    c.sdsp  a0, 8(sp)
    c.ldsp  a5, 8(sp)
    addi    sp, sp, 16
    CHECK   41, a5, 0x123456789
    li      a5, 1
    c.slli  a5, 40
    CHECK   42, a5, 0x10000000000
    c.srai  a5, 8
    CHECK   43, a5, 0x100000000
    j       pass
    END
