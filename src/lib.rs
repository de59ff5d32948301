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
/// memory, with these a little below it. Where the kernel offers transparent huge pages on
/// request (`madvise`), jemalloc asks for them for its extents and metadata: a compile touches
/// hundreds of megabytes of fresh memory, and faulting it in 4 KiB pages was a tenth of its
/// CPU time (`go_fib.wasm`: system time 0.17-0.24 s -> 0.08-0.12 s, wall 1.08-1.10 s -> 0.97-1.02 s,
/// peak 260 MB -> 333 MB, the huge pages' rounding). A background thread purges, off the
/// compiling threads.
#[export_name = "_rjem_malloc_conf"]
static JEMALLOC_OPTIONS: &[u8; 90] =
    b"dirty_decay_ms:100,muzzy_decay_ms:0,thp:always,metadata_thp:always,background_thread:true\0";
