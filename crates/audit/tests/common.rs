//! Helpers shared by the audit crate's integration tests.

use palisade_audit::{AuditEvent, Outcome, Subject};

/// A plausible API-call record number `n`.
pub fn event(n: u64) -> AuditEvent {
    AuditEvent {
        time_ms: 1_700_000_000_000 + n as i64,
        event_type: "api.response".into(),
        request_id: format!("req-{n}"),
        subject: Subject {
            identity: "admin".into(),
            role: "operator".into(),
            tenant: "default".into(),
        },
        object: format!("/api/v1/events?q=n{n}"),
        action: "GET".into(),
        result: Outcome::Success,
        status: Some(200),
        source: Some("127.0.0.1:40000".into()),
        detail: None,
    }
}
