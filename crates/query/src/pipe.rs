//! Parser for the pipe after the filter: `| stats count() by F1, F2` and
//! `| timechart 1h count() by F` (also `span=1h`).

use crate::lexer::{error, field_name_len};
use crate::{Pipe, QueryError};
use palisade_core::{fields, time};

/// One piece of pipe text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece<'a> {
    Word(&'a str),
    Comma,
    Open,
    Close,
    Bar,
}

/// Parses the pipe whose `|` is at `bar_at` in `text`.
pub(crate) fn parse_pipe(text: &str, bar_at: usize) -> Result<Pipe, QueryError> {
    let mut cursor = Cursor {
        pieces: split(text, bar_at + 1),
        next: 0,
        end: text.len(),
    };
    let (command, at) = match cursor.take() {
        Some((Piece::Word(word), at)) => (word, at),
        _ => {
            return Err(error(
                cursor.here(),
                "expected a command after '|': stats or timechart",
            ))
        }
    };
    let pipe = if command.eq_ignore_ascii_case("stats") {
        cursor.count()?;
        Pipe::Stats { by: cursor.by()? }
    } else if command.eq_ignore_ascii_case("timechart") {
        timechart(&mut cursor, at)?
    } else {
        return Err(error(
            at,
            format!("unknown pipe command '{command}': use stats or timechart"),
        ));
    };
    cursor.finish()?;
    Ok(pipe)
}

/// `timechart` arguments: a span (`1h` or `span=1h`) and `count()` in either order, then an
/// optional `by FIELD`.
fn timechart(cursor: &mut Cursor<'_>, command_at: usize) -> Result<Pipe, QueryError> {
    let mut span_ms = None;
    let mut counted = false;
    while let Some((Piece::Word(word), at)) = cursor.peek() {
        if word.eq_ignore_ascii_case("by") {
            break;
        } else if word.eq_ignore_ascii_case("count") {
            cursor.count()?;
            counted = true;
        } else if span_ms.is_some() {
            return Err(error(
                at,
                format!("unexpected '{word}': the span is already given"),
            ));
        } else {
            let span_text = word.strip_prefix("span=").unwrap_or(word);
            let span_at = at + (word.len() - span_text.len());
            span_ms = Some(span(span_text, span_at)?);
            cursor.next += 1;
        }
    }
    let Some(span_ms) = span_ms else {
        return Err(error(
            command_at,
            "timechart needs a span, as in '| timechart 1h count()'",
        ));
    };
    if !counted {
        return Err(error(
            cursor.here(),
            "expected count() (as in '| timechart 1h count()')",
        ));
    }
    let by_at = cursor.here();
    let mut by = cursor.by()?;
    if by.len() > 1 {
        return Err(error(by_at, "timechart splits by one field only"));
    }
    Ok(Pipe::Timechart {
        span_ms,
        by: by.pop(),
    })
}

/// A bucket width such as `30s`, `5m`, `1h`, `1d`.
fn span(text: &str, at: usize) -> Result<i64, QueryError> {
    match time::parse_duration_ms(text) {
        Some(ms) if ms > 0 => Ok(ms),
        Some(_) => Err(error(at, "span must be greater than zero")),
        None => Err(error(
            at,
            format!("bad span '{text}': use a number and a unit (ms, s, m, h, d, w), such as 5m"),
        )),
    }
}

/// Splits pipe text (from `start`) into pieces with their offsets.
fn split(text: &str, start: usize) -> Vec<(Piece<'_>, usize)> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut i = start;
    while i < bytes.len() {
        let single = match bytes[i] {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b',' => Some(Piece::Comma),
            b'(' => Some(Piece::Open),
            b')' => Some(Piece::Close),
            b'|' => Some(Piece::Bar),
            _ => None,
        };
        if let Some(piece) = single {
            pieces.push((piece, i));
            i += 1;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b',' | b'(' | b')' | b'|'))
            .map_or(bytes.len(), |n| i + n);
        pieces.push((Piece::Word(&text[i..end]), i));
        i = end;
    }
    pieces
}

struct Cursor<'a> {
    pieces: Vec<(Piece<'a>, usize)>,
    next: usize,
    /// Offset of the end of the query.
    end: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<(Piece<'a>, usize)> {
        self.pieces.get(self.next).copied()
    }

    fn take(&mut self) -> Option<(Piece<'a>, usize)> {
        let piece = self.peek();
        self.next += usize::from(piece.is_some());
        piece
    }

    /// Offset of the next piece, or the end of the query.
    fn here(&self) -> usize {
        self.peek().map_or(self.end, |(_, at)| at)
    }

    /// `count` or `count()`.
    fn count(&mut self) -> Result<(), QueryError> {
        match self.take() {
            Some((Piece::Word(word), _)) if word.eq_ignore_ascii_case("count") => {}
            other => {
                let at = other.map_or(self.end, |(_, at)| at);
                return Err(error(at, "expected count()"));
            }
        }
        if let Some((Piece::Open, _)) = self.peek() {
            self.next += 1;
            match self.take() {
                Some((Piece::Close, _)) => {}
                other => {
                    let at = other.map_or(self.end, |(_, at)| at);
                    return Err(error(at, "expected ')': count() takes no arguments"));
                }
            }
        }
        Ok(())
    }

    /// An optional `by F1, F2, ...`, each field canonicalised.
    fn by(&mut self) -> Result<Vec<String>, QueryError> {
        match self.peek() {
            Some((Piece::Word(word), _)) if word.eq_ignore_ascii_case("by") => self.next += 1,
            _ => return Ok(Vec::new()),
        }
        let mut by = vec![self.field("by")?];
        while let Some((Piece::Comma, _)) = self.peek() {
            self.next += 1;
            by.push(self.field("','")?);
        }
        Ok(by)
    }

    /// A field name (after `after`, for the error message).
    fn field(&mut self, after: &str) -> Result<String, QueryError> {
        match self.take() {
            Some((Piece::Word(word), at)) => {
                if field_name_len(word) == word.len() {
                    Ok(fields::canonical(word).to_owned())
                } else {
                    Err(error(at, format!("'{word}' is not a field name")))
                }
            }
            other => {
                let at = other.map_or(self.end, |(_, at)| at);
                Err(error(at, format!("expected a field name after {after}")))
            }
        }
    }

    /// Fails if anything is left.
    fn finish(&self) -> Result<(), QueryError> {
        match self.peek() {
            None => Ok(()),
            Some((Piece::Bar, at)) => Err(error(at, "only one pipe command is supported")),
            Some((Piece::Word(word), at)) => Err(error(
                at,
                format!("unexpected '{word}' at the end of the pipe"),
            )),
            Some((_, at)) => Err(error(at, "unexpected punctuation at the end of the pipe")),
        }
    }
}
