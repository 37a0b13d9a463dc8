//! Configuration watching: the watched paths are scanned every `[fim] interval` (a short
//! poll, so a change is seen within seconds whatever the file system) and compared with the
//! last state; each change travels as an OCSF File System Activity event with the state
//! before and after and, for text files, the line diff.
//!
//! The state is kept in `<state-dir>/fim-baseline.json` and replaced only after the change
//! events are in the disk buffer, so a change made while the agent was stopped is reported
//! when it starts again, and a crash between the two reports a change at most twice.

use crate::{positions::write_atomically, posture_config::FimConfig, schedule::Schedule};
use palisade_assess::{
    fim::{self, FileState, ScanOptions},
    Policy, Target,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// The state of every watched entry, by path.
type Entries = BTreeMap<String, FileState>;

/// One scan's outcome: the change events to buffer and the state to keep once they are.
pub struct WatchRound {
    /// OCSF File System Activity events, one JSON object each.
    pub records: Vec<String>,
    /// Paths that could not be read (their last known state is kept).
    pub errors: Vec<String>,
    /// Whether the state differs from the kept one (only then is it saved).
    pub changed: bool,
    entries: Entries,
}

/// The agent's configuration watch.
pub struct ConfigWatch {
    watched: Vec<String>,
    options: ScanOptions,
    schedule: Schedule,
    baseline_file: PathBuf,
    baseline: Option<Entries>,
}

/// File name under the state directory.
const BASELINE_FILE: &str = "fim-baseline.json";

impl ConfigWatch {
    /// Watches `[fim] paths`, or `/etc/ssh/sshd_config` and the policies' watch lists.
    pub fn new(config: &FimConfig, policies: &[Policy], state_dir: &Path, now: Instant) -> Self {
        let mut watched: Vec<String> = if config.paths.is_empty() {
            std::iter::once(FimConfig::SSHD_CONFIG.to_owned())
                .chain(policies.iter().flat_map(|p| p.watch.iter().cloned()))
                .collect()
        } else {
            config.paths.clone()
        };
        watched.sort();
        watched.dedup();
        let baseline_file = state_dir.join(BASELINE_FILE);
        let baseline = std::fs::read(&baseline_file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        ConfigWatch {
            watched,
            options: ScanOptions {
                max_content_bytes: config.max_content_bytes,
                ..ScanOptions::default()
            },
            schedule: Schedule::starting(now, config.interval.as_std(), Duration::ZERO),
            baseline_file,
            baseline,
        }
    }

    /// The watched paths.
    pub fn watched(&self) -> &[String] {
        &self.watched
    }

    /// Whether a scan is due.
    pub fn due(&self, now: Instant) -> bool {
        self.schedule.due(now)
    }

    /// Scans the watched paths and compares them with the last state. The first scan ever
    /// only records the state.
    pub fn scan(&mut self, target: &Target, hostname: &str, now: Instant) -> WatchRound {
        self.schedule.done(now);
        let mut entries = Entries::new();
        let mut errors = Vec::new();
        for path in &self.watched {
            match fim::scan(target, std::slice::from_ref(path), &self.options) {
                Ok(found) => entries.extend(found),
                Err(e) => {
                    errors.push(e);
                    entries.extend(self.last_known_under(path));
                }
            }
        }
        let Some(old) = &self.baseline else {
            return WatchRound {
                records: Vec::new(),
                errors,
                changed: true,
                entries,
            };
        };
        if *old == entries {
            return WatchRound {
                records: Vec::new(),
                errors,
                changed: false,
                entries,
            };
        }
        let time = palisade_core::time::now_ms();
        let records = fim::compare(old, &entries)
            .iter()
            .map(|change| {
                let mut event = fim::file_activity(change, hostname, time);
                event["actor"]["process"]["name"] = serde_json::json!("palisade agent");
                event.to_string()
            })
            .collect();
        WatchRound {
            records,
            errors,
            changed: true,
            entries,
        }
    }

    /// The last known entries at or under `path` (kept while it cannot be read).
    fn last_known_under(&self, path: &str) -> Entries {
        let clean = format!("/{}", path.trim_matches('/'));
        let prefix = format!("{}/", clean.trim_end_matches('/'));
        self.baseline
            .iter()
            .flatten()
            .filter(|(p, _)| **p == clean || p.starts_with(&prefix))
            .map(|(p, s)| (p.clone(), s.clone()))
            .collect()
    }

    /// Keeps a round's state once its events are in the disk buffer.
    pub fn commit(&mut self, round: WatchRound) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(&round.entries).map_err(std::io::Error::other)?;
        write_atomically(&self.baseline_file, &bytes)?;
        self.baseline = Some(round.entries);
        Ok(())
    }
}

/// Errors not reported yet (each unreadable path is logged once, not on every scan).
#[derive(Default)]
pub struct ReportedErrors(BTreeSet<String>);

impl ReportedErrors {
    /// The errors among `errors` that were not reported before.
    pub fn new_ones(&mut self, errors: &[String]) -> Vec<String> {
        errors
            .iter()
            .filter(|e| self.0.insert((*e).clone()))
            .cloned()
            .collect()
    }
}
