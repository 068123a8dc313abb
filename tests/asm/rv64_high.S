# rv64_high.S - the 64-bit address space: the initial stack lies above 4 GiB
# (rvrr: below 0x40_0000_0000 as on Linux sv39; qemu-riscv64: just above it),
# anonymous mmap at fixed addresses far apart (at 4 GiB, 128 GiB and just
# below 4 GiB so one page straddles the 4 GiB line), 8/4/2/1-byte loads and
# stores there (aligned, misaligned across the 4 GiB line, atomics), and code
# copied to a page above 4 GiB and run there (fence.i, then jalr); munmap
# and a fresh mapping there.
#include "check.h"
    .equ SYS_mmap, 222
    .equ SYS_munmap, 215
    .equ PROT_RWX, 7
    .equ MAP_PRIVATE_ANON_FIXED_NOREPLACE, 0x100022
    .equ LOW, 0xfffff000            # the last page below 4 GiB
    .equ HIGH, 0x100000000          # 4 GiB
    .equ FAR, 0x2000000000          # 128 GiB

# a0 = mmap(addr, len, RWX, FIXED_NOREPLACE|ANON|PRIVATE, -1, 0); check a0 == addr.
.macro MAP n, addr, len
    li      a0, \addr
    li      a1, \len
    li      a2, PROT_RWX
    li      a3, MAP_PRIVATE_ANON_FIXED_NOREPLACE
    li      a4, -1
    li      a5, 0
    li      a7, SYS_mmap
    ecall
    CHECK   \n, a0, \addr
.endm

    .text
    START
    # 1: the stack is above 4 GiB.
    li      s11, 1
    li      t0, HIGH
    bltu    sp, t0, fail
    sd      sp, -8(sp)
    ld      t1, -8(sp)
    sub     t1, t1, sp
    CHECK   2, t1, 0

    MAP     4, LOW, 0x2000          # [4 GiB - 4 KiB, 4 GiB + 4 KiB)
    MAP     5, FAR, 0x1000

    # Fresh pages read as zero, far apart.
    li      s0, HIGH
    ld      t1, 0(s0)
    CHECK   6, t1, 0
    li      s1, FAR
    ld      t1, 2040(s1)
    CHECK   7, t1, 0

    # Stores and loads of every width above 4 GiB.
    li      t0, 0x1122334455667788
    sd      t0, 8(s0)
    ld      t1, 8(s0)
    CHECK   8, t1, 0x1122334455667788
    lw      t1, 12(s0)
    CHECK   9, t1, 0x11223344
    lhu     t1, 8(s0)
    CHECK   10, t1, 0x7788
    lb      t1, 15(s0)
    CHECK   11, t1, 0x11
    sb      t0, 0(s1)
    sh      t0, 2(s1)
    sw      t0, 4(s1)
    ld      t1, 0(s1)
    CHECK   12, t1, 0x5566778877880088

    # The two mappings are distinct memory: FAR did not change HIGH.
    ld      t1, 0(s0)
    CHECK   13, t1, 0

    # A misaligned doubleword across the 4 GiB line (bytes in both chunks).
    li      s2, HIGH - 4
    li      t0, 0x0102030405060708
    sd      t0, 0(s2)
    ld      t1, 0(s2)
    CHECK   14, t1, 0x0102030405060708
    lwu     t1, 0(s0)
    CHECK   15, t1, 0x01020304
    lwu     t1, -4(s0)
    CHECK   16, t1, 0x05060708

    # Atomics above 4 GiB.
    li      t0, 5
    amoadd.d t1, t0, (s1)
    CHECK   17, t1, 0x5566778877880088
    ld      t1, 0(s1)
    CHECK   18, t1, 0x556677887788008d
    lr.d    t1, (s1)
    li      t0, 42
    sc.d    t2, t0, (s1)
    CHECK   19, t2, 0
    ld      t1, 0(s1)
    CHECK   20, t1, 42

    # Code above 4 GiB: copy `far_code` (li a0, 77; ret) to FAR + 1024 and call it.
    la      t0, far_code
    lw      t1, 0(t0)
    lw      t2, 4(t0)
    addi    t3, s1, 1024
    sw      t1, 0(t3)
    sw      t2, 4(t3)
    fence.i
    li      a0, 0
    jalr    ra, 0(t3)
    CHECK   21, a0, 77

    # munmap, then map again: a fresh zero page.
    mv      a0, s1
    li      a1, 0x1000
    li      a7, SYS_munmap
    ecall
    CHECK   22, a0, 0
    MAP     23, FAR, 0x1000
    ld      t1, 0(s1)
    CHECK   24, t1, 0
    j       pass

    .option push
    .option norvc
far_code:
    li      a0, 77
    ret
    .option pop
    END
