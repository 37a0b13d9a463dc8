//! The tokenizer shared by indexing (bloom filters) and search (bare words).
//!
//! A *major token* is a maximal run of bytes that are not major breakers (white space and
//! `[](){}<>'",;=|&!?*` and control bytes). A major token that contains minor breakers
//! (`. : / - @ \`) also yields each *minor part* between them. So
//! `from 10.1.2.3:22 user=alice@corp` yields `from`, `10.1.2.3:22`, `10`, `1`, `2`, `3`, `22`,
//! `user`, `alice@corp`, `alice`, `corp`. Tokens are returned as they appear; callers fold
//! case (ASCII) where they compare.

/// Byte class: ends a major token.
const MAJOR: u8 = 1;
/// Byte class: splits a major token into minor parts.
const MINOR: u8 = 2;

/// The class of every byte, so the tokenizer does one table load per byte.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b <= b' ' {
        table[b as usize] = MAJOR;
        b += 1;
    }
    let majors = b"[](){}<>'\",;=|&!?*";
    let mut i = 0;
    while i < majors.len() {
        table[majors[i] as usize] = MAJOR;
        i += 1;
    }
    table[0x7f] = MAJOR;
    let minors = b".:/-@\\";
    let mut i = 0;
    while i < minors.len() {
        table[minors[i] as usize] = MINOR;
        i += 1;
    }
    table
};

/// True for bytes that end a major token.
pub fn is_major_breaker(b: u8) -> bool {
    CLASS[b as usize] == MAJOR
}

/// True for bytes that split a major token into minor parts.
pub fn is_minor_breaker(b: u8) -> bool {
    CLASS[b as usize] == MINOR
}

/// Calls `f(start, end, has_minor_breaker)` for every major token of `text`.
fn for_each_major(text: &[u8], mut f: impl FnMut(usize, usize, bool)) {
    let mut i = 0;
    let n = text.len();
    while i < n {
        while i < n && CLASS[text[i] as usize] == MAJOR {
            i += 1;
        }
        let start = i;
        let mut classes = 0;
        while i < n && CLASS[text[i] as usize] != MAJOR {
            classes |= CLASS[text[i] as usize];
            i += 1;
        }
        if i > start {
            f(start, i, classes & MINOR != 0);
        }
    }
}

/// Calls `f` with every major token of `text` and, for major tokens with minor breakers,
/// every non-empty minor part (which may repeat a token already seen).
pub fn for_each_token(text: &[u8], mut f: impl FnMut(&[u8])) {
    for_each_major(text, |start, end, has_minor| {
        let token = &text[start..end];
        f(token);
        if has_minor {
            token
                .split(|b| CLASS[*b as usize] == MINOR)
                .filter(|part| !part.is_empty())
                .for_each(&mut f);
        }
    });
}

/// The longest run of consecutive minor parts that is indexed as one term (so an IPv4
/// address, a dotted host name or a `host:port` pair is found by the index as a whole).
pub const MAX_RUN_PARTS: usize = 4;

/// Calls `f(token, parts)` for every major token of `text`, with the byte ranges (within the
/// token) of its non-empty minor parts: one part covering the whole token when it has no
/// minor breaker. `parts` is reused between calls.
pub fn for_each_major_with_parts(text: &[u8], mut f: impl FnMut(&[u8], &[(usize, usize)])) {
    let mut parts: Vec<(usize, usize)> = Vec::new();
    for_each_major(text, |start, end, has_minor| {
        let token = &text[start..end];
        parts.clear();
        if has_minor {
            minor_parts(token, &mut parts);
        } else {
            parts.push((0, token.len()));
        }
        f(token, &parts);
    });
}

/// The byte ranges of the non-empty minor parts of `token`, appended to `parts`.
pub fn minor_parts(token: &[u8], parts: &mut Vec<(usize, usize)>) {
    let mut part_start = 0;
    for i in 0..=token.len() {
        if i == token.len() || CLASS[token[i] as usize] == MINOR {
            if i > part_start {
                parts.push((part_start, i));
            }
            part_start = i + 1;
        }
    }
}

/// Calls `f(first, last)` for every run of 2 to [`MAX_RUN_PARTS`] consecutive parts among
/// `parts` parts (indices inclusive).
pub fn for_each_run(parts: usize, mut f: impl FnMut(usize, usize)) {
    for first in 0..parts {
        for last in first + 1..parts.min(first + MAX_RUN_PARTS) {
            f(first, last);
        }
    }
}

/// Calls `f` with every term the index holds for `text`: each minor part of each major token
/// (the whole token when it has no minor breaker), and every run of 2 to [`MAX_RUN_PARTS`]
/// consecutive parts with the bytes between them: `10.1.2.3:22` yields `10`, `1`, `2`, `3`,
/// `22`, `10.1`, `10.1.2`, `10.1.2.3`, `1.2`, …, `3:22`. (A longer token as a whole is not a
/// term: a word is found by its parts and by its first run.)
pub fn for_each_index_term(text: &[u8], mut f: impl FnMut(&[u8])) {
    for_each_major_with_parts(text, |token, parts| {
        for (start, end) in parts {
            f(&token[*start..*end]);
        }
        for_each_run(parts.len(), |first, last| {
            f(&token[parts[first].0..parts[last].1])
        });
    });
}

/// The index term that any occurrence of `word` must have produced, when `word` is two or
/// more minor parts with no major breaker and no empty part: the word itself, or its first
/// [`MAX_RUN_PARTS`] parts. `None` for single-part words (they are tokens themselves) and
/// for words the run terms do not cover.
pub fn run_term_of_word(word: &[u8]) -> Option<&[u8]> {
    if word.is_empty() || word.iter().any(|b| CLASS[*b as usize] == MAJOR) {
        return None;
    }
    let mut parts = 0;
    let mut part_len = 0;
    for (i, b) in word.iter().enumerate() {
        if CLASS[*b as usize] == MINOR {
            if part_len == 0 {
                return None;
            }
            parts += 1;
            part_len = 0;
            if parts == MAX_RUN_PARTS {
                return Some(&word[..i]);
            }
        } else {
            part_len += 1;
        }
    }
    (part_len > 0 && parts >= 1).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_token(s.as_bytes(), |t| {
            out.push(String::from_utf8_lossy(t).into_owned())
        });
        out
    }

    fn index_terms(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_index_term(s.as_bytes(), |t| {
            out.push(String::from_utf8_lossy(t).into_owned())
        });
        out
    }

    #[test]
    fn index_terms_add_runs_of_up_to_four_parts() {
        let terms = index_terms("x 10.1.2.3:22");
        for t in [
            "x", "10", "22", "10.1", "10.1.2", "10.1.2.3", "1.2.3:22", "3:22",
        ] {
            assert!(terms.iter().any(|x| x == t), "{t} in {terms:?}");
        }
        // Five parts: no run is longer than four, and the whole token is no term of its own.
        assert!(
            terms.iter().all(|t| t.matches(['.', ':']).count() < 4),
            "{terms:?}"
        );
        assert_eq!(index_terms("a..b"), ["a", "b", "a..b"]);
    }

    #[test]
    fn run_term_of_a_word_is_indexed_wherever_the_word_stands_between_breakers() {
        assert_eq!(
            run_term_of_word(b"203.0.113.77"),
            Some(&b"203.0.113.77"[..])
        );
        assert_eq!(run_term_of_word(b"a.b.c.d.e"), Some(&b"a.b.c.d"[..]));
        assert_eq!(run_term_of_word(b"sshd"), None);
        assert_eq!(run_term_of_word(b".b"), None);
        assert_eq!(run_term_of_word(b"a..b"), None);
        assert_eq!(run_term_of_word(b"a.b."), None);
        assert_eq!(run_term_of_word(b"a=b.c"), None);
        for text in [
            "from 203.0.113.77:22 x",
            "x@203.0.113.77",
            "q.a.b.c.d.e.f",
            "1.a.b.c.d.e/x",
        ] {
            let terms = index_terms(text);
            for word in ["203.0.113.77", "a.b.c.d.e", "b.c.d.e.f"] {
                if let Some(run) = run_term_of_word(word.as_bytes()) {
                    let stands = text.split(' ').any(|tok| {
                        tok.match_indices(word).any(|(i, _)| {
                            let before = tok[..i].chars().last();
                            let after = tok[i + word.len()..].chars().next();
                            before.is_none_or(|c| ".:/-@".contains(c))
                                && after.is_none_or(|c| ".:/-@".contains(c))
                        })
                    });
                    if stands {
                        assert!(
                            terms.iter().any(|t| t.as_bytes() == run),
                            "{word} in {text}: {terms:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_table_classifies_every_documented_breaker() {
        for b in b" \t\n[](){}<>'\",;=|&!?*\x00\x7f" {
            assert!(is_major_breaker(*b), "{b}");
        }
        for b in b".:/-@\\" {
            assert!(is_minor_breaker(*b), "{b}");
        }
        for b in b"aZ09_+%#~^$\x80\xff" {
            assert!(!is_major_breaker(*b) && !is_minor_breaker(*b), "{b}");
        }
    }

    #[test]
    fn major_and_minor_tokens() {
        assert_eq!(
            tokens("from 10.1.2.3:22 user=alice@corp"),
            [
                "from",
                "10.1.2.3:22",
                "10",
                "1",
                "2",
                "3",
                "22",
                "user",
                "alice@corp",
                "alice",
                "corp"
            ]
        );
        assert_eq!(tokens("  [x] "), ["x"]);
        assert!(tokens("").is_empty());
    }
}
