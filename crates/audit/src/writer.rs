//! The writer thread: group commit. It takes every append waiting in its queue, writes them
//! with one `write` and one `fdatasync`, then answers each caller. The record file is opened
//! for each batch, so a file system that turned read-only or full fails the very next batch.
//!
//! While the trail is open the file keeps [`PADDING_BYTES`] of zeros past its last record,
//! written and synced ahead of time: a batch then overwrites blocks the file already has, so
//! its `fdatasync` flushes data only, without the write of the file's new size that a growing
//! file needs (an inode write, or a journal commit on a journaled file system: about a third
//! of each sync's time and CPU on the project's ext4). An all-zero frame header
//! reads as the end of the records ([`crate::frame::read`]); the padding is cut off when the
//! trail closes.

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
    os::unix::fs::FileExt,
    path::PathBuf,
    sync::{mpsc, Arc, RwLock},
    time::{Duration, Instant},
};
use tokio::sync::oneshot;

/// A request to the writer.
pub(crate) enum Command {
    /// Append a record and answer with its index.
    Append(AuditEvent, oneshot::Sender<Result<u64, AuditError>>),
}

type Pending = Vec<(AuditEvent, oneshot::Sender<Result<u64, AuditError>>)>;

/// Zeros kept written past the last record, so that group commits overwrite instead of grow.
pub(crate) const PADDING_BYTES: u64 = 1 << 20;

/// How long the writer appends without padding after padding did not fit (a full disk).
const PADDING_RETRY: Duration = Duration::from_secs(10);

/// The writer's own state.
pub(crate) struct Writer {
    dir: PathBuf,
    key: Arc<SigningKey>,
    shared: Arc<RwLock<Shared>>,
    options: AuditOptions,
    /// Size of the last head appended to the heads file.
    written_head_size: Option<u64>,
    last_head_write: Instant,
    /// The record file's length when the writer last left it with zeros from the committed
    /// length up to there (written and synced); `None` when unknown (before the first batch,
    /// after a failed one, without padding).
    padded_to: Option<u64>,
    /// When padding last did not fit.
    padding_failed: Option<Instant>,
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
            padded_to: None,
            padding_failed: None,
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
                    self.cut_padding();
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

    /// Writes `bytes` after the committed part of the record file and syncs. A file shorter
    /// than the committed part was truncated behind the trail's back and is refused. Past the
    /// committed part the file holds this writer's zeros, or the remains of a failed write or
    /// of a crash, which are cut off first.
    fn write(&mut self, committed_len: u64, bytes: &[u8]) -> Result<(), AuditError> {
        let padded_to = self.padded_to.take();
        let path = self.dir.join(RECORDS_FILE);
        let io = |what: &str| {
            let path = path.clone();
            let what = what.to_owned();
            move |e| AuditError::io(&what, &path, e)
        };
        let file = OpenOptions::new()
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
        let end = committed_len + bytes.len() as u64;
        if padded_to == Some(len) && end + frame::FRAME_HEADER_BYTES <= len {
            file.write_all_at(bytes, committed_len)
                .map_err(io("write to"))?;
            file.sync_data().map_err(io("sync"))?;
            self.padded_to = Some(len);
            return Ok(());
        }
        if len > committed_len {
            file.set_len(committed_len).map_err(io("cut back"))?;
        }
        let pad = self
            .padding_failed
            .is_none_or(|at| at.elapsed() >= PADDING_RETRY);
        if pad {
            let mut padded = Vec::with_capacity(bytes.len() + PADDING_BYTES as usize);
            padded.extend_from_slice(bytes);
            padded.resize(bytes.len() + PADDING_BYTES as usize, 0);
            match file
                .write_all_at(&padded, committed_len)
                .and_then(|()| file.sync_data())
            {
                Ok(()) => {
                    self.padded_to = Some(end + PADDING_BYTES);
                    self.padding_failed = None;
                    return Ok(());
                }
                // No room for the zeros (or the write failed): try the records alone.
                Err(_) => {
                    self.padding_failed = Some(Instant::now());
                    file.set_len(committed_len).map_err(io("cut back"))?;
                }
            }
        }
        file.write_all_at(bytes, committed_len)
            .map_err(io("write to"))?;
        file.sync_data().map_err(io("sync"))
    }

    /// Cuts the zeros off the end of the record file, so a closed trail ends with its last
    /// record. Failing leaves them, which readers take as the end of the records.
    fn cut_padding(&mut self) {
        if self.padded_to.take().is_none() {
            return;
        }
        let path = self.dir.join(RECORDS_FILE);
        let committed_len = self.shared_ref().committed_len;
        let cut = OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_len(committed_len).and_then(|()| file.sync_data()));
        if let Err(e) = cut {
            tracing::warn!(error = %e, path = %path.display(), "audit trail padding not cut off");
        }
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
