//! The event every key operation emits into the pipeline: who, which key and version, what,
//! the result and where from — never plaintext or key material.

use serde_json::{json, Value};

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
    /// The record as an OCSF API Activity (class 6003) event.
    pub fn to_event(&self) -> Value {
        let (status_id, status, detail) = match &self.result {
            Ok(()) => (1, "Success", Value::Null),
            Err(kind) => (2, "Failure", Value::String(kind.clone())),
        };
        let mut event = json!({
            "time": self.time_ms,
            "class_uid": 6003,
            "category_uid": 6,
            "activity_id": 99,
            "type_uid": 600399,
            "severity_id": if self.result.is_ok() { 1 } else { 3 },
            "status_id": status_id,
            "status": status,
            "message": format!("kms {} {}", self.operation, self.key.as_deref().unwrap_or("-")),
            "actor": { "user": { "name": self.principal } },
            "api": { "service": { "name": "kms" }, "operation": self.operation },
            "metadata": { "product": { "name": "Palisade", "feature": { "name": "kms" } }, "log_name": "kms" },
        });
        if !detail.is_null() {
            event["status_detail"] = detail;
        }
        if let Some(key) = &self.key {
            event["resources"] =
                json!([{ "type": "kms_key", "name": key, "version": self.version }]);
        }
        if let Some(src) = &self.source {
            event["src_endpoint"] = json!({ "ip": src });
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = r.to_event();
        assert_eq!(e["actor"]["user"]["name"], "admin");
        assert_eq!(e["resources"][0]["name"], "orders");
        assert_eq!(e["resources"][0]["version"], 2);
        assert_eq!(e["status"], "Failure");
        assert_eq!(e["status_detail"], "crypto_failure");
        assert_eq!(e["src_endpoint"]["ip"], "127.0.0.1");
    }
}
