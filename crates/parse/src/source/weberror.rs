//! Web server error logs: nginx (`2024/01/15 10:00:00 [error] 1234#0: *5 message, client:
//! 1.2.3.4, request: "GET /x HTTP/1.1"`) and Apache (`[Mon Jan 15 10:00:00.123 2024]
//! [core:error] [pid 1234] [client 1.2.3.4:5678] AH00126: message`). Their times carry no
//! zone and are read as UTC.

use super::ocsf;
use crate::{datetime, severity};
use palisade_core::{fields, Event, Value};

/// Parses one nginx error-log line; false when the line is not in this format.
pub(crate) fn parse_nginx(line: &str, event: &mut Event) -> bool {
    let Some((time, len)) = datetime::parse_slashed(line.as_bytes()) else {
        return false;
    };
    let Some(rest) = line.get(len..).and_then(|r| r.strip_prefix(" [")) else {
        return false;
    };
    let Some((level, rest)) = rest.split_once("] ") else {
        return false;
    };
    event.time = time;
    set_level(event, level);
    let (process, message) = rest.split_once(": ").unwrap_or(("", rest));
    if let Some(pid) = process.split('#').next() {
        ocsf::set_number(event, "process.pid", pid);
    }
    let message = message.trim_end();
    if let Some((_, client)) = message.split_once(", client: ") {
        let ip = client.split(',').next().unwrap_or(client);
        ocsf::set_text(event, "src_endpoint.ip", ip);
    }
    if let Some((_, request)) = message.split_once(", request: \"") {
        let request = request.split('"').next().unwrap_or(request);
        let mut parts = request.split(' ');
        ocsf::set_text(
            event,
            "http_request.http_method",
            parts.next().unwrap_or(""),
        );
        ocsf::set_text(event, "http_request.url.path", parts.next().unwrap_or(""));
    }
    event.set(fields::MESSAGE, message);
    true
}

/// Parses one Apache error-log line; false when the line is not in this format.
pub(crate) fn parse_apache(line: &str, event: &mut Event) -> bool {
    let Some(after) = line.strip_prefix('[') else {
        return false;
    };
    let Some((time, len)) = datetime::parse_ctime(after.as_bytes()) else {
        return false;
    };
    let Some(mut rest) = after.get(len..).and_then(|r| r.strip_prefix("] ")) else {
        return false;
    };
    event.time = time;
    // Bracketed prefixes: `[module:level]` (2.4) or `[level]` (2.2), `[pid N:tid M]`,
    // `[client ip:port]`.
    while let Some(inner) = rest.strip_prefix('[') {
        let Some((item, after)) = inner.split_once("] ") else {
            break;
        };
        rest = after;
        if let Some(pid) = item.strip_prefix("pid ") {
            ocsf::set_number(event, "process.pid", pid.split(':').next().unwrap_or(pid));
        } else if let Some(client) = item.strip_prefix("client ") {
            ocsf::set_text(event, "src_endpoint.ip", strip_port(client));
        } else {
            set_level(event, item.rsplit(':').next().unwrap_or(item));
        }
    }
    event.set(fields::MESSAGE, rest.trim_end());
    true
}

fn set_level(event: &mut Event, level: &str) {
    if let Some(id) = severity::from_name(level) {
        event.set(fields::SEVERITY_ID, Value::Int(id));
        event.set("unmapped.level", level);
    }
}

/// `1.2.3.4:5678` → `1.2.3.4`; `[::1]:5678` → `::1`; a bare address stays.
fn strip_port(client: &str) -> &str {
    if let Some(v6) = client.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    match client.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.parse::<u16>().is_ok() => ip,
        _ => client,
    }
}
