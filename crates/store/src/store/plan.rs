//! What a search or aggregation needs to know to pick blocks and rows.

use super::request::{Cursor, SearchRequest};
use crate::bloom::{self, field_value_hash, Bloom};
use palisade_core::TenantId;
use palisade_query::{Expr, IndexTerm, Row};

/// A request turned into checks.
pub struct Plan<'a> {
    req: &'a SearchRequest,
    /// The filter matches everything: skip evaluation and bloom checks.
    match_all: bool,
    /// CNF of term hashes: every clause needs one term in a block's bloom filter.
    clauses: Vec<Vec<u64>>,
    /// Field columns to load (besides time and id).
    pub fields: Vec<String>,
    /// The time column is needed to evaluate.
    pub needs_time: bool,
    /// The id column is needed to evaluate.
    pub needs_ids: bool,
}

impl<'a> Plan<'a> {
    /// Plans `req`; `extra_fields` are read by whatever consumes the matches (an aggregation).
    pub fn new(req: &'a SearchRequest, extra_fields: &[String]) -> Self {
        let match_all = req.filter == Expr::All;
        let (clauses, mut wanted) = if match_all {
            (Vec::new(), Vec::new())
        } else {
            let clauses = req
                .filter
                .index_terms()
                .iter()
                .map(|clause| clause.iter().map(term_hash).collect())
                .collect();
            (clauses, req.filter.fields())
        };
        wanted.extend(extra_fields.iter().cloned());
        let needs_time =
            req.from_ms.is_some() || req.to_ms.is_some() || wanted.iter().any(|f| f == "time");
        let needs_ids = req.cursor.is_some() || wanted.iter().any(|f| f == "id");
        wanted.retain(|f| f != "time" && f != "id");
        wanted.sort();
        wanted.dedup();
        Plan {
            req,
            match_all,
            clauses,
            fields: wanted,
            needs_time,
            needs_ids,
        }
    }

    /// The event belongs to a tenant the request may see.
    pub fn tenant_allowed(&self, tenant: &TenantId) -> bool {
        self.req.tenant.as_ref().is_none_or(|t| t == tenant)
    }

    /// The time is inside `[from, to)`.
    pub fn in_range(&self, time: i64) -> bool {
        self.req.from_ms.is_none_or(|from| time >= from)
            && self.req.to_ms.is_none_or(|to| time < to)
    }

    /// The row comes after the cursor (newest first).
    pub fn after_cursor(&self, key: Cursor) -> bool {
        self.req.cursor.is_none_or(|c| key < c)
    }

    /// A block whose rows lie between these times and start at this id may hold rows in the
    /// time range and after the cursor.
    pub fn span_in_scope(&self, min_time: i64, max_time: i64, min_id: u64) -> bool {
        self.req.from_ms.is_none_or(|from| max_time >= from)
            && self.req.to_ms.is_none_or(|to| min_time < to)
            && self.after_cursor(Cursor {
                time: min_time,
                id: min_id,
            })
    }

    /// The block's bloom filter allows a match.
    pub fn bloom_allows(&self, bloom: &Bloom) -> bool {
        self.clauses
            .iter()
            .all(|clause| clause.iter().any(|h| bloom.may_contain(*h)))
    }

    /// The filter matches the row.
    pub fn matches(&self, row: &dyn Row) -> bool {
        self.match_all || self.req.filter.matches(row)
    }
}

fn term_hash(term: &IndexTerm) -> u64 {
    match term {
        IndexTerm::Token(token) => bloom::term_hash(token.as_bytes()),
        IndexTerm::FieldValue { field, value } => field_value_hash(field, value.as_bytes()),
    }
}
