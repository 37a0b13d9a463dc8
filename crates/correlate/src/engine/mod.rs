//! The correlation engine: turns a stream of detection matches into correlation alerts.
//!
//! Time is event time. The engine keeps a watermark, the latest event time seen minus the
//! configured lateness: a window is closed once the watermark has passed its end, and an event
//! older than the watermark is late (counted in [`CorrelationStats::late_events`], and still
//! correlated with whatever matches of its windows are held). See `docs/sigma-correlation.md`.

mod build;
mod group;
mod measure;
mod window;

use crate::alert::{CorrelationAlert, RuleMatch, Source};
use crate::error::BuildError;
use crate::rule::CorrelationRule;
use build::Target;
use std::borrow::Cow;
use std::collections::HashMap;
use window::{Input, RuleState};

/// Limits and tolerances of an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// How far behind the latest event time an event may arrive and still be on time, ms.
    pub lateness_ms: i64,
    /// Most groups one rule tracks at once; matches of further groups are not tracked and
    /// are counted in [`CorrelationStats::group_limit_hits`].
    pub max_groups_per_rule: usize,
    /// Most matches one group holds; past it the oldest is dropped and counted in
    /// [`CorrelationStats::event_limit_hits`].
    pub max_events_per_group: usize,
    /// Most event ids listed in one alert.
    pub max_alert_event_ids: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lateness_ms: 60_000,
            max_groups_per_rule: 100_000,
            max_events_per_group: 10_000,
            max_alert_event_ids: 100,
        }
    }
}

/// Counters for the metrics page. `groups_open` is a gauge; the others only grow.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CorrelationStats {
    /// Detection matches fed to the engine.
    pub matches: u64,
    /// Matches older than the watermark on arrival.
    pub late_events: u64,
    /// Matches skipped because a `group-by` field was absent from the event.
    pub missing_group_field: u64,
    /// Matches not tracked because their rule already had `max_groups_per_rule` groups.
    pub group_limit_hits: u64,
    /// Matches dropped from a group that held `max_events_per_group`.
    pub event_limit_hits: u64,
    /// Groups dropped because all their windows had closed.
    pub groups_expired: u64,
    /// Groups held now, over all rules.
    pub groups_open: u64,
    /// Correlation alerts raised, chained intermediate ones included.
    pub alerts: u64,
}

/// Correlation rules and their live state.
pub struct CorrelationEngine {
    config: EngineConfig,
    rules: Vec<RuleState>,
    routes: HashMap<String, Vec<Target>>,
    generate_by_reference: HashMap<String, bool>,
    chained: Vec<Vec<Target>>,
    max_time: Option<i64>,
    seq: u64,
    stats: CorrelationStats,
}

impl CorrelationEngine {
    /// Builds an engine, refusing rule sets with ambiguous references, reference loops, or
    /// thresholds no group can reach under the limits.
    pub fn new(rules: Vec<CorrelationRule>, config: EngineConfig) -> Result<Self, BuildError> {
        let wiring = build::wire(&rules, &config)?;
        Ok(CorrelationEngine {
            config,
            rules: build::rule_states(rules, &wiring.standalone),
            routes: wiring.routes,
            generate_by_reference: wiring.generate_by_reference,
            chained: wiring.chained,
            max_time: None,
            seq: 0,
            stats: CorrelationStats::default(),
        })
    }

    /// Feeds one detection match; returns the alerts it completed (and any windows its time
    /// closed). Matches of rules no correlation references are ignored.
    pub fn process(&mut self, m: RuleMatch<'_>) -> Vec<CorrelationAlert> {
        self.stats.matches += 1;
        let watermark = self.watermark();
        if watermark.is_some_and(|w| m.event.time < w) {
            self.stats.late_events += 1;
        }
        let mut raised = Vec::new();
        let mut alerts = Vec::new();
        let CorrelationEngine {
            config,
            rules,
            routes,
            seq,
            stats,
            ..
        } = self;
        for &(r, positions) in targets(routes, m.rule_id, m.rule_name).iter() {
            *seq += 1;
            let input = Input {
                source: Source::Event(m.event),
                rule_id: m.rule_id,
                rule_name: m.rule_name,
                positions,
                seq: *seq,
            };
            rules[r].accept(input, watermark, config, stats, &mut alerts);
            raised.extend(alerts.drain(..).map(|a| (r, a)));
        }
        self.max_time = Some(self.max_time.map_or(m.event.time, |t| t.max(m.event.time)));
        self.settle(raised)
    }

    /// Moves event time forward to at least `time` (a quiet stream's wall clock, say), closing
    /// the windows that ends; returns the alerts raised.
    pub fn advance_to(&mut self, time: i64) -> Vec<CorrelationAlert> {
        self.max_time = Some(self.max_time.map_or(time, |t| t.max(time)));
        self.settle(Vec::new())
    }

    /// Closes every window (the stream has ended); returns the alerts raised.
    pub fn flush(&mut self) -> Vec<CorrelationAlert> {
        let saved = self.max_time;
        self.max_time = Some(i64::MAX);
        let alerts = self.settle_at(Vec::new(), i64::MAX);
        self.max_time = saved;
        alerts
    }

    /// The current watermark: latest event time minus the lateness.
    pub fn watermark(&self) -> Option<i64> {
        self.max_time
            .map(|t| t.saturating_sub(self.config.lateness_ms))
    }

    /// The counters, with `groups_open` up to date.
    pub fn stats(&self) -> CorrelationStats {
        let mut stats = self.stats.clone();
        stats.groups_open = self.rules.iter().map(|r| r.groups.len() as u64).sum();
        stats
    }

    /// The loaded correlation rules.
    pub fn rules(&self) -> impl Iterator<Item = &CorrelationRule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// Whether the detection rule `rule_id` / `rule_name` should raise its own alerts: true
    /// unless correlation rules reference it and none of them sets `generate: true`.
    pub fn standalone_alerts(&self, rule_id: &str, rule_name: Option<&str>) -> bool {
        let lookup = |r: &str| self.generate_by_reference.get(r).copied();
        match (lookup(rule_id), rule_name.and_then(lookup)) {
            (None, None) => true,
            (a, b) => a.unwrap_or(false) || b.unwrap_or(false),
        }
    }

    fn settle(&mut self, raised: Vec<(usize, CorrelationAlert)>) -> Vec<CorrelationAlert> {
        let watermark = self.watermark().unwrap_or(i64::MIN);
        self.settle_at(raised, watermark)
    }

    /// Closes due windows and routes alerts into chained rules until nothing changes; returns
    /// the alerts of standalone rules.
    fn settle_at(
        &mut self,
        raised: Vec<(usize, CorrelationAlert)>,
        watermark: i64,
    ) -> Vec<CorrelationAlert> {
        let mut shown = Vec::new();
        let mut pending = raised;
        let mut closed = Vec::new();
        loop {
            for (r, rule) in self.rules.iter_mut().enumerate() {
                rule.close_windows(watermark, &self.config, &mut self.stats, &mut closed);
                pending.extend(closed.drain(..).map(|alert| (r, alert)));
            }
            if pending.is_empty() {
                return shown;
            }
            for (from, alert) in std::mem::take(&mut pending) {
                self.stats.alerts += 1;
                if let Some(alert) = self.route_alert(from, alert, watermark, &mut pending) {
                    shown.push(alert);
                }
            }
        }
    }

    /// Feeds a correlation alert of rule `from` to the rules chained to it; gives the alert
    /// back when `from` is standalone, so it is shown.
    fn route_alert(
        &mut self,
        from: usize,
        alert: CorrelationAlert,
        watermark: i64,
        pending: &mut Vec<(usize, CorrelationAlert)>,
    ) -> Option<CorrelationAlert> {
        let mut raised = Vec::new();
        for &(r, positions) in &self.chained[from] {
            self.seq += 1;
            let input = Input {
                source: Source::Alert(&alert),
                rule_id: &alert.rule_id,
                rule_name: alert.rule_name.as_deref(),
                positions,
                seq: self.seq,
            };
            let rule = &mut self.rules[r];
            rule.accept(
                input,
                Some(watermark),
                &self.config,
                &mut self.stats,
                &mut raised,
            );
            pending.extend(raised.drain(..).map(|a| (r, a)));
        }
        self.rules[from].standalone.then_some(alert)
    }
}

/// The correlation rules a detection rule feeds, by its id and its name (borrowed unless both
/// lead somewhere).
fn targets<'a>(
    routes: &'a HashMap<String, Vec<Target>>,
    rule_id: &str,
    rule_name: Option<&str>,
) -> Cow<'a, [Target]> {
    let by_id = routes.get(rule_id);
    let by_name = rule_name
        .filter(|n| *n != rule_id)
        .and_then(|n| routes.get(n));
    match (by_id, by_name) {
        (Some(a), None) | (None, Some(a)) => Cow::Borrowed(a),
        (None, None) => Cow::Borrowed(&[]),
        (Some(a), Some(b)) => {
            let mut merged = a.clone();
            for &(r, bits) in b {
                match merged.iter_mut().find(|(t, _)| *t == r) {
                    Some((_, mask)) => *mask |= bits,
                    None => merged.push((r, bits)),
                }
            }
            Cow::Owned(merged)
        }
    }
}
