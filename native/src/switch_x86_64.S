/* Goroutine context switch for x86-64 System V.
 *
 * A switch is a function call, so only what the ABI says a callee must preserve is saved:
 * rbx, rbp, r12-r15, the MXCSR control bits and the x87 control word. Everything is pushed on
 * the old stack and only the stack pointer is stored, so a switch is a handful of moves and
 * never enters the kernel (contrast swapcontext, which calls sigprocmask).
 *
 *   void goro__ctx_switch(void **save_sp, void *new_sp);
 *
 * Frame left on a switched-out stack (new_sp points at its lowest word):
 *   [sp+0]  mxcsr (4 bytes) | x87 cw (2 bytes) | pad
 *   [sp+8]  r15  [sp+16] r14  [sp+24] r13  [sp+32] r12  [sp+40] rbx  [sp+48] rbp
 *   [sp+56] return address
 * stack.c builds the same frame for a fresh goroutine with goro__ctx_trampoline as the
 * return address.
 */
#if defined(__x86_64__)
    .text
    .globl goro__ctx_switch
    .hidden goro__ctx_switch
    .type goro__ctx_switch,@function
    .p2align 4
goro__ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size goro__ctx_switch,.-goro__ctx_switch

/* First code a fresh goroutine runs: the stack pointer is just above the trampoline's slot;
 * align it as a call expects and enter C. goro__gstart never returns. */
    .globl goro__ctx_trampoline
    .hidden goro__ctx_trampoline
    .type goro__ctx_trampoline,@function
    .p2align 4
goro__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    xorl %ebp, %ebp
    andq $-16, %rsp
    call goro__gstart
    ud2
    .cfi_endproc
    .size goro__ctx_trampoline,.-goro__ctx_trampoline
#else
/* other targets assemble their own file (switch_aarch64.S); core.h rejects the rest */
#endif
    .section .note.GNU-stack,"",@progbits
