//! Parsing and normalisation: one durable [`RawRecord`] becomes one canonical OCSF [`Event`].
//!
//! [`parse_record`] never fails and never drops input. Syslog (RFC 5424 and RFC 3164 with its
//! real-world variants) and JSON (OCSF events, generic log objects, Windows events as JSON) are
//! read by hand-written byte-level parsers; whatever no parser understands is kept as an event
//! marked `unparsed` whose message is the input. Parsing is deterministic — it depends only on
//! the record — so replaying the write-ahead log reproduces exactly the same events.
//!
//! [`template`] mines templates from the lines no parser understands (a Drain-style online
//! miner), so unknown logs become searchable by their shape.

mod chain;
mod datetime;
mod json;
mod severity;
mod source;
mod syslog;
pub mod template;

pub use chain::{
    AggregateBy, AggregateRule, ChainError, ParserChains, TenantChain, Verdict, AGGREGATE_MARK,
};
pub use source::{AuditJoiner, SourceType};

use base64::Engine as _;
use palisade_core::{fields, Event, EventId, PayloadFormat, RawRecord, Text, Value};
use std::{
    borrow::Cow,
    net::{IpAddr, SocketAddr},
};

/// What a successful parser reports about the event it filled in.
pub(crate) struct Outcome {
    /// Value of `metadata.parser`.
    parser: &'static str,
    /// Value of `metadata.log_format`.
    log_format: &'static str,
    /// How free the parser was in choosing field paths.
    paths: PathSet,
}

/// Whether a parser's field paths can collide with the fields [`parse_record`] adds itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathSet {
    /// A fixed set that always includes `message` and `severity_id` and never any other field
    /// added here, so the common fields can be appended without looking.
    Fixed,
    /// Paths taken from the input: every common field is checked before it is added.
    Arbitrary,
}

/// Turns one durable raw record into its canonical event. Deterministic (same record -> same
/// event), so replaying the write-ahead log reproduces the events exactly. Input that no parser
/// understands becomes an event with `unparsed = true` and `message` = the input (lossy UTF-8).
pub fn parse_record(id: EventId, rec: &RawRecord) -> Event {
    parse_record_as(id, rec, SourceType::Auto)
}

/// [`parse_record`] with the parser for text records chosen by `source` instead of detected
/// per line; a record that parser does not recognise is kept as an unparsed event.
pub fn parse_record_as(id: EventId, rec: &RawRecord, source: SourceType) -> Event {
    parse_payload(id, rec, Cow::Borrowed(&rec.payload), source)
}

/// [`parse_record`] that moves the record's payload into the event's raw data instead of
/// copying it (the record is left with an empty payload): for a caller that is done with the
/// record once it is parsed. The event is the same as [`parse_record`]'s.
pub fn parse_record_taking_payload(id: EventId, rec: &mut RawRecord) -> Event {
    let payload = std::mem::take(&mut rec.payload);
    parse_payload(id, rec, Cow::Owned(payload), SourceType::Auto)
}

/// Parses `payload` (the record's payload, borrowed or taken from it) as `rec` describes.
fn parse_payload(
    id: EventId,
    rec: &RawRecord,
    payload: Cow<'_, [u8]>,
    source: SourceType,
) -> Event {
    let mut event = Event {
        id,
        tenant: rec.tenant.clone(),
        time: rec.received_ms,
        // Room for a typical syslog event's fields without growing.
        fields: Vec::with_capacity(24),
    };
    let outcome = match rec.format {
        PayloadFormat::Syslog | PayloadFormat::Line => {
            source::parse_text(&payload, rec.received_ms, &mut event, source)
        }
        PayloadFormat::Json => json::parse(&payload, &mut event),
    };
    let (raw_text, exact_base64) = raw_text(payload);
    let outcome = outcome.unwrap_or_else(|| {
        event.fields.clear();
        event.time = rec.received_ms;
        push(&mut event, fields::MESSAGE, raw_text.as_str());
        push(&mut event, fields::SEVERITY_ID, 0i64);
        push(&mut event, fields::UNPARSED, true);
        Outcome {
            parser: "none",
            log_format: if rec.format == PayloadFormat::Json {
                "json"
            } else {
                "line"
            },
            paths: PathSet::Fixed,
        }
    });
    add_common_fields(&mut event, rec, raw_text, exact_base64, &outcome);
    event
}

/// The payload as text (lossy UTF-8), and the exact bytes in base64 when that text is not
/// them. Valid UTF-8 is validated once and, when owned, kept without a copy.
fn raw_text(payload: Cow<'_, [u8]>) -> (String, Option<String>) {
    let invalid = |bytes: &[u8]| {
        let exact = base64::engine::general_purpose::STANDARD.encode(bytes);
        (String::from_utf8_lossy(bytes).into_owned(), Some(exact))
    };
    match payload {
        Cow::Owned(bytes) => match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(err) => invalid(err.as_bytes()),
        },
        Cow::Borrowed(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), None),
            Err(_) => invalid(bytes),
        },
    }
}

/// Adds what every event carries, whatever parser produced it.
fn add_common_fields(
    event: &mut Event,
    rec: &RawRecord,
    raw_text: String,
    exact_base64: Option<String>,
    outcome: &Outcome,
) {
    // Facts about the record itself always win over anything the payload claimed.
    let put = |event: &mut Event, path: &'static str, value: Value| match outcome.paths {
        PathSet::Fixed => push(event, path, value),
        PathSet::Arbitrary => event.set(path, value),
    };
    put(event, fields::LOG_NAME, Value::from(rec.source.as_str()));
    put(event, fields::LOGGED_TIME, Value::Int(rec.received_ms));
    put(event, fields::PARSER, Value::from(outcome.parser));
    put(event, fields::LOG_FORMAT, Value::from(outcome.log_format));
    put(event, fields::RAW_DATA, Value::from(raw_text));
    if let Some(exact) = exact_base64 {
        put(event, fields::RAW_DATA_BASE64, Value::from(exact));
    } else if outcome.paths == PathSet::Arbitrary {
        event.remove(fields::RAW_DATA_BASE64);
    }

    // Defaults for what the payload may have said itself.
    let mut default = |path: &'static str, value: Value| {
        if outcome.paths == PathSet::Fixed || event.get(path).is_none() {
            push(event, path, value);
        }
    };
    default(fields::CLASS_UID, Value::Int(0));
    default(fields::CATEGORY_UID, Value::Int(0));
    default(fields::ACTIVITY_ID, Value::Int(0));
    default(fields::TYPE_UID, Value::Int(0));
    if outcome.paths == PathSet::Arbitrary {
        default(fields::SEVERITY_ID, Value::Int(0));
        default(fields::MESSAGE, Value::from(""));
    }
    if let Some(ip) = rec.peer.as_deref().and_then(peer_ip_text) {
        default(fields::DEVICE_IP, Value::from(ip));
    }
}

thread_local! {
    /// The last peer read on this thread and its address as text: a connection's records
    /// arrive together, so the address is parsed and formatted once per run of them.
    static LAST_PEER: std::cell::RefCell<(String, Option<Text>)> =
        const { std::cell::RefCell::new((String::new(), None)) };
}

/// The IP address of a peer (see [`peer_ip`]) as text.
fn peer_ip_text(peer: &str) -> Option<Text> {
    LAST_PEER.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != peer {
            last.1 = peer_ip(peer).map(|ip| Text::from(ip.to_string()));
            last.0.clear();
            last.0.push_str(peer);
        }
        last.1.clone()
    })
}

/// Adds `left_out` to the count in field `path` (a parser's count of the fields it did not
/// set because the event held enough already; they stay in `raw_data`).
pub(crate) fn count_left_out(event: &mut Event, path: &'static str, left_out: usize) {
    if left_out == 0 {
        return;
    }
    let before = event.get(path).and_then(Value::as_i64).unwrap_or(0);
    let left_out = i64::try_from(left_out).unwrap_or(i64::MAX);
    event.set(path, before.saturating_add(left_out));
}

/// Appends a field the caller knows is not present yet.
pub(crate) fn push(event: &mut Event, path: &'static str, value: impl Into<Value>) {
    event.fields.push((path.into(), value.into()));
}

/// The IP address of a peer written as `ip:port`, `[v6]:port` or a bare address.
fn peer_ip(peer: &str) -> Option<IpAddr> {
    peer.parse::<SocketAddr>()
        .map(|addr| addr.ip())
        .or_else(|_| peer.parse::<IpAddr>())
        .ok()
}
