//! Web server access logs in the Common and Combined Log Formats, as nginx and Apache write
//! them by default: `host ident user [time] "request" status bytes ["referer" "user-agent"]`.

use super::ocsf::{self, Status, HTTP_ACTIVITY, OTHER};
use crate::datetime;
use palisade_core::{fields, Event, Value};

/// Parses one access-log line; false when the line is not in this format.
pub(crate) fn parse(line: &str, event: &mut Event) -> bool {
    let mut rest = line.trim_end();
    let mut head = [""; 3];
    for slot in &mut head {
        let Some((word, after)) = rest.split_once(' ') else {
            return false;
        };
        *slot = word;
        rest = after;
    }
    let [client, _ident, user] = head;
    if client.is_empty() || !rest.starts_with('[') {
        return false;
    }
    let Some((time, len)) = datetime::parse_clf(&rest.as_bytes()[1..]) else {
        return false;
    };
    let Some(after_time) = rest.get(len + 1..).and_then(|r| r.strip_prefix("] \"")) else {
        return false;
    };
    let Some((request, after_request)) = quoted_end(after_time) else {
        return false;
    };
    let mut words = after_request.trim_start().splitn(3, ' ');
    let (Some(status), Some(bytes)) = (words.next(), words.next()) else {
        return false;
    };
    let Ok(code) = status.parse::<i64>() else {
        return false;
    };
    event.time = time;
    client_fields(event, client, user);
    let method = request_fields(event, request);
    event.set("http_response.code", Value::Int(code));
    if let Ok(length) = bytes.parse::<i64>() {
        event.set("http_response.length", Value::Int(length));
    }
    if let Some(tail) = words.next() {
        let (referrer, tail) = next_quoted(tail);
        let (agent, _) = next_quoted(tail);
        ocsf::set_text(
            event,
            "http_request.referrer",
            referrer.filter(|r| *r != "-").unwrap_or(""),
        );
        ocsf::set_text(
            event,
            "http_request.user_agent",
            agent.filter(|a| *a != "-").unwrap_or(""),
        );
    }
    let status = if code < 400 {
        Status::Success
    } else {
        Status::Failure
    };
    let severity = match code {
        500.. => 3,
        400.. => 2,
        _ => 1,
    };
    event.set(fields::SEVERITY_ID, Value::Int(severity));
    event.set(fields::MESSAGE, request);
    ocsf::classify(event, HTTP_ACTIVITY, activity(method), Some(status));
    true
}

fn client_fields(event: &mut Event, client: &str, user: &str) {
    if client.parse::<std::net::IpAddr>().is_ok() {
        event.set("src_endpoint.ip", client);
    } else {
        event.set("src_endpoint.hostname", client);
    }
    if user != "-" {
        ocsf::set_text(event, "user.name", user);
    }
}

/// `GET /path?query HTTP/1.1`; returns the method.
fn request_fields<'a>(event: &mut Event, request: &'a str) -> &'a str {
    let mut parts = request.split(' ');
    let method = parts.next().unwrap_or("");
    ocsf::set_text(event, "http_request.http_method", method);
    if let Some(target) = parts.next() {
        ocsf::set_text(event, "http_request.url.url_string", target);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        ocsf::set_text(event, "http_request.url.path", path);
        ocsf::set_text(event, "http_request.url.query_string", query);
    }
    if let Some(version) = parts.next() {
        ocsf::set_text(event, "http_request.version", version);
    }
    method
}

/// OCSF HTTP Activity activity id of a method.
fn activity(method: &str) -> i64 {
    match method {
        "CONNECT" => 1,
        "DELETE" => 2,
        "GET" => 3,
        "HEAD" => 4,
        "OPTIONS" => 5,
        "POST" => 6,
        "PUT" => 7,
        "TRACE" => 8,
        _ => OTHER,
    }
}

/// Splits text that starts just after an opening quote at its closing quote (backslash
/// escapes honoured); returns the quoted text and what follows the quote.
fn quoted_end(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some((&s[..at], &s[at + 1..])),
            _ => at += 1,
        }
    }
    None
}

/// The next `"quoted"` word of `s` and what follows it.
fn next_quoted(s: &str) -> (Option<&str>, &str) {
    match s.trim_start().strip_prefix('"').and_then(quoted_end) {
        Some((text, rest)) => (Some(text), rest),
        None => (None, ""),
    }
}
