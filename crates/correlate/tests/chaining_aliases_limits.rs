//! Chained correlation rules, `generate`, field aliases, and the memory limits.

mod common;
use common::{engine, event, lateness, Feeder, S};
use palisade_correlate::{parse_str, BuildError, CorrelationEngine, EngineConfig, RuleMatch};

/// The specification's own example: many failed logins, then a success, by one user.
const BRUTE_FORCE_THEN_SUCCESS: &str = "
title: Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
level: high
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 3
---
title: Single failed login
name: failed_login
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: [529, 4625]
    condition: selection
";

#[test]
fn a_correlation_alert_feeds_the_correlation_that_references_it() {
    let mut f = Feeder::new(BRUTE_FORCE_THEN_SUCCESS, lateness(0));
    let user = [("User", "alice")];
    for i in 0..3 {
        f.feed("failed_login", &event(i, i as i64 * S, &user));
    }
    assert!(
        f.alerts.is_empty(),
        "the inner alert is not shown (generate is false)"
    );
    assert_eq!(f.engine.stats().alerts, 1, "but it was raised");
    f.feed("successful_login", &event(7, 60 * S, &user));
    assert_eq!(f.alerts.len(), 1);
    let alert = &f.alerts[0];
    assert_eq!(alert.rule_id, "b180ead8-d58f-40b2-ae54-c8940995b9b6");
    assert_eq!(
        alert.event_ids,
        vec![0, 1, 2, 7],
        "the failures behind the inner alert"
    );
    assert_eq!(
        alert.first_seen,
        2 * S,
        "the inner alert counts at its last event"
    );
    assert!(!f.engine.standalone_alerts("x", Some("failed_login")));
    assert!(f.engine.standalone_alerts("unrelated", None));
}

#[test]
fn a_success_before_the_failures_does_not_complete_the_chain() {
    let mut f = Feeder::new(BRUTE_FORCE_THEN_SUCCESS, lateness(0));
    let user = [("User", "alice")];
    f.feed("successful_login", &event(7, 0, &user));
    for i in 0..3 {
        f.feed("failed_login", &event(i, S + i as i64 * S, &user));
    }
    assert!(f.flush().is_empty());
}

#[test]
fn generate_true_shows_the_inner_alerts_too() {
    let yaml =
        BRUTE_FORCE_THEN_SUCCESS.replacen("level: high\n", "level: high\ngenerate: true\n", 1);
    let mut f = Feeder::new(&yaml, lateness(0));
    for i in 0..3 {
        f.feed("failed_login", &event(i, i as i64 * S, &[("User", "bob")]));
    }
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(
        f.alerts[0].rule_name.as_deref(),
        Some("multiple_failed_login")
    );
    let rules = parse_str(&yaml).expect("parses");
    assert!(rules.iter().any(|r| r.generate));
}

#[test]
fn reference_loops_and_ambiguous_names_are_refused() {
    let looped = "
title: A
name: a
correlation: {type: temporal, rules: [b, x], group-by: [h], timespan: 1m}
---
title: B
name: b
correlation: {type: temporal, rules: [a, y], group-by: [h], timespan: 1m}
";
    let rules = parse_str(looped).expect("parses");
    let err = CorrelationEngine::new(rules, EngineConfig::default()).err();
    assert!(matches!(err, Some(BuildError::Cycle(ref c)) if c.contains("A") && c.contains("B")));

    let twice = "
title: A
name: same
correlation: {type: temporal, rules: [x, y], group-by: [h], timespan: 1m}
---
title: B
name: same
correlation: {type: temporal, rules: [x, y], group-by: [h], timespan: 1m}
";
    let rules = parse_str(twice).expect("parses");
    let err = CorrelationEngine::new(rules, EngineConfig::default()).err();
    assert!(matches!(err, Some(BuildError::Duplicate { .. })));
}

const ALIASES: &str = "
title: Error then connection between the same addresses
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
";

#[test]
fn aliases_map_different_fields_of_different_rules_to_one_group() {
    let mut f = Feeder::new(ALIASES, lateness(0));
    let error = [
        ("destination.ip", "10.0.0.5"),
        ("source.ip", "198.51.100.9"),
    ];
    f.feed("internal_error", &event(1, 0, &error));
    let unrelated = [("source.ip", "10.0.0.5"), ("destination.ip", "192.0.2.1")];
    f.feed("new_network_connection", &event(2, S, &unrelated));
    assert!(f.alerts.is_empty(), "the remote address differs");
    let connection = [
        ("source.ip", "10.0.0.5"),
        ("destination.ip", "198.51.100.9"),
    ];
    f.feed("new_network_connection", &event(3, 2 * S, &connection));
    assert_eq!(f.alerts.len(), 1);
    assert_eq!(f.alerts[0].group_value("internal_ip"), Some("10.0.0.5"));
    assert_eq!(f.alerts[0].group_value("remote_ip"), Some("198.51.100.9"));
    assert_eq!(f.alerts[0].event_ids, vec![1, 3]);
}

const PER_HOST: &str = "
title: Per host
correlation:
  type: event_count
  rules: [r]
  group-by: [host]
  timespan: 10s
  condition:
    gte: 2
";

#[test]
fn the_group_limit_is_counted_and_expired_groups_make_room_again() {
    let config = EngineConfig {
        lateness_ms: 0,
        max_groups_per_rule: 2,
        ..EngineConfig::default()
    };
    let mut f = Feeder::new(PER_HOST, config);
    f.feed("r", &event(1, 0, &[("host", "a")]));
    f.feed("r", &event(2, 0, &[("host", "b")]));
    f.feed("r", &event(3, 0, &[("host", "c")]));
    let stats = f.engine.stats();
    assert_eq!((stats.group_limit_hits, stats.groups_open), (1, 2));
    // Event time moves past every window: the idle groups expire.
    f.engine.advance_to(11 * S);
    let stats = f.engine.stats();
    assert_eq!((stats.groups_expired, stats.groups_open), (2, 0));
    f.feed("r", &event(4, 12 * S, &[("host", "c")]));
    f.feed("r", &event(5, 13 * S, &[("host", "c")]));
    assert_eq!(f.alerts.len(), 1, "c is tracked now that there is room");
}

#[test]
fn memory_stays_bounded_under_a_hundred_thousand_groups() {
    let config = EngineConfig {
        lateness_ms: 0,
        max_groups_per_rule: 1_000,
        ..EngineConfig::default()
    };
    let mut e = engine(PER_HOST, config);
    for i in 0..100_000u64 {
        let ev = event(i, (i / 1_000) as i64, &[("host", &format!("h{i}"))]);
        e.process(RuleMatch {
            rule_id: "r",
            rule_name: None,
            event: &ev,
        });
    }
    let stats = e.stats();
    assert!(stats.groups_open <= 1_000);
    assert_eq!(stats.group_limit_hits, 99_000);
}

#[test]
fn the_per_group_event_limit_drops_the_oldest_and_refuses_unreachable_thresholds() {
    let config = EngineConfig {
        lateness_ms: 0,
        max_events_per_group: 3,
        ..EngineConfig::default()
    };
    let sum = "
title: Sum
correlation:
  type: value_sum
  rules: [r]
  group-by: [host]
  timespan: 1h
  condition: {field: n, gte: 1}
";
    let mut f = Feeder::new(sum, config.clone());
    for i in 0..5 {
        f.feed("r", &event(i, i as i64, &[("host", "h"), ("n", "1")]));
    }
    assert_eq!(f.engine.stats().event_limit_hits, 2);
    assert_eq!(f.flush()[0].value, 3.0, "the two oldest were dropped");

    let rules = parse_str(PER_HOST.replace("gte: 2", "gte: 4").as_str()).expect("parses");
    let err = CorrelationEngine::new(rules, config).err();
    assert!(matches!(err, Some(BuildError::ThresholdAboveLimit { .. })));
}

#[test]
fn out_of_range_settings_are_refused() {
    let rules = parse_str(PER_HOST).expect("parses");
    for config in [
        EngineConfig {
            lateness_ms: -1,
            ..EngineConfig::default()
        },
        EngineConfig {
            max_groups_per_rule: 0,
            ..EngineConfig::default()
        },
    ] {
        let err = CorrelationEngine::new(rules.clone(), config).err();
        assert!(matches!(err, Some(BuildError::InvalidConfig(_))), "{err:?}");
    }
}
