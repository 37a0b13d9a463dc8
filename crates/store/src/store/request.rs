//! The search request and its results.

use palisade_core::{Event, TenantId};
use palisade_query::Expr;
use std::{fmt, str::FromStr};

/// A search over stored and in-memory events.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// Only this tenant's events; `None`: all tenants (provider administrators).
    pub tenant: Option<TenantId>,
    /// Which events match.
    pub filter: Expr,
    /// Earliest event time, inclusive.
    pub from_ms: Option<i64>,
    /// Latest event time, exclusive.
    pub to_ms: Option<i64>,
    /// Most events per page.
    pub limit: usize,
    /// Continue after this position (from the previous page's `next_cursor`).
    pub cursor: Option<Cursor>,
}

/// A position in newest-first order. Ordered by time, then id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    /// Event time of the last event on the page.
    pub time: i64,
    /// Its id.
    pub id: u64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.time, self.id)
    }
}

impl FromStr for Cursor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid cursor {s:?}: use the next_cursor of a previous page");
        let (time, id) = s.rsplit_once('-').ok_or_else(bad)?;
        Ok(Cursor {
            time: time.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// Newest first (time desc, then id desc).
    pub events: Vec<Event>,
    /// Where the next page starts; `None` when this page was not full.
    pub next_cursor: Option<Cursor>,
    /// How much work the search did.
    pub scanned: ScanStats,
}

/// Work done by a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanStats {
    /// Blocks whose columns were read.
    pub blocks: u64,
    /// Blocks in the time range that were not read (bloom filter or early stop).
    pub blocks_skipped: u64,
    /// Rows examined (in blocks read and in memory).
    pub rows: u64,
    /// Blocks left out because the sealer could not open them (key service sealed, or the
    /// tenant's storage key destroyed: crypto-shredded).
    pub blocks_unreadable: u64,
}
