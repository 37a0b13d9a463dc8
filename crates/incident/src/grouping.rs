//! Grouping alerts into incidents: a new alert joins the open incident of its group (same
//! tenant and grouping key, latest alert within the window) or opens a new one.

use crate::{db, error::Result, manager::Inner, model::IncidentState};
use palisade_core::{Alert, AlertChange};
use palisade_state::rusqlite::{params, OptionalExtension, Transaction};
use serde_json::json;
use std::collections::BTreeMap;

/// The grouping key of an alert under `group_by`: the chosen keys and their values, as JSON
/// (unambiguous whatever the values hold).
pub fn group_key(alert: &Alert, group_by: &[String]) -> String {
    let pairs: Vec<(&str, &str)> = group_by
        .iter()
        .filter(|k| k.as_str() != "tenant")
        .map(|k| {
            let value = match k.as_str() {
                "rule" => alert.rule_id.as_str(),
                entity => alert.entities.get(entity).map_or("", String::as_str),
            };
            (k.as_str(), value)
        })
        .collect();
    serde_json::to_string(&pairs).unwrap_or_default()
}

impl Inner {
    /// Links an alert to its incident (opening one when needed); returns the incident id.
    pub fn ingest(&self, alert: &Alert, change: AlertChange, now: i64) -> Result<i64> {
        let key = group_key(alert, &self.config.group_by);
        let window = self.config.window.0 as i64;
        let id = self.store.with(|conn| {
            let tx = conn.transaction()?;
            let id = match linked_incident(&tx, alert)? {
                Some(id) => {
                    refresh_alert(&tx, id, alert, now)?;
                    id
                }
                None => match open_incident_of(&tx, alert, &key, window)? {
                    Some(id) => {
                        join(&tx, id, alert, now, change)?;
                        id
                    }
                    None => self.open(&tx, alert, &key, now)?,
                },
            };
            tx.commit()?;
            Ok(id)
        })?;
        Ok(id)
    }

    /// Opens a new incident for `alert`, queueing its notifications and bound actions.
    fn open(
        &self,
        tx: &Transaction<'_>,
        alert: &Alert,
        key: &str,
        now: i64,
    ) -> palisade_state::rusqlite::Result<i64> {
        let entities: BTreeMap<&str, &str> = ["host", "user", "src_ip", "dst_ip"]
            .into_iter()
            .filter_map(|k| alert.entities.get(k).map(|v| (k, v.as_str())))
            .collect();
        tx.execute(
            "INSERT INTO incidents (tenant, title, state, severity, rule_id, group_key, entities,
                created_ms, updated_ms, first_seen, last_seen)
             VALUES (?1, ?2, 'new', ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
            params![
                alert.tenant.as_str(),
                alert.rule_title,
                alert.level.severity_id(),
                alert.rule_id,
                key,
                json!(entities).to_string(),
                now,
                alert.first_seen,
                alert.last_seen
            ],
        )?;
        let id = tx.last_insert_rowid();
        link(tx, id, alert)?;
        db::history(
            tx,
            id,
            now,
            "system",
            "opened",
            json!({"alert_id": alert.id, "rule_id": alert.rule_id}),
        )?;
        let incident = db::load(tx, id, None, &self.config.sla)?;
        if let Some(incident) = incident {
            crate::notify::enqueue(tx, &self.config, &incident, "opened", now)?;
            crate::actions::queue_bound(tx, &self.config, &incident, now)?;
        }
        Ok(id)
    }
}

/// The open incident an alert is already linked to (a repeat of a known alert).
fn linked_incident(
    tx: &Transaction<'_>,
    alert: &Alert,
) -> palisade_state::rusqlite::Result<Option<i64>> {
    tx.query_row(
        "SELECT a.incident_id FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id
         WHERE a.alert_id = ?1 AND i.tenant = ?2 AND i.merged_into IS NULL
           AND i.state IN ('new', 'acknowledged', 'in_progress')
         ORDER BY a.incident_id DESC LIMIT 1",
        params![alert.id, alert.tenant.as_str()],
        |row| row.get(0),
    )
    .optional()
}

/// The open incident of the alert's group whose latest alert is within the window.
fn open_incident_of(
    tx: &Transaction<'_>,
    alert: &Alert,
    key: &str,
    window: i64,
) -> palisade_state::rusqlite::Result<Option<i64>> {
    let open: Vec<&str> = [
        IncidentState::New,
        IncidentState::Acknowledged,
        IncidentState::InProgress,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    tx.query_row(
        "SELECT id FROM incidents
         WHERE tenant = ?1 AND group_key = ?2 AND state IN (?3, ?4, ?5)
           AND merged_into IS NULL AND last_seen >= ?6
         ORDER BY id DESC LIMIT 1",
        params![
            alert.tenant.as_str(),
            key,
            open[0],
            open[1],
            open[2],
            alert.first_seen.saturating_sub(window)
        ],
        |row| row.get(0),
    )
    .optional()
}

/// Stores the link between an incident and an alert.
fn link(tx: &Transaction<'_>, id: i64, alert: &Alert) -> palisade_state::rusqlite::Result<()> {
    let event_ids: Vec<String> = alert.event_ids.iter().map(|e| e.to_string()).collect();
    tx.execute(
        "INSERT OR REPLACE INTO incident_alerts (incident_id, alert_id, rule_id, rule_title,
            level, count, first_seen, last_seen, entities, event_ids)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            alert.id,
            alert.rule_id,
            alert.rule_title,
            alert.level.severity_id(),
            i64::try_from(alert.count).unwrap_or(i64::MAX),
            alert.first_seen,
            alert.last_seen,
            json!(alert.entities).to_string(),
            json!(event_ids).to_string()
        ],
    )?;
    Ok(())
}

/// Widens the incident's time span to the alert's, and raises its severity to the alert's
/// level when that is higher; returns whether the severity rose.
fn widen(
    tx: &Transaction<'_>,
    id: i64,
    alert: &Alert,
    now: i64,
) -> palisade_state::rusqlite::Result<bool> {
    let raised = tx.execute(
        "UPDATE incidents SET severity = ?2 WHERE id = ?1 AND severity < ?2",
        params![id, alert.level.severity_id()],
    )? > 0;
    tx.execute(
        "UPDATE incidents SET first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?3),
            updated_ms = ?4 WHERE id = ?1",
        params![id, alert.first_seen, alert.last_seen, now],
    )?;
    Ok(raised)
}

/// A new alert joins an open incident.
fn join(
    tx: &Transaction<'_>,
    id: i64,
    alert: &Alert,
    now: i64,
    change: AlertChange,
) -> palisade_state::rusqlite::Result<()> {
    link(tx, id, alert)?;
    let raised = widen(tx, id, alert, now)?;
    let detail = json!({"alert_id": alert.id, "rule_id": alert.rule_id,
        "repeat": change == AlertChange::Repeated});
    db::history(tx, id, now, "system", "alert_joined", detail)?;
    if raised {
        db::history(
            tx,
            id,
            now,
            "system",
            "severity",
            json!({"to": alert.level}),
        )?;
    }
    Ok(())
}

/// A known alert fired again: its count, span and events are updated.
fn refresh_alert(
    tx: &Transaction<'_>,
    id: i64,
    alert: &Alert,
    now: i64,
) -> palisade_state::rusqlite::Result<()> {
    link(tx, id, alert)?;
    if widen(tx, id, alert, now)? {
        db::history(
            tx,
            id,
            now,
            "system",
            "severity",
            json!({"to": alert.level}),
        )?;
    }
    Ok(())
}
