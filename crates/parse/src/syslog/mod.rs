//! Syslog: the priority value, then RFC 5424 or RFC 3164 (with the variants real senders
//! and log files use), detected per message.

mod rfc3164;
mod rfc5424;

use crate::{push, severity, Outcome, PathSet};
use palisade_core::{fields, Event, Text};

/// Field path of the syslog facility number.
const FACILITY: &str = "unmapped.syslog.facility";
/// Field path of the syslog severity number.
const SEVERITY: &str = "unmapped.syslog.severity";
/// Field path of the process id (RFC 5424 PROCID, RFC 3164 `TAG[PID]`).
pub(crate) const PROCID: &str = "unmapped.syslog.procid";

/// Parses a syslog message into `event`; `None` when the priority or header is invalid
/// (the caller then keeps the input as an unparsed event).
pub(crate) fn parse(payload: &[u8], received_ms: i64, event: &mut Event) -> Option<Outcome> {
    let input = trim_line_end(payload);
    let (pri, rest) = match input.first() {
        Some(b'<') => {
            let (pri, len) = priority(input)?;
            (Some(pri), &input[len..])
        }
        _ => (None, input),
    };
    let log_format = if pri.is_some() && is_version_5424(rest) {
        rfc5424::parse(&rest[2..], event)?;
        "rfc5424"
    } else {
        rfc3164::parse(rest, received_ms, event)?;
        "rfc3164"
    };
    match pri {
        Some(pri) => {
            let (facility, sev) = (pri >> 3, pri & 7);
            push(event, fields::SEVERITY_ID, severity::from_syslog(sev));
            push(event, FACILITY, i64::from(facility));
            push(event, SEVERITY, i64::from(sev));
        }
        None => push(event, fields::SEVERITY_ID, 0i64),
    }
    Some(Outcome {
        parser: "syslog",
        log_format,
        paths: PathSet::Fixed,
    })
}

/// The input without its trailing line end (LF, CRLF, NUL), which is framing, not message.
pub(crate) fn trim_line_end(mut input: &[u8]) -> &[u8] {
    while let [head @ .., b'\n' | b'\r' | b'\0'] = input {
        input = head;
    }
    input
}

/// Reads `<PRI>` (1 to 3 digits, at most 191); returns it and the bytes read.
fn priority(input: &[u8]) -> Option<(u8, usize)> {
    let close = input.iter().take(5).position(|&b| b == b'>')?;
    let digits = &input[1..close];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
    let pri = u8::try_from(value).ok().filter(|p| *p <= 191)?;
    Some((pri, close + 1))
}

/// True when the header continues with RFC 5424's `VERSION SP` (version 1).
fn is_version_5424(rest: &[u8]) -> bool {
    rest.starts_with(b"1 ")
}

/// Splits off the next space-delimited token (non-empty); returns it and what follows the
/// single space after it (or nothing at the end of input).
pub(crate) fn token(input: &[u8]) -> Option<(&[u8], &[u8])> {
    match memchr::memchr(b' ', input) {
        Some(0) => None,
        Some(at) => Some((&input[..at], &input[at + 1..])),
        None if input.is_empty() => None,
        None => Some((input, &[])),
    }
}

/// Text from bytes that should be UTF-8, replacing what is not.
pub(crate) fn text(bytes: &[u8]) -> Text {
    match std::str::from_utf8(bytes) {
        Ok(valid) => Text::from(valid),
        Err(_) => Text::from(String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_bounds() {
        assert_eq!(priority(b"<0>x"), Some((0, 3)));
        assert_eq!(priority(b"<191>x"), Some((191, 5)));
        assert_eq!(priority(b"<192>x"), None);
        assert_eq!(priority(b"<1a>x"), None);
        assert_eq!(priority(b"<>x"), None);
        assert_eq!(priority(b"<1234>x"), None);
    }

    #[test]
    fn line_ends_are_trimmed() {
        assert_eq!(trim_line_end(b"abc\r\n\0"), b"abc");
        assert_eq!(trim_line_end(b"\n"), b"");
    }
}
