//! Remembered token checks, so that a busy API client does not cost a SQL join per request.
//!
//! A token that authenticated is remembered with the identity it gave, together with the
//! state store's generation ([`palisade_state::StateStore::generation`]), which moves with
//! every write through the store and, within `OTHER_WRITERS_CHECK` (10 ms), with a commit
//! by another connection (an administrator's `sqlite3` shell). The next check of the same
//! token reads the generation (an atomic read: no SQL, no lock on the connection); if it
//! moved, every remembered check is forgotten and the token is looked up again. So any write
//! through the server (a revocation, a disabled account, a suspended tenant, a changed role, or
//! an unrelated one) takes effect at the very next request, exactly as without the cache. The
//! presented secret is still compared in constant time and the expiry checked on every
//! request.

use crate::Identity;
use std::{collections::HashMap, sync::Mutex};

/// The most tokens remembered at once; beyond it, the cache starts over.
const CAPACITY: usize = 10_000;

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

/// Successful token checks, valid while the state store stays at one generation.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    entries: Mutex<Option<(u64, HashMap<String, Remembered>)>>,
}

impl TokenCache {
    /// The remembered check of token `id`, if the store is still at generation `now`.
    pub(crate) fn get(&self, now: u64, id: &str) -> Option<Remembered> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match &*entries {
            Some((stamp, map)) if *stamp == now => map.get(id).cloned(),
            _ => None,
        }
    }

    /// Remembers a check made when the store was at generation `stamp`.
    pub(crate) fn remember(&self, stamp: u64, id: &str, check: Remembered) {
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
