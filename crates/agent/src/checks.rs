//! Scheduled baseline configuration checks: the configured policies run every
//! `[checks] interval`; a full run (every `full_interval`) ships every result, the runs in
//! between ship only the results whose status changed since the last shipped one. Each
//! result travels as the OCSF Compliance Finding `palisade check run --format ocsf` prints.

use crate::{positions::write_atomically, posture_config::ChecksConfig, schedule::Schedule};
use palisade_assess::{builtin, report::compliance_finding, Policy, Target};
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Instant,
};

/// What the agent remembers of the results it shipped (`<state-dir>/checks.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShippedResults {
    /// When the last full run was buffered, epoch milliseconds (0: never).
    pub last_full_ms: i64,
    /// Status (`pass`, `fail`, `not_applicable`, `error`) by `policy/check`.
    pub statuses: BTreeMap<String, String>,
}

/// One run's outcome: the records to buffer and what to remember once they are buffered.
pub struct CheckRound {
    /// OCSF Compliance Finding events, one JSON object each.
    pub records: Vec<String>,
    /// Results evaluated in the run.
    pub evaluated: usize,
    shipped: ShippedResults,
}

/// The agent's scheduled checks.
pub struct ScheduledChecks {
    policies: Vec<Policy>,
    schedule: Schedule,
    full_interval_ms: i64,
    shipped: ShippedResults,
    state_file: PathBuf,
}

/// File name under the state directory.
const STATE_FILE: &str = "checks.json";

impl ScheduledChecks {
    /// Runs `policies` on `config`'s schedule, remembering what was shipped before a restart.
    pub fn new(
        config: &ChecksConfig,
        policies: Vec<Policy>,
        state_dir: &Path,
        now: Instant,
    ) -> anyhow::Result<ScheduledChecks> {
        let state_file = state_dir.join(STATE_FILE);
        let shipped = match std::fs::read(&state_file) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(
                    "{} is damaged ({e}); the next run ships every result",
                    state_file.display()
                );
                ShippedResults::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ShippedResults::default(),
            Err(e) => anyhow::bail!("cannot read {}: {e}", state_file.display()),
        };
        Ok(ScheduledChecks {
            policies,
            schedule: Schedule::starting(now, config.interval.as_std(), config.jitter.as_std()),
            full_interval_ms: i64::try_from(config.full_interval.0).unwrap_or(i64::MAX),
            shipped,
            state_file,
        })
    }

    /// Whether a run is due.
    pub fn due(&self, now: Instant) -> bool {
        self.schedule.due(now)
    }

    /// Runs every policy against `target`; the results to ship (all on a full run, the
    /// changed ones otherwise). Nothing is remembered until [`ScheduledChecks::commit`].
    pub fn run(&mut self, target: &Target, hostname: &str, now: Instant) -> CheckRound {
        self.schedule.done(now);
        let time = palisade_core::time::now_ms();
        let results = palisade_assess::run(&self.policies, target);
        let full = time.saturating_sub(self.shipped.last_full_ms) >= self.full_interval_ms;
        let mut next = ShippedResults {
            last_full_ms: if full {
                time
            } else {
                self.shipped.last_full_ms
            },
            statuses: BTreeMap::new(),
        };
        let mut records = Vec::new();
        for r in &results {
            let key = format!("{}/{}", r.policy, r.id);
            let status = r.status.as_str().to_owned();
            if full || self.shipped.statuses.get(&key) != Some(&status) {
                records.push(compliance_finding(r, hostname, time).to_string());
            }
            next.statuses.insert(key, status);
        }
        CheckRound {
            records,
            evaluated: results.len(),
            shipped: next,
        }
    }

    /// Remembers a round once its records are in the disk buffer.
    pub fn commit(&mut self, round: CheckRound) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(&round.shipped).map_err(std::io::Error::other)?;
        write_atomically(&self.state_file, &bytes)?;
        self.shipped = round.shipped;
        Ok(())
    }
}

/// Built-in policies by id, or policy files; every built-in policy when `names` is empty.
pub fn load_policies(
    names: &[String],
    vars: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<Policy>> {
    let builtins = builtin::policies(vars).map_err(anyhow::Error::msg)?;
    if names.is_empty() {
        return Ok(builtins);
    }
    names
        .iter()
        .map(|name| {
            if let Some(b) = builtins.iter().find(|b| b.id == *name) {
                return Ok(b.clone());
            }
            let text = std::fs::read_to_string(name).map_err(|e| {
                let ids: Vec<&str> = builtins.iter().map(|b| b.id.as_str()).collect();
                anyhow::anyhow!(
                    "[checks] policies: {name:?} is neither a built-in policy ({}) nor a readable policy file: {e}",
                    ids.join(", ")
                )
            })?;
            Policy::parse(&text, vars).map_err(|e| anyhow::anyhow!("{name}: {e}"))
        })
        .collect()
}
