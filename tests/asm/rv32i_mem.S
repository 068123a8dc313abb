# rv32i_mem.S - RV32I loads and stores: widths, sign/zero extension, negative
# offsets, misaligned accesses (allowed; emulated by rvrr as by Linux), fence.
#include "check.h"
    .option norvc
    .data
    .balign 16
words:  .word 0x80402010, 0xf0e0d0c0, 0x12345678, 0x9abcdef0
buf:    .space 32
    .text
    START
    la      s0, words
    lw      t0, 0(s0)
    CHECK   1, t0, 0x80402010
    lb      t0, 3(s0)
    CHECK   2, t0, 0xffffff80                # sign-extended
    lbu     t0, 3(s0)
    CHECK   3, t0, 0x80
    lb      t0, 0(s0)
    CHECK   4, t0, 0x10
    lh      t0, 6(s0)
    CHECK   5, t0, 0xfffff0e0
    lhu     t0, 6(s0)
    CHECK   6, t0, 0xf0e0
    lh      t0, 0(s0)
    CHECK   7, t0, 0x2010
    addi    s1, s0, 8
    lw      t0, -4(s1)                       # negative offset
    CHECK   8, t0, 0xf0e0d0c0
    lbu     t0, -1(s1)
    CHECK   9, t0, 0xf0

    la      s1, buf                          # stores write only their width
    li      t0, -1
    sw      t0, 0(s1)
    li      t0, 0x55
    sb      t0, 1(s1)
    lw      t1, 0(s1)
    CHECK   10, t1, 0xffff55ff
    li      t0, 0x1234abcd
    sh      t0, 2(s1)                        # only the low half
    lw      t1, 0(s1)
    CHECK   11, t1, 0xabcd55ff
    sw      zero, 4(s1)
    li      t0, 0x7ff
    sb      t0, 4(s1)
    lw      t1, 4(s1)
    CHECK   12, t1, 0xff

    # Misaligned loads.
    lw      t0, 1(s0)                        # bytes 20 40 80 c0
    CHECK   20, t0, 0xc0804020
    lw      t0, 2(s0)
    CHECK   21, t0, 0xd0c08040
    lw      t0, 3(s0)
    CHECK   22, t0, 0xe0d0c080
    lh      t0, 3(s0)                        # bytes 80 c0
    CHECK   23, t0, 0xffffc080
    lhu     t0, 1(s0)
    CHECK   24, t0, 0x4020
    lhu     t0, 7(s0)                        # straddles the two words: f0 78
    CHECK   25, t0, 0x78f0

    # Misaligned stores.
    sw      zero, 8(s1)
    sw      zero, 12(s1)
    li      t0, 0x11223344
    sw      t0, 9(s1)
    lw      t1, 8(s1)
    CHECK   30, t1, 0x22334400
    lw      t1, 12(s1)
    CHECK   31, t1, 0x00000011
    li      t0, 0xaabb
    sh      t0, 11(s1)
    lw      t1, 8(s1)
    CHECK   32, t1, 0xbb334400
    lw      t1, 12(s1)
    CHECK   33, t1, 0x000000aa
    li      t0, 0xcafef00d
    sw      t0, 13(s1)
    lw      t1, 12(s1)
    CHECK   34, t1, 0xfef00daa
    lbu     t1, 16(s1)
    CHECK   35, t1, 0xca

    # fence orders memory; in a single hart it changes nothing visible.
    li      t0, 0x13579bdf
    sw      t0, 20(s1)
    fence
    fence   rw, rw
    fence   w, r
    fence.tso
    lw      t1, 20(s1)
    CHECK   36, t1, 0x13579bdf

    # Stack memory works like any other.
    addi    sp, sp, -16
    li      t0, 0x600df00d
    sw      t0, 12(sp)
    lw      t1, 12(sp)
    addi    sp, sp, 16
    CHECK   40, t1, 0x600df00d
    END
