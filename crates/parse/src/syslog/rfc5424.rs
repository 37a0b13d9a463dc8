//! RFC 5424: `TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]`
//! (the caller has already read `<PRI>1 `).

use super::{text, token, PROCID};
use crate::{datetime, push};
use palisade_core::{fields, Event, Value};

const NIL: &[u8] = b"-";
const BOM: &[u8] = b"\xEF\xBB\xBF";
const SD_PREFIX: &str = "unmapped.syslog.sd.";
/// The most structured-data fields one message gives its event: each is compared with those
/// before it, and a 64 KiB message of 6 000 parameters cost 40 ms. The rest stay in
/// `raw_data`, counted in [`SD_LEFT_OUT`].
const MAX_SD_FIELDS: usize = 512;
/// The field counting the structured-data parameters left out for [`MAX_SD_FIELDS`].
const SD_LEFT_OUT: &str = "unmapped.syslog.sd_left_out";

/// Parses the header after the version into `event`; `None` when it is malformed.
pub(super) fn parse(input: &[u8], event: &mut Event) -> Option<()> {
    let (timestamp, rest) = token(input)?;
    let (hostname, rest) = token(rest)?;
    let (app_name, rest) = token(rest)?;
    let (procid, rest) = token(rest)?;
    let (msgid, rest) = token(rest)?;
    if timestamp != NIL {
        let (ms, len) = datetime::parse_rfc3339(timestamp, false)?;
        if len != timestamp.len() {
            return None;
        }
        event.time = ms;
    }
    let optional = [
        (fields::DEVICE_HOSTNAME, hostname),
        (fields::PRODUCT_NAME, app_name),
        (PROCID, procid),
        ("unmapped.syslog.msgid", msgid),
    ];
    for (path, value) in optional {
        if value != NIL {
            push(event, path, text(value));
        }
    }
    let mut sd = SdFields {
        start: event.fields.len(),
        event,
        left_out: 0,
    };
    let rest = structured_data(rest, &mut sd)?;
    let left_out = sd.left_out;
    crate::count_left_out(event, SD_LEFT_OUT, left_out);
    let message = match rest {
        [b' ', msg @ ..] => msg,
        other => other,
    };
    let message = message.strip_prefix(BOM).unwrap_or(message);
    push(event, fields::MESSAGE, text(message));
    Some(())
}

/// The structured-data fields of an event, which start at `start` in its field list.
struct SdFields<'e> {
    event: &'e mut Event,
    start: usize,
    /// Parameters not set because [`MAX_SD_FIELDS`] were.
    left_out: usize,
}

impl SdFields<'_> {
    /// Sets a field, replacing an earlier value of a repeated parameter; only the
    /// structured-data fields need to be searched, as no other path has this prefix.
    fn set(&mut self, path: String, value: Value) {
        if self.event.fields.len() - self.start >= MAX_SD_FIELDS {
            self.left_out += 1;
            return;
        }
        match self.event.fields[self.start..]
            .iter_mut()
            .find(|(known, _)| *known == path)
        {
            Some(slot) => slot.1 = value,
            None => self.event.fields.push((path.into(), value)),
        }
    }
}

/// Reads STRUCTURED-DATA (`-` or one or more `[SD-ID param="value" ...]` elements) into
/// `unmapped.syslog.sd.<SD-ID>.<PARAM>` fields; returns what follows it.
fn structured_data<'a>(input: &'a [u8], event: &mut SdFields<'_>) -> Option<&'a [u8]> {
    if let Some(rest) = input.strip_prefix(NIL) {
        return Some(rest);
    }
    let mut rest = input.strip_prefix(b"[")?;
    loop {
        rest = element(rest, event)?;
        match rest.strip_prefix(b"[") {
            Some(next) => rest = next,
            None => return Some(rest),
        }
    }
}

/// Reads one SD-ELEMENT after its `[`; returns what follows its `]`.
fn element<'a>(input: &'a [u8], event: &mut SdFields<'_>) -> Option<&'a [u8]> {
    let id_len = input
        .iter()
        .position(|&b| matches!(b, b' ' | b']' | b'=' | b'"'))?;
    if id_len == 0 {
        return None;
    }
    let id = String::from_utf8_lossy(&input[..id_len]);
    let mut rest = &input[id_len..];
    let mut had_params = false;
    loop {
        match rest {
            [b']', after @ ..] => {
                if !had_params {
                    event.set(format!("{SD_PREFIX}{id}"), Value::Bool(true));
                }
                return Some(after);
            }
            [b' ', after @ ..] => {
                let name_len = after.iter().position(|&b| b == b'=')?;
                let name = &after[..name_len];
                if name.is_empty() || name.iter().any(|&b| matches!(b, b' ' | b']' | b'"')) {
                    return None;
                }
                let quoted = after[name_len + 1..].strip_prefix(b"\"")?;
                let (value, after_value) = param_value(quoted)?;
                let name = String::from_utf8_lossy(name);
                event.set(format!("{SD_PREFIX}{id}.{name}"), Value::from(value));
                had_params = true;
                rest = after_value;
            }
            _ => return None,
        }
    }
}

/// Reads a PARAM-VALUE after its opening quote, undoing the `\"`, `\\` and `\]` escapes (a
/// backslash before anything else is kept, as RFC 5424 section 6.3.3 requires); returns the
/// value and what follows the closing quote.
fn param_value(input: &[u8]) -> Option<(String, &[u8])> {
    let mut value = Vec::new();
    let mut at = 0;
    loop {
        let stop = at + memchr::memchr2(b'"', b'\\', &input[at..])?;
        value.extend_from_slice(&input[at..stop]);
        if input[stop] == b'"' {
            let value = String::from_utf8(value)
                .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
            return Some((value, &input[stop + 1..]));
        }
        match input.get(stop + 1) {
            Some(&escaped @ (b'"' | b'\\' | b']')) => {
                value.push(escaped);
                at = stop + 2;
            }
            _ => {
                value.push(b'\\');
                at = stop + 1;
            }
        }
    }
}
