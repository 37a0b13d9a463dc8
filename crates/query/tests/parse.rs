//! The query language as a user types it: every form, precedence, quoting, aliases, pipes.

use palisade_query::{parse, CompareOp, Expr, Pattern, Pipe, Query, TextMatch};

fn filter(text: &str) -> Expr {
    match parse(text) {
        Ok(query) => query.filter,
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

fn word(w: &str) -> Expr {
    Expr::Text(TextMatch::Word(w.to_owned()))
}

fn phrase(p: &str) -> Expr {
    Expr::Text(TextMatch::Phrase(p.to_owned()))
}

fn field(f: &str, pattern: Pattern) -> Expr {
    Expr::Field {
        field: f.to_owned(),
        pattern,
    }
}

fn exact(f: &str, v: &str) -> Expr {
    field(f, Pattern::Exact(v.to_owned()))
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr::And(Box::new(a), Box::new(b))
}

fn or(a: Expr, b: Expr) -> Expr {
    Expr::Or(Box::new(a), Box::new(b))
}

fn not(a: Expr) -> Expr {
    Expr::Not(Box::new(a))
}

#[test]
fn empty_query_and_star_match_everything() {
    for text in ["", "   ", "*", " * ", "***"] {
        assert_eq!(
            parse(text),
            Ok(Query {
                filter: Expr::All,
                pipe: None
            }),
            "{text:?}"
        );
    }
    assert_eq!(filter("* sshd"), word("sshd"));
    assert_eq!(filter("sshd OR *"), Expr::All);
}

#[test]
fn field_values_wildcards_and_existence() {
    assert_eq!(filter("status:failed"), exact("status", "failed"));
    assert_eq!(
        filter("user.name:adm*"),
        field("user.name", Pattern::Wildcard("adm*".into()))
    );
    assert_eq!(
        filter("src_endpoint.ip:*"),
        field("src_endpoint.ip", Pattern::Exists)
    );
    assert_eq!(
        filter(r#"message:"two words""#),
        exact("message", "two words")
    );
    assert_eq!(
        filter(r#"x:"a*""#),
        exact("x", "a*"),
        "quotes make * literal"
    );
    assert_eq!(filter(r#"x:"""#), exact("x", ""));
}

#[test]
fn aliases_resolve_to_canonical_paths() {
    assert_eq!(filter("host:web01"), exact("device.hostname", "web01"));
    assert_eq!(filter("app:sshd"), exact("metadata.product.name", "sshd"));
    assert_eq!(
        filter("severity>=4"),
        Expr::Compare {
            field: "severity_id".into(),
            op: CompareOp::Ge,
            number: 4.0
        }
    );
}

#[test]
fn numeric_comparisons_in_both_spellings() {
    let cases = [
        ("severity_id>=4", CompareOp::Ge, 4.0),
        ("severity_id:>=4", CompareOp::Ge, 4.0),
        ("port<1024", CompareOp::Lt, 1024.0),
        ("port:<=1024", CompareOp::Le, 1024.0),
        ("duration>0.5", CompareOp::Gt, 0.5),
        ("delta>-3", CompareOp::Gt, -3.0),
    ];
    for (text, op, number) in cases {
        let Expr::Compare {
            op: got_op,
            number: got_number,
            ..
        } = filter(text)
        else {
            panic!("{text} should be a comparison");
        };
        assert_eq!((got_op, got_number), (op, number), "{text}");
    }
}

#[test]
fn words_phrases_and_escapes() {
    assert_eq!(filter("sshd"), word("sshd"));
    assert_eq!(filter("fail*"), word("fail*"));
    assert_eq!(filter("10.1.2.3"), word("10.1.2.3"));
    assert_eq!(
        filter("10.1.2.3:22"),
        word("10.1.2.3:22"),
        "digits are no field name"
    );
    assert_eq!(
        filter("fe80::1"),
        word("fe80::1"),
        "'::' is no field separator"
    );
    assert_eq!(filter("user=alice"), phrase("user=alice"));
    assert_eq!(filter(r#""failed password""#), phrase("failed password"));
    assert_eq!(filter(r#""say \"hi\"""#), phrase(r#"say "hi""#));
    assert_eq!(filter(r#""C:\\dir\x""#), phrase(r"C:\dir\x"));
    assert_eq!(filter(r#""a | b""#), phrase("a | b"));
    assert_eq!(filter("café"), word("café"));
}

#[test]
fn operators_in_both_cases_and_prefix_negation() {
    let both = and(word("a"), word("b"));
    assert_eq!(filter("a AND b"), both);
    assert_eq!(filter("a and b"), both);
    assert_eq!(filter("a b"), both, "adjacent terms are ANDed");
    assert_eq!(filter("a OR b"), or(word("a"), word("b")));
    assert_eq!(filter("a or b"), or(word("a"), word("b")));
    for text in ["NOT a", "not a", "-a", "!a"] {
        assert_eq!(filter(text), not(word("a")), "{text}");
    }
    assert_eq!(filter("NOT NOT a"), word("a"));
    assert_eq!(filter("-host:x"), not(exact("device.hostname", "x")));
    assert_eq!(filter(r#"-"x y""#), not(phrase("x y")));
    assert_eq!(filter("!(a OR b)"), not(or(word("a"), word("b"))));
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    assert_eq!(
        filter("a OR b AND c"),
        or(word("a"), and(word("b"), word("c")))
    );
    assert_eq!(filter("a b OR c"), or(and(word("a"), word("b")), word("c")));
    assert_eq!(filter("NOT a AND b"), and(not(word("a")), word("b")));
    assert_eq!(
        filter("(a OR b) c"),
        and(or(word("a"), word("b")), word("c"))
    );
    assert_eq!(
        filter("a (b OR (c -d))"),
        and(word("a"), or(word("b"), and(word("c"), not(word("d")))))
    );
}

#[test]
fn long_chains_stay_shallow() {
    let text = vec!["w"; 100_000].join(" OR ");
    let depth = |e: &Expr| -> usize {
        fn d(e: &Expr) -> usize {
            match e {
                Expr::And(a, b) | Expr::Or(a, b) => 1 + d(a).max(d(b)),
                Expr::Not(a) => 1 + d(a),
                _ => 1,
            }
        }
        d(e)
    };
    assert!(depth(&filter(&text)) <= 20);
    let nots = "-".repeat(100_001) + "x";
    assert_eq!(filter(&nots), not(word("x")));
}

#[test]
fn stats_pipes() {
    let stats = |text: &str| parse(text).map(|q| q.pipe);
    assert_eq!(
        stats("| stats count()"),
        Ok(Some(Pipe::Stats { by: vec![] }))
    );
    assert_eq!(
        stats("sshd | stats count() by host, user.name"),
        Ok(Some(Pipe::Stats {
            by: vec!["device.hostname".into(), "user.name".into()]
        }))
    );
    assert_eq!(
        stats("sshd|STATS count by app,host"),
        Ok(Some(Pipe::Stats {
            by: vec!["metadata.product.name".into(), "device.hostname".into()]
        }))
    );
    let query = parse("host:a | stats count()").expect("parses");
    assert_eq!(query.filter, exact("device.hostname", "a"));
}

#[test]
fn timechart_pipes() {
    let chart = |text: &str| parse(text).map(|q| q.pipe);
    let hourly = Ok(Some(Pipe::Timechart {
        span_ms: 3_600_000,
        by: None,
    }));
    assert_eq!(chart("| timechart 1h count()"), hourly);
    assert_eq!(chart("| timechart span=1h count()"), hourly);
    assert_eq!(chart("| timechart count() span=1h"), hourly);
    assert_eq!(
        chart("x | timechart span=30s count() by host"),
        Ok(Some(Pipe::Timechart {
            span_ms: 30_000,
            by: Some("device.hostname".into())
        }))
    );
    assert_eq!(
        chart("| timechart 1d count"),
        Ok(Some(Pipe::Timechart {
            span_ms: 86_400_000,
            by: None
        }))
    );
}

#[test]
fn pipe_fields_list_what_aggregation_reads() {
    let pipe = Pipe::Timechart {
        span_ms: 1,
        by: Some("device.hostname".into()),
    };
    assert_eq!(pipe.fields(), ["time", "device.hostname"]);
    assert_eq!(
        Pipe::Stats {
            by: vec!["a".into()]
        }
        .fields(),
        ["a"]
    );
}
