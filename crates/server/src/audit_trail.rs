//! The audit sink of a running server: records go to the tamper-evident trail (durably, before
//! the request proceeds), and finished operations also enter the event pipeline as OCSF API
//! Activity events so detection rules can fire on them (a successful key-use call is searchable
//! through its key operation events instead).

use crate::{
    audit::{AuditError, AuditFuture, AuditRecord, AuditSink},
    audit_mode::AuditMode,
};
use palisade_audit::{ocsf, AuditEntry, AuditEvent, AuditLog, Outcome, Subject};
use palisade_core::{IngestSink, PayloadFormat, RawRecord, TenantId, Text, Transport};
use palisade_pipeline::Pipeline;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Audit events waiting for the pipeline; beyond this they are dropped (the trail keeps them).
const PIPELINE_QUEUE: usize = 10_000;
/// The most events handed to the pipeline in one batch.
const PIPELINE_BATCH: usize = 1_000;
/// The source name audit events carry in the pipeline (`metadata.log_name` is `audit`).
pub const AUDIT_SOURCE: &str = "audit";

/// Writes to an [`AuditLog`] and forwards finished operations to the pipeline.
pub struct TrailSink {
    log: Arc<AuditLog>,
    to_pipeline: mpsc::Sender<RawRecord>,
}

impl TrailSink {
    /// Starts forwarding to `pipeline` (on the current tokio runtime).
    pub fn start(log: Arc<AuditLog>, pipeline: Arc<Pipeline>) -> Self {
        let (tx, rx) = mpsc::channel(PIPELINE_QUEUE);
        tokio::spawn(forward(rx, pipeline));
        TrailSink {
            log,
            to_pipeline: tx,
        }
    }
}

impl AuditSink for TrailSink {
    fn record(&self, rec: AuditRecord) -> AuditFuture<'_> {
        Box::pin(self.append(rec, None))
    }

    fn record_with_detail(&self, rec: AuditRecord, detail: String) -> AuditFuture<'_> {
        Box::pin(self.append(rec, Some(detail)))
    }
}

impl TrailSink {
    /// Appends durably, then queues finished operations for the pipeline.
    async fn append(&self, rec: AuditRecord, detail: Option<String>) -> Result<(), AuditError> {
        let tenant = rec.tenant.clone();
        let forwarded = rec.result != Outcome::Pending && !searchable_as_key_event(&rec);
        let event = to_event(rec, detail);
        // Only a record that goes on to the pipeline needs a copy beside the trail's.
        let copy = forwarded.then(|| event.clone());
        let index = self
            .log
            .append(event)
            .await
            .map_err(|e| AuditError(e.to_string()))?;
        if let Some(event) = copy {
            let entry = AuditEntry { index, event };
            self.forward(&tenant, &entry);
        }
        Ok(())
    }

    /// Queues the OCSF form of `entry` for the pipeline, in the subject's tenant.
    fn forward(&self, tenant: &str, entry: &AuditEntry) {
        let payload = serde_json::to_vec(&ocsf::api_activity(entry)).unwrap_or_default();
        let record = RawRecord {
            tenant: TenantId::new(tenant).unwrap_or_default(),
            source: AUDIT_SOURCE.into(),
            transport: Transport::Http,
            format: PayloadFormat::Json,
            received_ms: entry.event.time_ms,
            peer: entry.event.source.as_deref().map(Text::from),
            payload,
        };
        if self.to_pipeline.try_send(record).is_err() {
            tracing::warn!(
                index = entry.index,
                "audit event not forwarded to the pipeline (queue full); it is in the audit trail"
            );
        }
    }
}

/// Whether the record is a successful key-use call: each of its key operations already enters
/// the pipeline as an API Activity event of its own (source `kms`: who, from where, which key
/// and version, the result), so a second event for the same call would only cost the
/// pipeline's work twice. Every other call, and every failed or refused one, is forwarded.
fn searchable_as_key_event(rec: &AuditRecord) -> bool {
    rec.result == Outcome::Success && rec.mode == AuditMode::OutcomeOnly
}

fn to_event(rec: AuditRecord, detail: Option<String>) -> AuditEvent {
    AuditEvent {
        time_ms: rec.time_ms,
        event_type: rec.event_type.to_owned(),
        request_id: rec.request_id,
        subject: Subject {
            identity: rec.subject,
            role: rec.role,
            tenant: rec.tenant,
        },
        object: rec.object,
        action: rec.action,
        result: rec.result,
        status: rec.status,
        source: rec.source.map(|s| s.to_string()),
        detail,
    }
}

/// Hands queued audit events to the pipeline in batches.
async fn forward(mut rx: mpsc::Receiver<RawRecord>, pipeline: Arc<Pipeline>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < PIPELINE_BATCH {
            match rx.try_recv() {
                Ok(record) => batch.push(record),
                Err(_) => break,
            }
        }
        if let Err(e) = pipeline.submit(batch).await {
            tracing::warn!(error = %e, "audit events not forwarded to the pipeline");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit_mode::audit_mode;

    /// The outcome record the server makes of a call (its mode decided from the route, as
    /// the authentication layer does).
    fn outcome(action: &str, object: &str, status: u16) -> AuditRecord {
        let path = object.split('?').next().unwrap_or_default();
        AuditRecord {
            time_ms: 1,
            subject: "u".into(),
            tenant: "default".into(),
            action: action.into(),
            source: None,
            event_type: "api.response",
            role: "user".into(),
            object: object.into(),
            request_id: "r".into(),
            result: Outcome::from_http_status(status),
            status: Some(status),
            mode: audit_mode(action, path),
        }
    }

    #[test]
    fn only_successful_key_use_calls_rely_on_their_key_operation_events() {
        let covered = |a, o, s| searchable_as_key_event(&outcome(a, o, s));
        assert!(covered("POST", "/api/v1/kms/keys/k/decrypt", 200));
        assert!(covered("POST", "/v1/transit/encrypt/k?x=1", 200));
        assert!(!covered("POST", "/api/v1/kms/keys/k/decrypt", 403));
        assert!(!covered("POST", "/api/v1/kms/keys/k/decrypt", 503));
        assert!(!covered("POST", "/api/v1/kms/keys/k/rotate", 200));
        assert!(!covered("GET", "/api/v1/events", 200));
    }
}
