//! The write-ahead log: every received record is here, fsync'ed, before it is acknowledged.
//!
//! Files are `<dir>/<first_seq, 20 digits>.wal`, each a run of [`frame`]s (one per appended
//! batch). One writer thread does group commit: all appends waiting when it wakes are written
//! with one `write` and one `fsync`. Opening cuts any torn or corrupt tail (CRC), so a crash at
//! any instant loses only batches that were never acknowledged.

mod frame;
mod writer;

use palisade_core::{config::WalConfig, RawRecord};
use std::{
    fs::{self, File, OpenOptions},
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

/// How many durable batches may wait for the consumer before the writer waits too.
const DURABLE_CHANNEL_BATCHES: usize = 64;
/// How many appends may queue for the writer before `append` waits.
const REQUEST_CHANNEL: usize = 1024;

/// A batch that is on disk, handed to the consumer in seq order.
#[derive(Debug, Clone, PartialEq)]
pub struct DurableBatch {
    /// Seq of `records[0]`; record `i` has seq `first_seq + i`.
    pub first_seq: u64,
    /// The records as appended.
    pub records: Vec<RawRecord>,
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
        fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        let mut found_at_open = Vec::new();
        let mut highest = 0u64;
        for (first_seq, path) in list_files(dir)? {
            let (valid_len, last_seq) = recover_file(&path, highest)?;
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
        let path = dir.join(file_name(next_seq));
        let file = create_file(dir, &path)?;
        files.push(WalFile {
            first_seq: next_seq,
            path,
            bytes: 0,
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
            file_bytes: 0,
            roll_bytes: cfg.file_bytes.0.max(1),
            fsync: cfg.fsync,
            next_seq,
            shared: shared.clone(),
            durable: durable_tx,
        };
        std::thread::Builder::new()
            .name("palisade-wal".into())
            .spawn(move || writer.run(request_rx))?;
        let wal = Wal {
            inner: Arc::new(Inner {
                requests: request_tx,
                shared,
                found_at_open,
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
            let mut damaged = false;
            frame::scan_frames(&bytes, 0, |frame| {
                if damaged || frame.last_seq() <= after {
                    return;
                }
                let Some(records) = frame.decode() else {
                    damaged = true;
                    return;
                };
                for (seq, record) in (frame.first_seq..).zip(records) {
                    if seq > after {
                        f(seq, record);
                        replayed += 1;
                    }
                }
            });
            if damaged {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: a record is malformed", path.display()),
                ));
            }
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

fn file_name(first_seq: u64) -> String {
    format!("{first_seq:020}.wal")
}

/// The WAL files in `dir`, by first seq.
fn list_files(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(seq) = name.strip_suffix(".wal").and_then(|s| s.parse().ok()) {
            files.push((seq, path));
        }
    }
    files.sort();
    Ok(files)
}

/// Finds the valid prefix of a file, cuts anything after it, and returns the prefix length
/// and the file's last seq (`None` if it holds no record).
fn recover_file(path: &Path, after_seq: u64) -> io::Result<(u64, Option<u64>)> {
    let bytes = fs::read(path)?;
    let mut last_seq = None;
    let valid = frame::scan_frames(&bytes, after_seq, |f| last_seq = Some(f.last_seq()));
    if valid < bytes.len() {
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(valid as u64)?;
        file.sync_all()?;
    }
    Ok((valid as u64, last_seq))
}

/// Creates an empty file for appending and makes its directory entry durable.
fn create_file(dir: &Path, path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(path)?;
    crate::fsutil::sync_dir(dir)?;
    Ok(file)
}
