# fencei.S - self-modifying code: write an instruction into writable,
# executable memory, fence.i, run it; overwrite it, fence.i, run the new one.
# rvrr caches decoded instructions per page, so the store must invalidate them.
#include "check.h"
    .option norvc
    .section .smc, "awx"                 # a writable and executable section
    .balign 4
smc:
    addi    a0, zero, 1                  # replaced at run time
    ret
    .word   0                            # room for two compressed instructions
    .text
    START
    li      s11, 1
    call    smc                          # the original code
    CHECK   1, a0, 1

    la      s0, smc
    li      t0, 0x02a00513               # addi a0, zero, 42
    sw      t0, 0(s0)
    fence.i
    call    smc
    CHECK   2, a0, 42

    li      t0, 0x06400513               # addi a0, zero, 100
    sw      t0, 0(s0)
    fence.i
    call    smc
    CHECK   3, a0, 100

    # Rewrite it many times in a loop: each call must see the latest store.
    li      s2, 0
    li      s3, 0
5:  slli    t0, s2, 20                   # addi a0, zero, s2 (imm in bits 31:20)
    li      t1, 0x00000513
    or      t0, t0, t1
    sw      t0, 0(s0)
    fence.i
    call    smc
    add     s3, s3, a0
    addi    s2, s2, 1
    li      t1, 100
    blt     s2, t1, 5b
    CHECK   4, s3, 4950                  # 0 + 1 + ... + 99

    li      t0, 0x00158513               # addi a0, a1, 1
    sw      t0, 0(s0)
    li      t0, 0x8082557d               # c.li a0, -1 ; c.jr ra: two 16-bit instructions in one word
    sw      t0, 8(s0)
    fence.i
    li      a1, 9
    call    smc
    CHECK   5, a0, 10
    addi    s4, s0, 8
    jalr    s4
    CHECK   6, a0, 0xffffffff
    END
