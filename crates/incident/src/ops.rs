//! Changes people make: state, assignee, severity, title, notes, linked events; merge and
//! split. Each runs in one transaction and leaves a history entry saying who did what.

use crate::{
    db,
    error::{IncidentError, Result},
    manager::IncidentManager,
    model::{Incident, IncidentState, IncidentUpdate},
};
use palisade_core::{time::now_ms, AlertLevel};
use palisade_state::rusqlite::{params, ToSql, Transaction};
use serde_json::json;

/// Longest note accepted.
const MAX_NOTE_BYTES: usize = 64 * 1024;

impl IncidentManager {
    /// Applies an update by `actor`; returns the incident as it now is.
    pub fn update(
        &self,
        id: i64,
        tenant: Option<&str>,
        actor: &str,
        update: &IncidentUpdate,
    ) -> Result<Incident> {
        let state = update
            .state
            .as_deref()
            .map(|s| {
                IncidentState::parse(s).ok_or_else(|| {
                    IncidentError::BadRequest(format!(
                        "unknown state {s:?}: use new, acknowledged, in_progress, resolved or closed"
                    ))
                })
            })
            .transpose()?;
        let severity = update
            .severity
            .as_deref()
            .map(|s| {
                AlertLevel::parse(s).ok_or_else(|| {
                    IncidentError::BadRequest(format!(
                        "unknown severity {s:?}: use informational, low, medium, high or critical"
                    ))
                })
            })
            .transpose()?;
        if let Some(note) = &update.note {
            check_note(note)?;
        }
        let now = now_ms();
        self.in_tx(id, tenant, |tx, current| {
            if let Some(to) = state {
                self.change_state(tx, current, to, actor, now)?;
            }
            if let Some(assignee) = &update.assignee {
                let assignee = Some(assignee.trim()).filter(|a| !a.is_empty());
                if assignee != current.assignee.as_deref() {
                    let change = json!({"from": current.assignee, "to": assignee});
                    set_column(tx, id, "assignee", &assignee, now, actor, change)?;
                }
            }
            if let Some(level) = severity.filter(|l| *l != current.severity) {
                let change = json!({"from": current.severity, "to": level});
                set_column(tx, id, "severity", &level.severity_id(), now, actor, change)?;
            }
            if let Some(title) = update
                .title
                .as_deref()
                .map(str::trim)
                .filter(|t| *t != current.title)
            {
                if title.is_empty() {
                    return Err(IncidentError::BadRequest(
                        "the title cannot be empty".into(),
                    ));
                }
                let change = json!({"from": current.title, "to": title});
                set_column(tx, id, "title", &title, now, actor, change)?;
            }
            for event in &update.link_events {
                let added = tx.execute(
                    "INSERT OR IGNORE INTO incident_events (incident_id, event_id) VALUES (?1, ?2)",
                    params![id, event],
                )?;
                if added > 0 {
                    db::history(
                        tx,
                        id,
                        now,
                        actor,
                        "event_linked",
                        json!({"event_id": event}),
                    )?;
                }
            }
            if let Some(note) = &update.note {
                add_note(tx, id, actor, note, now)?;
            }
            tx.execute(
                "UPDATE incidents SET updated_ms = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
    }

    /// Adds a note by `actor`.
    pub fn comment(
        &self,
        id: i64,
        tenant: Option<&str>,
        actor: &str,
        text: &str,
    ) -> Result<Incident> {
        check_note(text)?;
        let now = now_ms();
        self.in_tx(id, tenant, |tx, _| {
            add_note(tx, id, actor, text, now)?;
            tx.execute(
                "UPDATE incidents SET updated_ms = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
    }

    /// Runs `change` on incident `id` (which must exist in `tenant` and not be merged away)
    /// in one transaction; returns the incident afterwards.
    pub(crate) fn in_tx(
        &self,
        id: i64,
        tenant: Option<&str>,
        change: impl FnOnce(&Transaction<'_>, &Incident) -> Result<()>,
    ) -> Result<Incident> {
        let sla = &self.inner.config.sla;
        let mut outcome: Result<Incident> = Err(IncidentError::NotFound(id));
        self.inner.store.with(|conn| {
            let tx = conn.transaction()?;
            outcome = (|| {
                let current = db::load(&tx, id, tenant, sla)?.ok_or(IncidentError::NotFound(id))?;
                if let Some(into) = current.merged_into {
                    return Err(IncidentError::BadRequest(format!(
                        "incident {id} was merged into incident {into}; change that one"
                    )));
                }
                change(&tx, &current)?;
                db::load(&tx, id, None, sla)?.ok_or(IncidentError::NotFound(id))
            })();
            if outcome.is_ok() {
                tx.commit()?;
            }
            Ok(())
        })?;
        outcome
    }

    /// Moves an incident to `to`, stamping the lifecycle times and queueing notifications.
    fn change_state(
        &self,
        tx: &Transaction<'_>,
        current: &Incident,
        to: IncidentState,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let from = current.state;
        let id = current.id;
        if !from.can_become(to) {
            let hint = match (from, to) {
                (IncidentState::Resolved | IncidentState::Closed, _) if from != to => {
                    "; reopen it first (state in_progress)"
                }
                (_, IncidentState::Closed) => "; resolve it first",
                _ if from == to => " (it already is)",
                _ => "",
            };
            return Err(IncidentError::InvalidTransition { id, from, to, hint });
        }
        let reopened = !from.is_open() && to == IncidentState::InProgress;
        tx.execute(
            "UPDATE incidents SET state = ?2 WHERE id = ?1",
            params![id, to.as_str()],
        )?;
        if reopened {
            tx.execute(
                "UPDATE incidents SET resolved_ms = NULL, closed_ms = NULL WHERE id = ?1",
                [id],
            )?;
        } else {
            if current.acknowledged_ms.is_none() {
                tx.execute(
                    "UPDATE incidents SET acknowledged_ms = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
            }
            let stamp = match to {
                IncidentState::Resolved => Some("resolved_ms"),
                IncidentState::Closed => Some("closed_ms"),
                _ => None,
            };
            if let Some(column) = stamp {
                tx.execute(
                    &format!("UPDATE incidents SET {column} = ?2 WHERE id = ?1"),
                    params![id, now],
                )?;
            }
        }
        let action = if reopened { "reopened" } else { "state" };
        db::history(tx, id, now, actor, action, json!({"from": from, "to": to}))?;
        self.inner.note_late(tx, current, to, now)?;
        if let Some(after) = db::load(tx, id, None, &self.inner.config.sla)? {
            let event = if reopened {
                "reopened"
            } else {
                "state_changed"
            };
            crate::notify::enqueue(tx, &self.inner.config, &after, event, now)?;
        }
        Ok(())
    }
}

/// Refuses an empty or oversized note.
/// Sets `column` of incident `id` to `value` and writes the history entry named after the
/// column, with `change` (`{"from", "to"}`) as its detail.
fn set_column(
    tx: &Transaction<'_>,
    id: i64,
    column: &'static str,
    value: &dyn ToSql,
    now: i64,
    actor: &str,
    change: serde_json::Value,
) -> Result<()> {
    tx.execute(
        &format!("UPDATE incidents SET {column} = ?2 WHERE id = ?1"),
        params![id, value],
    )?;
    db::history(tx, id, now, actor, column, change)?;
    Ok(())
}

fn check_note(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(IncidentError::BadRequest("the note is empty".into()));
    }
    if text.len() > MAX_NOTE_BYTES {
        return Err(IncidentError::BadRequest(format!(
            "the note is {} bytes; at most {MAX_NOTE_BYTES} are accepted",
            text.len()
        )));
    }
    Ok(())
}

fn add_note(tx: &Transaction<'_>, id: i64, actor: &str, text: &str, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO incident_notes (incident_id, time_ms, author, text) VALUES (?1, ?2, ?3, ?4)",
        params![id, now, actor, text],
    )?;
    db::history(tx, id, now, actor, "note", json!({"text": text}))?;
    Ok(())
}
