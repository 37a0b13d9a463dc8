//! Splits the filter part of a query into tokens: parentheses, operators and whole terms
//! (`field:value`, comparisons, words and phrases are lexed as one [`Expr`] leaf each).

use crate::{CompareOp, Expr, Pattern, QueryError, TextMatch};
use palisade_core::fields;
use palisade_core::tokenize::is_major_breaker;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// `(`
    Open,
    /// `)`
    Close,
    /// `AND` / `and`
    And,
    /// `OR` / `or`
    Or,
    /// `NOT` / `not` / a leading `-` or `!`
    Not,
    /// A leaf of the filter.
    Term(Expr),
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub position: usize,
}

/// The filter's tokens, and the offset of the `|` that starts the pipe, if any.
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub pipe_at: Option<usize>,
}

/// Builds a [`QueryError`].
pub(crate) fn error(position: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        position,
        message: message.into(),
    }
}

/// True for the bytes that end a bare word in the query language.
fn ends_word(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'"' | b'|')
}

/// Length of the field-name prefix of `word`: a letter or `_`, then letters, digits, `_`,
/// `.` or `-`. Zero if `word` does not start like a field name.
pub(crate) fn field_name_len(word: &str) -> usize {
    let bytes = word.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {}
        _ => return 0,
    }
    bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
        .unwrap_or(bytes.len())
}

/// Splits the filter part of `text` into tokens, stopping at the first unquoted `|`.
pub(crate) fn lex(text: &str) -> Result<Lexed, QueryError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            _ if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'|' => {
                return Ok(Lexed {
                    tokens,
                    pipe_at: Some(i),
                })
            }
            b'(' => {
                i += 1;
                TokenKind::Open
            }
            b')' => {
                i += 1;
                TokenKind::Close
            }
            b'-' | b'!' => {
                i += 1;
                TokenKind::Not
            }
            b'"' => {
                let (phrase, next) = read_quoted(text, i)?;
                if phrase.is_empty() {
                    return Err(error(
                        i,
                        "empty phrase \"\": put some text between the quotes",
                    ));
                }
                i = next;
                TokenKind::Term(Expr::Text(TextMatch::Phrase(phrase)))
            }
            _ => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| ends_word(b))
                    .map_or(bytes.len(), |n| i + n);
                let (kind, next) = word_token(text, i, end)?;
                i = next;
                kind
            }
        };
        tokens.push(Token {
            kind,
            position: start,
        });
    }
    Ok(Lexed {
        tokens,
        pipe_at: None,
    })
}

/// Reads a quoted string starting at the `"` at `start`; returns its text (escapes `\"` and
/// `\\` resolved, other backslashes kept) and the offset after the closing quote.
pub(crate) fn read_quoted(text: &str, start: usize) -> Result<(String, usize), QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok((String::from_utf8_lossy(&out).into_owned(), i + 1)),
            b'\\' if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Err(error(
        start,
        "unterminated phrase: missing the closing '\"'",
    ))
}

/// Classifies the bare word `text[start..end]`: an operator keyword, a field term, a
/// comparison, or a text search. Returns the token and where lexing continues.
fn word_token(text: &str, start: usize, end: usize) -> Result<(TokenKind, usize), QueryError> {
    let word = &text[start..end];
    match word {
        "AND" | "and" => return Ok((TokenKind::And, end)),
        "OR" | "or" => return Ok((TokenKind::Or, end)),
        "NOT" | "not" => return Ok((TokenKind::Not, end)),
        _ => {}
    }
    let name_len = field_name_len(word);
    let after_name = &word[name_len..];
    if name_len > 0 && after_name.starts_with(':') && !after_name.starts_with("::") {
        let field = fields::canonical(&word[..name_len]).to_owned();
        return field_value(text, field, start + name_len + 1, end);
    }
    if name_len > 0 && (after_name.starts_with('<') || after_name.starts_with('>')) {
        let field = fields::canonical(&word[..name_len]).to_owned();
        let term = comparison(text, field, start + name_len, end)?;
        return Ok((TokenKind::Term(term), end));
    }
    Ok((TokenKind::Term(bare_word(word, start)?), end))
}

/// The value after `field:`, starting at `value_start` (the word ends at `end`).
fn field_value(
    text: &str,
    field: String,
    value_start: usize,
    end: usize,
) -> Result<(TokenKind, usize), QueryError> {
    let value = &text[value_start..end];
    if value.is_empty() {
        if text.as_bytes().get(end) == Some(&b'"') {
            let (quoted, next) = read_quoted(text, end)?;
            let pattern = Pattern::Exact(quoted);
            return Ok((TokenKind::Term(Expr::Field { field, pattern }), next));
        }
        return Err(error(
            value_start,
            "missing value after ':' (write field:value, or quote text that contains ':')",
        ));
    }
    if value.starts_with('<') || value.starts_with('>') {
        let term = comparison(text, field, value_start, end)?;
        return Ok((TokenKind::Term(term), end));
    }
    let pattern = if value.bytes().all(|b| b == b'*') {
        Pattern::Exists
    } else if value.contains('*') {
        Pattern::Wildcard(value.to_owned())
    } else {
        Pattern::Exact(value.to_owned())
    };
    Ok((TokenKind::Term(Expr::Field { field, pattern }), end))
}

/// A comparison whose operator starts at `op_start` (the word ends at `end`).
fn comparison(text: &str, field: String, op_start: usize, end: usize) -> Result<Expr, QueryError> {
    let rest = &text[op_start..end];
    let (op, symbol) = if rest.starts_with("<=") {
        (CompareOp::Le, "<=")
    } else if rest.starts_with(">=") {
        (CompareOp::Ge, ">=")
    } else if rest.starts_with('<') {
        (CompareOp::Lt, "<")
    } else {
        (CompareOp::Gt, ">")
    };
    let number_start = op_start + symbol.len();
    let number_text = &text[number_start..end];
    if number_text.is_empty() {
        return Err(error(
            number_start,
            format!("missing number after '{symbol}' (write {field}{symbol}4)"),
        ));
    }
    match number_text.parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(Expr::Compare { field, op, number }),
        _ => Err(error(
            number_start,
            format!("expected a number after '{symbol}', found '{number_text}'"),
        )),
    }
}

/// A word searched in `message` and `raw_data`.
fn bare_word(word: &str, start: usize) -> Result<Expr, QueryError> {
    if word.starts_with('<') || word.starts_with('>') {
        return Err(error(
            start,
            "a comparison needs a field name right before it (as in severity_id>=4); \
             to search for the text, put it in quotes",
        ));
    }
    if word.bytes().all(|b| b == b'*') {
        return Ok(Expr::All);
    }
    let major_breaker = word.bytes().find(|&b| b != b'*' && is_major_breaker(b));
    match (major_breaker, word.find('*')) {
        (None, _) => Ok(Expr::Text(TextMatch::Word(word.to_owned()))),
        (Some(_), None) => Ok(Expr::Text(TextMatch::Phrase(word.to_owned()))),
        (Some(breaker), Some(star)) => Err(error(
            start + star,
            format!(
                "'*' only works in words without '{}'; quote the text to search for it literally",
                char::from(breaker)
            ),
        )),
    }
}
