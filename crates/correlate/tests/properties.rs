//! Properties over arbitrary match streams: out-of-order arrival within the lateness gives
//! the alerts of sorted arrival, and the engine never panics or leaks groups.

mod common;
use common::{event, lateness, Feeder};
use palisade_core::Event;
use proptest::prelude::*;

const LATENESS: i64 = 5_000;

const SUM: &str = "
title: Bytes per host
correlation:
  type: value_sum
  rules: [web]
  group-by: [host]
  timespan: 10s
  condition:
    field: bytes
    gt: 1500
";

const ALL_TYPES: &str = "
title: A
name: a
correlation: {type: event_count, rules: [r1, r2], group-by: [host], timespan: 3s, condition: {gte: 2}}
---
title: B
correlation: {type: value_count, rules: [r1], group-by: [host], timespan: 5s, condition: {field: user, gt: 1, lt: 4}}
---
title: C
correlation: {type: temporal_ordered, rules: [a, r2], group-by: [host], timespan: 8s}
---
title: D
correlation: {type: value_avg, rules: [r2], group-by: [user], timespan: 2s, condition: {field: bytes, gte: 10, lte: 900}}
---
title: E
correlation: {type: value_percentile, rules: [r1, r2], timespan: 4s, condition: {field: user, lte: 30}}
---
title: F
correlation: {type: temporal, rules: [r1, r2], group-by: [host], timespan: 1s}
";

/// (time ms, host, user, bytes) of one match.
fn matches() -> impl Strategy<Value = Vec<(i64, u8, u8, u16)>> {
    proptest::collection::vec((0i64..60_000, 0u8..4, 0u8..5, 0u16..1000), 0..120)
}

fn to_event(id: usize, (time, host, user, bytes): (i64, u8, u8, u16)) -> Event {
    event(
        id as u64,
        time,
        &[
            ("host", &format!("h{host}")),
            ("user", &format!("u{user}")),
            ("bytes", &bytes.to_string()),
        ],
    )
}

/// Alerts reduced to what must not depend on arrival order.
fn summary(feeder: &mut Feeder) -> Vec<(String, i64, i64, u64, Vec<u64>)> {
    feeder.flush();
    let mut out: Vec<_> = feeder
        .alerts
        .iter()
        .map(|a| {
            let mut ids = a.event_ids.clone();
            ids.sort_unstable();
            let group = a.group_value("host").unwrap_or_default().to_owned();
            (group, a.first_seen, a.last_seen, a.value as u64, ids)
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #[test]
    fn arrival_order_within_the_lateness_does_not_change_window_close_alerts(
        raw in matches(),
        jitter in proptest::collection::vec(0i64..LATENESS, 120),
    ) {
        let events: Vec<Event> = raw.iter().enumerate().map(|(i, m)| to_event(i, *m)).collect();
        let mut sorted: Vec<&Event> = events.iter().collect();
        sorted.sort_by_key(|e| (e.time, e.id));
        // Each match arrives after those at most LATENESS ms later than it: never late.
        let mut shuffled = sorted.clone();
        shuffled.sort_by_key(|e| e.time + jitter[e.id as usize]);

        let mut in_order = Feeder::new(SUM, lateness(LATENESS));
        sorted.iter().for_each(|e| { in_order.feed("web", e); });
        let mut out_of_order = Feeder::new(SUM, lateness(LATENESS));
        shuffled.iter().for_each(|e| { out_of_order.feed("web", e); });

        prop_assert_eq!(out_of_order.engine.stats().late_events, 0);
        prop_assert_eq!(summary(&mut in_order), summary(&mut out_of_order));
    }

    #[test]
    fn any_stream_through_every_type_ends_with_no_group_held(
        raw in matches(),
        rules in proptest::collection::vec(0u8..3, 120),
        late in 0i64..3_000,
    ) {
        let mut f = Feeder::new(ALL_TYPES, lateness(late));
        for (i, m) in raw.iter().enumerate() {
            let rule = ["r1", "r2", "unrelated"][rules[i] as usize];
            f.feed(rule, &to_event(i, *m));
        }
        f.flush();
        let stats = f.engine.stats();
        prop_assert_eq!(stats.groups_open, 0);
        for alert in &f.alerts {
            prop_assert!(alert.first_seen <= alert.last_seen);
            prop_assert!(!alert.event_ids.is_empty());
        }
    }
}
