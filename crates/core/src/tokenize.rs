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
fn is_major_breaker(b: u8) -> bool {
    CLASS[b as usize] == MAJOR
}

/// True for bytes that split a major token into minor parts.
fn is_minor_breaker(b: u8) -> bool {
    CLASS[b as usize] == MINOR
}

/// Calls `f` with every major token of `text` and, for major tokens with minor breakers,
/// every non-empty minor part (which may repeat a token already seen).
pub fn for_each_token(text: &[u8], mut f: impl FnMut(&[u8])) {
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
        let has_minor = classes & MINOR != 0;
        if i == start {
            continue;
        }
        let token = &text[start..i];
        f(token);
        if has_minor {
            token
                .split(|b| is_minor_breaker(*b))
                .filter(|part| !part.is_empty())
                .for_each(&mut f);
        }
    }
}

/// True when `part` is a suffix of `whole` that starts at a token boundary (at the start of
/// `whole`, or right after a major breaker), so that every token of `part` is also a token of
/// `whole` and indexing `whole` alone covers both.
pub fn is_token_aligned_suffix(whole: &[u8], part: &[u8]) -> bool {
    whole.ends_with(part)
        && match whole.len() - part.len() {
            0 => true,
            start => is_major_breaker(whole[start - 1]),
        }
}

/// True if `word` contains no breaker at all, so that it can only ever be a single token.
pub fn is_single_token(word: &str) -> bool {
    !word.is_empty()
        && !word
            .bytes()
            .any(|b| is_major_breaker(b) || is_minor_breaker(b))
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
        assert!(is_token_aligned_suffix(
            b"<13>1 - h app - - - disk full",
            b"disk full"
        ));
        assert!(is_token_aligned_suffix(b"disk full", b"disk full"));
        assert!(!is_token_aligned_suffix(
            b"<13>1 - h app - - - xdisk full",
            b"disk full"
        ));
        assert!(!is_token_aligned_suffix(b"disk full", b"disk"));
        assert!(is_single_token("sshd"));
        assert!(!is_single_token("10.1.2.3"));
    }
}
