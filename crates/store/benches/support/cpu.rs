//! CPU time read from `/proc` (Linux; zero elsewhere), so that a rate means something on a
//! busy machine.

use std::time::Duration;

/// CPU time (user + system), in steps of one clock tick (10 ms), of what `stat_file`
/// describes: `/proc/thread-self/stat` for the calling thread, `/proc/self/stat` for the whole
/// process.
pub fn cpu_time(stat_file: &str) -> Duration {
    let stat = std::fs::read_to_string(stat_file).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}
