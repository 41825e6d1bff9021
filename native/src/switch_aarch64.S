/* Goroutine context switch for AArch64 (AAPCS64, Linux).
 *
 * Same contract as switch_x86_64.S: a switch is a function call, so only what AAPCS64 says a
 * callee must preserve is saved: x19-x28, the frame pointer x29, the link register x30 (our
 * return address), the low 64 bits of v8-v15 (d8-d15) and the FPCR (rounding mode and trap
 * enables, the counterpart of MXCSR's control bits). Everything goes on the old stack and
 * only sp is stored, so a switch is a few paired stores and loads and never enters the kernel.
 *
 *   void goro__ctx_switch(void **save_sp, void *new_sp);      x0 = save_sp, x1 = new_sp
 *
 * Frame left on a switched-out stack (new_sp points at its lowest byte; 176 bytes, so sp
 * stays 16-byte aligned as the hardware requires):
 *   [sp+0]   x19 x20   [sp+16]  x21 x22   [sp+32]  x23 x24   [sp+48]  x25 x26
 *   [sp+64]  x27 x28   [sp+80]  x29 x30(return address)
 *   [sp+96]  d8 d9     [sp+112] d10 d11   [sp+128] d12 d13   [sp+144] d14 d15
 *   [sp+160] fpcr      [sp+168] pad
 * core.h (goro__ctx_newframe) builds the same frame for a fresh goroutine, with
 * goro__ctx_trampoline as x30 and a zero FPCR (Linux's default: round to nearest, no traps).
 *
 * The FPCR is written only when it differs from the running one: on some cores an FPCR write
 * is self-synchronising and costs far more than the read and compare.
 *
 * No barrier here: the switch runs on one CPU, and what another M needs to see (g->sp, the
 * frame) is published by the release store that later makes the goroutine runnable
 * (sched.c finish_switch/ready), as on x86.
 */
#if defined(__aarch64__)
    .text
    .globl goro__ctx_switch
    .hidden goro__ctx_switch
    .type goro__ctx_switch,%function
    .p2align 4
goro__ctx_switch:
    .cfi_startproc
    sub sp, sp, #176
    .cfi_def_cfa_offset 176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    .cfi_offset x29, -96
    .cfi_offset x30, -88
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]
    mov x10, sp
    str x10, [x0]
    /* now on the new stack */
    mov sp, x1
    ldr x10, [sp, #160]
    cmp x9, x10
    b.eq 1f
    msr fpcr, x10
1:
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .cfi_endproc
    .size goro__ctx_switch,.-goro__ctx_switch

/* First code a fresh goroutine runs, "returned to" by goro__ctx_switch: sp is the top of the
 * popped frame (16-byte aligned by construction). Clear the frame pointer and link register
 * so unwinders and backtraces stop here, and enter C. goro__gstart never returns. */
    .globl goro__ctx_trampoline
    .hidden goro__ctx_trampoline
    .type goro__ctx_trampoline,%function
    .p2align 4
goro__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined x30
    mov x29, xzr
    mov x30, xzr
    bl goro__gstart
    brk #0x1
    .cfi_endproc
    .size goro__ctx_trampoline,.-goro__ctx_trampoline
#endif
    .section .note.GNU-stack,"",%progbits
