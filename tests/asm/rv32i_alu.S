# rv32i_alu.S - RV32I register and immediate arithmetic, shifts, lui/auipc, x0.
#include "check.h"
    .option norvc          # test the 32-bit encodings (rv32c.S tests the 16-bit ones)
    START
    TEST_RR  1, add,  3, 1, 2
    TEST_RR  2, add,  0, -1, 1
    TEST_RR  3, add,  0x80000000, 0x7fffffff, 1
    TEST_RR  4, sub,  0xffffffff, 1, 2
    TEST_RR  5, sub,  0x7fffffff, 0x80000000, 1
    TEST_RR  6, sll,  0x80000000, 1, 31
    TEST_RR  7, sll,  2, 1, 33              # only the low 5 bits of rs2 count
    TEST_RR  8, srl,  1, 0x80000000, 31
    TEST_RR  9, srl,  0x40000000, 0x80000000, 0xffffffe1
    TEST_RR 10, sra,  0xffffffff, 0x80000000, 31
    TEST_RR 11, sra,  0xc0000000, 0x80000000, 1
    TEST_RR 12, slt,  1, -1, 0
    TEST_RR 13, slt,  0, 0, -1
    TEST_RR 14, sltu, 0, -1, 0
    TEST_RR 15, sltu, 1, 0, -1
    TEST_RR 16, xor,  0xff00ff00, 0xffff0000, 0x00ffff00
    TEST_RR 17, or,   0xffffff00, 0xffff0000, 0x00ffff00
    TEST_RR 18, and,  0x00ff0000, 0xffff0000, 0x00ffff00
    TEST_RI 19, addi, 0, 1, -1
    TEST_RI 20, addi, 0x800007ff, 0x80000000, 2047
    TEST_RI 21, addi, 0x7ffff800, 0x80000000, -2048
    TEST_RI 22, slti, 1, -5, -4
    TEST_RI 23, slti, 0, 5, -4
    TEST_RI 24, sltiu, 1, 5, -1             # the immediate is sign-extended, then compared unsigned
    TEST_RI 25, sltiu, 0, -1, -1
    TEST_RI 26, xori, 0xfffff0ff, 0x00000f00, -1
    TEST_RI 27, ori,  0xfffff800, 0, -2048
    TEST_RI 28, andi, 0x0000007f, 0xffffffff, 0x7f
    TEST_RI 29, slli, 0x80000000, 3, 31
    TEST_RI 30, srli, 0x00000001, 0xffffffff, 31
    TEST_RI 31, srai, 0xffffffff, 0x80000000, 31
    TEST_RI 32, srai, 0x07654321, 0x76543210, 4

    lui     t2, 0xfffff                     # lui loads the upper 20 bits, zeroes the rest
    CHECK   33, t2, 0xfffff000
    lui     t2, 0x12345
    CHECK   34, t2, 0x12345000

1:  auipc   t2, 0                           # auipc adds to its own address
    la      t3, 1b
    sub     t2, t2, t3
    CHECK   35, t2, 0
2:  auipc   t2, 1
    la      t3, 2b
    sub     t2, t2, t3
    CHECK   36, t2, 0x1000

    li      t0, 123                         # writes to x0 are discarded
    add     x0, t0, t0
    addi    x0, x0, 5
    lui     x0, 1
    CHECK   37, x0, 0
    END
