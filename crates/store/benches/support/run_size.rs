//! The run size of a store bench, from the environment.

/// How many events a run inserts: `PALISADE_BENCH_EVENTS` when it holds a number, else `default`.
pub fn events_to_run(default: u64) -> u64 {
    std::env::var("PALISADE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
