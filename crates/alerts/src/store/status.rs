//! An alert's status, as an analyst sets it; each change is written as an OCSF Detection
//! Finding update.

use super::{outbox, query, AlertStore};
use crate::ocsf::FindingActivity;
use palisade_core::{Alert, TenantId};
use palisade_state::{rusqlite, StateError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;

/// Where an alert stands: the OCSF finding statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Not looked at yet (every alert starts here).
    New,
    /// Someone works on it.
    InProgress,
    /// Judged not worth acting on (a false positive, accepted risk).
    Suppressed,
    /// Dealt with.
    Resolved,
}

const ALL: [AlertStatus; 4] = [
    AlertStatus::New,
    AlertStatus::InProgress,
    AlertStatus::Suppressed,
    AlertStatus::Resolved,
];

impl AlertStatus {
    /// The name the API uses (`new`, `in_progress`, `suppressed`, `resolved`).
    pub fn name(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::InProgress => "in_progress",
            AlertStatus::Suppressed => "suppressed",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Reads an API name.
    pub fn parse(name: &str) -> Result<AlertStatus, String> {
        ALL.into_iter().find(|s| s.name() == name).ok_or_else(|| {
            format!("unknown alert status {name:?}: use new, in_progress, suppressed or resolved")
        })
    }

    /// The OCSF `status_id` (1 New, 2 In Progress, 3 Suppressed, 4 Resolved).
    pub fn ocsf_id(self) -> i64 {
        match self {
            AlertStatus::New => 1,
            AlertStatus::InProgress => 2,
            AlertStatus::Suppressed => 3,
            AlertStatus::Resolved => 4,
        }
    }

    /// The OCSF `status` caption.
    pub fn ocsf_name(self) -> &'static str {
        match self {
            AlertStatus::New => "New",
            AlertStatus::InProgress => "In Progress",
            AlertStatus::Suppressed => "Suppressed",
            AlertStatus::Resolved => "Resolved",
        }
    }
}

impl AlertStore {
    /// Sets the status of alert `id` if it belongs to `tenant` (`None`: any tenant); a real
    /// change queues the alert's finding update in the same transaction. Returns the alert,
    /// whether its status changed, or `None` when there is no such alert.
    pub fn set_status(
        &self,
        id: &str,
        tenant: Option<&TenantId>,
        status: AlertStatus,
    ) -> Result<Option<(Alert, bool)>, StateError> {
        let Ok(row_id) = id.parse::<i64>() else {
            return Ok(None);
        };
        self.state.with(|conn| {
            let tx = conn.transaction()?;
            let found = tx
                .query_row(
                    &format!(
                        "SELECT {}, status, lineage FROM alerts WHERE id = ?1",
                        query::COLUMNS
                    ),
                    [row_id],
                    |row| {
                        Ok((
                            query::alert_from_row(row)?,
                            row.get::<_, String>(12)?,
                            row.get::<_, String>(13)?,
                        ))
                    },
                )
                .optional()?;
            let Some((alert, current, lineage)) = found else {
                return Ok(None);
            };
            if tenant.is_some_and(|t| *t != alert.tenant) {
                return Ok(None);
            }
            if current == status.name() {
                return Ok(Some((alert, false)));
            }
            tx.execute(
                "UPDATE alerts SET status = ?1 WHERE id = ?2",
                params![status.name(), row_id],
            )?;
            let lineage: Vec<String> = serde_json::from_str(&lineage).unwrap_or_default();
            outbox::queue(&tx, &alert, &lineage, FindingActivity::Update, status)?;
            tx.commit()?;
            Ok(Some((alert, true)))
        })
    }

    /// The status of each of `ids` that exists (by alert id).
    pub fn statuses(&self, ids: &[&str]) -> Result<HashMap<String, AlertStatus>, StateError> {
        self.state.with(|conn| {
            let mut stmt = conn.prepare("SELECT status FROM alerts WHERE id = ?1")?;
            let mut statuses = HashMap::new();
            for id in ids {
                let Ok(row_id) = id.parse::<i64>() else {
                    continue;
                };
                let status: Option<String> = stmt.query_row([row_id], |r| r.get(0)).optional()?;
                if let Some(status) = status.and_then(|s| AlertStatus::parse(&s).ok()) {
                    statuses.insert((*id).to_owned(), status);
                }
            }
            Ok(statuses)
        })
    }
}
