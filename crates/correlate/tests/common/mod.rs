//! Shared helpers: events with fields, an engine from YAML, and a feeder that collects alerts.

#![allow(dead_code)]

use palisade_core::{Event, TenantId};
use palisade_correlate::{parse_str, CorrelationAlert, CorrelationEngine, EngineConfig, RuleMatch};

/// Seconds, in the engine's milliseconds.
pub const S: i64 = 1_000;

/// An event of the default tenant at `time` ms with the given string fields.
pub fn event(id: u64, time: i64, fields: &[(&str, &str)]) -> Event {
    event_of("default", id, time, fields)
}

/// An event of `tenant` at `time` ms with the given string fields.
pub fn event_of(tenant: &str, id: u64, time: i64, fields: &[(&str, &str)]) -> Event {
    let tenant = TenantId::new(tenant).expect("valid tenant");
    let mut e = Event::new(id, tenant, time);
    for (k, v) in fields {
        e.set(k.to_string(), *v);
    }
    e
}

/// An engine over the correlation rules of `yaml`.
pub fn engine(yaml: &str, config: EngineConfig) -> CorrelationEngine {
    let rules = parse_str(yaml).expect("test rules parse");
    CorrelationEngine::new(rules, config).expect("test engine builds")
}

/// A configuration with the given lateness and default limits.
pub fn lateness(ms: i64) -> EngineConfig {
    EngineConfig {
        lateness_ms: ms,
        ..EngineConfig::default()
    }
}

/// Feeds matches of detection rule `rule` (used as id and name) and collects every alert.
pub struct Feeder {
    pub engine: CorrelationEngine,
    pub alerts: Vec<CorrelationAlert>,
}

impl Feeder {
    pub fn new(yaml: &str, config: EngineConfig) -> Self {
        Feeder {
            engine: engine(yaml, config),
            alerts: Vec::new(),
        }
    }

    /// Feeds one match and returns how many alerts it raised.
    pub fn feed(&mut self, rule: &str, event: &Event) -> usize {
        let raised = self.engine.process(RuleMatch {
            rule_id: rule,
            rule_name: Some(rule),
            event,
        });
        let n = raised.len();
        self.alerts.extend(raised);
        n
    }

    /// Ends the stream, closing every window.
    pub fn flush(&mut self) -> &[CorrelationAlert] {
        let raised = self.engine.flush();
        self.alerts.extend(raised);
        &self.alerts
    }
}
