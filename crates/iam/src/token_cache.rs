//! Remembered token checks, so that a busy API client does not cost a SQL join per request.
//!
//! A token that authenticated is remembered with the identity it gave, together with where
//! the state store stood: SQLite's count of rows this node's connection changed, and
//! `PRAGMA data_version`, which moves when another connection commits. The next check of the
//! same token reads both (no SQL parse, no join); if either moved, every remembered check is
//! forgotten and the token is looked up again. So any write (a revocation, a disabled account,
//! a suspended tenant, a changed role, or an unrelated one) takes effect at the very next
//! request, exactly as without the cache. The presented secret is still compared in constant
//! time and the expiry checked on every request.

use crate::Identity;
use palisade_state::rusqlite::{self, Connection};
use std::{collections::HashMap, sync::Mutex};

/// The most tokens remembered at once; beyond it, the cache starts over.
const CAPACITY: usize = 10_000;

/// Where the state store stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// Rows changed through this connection since it opened.
    local_changes: u64,
    /// Moves whenever another connection commits.
    data_version: i64,
}

impl Stamp {
    /// Reads where the store stands now (cheap: no table is read).
    pub(crate) fn read(conn: &Connection) -> rusqlite::Result<Stamp> {
        let data_version = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        Ok(Stamp {
            local_changes: conn.total_changes(),
            data_version,
        })
    }
}

/// A token check that succeeded.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    /// The stored digest of the token's secret.
    pub digest: Vec<u8>,
    /// Expiry, epoch ms.
    pub expires_ms: Option<i64>,
    /// Who the token stands for.
    pub identity: Identity,
}

/// Successful token checks, valid while the state store stays at one [`Stamp`].
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    entries: Mutex<Option<(Stamp, HashMap<String, Remembered>)>>,
}

impl TokenCache {
    /// The remembered check of token `id`, if the store still stands at `now`.
    pub(crate) fn get(&self, now: Stamp, id: &str) -> Option<Remembered> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match &*entries {
            Some((stamp, map)) if *stamp == now => map.get(id).cloned(),
            _ => None,
        }
    }

    /// Remembers a check made when the store stood at `stamp`.
    pub(crate) fn remember(&self, stamp: Stamp, id: &str, check: Remembered) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = match &*entries {
            Some((at, map)) => *at != stamp || map.len() >= CAPACITY,
            None => true,
        };
        if fresh {
            *entries = Some((stamp, HashMap::new()));
        }
        if let Some((_, map)) = entries.as_mut() {
            map.insert(id.to_owned(), check);
        }
    }
}
