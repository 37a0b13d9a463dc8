//! Events per second through one `event_count` rule whose matches spread over 100 000 groups
//! (source addresses), in time order, as a brute-force rule sees them.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_core::{Event, TenantId};
use palisade_correlate::{parse_str, CorrelationEngine, EngineConfig, RuleMatch};
use std::hint::black_box;

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

fn bench(c: &mut Criterion) {
    let events = events();
    let rules = parse_str(RULE).expect("bench rule parses");
    let mut group = c.benchmark_group("event_count_100k_groups");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.bench_function("process", |b| {
        b.iter(|| {
            let mut engine = CorrelationEngine::new(rules.clone(), EngineConfig::default())
                .expect("bench engine builds");
            let mut alerts = 0usize;
            for event in &events {
                let m = RuleMatch {
                    rule_id: "f0a1",
                    rule_name: Some("failed_login"),
                    event,
                };
                alerts += engine.process(m).len();
            }
            alerts += engine.flush().len();
            black_box(alerts)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
