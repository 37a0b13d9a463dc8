//! A regex-free matcher for the common header formats: fields separated by runs of spaces and
//! literal characters, `<Content>` last (`<Date> <Time> <Level> <Component>: <Content>`).
//!
//! It follows the first path the regular expression would try (each field as short as
//! possible, each run of white space as long as possible), so when it succeeds it finds the
//! same `<Content>`; when that path fails, the caller asks the regular expression, which also
//! tries the longer alternatives. It only handles ASCII lines (the pattern's `\s` is Unicode).

/// One piece of a simple format.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// A field that is not `<Content>`: as short as possible.
    Field,
    /// A run of spaces in the format: one or more white-space characters.
    Spaces,
    /// Literal text.
    Literal(String),
}

/// A compiled simple format.
#[derive(Debug, Clone)]
pub(super) struct SimpleFormat {
    /// Everything before `<Content>`.
    pieces: Vec<Piece>,
}

impl SimpleFormat {
    /// The simple form of a format, if it has one: `<Content>` last, and between fields only
    /// spaces, characters that are not regex syntax, and `\` before punctuation.
    pub(super) fn new(format: &str) -> Option<Self> {
        let mut pieces = Vec::new();
        let mut rest = format;
        loop {
            let open = rest.find('<').unwrap_or(rest.len());
            push_literal(&mut pieces, &rest[..open])?;
            if open == rest.len() {
                return None; // no <Content> last
            }
            let close = rest[open..].find('>')? + open;
            let name = &rest[open + 1..close];
            rest = &rest[close + 1..];
            if name == "Content" {
                return rest.is_empty().then_some(SimpleFormat { pieces });
            }
            if matches!(pieces.last(), Some(Piece::Field)) {
                return None; // two fields back to back: ambiguous split
            }
            pieces.push(Piece::Field);
        }
    }

    /// Where `<Content>` starts in a line without a newline, if the first path matches and
    /// the header it crossed (and the byte after it) is ASCII.
    pub(super) fn content_start(&self, line: &str) -> Option<usize> {
        let bytes = line.as_bytes();
        let mut at = 0;
        for (i, piece) in self.pieces.iter().enumerate() {
            match piece {
                Piece::Field => {
                    at = match self.pieces.get(i + 1) {
                        Some(Piece::Spaces) => super::word_run::next_space(bytes, at),
                        Some(Piece::Literal(text)) => at + find(&bytes[at..], text.as_bytes())?,
                        // A field just before <Content> takes nothing (it is as short as it can be).
                        _ => at,
                    };
                }
                Piece::Spaces => {
                    let run = bytes[at..].iter().take_while(|&&b| is_space(b)).count();
                    if run == 0 {
                        return None;
                    }
                    at += run;
                }
                Piece::Literal(text) => {
                    if !bytes[at..].starts_with(text.as_bytes()) {
                        return None;
                    }
                    at += text.len();
                }
            }
        }
        // A non-ASCII character in the header could be a Unicode space the pattern's `\s`
        // would take; the byte after it could extend the last run of spaces.
        is_ascii(&bytes[..(at + 1).min(bytes.len())]).then_some(at)
    }
}

/// Appends the pieces of literal format text; `None` when it holds regex syntax.
fn push_literal(pieces: &mut Vec<Piece>, literal: &str) -> Option<()> {
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        let c = match c {
            ' ' => {
                if pieces.last() != Some(&Piece::Spaces) {
                    pieces.push(Piece::Spaces);
                }
                continue;
            }
            '\\' => chars.next().filter(char::is_ascii_punctuation)?,
            '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                return None
            }
            c if c.is_ascii() && !c.is_ascii_whitespace() => c,
            _ => return None,
        };
        match pieces.last_mut() {
            Some(Piece::Literal(text)) => text.push(c),
            _ => pieces.push(Piece::Literal(c.to_string())),
        }
    }
    Some(())
}

/// Whether every byte is ASCII: one OR over all of them, which the compiler vectorises
/// (`str::is_ascii` checks the last bytes of a line one at a time).
fn is_ascii(bytes: &[u8]) -> bool {
    bytes.iter().fold(0, |seen, &b| seen | b) < 0x80
}

/// Where `needle` first occurs in `haystack`: a search for its first byte, then a comparison
/// (header literals are short and near, so this beats building a substring searcher per line).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(found) = memchr::memchr(first, &haystack[from..]) {
        let at = from + found;
        if haystack[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The regular expression's `\s` on ASCII: space, `\t`, `\n`, vertical tab, form feed, `\r`.
fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}
