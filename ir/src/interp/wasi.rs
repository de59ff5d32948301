//! WASI preview1 (`wasi_snapshot_preview1`) for command programs, deterministic by design: the
//! same module and stdin always produce the same stdout, stderr, exit status and fuel.
//!
//! What each call does (every later runtime that claims to match the oracle must agree):
//! - `fd_write` to fd 1/2 appends to `stdout`/`stderr`; `fd_read` on fd 0 reads `stdin`
//!   (0 bytes at its end). Other fds: `EBADF`. A bad pointer: `EFAULT`.
//! - `proc_exit(code)` ends the run with [`Trap::Exit`].
//! - `args_*`: the configured `args`, none by default (`argc = 0`). `environ_*`: empty.
//! - `clock_time_get`: a counter, 0 on the first call, +1000 ns per call; `clock_res_get`:
//!   1000 ns.
//! - `random_get`: splitmix64 from a fixed seed.
//! - `fd_fdstat_get` on 0..=2: a character device with all rights; `fd_close` on 0..=2: success;
//!   `fd_seek` on 0..=2: `ESPIPE`; `fd_prestat_get`/`fd_prestat_dir_name`: `EBADF` (there are
//!   no preopens, which ends wasi-libc's preopen scan); `sched_yield`: success.
//! - Every other preview1 function: `ENOSYS`. A name preview1 does not define is a link error.
//! - `zisk.uart` appends to `stdout`; `zisk.pubout` records the word in `pubout`.
//! - The zkVM accelerators of module `"zkvm"` ([`super::zkvm`]) are there too.

use super::{zkvm, Host, InstError, Instance, Limits, Memory, Trap, Val};
use crate::module::{ImportName, Module};
use crate::ops::TrapCode;
use crate::types::{Signature, Type};
use std::collections::BTreeMap;

pub const ESUCCESS: u32 = 0;
pub const EBADF: u32 = 8;
pub const EFAULT: u32 = 21;
pub const ENOSYS: u32 = 52;
pub const ESPIPE: u32 = 70;

/// Every function of `wasi_snapshot_preview1`; the host index is the position here.
const PREVIEW1: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

const RNG_SEED: u64 = 0x5eed_2c0f_fee0_0001;

/// The WASI preview1 host; see the module documentation for what each call does.
#[derive(Clone, Debug)]
pub struct WasiHost {
    pub stdin: Vec<u8>,
    stdin_pos: usize,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Command-line arguments, program name included if any; empty by default.
    pub args: Vec<Vec<u8>>,
    /// Words published with `zisk.pubout`.
    pub pubout: BTreeMap<u32, u32>,
    clock: u64,
    rng: u64,
}

impl WasiHost {
    pub fn new(stdin: &[u8]) -> Self {
        WasiHost {
            stdin: stdin.to_vec(),
            stdin_pos: 0,
            stdout: vec![],
            stderr: vec![],
            args: vec![],
            pubout: BTreeMap::new(),
            clock: 0,
            rng: RNG_SEED,
        }
    }

    fn next_random(&mut self) -> u64 {
        // splitmix64
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn dispatch(&mut self, name: &str, a: &[Val], mem: &mut Memory) -> Result<u32, Trap> {
        let arg = |k: usize| -> Result<u32, Trap> {
            match a.get(k) {
                Some(Val::I32(x)) => Ok(*x),
                Some(Val::I64(x)) => Ok(*x as u32),
                _ => Err(Trap::Host(format!("wasi {name}: missing argument {k}"))),
            }
        };
        let at = |base: u32, off: u64| -> Result<u32, Trap> {
            u32::try_from(base as u64 + off).map_err(|_| Trap::Wasm(TrapCode::MemoryOutOfBounds))
        };
        Ok(match name {
            "fd_write" => {
                let (fd, iovs, n, nwritten) = (arg(0)?, arg(1)?, arg(2)?, arg(3)?);
                if fd != 1 && fd != 2 {
                    return Ok(EBADF);
                }
                let mut buf = Vec::new();
                for k in 0..n as u64 {
                    let ptr = mem.read_u32(at(iovs, 8 * k)?)?;
                    let len = mem.read_u32(at(iovs, 8 * k + 4)?)?;
                    buf.extend_from_slice(mem.read(ptr, len)?);
                }
                mem.write_u32(nwritten, buf.len() as u32)?;
                let out = if fd == 1 {
                    &mut self.stdout
                } else {
                    &mut self.stderr
                };
                out.extend_from_slice(&buf);
                ESUCCESS
            }
            "fd_read" => {
                let (fd, iovs, n, nread) = (arg(0)?, arg(1)?, arg(2)?, arg(3)?);
                if fd != 0 {
                    return Ok(EBADF);
                }
                let mut total = 0u32;
                for k in 0..n as u64 {
                    let ptr = mem.read_u32(at(iovs, 8 * k)?)?;
                    let len = mem.read_u32(at(iovs, 8 * k + 4)?)?;
                    let rest = &self.stdin[self.stdin_pos..];
                    let m = rest.len().min(len as usize);
                    mem.write(ptr, &rest[..m])?;
                    self.stdin_pos += m;
                    total += m as u32;
                    if m < len as usize {
                        break;
                    }
                }
                mem.write_u32(nread, total)?;
                ESUCCESS
            }
            "args_sizes_get" => {
                let size: usize = self.args.iter().map(|s| s.len() + 1).sum();
                mem.write_u32(arg(0)?, self.args.len() as u32)?;
                mem.write_u32(arg(1)?, size as u32)?;
                ESUCCESS
            }
            "args_get" => {
                let (argv, mut buf) = (arg(0)?, arg(1)?);
                for (k, s) in self.args.iter().enumerate() {
                    mem.write_u32(at(argv, 4 * k as u64)?, buf)?;
                    mem.write(buf, s)?;
                    mem.write(at(buf, s.len() as u64)?, &[0])?;
                    buf = at(buf, s.len() as u64 + 1)?;
                }
                ESUCCESS
            }
            "environ_sizes_get" => {
                mem.write_u32(arg(0)?, 0)?;
                mem.write_u32(arg(1)?, 0)?;
                ESUCCESS
            }
            "environ_get" => ESUCCESS,
            "clock_res_get" => {
                mem.write_u64(arg(1)?, 1000)?;
                ESUCCESS
            }
            "clock_time_get" => {
                mem.write_u64(arg(2)?, self.clock)?;
                self.clock += 1000;
                ESUCCESS
            }
            "random_get" => {
                let (buf, len) = (arg(0)?, arg(1)?);
                let mut bytes = Vec::with_capacity(len as usize + 8);
                while bytes.len() < len as usize {
                    let r = self.next_random();
                    bytes.extend_from_slice(&r.to_le_bytes());
                }
                mem.write(buf, &bytes[..len as usize])?;
                ESUCCESS
            }
            "fd_close" => {
                if arg(0)? <= 2 {
                    ESUCCESS
                } else {
                    EBADF
                }
            }
            "fd_fdstat_get" => {
                if arg(0)? > 2 {
                    return Ok(EBADF);
                }
                let mut st = [0u8; 24];
                st[0] = 2; // filetype: character device
                st[8..16].copy_from_slice(&0x1fff_ffffu64.to_le_bytes());
                st[16..24].copy_from_slice(&0x1fff_ffffu64.to_le_bytes());
                mem.write(arg(1)?, &st)?;
                ESUCCESS
            }
            "fd_seek" | "fd_tell" => {
                if arg(0)? <= 2 {
                    ESPIPE
                } else {
                    EBADF
                }
            }
            "fd_prestat_get" | "fd_prestat_dir_name" => EBADF,
            "sched_yield" => ESUCCESS,
            _ => ENOSYS,
        })
    }
}

impl Host for WasiHost {
    fn resolve_func(&mut self, name: &ImportName, sig: &Signature) -> Result<u32, String> {
        if name.module == zkvm::MODULE {
            return zkvm::resolve(name, sig).map(|i| PREVIEW1.len() as u32 + i);
        }
        let idx = match PREVIEW1.iter().position(|&f| f == name.field) {
            Some(i) if name.module == "wasi_snapshot_preview1" => i,
            _ => return Err(super::unknown_import(name)),
        };
        let results: &[Type] = if name.field == "proc_exit" {
            &[]
        } else {
            &[Type::I32]
        };
        if sig.results != results || sig.params.iter().any(|t| t.is_float()) {
            return Err(format!(
                "incompatible import type for \"{}\" \"{}\": {sig}",
                name.module, name.field
            ));
        }
        Ok(idx as u32)
    }

    fn call(&mut self, func: u32, args: &[Val], mem: &mut Memory) -> Result<Vec<Val>, Trap> {
        let Some(&name) = PREVIEW1.get(func as usize) else {
            return zkvm::call(func - PREVIEW1.len() as u32, args, mem);
        };
        if name == "proc_exit" {
            let code = match args.first() {
                Some(Val::I32(c)) => *c as i32,
                _ => return Err(Trap::Host("wasi proc_exit: missing exit code".into())),
            };
            return Err(Trap::Exit(code));
        }
        let errno = match self.dispatch(name, args, mem) {
            Ok(e) => e,
            Err(Trap::Wasm(TrapCode::MemoryOutOfBounds)) => EFAULT,
            Err(t) => return Err(t),
        };
        Ok(vec![Val::I32(errno)])
    }

    fn uart(&mut self, byte: u8) -> Result<(), Trap> {
        self.stdout.push(byte);
        Ok(())
    }

    fn pubout(&mut self, index: u32, value: u32) -> Result<(), Trap> {
        self.pubout.insert(index, value);
        Ok(())
    }
}

/// A host borrowed mutably is a host: lets an embedder keep its host (and its output) when
/// instantiation fails.
impl<H: Host + ?Sized> Host for &mut H {
    fn resolve_func(&mut self, name: &ImportName, sig: &Signature) -> Result<u32, String> {
        (**self).resolve_func(name, sig)
    }
    fn call(&mut self, func: u32, args: &[Val], mem: &mut Memory) -> Result<Vec<Val>, Trap> {
        (**self).call(func, args, mem)
    }
    fn global(&mut self, name: &ImportName, ty: Type, mutable: bool) -> Result<Val, String> {
        (**self).global(name, ty, mutable)
    }
    fn memory(&mut self, name: &ImportName) -> Result<(u32, Option<u32>), String> {
        (**self).memory(name)
    }
    fn table(&mut self, name: &ImportName) -> Result<(u32, Option<u32>), String> {
        (**self).table(name)
    }
    fn uart(&mut self, byte: u8) -> Result<(), Trap> {
        (**self).uart(byte)
    }
    fn pubout(&mut self, index: u32, value: u32) -> Result<(), Trap> {
        (**self).pubout(index, value)
    }
}

/// How a command ended.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Exit {
    /// `_start` returned (code 0) or the program called `proc_exit`.
    Code(i32),
    /// A trap, fuel exhaustion, or a failure to instantiate (as `Trap::Host`).
    Trap(Trap),
}

/// The observable result of running a WASI command.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommandOutcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
    /// Instructions executed (0 when instantiation failed).
    pub fuel_used: u64,
}

/// Runs a WASI command: instantiates `module` with a [`WasiHost`] reading `stdin`, calls
/// `_start`, and reports the output and how it ended.
pub fn run_command(module: &Module, stdin: &[u8], limits: Limits) -> CommandOutcome {
    run_command_with(module, WasiHost::new(stdin), limits)
}

/// [`run_command`] with a host configured by the caller (arguments, say).
pub fn run_command_with(module: &Module, mut host: WasiHost, limits: Limits) -> CommandOutcome {
    let exit_of = |r: Result<(), Trap>| match r {
        Ok(()) => Exit::Code(0),
        Err(Trap::Exit(c)) => Exit::Code(c),
        Err(t) => Exit::Trap(t),
    };
    let (exit, fuel_used) = match Instance::new(module, &mut host, limits) {
        Ok(mut inst) => {
            let r = inst.invoke_export("_start", &[]).map(|_| ());
            (exit_of(r), inst.fuel_used())
        }
        Err(InstError::Trap(t)) => (exit_of(Err(t)), 0),
        Err(e) => (Exit::Trap(Trap::Host(e.to_string())), 0),
    };
    CommandOutcome {
        stdout: host.stdout,
        stderr: host.stderr,
        exit,
        fuel_used,
    }
}
