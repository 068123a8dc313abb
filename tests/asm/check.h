# check.h - macros for the self-checking RV32IMAC programs in tests/asm/.
#
# Each check loads its number into s11 and, if the result is wrong, jumps to
# `fail`, which exits with that number (Linux exit, a7 = 93). A program that
# reaches `pass` exits 0. So a non-zero exit code names the first failing
# check: look for "CHECK n" / "TEST_* n" in the source. Scratch: t0..t6.

.macro START
    .section .text
    .globl _start
_start:
.endm

.macro END
pass:
    li      a0, 0
    li      a7, 93
    ecall
fail:
    mv      a0, s11
    li      a7, 93
    ecall
.endm

# Compare register `reg` with the constant `exp` (clobbers t6).
.macro CHECK n, reg, exp
    li      s11, \n
    li      t6, \exp
    beq     \reg, t6, 8f
    j       fail
8:
.endm

# rd = a OP b, register-register.
.macro TEST_RR n, op, exp, a, b
    li      t0, \a
    li      t1, \b
    \op     t2, t0, t1
    CHECK   \n, t2, \exp
.endm

# rd = a OP imm.
.macro TEST_RI n, op, exp, a, imm
    li      t0, \a
    \op     t2, t0, \imm
    CHECK   \n, t2, \exp
.endm

# Branch `op a, b` must be taken (taken=1) or not (taken=0).
.macro TEST_BR n, op, a, b, taken
    li      s11, \n
    li      t0, \a
    li      t1, \b
    \op     t0, t1, 7f
    .if \taken
    j       fail
    .else
    j       6f
    .endif
7:
    .if !\taken
    j       fail
    .endif
6:
.endm
