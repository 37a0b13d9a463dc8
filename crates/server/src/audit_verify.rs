//! The server verifies its own audit trail: once at start, then every
//! `audit.verify_interval`, and on `POST /api/v1/audit/verify`. Every verification is an
//! audit record (`audit.verify`) and so an API Activity event in the pipeline; a failure
//! carries what failed and where, and the built-in rule "Palisade audit trail verification
//! failed" raises a high alert on it.

use crate::{api::ApiState, audit::AuditRecord, audit_mode::AuditMode, auth::new_request_id};
use palisade_audit::{Outcome, Verification};
use palisade_core::{config::Duration, TenantId};
use std::sync::Arc;

/// The identity system records are written under.
pub const SYSTEM_SUBJECT: &str = "palisade";

/// Verifies at start, then every `interval` (never again when it is zero).
pub async fn watch(state: Arc<ApiState>, interval: Duration) {
    loop {
        verify_and_record(&state).await;
        if interval.0 == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(interval.0)).await;
    }
}

/// Verifies the trail (off the async runtime) and records the outcome.
pub async fn verify_and_record(state: &ApiState) -> Verification {
    let log = state.audit_log.clone();
    let verification = match tokio::task::spawn_blocking(move || log.verify()).await {
        Ok(v) => v,
        Err(e) => Verification {
            time_ms: palisade_core::time::now_ms(),
            ok: false,
            records: 0,
            signed_size: 0,
            failure: Some(format!("the verification did not finish: {e}")),
        },
    };
    let (result, detail) = match &verification.failure {
        None => (
            Outcome::Success,
            format!(
                "{} records verified, {} covered by signed tree heads",
                verification.records, verification.signed_size
            ),
        ),
        Some(failure) => {
            tracing::error!(%failure, "the audit trail failed verification");
            (Outcome::Failure, failure.clone())
        }
    };
    let record = AuditRecord {
        time_ms: verification.time_ms,
        subject: SYSTEM_SUBJECT.to_owned(),
        tenant: TenantId::default().to_string(),
        action: "VERIFY".to_owned(),
        source: None,
        event_type: "audit.verify",
        role: "system".to_owned(),
        object: state.audit_log.dir().display().to_string(),
        request_id: new_request_id(),
        result,
        status: None,
        mode: AuditMode::IntentThenOutcome,
    };
    if let Err(e) = state.audit.record_with_detail(record, detail).await {
        tracing::error!(error = %e, "the outcome of the audit trail verification was not recorded");
    }
    verification
}
