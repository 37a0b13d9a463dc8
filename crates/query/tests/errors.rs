//! Every syntax error names the byte position where it was found.

use palisade_query::parse;

/// The error position and message for `text`, which must not parse.
fn error(text: &str) -> (usize, String) {
    match parse(text) {
        Ok(query) => panic!("{text:?} should not parse, got {query:?}"),
        Err(e) => (e.position, e.message),
    }
}

fn assert_error(text: &str, position: usize, needle: &str) {
    let (got_position, message) = error(text);
    assert_eq!(got_position, position, "position for {text:?} ({message})");
    assert!(
        message.contains(needle),
        "message for {text:?} should mention {needle:?}: {message}"
    );
}

#[test]
fn unbalanced_parentheses() {
    assert_error("(a OR b", 0, "missing the ')'");
    assert_error("x (a (b)", 2, "missing the ')'");
    assert_error("a)", 1, "unbalanced ')'");
    assert_error("(a))", 3, "unbalanced ')'");
    assert_error("a ()", 2, "empty parentheses");
    assert_error(")", 0, "unbalanced ')'");
}

#[test]
fn missing_values_and_terms() {
    assert_error("host:", 5, "missing value after ':'");
    assert_error("host: web", 5, "missing value after ':'");
    assert_error("a host:)", 7, "missing value after ':'");
    assert_error("a AND", 5, "after AND");
    assert_error("a OR ", 5, "after OR");
    assert_error("a OR OR b", 5, "after OR");
    assert_error("NOT", 3, "after NOT");
    assert_error("a -", 3, "after NOT");
    assert_error("AND a", 0, "before AND");
    assert_error("OR a", 0, "before OR");
    assert_error("a OR | stats count()", 5, "after OR");
}

#[test]
fn quoting_errors() {
    assert_error(r#"a "unterminated"#, 2, "unterminated phrase");
    assert_error(r#"x:"open"#, 2, "unterminated phrase");
    assert_error(r#""ends in escape\""#, 0, "unterminated phrase");
    assert_error(r#"a """#, 2, "empty phrase");
}

#[test]
fn comparison_errors() {
    assert_error("severity_id>=", 13, "missing number after '>='");
    assert_error("severity_id>high", 12, "expected a number after '>'");
    assert_error("port:<x", 6, "expected a number after '<'");
    assert_error("x>nan", 2, "expected a number");
    assert_error("a >=4", 2, "needs a field name");
}

#[test]
fn wildcards_in_words_with_major_breakers() {
    assert_error("user=ali*", 8, "'*' only works in words without '='");
}

#[test]
fn pipe_errors() {
    assert_error("a |", 3, "expected a command after '|'");
    assert_error("a | sort x", 4, "unknown pipe command 'sort'");
    assert_error("| stats", 7, "expected count()");
    assert_error("| stats sum(x)", 8, "expected count()");
    assert_error("| stats count(x)", 14, "takes no arguments");
    assert_error("| stats count() by", 18, "expected a field name after by");
    assert_error(
        "| stats count() by a,",
        21,
        "expected a field name after ','",
    );
    assert_error("| stats count() by a b", 21, "unexpected 'b'");
    assert_error("| stats count() by 9x", 19, "'9x' is not a field name");
    assert_error("| stats count() | stats count()", 16, "only one pipe");
    assert_error("| timechart count()", 2, "needs a span");
    assert_error("| timechart 5x count()", 12, "bad span '5x'");
    assert_error("| timechart span=soon count()", 17, "bad span 'soon'");
    assert_error("| timechart 0s count()", 12, "greater than zero");
    assert_error("| timechart 1h", 14, "expected count()");
    assert_error("| timechart 1h 2h count()", 15, "span is already given");
    assert_error("| timechart 1h count() by a, b", 23, "one field only");
}

#[test]
fn nesting_is_capped() {
    let deep = "(".repeat(65) + "a" + &")".repeat(65);
    assert_error(&deep, 64, "nested too deeply");
    let fine = "(".repeat(64) + "a" + &")".repeat(64);
    assert!(parse(&fine).is_ok());
}

#[test]
fn errors_render_with_their_position() {
    let e = parse("(a").expect_err("unbalanced");
    assert_eq!(
        e.to_string(),
        "query error at position 0: unbalanced '(': missing the ')' that closes it"
    );
}
