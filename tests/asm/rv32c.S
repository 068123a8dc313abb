# rv32c.S - every RV32C instruction (except c.ebreak, which stops the program
# with SIGTRAP by design), written with explicit c.* mnemonics so each is
# really the 16-bit encoding. Immediates at their range limits where it matters.
#include "check.h"
    .option rvc
    .data
    .balign 16
cdata:  .word 0x11111111, 0x22222222, 0x33333333, 0x44444444
        .space 108
clast:  .word 0x7777aaaa                 # at offset 124: the largest c.lw offset
    .text
    START
    mv      s1, sp                       # sp is restored from s1 at the end

    li      s11, 1
    c.li    a0, 31                       # c.li: -32..31, sign-extended
    CHECK   1, a0, 31
    c.li    a0, -32
    CHECK   2, a0, 0xffffffe0
    c.addi  a0, 31                       # c.addi
    CHECK   3, a0, 0xffffffff
    c.addi  a0, -32
    CHECK   4, a0, 0xffffffdf
    c.nop
    c.lui   a1, 1                        # c.lui: imm << 12, sign-extended from bit 17
    CHECK   5, a1, 0x1000
    c.lui   a1, 0xfffff
    CHECK   6, a1, 0xfffff000
    c.lui   a1, 0x1f
    CHECK   7, a1, 0x1f000
    c.lui   a1, 0xfffe0
    CHECK   8, a1, 0xfffe0000

    li      a2, 0x80000001               # shifts and andi on x8..x15
    c.srli  a2, 31
    CHECK   10, a2, 1
    li      a2, 0x80000000
    c.srai  a2, 4
    CHECK   11, a2, 0xf8000000
    li      a2, 0x12345678
    c.andi  a2, -16
    CHECK   12, a2, 0x12345670
    li      a2, 0x12345678
    c.andi  a2, 15
    CHECK   13, a2, 8
    li      a3, 3
    c.slli  a3, 31
    CHECK   14, a3, 0x80000000
    li      t0, 1                        # c.slli works on any register
    c.slli  t0, 4
    CHECK   15, t0, 16

    li      a4, 0xf0f0f0f0
    li      a5, 0xff00ff00
    c.sub   a4, a5
    CHECK   20, a4, 0xf1eff1f0
    li      a4, 0xf0f0f0f0
    c.xor   a4, a5
    CHECK   21, a4, 0x0ff00ff0
    li      a4, 0xf0f0f0f0
    c.or    a4, a5
    CHECK   22, a4, 0xfff0fff0
    li      a4, 0xf0f0f0f0
    c.and   a4, a5
    CHECK   23, a4, 0xf000f000
    li      t0, 5
    li      t1, 0x7ffffffe
    c.mv    t2, t1                       # c.mv / c.add on any registers
    CHECK   24, t2, 0x7ffffffe
    c.add   t2, t0
    CHECK   25, t2, 0x80000003

    la      s0, cdata                    # c.lw / c.sw (x8..x15 base)
    c.lw    a0, 4(s0)
    CHECK   30, a0, 0x22222222
    c.lw    a0, 124(s0)
    CHECK   31, a0, 0x7777aaaa
    li      a1, 0x5555aaaa
    c.sw    a1, 12(s0)
    lw      a0, 12(s0)
    CHECK   32, a0, 0x5555aaaa
    c.sw    a1, 120(s0)
    lw      a0, 120(s0)
    CHECK   33, a0, 0x5555aaaa

    c.addi16sp sp, -512                  # c.addi16sp: multiples of 16, -512..496
    sub     t0, s1, sp
    CHECK   40, t0, 512
    c.addi16sp sp, 496
    sub     t0, s1, sp
    CHECK   41, t0, 16
    c.addi4spn a0, sp, 1020              # c.addi4spn: sp + 4..1020
    sub     t0, a0, sp
    CHECK   42, t0, 1020
    c.addi4spn a0, sp, 4
    sub     t0, a0, sp
    CHECK   43, t0, 4
    li      t1, 0x0badcafe               # c.swsp / c.lwsp
    c.swsp  t1, 8(sp)
    c.lwsp  t2, 8(sp)
    CHECK   44, t2, 0x0badcafe
    lw      t2, 8(sp)
    CHECK   45, t2, 0x0badcafe
    c.addi16sp sp, -256
    c.swsp  t1, 252(sp)                  # largest offset
    c.lwsp  t3, 252(sp)
    CHECK   46, t3, 0x0badcafe
    lw      t3, 252(sp)
    CHECK   47, t3, 0x0badcafe
    mv      sp, s1

    li      s11, 50                      # c.j forward and backward
    c.j     1f
    j       fail
2:  c.j     3f
1:  c.j     2b
    j       fail
3:
    li      s11, 51                      # c.beqz / c.bnez, taken and not
    li      a0, 0
    c.bnez  a0, 4f
    c.beqz  a0, 5f
4:  j       fail
5:  li      a0, -1
    c.beqz  a0, 4b
    c.bnez  a0, 6f
    j       fail
6:
    li      s11, 52                      # c.jal links pc + 2
    c.jal   7f
8:  j       fail
7:  la      t0, 8b
    bne     ra, t0, fail
    li      s11, 53                      # c.jr
    la      t0, 9f
    c.jr    t0
    j       fail
9:
    li      s11, 54                      # c.jalr links pc + 2
    la      t0, 10f
    c.jalr  t0
11: j       fail
10: la      t1, 11b
    bne     ra, t1, fail

    li      s11, 55                      # a call and return with c.jal / c.jr ra
    li      a0, 20
    c.jal   double
    CHECK   55, a0, 40
    END

double:
    c.add   a0, a0
    c.jr    ra
