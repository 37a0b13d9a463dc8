//! `key=value` pairs as Linux audit records, netfilter LOG lines and several daemons write
//! them: values bare, or in double or single quotes (quoted values may hold spaces).

/// One pair; `value` is without its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair<'a> {
    /// The key.
    pub(crate) key: &'a str,
    /// The value (empty for `key=`).
    pub(crate) value: &'a str,
    /// Whether the value was quoted (audit writes hex-encoded values unquoted).
    pub(crate) quoted: bool,
}

/// Iterates the pairs of `input`, separated by spaces (or audit's GS byte, 0x1d); words
/// without `=` are skipped.
pub(crate) fn pairs(input: &str) -> Pairs<'_> {
    Pairs { rest: input }
}

/// The iterator returned by [`pairs`].
pub(crate) struct Pairs<'a> {
    rest: &'a str,
}

fn is_separator(c: char) -> bool {
    c == ' ' || c == '\x1d' || c == ',' || c == ';'
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Pair<'a>;

    fn next(&mut self) -> Option<Pair<'a>> {
        loop {
            let rest = self.rest.trim_start_matches(is_separator);
            if rest.is_empty() {
                self.rest = rest;
                return None;
            }
            let word_end = rest.find(is_separator).unwrap_or(rest.len());
            let Some(eq) = rest[..word_end].find('=') else {
                self.rest = &rest[word_end..];
                continue;
            };
            let key = &rest[..eq];
            let after = &rest[eq + 1..];
            let (value, quoted, next) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => match after[1..].find(quote) {
                    Some(close) => (&after[1..1 + close], true, &after[close + 2..]),
                    None => (&after[1..], true, ""),
                },
                _ => {
                    let end = after.find(is_separator).unwrap_or(after.len());
                    (&after[..end], false, &after[end..])
                }
            };
            self.rest = next;
            if key.is_empty() {
                continue;
            }
            return Some(Pair { key, value, quoted });
        }
    }
}

/// The value of `key` in `input`, if present.
pub(crate) fn find<'a>(input: &'a str, key: &str) -> Option<&'a str> {
    pairs(input).find(|p| p.key == key).map(|p| p.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_quoted_and_empty_values() {
        let got: Vec<_> = pairs(r#"a=1 b="two words" c='x' d= e"#)
            .map(|p| (p.key, p.value, p.quoted))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "1", false),
                ("b", "two words", true),
                ("c", "x", true),
                ("d", "", false)
            ]
        );
    }

    #[test]
    fn unterminated_quote_takes_the_rest() {
        assert_eq!(find(r#"k="open ended"#, "k"), Some("open ended"));
        assert_eq!(find("=x y=2", "y"), Some("2"));
    }
}
