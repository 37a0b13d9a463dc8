//! Audit records as OCSF API Activity events (class 6003), so detection rules can fire on them.
//! `metadata.event_code` is the record's type (`login`, `lockout.source`, `token.new_network`,
//! `audit.verify`, …) and `status_detail` its detail.

use crate::record::{AuditEntry, Outcome};
use serde_json::{json, Value};

/// OCSF class `API Activity`.
pub const API_ACTIVITY_CLASS: u32 = 6003;
/// OCSF category `Application Activity`.
const APPLICATION_ACTIVITY_CATEGORY: u32 = 6;

/// OCSF API Activity `activity_id` for an HTTP method: 1 Create, 2 Read, 3 Update, 4 Delete,
/// 99 Other.
fn activity_id(method: &str) -> u32 {
    match method {
        "POST" => 1,
        "GET" | "HEAD" => 2,
        "PUT" | "PATCH" => 3,
        "DELETE" => 4,
        _ => 99,
    }
}

/// The OCSF event for one audit record.
///
/// The request's query string stays in the audit trail only: copied into the event store it
/// would show every user of the tenant what others searched for (and make searches match
/// their own audit events).
pub fn api_activity(entry: &AuditEntry) -> Value {
    let event = &entry.event;
    let activity = activity_id(&event.action);
    let path = event.object.split('?').next().unwrap_or_default();
    let (status_id, status) = match event.result {
        Outcome::Success => (1, "Success"),
        Outcome::Failure | Outcome::Denied => (2, "Failure"),
        Outcome::Pending => (0, "Unknown"),
    };
    let mut out = json!({
        "class_uid": API_ACTIVITY_CLASS,
        "category_uid": APPLICATION_ACTIVITY_CATEGORY,
        "activity_id": activity,
        "type_uid": API_ACTIVITY_CLASS * 100 + activity,
        "severity_id": if event.result == Outcome::Denied { 3 } else { 1 },
        "status_id": status_id,
        "status": status,
        "time": event.time_ms,
        "message": format!("{} {path} {:?}", event.action, event.result).to_lowercase(),
        "actor": {"user": {"name": event.subject.identity, "type": event.subject.role}},
        "api": {
            "operation": event.action,
            "request": {"uid": event.request_id},
            "service": {"name": "palisade"},
        },
        "http_request": {"http_method": event.action, "url": {"path": path}},
        "metadata": {
            "product": {"name": "Palisade", "vendor_name": "Palisade"},
            "log_name": "audit",
            "event_code": event.event_type,
            "sequence": entry.index,
            "version": "1.1.0",
        },
    });
    if let Some(detail) = &event.detail {
        out["status_detail"] = json!(detail);
        out["message"] = json!(format!(
            "{}: {detail}",
            out["message"].as_str().unwrap_or("")
        ));
    }
    if let Some(code) = event.status {
        out["api"]["response"] = json!({ "code": code });
        out["http_response"] = json!({ "code": code });
    }
    if let Some(source) = &event.source {
        if let Ok(addr) = source.parse::<std::net::SocketAddr>() {
            out["src_endpoint"] = json!({"ip": addr.ip().to_string(), "port": addr.port()});
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AuditEvent, Subject};

    #[test]
    fn failed_login_maps_to_a_failed_api_activity() {
        let entry = AuditEntry {
            index: 3,
            event: AuditEvent {
                time_ms: 5,
                event_type: "authentication".into(),
                request_id: "r".into(),
                subject: Subject {
                    identity: "anonymous".into(),
                    role: "none".into(),
                    tenant: "default".into(),
                },
                object: "/api/v1/events?q=x".into(),
                action: "GET".into(),
                result: Outcome::Denied,
                status: Some(401),
                source: Some("10.0.0.9:4000".into()),
                detail: None,
            },
        };
        let v = api_activity(&entry);
        assert_eq!(v["class_uid"], 6003);
        assert_eq!(v["type_uid"], 600302);
        assert_eq!(v["status_id"], 2);
        assert_eq!(v["src_endpoint"]["ip"], "10.0.0.9");
        assert_eq!(v["api"]["response"]["code"], 401);
        assert_eq!(v["metadata"]["sequence"], 3);
        assert_eq!(v["http_request"]["url"]["path"], "/api/v1/events");
        assert!(
            !v.to_string().contains("q=x"),
            "the query text stays in the trail"
        );
    }

    #[test]
    fn a_detail_becomes_the_status_detail() {
        let entry = AuditEntry {
            index: 9,
            event: AuditEvent {
                time_ms: 5,
                event_type: "audit.verify".into(),
                request_id: "r".into(),
                subject: Subject {
                    identity: "palisade".into(),
                    role: "system".into(),
                    tenant: "default".into(),
                },
                object: "audit trail".into(),
                action: "VERIFY".into(),
                result: Outcome::Failure,
                status: None,
                source: None,
                detail: Some("record 3 at byte 200: checksum mismatch".into()),
            },
        };
        let v = api_activity(&entry);
        assert_eq!(v["metadata"]["event_code"], "audit.verify");
        assert_eq!(v["status_id"], 2);
        assert_eq!(
            v["status_detail"],
            "record 3 at byte 200: checksum mismatch"
        );
        assert!(v["message"].as_str().unwrap().contains("checksum mismatch"));
    }
}
