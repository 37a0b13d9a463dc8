//! The overview's security panels: alerts by level and the hourly attack trend, and open
//! incidents by severity. Each reads the same services the API does, for one tenant (`None`:
//! every tenant, for an operator). The event panels read the event counters
//! (`crate::summary`).

use super::data;
use crate::api::ApiState;
use palisade_alerts::AlertFilter;
use palisade_console::{
    chart::{histogram, Bar},
    pages::live::LevelCount,
};
use palisade_core::{AlertLevel, TenantId};
use palisade_incident::{IncidentFilter, IncidentState};
use std::collections::HashMap;

/// The window the panels cover.
pub const WINDOW_MS: i64 = 24 * 3_600_000;
/// The most alerts or incidents counted.
const MAX_COUNTED: usize = 10_000;
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

#[cfg(test)]
mod tests {
    use super::*;

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
