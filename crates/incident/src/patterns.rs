//! Pattern analysis of closed incidents: which rules, hosts, users and source addresses keep
//! coming back over a period, so their causes can be fixed at the root.

use crate::{db::json_map, error::Result, manager::IncidentManager};
use palisade_state::rusqlite::{params_from_iter, types::Value as SqlValue};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One value seen in several closed incidents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Recurrence {
    /// The rule id, host, user or address.
    pub value: String,
    /// For rules: the rule's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Closed incidents it appears in.
    pub incidents: u64,
    /// The newest of these incidents' ids (most recent first, at most 10).
    pub incident_ids: Vec<i64>,
}

/// Recurring causes among the incidents closed in a period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PatternReport {
    /// Period start (epoch ms, inclusive).
    pub from: i64,
    /// Period end (exclusive).
    pub to: i64,
    /// Incidents closed in the period.
    pub closed_incidents: u64,
    /// Rules in at least `min_incidents` closed incidents, most frequent first.
    pub rules: Vec<Recurrence>,
    /// Hosts.
    pub hosts: Vec<Recurrence>,
    /// Users.
    pub users: Vec<Recurrence>,
    /// Source addresses.
    pub sources: Vec<Recurrence>,
}

#[derive(Default)]
struct Tally {
    seen: BTreeMap<String, (Option<String>, BTreeSet<i64>)>,
}

impl Tally {
    fn add(&mut self, value: &str, title: Option<&str>, incident: i64) {
        if value.is_empty() {
            return;
        }
        let entry = self.seen.entry(value.to_owned()).or_default();
        if entry.0.is_none() {
            entry.0 = title.map(str::to_owned);
        }
        entry.1.insert(incident);
    }

    fn recurring(self, min: u64, limit: usize) -> Vec<Recurrence> {
        let mut found: Vec<Recurrence> = self
            .seen
            .into_iter()
            .filter(|(_, (_, ids))| ids.len() as u64 >= min)
            .map(|(value, (title, ids))| Recurrence {
                value,
                title,
                incidents: ids.len() as u64,
                incident_ids: ids.iter().rev().take(10).copied().collect(),
            })
            .collect();
        found.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(a.value.cmp(&b.value)));
        found.truncate(limit);
        found
    }
}

impl IncidentManager {
    /// The rules, hosts, users and sources found in at least `min_incidents` of the incidents
    /// closed in `[from, to)` in `tenant` (`None`: all tenants), at most `limit` of each.
    pub fn patterns(
        &self,
        tenant: Option<&str>,
        from: i64,
        to: i64,
        min_incidents: u64,
        limit: usize,
    ) -> Result<PatternReport> {
        let mut sql = "SELECT i.id, a.rule_id, a.rule_title, a.entities
             FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id
             WHERE i.state = 'closed' AND i.merged_into IS NULL
               AND i.closed_ms >= ?1 AND i.closed_ms < ?2"
            .to_owned();
        let mut args = vec![SqlValue::Integer(from), SqlValue::Integer(to)];
        if let Some(t) = tenant {
            sql.push_str(" AND i.tenant = ?3");
            args.push(SqlValue::Text(t.to_owned()));
        }
        let rows: Vec<(i64, String, String, String)> = self.inner.store.with(|c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect()
        })?;
        let (mut rules, mut hosts, mut users, mut sources) = (
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
        );
        let mut closed = BTreeSet::new();
        for (id, rule_id, title, entities) in &rows {
            closed.insert(*id);
            rules.add(rule_id, Some(title), *id);
            let entities = json_map(entities);
            let get = |k: &str| entities.get(k).map_or("", String::as_str);
            hosts.add(get("host"), None, *id);
            users.add(get("user"), None, *id);
            sources.add(get("src_ip"), None, *id);
        }
        let min = min_incidents.max(1);
        Ok(PatternReport {
            from,
            to,
            closed_incidents: closed.len() as u64,
            rules: rules.recurring(min, limit),
            hosts: hosts.recurring(min, limit),
            users: users.recurring(min, limit),
            sources: sources.recurring(min, limit),
        })
    }
}
