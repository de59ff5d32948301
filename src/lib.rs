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
/// lazily). With jemalloc's defaults a Go module's compile peaks at 1.6× glibc's resident
/// memory; with these, a little below glibc's (`go_fib.wasm`: 331 MB against 348 MB).
#[export_name = "_rjem_malloc_conf"]
static JEMALLOC_OPTIONS: &[u8; 36] = b"dirty_decay_ms:100,muzzy_decay_ms:0\0";
