//! RFC 3164 `TIMESTAMP SP HOST SP TAG[PID]: MSG` (the caller has already read any `<PRI>`), and
//! the variants seen in practice: no PRI (lines from files), a space-padded or unpadded day, an
//! ISO-8601 timestamp instead of the BSD one, no host name, a TAG without PID, no TAG at all.

use super::{text, token, PROCID};
use crate::{datetime, push};
use palisade_core::{fields, Event};

/// Longest TAG accepted (RFC 3164 says 32; real programs use longer names).
const MAX_TAG: usize = 64;

/// Parses the header into `event`; `None` when there is no recognisable timestamp.
pub(super) fn parse(input: &[u8], received_ms: i64, event: &mut Event) -> Option<()> {
    let (time, len) = timestamp(input, received_ms)?;
    event.time = time;
    let rest = &input[len..];
    let rest = rest.strip_prefix(b":").unwrap_or(rest);
    let rest = match rest {
        [] => rest,
        [b' ', after @ ..] => after.trim_ascii_start(),
        _ => return None,
    };
    let message = host_and_tag(rest, event);
    push(event, fields::MESSAGE, text(message));
    Some(())
}

/// Reads a BSD (`Oct 11 22:14:15`) or ISO-8601 timestamp; returns epoch ms and bytes read.
fn timestamp(input: &[u8], received_ms: i64) -> Option<(i64, usize)> {
    if input.first().is_some_and(u8::is_ascii_digit) {
        return datetime::parse_rfc3339(input, true);
    }
    let (bsd, len) = datetime::parse_bsd(input)?;
    Some((bsd.to_ms(received_ms)?, len))
}

/// Reads the optional HOST and TAG into `event`; returns the message that follows them.
fn host_and_tag<'a>(input: &'a [u8], event: &mut Event) -> &'a [u8] {
    let Some((first, after_first)) = token(input) else {
        return input;
    };
    if apply_tag(first, event) {
        return after_first;
    }
    if after_first.is_empty() || !is_plausible_host(first) {
        return input;
    }
    push(event, fields::DEVICE_HOSTNAME, text(first));
    match token(after_first) {
        Some((second, after_second)) if apply_tag(second, event) => after_second,
        _ => after_first,
    }
}

/// If `word` is a TAG (`name:`, `name[pid]:` or `name[pid]`), records it and returns true.
fn apply_tag(word: &[u8], event: &mut Event) -> bool {
    let (body, had_colon) = match word.strip_suffix(b":") {
        Some(body) => (body, true),
        None => (word, false),
    };
    let (name, pid) = match body.strip_suffix(b"]") {
        Some(inner) => match memchr::memchr(b'[', inner) {
            Some(open) => (&inner[..open], Some(&inner[open + 1..])),
            None => return false,
        },
        None if had_colon => (body, None),
        None => return false,
    };
    let valid_name = !name.is_empty()
        && name.len() <= MAX_TAG
        && name
            .iter()
            .all(|&b| b.is_ascii_graphic() && !matches!(b, b'[' | b']' | b':' | b'"' | b'='));
    let valid_pid = pid.is_none_or(|p| !p.is_empty() && p.iter().all(u8::is_ascii_graphic));
    if !(valid_name && valid_pid) {
        return false;
    }
    push(event, fields::PRODUCT_NAME, text(name));
    if let Some(pid) = pid {
        push(event, PROCID, text(pid));
    }
    true
}

/// True when `word` looks like a host name or an IPv4/IPv6 address.
fn is_plausible_host(word: &[u8]) -> bool {
    word.len() <= 255
        && word
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'%'))
}
