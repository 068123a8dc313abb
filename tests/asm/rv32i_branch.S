# rv32i_branch.S - RV32I conditional branches (signed/unsigned, taken or not),
# jal and jalr (link value, target with bit 0 cleared, rd == rs1).
#include "check.h"
    .option norvc
    START
    TEST_BR  1, beq,  5, 5, 1
    TEST_BR  2, beq,  5, 6, 0
    TEST_BR  3, bne,  5, 6, 1
    TEST_BR  4, bne,  -1, -1, 0
    TEST_BR  5, blt,  -1, 0, 1              # signed: -1 < 0
    TEST_BR  6, blt,  0, -1, 0
    TEST_BR  7, blt,  0x80000000, 0x7fffffff, 1
    TEST_BR  8, blt,  3, 3, 0
    TEST_BR  9, bge,  3, 3, 1
    TEST_BR 10, bge,  -1, 0, 0
    TEST_BR 11, bge,  0x7fffffff, 0x80000000, 1
    TEST_BR 12, bltu, 0, -1, 1              # unsigned: 0 < 0xffffffff
    TEST_BR 13, bltu, -1, 0, 0
    TEST_BR 14, bltu, 7, 7, 0
    TEST_BR 15, bgeu, -1, 0, 1
    TEST_BR 16, bgeu, 0, -1, 0
    TEST_BR 17, bgeu, 7, 7, 1

    li      s11, 18                         # backward branch: a counted loop
    li      t0, 10
    li      t1, 0
1:  addi    t1, t1, 3
    addi    t0, t0, -1
    bnez    t0, 1b
    CHECK   18, t1, 30

    li      s11, 19                         # jal links the next pc and jumps forward
    jal     t0, 2f
3:  j       fail
2:  la      t1, 3b
    bne     t0, t1, fail

    li      s11, 20                         # jalr: target = (rs1 + imm) & ~1
    la      t0, 4f
    addi    t0, t0, 1                       # odd: bit 0 must be cleared
    jalr    t1, 0(t0)
5:  j       fail
4:  la      t2, 5b
    bne     t1, t2, fail

    li      s11, 21                         # jalr with a negative offset
    la      t0, 6f + 8
    jalr    t1, -8(t0)
    j       fail
6:
    li      s11, 22                         # rd == rs1: the target uses the old value
    la      t0, 7f
    jalr    t0, 0(t0)
8:  j       fail
7:  la      t1, 8b
    bne     t0, t1, fail

    li      s11, 23                         # call/ret through ra
    call    leaf
    CHECK   24, a0, 42
    END

leaf:
    li      a0, 42
    ret
