//! Store throughput: insert + flush rate, needle search and stats over N events
//! (`cargo bench -p palisade-store --bench throughput`; `PALISADE_BENCH_EVENTS=10000000` for
//! a 10-million-event run).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/run_size.rs"]
mod run_size;

use common::*;
use cpu::cpu_time;
use run_size::events_to_run;
use std::time::{Duration, Instant};

fn main() {
    let total: u64 = events_to_run(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let cfg = palisade_core::config::StorageConfig::default();
    let store = open(dir.path(), &cfg);
    let chunk = cfg.flush_events as u64;
    let mut elapsed = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut id = 0;
    while id < total {
        let events: Vec<_> = (id + 1..=(id + chunk).min(total))
            .map(|i| event(i, "default", T0 + i as i64 * 10))
            .collect();
        id += events.len() as u64;
        let (start, cpu_start) = (Instant::now(), cpu_time("/proc/thread-self/stat"));
        store.insert(events);
        if id == chunk.min(total) {
            let held = store.stats();
            println!(
                "memtable: {} events in {} bytes = {:.0} bytes/event",
                held.memtable_events,
                held.memtable_bytes,
                held.memtable_bytes as f64 / held.memtable_events.max(1) as f64
            );
        }
        store.flush().unwrap();
        elapsed += start.elapsed();
        cpu += cpu_time("/proc/thread-self/stat") - cpu_start;
    }
    let rate = total as f64 / elapsed.as_secs_f64();
    let bytes = store.stats().tenants[0].disk_bytes;
    let cpu_rate = total as f64 / cpu.as_secs_f64().max(0.001);
    println!(
        "insert+flush: {total} events in {elapsed:?} = {rate:.0} events/s wall, {cpu_rate:.0} events/s per CPU second; {:.1} bytes/event on disk",
        bytes as f64 / total as f64
    );

    let needle = format!(
        "src_endpoint.ip:10.0.{}.{}",
        (total / 3) / 256,
        (total / 3) % 256
    );
    let start = Instant::now();
    let page = store.search(&request(None, &needle, 100)).unwrap();
    println!(
        "needle {needle}: {} hit(s) in {:?}, {:?}",
        page.events.len(),
        start.elapsed(),
        page.scanned
    );
    assert_eq!(page.events.len(), 1);

    let start = Instant::now();
    let query = palisade_query::parse("| stats count() by device.hostname").unwrap();
    let table = store
        .aggregate(&request(None, "", 1), query.pipe.as_ref().unwrap())
        .unwrap();
    println!(
        "stats count() by device.hostname over {total}: {:?}, {} rows",
        start.elapsed(),
        table.rows.len()
    );

    let start = Instant::now();
    let page = store.search(&request(None, "", 100)).unwrap();
    println!(
        "newest 100 of everything: {:?}, {:?}",
        start.elapsed(),
        page.scanned
    );
}
