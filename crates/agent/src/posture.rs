//! The agent's posture tasks: scheduled checks, scheduled inventories and configuration
//! watching, run from the agent's loop between tailing rounds. Check results and file
//! changes are OCSF events that travel through the same disk buffer as log lines; the
//! inventory goes to its own route, where the server matches it against its advisories.

use crate::{
    checks::{load_policies, ScheduledChecks},
    client::ServerClient,
    config::AgentConfig,
    inventory::{ScheduledInventory, INVENTORY_PATH},
    watch::{ConfigWatch, ReportedErrors},
};
use palisade_assess::Target;
use std::{path::Path, time::Instant};

/// Where records go: the disk buffer (written durably before this returns `Ok`).
pub type BufferRecords<'a> = dyn FnMut(&[String]) -> anyhow::Result<()> + 'a;

/// The posture tasks the configuration enables.
pub struct Posture {
    target: Target,
    root: std::path::PathBuf,
    checks: Option<ScheduledChecks>,
    inventory: Option<ScheduledInventory>,
    watch: Option<ConfigWatch>,
    reported: ReportedErrors,
}

impl Posture {
    /// Prepares the enabled tasks (loading the policies, the last shipped results and the
    /// last watched state from `state_dir`).
    pub fn new(config: &AgentConfig, state_dir: &Path, now: Instant) -> anyhow::Result<Posture> {
        let policies =
            if config.checks.enabled || (config.fim.enabled && config.fim.paths.is_empty()) {
                load_policies(&config.checks.policies, &config.checks.vars)?
            } else {
                Vec::new()
            };
        let watch = config
            .fim
            .enabled
            .then(|| ConfigWatch::new(&config.fim, &policies, state_dir, now));
        let checks = if config.checks.enabled {
            Some(ScheduledChecks::new(
                &config.checks,
                policies,
                state_dir,
                now,
            )?)
        } else {
            None
        };
        Ok(Posture {
            target: Target::new(&config.target_root),
            root: config.target_root.clone(),
            checks,
            inventory: config
                .inventory
                .enabled
                .then(|| ScheduledInventory::new(&config.inventory, state_dir, now)),
            watch,
            reported: ReportedErrors::default(),
        })
    }

    /// Runs every task that is due; events go to `buffer`. Returns the problems met.
    pub fn step(
        &mut self,
        hostname: &str,
        now: Instant,
        buffer: &mut BufferRecords<'_>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(watch) = self.watch.as_mut().filter(|w| w.due(now)) {
            let round = watch.scan(&self.target, hostname, now);
            for e in self.reported.new_ones(&round.errors) {
                problems.push(format!("cannot watch {e}"));
            }
            if !round.records.is_empty() {
                tracing::info!("{} watched file change(s)", round.records.len());
            }
            let kept = if round.records.is_empty() {
                Ok(())
            } else {
                buffer(&round.records)
            };
            let saved = match kept {
                Ok(()) if round.changed => watch.commit(round).map_err(anyhow::Error::from),
                other => other,
            };
            if let Err(e) = saved {
                problems.push(format!("cannot record watched file changes: {e}"));
            }
        }
        if let Some(checks) = self.checks.as_mut().filter(|c| c.due(now)) {
            let round = checks.run(&self.target, hostname, now);
            tracing::info!(
                "checks ran: {} results, {} shipped",
                round.evaluated,
                round.records.len()
            );
            let kept = if round.records.is_empty() {
                Ok(())
            } else {
                buffer(&round.records)
            };
            if let Err(e) = kept.and_then(|()| checks.commit(round).map_err(anyhow::Error::from)) {
                problems.push(format!("cannot buffer check results: {e}"));
            }
        }
        if let Some(inventory) = self.inventory.as_mut().filter(|i| i.due(now)) {
            match inventory.take(&self.root, hostname, now) {
                Ok(n) => tracing::info!("inventory taken: {n} packages"),
                Err(e) => problems.push(format!("cannot keep the inventory: {e}")),
            }
        }
        problems
    }

    /// Sends the pending inventory, if any. An error says why it is still pending, or that
    /// the server refused it as malformed and it was set aside in `rejected/`.
    pub fn ship_inventory(&self, client: &ServerClient, token: &str) -> Result<(), String> {
        let Some(inventory) = &self.inventory else {
            return Ok(());
        };
        let Some(body) = inventory.pending() else {
            return Ok(());
        };
        match client.post(INVENTORY_PATH, Some(token), "application/json", &body) {
            Ok(answer) => {
                tracing::info!("inventory delivered: {answer}");
                inventory
                    .delivered()
                    .map_err(|e| format!("cannot remove the delivered inventory: {e}"))
            }
            Err(e) if e.is_permanent() => {
                inventory
                    .reject()
                    .map_err(|io| format!("cannot set the refused inventory aside: {io}"))?;
                Err(format!("inventory set aside in rejected/: {e}"))
            }
            Err(e) => Err(format!("inventory not delivered: {e}")),
        }
    }
}
