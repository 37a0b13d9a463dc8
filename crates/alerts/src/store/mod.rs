//! The alert store: alerts in the embedded state store, with suppression and idempotent
//! raising.
//!
//! Each batch of findings is recorded in one transaction. A detection finding whose event
//! id is not above the recorded progress (the highest event id whose findings are stored)
//! was recorded before a crash and is skipped on replay; a correlation finding is recorded
//! at most once per rule, entities and triggering event. A finding whose rule, tenant and
//! entities match an alert seen within the suppression window is folded into that alert.
//! A new alert queues its OCSF Detection Finding in the same transaction (the outbox).

mod outbox;
mod query;
mod rule_state;
mod status;
#[cfg(test)]
mod tests;

pub use outbox::OutboxEntry;
pub use query::AlertFilter;
pub use rule_state::DisabledRules;
pub use status::AlertStatus;

use crate::finding::Finding;
use crate::ocsf::FindingActivity;
use palisade_core::{Alert, AlertChange, AlertKind, EventId};
use palisade_state::{rusqlite, StateError, StateStore};
use rusqlite::{params, OptionalExtension, Transaction};
use std::sync::Arc;

/// The alert tables; migrations are only ever appended.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        rule_title TEXT NOT NULL,
        level INTEGER NOT NULL,
        kind TEXT NOT NULL,
        tags TEXT NOT NULL,
        event_ids TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        count INTEGER NOT NULL,
        entities TEXT NOT NULL,
        entity_key TEXT NOT NULL
    );
    CREATE INDEX alerts_open ON alerts (tenant, rule_id, entity_key, last_seen);
    CREATE INDEX alerts_recent ON alerts (tenant, last_seen);
    CREATE TABLE alert_progress (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_event_id INTEGER NOT NULL
    );
    CREATE TABLE alert_correlation_raises (
        rule_id TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        trigger_event INTEGER NOT NULL,
        PRIMARY KEY (rule_id, entity_key, trigger_event)
    );
    CREATE TABLE detection_rule_state (
        rule_id TEXT PRIMARY KEY,
        enabled INTEGER NOT NULL
    );
",
    "
    CREATE TABLE detection_rule_tenant_state (
        tenant TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (tenant, rule_id)
    );
    CREATE TABLE alert_finding_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        payload TEXT NOT NULL
    );
",
    "
    ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
    ALTER TABLE alerts ADD COLUMN lineage TEXT NOT NULL DEFAULT '[]';
",
];

/// The component name under which the alert tables are migrated.
const COMPONENT: &str = "alerts";

/// Alerts, persisted in the state store.
pub struct AlertStore {
    state: Arc<StateStore>,
    suppression_ms: i64,
    max_event_ids: usize,
}

impl AlertStore {
    /// Brings the alert tables up to date and returns the store.
    pub fn open(
        state: Arc<StateStore>,
        suppression_ms: i64,
        max_event_ids: usize,
    ) -> Result<AlertStore, StateError> {
        state.migrate(COMPONENT, MIGRATIONS)?;
        Ok(AlertStore {
            state,
            suppression_ms,
            max_event_ids: max_event_ids.max(1),
        })
    }

    /// The state store the alerts live in.
    pub fn state(&self) -> &Arc<StateStore> {
        &self.state
    }

    /// Records the findings of events up to `through` (the batch's highest event id; `None`
    /// when the findings come from a clock tick), in one transaction; returns the alerts
    /// raised or repeated, for the sinks.
    pub fn record(
        &self,
        findings: &[Finding],
        through: Option<EventId>,
    ) -> Result<Vec<(Alert, AlertChange)>, StateError> {
        self.state.with(|conn| {
            let tx = conn.transaction()?;
            let progress: i64 = tx
                .query_row(
                    "SELECT last_event_id FROM alert_progress WHERE id = 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(-1);
            let mut changes = Vec::new();
            for finding in findings {
                let trigger = finding.trigger();
                let fresh = match finding.kind {
                    AlertKind::Detection => to_i64(trigger) > progress,
                    AlertKind::Correlation => {
                        tx.execute(
                            "INSERT OR IGNORE INTO alert_correlation_raises
                             (rule_id, entity_key, trigger_event) VALUES (?1, ?2, ?3)",
                            params![finding.rule_id, finding.entity_key(), to_i64(trigger)],
                        )? == 1
                    }
                };
                if fresh {
                    let (alert, change) = self.fold_or_insert(&tx, finding)?;
                    if change == AlertChange::Raised {
                        outbox::queue(
                            &tx,
                            &alert,
                            &finding.lineage,
                            FindingActivity::Create,
                            AlertStatus::New,
                        )?;
                    }
                    changes.push((alert, change));
                }
            }
            if let Some(through) = through.map(to_i64).filter(|t| *t > progress) {
                tx.execute(
                    "INSERT INTO alert_progress (id, last_event_id) VALUES (1, ?1)
                     ON CONFLICT(id) DO UPDATE SET last_event_id = excluded.last_event_id",
                    [through],
                )?;
            }
            tx.commit()?;
            Ok(changes)
        })
    }

    /// Folds `finding` into the open alert of its rule, tenant and entities, or inserts a
    /// new alert.
    fn fold_or_insert(
        &self,
        tx: &Transaction<'_>,
        finding: &Finding,
    ) -> rusqlite::Result<(Alert, AlertChange)> {
        let entity_key = finding.entity_key();
        let open = tx
            .query_row(
                &format!(
                    "SELECT {} FROM alerts WHERE tenant = ?1 AND rule_id = ?2 AND entity_key = ?3
                     AND last_seen >= ?4 AND first_seen <= ?5
                     ORDER BY last_seen DESC, id DESC LIMIT 1",
                    query::COLUMNS
                ),
                params![
                    finding.tenant.as_str(),
                    finding.rule_id,
                    entity_key,
                    finding.first_seen.saturating_sub(self.suppression_ms),
                    finding.last_seen.saturating_add(self.suppression_ms),
                ],
                query::alert_from_row,
            )
            .optional()?;
        if let Some(mut alert) = open {
            alert.count += 1;
            alert.first_seen = alert.first_seen.min(finding.first_seen);
            alert.last_seen = alert.last_seen.max(finding.last_seen);
            for id in &finding.event_ids {
                if alert.event_ids.len() >= self.max_event_ids {
                    break;
                }
                if !alert.event_ids.contains(id) {
                    alert.event_ids.push(*id);
                }
            }
            tx.execute(
                "UPDATE alerts SET count = ?1, first_seen = ?2, last_seen = ?3, event_ids = ?4
                 WHERE id = ?5",
                params![
                    to_i64(alert.count),
                    alert.first_seen,
                    alert.last_seen,
                    json(&alert.event_ids),
                    alert.id
                ],
            )?;
            return Ok((alert, AlertChange::Repeated));
        }
        let mut event_ids = finding.event_ids.clone();
        event_ids.truncate(self.max_event_ids);
        tx.execute(
            "INSERT INTO alerts (tenant, rule_id, rule_title, level, kind, tags, event_ids,
             first_seen, last_seen, count, entities, entity_key, lineage)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11, ?12)",
            params![
                finding.tenant.as_str(),
                finding.rule_id,
                finding.rule_title,
                finding.level as i64,
                query::kind_name(finding.kind),
                json(&finding.tags),
                json(&event_ids),
                finding.first_seen,
                finding.last_seen,
                json(&finding.entities),
                entity_key,
                json(&finding.lineage),
            ],
        )?;
        let alert = Alert {
            id: tx.last_insert_rowid().to_string(),
            tenant: finding.tenant.clone(),
            rule_id: finding.rule_id.clone(),
            rule_title: finding.rule_title.clone(),
            level: finding.level,
            tags: finding.tags.clone(),
            kind: finding.kind,
            event_ids,
            first_seen: finding.first_seen,
            last_seen: finding.last_seen,
            count: 1,
            entities: finding.entities.clone(),
        };
        Ok((alert, AlertChange::Raised))
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
