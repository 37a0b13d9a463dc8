//! The group-commit writer thread: drains every append waiting, writes them with one
//! `write` and one `fsync`, acknowledges each, then hands the durable batches on in order.

use super::{
    files,
    frame::{encode_frame, FrameSeal},
    Shared, WalFile,
};
use palisade_core::{wal_seal::WalKeys, RawRecord};
use std::{
    fs::File,
    io::{self, Write},
    path::PathBuf,
    sync::atomic::Ordering,
};
use tokio::sync::{mpsc, oneshot};

/// Stop collecting more appends into one group once it holds this many bytes.
const GROUP_BYTES: usize = 8 << 20;

/// One `Wal::append` call waiting for the writer.
pub struct AppendRequest {
    /// The records, in order.
    pub records: Vec<RawRecord>,
    /// Where to send the batch's last seq (or the error).
    pub reply: oneshot::Sender<io::Result<u64>>,
}

/// The writer's state; owned by its thread.
pub struct Writer {
    /// Directory of the log.
    pub dir: PathBuf,
    /// The file appends go to.
    pub file: File,
    /// Its size so far.
    pub file_bytes: u64,
    /// The seal of its frames (`None` in a plain log).
    pub seal: Option<FrameSeal>,
    /// Where new files get their data keys (`None` in a plain log).
    pub keys: Option<std::sync::Arc<dyn WalKeys>>,
    /// The last attempt to start a new file found no data key (the key service is sealed).
    pub roll_blocked: bool,
    /// Size at which a new file is started.
    pub roll_bytes: u64,
    /// fsync each group before acknowledging.
    pub fsync: bool,
    /// Seq the next record gets.
    pub next_seq: u64,
    /// State shared with the `Wal` handles.
    pub shared: std::sync::Arc<Shared>,
    /// Durable batches go here, in seq order.
    pub durable: mpsc::Sender<super::DurableBatch>,
    /// Bounds the bytes of the durable batches not yet consumed.
    pub queued: std::sync::Arc<super::budget::ByteBudget>,
}

struct Pending {
    first_seq: u64,
    records: Vec<RawRecord>,
    reply: oneshot::Sender<io::Result<u64>>,
}

impl Writer {
    /// Serves appends until every `Wal` handle is gone.
    pub fn run(mut self, mut requests: mpsc::Receiver<AppendRequest>) {
        let mut buf = Vec::with_capacity(1 << 20);
        while let Some(first) = requests.blocking_recv() {
            let mut group = vec![first];
            let mut approx_bytes = approx_size(&group[0].records);
            while approx_bytes < GROUP_BYTES {
                match requests.try_recv() {
                    Ok(next) => {
                        approx_bytes += approx_size(&next.records);
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(group, &mut buf);
        }
    }

    fn commit_group(&mut self, group: Vec<AppendRequest>, buf: &mut Vec<u8>) {
        if self.shared.failed.load(Ordering::Acquire) {
            for req in group {
                let _ = req.reply.send(Err(self.shared.failed_error()));
            }
            return;
        }
        buf.clear();
        let mut pending = Vec::with_capacity(group.len());
        for req in group {
            let first_seq = self.next_seq;
            if !req.records.is_empty() {
                if let Err(e) = encode_frame(buf, first_seq, &req.records, self.seal.as_ref()) {
                    let refused = format!("the batch could not be sealed: {e}");
                    let _ = req.reply.send(Err(io::Error::other(refused)));
                    continue;
                }
                self.next_seq += req.records.len() as u64;
            }
            pending.push(Pending {
                first_seq,
                records: req.records,
                reply: req.reply,
            });
        }
        if let Err(e) = self.write_durably(buf) {
            self.shared.fail(&e);
            for p in pending {
                let _ = p.reply.send(Err(self.shared.failed_error()));
            }
            return;
        }
        // Roll before acknowledging, so that an acknowledged caller sees the file list settled.
        if self.file_bytes >= self.roll_bytes {
            if let Err(e) = self.roll() {
                self.shared.fail(&e);
            }
        }
        for p in pending {
            let last_seq = (p.first_seq + p.records.len() as u64).saturating_sub(1);
            let _ = p.reply.send(Ok(last_seq));
            if !p.records.is_empty() {
                let queued = self.queued.hold(approx_size(&p.records));
                let batch = super::DurableBatch {
                    first_seq: p.first_seq,
                    records: p.records,
                    _queued: queued,
                };
                // A dropped receiver only means nobody consumes: the data is durable anyway.
                let _ = self.durable.blocking_send(batch);
            }
        }
    }

    fn write_durably(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.file.write_all(buf)?;
        if self.fsync {
            self.file.sync_data()?;
        }
        self.file_bytes += buf.len() as u64;
        self.shared
            .disk_bytes
            .fetch_add(buf.len() as u64, Ordering::Relaxed);
        if let Ok(mut files) = self.shared.files.lock() {
            if let Some(last) = files.last_mut() {
                last.bytes = self.file_bytes;
            }
        }
        Ok(())
    }

    /// Closes the current file and starts the next one, named after the next seq. When no
    /// data key can be made for it (the key service was sealed), appends go on into the
    /// current file, whose key is still in memory, and a later group tries again.
    fn roll(&mut self) -> io::Result<()> {
        let (header, seal) = match files::new_header(self.keys.as_deref()) {
            Ok(made) => made,
            Err(e) => {
                if !self.roll_blocked {
                    tracing::warn!(
                        error = %e,
                        "the write-ahead log cannot start a new file without a data key; it \
                         goes on appending to the current one"
                    );
                }
                self.roll_blocked = true;
                return Ok(());
            }
        };
        self.roll_blocked = false;
        self.file.sync_all()?;
        let path = self.dir.join(files::name(self.next_seq));
        self.file = files::create(&self.dir, &path, &header, self.fsync)?;
        self.seal = seal;
        self.file_bytes = header.len() as u64;
        self.shared
            .disk_bytes
            .fetch_add(self.file_bytes, Ordering::Relaxed);
        if let Ok(mut files) = self.shared.files.lock() {
            files.push(WalFile {
                first_seq: self.next_seq,
                path,
                bytes: self.file_bytes,
            });
        }
        Ok(())
    }
}

fn approx_size(records: &[RawRecord]) -> usize {
    records.iter().map(|r| r.payload.len() + 64).sum()
}
