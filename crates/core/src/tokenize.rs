//! The tokenizer shared by indexing (bloom filters) and search (bare words).
//!
//! A *major token* is a maximal run of bytes that are not major breakers (white space and
//! `[](){}<>'",;=|&!?*` and control bytes). A major token that contains minor breakers
//! (`. : / - @ \`) also yields each *minor part* between them. So
//! `from 10.1.2.3:22 user=alice@corp` yields `from`, `10.1.2.3:22`, `10`, `1`, `2`, `3`, `22`,
//! `user`, `alice@corp`, `alice`, `corp`. Tokens are returned as they appear; callers fold
//! case (ASCII) where they compare.

/// True for bytes that end a major token.
fn is_major_breaker(b: u8) -> bool {
    b <= b' '
        || matches!(
            b,
            b'[' | b']'
                | b'('
                | b')'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b'\''
                | b'"'
                | b','
                | b';'
                | b'='
                | b'|'
                | b'&'
                | b'!'
                | b'?'
                | b'*'
                | 0x7f
        )
}

/// True for bytes that split a major token into minor parts.
fn is_minor_breaker(b: u8) -> bool {
    matches!(b, b'.' | b':' | b'/' | b'-' | b'@' | b'\\')
}

/// Calls `f` with every major token of `text` and, for major tokens with minor breakers,
/// every non-empty minor part (which may repeat a token already seen).
pub fn for_each_token(text: &[u8], mut f: impl FnMut(&[u8])) {
    let mut i = 0;
    let n = text.len();
    while i < n {
        while i < n && is_major_breaker(text[i]) {
            i += 1;
        }
        let start = i;
        let mut has_minor = false;
        while i < n && !is_major_breaker(text[i]) {
            has_minor |= is_minor_breaker(text[i]);
            i += 1;
        }
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
        assert!(is_single_token("sshd"));
        assert!(!is_single_token("10.1.2.3"));
    }
}
