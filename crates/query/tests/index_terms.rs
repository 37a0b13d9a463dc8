//! Index terms: what a block must contain to hold a match. They must never over-restrict, so
//! besides the expected shapes, a property test checks that every matching row carries them.

use palisade_core::tokenize::{for_each_index_term, for_each_token};
use palisade_core::{Event, TenantId, Value};
use palisade_query::{parse, CompareOp, Expr, IndexTerm, Pattern, TextMatch};
use proptest::prelude::*;

fn terms(query: &str) -> Vec<Vec<IndexTerm>> {
    parse(query).expect("parses").filter.index_terms()
}

fn token(t: &str) -> IndexTerm {
    IndexTerm::Token(t.to_owned())
}

fn field_value(field: &str, value: &str) -> IndexTerm {
    IndexTerm::FieldValue {
        field: field.to_owned(),
        value: value.to_owned(),
    }
}

#[test]
fn words_need_their_lowercased_tokens() {
    assert_eq!(terms("SSHD"), vec![vec![token("sshd")]]);
    assert_eq!(
        terms("10.1.2.3"),
        vec![
            vec![token("10.1.2.3")],
            vec![token("10")],
            vec![token("1")],
            vec![token("2")],
            vec![token("3")]
        ]
    );
    assert_eq!(
        terms("a.b.c.d.e")[0],
        vec![token("a.b.c.d")],
        "runs stop at four parts"
    );
    assert!(terms("fail*").is_empty());
}

#[test]
fn phrases_need_only_their_interior_tokens() {
    assert_eq!(
        terms(r#""ssh failed password""#),
        vec![vec![token("failed")]]
    );
    assert!(terms(r#""failed password""#).is_empty());
    assert_eq!(
        terms(r#"" Failed password ""#),
        vec![vec![token("failed")], vec![token("password")]]
    );
    assert_eq!(
        terms("user=alice@corp x"),
        vec![vec![token("alice")], vec![token("x")]],
        "user and corp may be parts of longer tokens"
    );
}

#[test]
fn field_values_only_for_text() {
    assert_eq!(
        terms("host:WEB01"),
        vec![vec![field_value("device.hostname", "web01")]]
    );
    assert!(
        terms("severity_id:4").is_empty(),
        "may be stored as a number"
    );
    assert!(
        terms("unparsed:true").is_empty(),
        "may be stored as a boolean"
    );
    assert!(terms("host:web*").is_empty());
    assert!(terms("host:*").is_empty());
    assert!(terms("severity_id>=4").is_empty());
}

#[test]
fn and_concatenates_or_multiplies_not_forgets() {
    assert_eq!(terms("a b a"), vec![vec![token("a")], vec![token("b")]]);
    assert_eq!(
        terms("(a b) OR c"),
        vec![vec![token("a"), token("c")], vec![token("b"), token("c")]]
    );
    assert!(terms("a OR fail*").is_empty());
    assert!(terms("NOT a").is_empty());
    assert_eq!(terms("a -b"), vec![vec![token("a")]]);
    assert!(terms("").is_empty());
}

#[test]
fn wide_ors_are_capped_without_losing_correctness() {
    let side = |prefix: &str| {
        (0..10)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let clauses = terms(&format!("({}) OR ({})", side("a"), side("b")));
    assert_eq!(clauses.len(), 64);
    assert!(clauses.iter().all(|c| c.len() == 2));
}

#[test]
fn fields_lists_each_read_path_once() {
    let expr = parse("host:a (sshd OR severity>=3) -host:b \"x\"")
        .expect("parses")
        .filter;
    assert_eq!(
        expr.fields(),
        ["device.hostname", "message", "raw_data", "severity_id"]
    );
    assert!(Expr::All.fields().is_empty());
}

/// True if `row` has what `term` asks for.
fn row_has(row: &Event, term: &IndexTerm) -> bool {
    match term {
        IndexTerm::Token(wanted) => ["message", "raw_data"].iter().any(|path| {
            let mut found = false;
            if let Some(text) = row.get_str(path) {
                for_each_index_term(text.as_bytes(), |t| {
                    found |= t.to_ascii_lowercase() == wanted.as_bytes();
                });
            }
            found
        }),
        IndexTerm::FieldValue { field, value } => row
            .get_str(field)
            .is_some_and(|v| v.to_ascii_lowercase() == *value),
    }
}

fn small_text() -> impl Strategy<Value = String> {
    "[aAb.:=\\- x]{0,12}"
}

fn leaf() -> impl Strategy<Value = Expr> {
    let field = prop_oneof![Just("f".to_owned()), Just("g".to_owned())];
    prop_oneof![
        "[aAb.:=\\-x*]{1,5}".prop_map(|w| Expr::Text(TextMatch::Word(w))),
        "[aAb.:=\\- x]{1,6}".prop_map(|p| Expr::Text(TextMatch::Phrase(p))),
        (field.clone(), "[aAb1 ]{0,3}").prop_map(|(field, v)| Expr::Field {
            field,
            pattern: Pattern::Exact(v)
        }),
        (field.clone(), "[ab1*]{1,3}").prop_map(|(field, v)| Expr::Field {
            field,
            pattern: Pattern::Wildcard(v)
        }),
        field.clone().prop_map(|field| Expr::Field {
            field,
            pattern: Pattern::Exists
        }),
        (field, -2.0..2.0f64).prop_map(|(field, number)| Expr::Compare {
            field,
            op: CompareOp::Ge,
            number
        }),
        Just(Expr::All),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Expr::Not(Box::new(a))),
        ]
    })
}

fn field_value_strategy() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        "[aAb1 ]{0,3}".prop_map(|s| Some(Value::from(s))),
        (-2i64..3).prop_map(|i| Some(Value::Int(i))),
        any::<bool>().prop_map(|b| Some(Value::Bool(b))),
    ]
}

fn row() -> impl Strategy<Value = Event> {
    (
        proptest::option::of(small_text()),
        proptest::option::of(small_text()),
        field_value_strategy(),
        field_value_strategy(),
    )
        .prop_map(|(message, raw, f, g)| {
            let mut e = Event::new(1, TenantId::default(), 0);
            let fields = [
                ("message", message.map(Value::from)),
                ("raw_data", raw.map(Value::from)),
                ("f", f),
                ("g", g),
            ];
            for (path, value) in fields {
                if let Some(value) = value {
                    e.set(path, value);
                }
            }
            e
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn a_matching_row_always_satisfies_the_index_terms(expr in expr(), row in row()) {
        if expr.matches(&row) {
            for clause in expr.index_terms() {
                prop_assert!(
                    clause.iter().any(|term| row_has(&row, term)),
                    "row {:?} matches {:?} but lacks every term of {:?}", row, expr, clause
                );
            }
        }
    }

    #[test]
    fn a_plain_word_matches_exactly_when_a_token_equals_it(
        word in "[aAb]{1,3}",
        text in small_text(),
    ) {
        let mut row = Event::new(1, TenantId::default(), 0);
        row.set("message", text.as_str());
        let mut token_equal = false;
        for_each_token(text.as_bytes(), |t| token_equal |= t.eq_ignore_ascii_case(word.as_bytes()));
        let expr = Expr::Text(TextMatch::Word(word));
        prop_assert_eq!(expr.matches(&row), token_equal);
    }
}
