//! Reading and writing incident rows: the small SQL helpers the manager's operations share.

use crate::model::{
    level_from_id, ActionRun, HistoryEntry, Incident, IncidentState, LinkedAlert, Note, SlaStatus,
};
use palisade_core::{incident_config::SlaConfig, AlertLevel};
use palisade_state::rusqlite::{
    self, params, params_from_iter, types::Value as SqlValue, Connection, OptionalExtension, Row,
};
use std::collections::BTreeMap;

/// The columns [`read_incident`] expects, in order.
pub const INCIDENT_COLUMNS: &str = "id, tenant, title, state, severity, assignee, rule_id, \
    group_key, entities, created_ms, updated_ms, acknowledged_ms, resolved_ms, closed_ms, \
    merged_into, first_seen, last_seen, ack_breached, resolve_breached, \
    (SELECT count(*) FROM incident_alerts a WHERE a.incident_id = incidents.id)";

/// Parses a JSON map column; a damaged value reads as empty rather than failing the list.
pub fn json_map(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// One incident from a row selected with [`INCIDENT_COLUMNS`].
pub fn read_incident(row: &Row<'_>, sla: &SlaConfig) -> rusqlite::Result<Incident> {
    let state_text: String = row.get(3)?;
    let severity = level_from_id(row.get(4)?);
    let created_ms: i64 = row.get(9)?;
    let target = sla.target(severity);
    let due = |ms: u64| (ms > 0).then(|| created_ms.saturating_add(ms as i64));
    Ok(Incident {
        id: row.get(0)?,
        tenant: row.get(1)?,
        title: row.get(2)?,
        state: IncidentState::parse(&state_text).unwrap_or(IncidentState::New),
        severity,
        assignee: row.get(5)?,
        rule_id: row.get(6)?,
        group_key: row.get(7)?,
        entities: json_map(&row.get::<_, String>(8)?),
        created_ms,
        updated_ms: row.get(10)?,
        acknowledged_ms: row.get(11)?,
        resolved_ms: row.get(12)?,
        closed_ms: row.get(13)?,
        merged_into: row.get(14)?,
        first_seen: row.get(15)?,
        last_seen: row.get(16)?,
        alert_count: row.get(19)?,
        sla: SlaStatus {
            acknowledge_due_ms: due(target.acknowledge.0),
            resolve_due_ms: due(target.resolve.0),
            acknowledge_breached: row.get(17)?,
            resolve_breached: row.get(18)?,
        },
    })
}

/// One incident by id, when it exists (and, with `tenant`, belongs to that tenant).
pub fn load(
    conn: &Connection,
    id: i64,
    tenant: Option<&str>,
    sla: &SlaConfig,
) -> rusqlite::Result<Option<Incident>> {
    let sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1");
    let found = conn
        .query_row(&sql, [id], |row| read_incident(row, sla))
        .optional()?;
    Ok(found.filter(|i| tenant.is_none_or(|t| t == i.tenant)))
}

/// Which incidents a list shows.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only this tenant (`None`: every tenant).
    pub tenant: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<IncidentState>,
    /// Only at least this severe.
    pub min_severity: Option<AlertLevel>,
    /// Only assigned to this person.
    pub assignee: Option<String>,
    /// Only opened by this rule.
    pub rule: Option<String>,
    /// Opened at or after (epoch ms).
    pub from: Option<i64>,
    /// Opened before.
    pub to: Option<i64>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// The incidents a filter selects, newest first.
pub fn list(
    conn: &Connection,
    filter: &IncidentFilter,
    sla: &SlaConfig,
) -> rusqlite::Result<Vec<Incident>> {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut args: Vec<SqlValue> = Vec::new();
    let mut bind = |clause: &str, value: SqlValue, clauses: &mut Vec<String>| {
        args.push(value);
        clauses.push(clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(t) = &filter.tenant {
        bind("tenant = ?", SqlValue::Text(t.clone()), &mut clauses);
    }
    if let Some(level) = filter.min_severity {
        bind(
            "severity >= ?",
            SqlValue::Integer(level.severity_id()),
            &mut clauses,
        );
    }
    if let Some(a) = &filter.assignee {
        bind("assignee = ?", SqlValue::Text(a.clone()), &mut clauses);
    }
    if let Some(r) = &filter.rule {
        bind("rule_id = ?", SqlValue::Text(r.clone()), &mut clauses);
    }
    if let Some(from) = filter.from {
        bind("created_ms >= ?", SqlValue::Integer(from), &mut clauses);
    }
    if let Some(to) = filter.to {
        bind("created_ms < ?", SqlValue::Integer(to), &mut clauses);
    }
    if !filter.states.is_empty() {
        let names: Vec<String> = filter
            .states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        clauses.push(format!("state IN ({})", names.join(", ")));
    }
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE {} ORDER BY id DESC LIMIT {}",
        clauses.join(" AND "),
        filter.limit.max(1)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |row| read_incident(row, sla))?;
    rows.collect()
}

/// Appends a history entry.
pub fn history(
    conn: &Connection,
    incident: i64,
    now: i64,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO incident_history (incident_id, time_ms, actor, action, detail)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![incident, now, actor, action, detail.to_string()],
    )?;
    Ok(())
}

/// The alerts linked to an incident.
pub fn alerts(conn: &Connection, incident: i64) -> rusqlite::Result<Vec<LinkedAlert>> {
    let mut stmt = conn.prepare(
        "SELECT alert_id, rule_id, rule_title, level, count, first_seen, last_seen, entities,
                event_ids
         FROM incident_alerts WHERE incident_id = ?1 ORDER BY first_seen, alert_id",
    )?;
    let rows = stmt.query_map([incident], |row| {
        Ok(LinkedAlert {
            alert_id: row.get(0)?,
            rule_id: row.get(1)?,
            rule_title: row.get(2)?,
            level: level_from_id(row.get(3)?),
            count: row.get::<_, i64>(4)?.max(0) as u64,
            first_seen: row.get(5)?,
            last_seen: row.get(6)?,
            entities: json_map(&row.get::<_, String>(7)?),
            event_ids: serde_json::from_str(&row.get::<_, String>(8)?).unwrap_or_default(),
        })
    })?;
    rows.collect()
}

/// Event ids linked by hand.
pub fn events(conn: &Connection, incident: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT event_id FROM incident_events WHERE incident_id = ?1 ORDER BY event_id")?;
    let rows = stmt.query_map([incident], |row| row.get(0))?;
    rows.collect()
}

/// Notes, oldest first.
pub fn notes(conn: &Connection, incident: i64) -> rusqlite::Result<Vec<Note>> {
    let mut stmt = conn.prepare(
        "SELECT time_ms, author, text FROM incident_notes WHERE incident_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([incident], |row| {
        Ok(Note {
            time_ms: row.get(0)?,
            author: row.get(1)?,
            text: row.get(2)?,
        })
    })?;
    rows.collect()
}

/// History, oldest first.
pub fn history_of(conn: &Connection, incident: i64) -> rusqlite::Result<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare(
        "SELECT time_ms, actor, action, detail FROM incident_history
         WHERE incident_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([incident], |row| {
        Ok(HistoryEntry {
            time_ms: row.get(0)?,
            actor: row.get(1)?,
            action: row.get(2)?,
            detail: serde_json::from_str(&row.get::<_, String>(3)?)
                .unwrap_or(serde_json::Value::Null),
        })
    })?;
    rows.collect()
}

/// Action runs, oldest first.
pub fn action_runs(conn: &Connection, incident: i64) -> rusqlite::Result<Vec<ActionRun>> {
    let mut stmt = conn.prepare(
        "SELECT id, action, actor, status, created_ms, finished_ms, code, output
         FROM incident_action_runs WHERE incident_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([incident], |row| {
        Ok(ActionRun {
            id: row.get(0)?,
            action: row.get(1)?,
            actor: row.get(2)?,
            status: row.get(3)?,
            created_ms: row.get(4)?,
            finished_ms: row.get(5)?,
            code: row.get(6)?,
            output: row.get(7)?,
        })
    })?;
    rows.collect()
}
