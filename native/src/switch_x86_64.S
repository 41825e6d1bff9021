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
 *
 * Everything here is runtime code, in the section goro_rt_text with the rest of the runtime:
 * preempt.c never stops a goroutine inside it.
 */
#if defined(__x86_64__)
    .section goro_rt_text,"ax",@progbits
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
/* Asynchronous preemption (preempt.c): the signal handler made the goroutine "call" this
 * from the interrupted instruction, 128 bytes (the red zone) plus the return address below
 * its stack pointer. Save every register, the flags and the whole FP/vector state, yield,
 * restore, and return to the interrupted PC with `ret $128`, which pops the address and
 * steps back over the red zone, so rsp is exactly the interrupted one. rbx keeps the frame
 * across the call (callee-saved). */
    .globl goro__async_preempt_tramp
    .hidden goro__async_preempt_tramp
    .type goro__async_preempt_tramp,@function
    .p2align 4
goro__async_preempt_tramp:
    .cfi_startproc
    pushfq
    cld                       /* the C ABI wants DF clear; popfq restores it */
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rbx
    movl goro__xsave_size(%rip), %ecx
    testl %ecx, %ecx
    jz 1f
    subq %rcx, %rsp
    andq $-64, %rsp           /* XSAVE wants 64-byte alignment */
    xorl %eax, %eax           /* the XSAVE header (bytes 512-575) starts zeroed: XRSTOR of */
    movq %rax, 512(%rsp)      /* the standard form faults on non-zero reserved bytes */
    movq %rax, 520(%rsp)
    movq %rax, 528(%rsp)
    movq %rax, 536(%rsp)
    movq %rax, 544(%rsp)
    movq %rax, 552(%rsp)
    movq %rax, 560(%rsp)
    movq %rax, 568(%rsp)
    movl $-1, %eax            /* every feature XCR0 enables */
    movl $-1, %edx
    xsave64 (%rsp)
    call goro__async_preempt
    movl $-1, %eax
    movl $-1, %edx
    xrstor64 (%rsp)
    jmp 2f
1:  subq $512, %rsp
    andq $-64, %rsp           /* FXSAVE64 needs 16 */
    fxsave64 (%rsp)
    call goro__async_preempt
    fxrstor64 (%rsp)
2:  movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    popfq
    ret $128
    .cfi_endproc
    .size goro__async_preempt_tramp,.-goro__async_preempt_tramp
#else
/* other targets assemble their own file (switch_aarch64.S); core.h rejects the rest */
#endif
    .section .note.GNU-stack,"",@progbits
