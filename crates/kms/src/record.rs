//! The event every key operation emits into the pipeline: who, which key and version, what,
//! the result and where from — never plaintext or key material.
//!
//! The event is written straight to its JSON text from borrowed, typed fields (no
//! intermediate `serde_json::Value` tree), because every key operation makes one.

use serde::Serialize;

/// One key operation, as it enters the event pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRecord {
    /// Epoch milliseconds.
    pub time_ms: i64,
    /// Principal name (`system` for scheduled maintenance).
    pub principal: String,
    /// Tenant the principal acted in.
    pub tenant: String,
    /// Operation name (see [`crate::Operation::name`], or `unseal`, `seal`).
    pub operation: String,
    /// Key name, when the operation names one.
    pub key: Option<String>,
    /// Key version used or made.
    pub version: Option<u32>,
    /// `Ok` or the error kind (see [`crate::KmsError::kind`]).
    pub result: Result<(), String>,
    /// Caller's address.
    pub source: Option<String>,
}

impl OperationRecord {
    /// The record as the JSON text of an OCSF API Activity (class 6003) event.
    pub fn to_event_json(&self) -> Vec<u8> {
        let ok = self.result.is_ok();
        let key_name = self.key.as_deref();
        let event = Event {
            time: self.time_ms,
            class_uid: 6003,
            category_uid: 6,
            activity_id: 99,
            type_uid: 600_399,
            severity_id: if ok { 1 } else { 3 },
            status_id: if ok { 1 } else { 2 },
            status: if ok { "Success" } else { "Failure" },
            status_detail: self.result.as_ref().err().map(String::as_str),
            message: Message {
                operation: &self.operation,
                key: key_name.unwrap_or("-"),
            },
            actor: Actor {
                user: Named {
                    name: &self.principal,
                },
            },
            api: Api {
                service: Named { name: "kms" },
                operation: &self.operation,
            },
            metadata: Metadata {
                product: Product {
                    name: "Palisade",
                    feature: Named { name: "kms" },
                },
                log_name: "kms",
            },
            resources: key_name.map(|name| {
                [Resource {
                    kind: "kms_key",
                    name,
                    version: self.version,
                }]
            }),
            src_endpoint: self.source.as_deref().map(|ip| Endpoint { ip }),
        };
        // Plain structs of strings and numbers always serialize; the empty fallback is only
        // there so that no panic path exists.
        serde_json::to_vec(&event).unwrap_or_default()
    }
}

/// The event's fields, in OCSF's names.
#[derive(Serialize)]
struct Event<'a> {
    time: i64,
    class_uid: u32,
    category_uid: u32,
    activity_id: u32,
    type_uid: u32,
    severity_id: u8,
    status_id: u8,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<&'a str>,
    message: Message<'a>,
    actor: Actor<'a>,
    api: Api<'a>,
    metadata: Metadata<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<[Resource<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_endpoint: Option<Endpoint<'a>>,
}

/// `kms <operation> <key or ->`, written without an intermediate string.
struct Message<'a> {
    operation: &'a str,
    key: &'a str,
}

impl Serialize for Message<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("kms {} {}", self.operation, self.key))
    }
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Actor<'a> {
    user: Named<'a>,
}

#[derive(Serialize)]
struct Api<'a> {
    service: Named<'a>,
    operation: &'a str,
}

#[derive(Serialize)]
struct Product<'a> {
    name: &'a str,
    feature: Named<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    product: Product<'a>,
    log_name: &'a str,
}

#[derive(Serialize)]
struct Resource<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    version: Option<u32>,
}

#[derive(Serialize)]
struct Endpoint<'a> {
    ip: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn event_of(r: &OperationRecord) -> Value {
        serde_json::from_slice(&r.to_event_json()).unwrap()
    }

    #[test]
    fn carries_who_what_and_result() {
        let r = OperationRecord {
            time_ms: 5,
            principal: "admin".into(),
            tenant: "default".into(),
            operation: "decrypt".into(),
            key: Some("orders".into()),
            version: Some(2),
            result: Err("crypto_failure".into()),
            source: Some("127.0.0.1".into()),
        };
        let e = event_of(&r);
        assert_eq!(e["actor"]["user"]["name"], "admin");
        assert_eq!(e["resources"][0]["name"], "orders");
        assert_eq!(e["resources"][0]["type"], "kms_key");
        assert_eq!(e["resources"][0]["version"], 2);
        assert_eq!(e["status"], "Failure");
        assert_eq!(e["status_id"], 2);
        assert_eq!(e["severity_id"], 3);
        assert_eq!(e["status_detail"], "crypto_failure");
        assert_eq!(e["src_endpoint"]["ip"], "127.0.0.1");
        assert_eq!(e["message"], "kms decrypt orders");
    }

    #[test]
    fn a_success_without_key_or_address_has_exactly_the_ocsf_fields() {
        let r = OperationRecord {
            time_ms: 7,
            principal: "ops \"x\"".into(),
            tenant: "default".into(),
            operation: "unseal".into(),
            key: None,
            version: None,
            result: Ok(()),
            source: None,
        };
        let expected = json!({
            "time": 7, "class_uid": 6003, "category_uid": 6, "activity_id": 99,
            "type_uid": 600399, "severity_id": 1, "status_id": 1, "status": "Success",
            "message": "kms unseal -",
            "actor": { "user": { "name": "ops \"x\"" } },
            "api": { "service": { "name": "kms" }, "operation": "unseal" },
            "metadata": { "product": { "name": "Palisade", "feature": { "name": "kms" } },
                          "log_name": "kms" },
        });
        assert_eq!(event_of(&r), expected);
    }
}
