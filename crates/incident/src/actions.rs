//! Response actions: a configured command (argument vector, no shell, the incident's fields as
//! `PALISADE_INCIDENT_*` environment variables, a timeout) or a signed webhook, run by hand or
//! automatically when a bound rule opens an incident. Every run is recorded on the incident
//! with its result and (bounded) output.

use crate::{
    db,
    error::{IncidentError, Result},
    manager::{IncidentManager, Inner},
    model::{ActionRun, Incident},
};
use palisade_core::{
    incident_config::{ActionConfig, IncidentConfig},
    time::now_ms,
};
use palisade_state::rusqlite::{self, params, OptionalExtension, Transaction};
use serde_json::json;
use std::{
    io::Read,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Most output bytes kept from a run (stdout and stderr each).
const MAX_OUTPUT_BYTES: u64 = 32 * 1024;

/// Queues the actions bound to the rule that opened `incident`.
pub(crate) fn queue_bound(
    tx: &Transaction<'_>,
    config: &IncidentConfig,
    incident: &Incident,
    now: i64,
) -> rusqlite::Result<()> {
    for action in config
        .actions
        .iter()
        .filter(|a| a.rules.contains(&incident.rule_id))
    {
        tx.execute(
            "INSERT INTO incident_action_runs (incident_id, action, actor, status, created_ms)
             VALUES (?1, ?2, ?3, 'queued', ?4)",
            params![
                incident.id,
                action.name,
                format!("rule:{}", incident.rule_id),
                now
            ],
        )?;
    }
    Ok(())
}

/// How a run ended.
struct Outcome {
    status: &'static str,
    code: Option<i64>,
    output: String,
}

/// The environment a command runs with: `PATH` and the incident's fields, nothing of the
/// server's own environment (which may hold secrets).
fn environment(incident: &Incident) -> Vec<(String, String)> {
    let mut env = vec![
        ("PALISADE_INCIDENT_ID".to_owned(), incident.id.to_string()),
        (
            "PALISADE_INCIDENT_TENANT".to_owned(),
            incident.tenant.clone(),
        ),
        ("PALISADE_INCIDENT_TITLE".to_owned(), incident.title.clone()),
        (
            "PALISADE_INCIDENT_STATE".to_owned(),
            incident.state.as_str().to_owned(),
        ),
        (
            "PALISADE_INCIDENT_SEVERITY".to_owned(),
            incident.severity.as_str().to_owned(),
        ),
        (
            "PALISADE_INCIDENT_RULE_ID".to_owned(),
            incident.rule_id.clone(),
        ),
        (
            "PALISADE_INCIDENT_ASSIGNEE".to_owned(),
            incident.assignee.clone().unwrap_or_default(),
        ),
        (
            "PALISADE_INCIDENT_JSON".to_owned(),
            serde_json::to_string(incident).unwrap_or_default(),
        ),
    ];
    for (key, value) in &incident.entities {
        let name: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        env.push((format!("PALISADE_INCIDENT_{name}"), value.clone()));
    }
    if let Ok(path) = std::env::var("PATH") {
        env.push(("PATH".to_owned(), path));
    }
    env
}

/// Runs a command with a timeout, capturing its output.
fn run_command(argv: &[String], incident: &Incident, timeout: Duration) -> Outcome {
    let failed = |output: String| Outcome {
        status: "failed",
        code: None,
        output,
    };
    let Some((program, args)) = argv.split_first() else {
        return failed("the action has no command".into());
    };
    let mut child = match Command::new(program)
        .args(args)
        .env_clear()
        .envs(environment(incident))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return failed(format!("cannot start {program:?}: {e}")),
    };
    let capture = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(pipe) = pipe {
                let mut limited = pipe.take(MAX_OUTPUT_BYTES);
                let _ = limited.read_to_end(&mut text);
                // Drain the rest so the child never blocks on a full pipe.
                let _ = std::io::copy(&mut limited.into_inner(), &mut std::io::sink());
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = capture(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = capture(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return failed(format!("cannot wait for {program:?}: {e}")),
        }
    };
    let mut output = stdout.join().unwrap_or_default();
    let errors = stderr.join().unwrap_or_default();
    if !errors.is_empty() {
        output.push_str(&errors);
    }
    match status {
        None => Outcome {
            status: "timed_out",
            code: None,
            output,
        },
        Some(s) => Outcome {
            status: if s.success() { "succeeded" } else { "failed" },
            code: s.code().map(i64::from),
            output,
        },
    }
}

/// Runs an action for an incident.
fn execute(action: &ActionConfig, incident: &Incident) -> Outcome {
    if let Some(url) = &action.url {
        let body = json!({"action": action.name, "incident": incident}).to_string();
        return match crate::notify::webhook::post(
            url,
            action.secret_file.as_deref(),
            &body,
            action.timeout.as_std(),
        ) {
            Ok((code, output)) => Outcome {
                status: "succeeded",
                code: Some(i64::from(code)),
                output,
            },
            Err(output) => Outcome {
                status: "failed",
                code: None,
                output,
            },
        };
    }
    run_command(&action.command, incident, action.timeout.as_std())
}

impl Inner {
    /// Runs a claimed run (status `running`) and records how it ended.
    fn perform(&self, run: i64, incident: &Incident, action: Option<&ActionConfig>) -> Result<()> {
        let outcome = match action {
            Some(action) => execute(action, incident),
            None => Outcome {
                status: "failed",
                code: None,
                output: "the action is no longer configured".into(),
            },
        };
        let now = now_ms();
        self.store.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE incident_action_runs SET status = ?2, code = ?3, output = ?4, finished_ms = ?5
                 WHERE id = ?1",
                params![run, outcome.status, outcome.code, outcome.output, now],
            )?;
            let name = action.map_or("", |a| a.name.as_str());
            db::history(&tx, incident.id, now, "system", "action_run",
                json!({"run": run, "action": name, "status": outcome.status, "code": outcome.code}))?;
            tx.commit()
        })?;
        Ok(())
    }
}

impl IncidentManager {
    /// Runs the configured action `name` on incident `id` now, on behalf of `actor`; returns
    /// the recorded run.
    pub fn run_action(
        &self,
        id: i64,
        tenant: Option<&str>,
        name: &str,
        actor: &str,
    ) -> Result<ActionRun> {
        let action = self
            .inner
            .config
            .actions
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .inner
                    .config
                    .actions
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect();
                IncidentError::BadRequest(format!(
                    "no action named {name:?} (configured: {})",
                    known.join(", ")
                ))
            })?;
        let incident = self.get(id, tenant)?.incident;
        let run = self.inner.store.with(|c| {
            c.execute(
                "INSERT INTO incident_action_runs (incident_id, action, actor, status, created_ms)
                 VALUES (?1, ?2, ?3, 'running', ?4)",
                params![id, name, actor, now_ms()],
            )?;
            Ok(c.last_insert_rowid())
        })?;
        self.inner.perform(run, &incident, Some(action))?;
        self.get(id, tenant)?
            .action_runs
            .into_iter()
            .find(|r| r.id == run)
            .ok_or(IncidentError::NotFound(id))
    }
}

/// Runs queued (rule-bound) actions until the manager stops. Runs left `running` by a crash
/// are recorded as failed first: whether they took effect is unknown.
pub(crate) fn worker(inner: &Inner) {
    let interrupted = inner.store.with(|c| {
        c.execute(
            "UPDATE incident_action_runs SET status = 'failed', finished_ms = ?1,
                output = output || 'interrupted by a restart; it may or may not have taken effect'
             WHERE status = 'running'",
            [now_ms()],
        )
    });
    if let Err(e) = interrupted {
        tracing::error!(error = %e, "cannot mark interrupted action runs");
    }
    while !inner.stopping() {
        match claim(inner) {
            Ok(Some((run, incident_id, name))) => {
                let action = inner.config.actions.iter().find(|a| a.name == name);
                let incident = inner
                    .store
                    .with(|c| db::load(c, incident_id, None, &inner.config.sla));
                if let Ok(Some(incident)) = incident {
                    if let Err(e) = inner.perform(run, &incident, action) {
                        tracing::error!(run, error = %e, "action run not recorded");
                    }
                }
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => {
                tracing::error!(error = %e, "action queue unavailable");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// Takes the oldest queued run, marking it `running`.
fn claim(
    inner: &Inner,
) -> std::result::Result<Option<(i64, i64, String)>, palisade_state::StateError> {
    inner.store.with(|c| {
        let tx = c.transaction()?;
        let next = tx
            .query_row(
                "SELECT id, incident_id, action FROM incident_action_runs
                 WHERE status = 'queued' ORDER BY id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, _, _)) = &next {
            tx.execute(
                "UPDATE incident_action_runs SET status = 'running' WHERE id = ?1",
                [id],
            )?;
        }
        tx.commit()?;
        Ok(next)
    })
}
