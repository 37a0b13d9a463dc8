//! Generic JSON log objects: well-known keys become OCSF fields, everything else is kept
//! under `unmapped.<path>`. Windows events as JSON (`{"Event": {"System": ..., "EventData":
//! ...}}`) land under `unmapped.Event...` with their time, computer and provider picked out.

use super::{stream::Sink, time_ms, TimeUnit};
use crate::severity;
use palisade_core::{fields, Event, Value};
use serde_json::{Map, Value as Json};

const TIME_KEYS: &[&str] = &["@timestamp", "timestamp", "time", "ts"];
const MESSAGE_KEYS: &[&str] = &["message", "msg", "log"];
const HOST_KEYS: &[&str] = &["host", "hostname", "host.name"];
const APP_KEYS: &[&str] = &["app", "program", "service", "process"];
const LEVEL_KEYS: &[&str] = &["level", "severity", "log.level"];

/// A top-level key whose value (or one member of it) was mapped and needs no copy under
/// `unmapped`.
struct Used<'a> {
    key: &'a str,
    /// The member that was used, when the value is an object (`host` → `name`).
    member: Option<&'static str>,
}

/// Maps a generic log object into the sink's event.
pub(super) fn parse(object: &Map<String, Json>, sink: &mut Sink) {
    let mut used = map_known(object, sink.event);
    if let Some(winlog) = object.get("winlog").and_then(Json::as_object) {
        winlogbeat(winlog, sink);
        used.push(Used {
            key: "winlog",
            member: None,
        });
    }
    for (key, value) in object {
        let prefix = format!("unmapped.{key}");
        match used.iter().find(|u| u.key == key) {
            Some(Used { member: None, .. }) => {}
            Some(Used {
                member: Some(member),
                ..
            }) => {
                sink.set_json(&prefix, value);
                sink.event.remove(&format!("{prefix}.{member}"));
            }
            None => sink.set_json(&prefix, value),
        }
    }
}

/// Maps the well-known keys (time, message, host, app, level, a Windows event's system
/// part) and returns those it used.
fn map_known<'a>(object: &'a Map<String, Json>, event: &mut Event) -> Vec<Used<'a>> {
    let mut used = Vec::with_capacity(5);
    let time = TIME_KEYS.iter().find_map(|&key| {
        let ms = time_ms(object.get(key)?, TimeUnit::ByMagnitude)?;
        Some((key, ms))
    });
    if let Some((key, ms)) = time {
        event.time = ms;
        used.push(Used { key, member: None });
    }
    // tracing's JSON lines (Palisade's own log among them) nest the message in `fields`.
    let message = first_text(object, MESSAGE_KEYS, None)
        .or_else(|| first_text(object, &["fields"], Some("message")));
    if let Some((key, text)) = message {
        event.set(fields::MESSAGE, text);
        used.push(key);
    }
    if let Some(target) = object.get("target").and_then(Json::as_str) {
        if target == "palisade" || target.starts_with("palisade_") {
            event.set(fields::PRODUCT_NAME, "palisade");
        }
    }
    if let Some((key, host)) = first_text(object, HOST_KEYS, Some("name")) {
        event.set(fields::DEVICE_HOSTNAME, host);
        used.push(key);
    }
    if let Some((key, app)) = first_text(object, APP_KEYS, Some("name")) {
        event.set(fields::PRODUCT_NAME, app);
        used.push(key);
    }
    if let Some((key, id)) = level(object) {
        event.set(fields::SEVERITY_ID, id);
        used.push(key);
    }
    if time.is_none() {
        windows_event(object, event);
    }
    used
}

/// The first of `keys` holding text (or, with `member`, an object holding text there).
fn first_text<'a>(
    object: &'a Map<String, Json>,
    keys: &[&'static str],
    member: Option<&'static str>,
) -> Option<(Used<'a>, &'a str)> {
    keys.iter().find_map(|&key| match object.get(key)? {
        Json::String(s) => Some((Used { key, member: None }, s.as_str())),
        Json::Object(inner) => {
            let name = member?;
            let text = inner.get(name)?.as_str()?;
            Some((
                Used {
                    key,
                    member: Some(name),
                },
                text,
            ))
        }
        _ => None,
    })
}

/// The OCSF severity from the first level key holding a known level name or syslog number
/// (including ECS's nested `log.level`).
fn level(object: &Map<String, Json>) -> Option<(Used<'_>, i64)> {
    let nested = object
        .get("log")
        .and_then(|log| log.get("level"))
        .and_then(level_id)
        .map(|id| {
            let used = Used {
                key: "log",
                member: Some("level"),
            };
            (used, id)
        });
    LEVEL_KEYS
        .iter()
        .find_map(|&key| {
            let id = level_id(object.get(key)?)?;
            Some((Used { key, member: None }, id))
        })
        .or(nested)
}

fn level_id(value: &Json) -> Option<i64> {
    match value {
        Json::String(s) => severity::from_name(s),
        Json::Number(n) => severity::from_name(&n.to_string()),
        _ => None,
    }
}

/// Winlogbeat's `winlog` object, placed where a Windows event rendered as JSON keeps the
/// same facts (`unmapped.Event.System.*`, `unmapped.Event.EventData.*`), so searches and
/// detection rules see one shape whichever way the event was shipped.
fn winlogbeat(winlog: &Map<String, Json>, sink: &mut Sink) {
    for (key, value) in winlog {
        let path = match key.as_str() {
            "event_data" => "unmapped.Event.EventData".to_owned(),
            "user_data" => "unmapped.Event.UserData".to_owned(),
            "event_id" => "unmapped.Event.System.EventID".to_owned(),
            "channel" => "unmapped.Event.System.Channel".to_owned(),
            "computer_name" => "unmapped.Event.System.Computer".to_owned(),
            "provider_name" => "unmapped.Event.System.Provider.Name".to_owned(),
            "record_id" => "unmapped.Event.System.EventRecordID".to_owned(),
            "task" => "unmapped.Event.System.Task".to_owned(),
            "keywords" => "unmapped.Event.System.Keywords".to_owned(),
            other => format!("unmapped.winlog.{other}"),
        };
        sink.set_json(&path, value);
    }
    let event = &mut *sink.event;
    let text = |key: &str| winlog.get(key).and_then(Json::as_str);
    for (path, value) in [
        (fields::DEVICE_HOSTNAME, text("computer_name")),
        (fields::PRODUCT_NAME, text("provider_name")),
    ] {
        if let Some(value) = value.filter(|_| event.get(path).is_none()) {
            event.set(path, value);
        }
    }
}

/// Picks the time, computer, provider and level out of a Windows event rendered as JSON, in
/// both the plain (`TimeCreated.SystemTime`) and the attribute (`#attributes`) shapes.
fn windows_event(object: &Map<String, Json>, event: &mut Event) {
    let Some(system) = object.get("Event").and_then(|e| e.get("System")) else {
        return;
    };
    let attribute = |element: &str, name: &str| {
        let node = system.get(element)?;
        node.get(name)
            .or_else(|| node.get("#attributes").and_then(|a| a.get(name)))
    };
    if let Some(ms) =
        attribute("TimeCreated", "SystemTime").and_then(|t| time_ms(t, TimeUnit::Millis))
    {
        event.time = ms;
    }
    let mut set_if_absent = |path: &'static str, value: Option<&Json>| {
        if let Some(text) = value.and_then(Json::as_str) {
            if event.get(path).is_none() {
                event.set(path, text);
            }
        }
    };
    set_if_absent(fields::DEVICE_HOSTNAME, system.get("Computer"));
    set_if_absent(fields::PRODUCT_NAME, attribute("Provider", "Name"));
    let level = system.get("Level").and_then(|l| match l {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    });
    // Windows levels: 1 critical, 2 error, 3 warning, 4 information, 5 verbose.
    let id = match level {
        Some(1) => 5,
        Some(2) => 4,
        Some(3) => 3,
        Some(4 | 5) => 1,
        _ => return,
    };
    if event.get(fields::SEVERITY_ID).is_none() {
        event.set(fields::SEVERITY_ID, Value::Int(id));
    }
}
