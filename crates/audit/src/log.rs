//! [`AuditLog`]: the open audit trail of a data directory.

use crate::{
    error::AuditError,
    frame,
    head::{self, SignedTreeHead},
    key::{PublicKey, SigningKey},
    merkle::{self, Hash, MerkleTree, ProofError},
    record::AuditEvent,
    scan::{self, RecordPage, RecordQuery, RECORDS_FILE},
    writer::{Command, Writer},
};
use palisade_core::Sealer;
use std::{
    path::{Path, PathBuf},
    sync::{mpsc, Arc, Mutex, RwLock},
    thread::JoinHandle,
    time::Duration,
};
use tokio::sync::oneshot;

/// How an audit trail is run.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// How often a new signed tree head is appended to the heads file (when the log grew).
    pub head_interval: Duration,
    /// The most records one group commit writes with one fsync.
    pub max_batch: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            head_interval: Duration::from_secs(1),
            max_batch: 4096,
        }
    }
}

/// State shared by the writer thread and readers.
pub(crate) struct Shared {
    /// Every record's leaf hash and the complete subtrees above them.
    pub tree: MerkleTree,
    /// The newest signed tree head; when it covers fewer records than the tree holds,
    /// [`current_head`] signs a new one (heads are signed when asked for, not per batch).
    pub head: SignedTreeHead,
    /// Length of the record file's committed part.
    pub committed_len: u64,
}

/// The audit trail under `<data-dir>/audit/`: append records (group-committed, durable before
/// the append returns), read them back, and prove inclusion and consistency against signed
/// tree heads. Nothing here edits or deletes a record.
pub struct AuditLog {
    dir: PathBuf,
    public: PublicKey,
    key: Arc<SigningKey>,
    shared: Arc<RwLock<Shared>>,
    commands: Mutex<Option<mpsc::Sender<Command>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The outcome of the newest [`AuditLog::verify`].
    pub(crate) last_verification: Mutex<Option<crate::Verification>>,
}

impl AuditLog {
    /// Opens (creating on first use) the audit trail in `dir`, loading the signing key through
    /// `sealer`. Refuses to open a trail whose records are damaged or disagree with the last
    /// signed tree head; a record torn by a crash at the very end is dropped with a warning.
    pub fn open(
        dir: &Path,
        sealer: &dyn Sealer,
        options: AuditOptions,
    ) -> Result<Self, AuditError> {
        create_private_dir(dir)?;
        let key = SigningKey::load_or_create(dir, sealer)?;
        let path = dir.join(RECORDS_FILE);
        if !path.exists() {
            create_records_file(&path)?;
        }
        let mut tree = MerkleTree::new();
        let end = scan::scan(&path, None, |_, bytes, _| {
            tree.push(merkle::leaf_hash(bytes));
            std::ops::ControlFlow::Continue(())
        })?;
        if let Some(damage) = end.damage.as_ref().filter(|d| !d.torn) {
            return Err(AuditError::Corrupt(format!(
                "audit trail damaged at {damage}; run `palisade audit verify` and restore the \
                 trail from a copy"
            )));
        }
        head::repair(dir)?;
        // Checked before a torn record is cut off, so a truncation under a signed head is
        // reported and the evidence left in place.
        check_last_head(dir, &key, &tree)?;
        if let Some(damage) = end.damage {
            tracing::warn!(%damage, "dropping a record torn by a crash at the end of the audit log");
            truncate(&path, end.end_offset)?;
        }
        let now = palisade_core::time::now_ms();
        let head = SignedTreeHead::sign(
            &key,
            tree.len(),
            now,
            &tree
                .root(tree.len())
                .unwrap_or_else(|_| merkle::empty_root()),
        );
        let shared = Arc::new(RwLock::new(Shared {
            tree,
            head,
            committed_len: end.end_offset,
        }));
        let public = key.public().clone();
        let key = Arc::new(key);
        let (tx, rx) = mpsc::channel();
        let writer = Writer::new(dir.to_owned(), key.clone(), shared.clone(), options);
        let thread = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| AuditError::io("start the writer for", dir, e))?;
        Ok(AuditLog {
            dir: dir.to_owned(),
            public,
            key,
            shared,
            commands: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            last_verification: Mutex::new(None),
        })
    }

    fn send(
        &self,
        event: AuditEvent,
    ) -> Result<oneshot::Receiver<Result<u64, AuditError>>, AuditError> {
        let (tx, rx) = oneshot::channel();
        let guard = self.commands.lock().map_err(|_| AuditError::Closed)?;
        let sender = guard.as_ref().ok_or(AuditError::Closed)?;
        sender
            .send(Command::Append(event, tx))
            .map_err(|_| AuditError::Closed)?;
        Ok(rx)
    }

    /// Appends a record; resolves with its index once it is on disk (fsync), or with the
    /// error that kept it off disk.
    pub async fn append(&self, event: AuditEvent) -> Result<u64, AuditError> {
        let rx = self.send(event)?;
        rx.await.map_err(|_| AuditError::Closed)?
    }

    /// [`AuditLog::append`] for threads outside an async runtime.
    pub fn append_blocking(&self, event: AuditEvent) -> Result<u64, AuditError> {
        let rx = self.send(event)?;
        rx.blocking_recv().map_err(|_| AuditError::Closed)?
    }

    /// The audit directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The public key that checks the tree heads.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Shared> {
        self.shared.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The newest signed tree head, covering every committed record.
    pub fn tree_head(&self) -> SignedTreeHead {
        current_head(&self.shared, &self.key)
    }

    /// The leaf hash of record `index`.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        self.read().tree.leaf(index)
    }

    /// The audit path proving record `index` is in the tree of `size` records.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.read().tree.inclusion_proof(index, size)
    }

    /// The proof that the tree of `first` records is a prefix of the tree of `second`.
    pub fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, ProofError> {
        self.read().tree.consistency_proof(first, second)
    }

    /// The Merkle root of the first `size` records.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        self.read().tree.root(size)
    }

    /// The committed records `query` asks for. Reads the file; call from a blocking context.
    pub fn records(&self, query: RecordQuery) -> Result<RecordPage, AuditError> {
        let committed = self.read().committed_len;
        scan::read_range(&self.dir, query, Some(committed))
    }

    /// Stops the writer after the records already sent and appends a final tree head.
    pub fn close(&self) {
        if let Ok(mut guard) = self.commands.lock() {
            guard.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        self.close();
    }
}

/// A signed head covering every committed record: the newest one, or a new one signed now
/// when records were committed since.
pub(crate) fn current_head(shared: &RwLock<Shared>, key: &SigningKey) -> SignedTreeHead {
    {
        let shared = shared.read().unwrap_or_else(|p| p.into_inner());
        if shared.head.tree_size == shared.tree.len() {
            return shared.head.clone();
        }
    }
    let mut shared = shared.write().unwrap_or_else(|p| p.into_inner());
    let size = shared.tree.len();
    if shared.head.tree_size != size {
        let root = shared
            .tree
            .root(size)
            .unwrap_or_else(|_| merkle::empty_root());
        shared.head = SignedTreeHead::sign(key, size, palisade_core::time::now_ms(), &root);
    }
    shared.head.clone()
}

/// Creates the audit directory readable by its owner only.
fn create_private_dir(dir: &Path) -> Result<(), AuditError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| AuditError::io("create", dir, e))
}

fn create_records_file(path: &Path) -> Result<(), AuditError> {
    crate::key::write_new_private(path, frame::MAGIC)
}

fn truncate(path: &Path, len: u64) -> Result<(), AuditError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| AuditError::io("open", path, e))?;
    file.set_len(len)
        .and_then(|()| file.sync_all())
        .map_err(|e| AuditError::io("truncate", path, e))
}

/// Refuses a trail that disagrees with the newest tree head in the heads file.
fn check_last_head(dir: &Path, key: &SigningKey, tree: &MerkleTree) -> Result<(), AuditError> {
    let heads = head::read_all(dir)?;
    let Some((line, last)) = heads.last() else {
        return Ok(());
    };
    let fail = |why: String| {
        AuditError::Corrupt(format!(
            "audit trail disagrees with the tree head on line {line} of {}: {why}; run \
             `palisade audit verify`",
            head::HEADS_FILE
        ))
    };
    let last = last.as_ref().map_err(|e| fail(e.clone()))?;
    let root = last.verify(key.public()).map_err(fail)?;
    match tree.root(last.tree_size) {
        Ok(actual) if actual == root => Ok(()),
        Ok(_) => Err(fail("the records it covers were changed".into())),
        Err(_) => Err(fail(format!(
            "it covers {} records but the log holds {}",
            last.tree_size,
            tree.len()
        ))),
    }
}
