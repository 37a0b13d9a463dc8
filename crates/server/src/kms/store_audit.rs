//! The audit of the key operations the event store makes itself (creating a tenant's storage
//! key, generating and unwrapping data keys): each is written to the audit trail like an API
//! call (an intent record before a key is made, refused when it cannot be written, and an
//! outcome record) and enters the event pipeline as a key-operation event.

use crate::auth::new_request_id;
use palisade_audit::{AuditEvent, AuditLog, Outcome, Subject};
use palisade_kms::{at_rest::StoreKeyAudit, OperationRecord};
use std::sync::Arc;
use tokio::{runtime::Handle, sync::mpsc};

/// The audit trail's event type of these records.
pub const EVENT_TYPE: &str = "kms.store_key";
/// Key-operation events waiting for the pipeline; beyond this they are dropped (with a
/// warning; the audit trail keeps the operation).
const PIPELINE_QUEUE: usize = 4096;

/// Writes the store's key operations to the audit trail and queues their events.
pub struct StoreKeyTrail {
    log: Arc<AuditLog>,
    runtime: Handle,
    to_pipeline: mpsc::Sender<OperationRecord>,
}

impl StoreKeyTrail {
    /// The trail over `log` (call within the server's runtime); the receiver yields the
    /// key-operation events for [`super::forward_records`].
    pub fn new(log: Arc<AuditLog>) -> (StoreKeyTrail, mpsc::Receiver<OperationRecord>) {
        let (to_pipeline, rx) = mpsc::channel(PIPELINE_QUEUE);
        let trail = StoreKeyTrail {
            log,
            runtime: Handle::current(),
            to_pipeline,
        };
        (trail, rx)
    }
}

/// The audit trail's form of a store key operation.
fn audit_event(op: &OperationRecord, request_id: String, result: Outcome) -> AuditEvent {
    AuditEvent {
        time_ms: op.time_ms,
        event_type: EVENT_TYPE.to_owned(),
        request_id,
        subject: Subject {
            identity: op.principal.clone(),
            role: "system".to_owned(),
            tenant: op.tenant.clone(),
        },
        object: format!("kms/keys/{}", op.key.as_deref().unwrap_or("-")),
        action: op.operation.clone(),
        result,
        status: None,
        source: None,
        detail: None,
    }
}

impl StoreKeyAudit for StoreKeyTrail {
    fn intent(&self, op: &OperationRecord) -> Result<String, String> {
        let id = new_request_id();
        let event = audit_event(op, id.clone(), Outcome::Pending);
        let log = self.log.clone();
        // A thread of its own: the caller may be anywhere, even inside the runtime.
        std::thread::scope(|s| {
            s.spawn(move || log.append_blocking(event))
                .join()
                .map_err(|_| "the audit writer panicked".to_owned())?
                .map(|_| id)
                .map_err(|e| e.to_string())
        })
    }

    fn outcome(&self, op: OperationRecord, intent: Option<String>) {
        let result = match op.result {
            Ok(()) => Outcome::Success,
            Err(_) => Outcome::Failure,
        };
        let event = audit_event(&op, intent.unwrap_or_else(new_request_id), result);
        let log = self.log.clone();
        self.runtime.spawn(async move {
            if let Err(e) = log.append(event).await {
                tracing::error!(error = %e, "the store's key operation is not in the audit trail");
            }
        });
        if self.to_pipeline.try_send(op).is_err() {
            tracing::warn!("the store's key operation event was not queued for the pipeline");
        }
    }
}
