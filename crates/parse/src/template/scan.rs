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
    /// An optional group, `(…)?`: literal text first and last, followed by literal text whose
    /// first byte differs from the group's (`(\[<PID>\])?:`).
    Optional(Vec<Piece>),
}

/// A compiled simple format.
#[derive(Debug, Clone)]
pub(super) struct SimpleFormat {
    /// Everything before `<Content>`.
    pieces: Vec<Piece>,
}

impl SimpleFormat {
    /// The simple form of a format, if it has one: `<Content>` last, and between fields only
    /// spaces, characters that are not regex syntax, `\` before punctuation, and optional
    /// groups as [`Piece::Optional`] describes (not nested).
    pub(super) fn new(format: &str) -> Option<Self> {
        let mut pieces = Vec::new();
        let mut group: Option<Vec<Piece>> = None;
        let mut rest = format;
        loop {
            let open = syntax_at(rest);
            let target = group.as_mut().unwrap_or(&mut pieces);
            push_literal(target, &rest[..open])?;
            let after = rest.get(open + 1..)?;
            match rest.as_bytes()[open] {
                b'(' => {
                    if group.replace(Vec::new()).is_some() {
                        return None; // nested groups
                    }
                    rest = after;
                }
                b')' => {
                    pieces.push(Piece::Optional(group.take()?));
                    rest = after.strip_prefix('?')?;
                }
                _ => {
                    let close = after.find('>')?;
                    let name = &after[..close];
                    rest = &after[close + 1..];
                    if name == "Content" {
                        let simple = SimpleFormat { pieces };
                        return (group.is_none() && rest.is_empty() && simple.groups_are_simple())
                            .then_some(simple);
                    }
                    if matches!(target.last(), Some(Piece::Field)) {
                        return None; // two fields back to back: ambiguous split
                    }
                    target.push(Piece::Field);
                }
            }
        }
    }

    /// Whether every optional group starts and ends with literal text and is followed by
    /// literal text that starts with another byte than the group.
    fn groups_are_simple(&self) -> bool {
        self.pieces.iter().enumerate().all(|(i, piece)| {
            let Piece::Optional(inner) = piece else {
                return true;
            };
            let (Some(Piece::Literal(first)), Some(Piece::Literal(_))) =
                (inner.first(), inner.last())
            else {
                return false;
            };
            let inner_plain = inner.iter().all(|p| !matches!(p, Piece::Optional(_)));
            matches!(self.pieces.get(i + 1), Some(Piece::Literal(next))
                if inner_plain && next.as_bytes()[0] != first.as_bytes()[0])
        })
    }

    /// Where `<Content>` starts in a line without a newline, if the first path matches and
    /// the header it crossed (and the byte after it) is ASCII.
    pub(super) fn content_start(&self, line: &str) -> Option<usize> {
        let bytes = line.as_bytes();
        let at = match_pieces(&self.pieces, bytes, 0)?;
        // A non-ASCII character in the header could be a Unicode space the pattern's `\s`
        // would take; the byte after it could extend the last run of spaces.
        is_ascii(&bytes[..(at + 1).min(bytes.len())]).then_some(at)
    }
}

/// Follows the first path of `pieces` from `at`; where it ends, or `None` when that path
/// fails (the regular expression may still match on another).
fn match_pieces(pieces: &[Piece], bytes: &[u8], mut at: usize) -> Option<usize> {
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Field => {
                at = match pieces.get(i + 1) {
                    Some(Piece::Spaces) => super::word_run::next_space(bytes, at),
                    Some(Piece::Literal(text)) => at + find(&bytes[at..], text.as_bytes())?,
                    // The field ends where the group or the text after it first starts (they
                    // start with different bytes); the group, when there, is tried first.
                    Some(Piece::Optional(inner)) => {
                        let starts = |piece: Option<&Piece>| match piece {
                            Some(Piece::Literal(text)) => find(&bytes[at..], text.as_bytes()),
                            _ => None,
                        };
                        let group = starts(inner.first());
                        let next = starts(pieces.get(i + 2));
                        at + group.into_iter().chain(next).min()?
                    }
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
            Piece::Optional(inner) => {
                if let Some(Piece::Literal(first)) = inner.first() {
                    if bytes[at..].starts_with(first.as_bytes()) {
                        at = match_pieces(inner, bytes, at)?;
                    }
                }
            }
        }
    }
    Some(at)
}

/// Where the first `<`, or unescaped `(` or `)`, is in format text (its length when none).
fn syntax_at(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'<' | b'(' | b')' => return i,
            _ => i += 1,
        }
    }
    text.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_groups_have_a_simple_form_only_when_their_ends_are_plain() {
        let simple = |format: &str| SimpleFormat::new(format).is_some();
        assert!(simple(
            r"<Month> <Date> <Level> <Component>(\[<PID>\])?: <Content>"
        ));
        assert!(simple(r"<A> \(x\) <Content>"));
        assert!(
            !simple(r"<A>(\[<B>\])? <Content>"),
            "a group followed by spaces"
        );
        assert!(
            !simple(r"<A>(<B>\])?: <Content>"),
            "a group starting with a field"
        );
        assert!(
            !simple(r"<A>(:<B>\])?: <Content>"),
            "a group starting like the text after it"
        );
        assert!(!simple(r"<A>((\[<B>\])?)?: <Content>"), "nested groups");
        assert!(!simple(r"<A>(\[<B>\]: <Content>"), "an unclosed group");
        assert!(!simple(r"<A>(\[<B>\])*: <Content>"), "a repeated group");
    }

    #[test]
    fn the_first_path_takes_the_group_when_it_is_there() {
        let format = SimpleFormat::new(r"<L> <C>(\[<P>\])?: <Content>").unwrap();
        fn start<'l>(format: &SimpleFormat, line: &'l str) -> Option<&'l str> {
            format.content_start(line).map(|at| &line[at..])
        }
        let start = |line| start(&format, line);
        assert_eq!(
            start("INFO sshd(pam)[42]: failed for root"),
            Some("failed for root")
        );
        assert_eq!(start("INFO su: session opened"), Some("session opened"));
        assert_eq!(start("INFO su: x [1]: y"), Some("x [1]: y"));
        assert_eq!(
            start("INFO a[1] b: c"),
            None,
            "the group's path fails: left to the regex"
        );
        assert_eq!(start("INFO nothing"), None);
    }
}
