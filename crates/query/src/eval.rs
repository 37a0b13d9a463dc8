//! Evaluation of a filter [`Expr`] against one [`Row`].

use crate::text::{
    any_token_matches_glob, contains_ignore_case, contains_whole_word, glob_matches,
};
use crate::{CompareOp, Expr, Pattern, Row, TextMatch};
use palisade_core::{fields, ValueRef};
use std::fmt::Write;

/// True if `row` matches `expr`.
pub(crate) fn matches(expr: &Expr, row: &dyn Row) -> bool {
    match expr {
        Expr::All => true,
        Expr::And(left, right) => matches(left, row) && matches(right, row),
        Expr::Or(left, right) => matches(left, row) || matches(right, row),
        Expr::Not(inner) => !matches(inner, row),
        Expr::Text(text) => [fields::MESSAGE, fields::RAW_DATA].iter().any(|path| {
            row.get(path)
                .is_some_and(|value| with_text(value, |bytes| text_matches(text, bytes)))
        }),
        Expr::Field { field, pattern } => row
            .get(field)
            .is_some_and(|value| pattern_matches(pattern, value)),
        Expr::Compare { field, op, number } => row
            .get(field)
            .and_then(numeric_value)
            .is_some_and(|value| compare(value, *op, *number)),
    }
}

/// True if `bytes` (a message or raw line) satisfies the word or phrase.
fn text_matches(text: &TextMatch, bytes: &[u8]) -> bool {
    match text {
        TextMatch::Word(word) if word.contains('*') => {
            any_token_matches_glob(bytes, word.as_bytes())
        }
        TextMatch::Word(word) => contains_whole_word(bytes, word.as_bytes()),
        TextMatch::Phrase(phrase) => contains_ignore_case(bytes, phrase.as_bytes()),
    }
}

/// True if a field's whole value satisfies `pattern`.
fn pattern_matches(pattern: &Pattern, value: ValueRef<'_>) -> bool {
    match pattern {
        Pattern::Exists => true,
        Pattern::Exact(expected) => with_text(value, |bytes| {
            bytes.eq_ignore_ascii_case(expected.as_bytes())
        }),
        Pattern::Wildcard(glob) => with_text(value, |bytes| glob_matches(glob.as_bytes(), bytes)),
    }
}

/// The number a value stands for: integers, floats and finite numeric text.
pub(crate) fn numeric_value(value: ValueRef<'_>) -> Option<f64> {
    let number = match value {
        ValueRef::Int(i) => i as f64,
        ValueRef::Float(f) => f,
        ValueRef::Str(s) => s.trim().parse().ok()?,
        ValueRef::Bool(_) => return None,
    };
    number.is_finite().then_some(number)
}

/// Applies a comparison operator.
fn compare(value: f64, op: CompareOp, number: f64) -> bool {
    match op {
        CompareOp::Lt => value < number,
        CompareOp::Le => value <= number,
        CompareOp::Gt => value > number,
        CompareOp::Ge => value >= number,
    }
}

/// Calls `f` with the text form of `value` (numbers as they print, booleans as
/// `true`/`false`), without allocating for text, booleans, integers and short floats.
pub(crate) fn with_text<R>(value: ValueRef<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    match value {
        ValueRef::Str(s) => f(s.as_bytes()),
        ValueRef::Bool(true) => f(b"true"),
        ValueRef::Bool(false) => f(b"false"),
        ValueRef::Int(i) => with_formatted(format_args!("{i}"), f),
        ValueRef::Float(x) => with_formatted(format_args!("{x}"), f),
    }
}

/// Formats into a stack buffer, falling back to the heap for very long output.
fn with_formatted<R>(args: std::fmt::Arguments<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buffer = StackText::default();
    if buffer.write_fmt(args).is_ok() {
        f(buffer.as_bytes())
    } else {
        f(args.to_string().as_bytes())
    }
}

/// A small fixed-capacity text buffer; writing past its end fails.
struct StackText {
    bytes: [u8; 48],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl StackText {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(value: ValueRef<'_>) -> String {
        with_text(value, |b| String::from_utf8_lossy(b).into_owned())
    }

    #[test]
    fn text_forms_of_scalars() {
        assert_eq!(text_of(ValueRef::Int(-42)), "-42");
        assert_eq!(text_of(ValueRef::Float(4.0)), "4");
        assert_eq!(text_of(ValueRef::Float(0.25)), "0.25");
        assert_eq!(text_of(ValueRef::Float(1e300)).len(), 301);
        assert_eq!(text_of(ValueRef::Bool(true)), "true");
        assert_eq!(text_of(ValueRef::Str("x y")), "x y");
    }

    #[test]
    fn numeric_values() {
        assert_eq!(numeric_value(ValueRef::Str(" 4.5 ")), Some(4.5));
        assert_eq!(numeric_value(ValueRef::Str("NaN")), None);
        assert_eq!(numeric_value(ValueRef::Str("high")), None);
        assert_eq!(numeric_value(ValueRef::Bool(true)), None);
        assert_eq!(numeric_value(ValueRef::Int(3)), Some(3.0));
    }
}
