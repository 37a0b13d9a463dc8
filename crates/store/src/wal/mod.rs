//! The write-ahead log: every received record is here, fsync'ed, before it is acknowledged.
//!
//! Files are `<dir>/<first_seq, 20 digits>.wal`, each a run of [`frame`]s (one per appended
//! batch). One writer thread does group commit: all appends waiting when it wakes are written
//! with one `write` and one `fsync`. Opening cuts any torn or corrupt tail (CRC), so a crash at
//! any instant loses only batches that were never acknowledged.
//!
//! Opened with [`WalKeys`], the log is sealed: each new file gets its own data key from the key
//! service, wrapped in the file's [`header`], and every frame is sealed with AES-256-GCM under
//! it. The CRC covers the sealed bytes, so the torn-tail cut needs no key; replay opens each
//! frame and refuses (without cutting anything) a frame that fails authentication. Files
//! written before the log had headers, and plain files, are still read.

mod budget;
mod files;
mod frame;
mod header;
mod writer;

use palisade_core::{config::WalConfig, wal_seal::WalKeys, RawRecord};
use std::{
    fs,
    future::Future,
    io,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
};
use tokio::sync::{mpsc, oneshot};
use writer::{AppendRequest, Writer};

/// How many durable batches may wait for the consumer before the writer waits too (their
/// bytes are bounded too: [`budget::QUEUED_BYTES`]).
const DURABLE_CHANNEL_BATCHES: usize = 64;
/// How many appends may queue for the writer before `append` waits.
const REQUEST_CHANNEL: usize = 1024;

/// A batch that is on disk, handed to the consumer in seq order.
#[derive(Debug, Clone)]
pub struct DurableBatch {
    /// Seq of `records[0]`; record `i` has seq `first_seq + i`.
    pub first_seq: u64,
    /// The records as appended.
    pub records: Vec<RawRecord>,
    /// The batch's part of the queue's byte budget, given back when the batch is dropped.
    _queued: budget::Share,
}

impl PartialEq for DurableBatch {
    fn eq(&self, other: &Self) -> bool {
        self.first_seq == other.first_seq && self.records == other.records
    }
}

/// A handle on the write-ahead log; cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct Wal {
    inner: Arc<Inner>,
}

struct Inner {
    requests: mpsc::Sender<AppendRequest>,
    shared: Arc<Shared>,
    /// The files and their valid lengths as found at open: what `replay` reads.
    found_at_open: Vec<(PathBuf, u64)>,
    /// Where sealed files get their keys; `None` for a plain log.
    keys: Option<Arc<dyn WalKeys>>,
}

/// One WAL file.
struct WalFile {
    first_seq: u64,
    path: PathBuf,
    bytes: u64,
}

/// State shared between the handles and the writer thread.
struct Shared {
    /// Every live file, oldest first; the last one is being written.
    files: Mutex<Vec<WalFile>>,
    disk_bytes: AtomicU64,
    failed: AtomicBool,
    failure: Mutex<String>,
}

impl Shared {
    fn fail(&self, e: &io::Error) {
        if let Ok(mut failure) = self.failure.lock() {
            *failure = e.to_string();
        }
        self.failed.store(true, Ordering::Release);
    }

    fn failed_error(&self) -> io::Error {
        let reason = self.failure.lock().map(|f| f.clone()).unwrap_or_default();
        io::Error::other(format!(
            "write-ahead log failed after a write error ({reason}); restart to recover"
        ))
    }
}

impl Wal {
    /// Opens or creates the log in `dir`, cuts a torn or corrupt tail, and starts the
    /// group-commit writer thread. New records get seqs above both the highest seq in the log
    /// and `min_seq`. The receiver yields every appended batch, in seq order, once durable;
    /// while it is full the writer waits (backpressure).
    pub fn open(
        dir: &Path,
        cfg: &WalConfig,
        min_seq: u64,
    ) -> io::Result<(Wal, mpsc::Receiver<DurableBatch>)> {
        Wal::open_with(dir, cfg, min_seq, None)
    }

    /// [`Wal::open`] with `keys`: every new file is sealed under its own data key from
    /// `keys`, and sealed files found are replayed with them (`None`: new files are plain, and
    /// replaying a sealed file fails). Fails when the first file's key cannot be made.
    pub fn open_with(
        dir: &Path,
        cfg: &WalConfig,
        min_seq: u64,
        keys: Option<Arc<dyn WalKeys>>,
    ) -> io::Result<(Wal, mpsc::Receiver<DurableBatch>)> {
        fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        let mut found_at_open = Vec::new();
        let mut highest = 0u64;
        for (first_seq, path) in files::list(dir)? {
            let (valid_len, last_seq) = files::recover(&path, highest)?;
            match last_seq {
                Some(last) => {
                    highest = last;
                    found_at_open.push((path.clone(), valid_len));
                    files.push(WalFile {
                        first_seq,
                        path,
                        bytes: valid_len,
                    });
                }
                None => fs::remove_file(&path)?,
            }
        }
        let next_seq = highest.max(min_seq) + 1;
        let path = dir.join(files::name(next_seq));
        let (header, seal) = files::new_header(keys.as_deref())
            .map_err(|e| io::Error::other(format!("cannot start a write-ahead log file: {e}")))?;
        let file = files::create(dir, &path, &header, cfg.fsync)?;
        files.push(WalFile {
            first_seq: next_seq,
            path,
            bytes: header.len() as u64,
        });
        let disk_bytes = files.iter().map(|f| f.bytes).sum();
        let shared = Arc::new(Shared {
            files: Mutex::new(files),
            disk_bytes: AtomicU64::new(disk_bytes),
            failed: AtomicBool::new(false),
            failure: Mutex::new(String::new()),
        });
        let (request_tx, request_rx) = mpsc::channel(REQUEST_CHANNEL);
        let (durable_tx, durable_rx) = mpsc::channel(DURABLE_CHANNEL_BATCHES);
        let writer = Writer {
            dir: dir.to_owned(),
            file,
            file_bytes: header.len() as u64,
            seal,
            keys: keys.clone(),
            roll_blocked: false,
            roll_bytes: cfg.file_bytes.0.max(1),
            fsync: cfg.fsync,
            next_seq,
            shared: shared.clone(),
            durable: durable_tx,
            queued: budget::ByteBudget::new(budget::QUEUED_BYTES),
        };
        std::thread::Builder::new()
            .name("palisade-wal".into())
            .spawn(move || writer.run(request_rx))?;
        let wal = Wal {
            inner: Arc::new(Inner {
                requests: request_tx,
                shared,
                found_at_open,
                keys,
            }),
        };
        Ok((wal, durable_rx))
    }

    /// Calls `f(seq, record)` for every record that was in the log when it was opened and has
    /// seq > `after`, in order (used once at startup). Returns how many records it replayed.
    pub fn replay(&self, after: u64, mut f: impl FnMut(u64, RawRecord)) -> io::Result<u64> {
        let mut replayed = 0;
        for (path, valid_len) in &self.inner.found_at_open {
            let mut bytes = match fs::read(path) {
                Ok(bytes) => bytes,
                // Truncated away since open: everything in it was committed.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            bytes.truncate(*valid_len as usize);
            replayed += files::replay(path, &bytes, self.inner.keys.as_deref(), after, &mut f)?;
        }
        Ok(replayed)
    }

    /// Appends the batch as one group. Resolves with the batch's last seq once the bytes are
    /// written and (if configured) fsync'ed; concurrent appends share one fsync. After any
    /// write or fsync error the log is failed and every append returns an error.
    pub fn append(
        &self,
        batch: Vec<RawRecord>,
    ) -> impl Future<Output = io::Result<u64>> + Send + 'static {
        let requests = self.inner.requests.clone();
        let shared = self.inner.shared.clone();
        async move {
            if shared.failed.load(Ordering::Acquire) {
                return Err(shared.failed_error());
            }
            let (reply, answer) = oneshot::channel();
            let request = AppendRequest {
                records: batch,
                reply,
            };
            let stopped = || io::Error::other("write-ahead log writer has stopped");
            requests.send(request).await.map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())?
        }
    }

    /// Deletes whole WAL files whose records all have seq <= `seq` (never the file being
    /// written).
    pub fn truncate_through(&self, seq: u64) -> io::Result<()> {
        let shared = &self.inner.shared;
        let doomed: Vec<WalFile> = {
            let mut files = shared
                .files
                .lock()
                .map_err(|_| io::Error::other("write-ahead log state poisoned"))?;
            let covered = files
                .windows(2)
                .take_while(|pair| pair[1].first_seq <= seq.saturating_add(1))
                .count();
            files.drain(..covered).collect()
        };
        for file in doomed {
            match fs::remove_file(&file.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            shared.disk_bytes.fetch_sub(file.bytes, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Bytes of WAL on disk.
    pub fn disk_bytes(&self) -> u64 {
        self.inner.shared.disk_bytes.load(Ordering::Relaxed)
    }
}
