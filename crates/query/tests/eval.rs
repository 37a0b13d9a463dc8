//! Matching semantics on real events: words, phrases, field patterns, comparisons, NOT.

use palisade_core::{Event, TenantId, Value};
use palisade_query::{parse, Expr, Pattern, Row, TextMatch};

fn event(fields: &[(&str, Value)]) -> Event {
    let mut e = Event::new(1, TenantId::default(), 1_700_000_000_000);
    for (path, value) in fields {
        e.set(path.to_string(), value.clone());
    }
    e
}

fn sshd_failure() -> Event {
    event(&[
        (
            "message",
            "Failed password for invalid user admin from 10.1.2.3 port 22 ssh2".into(),
        ),
        (
            "raw_data",
            "<38>Jan  5 10:00:00 web01 sshd[4242]: Failed password for invalid user admin from 10.1.2.3:22 user=admin@corp".into(),
        ),
        ("device.hostname", "WEB01".into()),
        ("metadata.product.name", "sshd".into()),
        ("severity_id", Value::Int(4)),
        ("status_id", Value::Str("2".into())),
        ("duration", Value::Float(0.75)),
        ("unparsed", Value::Bool(false)),
    ])
}

fn matches(query: &str, row: &dyn Row) -> bool {
    match parse(query) {
        Ok(q) => q.filter.matches(row),
        Err(e) => panic!("{query:?}: {e}"),
    }
}

#[test]
fn bare_words_match_whole_tokens_of_message_or_raw_data() {
    let e = sshd_failure();
    for hit in [
        "failed",
        "PASSWORD",
        "sshd",
        "4242",
        "web01",
        "10.1.2.3",
        "corp",
        "admin@corp",
        "ssh2",
    ] {
        assert!(matches(hit, &e), "{hit} should match");
    }
    for miss in ["fail", "pass", "ssh", "0.1.2", "1.2.3.4", "root"] {
        assert!(!matches(miss, &e), "{miss} should not match");
    }
}

#[test]
fn words_with_minor_breakers_match_runs_of_whole_parts() {
    let e = event(&[("message", "conn from 10.1.2.3:22 to db-01.corp".into())]);
    assert!(matches("10.1.2.3", &e));
    assert!(matches("10.1.2.3:22", &e));
    assert!(matches("db-01", &e));
    assert!(matches("01.corp", &e));
    assert!(matches("10.1.2", &e), "a run of whole parts is enough");
    assert!(!matches("0.1.2.3", &e));
    assert!(!matches("10.1.2.33", &e));
}

#[test]
fn wildcards_stay_within_one_token() {
    let e = sshd_failure();
    assert!(matches("fail*", &e));
    assert!(matches("*assw*", &e));
    assert!(matches("10.1.*", &e));
    assert!(matches("ss*2", &e));
    assert!(!matches("failed*user", &e), "* does not cross a breaker");
    assert!(!matches("zz*", &e));
}

#[test]
fn phrases_are_case_insensitive_substrings() {
    let e = sshd_failure();
    assert!(matches(r#""failed PASSWORD for""#, &e));
    assert!(
        matches(r#""iled pass""#, &e),
        "a phrase may start inside a token"
    );
    assert!(matches(r#""sshd[4242]:""#, &e));
    assert!(matches("user=admin", &e), "a word with '=' is a phrase");
    assert!(!matches(r#""password failed""#, &e));
}

#[test]
fn text_search_needs_message_or_raw_data() {
    let only_raw = event(&[("raw_data", "kernel: oops".into())]);
    assert!(matches("oops", &only_raw));
    let neither = event(&[("device.hostname", "oops".into())]);
    assert!(!matches("oops", &neither));
}

#[test]
fn field_values_compare_whole_values_case_insensitively() {
    let e = sshd_failure();
    assert!(matches("host:web01", &e));
    assert!(matches("device.hostname:Web01", &e));
    assert!(!matches("host:web", &e), "whole value, not a prefix");
    assert!(matches("host:web*", &e));
    assert!(matches("host:*01", &e));
    assert!(matches("host:w*b*1", &e));
    assert!(!matches("host:x*", &e));
    assert!(matches("app:sshd", &e));
}

#[test]
fn typed_values_compare_by_their_text_form() {
    let e = sshd_failure();
    assert!(matches("severity_id:4", &e));
    assert!(matches("severity:4", &e));
    assert!(!matches("severity_id:4.0", &e));
    assert!(matches("duration:0.75", &e));
    assert!(matches("unparsed:false", &e));
    assert!(matches("unparsed:FALSE", &e));
    assert!(matches("status_id:2", &e));
    assert!(matches("severity_id:*", &e));
}

#[test]
fn comparisons_use_the_numeric_value() {
    let e = sshd_failure();
    for hit in [
        "severity_id>=4",
        "severity_id>3",
        "severity_id<=4",
        "severity_id<5",
        "severity_id:>=4",
        "status_id>1",
        "status_id<2.5",
        "duration>0.5",
        "duration<1",
    ] {
        assert!(matches(hit, &e), "{hit} should match");
    }
    for miss in [
        "severity_id>4",
        "severity_id<4",
        "status_id>=3",
        "duration>=1",
    ] {
        assert!(!matches(miss, &e), "{miss} should not match");
    }
    assert!(!matches("host>1", &e), "non-numeric text never compares");
    assert!(!matches("unparsed<1", &e), "booleans are not numbers");
    assert!(!matches("missing>=0", &e), "a missing field never compares");
}

#[test]
fn missing_fields_never_match_so_not_matches_them() {
    let e = sshd_failure();
    assert!(!matches("user.name:admin", &e));
    assert!(!matches("user.name:*", &e));
    assert!(matches("NOT user.name:admin", &e));
    assert!(matches("-user.name:*", &e));
}

#[test]
fn boolean_operators_and_precedence() {
    let e = sshd_failure();
    assert!(matches("failed AND sshd", &e));
    assert!(matches("failed sshd", &e));
    assert!(!matches("failed AND root", &e));
    assert!(matches("root OR sshd", &e));
    assert!(!matches("root OR nginx", &e));
    assert!(matches("-root", &e));
    assert!(!matches("!sshd", &e));
    assert!(matches("root OR failed AND sshd", &e), "AND binds tighter");
    assert!(!matches("(root OR failed) AND nginx", &e));
    assert!(
        matches("NOT root AND sshd", &e),
        "NOT binds tighter than AND"
    );
    assert!(matches("*", &e));
    assert!(matches("", &e));
}

#[test]
fn time_is_readable_as_a_field() {
    let e = sshd_failure();
    assert!(matches("time>=1700000000000", &e));
    assert!(!matches("time>1700000000000", &e));
}

#[test]
fn hand_built_expressions_follow_the_same_rules() {
    let e = event(&[
        ("message", "a user=alice b".into()),
        ("n", Value::Float(f64::NAN)),
    ]);
    let word = |w: &str| Expr::Text(TextMatch::Word(w.into()));
    assert!(word("user=alice").matches(&e), "bounded occurrence");
    assert!(!word("ser=alice").matches(&e));
    assert!(!word("").matches(&e));
    assert!(Expr::Text(TextMatch::Phrase(String::new())).matches(&e));
    let exists = Expr::Field {
        field: "n".into(),
        pattern: Pattern::Exists,
    };
    assert!(exists.matches(&e));
    assert!(
        !matches("n>0", &e) && !matches("n<=0", &e),
        "NaN compares false"
    );
}
