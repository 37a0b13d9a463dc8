//! Sigma string values: wildcards (`*`, `?`), their escaping, and the compiled matchers.
//!
//! A backslash escapes the next character when it is `*`, `?` or `\`; before any other
//! character it is an ordinary backslash (so `C:\Windows\` needs no doubling). Matching is
//! case-insensitive by default, with Unicode lower-casing on both sides; `cased` turns it off.

use regex::Regex;

/// One piece of a Sigma string after escapes and wildcards are read.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, including none.
    AnyRun,
    /// One character out of a set (what `windash` puts in place of a dash).
    OneOf(Vec<char>),
}

/// A Sigma string as a sequence of pieces.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SigmaString {
    /// The pieces in order; adjacent text is always merged.
    pub pieces: Vec<Piece>,
}

impl SigmaString {
    /// Reads a rule value, interpreting wildcards and escapes.
    pub fn parse(raw: &str) -> Self {
        let mut out = SigmaString::default();
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => out.push(Piece::AnyRun),
                '?' => out.push(Piece::AnyChar),
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push_char(next);
                    }
                    _ => out.push_char('\\'),
                },
                other => out.push_char(other),
            }
        }
        out
    }

    /// A string that is only literal text (no wildcard interpretation).
    pub fn literal(text: &str) -> Self {
        let mut out = SigmaString::default();
        if !text.is_empty() {
            out.pieces.push(Piece::Text(text.to_owned()));
        }
        out
    }

    /// Appends a piece, merging text and collapsing repeated `*`.
    pub fn push(&mut self, piece: Piece) {
        match (self.pieces.last_mut(), piece) {
            (Some(Piece::Text(prev)), Piece::Text(next)) => prev.push_str(&next),
            (Some(Piece::AnyRun), Piece::AnyRun) => {}
            (_, Piece::Text(t)) if t.is_empty() => {}
            (_, piece) => self.pieces.push(piece),
        }
    }

    fn push_char(&mut self, c: char) {
        match self.pieces.last_mut() {
            Some(Piece::Text(prev)) => prev.push(c),
            _ => self.pieces.push(Piece::Text(c.to_string())),
        }
    }

    /// `*` + self + `*`, `self` + `*` or `*` + self (the `contains`, `startswith` and
    /// `endswith` modifiers).
    pub fn wrap(mut self, before: bool, after: bool) -> Self {
        if before {
            let mut wrapped = SigmaString {
                pieces: vec![Piece::AnyRun],
            };
            for p in self.pieces {
                wrapped.push(p);
            }
            self = wrapped;
        }
        if after {
            self.push(Piece::AnyRun);
        }
        self
    }

    /// True when the string has a wildcard or a character set in it.
    pub fn has_wildcards(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Text(_)))
    }

    /// The text, when the string is only text.
    pub fn as_plain_text(&self) -> Option<String> {
        match self.pieces.as_slice() {
            [] => Some(String::new()),
            [Piece::Text(t)] => Some(t.clone()),
            _ => None,
        }
    }

    /// The `windash` variant: a `-` or `/` that starts a word may also be written with `/`,
    /// `-`, an en dash, an em dash or a horizontal bar.
    pub fn windash(self) -> Self {
        const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
        let mut out = SigmaString::default();
        let mut prev_is_word = false;
        for piece in self.pieces {
            let Piece::Text(text) = piece else {
                prev_is_word = false;
                out.push(piece);
                continue;
            };
            let chars: Vec<char> = text.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                let next_is_word = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if (c == '-' || c == '/') && !prev_is_word && next_is_word {
                    out.push(Piece::OneOf(DASHES.to_vec()));
                } else {
                    out.push_char(c);
                }
                prev_is_word = c.is_alphanumeric() || c == '_';
            }
        }
        out
    }

    /// The longest literal run, lower-cased when matching ignores case. Used by the prefilter.
    pub fn longest_literal(&self, cased: bool) -> Option<String> {
        let longest = self
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Text(t) => Some(t),
                _ => None,
            })
            .max_by_key(|t| t.len())?;
        if cased {
            longest.is_ascii().then(|| longest.to_ascii_lowercase())
        } else {
            Some(longest.to_lowercase())
        }
    }
}

/// How a compiled string test compares.
#[derive(Debug, Clone)]
enum Shape {
    /// Matches every value (`*`).
    Anything,
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Pattern(Regex),
}

/// A compiled Sigma string test.
#[derive(Debug, Clone)]
pub struct StringMatcher {
    shape: Shape,
    cased: bool,
    literal: Option<String>,
}

impl StringMatcher {
    /// Compiles a Sigma string; `cased` selects case-sensitive matching.
    pub fn new(string: &SigmaString, cased: bool) -> Result<Self, String> {
        let fold = |t: &str| {
            if cased {
                t.to_owned()
            } else {
                t.to_lowercase()
            }
        };
        let shape = match string.pieces.as_slice() {
            [] => Shape::Exact(String::new()),
            [Piece::AnyRun] => Shape::Anything,
            [Piece::Text(t)] => Shape::Exact(fold(t)),
            [Piece::Text(t), Piece::AnyRun] => Shape::Prefix(fold(t)),
            [Piece::AnyRun, Piece::Text(t)] => Shape::Suffix(fold(t)),
            [Piece::AnyRun, Piece::Text(t), Piece::AnyRun] => Shape::Contains(fold(t)),
            pieces => Shape::Pattern(pattern_regex(pieces, cased)?),
        };
        Ok(StringMatcher {
            shape,
            cased,
            literal: string.longest_literal(cased),
        })
    }

    /// The longest literal every match contains, lower-cased (for the prefilter).
    pub fn longest_literal(&self) -> Option<String> {
        self.literal.clone()
    }

    /// True when matching ignores case (the value must then be given lower-cased).
    pub fn folds_case(&self) -> bool {
        !self.cased
    }

    /// Tests a value: `original` as stored, `lower` its Unicode lower-case form.
    pub fn is_match(&self, original: &str, lower: &str) -> bool {
        let text = if self.cased { original } else { lower };
        match &self.shape {
            Shape::Anything => true,
            Shape::Exact(t) => text == t,
            Shape::Prefix(t) => text.starts_with(t.as_str()),
            Shape::Suffix(t) => text.ends_with(t.as_str()),
            Shape::Contains(t) => text.contains(t.as_str()),
            Shape::Pattern(re) => re.is_match(text),
        }
    }
}

/// An anchored regular expression for a string with inner wildcards or character sets.
fn pattern_regex(pieces: &[Piece], cased: bool) -> Result<Regex, String> {
    let mut source = String::from("(?s)^");
    for piece in pieces {
        match piece {
            Piece::Text(t) => {
                let t = if cased { t.clone() } else { t.to_lowercase() };
                source.push_str(&regex::escape(&t));
            }
            Piece::AnyChar => source.push('.'),
            Piece::AnyRun => source.push_str(".*"),
            Piece::OneOf(set) => {
                source.push('[');
                for c in set {
                    source.push_str(&regex::escape(&c.to_string()));
                }
                source.push(']');
            }
        }
    }
    source.push('$');
    Regex::new(&source).map_err(|e| format!("cannot compile wildcard pattern: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(rule: &str, value: &str) -> bool {
        let m = StringMatcher::new(&SigmaString::parse(rule), false).expect("compiles");
        m.is_match(value, &value.to_lowercase())
    }

    #[test]
    fn escapes_follow_the_spec() {
        assert!(matches(r"a\*b", "a*b"));
        assert!(!matches(r"a\*b", "axxb"));
        assert!(matches(r"a\?b", "a?b"));
        assert!(!matches(r"a\?b", "axb"));
        assert!(matches(r"C:\Windows\", r"c:\windows\"));
        assert!(matches(r"a\\*", r"a\anything"));
        assert!(matches(r"\\\\host", r"\\host"));
    }

    #[test]
    fn wildcards_anywhere() {
        assert!(matches("a*c", "abbbc"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "abbc"));
        assert!(matches("*", ""));
        assert!(matches("*mid*le*", "xxmidyyle"));
        assert!(matches("line1*line2", "line1\nline2"));
    }

    #[test]
    fn unicode_case_folding_by_default_and_cased_on_request() {
        assert!(matches("ÄRGER", "ärger"));
        assert!(matches("ΣΊΣΥΦΟΣ", "σίσυφος".to_uppercase().as_str()));
        let cased = StringMatcher::new(&SigmaString::parse("Admin"), true).expect("compiles");
        assert!(cased.is_match("Admin", "admin"));
        assert!(!cased.is_match("admin", "admin"));
    }

    #[test]
    fn windash_accepts_every_dash_form() {
        let s = SigmaString::parse(" -enc ").wrap(true, true).windash();
        let m = StringMatcher::new(&s, false).expect("compiles");
        for v in [
            "x -enc y",
            "x /enc y",
            "x \u{2013}enc y",
            "x \u{2014}enc y",
            "x \u{2015}enc y",
        ] {
            assert!(m.is_match(v, &v.to_lowercase()), "{v}");
        }
        assert!(!m.is_match("x +enc y", "x +enc y"));
    }
}
