//! Syslog forwarding of notifications: RFC 5424 messages over UDP, or TCP with octet-counted
//! framing (RFC 6587), with the incident's fields as structured data.

use super::Notification;
use palisade_core::{incident_config::SyslogTransport, time::format_rfc3339, AlertLevel};
use std::{
    io::Write,
    net::{SocketAddr, TcpStream, UdpSocket},
    time::Duration,
};

/// Facility `authpriv` (10): security messages.
const FACILITY: u8 = 10;
/// The structured-data id (private enterprise number 32473 is reserved for documentation).
const SD_ID: &str = "incident@32473";

/// The syslog severity of an incident severity.
fn severity(level: AlertLevel) -> u8 {
    match level {
        AlertLevel::Critical => 2,
        AlertLevel::High => 3,
        AlertLevel::Medium => 4,
        AlertLevel::Low => 5,
        AlertLevel::Informational => 6,
    }
}

/// Escapes a structured-data parameter value (`"`, `\` and `]`).
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The RFC 5424 line for a notification.
pub fn format(n: &Notification) -> String {
    let i = &n.incident;
    let pri = FACILITY * 8 + severity(i.severity);
    let mut params = vec![
        ("id", i.id.to_string()),
        ("tenant", i.tenant.clone()),
        ("event", n.event.clone()),
        ("severity", i.severity.as_str().to_owned()),
        ("state", i.state.as_str().to_owned()),
        ("rule", i.rule_id.clone()),
    ];
    params.extend(i.entities.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let sd: String = params
        .iter()
        .filter(|(k, _)| {
            k.bytes()
                .all(|b| b.is_ascii_graphic() && !b"= ]\"".contains(&b))
        })
        .map(|(k, v)| format!(" {k}=\"{}\"", escape(v)))
        .collect();
    let msgid = format!(
        "incident-{}",
        n.event.replace(|c: char| !c.is_ascii_graphic(), "_")
    );
    format!(
        "<{pri}>1 {} palisade palisade {} {msgid} [{SD_ID}{sd}] {}",
        format_rfc3339(n.time_ms),
        std::process::id(),
        n.summary()
    )
}

/// Sends one notification.
pub fn send(address: SocketAddr, transport: SyslogTransport, payload: &str) -> Result<(), String> {
    let notification: Notification = serde_json::from_str(payload)
        .map_err(|e| format!("queued notification unreadable: {e}"))?;
    let line = format(&notification);
    let failed = |e: std::io::Error| format!("syslog {address}: {e}");
    match transport {
        SyslogTransport::Udp => {
            let bind: SocketAddr = if address.is_ipv4() {
                "0.0.0.0:0"
            } else {
                "[::]:0"
            }
            .parse()
            .map_err(|_| "bad bind address".to_owned())?;
            let socket = UdpSocket::bind(bind).map_err(failed)?;
            socket.send_to(line.as_bytes(), address).map_err(failed)?;
        }
        SyslogTransport::Tcp => {
            let mut stream =
                TcpStream::connect_timeout(&address, Duration::from_secs(10)).map_err(failed)?;
            stream
                .set_write_timeout(Some(Duration::from_secs(10)))
                .map_err(failed)?;
            let frame = format!("{} {line}", line.len());
            stream.write_all(frame.as_bytes()).map_err(failed)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Incident, IncidentState, SlaStatus};
    use proptest::prelude::*;

    fn notification(title: &str, host: &str) -> Notification {
        Notification {
            event: "opened".into(),
            time_ms: 1_700_000_000_000,
            incident: Incident {
                id: 7,
                tenant: "default".into(),
                title: title.into(),
                state: IncidentState::New,
                severity: AlertLevel::High,
                assignee: None,
                rule_id: "r\"]".into(),
                group_key: String::new(),
                entities: [("host".to_owned(), host.to_owned())].into(),
                created_ms: 0,
                updated_ms: 0,
                acknowledged_ms: None,
                resolved_ms: None,
                closed_ms: None,
                merged_into: None,
                first_seen: 0,
                last_seen: 0,
                alert_count: 1,
                sla: SlaStatus {
                    acknowledge_due_ms: None,
                    resolve_due_ms: None,
                    acknowledge_breached: false,
                    resolve_breached: false,
                },
            },
        }
    }

    #[test]
    fn lines_follow_rfc5424_with_escaped_structured_data() {
        let line = format(&notification("Brute force", "web\\1"));
        assert!(
            line.starts_with("<83>1 2023-11-14T22:13:20.000Z palisade palisade "),
            "{line}"
        );
        assert!(line.contains(r#"rule="r\"\]" host="web\\1"]"#), "{line}");
        assert!(
            line.ends_with("[Palisade] high incident #7 opened: Brute force"),
            "{line}"
        );
    }

    proptest! {
        #[test]
        fn structured_data_closes_once_whatever_the_values(title in ".*", host in ".*") {
            let line = format(&notification(&title, &host));
            let sd_start = line.find('[').unwrap();
            // Walk the structured data: an unescaped ']' ends it, and must come before the message.
            let mut escaped = false;
            let mut end = None;
            for (i, c) in line[sd_start..].char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    ']' => { end = Some(sd_start + i); break; }
                    _ => {}
                }
            }
            let end = end.expect("structured data is closed");
            prop_assert!(line[end..].starts_with("] [Palisade] high incident #7 opened: "));
        }
    }
}
