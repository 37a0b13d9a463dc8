//! Reading alerts back: listing with filters, and one alert by id.

use super::AlertStore;
use palisade_core::{Alert, AlertKind, AlertLevel, TenantId};
use palisade_state::{rusqlite, StateError};
use rusqlite::{types::Value as Sql, OptionalExtension, Row};

/// The columns [`alert_from_row`] reads, in order.
pub(super) const COLUMNS: &str = "id, tenant, rule_id, rule_title, level, kind, tags, event_ids, \
     first_seen, last_seen, count, entities";

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only this tenant's alerts (`None`: every tenant).
    pub tenant: Option<TenantId>,
    /// Only alerts of this rule id.
    pub rule_id: Option<String>,
    /// Only alerts at least this serious.
    pub min_level: Option<AlertLevel>,
    /// Only alerts seen at or after this time (last_seen), epoch milliseconds.
    pub since: Option<i64>,
    /// Only alerts that began before this time (first_seen), epoch milliseconds.
    pub until: Option<i64>,
    /// At most this many, newest first.
    pub limit: usize,
}

impl AlertStore {
    /// The alerts that pass `filter`, the most recently seen first.
    pub fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StateError> {
        let mut clauses = Vec::new();
        let mut args: Vec<Sql> = Vec::new();
        let mut push = |clause: &str, value: Sql| {
            args.push(value);
            clauses.push(clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(tenant) = &filter.tenant {
            push("tenant = ?", Sql::Text(tenant.as_str().to_owned()));
        }
        if let Some(rule) = &filter.rule_id {
            push("rule_id = ?", Sql::Text(rule.clone()));
        }
        if let Some(level) = filter.min_level {
            push("level >= ?", Sql::Integer(level as i64));
        }
        if let Some(since) = filter.since {
            push("last_seen >= ?", Sql::Integer(since));
        }
        if let Some(until) = filter.until {
            push("first_seen < ?", Sql::Integer(until));
        }
        let condition = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM alerts {condition} ORDER BY last_seen DESC, id DESC LIMIT {}",
            filter.limit
        );
        self.state.with(|conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), alert_from_row)?;
            rows.collect()
        })
    }

    /// One alert by id, if it exists and belongs to `tenant` (`None`: any tenant).
    pub fn get(&self, id: &str, tenant: Option<&TenantId>) -> Result<Option<Alert>, StateError> {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let alert = self.state.with(|conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"),
                [id],
                alert_from_row,
            )
            .optional()
        })?;
        Ok(alert.filter(|a| tenant.is_none_or(|t| *t == a.tenant)))
    }
}

/// The stored name of a kind.
pub(super) fn kind_name(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Detection => "detection",
        AlertKind::Correlation => "correlation",
    }
}

const LEVELS: [AlertLevel; 5] = [
    AlertLevel::Informational,
    AlertLevel::Low,
    AlertLevel::Medium,
    AlertLevel::High,
    AlertLevel::Critical,
];

/// Reads one row of [`COLUMNS`].
pub(super) fn alert_from_row(row: &Row<'_>) -> rusqlite::Result<Alert> {
    let text = |i: usize| row.get::<_, String>(i);
    let tenant = TenantId::new(&text(1)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
    })?;
    let level = usize::try_from(row.get::<_, i64>(4)?).unwrap_or(0);
    Ok(Alert {
        id: row.get::<_, i64>(0)?.to_string(),
        tenant,
        rule_id: text(2)?,
        rule_title: text(3)?,
        level: LEVELS.get(level).copied().unwrap_or(AlertLevel::Medium),
        kind: if text(5)? == "correlation" {
            AlertKind::Correlation
        } else {
            AlertKind::Detection
        },
        tags: decode(row, 6)?,
        event_ids: decode(row, 7)?,
        first_seen: row.get(8)?,
        last_seen: row.get(9)?,
        count: u64::try_from(row.get::<_, i64>(10)?).unwrap_or(0),
        entities: decode(row, 11)?,
    })
}

/// Reads a JSON text column.
fn decode<T: serde::de::DeserializeOwned>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    serde_json::from_str(&row.get::<_, String>(i)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}
