//! What one audit record says: time, event type, subject, object, action, result, source
//! address and request id.

use serde::{Deserialize, Serialize};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The identity (user or token name; `anonymous` when authentication failed).
    pub identity: String,
    /// The role the identity acted in.
    pub role: String,
    /// The tenant the identity acted in.
    pub tenant: String,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Recorded before the operation runs; the result follows in a later record with the same
    /// request id.
    Pending,
    /// The operation succeeded.
    Success,
    /// The operation ran and failed.
    Failure,
    /// The operation was refused (authentication or authorization).
    Denied,
}

impl Outcome {
    /// The outcome of an HTTP answer with `status`.
    pub fn from_http_status(status: u16) -> Self {
        match status {
            401 | 403 => Outcome::Denied,
            100..=399 => Outcome::Success,
            _ => Outcome::Failure,
        }
    }
}

/// One operation, as the caller hands it to the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When, epoch milliseconds.
    pub time_ms: i64,
    /// What kind of record: `api.request`, `api.response`, `authentication`, ….
    pub event_type: String,
    /// Correlates the records of one operation.
    pub request_id: String,
    /// Who.
    pub subject: Subject,
    /// On what: for API calls the path and query.
    pub object: String,
    /// What was done: for API calls the HTTP method.
    pub action: String,
    /// How it ended.
    pub result: Outcome,
    /// The HTTP status of the answer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The caller's address (`ip:port`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What a bare status cannot say: why and where (a verification failure, a token's new
    /// network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A record as stored: the event and its position in the log (its Merkle leaf index). The
/// stored JSON bytes are the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 0; a record stored elsewhere than its index was moved.
    pub index: u64,
    /// The operation.
    #[serde(flatten)]
    pub event: AuditEvent,
}

impl AuditEntry {
    /// The bytes stored in the log (and hashed into the tree).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain strings, integers and enums cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads stored bytes back.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a valid audit record: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_their_stored_bytes() {
        let entry = AuditEntry {
            index: 7,
            event: AuditEvent {
                time_ms: 1_700_000_000_000,
                event_type: "api.response".into(),
                request_id: "r1".into(),
                subject: Subject {
                    identity: "admin".into(),
                    role: "operator".into(),
                    tenant: "default".into(),
                },
                object: "/api/v1/events?q=x".into(),
                action: "GET".into(),
                result: Outcome::Success,
                status: Some(200),
                source: Some("127.0.0.1:5000".into()),
                detail: None,
            },
        };
        let bytes = entry.to_bytes();
        assert!(bytes.starts_with(b"{\"index\":7,"));
        assert_eq!(AuditEntry::from_bytes(&bytes).unwrap(), entry);
        assert!(AuditEntry::from_bytes(b"{\"index\":1}").is_err());
    }

    #[test]
    fn http_status_maps_to_outcome() {
        assert_eq!(Outcome::from_http_status(200), Outcome::Success);
        assert_eq!(Outcome::from_http_status(401), Outcome::Denied);
        assert_eq!(Outcome::from_http_status(503), Outcome::Failure);
    }
}
