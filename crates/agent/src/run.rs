//! The agent's loop: tail → buffer → ship, the posture tasks when due, and a heartbeat every
//! so often.

use crate::{
    buffer::DiskBuffer,
    client::ServerClient,
    config::AgentConfig,
    heartbeat::{Health, Heartbeat},
    positions::Positions,
    posture::Posture,
    tail::Tailer,
};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};
use zeroize::Zeroizing;

/// The agent's version, as reported in heartbeats.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The first wait after a failed send; doubled after each further failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// A running agent.
pub struct Agent {
    config: AgentConfig,
    state_dir: PathBuf,
    client: ServerClient,
    token: Zeroizing<String>,
    hostname: String,
    tailers: Vec<Tailer>,
    buffer: DiskBuffer,
    positions: Positions,
    posture: Posture,
    last_error: Option<String>,
    backoff: Duration,
    next_send: Instant,
    next_heartbeat: Instant,
}

impl Agent {
    /// Opens the state directory (positions and the disk buffer) and prepares the tailers.
    pub fn new(
        config: AgentConfig,
        state_dir: PathBuf,
        client: ServerClient,
        token: Zeroizing<String>,
    ) -> anyhow::Result<Agent> {
        create_private_dir(&state_dir)?;
        let buffer = DiskBuffer::open(&state_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot open the disk buffer in {}: {e}",
                state_dir.display()
            )
        })?;
        let mut positions = Positions::load(&state_dir)?;
        if let Some(newest) = buffer.newest_seq().filter(|n| *n > positions.seq) {
            positions = buffer.read(newest)?.positions;
        }
        let tailers = tailers_at(&config.files, &positions);
        let now = Instant::now();
        let posture = Posture::new(&config, &state_dir, now)?;
        Ok(Agent {
            hostname: config.host_name(),
            config,
            state_dir,
            client,
            token,
            tailers,
            buffer,
            positions,
            posture,
            last_error: None,
            backoff: Duration::ZERO,
            next_send: now,
            next_heartbeat: now,
        })
    }

    /// Runs until the process is stopped (every step is crash-safe, so a signal's default
    /// action is a clean enough stop).
    pub fn run(&mut self) -> ! {
        loop {
            self.step();
            std::thread::sleep(self.config.poll_interval.as_std());
        }
    }

    /// One round: read new lines into the buffer, send what waits, report if due.
    pub fn step(&mut self) {
        if let Err(e) = self.collect() {
            self.note_error(format!("cannot buffer new lines: {e}"));
        }
        self.assess();
        self.ship();
        if Instant::now() >= self.next_heartbeat {
            self.heartbeat();
            self.next_heartbeat = Instant::now() + self.config.heartbeat_interval.as_std();
        }
    }

    fn note_error(&mut self, message: String) {
        tracing::warn!("{message}");
        self.last_error = Some(message);
    }

    /// Reads new lines from every file into one batch on disk (unless the buffer is full).
    fn collect(&mut self) -> anyhow::Result<()> {
        if self.buffer.depth() >= self.config.max_buffered_batches {
            return Ok(());
        }
        let mut budget = usize::try_from(self.config.batch_max_bytes.0).unwrap_or(usize::MAX);
        let mut records = Vec::new();
        let mut errors = Vec::new();
        for tailer in &mut self.tailers {
            let mut lines = Vec::new();
            if let Err(e) = tailer.poll(budget, &mut lines) {
                errors.push(format!("cannot read {}: {e}", tailer.path().display()));
            }
            budget = budget.saturating_sub(lines.iter().map(|l| l.len() + 1).sum());
            let file = tailer.path().display().to_string();
            records.extend(lines.into_iter().map(|line| {
                serde_json::json!({ "message": line, "host": self.hostname, "file": file })
                    .to_string()
            }));
            if budget == 0 {
                break;
            }
        }
        if let Some(e) = errors.pop() {
            self.note_error(e);
        }
        if records.is_empty() {
            return Ok(());
        }
        let mut next = next_header(&self.positions, &self.buffer);
        for tailer in &self.tailers {
            if let Some(p) = tailer.position() {
                next.files.insert(tailer.path().display().to_string(), p);
            }
        }
        if let Err(e) = self.buffer.push(&next, &records) {
            // Read again from the last buffered position next round: nothing is skipped.
            self.tailers = tailers_at(&self.config.files, &self.positions);
            return Err(e.into());
        }
        self.positions = next;
        self.positions.save(&self.state_dir)?;
        Ok(())
    }

    /// Runs the posture tasks that are due; their events become batches of their own.
    fn assess(&mut self) {
        if self.buffer.depth() >= self.config.max_buffered_batches {
            return;
        }
        let Agent {
            posture,
            hostname,
            buffer,
            positions,
            state_dir,
            ..
        } = self;
        let mut push = |records: &[String]| -> anyhow::Result<()> {
            let next = next_header(positions, buffer);
            buffer.push(&next, records)?;
            *positions = next;
            positions.save(state_dir)?;
            Ok(())
        };
        for problem in posture.step(hostname, Instant::now(), &mut push) {
            self.note_error(problem);
        }
    }

    /// Sends buffered batches, oldest first, until one fails (then waits, backing off).
    fn ship(&mut self) {
        if Instant::now() < self.next_send {
            return;
        }
        while let Some(seq) = self.buffer.oldest() {
            let outcome = self
                .buffer
                .read(seq)
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    self.client
                        .post(
                            "/api/v1/ingest?source=agent",
                            Some(&self.token),
                            "application/x-ndjson",
                            &b.body,
                        )
                        .map_err(|e| {
                            if e.is_permanent() {
                                format!("rejected: {e}")
                            } else {
                                e.to_string()
                            }
                        })
                });
            let done = match outcome {
                Ok(_) => self.buffer.remove(seq),
                Err(e) if e.starts_with("rejected: ") || e.contains("damaged header") => {
                    self.note_error(format!("batch {seq} set aside in rejected/: {e}"));
                    self.buffer.reject(seq)
                }
                Err(e) => {
                    self.back_off();
                    self.note_error(format!(
                        "batch {seq} not delivered, retrying in {:?}: {e}",
                        self.backoff
                    ));
                    return;
                }
            };
            if let Err(e) = done {
                self.note_error(format!("cannot remove delivered batch {seq}: {e}"));
                return;
            }
            self.backoff = Duration::ZERO;
            self.last_error = None;
        }
        if let Err(e) = self.posture.ship_inventory(&self.client, &self.token) {
            self.back_off();
            self.note_error(e);
        }
    }

    /// Waits longer (doubling, up to `max_backoff`) before the next attempt to send.
    fn back_off(&mut self) {
        self.backoff = (self.backoff * 2).clamp(
            FIRST_BACKOFF,
            self.config.max_backoff.as_std().max(FIRST_BACKOFF),
        );
        self.next_send = Instant::now() + self.backoff;
    }

    /// Reports version and health.
    fn heartbeat(&mut self) {
        let beat = Heartbeat {
            version: VERSION.to_owned(),
            hostname: self.hostname.clone(),
            health: Health {
                buffer_depth: self.buffer.depth() as u64,
                files_tailed: self
                    .tailers
                    .iter()
                    .filter(|t| t.position().is_some())
                    .count() as u64,
                last_error: self.last_error.clone(),
            },
        };
        let body = serde_json::to_vec(&beat).unwrap_or_default();
        if let Err(e) = self.client.post(
            "/api/v1/agents/heartbeat",
            Some(&self.token),
            "application/json",
            &body,
        ) {
            tracing::warn!("heartbeat not delivered: {e}");
        }
    }
}

/// The header of the next batch: the next sequence number, the current positions.
fn next_header(positions: &Positions, buffer: &DiskBuffer) -> Positions {
    Positions {
        seq: positions.seq.max(buffer.newest_seq().unwrap_or(0)) + 1,
        files: positions.files.clone(),
    }
}

/// Tailers of `files`, each resuming at its position in `positions`.
fn tailers_at(files: &[PathBuf], positions: &Positions) -> Vec<Tailer> {
    files
        .iter()
        .map(|path| {
            let saved = positions.files.get(&path.display().to_string()).copied();
            Tailer::new(path.clone(), saved)
        })
        .collect()
}

/// Creates a directory readable by its owner only.
pub fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))
}
