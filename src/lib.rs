//! The zkc driver: loads an input (wasm, wat or zkc IR text), runs the pipeline, and hands the
//! result to the requested output stage. The `zkc` binary (`src/main.rs`) is a thin clap layer
//! over this library, so tests drive exactly what users run.

pub mod driver;
pub mod profile;
pub mod wast;
pub mod wast_zisk;

/// The memory allocator of every program built on this library (`zkc`, the bench tool, the
/// tests): jemalloc (issue 17). The compiler makes and drops many small vectors and maps per
/// function; under glibc's malloc, allocating and freeing were about a quarter of a Go
/// module's compile (`perf record` of `zkc go_fib.wasm --emit elf`: `_int_malloc`,
/// `_int_free`, `malloc`, `unlink_chunk`, `malloc_consolidate`). jemalloc's thread caches
/// take about a fifth off the compile's CPU time. mimalloc does as well on time but holds
/// half as much memory again at the peak.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options (its `malloc_conf` string, read before `main`): freed pages go back to
/// the system after 100 ms instead of 10 s, and at once once they are only "muzzy" (purged
/// lazily); with jemalloc's defaults a Go module's compile peaks at 1.6× glibc's resident
/// memory, with these a little below it. No transparent huge pages and no background purging
/// thread: with huge pages requested (`thp:always`, `madvise`) a compile was 0.05 s faster on
/// a quiet machine, but where the kernel compacts memory on such faults (`defrag` =
/// `madvise`, the default) and other processes have fragmented it (a build, the bench's
/// alternating `wasmtime compile` runs), the faults stalled: on an AMD EPYC, go_sha256.wasm
/// alternating with `wasmtime compile` took 0.89-1.59 s (median 1.48, system time 0.37-0.69 s)
/// with them and 1.13-1.18 s (system 0.28-0.31 s) without, and peaked at 280-340 MB against
/// 230 MB; a 4.6 MB module 2.72-3.49 s against 2.39-2.70 s.
#[export_name = "_rjem_malloc_conf"]
static JEMALLOC_OPTIONS: &[u8; 36] = b"dirty_decay_ms:100,muzzy_decay_ms:0\0";
