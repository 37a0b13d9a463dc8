//! Palisade's embedded state store.
//!
//! Events live in the event store; everything else a node must remember across restarts
//! (alerts, incidents, users, tokens, notification queues, agents) lives here: one SQLite
//! database per data directory (`<data-dir>/state/state.db`), in WAL mode with full
//! synchronisation, so a committed transaction survives a crash and a crash never leaves a
//! half-written one. Each component owns its tables and brings its schema as an ordered list
//! of migrations ([`StateStore::migrate`]); the store records how far each component got, so
//! a newer binary upgrades an older data directory in place.
//!
//! The store sits behind this small type so that a scale-out deployment can later put
//! PostgreSQL behind the same calls.

use rusqlite::{Connection, OptionalExtension};
use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Mutex, MutexGuard, TryLockError,
    },
    time::{Duration, Instant},
};

pub use rusqlite;

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The database could not be created or opened.
    #[error("cannot open the state store {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A component's schema migration failed; nothing of it was applied.
    #[error("state store migration {version} of {component} failed: {source}")]
    Migration {
        /// The component whose schema it is.
        component: String,
        /// The migration's number (1 = the first).
        version: usize,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A query failed.
    #[error("state store: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The directory for the database could not be created.
    #[error("cannot create {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Where the state database lives under a data directory.
pub fn state_path(data_dir: &Path) -> PathBuf {
    data_dir.join("state").join("state.db")
}

/// How often [`StateStore::generation`] asks SQLite whether another connection (another
/// process, an administrator's `sqlite3` shell) committed.
pub const OTHER_WRITERS_CHECK: Duration = Duration::from_millis(10);

/// The embedded state database, shared by every component of a node.
pub struct StateStore {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Moves with every change: see [`StateStore::generation`].
    generation: AtomicU64,
    /// `PRAGMA data_version` when last read: it moves when another connection commits.
    data_version: AtomicI64,
    /// When it was last read, in milliseconds after `opened`.
    data_version_read_ms: AtomicU64,
    opened: Instant,
}

impl StateStore {
    /// Opens (creating when absent) the database at `path`: WAL journal, `synchronous=FULL`,
    /// foreign keys enforced, and a busy timeout so that a second process waits instead of
    /// failing at once.
    pub fn open(path: &Path) -> Result<StateStore, StateError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StateError::Dir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(Duration::from_secs(10))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    component TEXT PRIMARY KEY,
                    version INTEGER NOT NULL
                )",
            )?;
            Ok(conn)
        };
        let conn = open().map_err(|source| StateError::Open {
            path: path.to_owned(),
            source,
        })?;
        let data_version = data_version(&conn).map_err(|source| StateError::Open {
            path: path.to_owned(),
            source,
        })?;
        Ok(StateStore {
            conn: Mutex::new(conn),
            path: path.to_owned(),
            generation: AtomicU64::new(0),
            data_version: AtomicI64::new(data_version),
            data_version_read_ms: AtomicU64::new(0),
            opened: Instant::now(),
        })
    }

    /// A number that moves whenever the database may have changed, for caches of what it
    /// holds: at once for a write through this store (it moves before the writer lets go of
    /// the connection), and for a commit by another connection when it is noticed: by the
    /// first call that finds [`OTHER_WRITERS_CHECK`] passed since the last look and the
    /// connection free, or at once by [`StateStore::generation_exact`]. Between looks it
    /// costs an atomic read.
    pub fn generation(&self) -> u64 {
        let now_ms = self.opened.elapsed().as_millis() as u64;
        let due = now_ms.saturating_sub(self.data_version_read_ms.load(Ordering::Relaxed))
            >= OTHER_WRITERS_CHECK.as_millis() as u64;
        if due {
            // A busy connection is looked at by a later call instead of waited for.
            if let Some(conn) = self.try_lock() {
                self.data_version_read_ms.store(now_ms, Ordering::Relaxed);
                self.note_other_writers(&conn);
            }
        }
        self.generation.load(Ordering::SeqCst)
    }

    /// [`StateStore::generation`] with another connection's commits noticed now, for a caller
    /// that holds the connection (inside [`StateStore::with`]).
    pub fn generation_exact(&self, conn: &Connection) -> u64 {
        self.note_other_writers(conn);
        self.generation.load(Ordering::SeqCst)
    }

    /// Moves the generation if another connection committed since the last look (a failed
    /// look moves it too: better a cache emptied than one kept on a guess).
    fn note_other_writers(&self, conn: &Connection) {
        let moved = match data_version(conn) {
            Ok(version) => self.data_version.swap(version, Ordering::Relaxed) != version,
            Err(_) => true,
        };
        if moved {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Runs `f` on the held connection and moves the generation if it changed any row.
    fn run<T>(
        &self,
        conn: &mut Connection,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let before = conn.total_changes();
        let out = f(conn);
        if conn.total_changes() != before {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        out
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Brings `component`'s tables up to date: runs, in order and each in its own
    /// transaction, the migrations after the last one recorded for it. Migrations are only
    /// ever appended to the list, never edited.
    pub fn migrate(&self, component: &str, migrations: &[&str]) -> Result<(), StateError> {
        let mut conn = self.lock();
        let done: usize = conn
            .query_row(
                "SELECT version FROM schema_migrations WHERE component = ?1",
                [component],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
            .map_or(0, |v| usize::try_from(v).unwrap_or(0));
        for (index, sql) in migrations.iter().enumerate().skip(done) {
            let version = index + 1;
            let apply = |conn: &mut Connection| -> rusqlite::Result<()> {
                let tx = conn.transaction()?;
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (component, version) VALUES (?1, ?2)
                     ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                    rusqlite::params![component, version as i64],
                )?;
                tx.commit()
            };
            self.run(&mut conn, apply)
                .map_err(|source| StateError::Migration {
                    component: component.to_owned(),
                    version,
                    source,
                })?;
        }
        Ok(())
    }

    /// Runs `f` with the connection (one caller at a time). Use a transaction inside `f`
    /// for anything that writes more than one row.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StateError> {
        Ok(self.run(&mut self.lock(), f)?)
    }

    /// [`StateStore::with`] if the connection is free right now; `None` while another caller
    /// holds it (an async task then moves to a blocking thread instead of waiting).
    pub fn try_with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Option<Result<T, StateError>> {
        let mut conn = self.try_lock()?;
        Some(self.run(&mut conn, f).map_err(StateError::from))
    }

    /// The connection if no one holds it right now (a poisoned lock is taken as in
    /// [`StateStore::lock`]).
    fn try_lock(&self) -> Option<MutexGuard<'_, Connection>> {
        match self.conn.try_lock() {
            Ok(conn) => Some(conn),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The connection; a panic while it was held does not make the store unusable, because
    /// SQLite rolled back whatever transaction was open.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// SQLite's `PRAGMA data_version`: moves when another connection commits.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))
}

#[cfg(test)]
mod tests;
