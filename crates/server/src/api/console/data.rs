//! What the pages read from the event store, and the small text helpers they share.

use palisade_core::{fields, time::format_rfc3339, Event, TenantId};
use palisade_query::{Expr, Pipe, Table};
use palisade_store::{EventStore, SearchRequest};

/// A pipe such as `timechart 1m count()` (the text after `|`), parsed by the query language.
pub fn pipe(text: &str) -> Result<Pipe, String> {
    palisade_query::parse(&format!("* | {text}"))
        .map_err(|e| e.to_string())?
        .pipe
        .ok_or_else(|| format!("{text:?} is not a pipe"))
}

/// Every event (the filter of `*`).
pub fn everything() -> Result<Expr, String> {
    palisade_query::parse("*")
        .map(|q| q.filter)
        .map_err(|e| e.to_string())
}

/// Runs `pipe` over the events of `tenant` (`None`: all) matching `filter` in `[from, to)`.
pub fn aggregate(
    store: &EventStore,
    tenant: Option<TenantId>,
    filter: Expr,
    range: (i64, Option<i64>),
    pipe: &Pipe,
) -> Result<Table, String> {
    let req = SearchRequest {
        tenant,
        filter,
        from_ms: Some(range.0),
        to_ms: range.1,
        limit: 1,
        cursor: None,
    };
    store.aggregate(&req, pipe).map_err(|e| e.to_string())
}

/// `(bucket start ms, count)` pairs of a `timechart` table.
pub fn buckets(table: &Table) -> Vec<(i64, u64)> {
    table
        .rows
        .iter()
        .filter_map(|row| Some((row.first()?.as_i64()?, row.last()?.as_u64()?)))
        .collect()
}

/// A table cell as text (`(none)` for a missing value).
pub fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(none)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn when(ms: i64) -> String {
    let text = format_rfc3339(ms);
    text.get(..19).unwrap_or(&text).replacen('T', " ", 1)
}

/// The host of an event: its host name, else its address.
pub fn host_of(event: &Event) -> String {
    event
        .get(fields::DEVICE_HOSTNAME)
        .or_else(|| event.get(fields::DEVICE_IP))
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The line that sums an event up: its message, else the raw input.
pub fn message_of(event: &Event) -> String {
    let text = event
        .get_str(fields::MESSAGE)
        .or_else(|| event.get_str(fields::RAW_DATA))
        .unwrap_or_default();
    match text.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `1234567` as `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Percent-encodes a query-string value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One CSV field (RFC 4180 quoting); text a spreadsheet would run as a formula gets a
/// leading `'`.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_format_for_people_and_spreadsheets() {
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
        assert_eq!(encode("a b&c=\"d\""), "a%20b%26c%3D%22d%22");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(when(0), "1970-01-01 00:00:00");
    }

    #[test]
    fn pipes_parse_and_bad_ones_say_why() {
        assert!(pipe("timechart 1m count()").is_ok());
        assert!(pipe("stats count() by metadata.log_name").is_ok());
        assert!(pipe("frobnicate").is_err());
        assert!(everything().is_ok());
    }
}
