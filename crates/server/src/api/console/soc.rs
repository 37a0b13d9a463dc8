//! The overview's security panels: alerts by level and the hourly attack trend, open
//! incidents by severity, top users and source addresses, and hosts that went silent. Each
//! reads the same services the API does, for one tenant (`None`: every tenant, for an
//! operator).

use super::data;
use crate::api::ApiState;
use palisade_alerts::AlertFilter;
use palisade_console::{
    chart::{histogram, Bar},
    pages::{
        live::{LevelCount, SilentSource},
        CountRow,
    },
};
use palisade_core::{AlertLevel, TenantId};
use palisade_incident::{IncidentFilter, IncidentState};
use palisade_store::EventStore;
use std::collections::HashMap;

/// The window the panels cover.
pub const WINDOW_MS: i64 = 24 * 3_600_000;
/// A host with no event for this long is silent.
const SILENT_AFTER_MS: i64 = 30 * 60_000;
/// The resolution of a silent host's last activity.
const ACTIVITY_BUCKET: &str = "10m";
const ACTIVITY_BUCKET_MS: i64 = 10 * 60_000;
/// The most alerts or incidents counted.
const MAX_COUNTED: usize = 10_000;
/// Rows of a ranked list.
const TOP: usize = 10;
/// Levels, most serious first.
const LEVELS: [AlertLevel; 5] = [
    AlertLevel::Critical,
    AlertLevel::High,
    AlertLevel::Medium,
    AlertLevel::Low,
    AlertLevel::Informational,
];

fn by_level(levels: impl Iterator<Item = AlertLevel>) -> Vec<LevelCount> {
    let mut counts: HashMap<AlertLevel, u64> = HashMap::new();
    for level in levels {
        *counts.entry(level).or_default() += 1;
    }
    LEVELS
        .iter()
        .map(|level| LevelCount {
            level: level.as_str(),
            count: counts.get(level).copied().unwrap_or(0),
        })
        .collect()
}

/// Alerts of the window by level, and an SVG of alerts raised per hour (the attack trend).
pub fn alert_panels(
    state: &ApiState,
    tenant: Option<TenantId>,
    now: i64,
) -> Result<(Vec<LevelCount>, String, usize), String> {
    let filter = AlertFilter {
        tenant,
        since: Some(now - WINDOW_MS),
        limit: MAX_COUNTED,
        ..AlertFilter::default()
    };
    let alerts = state
        .detection
        .alerts()
        .list(&filter)
        .map_err(|e| e.to_string())?;
    let last_hour = now - now.rem_euclid(3_600_000);
    let bars: Vec<Bar> = (0..24)
        .rev()
        .map(|back| {
            let start = last_hour - back * 3_600_000;
            let label = data::when(start);
            Bar {
                label: label.get(5..16).unwrap_or(&label).to_owned(),
                count: alerts
                    .iter()
                    .filter(|a| (start..start + 3_600_000).contains(&a.first_seen))
                    .count() as u64,
            }
        })
        .collect();
    let chart = histogram("Alerts raised per hour, last 24 h", &bars);
    Ok((
        by_level(alerts.iter().map(|a| a.level)),
        chart,
        alerts.len(),
    ))
}

/// Open incidents by severity.
pub fn incident_panel(
    state: &ApiState,
    tenant: Option<TenantId>,
) -> Result<Vec<LevelCount>, String> {
    let filter = IncidentFilter {
        tenant: tenant.map(|t| t.to_string()),
        states: IncidentState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect(),
        min_severity: None,
        assignee: None,
        rule: None,
        from: None,
        to: None,
        limit: MAX_COUNTED,
    };
    let open = state.incidents.list(&filter).map_err(|e| e.to_string())?;
    Ok(by_level(open.iter().map(|i| i.severity)))
}

/// What the event store says about users, addresses and quiet hosts.
pub struct EntityPanels {
    /// Top users (target or acting).
    pub users: Vec<CountRow>,
    /// Top source addresses.
    pub addresses: Vec<CountRow>,
    /// Hosts silent for half an hour that sent events in the window.
    pub silent: Vec<SilentSource>,
}

fn count_by(
    store: &EventStore,
    tenant: &Option<TenantId>,
    field: &str,
    now: i64,
) -> Result<Vec<(String, u64)>, String> {
    let table = data::aggregate(
        store,
        tenant.clone(),
        data::everything()?,
        (now - WINDOW_MS, None),
        &data::pipe(&format!("stats count() by {field}"))?,
    )?;
    Ok(data::ranked(&table))
}

/// Top users and source addresses, and the silent hosts, over the window.
pub fn entity_panels(
    state: &ApiState,
    tenant: Option<TenantId>,
    now: i64,
) -> Result<EntityPanels, String> {
    let store = state.pipeline.store();
    let mut users: HashMap<String, u64> = HashMap::new();
    for field in ["user.name", "actor.user.name"] {
        for (name, count) in count_by(store, &tenant, field, now)? {
            *users.entry(name).or_default() += count;
        }
    }
    let mut users: Vec<(String, u64)> = users.into_iter().collect();
    users.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    users.truncate(TOP);
    let mut addresses = count_by(store, &tenant, "src_endpoint.ip", now)?;
    addresses.truncate(TOP);
    let activity = data::aggregate(
        store,
        tenant,
        data::everything()?,
        (now - WINDOW_MS, None),
        &data::pipe(&format!(
            "timechart {ACTIVITY_BUCKET} count() by device.hostname"
        ))?,
    )?;
    Ok(EntityPanels {
        users: CountRow::ranked(users),
        addresses: CountRow::ranked(addresses),
        silent: silent_hosts(&activity, now),
    })
}

/// Hosts whose last activity bucket ended more than [`SILENT_AFTER_MS`] ago, quietest first.
fn silent_hosts(activity: &palisade_query::Table, now: i64) -> Vec<SilentSource> {
    let mut hosts: HashMap<String, (i64, u64)> = HashMap::new();
    for row in &activity.rows {
        let (Some(start), Some(serde_json::Value::String(host)), Some(count)) = (
            row.first().and_then(|v| v.as_i64()),
            row.get(1),
            row.get(2).and_then(|v| v.as_u64()),
        ) else {
            continue;
        };
        let entry = hosts.entry(host.clone()).or_insert((start, 0));
        entry.0 = entry.0.max(start);
        entry.1 += count;
    }
    let mut silent: Vec<(String, i64, u64)> = hosts
        .into_iter()
        .filter(|(_, (last, _))| last + ACTIVITY_BUCKET_MS <= now - SILENT_AFTER_MS)
        .map(|(host, (last, events))| (host, last, events))
        .collect();
    silent.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    silent
        .into_iter()
        .take(TOP)
        .map(|(name, last, events)| SilentSource {
            name,
            last_seen: data::when(last),
            events,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_host_is_silent_after_half_an_hour_without_events() {
        let now = 10 * 3_600_000;
        let table = palisade_query::Table {
            columns: vec!["time".into(), "device.hostname".into(), "count".into()],
            rows: vec![
                vec![json!(now - 3 * 3_600_000), json!("quiet"), json!(5)],
                vec![json!(now - 2 * 3_600_000), json!("quiet"), json!(2)],
                vec![json!(now - 3 * 3_600_000), json!("busy"), json!(1)],
                vec![json!(now - 10 * 60_000), json!("busy"), json!(4)],
                vec![json!(now - 3 * 3_600_000), json!(null), json!(9)],
            ],
        };
        let silent = silent_hosts(&table, now);
        assert_eq!(silent.len(), 1);
        assert_eq!(silent[0].name, "quiet");
        assert_eq!(silent[0].events, 7);
        assert_eq!(silent[0].last_seen, data::when(now - 2 * 3_600_000));
    }

    #[test]
    fn levels_are_counted_most_serious_first_with_zeros() {
        let counts = by_level([AlertLevel::High, AlertLevel::High, AlertLevel::Low].into_iter());
        let pairs: Vec<(&str, u64)> = counts.iter().map(|c| (c.level, c.count)).collect();
        assert_eq!(
            pairs,
            [
                ("critical", 0),
                ("high", 2),
                ("medium", 0),
                ("low", 1),
                ("informational", 0)
            ]
        );
    }
}
