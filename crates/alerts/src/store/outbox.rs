//! The finding outbox: OCSF Detection Findings waiting to enter the pipeline.
//!
//! A finding is queued in the same transaction as the alert change it reports, and removed
//! only once the pipeline has made it durable, so a crash between the two loses nothing: the
//! next start sends what is still queued.

use super::{AlertStatus, AlertStore};
use crate::ocsf::{detection_finding, FindingActivity};
use palisade_core::{time, Alert, TenantId};
use palisade_state::{rusqlite, StateError};
use rusqlite::{params, Transaction};

/// One queued finding.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Its place in the queue.
    pub seq: i64,
    /// The tenant whose event store it goes to.
    pub tenant: TenantId,
    /// The OCSF JSON.
    pub payload: String,
}

/// Queues the finding of `alert` (inside the transaction that changes the alert).
pub(super) fn queue(
    tx: &Transaction<'_>,
    alert: &Alert,
    lineage: &[String],
    activity: FindingActivity,
    status: AlertStatus,
) -> rusqlite::Result<()> {
    let ocsf_status = (status.ocsf_id(), status.ocsf_name());
    let finding = detection_finding(alert, lineage, activity, ocsf_status, time::now_ms());
    tx.execute(
        "INSERT INTO alert_finding_outbox (tenant, payload) VALUES (?1, ?2)",
        params![alert.tenant.as_str(), finding.to_string()],
    )
    .map(drop)
}

impl AlertStore {
    /// The oldest queued findings after `after_seq`, at most `limit`.
    pub fn queued_findings(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StateError> {
        self.state.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT seq, tenant, payload FROM alert_finding_outbox WHERE seq > ?1
                 ORDER BY seq LIMIT ?2",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map([after_seq, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (seq, tenant, payload) = row?;
                match TenantId::new(&tenant) {
                    Ok(tenant) => entries.push(OutboxEntry {
                        seq,
                        tenant,
                        payload,
                    }),
                    // Never written by this store; sending it to another tenant would leak it.
                    Err(e) => tracing::error!(seq, error = %e, "queued finding dropped"),
                }
            }
            Ok(entries)
        })
    }

    /// Removes the queued findings up to `seq` (the pipeline has them).
    pub fn sent_findings(&self, through_seq: i64) -> Result<(), StateError> {
        self.state.with(|conn| {
            conn.execute(
                "DELETE FROM alert_finding_outbox WHERE seq <= ?1",
                [through_seq],
            )
            .map(drop)
        })
    }
}
