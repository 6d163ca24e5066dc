use std::process::ExitCode;

// glibc's malloc kept ~20 MB more resident than jemalloc at 20,000 PVs and 20,000 access
// points after the initial lists (`.ci/scale-idle`): its per-thread arenas hold freed
// chunks that the sync's peak left behind. Only the binary sets this; benches keep the
// system allocator they measure through.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// Purge freed pages from a background thread after one second, rather than only when
// the allocator is next busy: an idle dashboard is exactly when nothing else would.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
static malloc_conf: &u8 = &b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0"[0];

fn main() -> ExitCode {
    stordeck::cli::main()
}
