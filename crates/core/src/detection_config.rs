//! `[detection]`: Sigma rules, correlation and alerts (docs/alerts.md).

use crate::config::Duration;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[detection]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DetectionConfig {
    /// Run detection inline in the pipeline.
    pub enabled: bool,
    /// Load the built-in rule pack.
    pub builtin: bool,
    /// Directories (or files) of Sigma rules loaded at start, beside the uploaded ones.
    pub rules_dirs: Vec<PathBuf>,
    /// A repeat of the same rule, tenant and entities within this time of the open alert
    /// is folded into it instead of raising a new alert.
    pub suppression_window: Duration,
    /// How late (behind the newest event) an event may arrive and still correlate on time.
    pub correlation_lateness: Duration,
    /// Most groups one correlation rule tracks at once.
    pub max_groups_per_rule: usize,
    /// Most matches one correlation group holds.
    pub max_events_per_group: usize,
    /// Most event ids kept on one alert.
    pub max_alert_event_ids: usize,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        DetectionConfig {
            enabled: true,
            builtin: true,
            rules_dirs: Vec::new(),
            suppression_window: Duration(600_000),
            correlation_lateness: Duration(60_000),
            max_groups_per_rule: 100_000,
            max_events_per_group: 10_000,
            max_alert_event_ids: 100,
        }
    }
}

impl DetectionConfig {
    /// Checks ranges a single key cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_groups_per_rule == 0
            || self.max_events_per_group == 0
            || self.max_alert_event_ids == 0
        {
            return Err(
                "detection.max_groups_per_rule, detection.max_events_per_group and \
                 detection.max_alert_event_ids must be at least 1"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Duration};

    #[test]
    fn detection_section_reads_and_defaults() {
        let c = Config::parse("").unwrap();
        assert!(c.detection.enabled && c.detection.builtin);
        let c = Config::parse(
            "[detection]\nbuiltin = false\nrules_dirs = [\"/etc/rules\"]\nsuppression_window = \"5m\"\n",
        )
        .unwrap();
        assert!(!c.detection.builtin);
        assert_eq!(c.detection.suppression_window, Duration(300_000));
        assert_eq!(c.detection.rules_dirs.len(), 1);
        let e = Config::parse("[detection]\nmax_alert_event_ids = 0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_alert_event_ids"), "{e}");
        assert!(Config::parse("[detection]\nrule_dirs = []\n").is_err());
    }
}
