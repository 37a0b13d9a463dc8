//! Events per second through one `event_count` rule whose matches spread over 100 000 groups
//! (source addresses), in time order, as a brute-force rule sees them. Measured in CPU time
//! of the benchmark thread, so other load on the machine does not count.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_core::{Event, TenantId};
use palisade_correlate::{parse_str, CorrelationEngine, CorrelationRule, EngineConfig, RuleMatch};
use std::hint::black_box;
use std::time::Duration;

const GROUPS: usize = 100_000;
const EVENTS: usize = 1_000_000;

const RULE: &str = "
title: Many failed logins from one address
id: 5b1f3e4e-0000-4000-8000-000000000001
correlation:
    type: event_count
    rules: [failed_login]
    group-by: [src_endpoint.ip]
    timespan: 10m
    condition:
        gte: 20
";

/// One event a second per group on average, addresses spread over `GROUPS`.
fn events() -> Vec<Event> {
    (0..EVENTS)
        .map(|i| {
            let mut e = Event::new(i as u64, TenantId::default(), 1_700_000_000_000 + i as i64);
            let group = (i * 7_919) % GROUPS;
            e.set(
                "src_endpoint.ip",
                format!("10.{}.{}.{}", group >> 16, (group >> 8) & 255, group & 255),
            );
            e.set("user.name", "root");
            e
        })
        .collect()
}

/// Every event through a fresh engine, then the end of the stream; returns the alert count.
fn run(rules: &[CorrelationRule], events: &[Event]) -> usize {
    let mut engine =
        CorrelationEngine::new(rules.to_vec(), EngineConfig::default()).expect("bench engine");
    let mut alerts = 0;
    for event in events {
        let m = RuleMatch {
            rule_id: "f0a1",
            rule_name: Some("failed_login"),
            event,
        };
        alerts += engine.process(m).len();
    }
    alerts + engine.flush().len()
}

/// CPU time this thread has run, from `/proc/thread-self/schedstat` (Linux).
fn thread_cpu_time() -> Duration {
    let nanos = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .expect("Linux /proc/thread-self/schedstat is readable");
    Duration::from_nanos(nanos)
}

fn bench(c: &mut Criterion) {
    let events = events();
    let rules = parse_str(RULE).expect("bench rule parses");
    let mut group = c.benchmark_group("event_count_100k_groups");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    // The machine is shared, so time is this thread's CPU time, not the wall clock.
    group.bench_function("process_per_cpu_second", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let start = thread_cpu_time();
                black_box(run(&rules, &events));
                spent += thread_cpu_time().saturating_sub(start);
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
