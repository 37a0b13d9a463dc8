//! Every correlation type, with matches exactly `timespan` apart (inside the window) and one
//! millisecond further (outside it).

mod common;
use common::{event, lateness, Feeder, S};

fn event_count(timespan: &str) -> String {
    format!(
        "title: Failed logins\nid: ec-1\nlevel: high\ntags: [attack.t1110]\ncorrelation:\n  \
         type: event_count\n  rules: [failed_login]\n  group-by: [host]\n  \
         timespan: {timespan}\n  condition:\n    gte: 3\n"
    )
}

#[test]
fn event_count_counts_a_match_exactly_at_the_timespan_and_not_one_ms_later() {
    let mut inside = Feeder::new(&event_count("10s"), lateness(0));
    inside.feed("failed_login", &event(1, 0, &[("host", "web01")]));
    inside.feed("failed_login", &event(2, 4 * S, &[("host", "web01")]));
    assert_eq!(
        inside.feed("failed_login", &event(3, 10 * S, &[("host", "web01")])),
        1
    );
    let alert = &inside.alerts[0];
    assert_eq!(alert.rule_id, "ec-1");
    assert_eq!(alert.level.as_deref(), Some("high"));
    assert_eq!(alert.tags, vec!["attack.t1110".to_owned()]);
    assert_eq!(alert.group, vec![("host".to_owned(), "web01".to_owned())]);
    assert_eq!(alert.value, 3.0);
    assert_eq!(alert.event_ids, vec![1, 2, 3]);
    assert_eq!((alert.first_seen, alert.last_seen), (0, 10 * S));
    let json = serde_json::to_value(alert).expect("alerts serialize");
    assert_eq!(json["kind"], "event_count");
    assert_eq!(json["tenant"], "default");
    assert_eq!(json["group"][0][1], "web01");

    let mut outside = Feeder::new(&event_count("10s"), lateness(0));
    outside.feed("failed_login", &event(1, 0, &[("host", "web01")]));
    outside.feed("failed_login", &event(2, 4 * S, &[("host", "web01")]));
    outside.feed("failed_login", &event(3, 10 * S + 1, &[("host", "web01")]));
    assert!(outside.flush().is_empty());
}

#[test]
fn event_count_keeps_groups_apart_and_consumes_what_it_alerted_on() {
    let mut f = Feeder::new(&event_count("1m"), lateness(0));
    for i in 0..2 {
        f.feed("failed_login", &event(i, i as i64 * S, &[("host", "a")]));
        f.feed(
            "failed_login",
            &event(10 + i, i as i64 * S, &[("host", "b")]),
        );
    }
    assert!(f.alerts.is_empty(), "two per group is below gte 3");
    f.feed("failed_login", &event(3, 3 * S, &[("host", "a")]));
    assert_eq!(f.alerts.len(), 1);
    // The three matches are used up: two more do not make a second alert.
    f.feed("failed_login", &event(4, 4 * S, &[("host", "a")]));
    f.feed("failed_login", &event(5, 5 * S, &[("host", "a")]));
    assert_eq!(f.alerts.len(), 1);
    f.feed("failed_login", &event(6, 6 * S, &[("host", "a")]));
    assert_eq!(f.alerts.len(), 2);
}

#[test]
fn a_match_without_the_group_field_is_skipped_and_counted() {
    let mut f = Feeder::new(&event_count("1m"), lateness(0));
    f.feed("failed_login", &event(1, 0, &[("user", "x")]));
    assert_eq!(f.engine.stats().missing_group_field, 1);
    assert_eq!(f.engine.stats().groups_open, 0);
}

const VALUE_COUNT: &str = "
title: Password spraying
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [src_ip]
  timespan: 10s
  condition:
    field: user
    gte: 3
";

#[test]
fn value_count_counts_distinct_values_at_the_edge() {
    let mut f = Feeder::new(VALUE_COUNT, lateness(0));
    let src = ("src_ip", "203.0.113.7");
    f.feed("failed_login", &event(1, 0, &[src, ("user", "alice")]));
    f.feed("failed_login", &event(2, S, &[src, ("user", "alice")]));
    f.feed("failed_login", &event(3, 2 * S, &[src, ("user", "bob")]));
    assert!(f.alerts.is_empty(), "two distinct users so far");
    f.feed("failed_login", &event(4, 10 * S, &[src, ("user", "carol")]));
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].value, 3.0);

    let mut late = Feeder::new(VALUE_COUNT, lateness(0));
    late.feed("failed_login", &event(1, 0, &[src, ("user", "alice")]));
    late.feed("failed_login", &event(2, S, &[src, ("user", "bob")]));
    late.feed(
        "failed_login",
        &event(3, 10 * S + 1, &[src, ("user", "carol")]),
    );
    assert!(late.flush().is_empty());
}

const TEMPORAL: &str = "
title: Recon
correlation:
  type: temporal
  rules: [recon_a, recon_b, recon_c]
  group-by: [host, user]
  timespan: 5m
";

#[test]
fn temporal_needs_every_rule_in_any_order_within_the_timespan() {
    let who = [("host", "ws1"), ("user", "bob")];
    let mut f = Feeder::new(TEMPORAL, lateness(0));
    f.feed("recon_c", &event(1, 0, &who));
    f.feed("recon_a", &event(2, 60 * S, &who));
    f.feed("recon_a", &event(3, 61 * S, &who));
    assert!(f.alerts.is_empty());
    f.feed("recon_b", &event(4, 300 * S, &who));
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].value, 3.0);

    let mut over = Feeder::new(TEMPORAL, lateness(0));
    over.feed("recon_c", &event(1, 0, &who));
    over.feed("recon_a", &event(2, 60 * S, &who));
    over.feed("recon_b", &event(3, 300 * S + 1, &who));
    assert!(over.flush().is_empty());
}

const ORDERED: &str = "
title: Failed then success
correlation:
  type: temporal_ordered
  rules: [failed, success]
  group-by: [user]
  timespan: 1m
";

#[test]
fn temporal_ordered_needs_the_listed_order_within_the_timespan() {
    let user = [("user", "alice")];
    let mut wrong = Feeder::new(ORDERED, lateness(0));
    wrong.feed("success", &event(1, 0, &user));
    wrong.feed("failed", &event(2, S, &user));
    assert!(
        wrong.flush().is_empty(),
        "success before failure is not the sequence"
    );

    let mut right = Feeder::new(ORDERED, lateness(0));
    right.feed("success", &event(1, 0, &user));
    right.feed("failed", &event(2, S, &user));
    right.feed("success", &event(3, 61 * S, &user));
    assert_eq!(
        right.alerts.len(),
        1,
        "failed at 1s, success exactly 60s later"
    );
    assert_eq!(right.alerts[0].event_ids, vec![2, 3]);

    let mut over = Feeder::new(ORDERED, lateness(0));
    over.feed("failed", &event(1, 0, &user));
    over.feed("success", &event(2, 60 * S + 1, &user));
    assert!(over.flush().is_empty());
}

const SUM: &str = "
title: Exfiltration
correlation:
  type: value_sum
  rules: [web]
  group-by: [src_ip]
  timespan: 10s
  condition:
    field: bytes_out
    gt: 1000
";

#[test]
fn value_sum_is_judged_when_the_window_closes() {
    let mut f = Feeder::new(SUM, lateness(0));
    f.feed(
        "web",
        &event(1, 0, &[("src_ip", "a"), ("bytes_out", "600")]),
    );
    f.feed(
        "web",
        &event(2, 10 * S, &[("src_ip", "a"), ("bytes_out", "500")]),
    );
    assert!(f.alerts.is_empty(), "the window [0s, 10s] is still open");
    f.feed(
        "web",
        &event(3, 10 * S + 1, &[("src_ip", "b"), ("bytes_out", "1")]),
    );
    assert_eq!(
        f.alerts.len(),
        1,
        "the watermark passed 10s: the window closed"
    );
    assert_eq!(f.alerts[0].value, 1100.0);
    assert!(f.alerts[0].is_final);

    let mut over = Feeder::new(SUM, lateness(0));
    over.feed(
        "web",
        &event(1, 0, &[("src_ip", "a"), ("bytes_out", "600")]),
    );
    over.feed(
        "web",
        &event(2, 10 * S + 1, &[("src_ip", "a"), ("bytes_out", "500")]),
    );
    assert!(over.flush().is_empty());
}

const AVG: &str = "
title: Large transfers on average
correlation:
  type: value_avg
  rules: [web]
  group-by: [src_ip]
  timespan: 10s
  condition:
    field: bytes_out
    gt: 500
";

#[test]
fn value_avg_ignores_non_numeric_values_and_respects_the_edge() {
    let ip = ("src_ip", "a");
    let mut f = Feeder::new(AVG, lateness(0));
    f.feed("web", &event(1, 0, &[ip, ("bytes_out", "400")]));
    f.feed("web", &event(2, 5 * S, &[ip, ("bytes_out", "n/a")]));
    f.feed("web", &event(3, 10 * S, &[ip, ("bytes_out", "700")]));
    let alerts = f.flush();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 550.0);
    assert_eq!(alerts[0].match_count, 3);

    let mut over = Feeder::new(AVG, lateness(0));
    over.feed("web", &event(1, 0, &[ip, ("bytes_out", "400")]));
    over.feed("web", &event(2, 10 * S + 1, &[ip, ("bytes_out", "700")]));
    let alerts = over.flush();
    assert_eq!(
        alerts.len(),
        1,
        "only the second window, alone, averages above 500"
    );
    assert_eq!(alerts[0].event_ids, vec![2]);
}

const PERCENTILE: &str = "
title: Rare process
correlation:
  type: value_percentile
  rules: [process_creation]
  group-by: [host]
  timespan: 1m
  condition:
    field: image
    lte: 1
";

#[test]
fn value_percentile_finds_a_value_seen_in_at_most_one_percent_of_the_window() {
    let mut f = Feeder::new(PERCENTILE, lateness(0));
    for i in 0..99 {
        f.feed(
            "process_creation",
            &event(
                i,
                i as i64 * 100,
                &[("host", "h"), ("image", "svchost.exe")],
            ),
        );
    }
    f.feed(
        "process_creation",
        &event(99, 60 * S, &[("host", "h"), ("image", "mimikatz.exe")]),
    );
    let alerts = f.flush();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 1.0);

    let mut common_only = Feeder::new(PERCENTILE, lateness(0));
    for i in 0..50 {
        let img = if i % 2 == 0 { "a.exe" } else { "b.exe" };
        common_only.feed(
            "process_creation",
            &event(i, i as i64, &[("host", "h"), ("image", img)]),
        );
    }
    assert!(common_only.flush().is_empty());
}
