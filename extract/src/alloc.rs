//! Allocator tuning of the binaries (`extract`, `bench`), which use mimalloc as the global
//! allocator.
//!
//! A training step frees and re-allocates the same large activation buffers every step. mimalloc
//! keeps freed memory, but by default it returns ("purges") unused pages to the kernel after a delay,
//! so a later step faults them in again and the kernel zeroes every page. Measured on `bench
//! sac_update` (EXTRACT's image update among its rows): 44,000 page faults per run with purging,
//! 730 without, the image update 1.69 s vs 1.50-1.63 s on a shared 2-core machine. Training loops
//! reach their peak memory every step anyway, so nothing is lost by keeping it.

/// mimalloc's `mi_option_purge_delay` (mimalloc.h: after `eager_commit_delay` = 14, before
/// `use_numa_nodes` = 16, the two neighbours libmimalloc-sys names).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to return freed pages to the kernel (`purge_delay = -1`). Call first thing
/// in `main` of a binary whose global allocator is mimalloc; harmless otherwise. The environment
/// variable `MIMALLOC_PURGE_DELAY`, when set to a value, keeps its say.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some_and(|v| !v.is_empty()) {
        return;
    }
    // SAFETY: plain option setters of the mimalloc C library, callable at any time.
    unsafe {
        // The library's defaults are 10 ms (mimalloc v2) and 1000 ms (v3); any other value means
        // the enum moved: leave it alone.
        if matches!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 10 | 1000) {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        }
    }
}
