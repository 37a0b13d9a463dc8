//! Linux audit records (`type=SYSCALL msg=audit(1700000000.123:456): key=value ...`), as
//! auditd writes them to `audit.log`, in both the raw and the enriched (`\x1d`-separated
//! names) forms. Every key is kept under `unmapped.auditd.<key>` (the names Sigma's auditd
//! rules use, such as `type`, `syscall`, `exe`, `a0`, `key`); the well-known ones are also
//! mapped onto OCSF. Records of one event share `metadata.correlation_uid`
//! (`<seconds>.<millis>:<serial>`); [`Joiner`] merges them into one event.

use super::{
    kv,
    ocsf::{self, Status, AUTHENTICATION, LAUNCH, LOGON, PROCESS_ACTIVITY},
};
use palisade_core::{fields, Event, FieldName, Value};

/// Field holding the audit event id shared by the records of one event.
pub(crate) const EVENT_ID: &str = "metadata.correlation_uid";

/// Parses one audit record; false when the line is not one.
pub(crate) fn parse(line: &str, event: &mut Event) -> bool {
    let line = line.trim_end();
    let start = match line.find("type=") {
        Some(at) if at == 0 || line[..at].ends_with(' ') => at,
        _ => return false,
    };
    let body = &line[start..];
    let Some(stamp_at) = body.find("msg=audit(") else {
        return false;
    };
    let stamp_text = &body[stamp_at + 10..];
    let Some((stamp, after)) = stamp_text.split_once("):") else {
        return false;
    };
    let Some(time) = stamp_ms(stamp) else {
        return false;
    };
    event.time = time;
    event.set(EVENT_ID, stamp);
    event.set(fields::MESSAGE, after.trim());
    let record_type = kv::find(&body[..stamp_at], "type").unwrap_or("UNKNOWN");
    event.set("unmapped.auditd.type", record_type);
    let mut kept = Kept::default();
    for pair in kv::pairs(after) {
        if pair.key == "msg" {
            // USER_* records nest their own pairs in `msg='...'`.
            for inner in kv::pairs(pair.value) {
                kept.keep(event, inner);
            }
        } else {
            kept.keep(event, pair);
        }
    }
    crate::count_left_out(event, PAIRS_LEFT_OUT, kept.left_out);
    map(event, record_type);
    true
}

/// The most pairs one record gives its event: each is compared with the fields before it,
/// and a 64 KiB record of 6 000 pairs cost about 100 ms. The rest stay in `raw_data`, counted
/// in [`PAIRS_LEFT_OUT`].
const MAX_PAIRS: usize = 512;
/// The field counting the pairs left out for [`MAX_PAIRS`].
const PAIRS_LEFT_OUT: &str = "unmapped.auditd.pairs_left_out";

/// The pairs of one record kept so far, and those left out.
#[derive(Default)]
struct Kept {
    kept: usize,
    left_out: usize,
}

impl Kept {
    /// Keeps one pair under `unmapped.auditd.<key>`, hex-decoding unquoted hex values of the
    /// keys audit encodes that way (`proctitle`, `a0`.., `name`, `cmd`, ...).
    fn keep(&mut self, event: &mut Event, pair: kv::Pair<'_>) {
        if self.kept == MAX_PAIRS {
            self.left_out += 1;
            return;
        }
        self.kept += 1;
        let key = pair.key.trim_start_matches('\x1d');
        let value = match hex_text(pair) {
            Some(decoded) => Value::from(decoded),
            None => Value::from(pair.value),
        };
        event.set(FieldName::Owned(format!("unmapped.auditd.{key}")), value);
    }
}

fn hex_text(pair: kv::Pair<'_>) -> Option<String> {
    let hex_keys = matches!(
        pair.key,
        "proctitle" | "name" | "cmd" | "comm" | "exe" | "data"
    ) || (pair.key.starts_with('a')
        && pair.key[1..].bytes().all(|b| b.is_ascii_digit()));
    if pair.quoted || !hex_keys || pair.value.len() < 2 || !pair.value.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..pair.value.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(pair.value.get(i..i + 2)?, 16).ok())
        .collect();
    let bytes = bytes?;
    // proctitle separates arguments with NUL.
    let text: String = String::from_utf8_lossy(&bytes).replace('\0', " ");
    Some(text.trim_end().to_owned())
}

/// Maps the well-known keys of a record onto OCSF.
fn map(event: &mut Event, record_type: &str) {
    let get = |event: &Event, key: &str| {
        event
            .get_str(&format!("unmapped.auditd.{key}"))
            .map(str::to_owned)
    };
    let copies = [
        ("pid", "process.pid"),
        ("ppid", "process.parent_process.pid"),
        ("exe", "process.file.path"),
        ("comm", "process.name"),
        ("auid", "actor.user.uid"),
        ("uid", "user.uid"),
        ("acct", "user.name"),
        ("addr", "src_endpoint.ip"),
        ("hostname", "src_endpoint.hostname"),
        ("proctitle", "process.cmd_line"),
    ];
    for (key, path) in copies {
        if let Some(value) = get(event, key).filter(|v| !v.is_empty() && v != "?") {
            if path.ends_with("pid") {
                ocsf::set_number(event, path, &value);
            } else {
                event.set(path, value);
            }
        }
    }
    let result = get(event, "res")
        .or_else(|| get(event, "success"))
        .map(|r| match r.as_str() {
            "success" | "yes" | "1" => Status::Success,
            _ => Status::Failure,
        });
    match record_type {
        "USER_LOGIN"
        | "USER_AUTH"
        | "USER_ACCT"
        | "USER_START"
        | "USER_ERR"
        | "ANOM_LOGIN_FAILURES" => ocsf::classify(event, AUTHENTICATION, LOGON, result),
        "EXECVE" => {
            let args = execve_command_line(event);
            if !args.is_empty() {
                event.set("process.cmd_line", args);
            }
            ocsf::classify(event, PROCESS_ACTIVITY, LAUNCH, None);
        }
        "SYSCALL" if matches!(get(event, "syscall").as_deref(), Some("59" | "execve")) => {
            ocsf::classify(event, PROCESS_ACTIVITY, LAUNCH, result);
        }
        _ => {}
    }
}

/// `a0 a1 ...` of an EXECVE record joined by spaces, in argument order.
fn execve_command_line(event: &Event) -> String {
    let count = event
        .get_str("unmapped.auditd.argc")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1024);
    (0..count)
        .filter_map(|i| event.get_str(&format!("unmapped.auditd.a{i}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `1700000000.123:456` → epoch milliseconds.
fn stamp_ms(stamp: &str) -> Option<i64> {
    let (time, _serial) = stamp.split_once(':')?;
    let (seconds, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let seconds: i64 = seconds.parse().ok()?;
    let millis: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// Merges the records of one audit event (same `metadata.correlation_uid`, consecutive in the
/// input) into one event: the first record's fields, then each later record's fields that are
/// not set yet, with every record type listed in `unmapped.auditd.types`.
#[derive(Default)]
pub struct Joiner {
    open: Option<(Event, Vec<String>)>,
}

impl Joiner {
    /// Adds one parsed event; returns the event it completes, if any. Events that are not
    /// audit records pass straight through (after completing the open one).
    pub fn push(&mut self, event: Event) -> Vec<Event> {
        let Some(id) = event.get_str(EVENT_ID).map(str::to_owned) else {
            let mut out: Vec<Event> = self.finish().into_iter().collect();
            out.push(event);
            return out;
        };
        let kind = event
            .get_str("unmapped.auditd.type")
            .unwrap_or("UNKNOWN")
            .to_owned();
        match &mut self.open {
            Some((open, types)) if open.get_str(EVENT_ID) == Some(id.as_str()) => {
                for (path, value) in event.fields {
                    if open.get(&path).is_none() {
                        open.fields.push((path, value));
                    } else if path == "process.cmd_line" && kind == "EXECVE" {
                        open.set(path, value);
                    }
                }
                types.push(kind);
                Vec::new()
            }
            _ => {
                let done = self.finish();
                self.open = Some((event, vec![kind]));
                done.into_iter().collect()
            }
        }
    }

    /// Completes the open event, if any (at the end of input).
    pub fn finish(&mut self) -> Option<Event> {
        let (mut event, types) = self.open.take()?;
        event.set("unmapped.auditd.types", types.join(","));
        Some(event)
    }
}
