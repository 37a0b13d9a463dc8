//! Reading rules: every field, clear errors with file and line, mixed files, the corpus
//! examples of the specification, and arbitrary input.

use palisade_correlate::{
    load_path, parse_rules, parse_str, Comparison, CorrelationType, ParseError,
};
use proptest::prelude::*;
use std::path::Path;

const FULL: &str = "
title: Spraying
id: 3f0c6ad4-0000-4000-8000-00000000abcd
name: spraying
level: medium
tags:
  - attack.credential-access
  - attack.t1110.003
generate: true
correlation:
  type: value_count
  rules: [failed_login, 5638f7c0-ac70-491d-8465-2a65075e0d86]
  group-by: [src_ip]
  timespan: 90m
  condition:
    field: [user, domain]
    gt: 10
    lte: 100
  aliases:
    src_ip:
      failed_login: source.ip
";

#[test]
fn every_field_is_read() {
    let rules = parse_str(FULL).expect("parses");
    let r = &rules[0];
    assert_eq!(r.key(), "3f0c6ad4-0000-4000-8000-00000000abcd");
    assert_eq!(r.name.as_deref(), Some("spraying"));
    assert_eq!(r.level.as_deref(), Some("medium"));
    assert_eq!(r.tags.len(), 2);
    assert!(r.generate);
    assert_eq!(r.kind, CorrelationType::ValueCount);
    assert_eq!(r.rules.len(), 2);
    assert_eq!(r.timespan_ms, 90 * 60_000);
    assert_eq!(
        r.condition.bounds,
        vec![(Comparison::Gt, 10.0), (Comparison::Lte, 100.0)]
    );
    assert_eq!(r.condition.fields, vec!["user", "domain"]);
    assert_eq!(
        r.resolve_field("src_ip", "x", Some("failed_login")),
        "source.ip"
    );
    assert_eq!(r.resolve_field("src_ip", "other", None), "src_ip");
}

fn error_of(yaml: &str) -> ParseError {
    match parse_rules(yaml).into_iter().next() {
        Some(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn broken_rules_get_a_line_and_a_reason() {
    let cases: &[(&str, usize, &str)] = &[
        ("title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5x\n  condition: {gte: 1}\n", 5, "invalid timespan"),
        ("title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  condition: {gte: 1}\n", 3, "timespan` is missing"),
        ("title: t\ncorrelation:\n  type: counting\n  rules: [a]\n  timespan: 1m\n", 3, "unknown correlation type"),
        ("title: t\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 1m\n  condition:\n    gte: 3\n", 7, "needs `condition.field`"),
        ("title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition:\n    gt: 1\n    lt: 9\n    neq: 5\n", 7, "at most two"),
        ("title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition:\n    gte: many\n", 7, "must be a number"),
        ("title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n", 3, "condition` is required"),
        ("title: t\ncorrelation:\n  type: temporal\n  rules: []\n  timespan: 1m\n", 3, "is empty"),
        ("correlation:\n  type: temporal\n  rules: [a]\n  timespan: 1m\n", 1, "`title` is missing"),
        ("title: t\ncorrelation:\n  type: temporal\n  rules: [a]\n  timespan: 1m\n  bad: [\n", 7, "YAML syntax error"),
    ];
    for (yaml, line, reason) in cases {
        let e = error_of(yaml);
        assert!(e.reason.contains(reason), "{yaml}: {e}");
        assert_eq!(e.line, Some(*line), "{yaml}: {e}");
    }
}

#[test]
fn files_mixing_rule_kinds_load_their_correlations_and_name_the_broken_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mixed = "title: Base\nname: base\ndetection:\n  sel: {a: 1}\n  condition: sel\n---\n\
                 title: C\ncorrelation:\n  type: event_count\n  rules: [base]\n  group-by: [h]\n  \
                 timespan: 1m\n  condition: {gte: 2}\n";
    std::fs::write(dir.path().join("mixed.yml"), mixed).expect("write");
    let broken =
        "title: Broken\ncorrelation:\n  type: event_count\n  rules: [base]\n  timespan: 0m\n  \
                  condition: {gte: 2}\n";
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/broken.yaml"), broken).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a rule").expect("write");
    let report = load_path(dir.path());
    assert_eq!(report.rules.len(), 1);
    assert_eq!(report.rules[0].title, "C");
    assert_eq!(report.failures.len(), 1);
    let message = report.failures[0].to_string();
    assert!(
        message.contains("broken.yaml:5: invalid timespan \"0m\""),
        "{message}"
    );
}

#[test]
fn a_missing_path_is_a_failure_not_a_panic() {
    let report = load_path(Path::new("/nonexistent/correlations"));
    assert!(report.rules.is_empty());
    assert!(report.failures[0].to_string().contains("cannot read"));
}

#[test]
fn every_correlation_example_of_the_specification_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/sigma/spec/tests/schema/correlation");
    if !dir.is_dir() {
        eprintln!("skipping: corpus not found at {}", dir.display());
        return;
    }
    let report = load_path(&dir);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let mut kinds: Vec<&str> = report.rules.iter().map(|r| r.kind.name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 7, "one example per type: {kinds:?}");
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = parse_rules(&text);
    }

    #[test]
    fn arbitrary_yaml_shaped_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("title: t\n"), Just("correlation:\n"), Just("  type: event_count\n"),
                Just("  type: value_sum\n"), Just("  rules: [a, b]\n"), Just("  timespan: 5m\n"),
                Just("  condition:\n"), Just("    gte: 3\n"), Just("    field: x\n"),
                Just("  group-by: [h]\n"), Just("  aliases:\n    h:\n      a: y\n"),
                Just("---\n"), Just("  - [\n"), Just("{a: *b}\n"), Just("generate: 1\n"),
                Just("    lt: -1e309\n"), Just("  rules: {a: 1}\n"), Just("&x a: b\n"),
            ],
            0..24,
        )
    ) {
        let text: String = parts.concat();
        let _ = parse_rules(&text);
    }
}
