# rv32a.S - the A extension: LR/SC (a successful sc.w writes 0 and stores; a
# failed one writes 1 and stores nothing) and every AMO (rd gets the old
# value, memory the combination), with aq/rl variants and rd = x0.
#include "check.h"
    .option norvc
    .data
    .balign 16
cell:   .word 0
other:  .word 0
    .text

# AMO `op` with memory = m and rs2 = v: expect old value m in rd and `res` in memory.
.macro TEST_AMO n, op, m, v, res
    la      s0, cell
    li      t0, \m
    sw      t0, 0(s0)
    li      t1, \v
    \op     t2, t1, (s0)
    CHECK   \n, t2, \m
    lw      t3, 0(s0)
    CHECK   \n, t3, \res
.endm

    START
    la      s0, cell
    li      t0, 100
    sw      t0, 0(s0)
    lr.w    t1, (s0)                     # LR then SC to the same word: succeeds
    CHECK   1, t1, 100
    addi    t1, t1, 1
    sc.w    t2, t1, (s0)
    CHECK   2, t2, 0
    lw      t3, 0(s0)
    CHECK   3, t3, 101

    li      t1, 555                      # the reservation was used up: SC fails
    sc.w    t2, t1, (s0)
    CHECK   4, t2, 1
    lw      t3, 0(s0)
    CHECK   5, t3, 101                   # ... and stores nothing

    la      s1, other                    # SC to another address than the LR's: fails
    lr.w    t1, (s0)
    sc.w    t2, t1, (s1)
    CHECK   6, t2, 1
    lw      t3, 0(s1)
    CHECK   7, t3, 0

    lr.w.aq t1, (s0)                     # aq/rl forms behave the same here
    li      t1, 7
    sc.w.rl t2, t1, (s0)
    CHECK   8, t2, 0
    lw      t3, 0(s0)
    CHECK   9, t3, 7

    li      s11, 10                      # the classic retry loop: atomic increment
    li      t4, 0
1:  lr.w.aqrl t1, (s0)
    addi    t1, t1, 1
    sc.w.aqrl t2, t1, (s0)
    bnez    t2, 1b
    addi    t4, t4, 1
    li      t5, 50
    blt     t4, t5, 1b
    lw      t3, 0(s0)
    CHECK   10, t3, 57

    TEST_AMO 20, amoswap.w, 0x11111111, 0x22222222, 0x22222222
    TEST_AMO 21, amoadd.w,  0xfffffffe, 3, 1
    TEST_AMO 22, amoxor.w,  0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0
    TEST_AMO 23, amoand.w,  0xff00ff00, 0x0ff00ff0, 0x0f000f00
    TEST_AMO 24, amoor.w,   0xff00ff00, 0x0ff00ff0, 0xfff0fff0
    TEST_AMO 25, amomin.w,  0xffffffff, 1, 0xffffffff        # signed: -1 < 1
    TEST_AMO 26, amomin.w,  5, 0x80000000, 0x80000000
    TEST_AMO 27, amomax.w,  0xffffffff, 1, 1
    TEST_AMO 28, amomax.w,  0x80000000, 0x7fffffff, 0x7fffffff
    TEST_AMO 29, amominu.w, 0xffffffff, 1, 1                 # unsigned: 1 < 0xffffffff
    TEST_AMO 30, amominu.w, 0, 0x80000000, 0
    TEST_AMO 31, amomaxu.w, 0xffffffff, 1, 0xffffffff
    TEST_AMO 32, amomaxu.w, 0x7fffffff, 0x80000000, 0x80000000
    TEST_AMO 33, amoadd.w.aq,   10, 20, 30
    TEST_AMO 34, amoswap.w.rl,  1, 2, 2
    TEST_AMO 35, amoor.w.aqrl,  1, 2, 3

    li      t0, 40                       # rd = x0: memory still updated
    sw      t0, 0(s0)
    li      t1, 2
    amoadd.w x0, t1, (s0)
    lw      t3, 0(s0)
    CHECK   36, t3, 42
    CHECK   37, x0, 0

    li      t0, 9                        # rd == rs2: rd gets the old value, memory the new
    sw      t0, 0(s0)
    li      t1, 4
    amoswap.w t1, t1, (s0)
    CHECK   38, t1, 9
    lw      t3, 0(s0)
    CHECK   39, t3, 4
    END
