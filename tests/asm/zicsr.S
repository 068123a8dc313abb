# zicsr.S - the user counters: cycle, time and instret (and their high
# halves) are readable with every read form and never go backwards; instret
# and cycle advance across a loop. rvrr derives them all from the retired
# instruction count, so they are deterministic there.
#include "check.h"
    .option norvc

# Read the 64-bit counter (lo, hi CSRs) into hi:lo, the standard way
# (re-read if the high half changed in between).
.macro READ64 lo_csr, hi_csr, hi, lo
1:  csrr    \hi, \hi_csr
    csrr    \lo, \lo_csr
    csrr    t6, \hi_csr
    bne     \hi, t6, 1b
.endm

# Check hi2:lo2 > hi1:lo1 (unsigned 64-bit), else fail with n.
.macro CHECK_GT64 n, hi1, lo1, hi2, lo2
    li      s11, \n
    bltu    \hi1, \hi2, 2f
    bne     \hi1, \hi2, fail
    bgeu    \lo1, \lo2, fail
2:
.endm

.macro SPIN count
    li      t0, \count
3:  addi    t0, t0, -1
    bnez    t0, 3b
.endm

    START
    READ64  instret, instreth, s2, s3
    SPIN    1000
    READ64  instret, instreth, s4, s5
    CHECK_GT64 1, s2, s3, s4, s5
    sub     t0, s5, s3                   # at least the 2000 loop instructions retired
    li      t1, 2000
    li      s11, 2
    bltu    t0, t1, fail

    READ64  cycle, cycleh, s2, s3
    SPIN    1000
    READ64  cycle, cycleh, s4, s5
    CHECK_GT64 3, s2, s3, s4, s5

    READ64  time, timeh, s2, s3          # time may advance slowly, but never backwards
    SPIN    100000
    READ64  time, timeh, s4, s5
    li      s11, 4
    bltu    s2, s4, 4f
    bne     s2, s4, fail
    bltu    s5, s3, fail
4:
    # The other read forms: csrrs/csrrc with x0 and the immediate forms with 0
    # only read (the counters are read-only; a write would be illegal).
    rdinstret s2
    csrrs   s3, instret, x0
    csrrc   s4, instret, x0
    csrrsi  s5, instret, 0
    csrrci  s6, instret, 0
    li      s11, 5
    bltu    s3, s2, fail                 # each read is later than the previous
    bltu    s4, s3, fail
    bltu    s5, s4, fail
    bltu    s6, s5, fail
    rdcycle s2
    rdtime  s3
    rdcycleh s4
    rdtimeh s5
    rdinstreth s6
    li      s11, 6
    beq     s2, zero, fail               # some cycles have passed by now
    END
