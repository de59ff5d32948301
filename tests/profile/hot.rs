//! A Rust program with one known hot loop, for the per-source-line profile test
//! (tests/profile.rs). `no_std`, calling WASI's fd_write itself, so that the committed module
//! stays small; built with debuginfo by build.sh.
#![no_std]

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn fd_write(fd: i32, iovs: *const IoVec, iovs_len: i32, written: *mut i32) -> i32;
}

#[repr(C)]
struct IoVec {
    base: *const u8,
    len: usize,
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Kept out of line: its loop is a function of its own in the profile.
#[inline(never)]
fn checksum(buf: &[u8], rounds: u32) -> u32 {
    let mut h: u32 = 2166136261;
    for r in 0..rounds {
        // HOT LOOP BEGIN
        for &b in buf {
            h ^= b as u32;
            h = h.wrapping_mul(16777619);
            h = h.rotate_left(5).wrapping_add(r);
        }
        // HOT LOOP END
    }
    h
}

#[no_mangle]
pub extern "C" fn _start() {
    let mut data = [0u8; 256];
    for (i, d) in data.iter_mut().enumerate() {
        *d = (i * 7 + 3) as u8;
    }
    let h = checksum(&data, core::hint::black_box(200));
    let mut out = [b'\n'; 9];
    for i in 0..8 {
        out[i] = b"0123456789abcdef"[((h >> (28 - 4 * i)) & 15) as usize];
    }
    let v = IoVec { base: out.as_ptr(), len: 9 };
    let mut written = 0;
    unsafe { fd_write(1, &v, 1, &mut written) };
}
