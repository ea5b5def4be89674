//! A reference workload run at the start of a benchmark, so that figures from different
//! machines can be compared: machines of one kind have differed threefold in speed
//! (BENCHMARKS.md, 2026-11-26), which no model name or core count shows.
//!
//! Two parts, each the best of three runs (noise only ever adds time): sorting 4 M
//! pseudo-random `u64` (compute and cache-friendly memory), and a chain of 4 M dependent
//! loads at random places in 64 MiB (memory latency, which bounds the fold).

use std::time::Instant;

use serde_json::{Value, json};

const SORT_N: usize = 4 << 20;
const CHASE_N: usize = 16 << 20;
const CHASE_STEPS: usize = 4 << 20;

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Milliseconds to sort `SORT_N` pseudo-random numbers.
fn sort_ms() -> f64 {
    let mut x = 0x2545_F491_4F6C_DD1D_u64;
    let mut v: Vec<u64> = (0..SORT_N).map(|_| xorshift(&mut x)).collect();
    let t = Instant::now();
    v.sort_unstable();
    let ms = t.elapsed().as_secs_f64() * 1e3;
    std::hint::black_box(&v);
    ms
}

/// One random cycle through all of `CHASE_N` slots (Sattolo's shuffle), so every load
/// depends on the one before and the prefetchers cannot guess the next.
fn cycle() -> Vec<u32> {
    let mut next: Vec<u32> = (0..CHASE_N as u32).collect();
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    for i in (1..CHASE_N).rev() {
        let j = (xorshift(&mut x) % i as u64) as usize;
        next.swap(i, j);
    }
    next
}

/// Nanoseconds per dependent load.
fn chase_ns(next: &[u32]) -> f64 {
    let mut i = 0usize;
    let t = Instant::now();
    for _ in 0..CHASE_STEPS {
        i = next.get(i).copied().unwrap_or(0) as usize;
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / CHASE_STEPS as f64;
    std::hint::black_box(i);
    ns
}

/// Runs the reference workload (about two seconds) and returns its figures.
pub fn meet() -> Value {
    let best = |f: &mut dyn FnMut() -> f64| (0..3).map(|_| f()).fold(f64::INFINITY, f64::min);
    let sort = best(&mut sort_ms);
    let next = cycle();
    let chase = best(&mut || chase_ns(&next));
    json!({"sort_4m_u64_ms": sort, "random_load_64mib_ns": chase})
}

/// One line for a report.
pub fn regel(v: &Value) -> String {
    format!(
        "reference workload (best of 3): sort of 4 M u64 {:.0} ms, dependent random load in 64 MiB {:.0} ns",
        v["sort_4m_u64_ms"].as_f64().unwrap_or(f64::NAN),
        v["random_load_64mib_ns"].as_f64().unwrap_or(f64::NAN)
    )
}
