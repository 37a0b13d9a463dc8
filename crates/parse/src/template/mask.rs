//! Built-in masking: the parts of a token that are almost always variable become `<*>`.
//!
//! A token is split into *word runs* (ASCII letters, digits and `_`) and the bytes between
//! them. A word run is variable when it starts with a digit or holds two (numbers, IPs, ports,
//! times, ids such as `user42`), or when it is hexadecimal: four or more hex digits with a
//! decimal digit among them (`fe1a`, as in UUIDs) or eight or more without (`deadbeefcafe`).
//! A single digit after letters is kept (`ssh2`, `SOCKS5`, `ipv6`: names, not values).
//! Abbreviated month and weekday names (`Jul`, `Sun`) are variable too: they are dates. Neighbouring
//! variable runs joined by one of `. : , - /` collapse into one `<*>`, so `10.0.0.1:8080`,
//! `2015-10-18` and `1.5` are each a single `<*>`, while the constant parts stay:
//! `size=42` → `size=<*>`, `blk_-1608` → `blk_-<*>`, `core.12` → `core.<*>`. A path
//! (`/var/log/x`, `C:\dir`) or a URL (`scheme://…`) becomes `<*>` as a whole.
//! The output is appended to a reused buffer: masking allocates nothing per token.

use super::word_run;

/// The marker for a variable part of a template.
pub const WILDCARD: &str = "<*>";

/// Bytes that may join two variable runs into one.
fn joins_variables(b: u8) -> bool {
    matches!(b, b'.' | b':' | b',' | b'-' | b'/')
}

/// Byte class: an ASCII letter, digit or `_` (a word run's byte).
const WORD: u8 = 1;
/// Byte class: ASCII white space as `str::split_ascii_whitespace` sees it (no vertical tab).
const SPACE: u8 = 2;

/// The classes of every byte, looked up once per byte while masking (word runs are classified
/// a block at a time: [`word_run`]).
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            table[b] |= WORD;
        }
        if byte.is_ascii_whitespace() {
            table[b] |= SPACE;
        }
        b += 1;
    }
    table
};

fn class(b: u8) -> u8 {
    CLASSES[usize::from(b)]
}

/// A token that starts like a path (`/var/log/x`, `//host/share`, `C:\\dir`), perhaps after an
/// opening quote or bracket: variable as a whole. (A URL is found while masking: `://`.)
fn starts_like_a_path(token: &[u8]) -> bool {
    let body = match token.first() {
        Some(b'"' | b'\'' | b'(' | b'[' | b'<') => &token[1..],
        _ => token,
    };
    let unix_path = body.len() > 1 && body[0] == b'/' && body[1] != b'/' || body.starts_with(b"//");
    let windows_path = body.len() > 2 && body[0].is_ascii_alphabetic() && &body[1..3] == b":\\";
    unix_path || windows_path
}

/// Month and weekday names, as dates inside messages write them.
const CALENDAR_WORDS: [&[u8; 3]; 19] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun",
];

/// Whether a word run is variable, given how many decimal digits it holds and whether every
/// byte is a hexadecimal digit.
fn run_is_variable(run: &[u8], digits: usize, all_hex: bool) -> bool {
    run.first().is_some_and(u8::is_ascii_digit)
        || digits >= 2
        || (all_hex && (run.len() >= 8 || digits > 0 && run.len() >= 4))
        || (run.len() == 3
            && run[0].is_ascii_uppercase()
            && CALENDAR_WORDS.iter().any(|w| &w[..] == run))
}

/// Appends the masked tokens of `content` (split at ASCII white space) to `out`, joined by
/// single spaces, and pushes where each token ends, counted from `line_start`, onto `ends`.
/// Each byte is looked at once: masking a token finds its end.
pub(super) fn mask_tokens(
    content: &str,
    out: &mut String,
    line_start: usize,
    ends: &mut Vec<usize>,
) {
    let bytes = content.as_bytes();
    let mut at = 0;
    loop {
        while at < bytes.len() && class(bytes[at]) & SPACE != 0 {
            at += 1;
        }
        if at == bytes.len() {
            return;
        }
        if out.len() > line_start {
            out.push(' ');
        }
        at = mask_until(content, at, SPACE, out);
        ends.push(out.len() - line_start);
    }
}

/// Appends the masked form of `token` to `out`.
pub fn mask_token(token: &str, out: &mut String) {
    mask_until(token, 0, 0, out);
}

/// Appends the masked form of the token that starts at `start` in `text` and ends before the
/// first byte of class `stop` (or at the end), and returns where it ends. Constant stretches
/// are copied whole, each variable run replaced as it is found; a URL (`scheme://…`) turns
/// the token into one `<*>`.
#[inline(always)]
fn mask_until(text: &str, start: usize, stop: u8, out: &mut String) -> usize {
    let bytes = text.as_bytes();
    let ends_token = |at: usize| at >= bytes.len() || class(bytes[at]) & stop != 0;
    // A path starts with `/`, an opening quote or bracket, or a drive letter and `:`; it is
    // recognised by its first four bytes at most.
    let may_be_path = matches!(
        bytes.get(start),
        Some(b'/' | b'"' | b'\'' | b'(' | b'[' | b'<')
    ) || bytes.get(start + 1) == Some(&b':');
    let head_limit = (start + 4).min(bytes.len());
    let head_end = || {
        (start..head_limit)
            .find(|&at| ends_token(at))
            .unwrap_or(head_limit)
    };
    if may_be_path && starts_like_a_path(&bytes[start..head_end()]) {
        out.push_str(WILDCARD);
        return token_end(bytes, head_end(), stop);
    }
    let token_start = out.len();
    let (mut at, mut kept_from, mut url) = (start, start, false);
    while !ends_token(at) {
        let run_start = at;
        if class(bytes[at]) & WORD != 0 {
            let run = word_run::scan(bytes, at);
            at = run.end;
            if run_is_variable(&bytes[run_start..at], run.digits, run.all_hex) {
                // Both ends are next to ASCII bytes (or the text's ends): char boundaries.
                out.push_str(&text[kept_from..run_start]);
                push_variable(out, token_start);
                kept_from = at;
            }
        } else {
            while at < bytes.len() && class(bytes[at]) & (WORD | stop) == 0 {
                at += 1;
            }
            // `://` is three bytes outside word runs: it lies inside one such stretch.
            url |= at - run_start >= 3 && bytes[run_start..at].windows(3).any(|w| w == b"://");
        }
    }
    if url {
        out.truncate(token_start);
        out.push_str(WILDCARD);
    } else {
        out.push_str(&text[kept_from..at]);
    }
    at
}

/// Where the token that reaches `from` ends: the first byte of class `stop` (only [`SPACE`] or
/// nothing), or the end.
fn token_end(bytes: &[u8], from: usize, stop: u8) -> usize {
    if stop & SPACE == 0 {
        return bytes.len();
    }
    let mut at = from;
    loop {
        at = word_run::next_space(bytes, at);
        // A vertical tab is not white space to `split_ascii_whitespace`.
        if bytes.get(at) != Some(&0x0b) {
            return at;
        }
        at += 1;
    }
}

/// Appends `<*>`, merging with a `<*>` just before it (across one joining byte) and dropping a
/// sign that opens the token, so `-1`, `1.5` and `10.0.0.1` all mask to one `<*>`.
fn push_variable(out: &mut String, token_start: usize) {
    let written = &out.as_bytes()[token_start..];
    if written.len() > WILDCARD.len()
        && joins_variables(written[written.len() - 1])
        && written[..written.len() - 1].ends_with(WILDCARD.as_bytes())
    {
        out.pop();
        return;
    }
    if written == b"-" || written == b"+" {
        out.truncate(token_start);
    }
    out.push_str(WILDCARD);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(token: &str) -> String {
        let mut out = String::new();
        mask_token(token, &mut out);
        out
    }

    proptest::proptest! {
        #[test]
        fn a_line_masks_as_its_tokens_joined_by_one_space(content in "(\\PC|[ \t\r\n\x0b\x0c])*") {
            let (mut out, mut ends) = (String::from("x"), Vec::new());
            mask_tokens(&content, &mut out, 1, &mut ends);
            let tokens: Vec<String> = content.split_ascii_whitespace().map(masked).collect();
            proptest::prop_assert_eq!(&out[1..], tokens.join(" "));
            proptest::prop_assert_eq!(ends.len(), tokens.len());
        }
    }

    #[test]
    fn numbers_addresses_and_times_become_one_wildcard() {
        for token in [
            "42",
            "-1",
            "+7",
            "1.5",
            "10.0.0.1",
            "10.0.0.1:50010",
            "2015-10-18",
            "18:22:05,123",
            "0x1f3a",
            "deadbeefcafe",
            "b9000564-fe1a-409b-b8cc-1e88b294cd1d",
            "user42",
            "Sun",
            "Jul",
        ] {
            assert_eq!(masked(token), "<*>", "{token}");
        }
    }

    #[test]
    fn constant_parts_around_a_variable_stay() {
        assert_eq!(masked("size=42"), "size=<*>");
        assert_eq!(masked("blk_-1608999687919862906"), "blk_-<*>");
        assert_eq!(masked("core.1234"), "core.<*>");
        assert_eq!(masked("[pid:77]"), "[pid:<*>]");
        assert_eq!(masked("HTTP/1.1"), "HTTP/<*>");
        assert_eq!(masked("(12)"), "(<*>)");
    }

    #[test]
    fn words_paths_and_urls() {
        assert_eq!(masked("session"), "session");
        assert_eq!(masked("ssh2"), "ssh2");
        assert_eq!(masked("SOCKS5"), "SOCKS5");
        assert_eq!(masked("opened."), "opened.");
        assert_eq!(masked("accepted"), "accepted");
        assert_eq!(masked("/var/log/messages"), "<*>");
        assert_eq!(masked("'/etc/passwd'"), "<*>");
        assert_eq!(masked("C:\\Windows\\x.dll"), "<*>");
        assert_eq!(masked("https://example.org/a"), "<*>");
        assert_eq!(masked("/"), "/");
        assert_eq!(masked("naïve"), "naïve");
        assert_eq!(masked("é1"), "é<*>");
    }
}
