//! The writer thread: group commit. It takes every append waiting in its queue, writes them
//! with one `write` and one `fdatasync`, then answers each caller. The record file is opened
//! for each batch, so a file system that turned read-only or full fails the very next batch.

use crate::{
    error::AuditError,
    frame, head,
    key::SigningKey,
    log::{current_head, AuditOptions, Shared},
    merkle::{self, Hash},
    record::{AuditEntry, AuditEvent},
    scan::RECORDS_FILE,
};
use std::{
    fs::OpenOptions,
    io::{Seek, SeekFrom, Write},
    path::PathBuf,
    sync::{mpsc, Arc, RwLock},
    time::Instant,
};
use tokio::sync::oneshot;

/// A request to the writer.
pub(crate) enum Command {
    /// Append a record and answer with its index.
    Append(AuditEvent, oneshot::Sender<Result<u64, AuditError>>),
}

type Pending = Vec<(AuditEvent, oneshot::Sender<Result<u64, AuditError>>)>;

/// The writer's own state.
pub(crate) struct Writer {
    dir: PathBuf,
    key: Arc<SigningKey>,
    shared: Arc<RwLock<Shared>>,
    options: AuditOptions,
    /// Size of the last head appended to the heads file.
    written_head_size: Option<u64>,
    last_head_write: Instant,
}

impl Writer {
    pub(crate) fn new(
        dir: PathBuf,
        key: Arc<SigningKey>,
        shared: Arc<RwLock<Shared>>,
        options: AuditOptions,
    ) -> Self {
        Writer {
            dir,
            key,
            shared,
            options,
            written_head_size: None,
            last_head_write: Instant::now(),
        }
    }

    /// Serves appends until every sender is gone, then writes a final tree head.
    pub(crate) fn run(mut self, commands: mpsc::Receiver<Command>) {
        loop {
            let received = if self.head_written() {
                commands
                    .recv()
                    .map_err(|_| mpsc::RecvTimeoutError::Disconnected)
            } else {
                let wait = self
                    .options
                    .head_interval
                    .saturating_sub(self.last_head_write.elapsed());
                commands.recv_timeout(wait)
            };
            match received {
                Ok(Command::Append(event, reply)) => {
                    let mut batch = vec![(event, reply)];
                    while batch.len() < self.options.max_batch {
                        match commands.try_recv() {
                            Ok(Command::Append(event, reply)) => batch.push((event, reply)),
                            Err(_) => break,
                        }
                    }
                    self.commit(batch);
                    self.write_head_if_due(false);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => self.write_head_if_due(false),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.write_head_if_due(true);
                    return;
                }
            }
        }
    }

    /// Whether the heads file already holds a head for every committed record.
    fn head_written(&self) -> bool {
        let size = self.shared_ref().tree.len();
        size == 0 || self.written_head_size == Some(size)
    }

    fn shared_ref(&self) -> std::sync::RwLockReadGuard<'_, Shared> {
        self.shared.read().unwrap_or_else(|p| p.into_inner())
    }

    fn shared_mut(&self) -> std::sync::RwLockWriteGuard<'_, Shared> {
        self.shared.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes one batch durably, then publishes it (the tree; its head is signed when asked
    /// for) and answers the callers.
    fn commit(&mut self, batch: Pending) {
        let (start, committed_len) = {
            let shared = self.shared_ref();
            (shared.tree.len(), shared.committed_len)
        };
        let mut bytes = Vec::with_capacity(batch.len() * 320);
        let mut leaves: Vec<Hash> = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for (i, (event, reply)) in batch.into_iter().enumerate() {
            let entry = AuditEntry {
                index: start + i as u64,
                event,
            };
            let payload = entry.to_bytes();
            leaves.push(merkle::leaf_hash(&payload));
            frame::encode(&payload, &mut bytes);
            replies.push((entry.index, reply));
        }
        if let Err(e) = self.write(committed_len, &bytes) {
            tracing::error!(error = %e, records = replies.len(), "audit records not written");
            for (_, reply) in replies {
                let _ = reply.send(Err(copy_error(&e)));
            }
            return;
        }
        {
            let mut shared = self.shared_mut();
            for leaf in leaves {
                shared.tree.push(leaf);
            }
            shared.committed_len = committed_len + bytes.len() as u64;
        }
        for (index, reply) in replies {
            let _ = reply.send(Ok(index));
        }
    }

    /// Appends `bytes` after the committed part of the record file and syncs. A longer file
    /// holds the remains of a failed write and is cut back; a shorter one was truncated
    /// behind the trail's back and is refused.
    fn write(&self, committed_len: u64, bytes: &[u8]) -> Result<(), AuditError> {
        let path = self.dir.join(RECORDS_FILE);
        let io = |what: &str| {
            let path = path.clone();
            let what = what.to_owned();
            move |e| AuditError::io(&what, &path, e)
        };
        let mut file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io("open for writing"))?;
        let len = file.metadata().map_err(io("inspect"))?.len();
        if len < committed_len {
            return Err(AuditError::Corrupt(format!(
                "{} is {len} bytes but {committed_len} bytes of records were written: it was \
                 truncated; refusing to write further",
                path.display()
            )));
        }
        if len > committed_len {
            file.set_len(committed_len).map_err(io("cut back"))?;
        }
        file.seek(SeekFrom::Start(committed_len))
            .map_err(io("seek in"))?;
        file.write_all(bytes).map_err(io("write to"))?;
        file.sync_data().map_err(io("sync"))
    }

    /// Appends the current head to the heads file when the log grew and the interval passed
    /// (or at once when `now`).
    fn write_head_if_due(&mut self, now: bool) {
        let due = now || self.last_head_write.elapsed() >= self.options.head_interval;
        if !due || self.head_written() {
            return;
        }
        let head = current_head(&self.shared, &self.key);
        self.last_head_write = Instant::now();
        match head::append(&self.dir, &head) {
            Ok(()) => self.written_head_size = Some(head.tree_size),
            Err(e) => tracing::error!(error = %e, "signed tree head not written; will retry"),
        }
    }
}

/// The same error again, for each caller of a failed batch.
fn copy_error(e: &AuditError) -> AuditError {
    match e {
        AuditError::Io { context, source } => AuditError::Io {
            context: context.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        AuditError::Corrupt(s) => AuditError::Corrupt(s.clone()),
        AuditError::Closed => AuditError::Closed,
    }
}
