//! The exit word: how a compiled program tells its runner how it ended (see the module docs of
//! [`super`], "Traps and exit"). The encoding ([`trap_exit_word`], written by the trap
//! handlers) and its decoding ([`decode_exit_word`], read by the driver and the tests) live
//! here together.

use zkc_ir::TrapCode;

use crate::mem_map::OUTPUT_ADDR;

/// Where the exit state is stored: the u64 just past the 256 published output bytes.
pub const EXIT_WORD: u64 = OUTPUT_ADDR + 256;

/// How a program that returned to the BIOS ended, by its exit word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Returned with this status (0 unless `proc_exit` said otherwise).
    Code(i32),
    /// A wasm trap.
    Trap(TrapCode),
}

/// The exit word a trap handler stores: `1 + index in TrapCode::ALL` in the high 32 bits.
pub(crate) fn trap_exit_word(code: TrapCode) -> u64 {
    let index = TrapCode::ALL
        .iter()
        .position(|&t| t == code)
        .expect("every trap code is in TrapCode::ALL");
    (index as u64 + 1) << 32
}

/// The end an exit word says: the status in the low 32 bits, or the trap in the high 32 bits;
/// `Err(word)` for a word no compiled program writes.
pub fn decode_exit_word(word: u64) -> Result<Exit, u64> {
    match (word >> 32) as usize {
        0 => Ok(Exit::Code(word as u32 as i32)),
        n => TrapCode::ALL.get(n - 1).map(|&t| Exit::Trap(t)).ok_or(word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trap_round_trips() {
        for &t in TrapCode::ALL {
            assert_eq!(decode_exit_word(trap_exit_word(t)), Ok(Exit::Trap(t)));
        }
        assert_eq!(decode_exit_word(0xffff_fffe), Ok(Exit::Code(-2)));
        let bad = (TrapCode::ALL.len() as u64 + 1) << 32;
        assert_eq!(decode_exit_word(bad), Err(bad));
    }
}
