//! FROPS, the frequent operations: `(op, a, b)` triples that ZisK proves by a fixed lookup table
//! instead of a Binary / Arith state-machine row.
//!
//! ziskemu charges a frequent operation to the FROPS line instead of OPCODES (ziskemu
//! `stats.rs` `on_op` / `is_frops`), so the OPCODES and VARIABLE costs of a program depend on
//! its operand values. The boxes below are the data of zisk-core 1.4.0-alpha
//! `frops_regions.rs` (generated upstream by `frops-analyzer`; the state machines'
//! `is_frequent_op` predicates in zisk-sm-binary / zisk-sm-arith are generated from the same
//! data). Each box covers `a = a_lo + i * a_stride` for `i < a_count` and
//! `b_lo <= b < b_lo + b_count`.

/// One box of frequent `(a, b)` pairs, kept as inclusive bounds and a stride mask so the
/// membership test needs no division (strides are 1 or powers of two, frops.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FropBox {
    a_lo: u64,
    a_max: u64,
    a_mask: u64,
    b_lo: u64,
    b_max: u64,
}

impl FropBox {
    const fn new(a_lo: u64, a_count: u64, a_stride: u64, b_lo: u64, b_count: u64) -> Self {
        assert!(a_stride.is_power_of_two() && a_count > 0 && b_count > 0);
        FropBox {
            a_lo,
            a_max: a_lo + (a_count - 1) * a_stride,
            a_mask: a_stride - 1,
            b_lo,
            b_max: b_lo + (b_count - 1),
        }
    }

    /// Whether `(a, b)` lies in the box.
    #[inline(always)]
    pub fn contains(&self, a: u64, b: u64) -> bool {
        a >= self.a_lo
            && a <= self.a_max
            && (a - self.a_lo) & self.a_mask == 0
            && b >= self.b_lo
            && b <= self.b_max
    }
}

/// Whether `(op, a, b)` is a frequent operation.
#[inline(always)]
pub fn is_frop(op: u8, a: u64, b: u64) -> bool {
    FROPS_BY_OPCODE[op as usize]
        .iter()
        .any(|r| r.contains(a, b))
}

/// The boxes indexed by opcode.
static FROPS_BY_OPCODE: [&[FropBox]; 256] = {
    let mut table: [&[FropBox]; 256] = [&[]; 256];
    let mut i = 0;
    while i < FROPS.len() {
        table[FROPS[i].0 as usize] = FROPS[i].1;
        i += 1;
    }
    table
};

/// `(opcode, boxes)`, in opcode order; the comment over each box is upstream's.
#[rustfmt::skip]
static FROPS: &[(u8, &[FropBox])] = &[
    // minu
    (0x02, &[
        // low_rect: a < 103 && b < 233
        FropBox::new(0x0, 103, 1, 0x0, 233),
    ]),
    // maxu
    (0x04, &[
        // low_rect: a < 34 && b < 91
        FropBox::new(0x0, 34, 1, 0x0, 91),
    ]),
    // ltu
    (0x06, &[
        // low_rect: a < 1026 && b < 609
        FropBox::new(0x0, 1026, 1, 0x0, 609),
        // mid_box: a >= 0xFC87D25316270000 && a < 0xFC87D25316271000 && (a & 7) == 0 && b == 0
        FropBox::new(0xfc87d25316270000, 512, 8, 0x0, 1),
    ]),
    // lt
    (0x07, &[
        // low_rect: a < 35 && b < 2114
        FropBox::new(0x0, 35, 1, 0x0, 2114),
        // mid_box: a >= 0x100000000000000 && a < 0x100000000001000 && (a & 7) == 0 && b == 0
        FropBox::new(0x100000000000000, 512, 8, 0x0, 1),
    ]),
    // eq
    (0x09, &[
        // low_rect: a < 2051 && b < 260
        FropBox::new(0x0, 2051, 1, 0x0, 260),
        // mid_box: a >= 0xA03FF000 && a < 0xA0400000 && (a & 7) == 0 && b == 0
        FropBox::new(0xa03ff000, 512, 8, 0x0, 1),
        // mid_box: a >= 0xA6847000 && a < 0xA6A5D000 && (a & 7) == 0 && b == 0
        FropBox::new(0xa6847000, 273408, 8, 0x0, 1),
        // mid_box: a >= 0xA841F000 && a < 0xA8969000 && (a & 7) == 0 && b == 0
        FropBox::new(0xa841f000, 693248, 8, 0x0, 1),
    ]),
    // add
    (0x0a, &[
        // low_rect: a < 4013 && b < 69
        FropBox::new(0x0, 4013, 1, 0x0, 69),
        // mid_box: a >= 0xA03F1000 && a < 0xA03FF000 && (a & 7) == 0 && b < 2113
        FropBox::new(0xa03f1000, 7168, 8, 0x0, 2113),
        // mid_box: a >= 0xA042F000 && a < 0xA0431000 && (a & 7) == 0 && b >= 40 && b < 217
        FropBox::new(0xa042f000, 1024, 8, 0x28, 177),
        // mid_box: a >= 0xBFFEF000 && a < 0xBFFF0000 && (a & 7) == 0 && b == 8
        FropBox::new(0xbffef000, 512, 8, 0x8, 1),
    ]),
    // sub
    (0x0b, &[
        // low_rect: a < 328 && b < 316
        FropBox::new(0x0, 328, 1, 0x0, 316),
        // mid_box: a >= 0xFFFFF000 && a < 0x100001000 && (a & 7) == 0 && b < 127
        FropBox::new(0xfffff000, 1024, 8, 0x0, 127),
        // mid_box: a >= 0x100000000000000 && a < 0x100000000001000 && (a & 7) == 0 && b < 2
        FropBox::new(0x100000000000000, 512, 8, 0x0, 2),
        // mid_box: a >= 0x2725DD1D243AB007 && a < 0x2725DD1D243AC007 && (a & 7) == 7 && b == 1
        FropBox::new(0x2725dd1d243ab007, 512, 8, 0x1, 1),
    ]),
    // and
    (0x0e, &[
        // low_rect: a < 1436 && b < 257
        FropBox::new(0x0, 1436, 1, 0x0, 257),
        // mid_box: a >= 0x554C005 && a < 0x5557005 && (a & 7) == 5 && b >= 2 && b < 9
        FropBox::new(0x554c005, 5632, 8, 0x2, 7),
        // mid_box: a >= 0x15554005 && a < 0x15557005 && (a & 7) == 5 && b >= 2 && b < 9
        FropBox::new(0x15554005, 1536, 8, 0x2, 7),
        // mid_box: a >= 0x7FFFFFFFFFFFF000 && a < 0x8000000000001000 && (a & 7) == 0 && b < 18
        FropBox::new(0x7ffffffffffff000, 1024, 8, 0x0, 18),
    ]),
    // or
    (0x0f, &[
        // low_rect: a < 260 && b < 258
        FropBox::new(0x0, 260, 1, 0x0, 258),
        // mid_box: a >= 0x3CDD0002 && a < 0x3CDD1002 && (a & 7) == 2 && b == 0
        FropBox::new(0x3cdd0002, 512, 8, 0x0, 1),
        // mid_box: a >= 0xD99A8CEC7E20000 && a < 0xD99A8CEC7E21000 && (a & 7) == 0 && b == 0
        FropBox::new(0xd99a8cec7e20000, 512, 8, 0x0, 1),
        // mid_box: a >= 0xDE0B6B3A763F000 && a < 0xDE0B6B3A7641000 && (a & 7) == 0 && b == 0
        FropBox::new(0xde0b6b3a763f000, 1024, 8, 0x0, 1),
    ]),
    // xor
    (0x10, &[
        // low_rect: a < 35 && b < 35
        FropBox::new(0x0, 35, 1, 0x0, 35),
        // mid_box: a >= 0xC71E833DC1974001 && a < 0xC71E833DC1975001 && (a & 7) == 1 && b == 0
        FropBox::new(0xc71e833dc1974001, 512, 8, 0x0, 1),
        // mid_box: a >= 0xF5A6623999945006 && a < 0xF5A6623999946006 && (a & 7) == 6 && b == 0
        FropBox::new(0xf5a6623999945006, 512, 8, 0x0, 1),
    ]),
    // add_w
    (0x1a, &[
        // low_rect: a < 256 && b < 8
        FropBox::new(0x0, 256, 1, 0x0, 8),
        // mid_box: a >= 4096 && a < 20480 && (a & 7) == 0 && b == 0
        FropBox::new(0x1000, 2048, 8, 0x0, 1),
        // high_box: a >= 0xFFFFFFFFFFFFFF01 && b < 64
        FropBox::new(0xffffffffffffff01, 255, 1, 0x0, 64),
    ]),
    // sub_w
    (0x1b, &[
        // low_rect: a < 128 && b < 128
        FropBox::new(0x0, 128, 1, 0x0, 128),
    ]),
    // sll
    (0x21, &[
        // low_rect: a < 4096 && b < 64
        FropBox::new(0x0, 4096, 1, 0x0, 64),
        // mid_box: a >= 4096 && a < 8192 && b < 64
        FropBox::new(0x1000, 4096, 1, 0x0, 64),
        // mid_box: a >= 0x3C23F006 && a < 0x3C240006 && (a & 7) == 6 && b == 32
        FropBox::new(0x3c23f006, 512, 8, 0x20, 1),
        // mid_box: a >= 0x4EC4E007 && a < 0x4EC4F007 && (a & 7) == 7 && b >= 3 && b < 33
        FropBox::new(0x4ec4e007, 512, 8, 0x3, 30),
    ]),
    // srl
    (0x22, &[
        // low_rect: a < 4096 && b < 64
        FropBox::new(0x0, 4096, 1, 0x0, 64),
        // mid_box: a >= 4096 && a < 24576 && b < 64
        FropBox::new(0x1000, 20480, 1, 0x0, 64),
        // mid_box: a >= 0x7FFFFFFFFFFFD000 && a < 0x8000000000001000 && (a & 7) == 0 && b < 64
        FropBox::new(0x7fffffffffffd000, 2048, 8, 0x0, 64),
        // mid_box: a >= 0xDE0B6B3A763FF000 && a < 0xDE0B6B3A76401000 && (a & 7) == 0 && b >= 1 && b < 56
        FropBox::new(0xde0b6b3a763ff000, 1024, 8, 0x1, 55),
    ]),
    // sra
    (0x23, &[
        // low_rect: a < 4041 && b < 17
        FropBox::new(0x0, 4041, 1, 0x0, 17),
        // mid_box: a >= 4096 && a < 28672 && (a & 3) == 0 && b >= 3 && b < 17
        FropBox::new(0x1000, 6144, 4, 0x3, 14),
        // mid_box: a >= 0x12C00004 && a < 0x12C01004 && (a & 7) == 4 && b == 16
        FropBox::new(0x12c00004, 512, 8, 0x10, 1),
        // high_box: a >= 0xFFFFFFFFFFFFFF80 && b < 9
        FropBox::new(0xffffffffffffff80, 128, 1, 0x0, 9),
    ]),
    // sll_w
    (0x24, &[
        // low_rect: a < 2046 && b < 12
        FropBox::new(0x0, 2046, 1, 0x0, 12),
    ]),
    // srl_w
    (0x25, &[
        // low_rect: a < 16 && b < 4
        FropBox::new(0x0, 16, 1, 0x0, 4),
    ]),
    // sra_w
    (0x26, &[
        // low_rect: a < 254 && b < 7
        FropBox::new(0x0, 254, 1, 0x0, 7),
    ]),
    // signextend_b
    (0x27, &[
        // low_rect: a == 0 && b < 257
        FropBox::new(0x0, 1, 1, 0x0, 257),
        // mid_box: a >= 0xA03FC000 && a < 0xA03FF000 && (a & 7) == 0 && b < 252
        FropBox::new(0xa03fc000, 1536, 8, 0x0, 252),
    ]),
    // signextend_h
    (0x28, &[
        // low_rect: a == 0 && b < 2901
        FropBox::new(0x0, 1, 1, 0x0, 2901),
        // mid_box: a >= 0x900D5000 && a < 0x900D6000 && (a & 7) == 0 && b < 6
        FropBox::new(0x900d5000, 512, 8, 0x0, 6),
        // mid_box: a >= 0x900D5000 && a < 0x900D6000 && (a & 7) == 0 && b == 100
        FropBox::new(0x900d5000, 512, 8, 0x64, 1),
    ]),
    // signextend_w
    (0x29, &[
        // mid_box: a >= 0x900D5000 && a < 0x900D6000 && (a & 3) == 0 && b == 100
        FropBox::new(0x900d5000, 1024, 4, 0x64, 1),
        // mid_box: a >= 0xAABC9000 && a < 0xAABCA000 && (a & 7) == 0 && b < 15
        FropBox::new(0xaabc9000, 512, 8, 0x0, 15),
        // mid_box: a >= 0xAAC0C000 && a < 0xAAC0E000 && (a & 7) == 0 && b < 15
        FropBox::new(0xaac0c000, 1024, 8, 0x0, 15),
        // mid_box: a >= 0xAACAE000 && a < 0xAACB0000 && (a & 7) == 0 && b < 15
        FropBox::new(0xaacae000, 1024, 8, 0x0, 15),
    ]),
    // rev8
    (0x30, &[
        // low_rect: a == 0 && b < 4096
        FropBox::new(0x0, 1, 1, 0x0, 4096),
    ]),
    // clz
    (0x38, &[
        // low_rect: a == 0 && b < 4096
        FropBox::new(0x0, 1, 1, 0x0, 4096),
    ]),
    // clz_w
    (0x39, &[
        // low_rect: a == 0 && b < 69
        FropBox::new(0x0, 1, 1, 0x0, 69),
    ]),
    // cpop
    (0x3c, &[
        // low_rect: a == 0 && b < 256
        FropBox::new(0x0, 1, 1, 0x0, 256),
    ]),
    // orc_b
    (0x3e, &[
        // low_rect: a == 0 && b < 3914
        FropBox::new(0x0, 1, 1, 0x0, 3914),
    ]),
    // bext
    (0x40, &[
        // low_rect: a < 273 && b < 5
        FropBox::new(0x0, 273, 1, 0x0, 5),
    ]),
    // binv
    (0x41, &[
        // low_rect: a < 2 && b < 64
        FropBox::new(0x0, 2, 1, 0x0, 64),
    ]),
    // bset
    (0x42, &[
        // low_rect: a == 0 && b < 4096
        FropBox::new(0x0, 1, 1, 0x0, 4096),
    ]),
    // sll_u_w
    (0x43, &[
        // low_rect: a < 1109 && b < 10
        FropBox::new(0x0, 1109, 1, 0x0, 10),
    ]),
    // andn
    (0x53, &[
        // low_rect: a < 25 && b < 35
        FropBox::new(0x0, 25, 1, 0x0, 35),
    ]),
    // sh1add
    (0x56, &[
        // low_rect: a < 171 && b < 171
        FropBox::new(0x0, 171, 1, 0x0, 171),
    ]),
    // sh3add
    (0x58, &[
        // low_rect: a < 15 && b < 41
        FropBox::new(0x0, 15, 1, 0x0, 41),
    ]),
    // muluh
    (0xb1, &[
        // low_rect: a == 0 && b < 4087
        FropBox::new(0x0, 1, 1, 0x0, 4087),
        // mid_box: a >= 0xB24007 && a < 0xB25007 && (a & 7) == 7 && b < 56
        FropBox::new(0xb24007, 512, 8, 0x0, 56),
    ]),
    // mul
    (0xb4, &[
        // low_rect: a < 4096 && b < 219
        FropBox::new(0x0, 4096, 1, 0x0, 219),
        // mid_box: a >= 4096 && a < 24576 && (a & 7) == 0 && b < 121
        FropBox::new(0x1000, 2560, 8, 0x0, 121),
        // mid_box: a >= 4096 && a < 0x29000 && b == 400
        FropBox::new(0x1000, 163840, 1, 0x190, 1),
        // mid_box: a >= 4096 && a < 16384 && b >= 200 && b < 217
        FropBox::new(0x1000, 12288, 1, 0xc8, 17),
    ]),
    // mul_w
    (0xb6, &[
        // low_rect: a < 2 && b < 51
        FropBox::new(0x0, 2, 1, 0x0, 51),
    ]),
    // remu
    (0xb9, &[
        // mid_box: a >= 0x48EB0636CEB09006 && a < 0x48EB0636CEB0A006 && (a & 7) == 6 && b >= 1 && b < 98
        FropBox::new(0x48eb0636ceb09006, 512, 8, 0x1, 97),
        // mid_box: a >= 0xC26C753C08D9E007 && a < 0xC26C753C08D9F007 && (a & 7) == 7 && b >= 1 && b < 98
        FropBox::new(0xc26c753c08d9e007, 512, 8, 0x1, 97),
        // mid_box: a >= 0xC71E833DC1974001 && a < 0xC71E833DC1975001 && (a & 7) == 1 && b >= 1 && b < 98
        FropBox::new(0xc71e833dc1974001, 512, 8, 0x1, 97),
        // mid_box: a >= 0xC71E833DC1974001 && a < 0xC71E833DC1975001 && (a & 7) == 1 && b == 197
        FropBox::new(0xc71e833dc1974001, 512, 8, 0xc5, 1),
    ]),
    // div
    (0xba, &[
        // low_rect: a < 616 && b < 3
        FropBox::new(0x0, 616, 1, 0x0, 3),
    ]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_follow_upstream_predicates() {
        // binary_basic_frops.rs: add is frequent for a < 4013 && b < 69, and for 8-aligned
        // a in [0xA03F1000, 0xA03FF000) with b < 2113.
        assert!(is_frop(0x0a, 4012, 68));
        assert!(!is_frop(0x0a, 4013, 0));
        assert!(is_frop(0x0a, 0xA03F1008, 2112));
        assert!(!is_frop(0x0a, 0xA03F1009, 0));
        // eq with a < 2051 && b < 260.
        assert!(is_frop(0x09, 32, 0));
        assert!(!is_frop(0x09, 2051, 0));
        // copyb is Internal: never frequent.
        assert!(!is_frop(0x01, 0, 0));
    }
}
