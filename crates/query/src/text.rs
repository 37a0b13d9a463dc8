//! Byte-level matching used by the evaluator: breakers (the shared tokenizer's, so search and
//! indexing never disagree), ASCII case-insensitive substring search,
//! whole-word occurrence and `*` globs. Nothing here allocates.

use palisade_core::tokenize;

/// True if `byte` is a major or minor breaker.
pub(crate) fn is_breaker(byte: u8) -> bool {
    tokenize::is_major_breaker(byte) || tokenize::is_minor_breaker(byte)
}

/// How often each byte turns up in log text (higher: more often), to pick a rare byte of a
/// needle to scan for. Indexed by the lowercased byte; built at compile time so picking costs
/// one lookup per needle byte.
static COMMONNESS: [u8; 256] = {
    const LETTERS_BY_FREQUENCY: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";
    let mut table = [50u8; 256];
    let mut digit = b'0';
    while digit <= b'9' {
        table[digit as usize] = 150;
        digit += 1;
    }
    let punctuation = b".:/-=_";
    let mut i = 0;
    while i < punctuation.len() {
        table[punctuation[i] as usize] = 140;
        i += 1;
    }
    let mut rank = 0;
    while rank < LETTERS_BY_FREQUENCY.len() {
        table[LETTERS_BY_FREQUENCY[rank] as usize] = 200 - (rank as u8) * 5;
        rank += 1;
    }
    table[b' ' as usize] = 255;
    table
};

/// Start offsets of every ASCII case-insensitive occurrence of `needle` in `haystack`, in
/// order; calls `found` with each until it returns true. Returns whether it did. Scans for
/// the needle's rarest byte (both cases) and verifies the whole needle around each hit.
fn any_occurrence(haystack: &[u8], needle: &[u8], mut found: impl FnMut(usize) -> bool) -> bool {
    if needle.is_empty() {
        return found(0);
    }
    if haystack.len() < needle.len() {
        return false;
    }
    let anchor = (0..needle.len())
        .min_by_key(|&i| COMMONNESS[usize::from(needle[i].to_ascii_lowercase())])
        .unwrap_or(0);
    let byte = needle[anchor];
    let (lower, upper) = (byte.to_ascii_lowercase(), byte.to_ascii_uppercase());
    // The anchor of an occurrence starting at `start` sits at `start + anchor`.
    let last_anchor = haystack.len() - needle.len() + anchor;
    let mut from = anchor;
    while from <= last_anchor {
        let Some(offset) = memchr::memchr2(lower, upper, &haystack[from..=last_anchor]) else {
            return false;
        };
        let start = from + offset - anchor;
        let candidate = &haystack[start..start + needle.len()];
        if candidate.eq_ignore_ascii_case(needle) && found(start) {
            return true;
        }
        from += offset + 1;
    }
    false
}

/// True if `haystack` contains `needle`, ASCII case-insensitively.
pub(crate) fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    any_occurrence(haystack, needle, |_| true)
}

/// True if `word` occurs in `text` (ASCII case-insensitively) with a breaker or the edge of
/// the text on both sides. For a word without breakers this is exactly "some token of the
/// text equals the word".
pub(crate) fn contains_whole_word(text: &[u8], word: &[u8]) -> bool {
    if word.is_empty() {
        return false;
    }
    any_occurrence(text, word, |start| {
        let end = start + word.len();
        let open = start == 0 || is_breaker(text[start - 1]);
        let close = end == text.len() || is_breaker(text[end]);
        open && close
    })
}

/// True if `text` matches the glob `pattern` as a whole, ASCII case-insensitively, where `*`
/// stands for any run of bytes (including none).
pub(crate) fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            p += 1;
            resume = Some((p, t));
        } else if p < pattern.len() && pattern[p].eq_ignore_ascii_case(&text[t]) {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = resume {
            p = star_p;
            t = star_t + 1;
            resume = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// True if some token of `text` (major tokens and minor parts) matches the glob `pattern`.
pub(crate) fn any_token_matches_glob(text: &[u8], pattern: &[u8]) -> bool {
    let longest_literal = pattern
        .split(|&b| b == b'*')
        .max_by_key(|part| part.len())
        .unwrap_or_default();
    if !contains_ignore_case(text, longest_literal) {
        return false;
    }
    let mut found = false;
    tokenize::for_each_token(text, |token| {
        found = found || glob_matches(pattern, token);
    });
    found
}

/// The maximal runs of non-breaker bytes in `text`, each with whether it touches the start
/// or the end of `text`.
pub(crate) fn atoms(text: &[u8]) -> impl Iterator<Item = (&[u8], bool)> + '_ {
    let mut offset = 0;
    text.split(|&b| is_breaker(b)).filter_map(move |atom| {
        let start = offset;
        offset += atom.len() + 1;
        let touches_edge = start == 0 || start + atom.len() == text.len();
        (!atom.is_empty()).then_some((atom, touches_edge))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_classes_follow_the_tokenizer() {
        assert!(!is_breaker(b'a'));
        assert!(is_breaker(b'.') && is_breaker(b'@'));
        assert!(is_breaker(b'=') && is_breaker(b' ') && is_breaker(b'*'));
        assert!(!is_breaker(0xc3));
    }

    #[test]
    fn substring_search_ignores_ascii_case() {
        assert!(contains_ignore_case(
            b"Failed PASSWORD for",
            b"failed password"
        ));
        assert!(!contains_ignore_case(b"Failed", b"failed password"));
        assert!(contains_ignore_case(b"abc", b""));
        assert!(contains_ignore_case(b"aaab", b"aab"));
        assert!(contains_ignore_case(b"xyz", b"xyz"));
        assert!(contains_ignore_case(b"..zq", b"zq"));
        assert!(!contains_ignore_case(b"zq", b"xzq"));
    }

    #[test]
    fn whole_words_need_breakers_on_both_sides() {
        assert!(contains_whole_word(b"from 10.1.2.3:22", b"10.1.2.3"));
        assert!(contains_whole_word(b"sshd[42]: ok", b"SSHD"));
        assert!(!contains_whole_word(b"sshdx ok", b"sshd"));
        assert!(contains_whole_word(b"xsshd sshd", b"sshd"));
        assert!(!contains_whole_word(b"", b"a"));
    }

    #[test]
    fn globs_cover_the_whole_text() {
        assert!(glob_matches(b"fail*", b"FAILED"));
        assert!(glob_matches(b"*ail*", b"failed"));
        assert!(glob_matches(b"a*b*c", b"aXbYbZc"));
        assert!(!glob_matches(b"a*b", b"ab_"));
        assert!(glob_matches(b"*", b""));
        assert!(!glob_matches(b"", b"x"));
    }

    #[test]
    fn atoms_know_whether_they_touch_an_edge() {
        let found: Vec<_> = atoms(b"ssh failed pass").collect();
        assert_eq!(
            found,
            [
                (&b"ssh"[..], true),
                (&b"failed"[..], false),
                (&b"pass"[..], true)
            ]
        );
        let inner: Vec<_> = atoms(b" a.b ").collect();
        assert_eq!(inner, [(&b"a"[..], false), (&b"b"[..], false)]);
    }
}
