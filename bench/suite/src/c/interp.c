/* interp: a bytecode interpreter loop - a small stack VM with eight registers, dispatched by
 * a switch over byte opcodes - running an embedded program: for i = N down to 1, a
 * multiplicative hash of i folded into an accumulator, an inner Collatz walk of a few steps
 * and a running count of set bits.  stdin: N.  stdout: VM steps, r0..r3, a hash of the stack
 * trace (FNV-1a over every value popped). */
#include "wio.h"

enum {
    HALT, PUSH8, PUSH32, LOAD, STORE, ADD, SUB, MUL, XOR, AND, SHL, SHR,
    DUP, DROP, SWAP, JMP, JZ, JNZ, LT, INC, DEC
};

/* Registers: r0 = i (counter), r1 = acc, r2 = x (Collatz value), r3 = set bits seen,
 * r4 = k (inner steps left). */

/* The program, assembled at startup (jump targets are 16-bit little-endian code offsets). */
static uint8_t code[256];
static int len;

static void emit(int b) { code[len++] = (uint8_t)b; }
static void emit32(uint32_t v) { for (int i = 0; i < 4; i++) emit((int)(v >> (8 * i)) & 0xff); }
static int here(void) { return len; }
static int jump(int op) { emit(op); emit(0); emit(0); return len - 2; }
static void patch(int at, int target) { code[at] = (uint8_t)target; code[at + 1] = (uint8_t)(target >> 8); }

static void assemble(void) {
    int head = here();
    emit(LOAD); emit(0); int to_end = jump(JZ);
    /* acc = (acc ^ i) * 0x9E3779B1 */
    emit(LOAD); emit(1); emit(LOAD); emit(0); emit(XOR); emit(PUSH32); emit32(0x9E3779B1u);
    emit(MUL); emit(STORE); emit(1);
    /* x = (acc >> 40) + 1; k = 12 */
    emit(LOAD); emit(1); emit(PUSH8); emit(40); emit(SHR); emit(INC); emit(STORE); emit(2);
    emit(PUSH8); emit(12); emit(STORE); emit(4);
    /* inner: while k: x = x odd ? 3x+1 : x/2; popcount += x & 1; k-- */
    int inner = here();
    emit(LOAD); emit(4); int to_done = jump(JZ);
    emit(LOAD); emit(2); emit(PUSH8); emit(1); emit(AND); int to_even = jump(JZ);
    emit(LOAD); emit(2); emit(DUP); emit(DUP); emit(ADD); emit(ADD); emit(INC); emit(STORE); emit(2);
    int to_next = jump(JMP);
    patch(to_even, here());
    emit(LOAD); emit(2); emit(PUSH8); emit(1); emit(SHR); emit(STORE); emit(2);
    patch(to_next, here());
    emit(LOAD); emit(3); emit(LOAD); emit(2); emit(PUSH8); emit(1); emit(AND); emit(ADD);
    emit(STORE); emit(3);
    emit(LOAD); emit(4); emit(DEC); emit(STORE); emit(4);
    patch(jump(JMP), inner);
    patch(to_done, here());
    /* acc = acc + x; if x < 1000 then acc = acc ^ (acc << 7) */
    emit(LOAD); emit(1); emit(LOAD); emit(2); emit(ADD); emit(STORE); emit(1);
    emit(LOAD); emit(2); emit(PUSH32); emit32(1000); emit(LT); int to_skip = jump(JZ);
    emit(LOAD); emit(1); emit(DUP); emit(PUSH8); emit(7); emit(SHL); emit(XOR); emit(STORE); emit(1);
    patch(to_skip, here());
    /* i-- */
    emit(LOAD); emit(0); emit(DEC); emit(STORE); emit(0);
    patch(jump(JMP), head);
    patch(to_end, here());
    emit(HALT);
}

int main(void) {
    uint64_t n = read_u64(1);
    assemble();
    uint64_t reg[8] = {0};
    uint64_t stack[64];
    int sp = 0, pc = 0;
    uint64_t steps = 0;
    uint32_t hash = 2166136261u;
    reg[0] = n;
    reg[1] = 0x0123456789abcdefULL;
#define POP() (hash = (hash ^ (uint32_t)stack[sp - 1]) * 16777619u, stack[--sp])
    for (;;) {
        uint8_t op = code[pc++];
        steps++;
        uint64_t a, b;
        switch (op) {
        case HALT: goto done;
        case PUSH8: stack[sp++] = code[pc++]; break;
        case PUSH32:
            stack[sp++] = (uint64_t)code[pc] | (uint64_t)code[pc + 1] << 8 |
                          (uint64_t)code[pc + 2] << 16 | (uint64_t)code[pc + 3] << 24;
            pc += 4;
            break;
        case LOAD: stack[sp++] = reg[code[pc++] & 7]; break;
        case STORE: reg[code[pc++] & 7] = POP(); break;
        case ADD: b = POP(); a = POP(); stack[sp++] = a + b; break;
        case SUB: b = POP(); a = POP(); stack[sp++] = a - b; break;
        case MUL: b = POP(); a = POP(); stack[sp++] = a * b; break;
        case XOR: b = POP(); a = POP(); stack[sp++] = a ^ b; break;
        case AND: b = POP(); a = POP(); stack[sp++] = a & b; break;
        case SHL: b = POP(); a = POP(); stack[sp++] = a << (b & 63); break;
        case SHR: b = POP(); a = POP(); stack[sp++] = a >> (b & 63); break;
        case DUP: a = stack[sp - 1]; stack[sp++] = a; break;
        case DROP: (void)POP(); break;
        case SWAP: a = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = a; break;
        case JMP: pc = code[pc] | code[pc + 1] << 8; break;
        case JZ:
            a = POP();
            pc = a == 0 ? (code[pc] | code[pc + 1] << 8) : pc + 2;
            break;
        case JNZ:
            a = POP();
            pc = a != 0 ? (code[pc] | code[pc + 1] << 8) : pc + 2;
            break;
        case LT: b = POP(); a = POP(); stack[sp++] = a < b; break;
        case INC: stack[sp - 1]++; break;
        case DEC: stack[sp - 1]--; break;
        default: put_str("bad opcode\n"); wio_flush(); return 1;
        }
    }
done:
    put_str("code bytes "); put_u64((uint64_t)len); put_char('\n');
    put_str("steps "); put_u64(steps); put_char('\n');
    for (int r = 0; r < 4; r++) {
        put_char('r'); put_u64((uint64_t)r); put_char(' '); put_u64(reg[r]); put_char('\n');
    }
    put_str("trace "); put_u64(hash); put_char('\n');
    wio_flush();
    return 0;
}
