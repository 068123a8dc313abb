# crt0.S - process entry for the Linux-ABI examples (no libc).
#
# The kernel (or rvrr, or qemu-riscv32) starts us at _start with sp pointing
# at the initial stack: argc, argv[0..argc-1], NULL, envp..., NULL, auxv.
# We set up gp, align sp and hand argc/argv/envp to rt_start() in rt.c,
# which calls main() and exits with its result.
    .section .text._start, "ax"
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax            # gp must not be used to compute itself
    la      gp, __global_pointer$
    .option pop
    lw      a0, 0(sp)          # argc
    addi    a1, sp, 4          # argv
    slli    t0, a0, 2
    add     a2, a1, t0
    addi    a2, a2, 4          # envp = argv + argc + 1
    andi    sp, sp, -16        # the psABI wants a 16-byte aligned sp
    li      ra, 0              # end of the call chain for debuggers
    call    rt_start
1:  j       1b                 # rt_start never returns
    .size _start, . - _start
