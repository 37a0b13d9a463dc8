//! Out-of-order and late events, the watermark, two-bound conditions and tenants.

mod common;
use common::{event, event_of, lateness, Feeder, S};

const COUNT3: &str = "
title: Three failures
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [host]
  timespan: 10s
  condition:
    gte: 3
";

#[test]
fn out_of_order_matches_within_the_lateness_correlate() {
    let mut f = Feeder::new(COUNT3, lateness(30 * S));
    let h = [("host", "web01")];
    f.feed("failed_login", &event(1, 20 * S, &h));
    f.feed("failed_login", &event(2, 11 * S, &h));
    assert!(f.alerts.is_empty());
    f.feed("failed_login", &event(3, 15 * S, &h));
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(
        f.alerts[0].event_ids,
        vec![2, 3, 1],
        "listed in event-time order"
    );
    assert_eq!(
        (f.alerts[0].first_seen, f.alerts[0].last_seen),
        (11 * S, 20 * S)
    );
    assert!(
        !f.alerts[0].is_final,
        "raised early while its window was still open"
    );
    assert_eq!(f.engine.stats().late_events, 0, "all within the lateness");
}

#[test]
fn out_of_order_matches_spanning_more_than_the_timespan_do_not_correlate() {
    let mut f = Feeder::new(COUNT3, lateness(30 * S));
    let h = [("host", "web01")];
    f.feed("failed_login", &event(1, 21 * S, &h));
    f.feed("failed_login", &event(2, 10 * S, &h));
    f.feed("failed_login", &event(3, 15 * S, &h));
    assert!(f.flush().is_empty(), "10s to 21s is one second too long");
}

#[test]
fn a_late_match_is_counted_and_still_joins_a_window_that_is_held() {
    let mut f = Feeder::new(COUNT3, lateness(2 * S));
    let h = [("host", "web01")];
    f.feed("failed_login", &event(1, 0, &h));
    f.feed("failed_login", &event(2, 9 * S, &h));
    f.feed("failed_login", &event(3, 9 * S, &[("host", "other")]));
    // Watermark is now 7s: a match at 5s is late, but the window [0s, 10s] is still open.
    f.feed("failed_login", &event(4, 5 * S, &h));
    assert_eq!(f.engine.stats().late_events, 1);
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].event_ids, vec![1, 4, 2]);
}

#[test]
fn a_match_whose_windows_have_closed_is_counted_late_and_cannot_revive_them() {
    let mut f = Feeder::new(COUNT3, lateness(0));
    let h = [("host", "web01")];
    f.feed("failed_login", &event(1, 0, &h));
    f.feed("failed_login", &event(2, S, &h));
    f.feed("failed_login", &event(3, 60 * S, &[("host", "other")]));
    assert_eq!(
        f.engine.stats().groups_open,
        1,
        "web01's windows closed at 11s"
    );
    f.feed("failed_login", &event(4, 2 * S, &h));
    assert_eq!(f.engine.stats().late_events, 1);
    assert!(f.flush().is_empty(), "events 1 and 2 were already let go");
}

#[test]
fn alerts_wait_for_the_lateness_before_a_closed_window_is_judged() {
    let sum = "
title: Sum
correlation:
  type: value_sum
  rules: [web]
  group-by: [ip]
  timespan: 10s
  condition:
    field: bytes
    gte: 100
";
    let mut f = Feeder::new(sum, lateness(5 * S));
    f.feed("web", &event(1, 0, &[("ip", "a"), ("bytes", "100")]));
    f.feed("web", &event(2, 15 * S, &[("ip", "b"), ("bytes", "1")]));
    assert!(
        f.alerts.is_empty(),
        "watermark 10s has not passed the window end 10s"
    );
    assert!(f.engine.advance_to(15 * S + 1).len() == 1);
    assert_eq!(f.engine.watermark(), Some(10 * S + 1));
}

const RANGE: &str = "
title: Between three and four
correlation:
  type: event_count
  rules: [r]
  group-by: [host]
  timespan: 10s
  condition:
    gt: 2
    lte: 4
";

#[test]
fn a_two_bound_condition_judges_whole_windows() {
    let mut five = Feeder::new(RANGE, lateness(0));
    for i in 0..5 {
        five.feed("r", &event(i, i as i64 * S, &[("host", "h")]));
    }
    assert!(five.flush().is_empty(), "five is above lte 4");

    let mut four = Feeder::new(RANGE, lateness(0));
    for i in 0..4 {
        four.feed("r", &event(i, i as i64 * S, &[("host", "h")]));
    }
    let alerts = four.flush();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 4.0);
    assert!(alerts[0].is_final);

    let mut two = Feeder::new(RANGE, lateness(0));
    two.feed("r", &event(1, 0, &[("host", "h")]));
    two.feed("r", &event(2, S, &[("host", "h")]));
    assert!(two.flush().is_empty(), "two is not above gt 2");
}

#[test]
fn a_less_than_condition_fires_on_a_quiet_window_only() {
    let quiet = "
title: Quiet
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [host]
  timespan: 1m
  condition:
    lt: 3
";
    let mut f = Feeder::new(quiet, lateness(0));
    for i in 0..3 {
        f.feed("heartbeat", &event(i, i as i64 * S, &[("host", "busy")]));
    }
    f.feed("heartbeat", &event(9, 0, &[("host", "quiet")]));
    let alerts = f.flush();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group_value("host"), Some("quiet"));
}

#[test]
fn tenants_never_share_a_group() {
    let mut f = Feeder::new(COUNT3, lateness(0));
    let h = [("host", "web01")];
    f.feed("failed_login", &event_of("acme", 1, 0, &h));
    f.feed("failed_login", &event_of("acme", 2, S, &h));
    f.feed("failed_login", &event_of("globex", 3, 2 * S, &h));
    assert!(f.alerts.is_empty());
    f.feed("failed_login", &event_of("globex", 4, 3 * S, &h));
    f.feed("failed_login", &event_of("acme", 5, 4 * S, &h));
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].tenant.as_str(), "acme");
    assert_eq!(f.alerts[0].event_ids, vec![1, 2, 5]);
}
