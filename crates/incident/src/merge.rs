//! Merging incidents that turn out to be one, and splitting alerts off into their own.

use crate::{
    db,
    error::{IncidentError, Result},
    manager::IncidentManager,
    model::Incident,
};
use palisade_core::time::now_ms;
use palisade_state::rusqlite::params;
use serde_json::json;

impl IncidentManager {
    /// Moves the alerts, events and notes of `sources` into `target`; each source is closed
    /// and points at the target. All incidents must belong to `tenant`'s scope and one tenant.
    pub fn merge(
        &self,
        target: i64,
        sources: &[i64],
        tenant: Option<&str>,
        actor: &str,
    ) -> Result<Incident> {
        if sources.is_empty() {
            return Err(IncidentError::BadRequest(
                "name at least one incident to merge".into(),
            ));
        }
        if sources.contains(&target) {
            return Err(IncidentError::BadRequest(format!(
                "incident {target} cannot be merged into itself"
            )));
        }
        let now = now_ms();
        let sla = self.inner.config.sla.clone();
        self.in_tx(target, tenant, |tx, into| {
            for &source in sources {
                let from =
                    db::load(tx, source, tenant, &sla)?.ok_or(IncidentError::NotFound(source))?;
                if from.tenant != into.tenant {
                    return Err(IncidentError::BadRequest(format!(
                        "incident {source} belongs to tenant {}, incident {target} to {}",
                        from.tenant, into.tenant
                    )));
                }
                if from.merged_into.is_some() {
                    return Err(IncidentError::BadRequest(format!(
                        "incident {source} was already merged"
                    )));
                }
                for table in ["incident_alerts", "incident_events"] {
                    tx.execute(
                        &format!(
                            "UPDATE OR IGNORE {table} SET incident_id = ?2 WHERE incident_id = ?1"
                        ),
                        params![source, target],
                    )?;
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE incident_id = ?1"),
                        [source],
                    )?;
                }
                tx.execute(
                    "UPDATE incident_notes SET incident_id = ?2 WHERE incident_id = ?1",
                    params![source, target],
                )?;
                tx.execute(
                    "UPDATE incidents SET merged_into = ?2, state = 'closed',
                        closed_ms = coalesce(closed_ms, ?3), updated_ms = ?3 WHERE id = ?1",
                    params![source, target, now],
                )?;
                tx.execute(
                    "UPDATE incidents SET severity = max(severity, ?2),
                        first_seen = min(first_seen, ?3), last_seen = max(last_seen, ?4),
                        updated_ms = ?5 WHERE id = ?1",
                    params![
                        target,
                        from.severity.severity_id(),
                        from.first_seen,
                        from.last_seen,
                        now
                    ],
                )?;
                db::history(
                    tx,
                    source,
                    now,
                    actor,
                    "merged_into",
                    json!({"incident": target}),
                )?;
                db::history(
                    tx,
                    target,
                    now,
                    actor,
                    "merged",
                    json!({"incident": source}),
                )?;
            }
            Ok(())
        })
    }

    /// Moves `alert_ids` out of incident `id` into a new incident (same tenant, state new);
    /// returns the new incident.
    pub fn split(
        &self,
        id: i64,
        alert_ids: &[String],
        tenant: Option<&str>,
        actor: &str,
    ) -> Result<Incident> {
        if alert_ids.is_empty() {
            return Err(IncidentError::BadRequest(
                "name the alerts to split off".into(),
            ));
        }
        let now = now_ms();
        let mut new_id = 0;
        self.in_tx(id, tenant, |tx, from| {
            let linked = db::alerts(tx, id)?;
            let moving: Vec<_> = linked.iter().filter(|a| alert_ids.contains(&a.alert_id)).collect();
            if let Some(missing) = alert_ids.iter().find(|a| !moving.iter().any(|m| &m.alert_id == *a)) {
                return Err(IncidentError::BadRequest(format!(
                    "alert {missing:?} is not linked to incident {id}"
                )));
            }
            if moving.len() == linked.len() {
                return Err(IncidentError::BadRequest(
                    "splitting off every alert would leave the incident empty".into(),
                ));
            }
            let first = moving.iter().map(|a| a.first_seen).min().unwrap_or(now);
            let last = moving.iter().map(|a| a.last_seen).max().unwrap_or(now);
            let severity = moving.iter().map(|a| a.level).max().unwrap_or(from.severity);
            let lead = moving[0];
            tx.execute(
                "INSERT INTO incidents (tenant, title, state, severity, rule_id, group_key,
                    entities, created_ms, updated_ms, first_seen, last_seen)
                 VALUES (?1, ?2, 'new', ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
                params![
                    from.tenant,
                    lead.rule_title,
                    severity.severity_id(),
                    lead.rule_id,
                    format!("split:{id}"),
                    json!(lead.entities).to_string(),
                    now,
                    first,
                    last
                ],
            )?;
            new_id = tx.last_insert_rowid();
            for alert in &moving {
                tx.execute(
                    "UPDATE incident_alerts SET incident_id = ?3 WHERE incident_id = ?1 AND alert_id = ?2",
                    params![id, alert.alert_id, new_id],
                )?;
            }
            let moved: Vec<&str> = moving.iter().map(|a| a.alert_id.as_str()).collect();
            db::history(tx, id, now, actor, "split", json!({"incident": new_id, "alerts": moved}))?;
            db::history(tx, new_id, now, actor, "opened", json!({"split_from": id, "alerts": moved}))?;
            tx.execute("UPDATE incidents SET updated_ms = ?2 WHERE id = ?1", params![id, now])?;
            Ok(())
        })?;
        self.get(new_id, None).map(|d| d.incident)
    }
}
