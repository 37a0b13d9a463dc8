//! A distinct-count rule over a busy group: one API token used from one address thousands of
//! times a minute (Palisade's own "identity used from many addresses" rule) must cost the
//! same per match however full the group is, and still fire exactly when the bound is met.

mod common;
use common::{event, lateness, Feeder};
use palisade_correlate::EngineConfig;

const MANY_ADDRESSES: &str = "
title: Identity used from many addresses
correlation:
  type: value_count
  rules: [request_accepted]
  group-by: [user]
  timespan: 15m
  condition:
    field: ip
    gte: 3
";

#[test]
fn a_busy_group_from_one_address_stays_cheap_and_still_fires_on_new_addresses() {
    let mut f = Feeder::new(MANY_ADDRESSES, lateness(60_000));
    let who = ("user", "svc-keys");
    let started = std::time::Instant::now();
    // 30 000 matches (three times the per-group limit) a millisecond apart, one address.
    for i in 0..30_000u64 {
        f.feed(
            "request_accepted",
            &event(i, i as i64, &[who, ("ip", "192.0.2.10")]),
        );
    }
    let elapsed = started.elapsed();
    assert!(f.alerts.is_empty(), "one address is not many");
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "30 000 matches of one group took {elapsed:?}: the distinct count is recomputed per match"
    );
    f.feed(
        "request_accepted",
        &event(40_000, 30_000, &[who, ("ip", "192.0.2.11")]),
    );
    assert!(f.alerts.is_empty(), "two addresses are not three");
    f.feed(
        "request_accepted",
        &event(40_001, 30_001, &[who, ("ip", "198.51.100.7")]),
    );
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].value, 3.0);
}

#[test]
fn an_address_still_in_the_group_counts_after_its_older_matches_were_pushed_out() {
    let config = EngineConfig {
        max_events_per_group: 3,
        ..lateness(0)
    };
    let mut f = Feeder::new(MANY_ADDRESSES, config);
    let who = ("user", "svc-keys");
    // Four matches from one address: the group keeps the newest three.
    for i in 0..4u64 {
        f.feed(
            "request_accepted",
            &event(i, i as i64, &[who, ("ip", "192.0.2.1")]),
        );
    }
    f.feed(
        "request_accepted",
        &event(4, 4, &[who, ("ip", "192.0.2.2")]),
    );
    assert!(f.alerts.is_empty());
    // The group is now 192.0.2.1, 192.0.2.2 and this one: three addresses.
    f.feed(
        "request_accepted",
        &event(5, 5, &[who, ("ip", "192.0.2.3")]),
    );
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].value, 3.0);
    // Those matches are used up; two more addresses make two, not three.
    f.feed(
        "request_accepted",
        &event(6, 6, &[who, ("ip", "192.0.2.4")]),
    );
    f.feed(
        "request_accepted",
        &event(7, 7, &[who, ("ip", "192.0.2.5")]),
    );
    assert_eq!(f.alerts.len(), 1);
}
