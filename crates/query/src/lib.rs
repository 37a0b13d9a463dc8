//! Palisade's search language (grammar in `docs/query.md`).
//!
//! [`parse`] turns `host:web01 AND NOT "accepted password" | stats count() by app` into a
//! [`Query`]: a filter [`Expr`] plus an optional [`Pipe`]. [`Expr::matches`] evaluates the
//! filter against any [`Row`] (a stored columnar row or an in-memory event);
//! [`Expr::index_terms`] says which tokens a block must contain to hold a match, so the store
//! can skip blocks by their bloom filters; [`Aggregator`] computes `stats` and `timechart`.
//! [`Row`] is implemented for `palisade_core::Event`, so in-memory events (pipeline, live
//! tail) are filtered by the very same evaluator as stored rows.

mod aggregate;
mod eval;
mod index;
mod lexer;
mod parser;
mod pipe;
mod row;
mod text;

use palisade_core::ValueRef;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Which events match.
    pub filter: Expr,
    /// What to compute over the matches, if anything (otherwise: list them).
    pub pipe: Option<Pipe>,
}

/// A syntax error, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("query error at position {position}: {message}")]
pub struct QueryError {
    /// Byte offset into the query text.
    pub position: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Parses query text. The empty query (or `*`) matches everything.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    parser::parse_query(text)
}

/// The filter part of a query. Field names are canonical paths (aliases already resolved
/// with `palisade_core::fields::canonical`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Matches every event.
    All,
    /// Both sides match.
    And(Box<Expr>, Box<Expr>),
    /// Either side matches.
    Or(Box<Expr>, Box<Expr>),
    /// The inner expression does not match.
    Not(Box<Expr>),
    /// A bare word or quoted phrase, searched in `message` and `raw_data`.
    Text(TextMatch),
    /// `field:value`, `field:"phrase"`, `field:val*`: compares a field's whole value.
    Field {
        /// Canonical dotted path.
        field: String,
        /// What the value must look like.
        pattern: Pattern,
    },
    /// `field>=4`, `field<10`, …: a numeric comparison.
    Compare {
        /// Canonical dotted path.
        field: String,
        /// The comparison.
        op: CompareOp,
        /// The number compared against.
        number: f64,
    },
}

/// A bare word or a phrase.
#[derive(Debug, Clone, PartialEq)]
pub enum TextMatch {
    /// A word: matches when a token of the text equals it (ASCII case-insensitive), with `*`
    /// standing for any run of characters within one token.
    Word(String),
    /// A quoted phrase: matches when the text contains it (ASCII case-insensitive).
    Phrase(String),
}

/// A field value pattern (ASCII case-insensitive, matched against the whole value; numbers and
/// booleans compare by their text form).
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// The whole value equals this.
    Exact(String),
    /// `*` matches any run of characters, including none.
    Wildcard(String),
    /// The field is present with any value (`field:*`).
    Exists,
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A computation over the matching events.
#[derive(Debug, Clone, PartialEq)]
pub enum Pipe {
    /// `| stats count() by F1, F2`: one row per distinct value tuple, with its count
    /// (no `by`: one row, the total).
    Stats {
        /// Canonical paths grouped by.
        by: Vec<String>,
    },
    /// `| timechart 1h count()` or `| timechart span=1h count() by F`: counts per time bucket.
    Timechart {
        /// Bucket width in milliseconds.
        span_ms: i64,
        /// Optional field to split each bucket by.
        by: Option<String>,
    },
}

impl Pipe {
    /// The canonical paths the pipe reads from each matching row (`time` for timechart,
    /// then the group-by fields).
    pub fn fields(&self) -> Vec<String> {
        match self {
            Pipe::Stats { by } => by.clone(),
            Pipe::Timechart { by, .. } => std::iter::once("time".to_owned())
                .chain(by.iter().cloned())
                .collect(),
        }
    }
}

/// What a query reads from an event. Implemented by stored rows and by in-memory events.
pub trait Row {
    /// The value at a canonical dotted path; `time` answers the event time in epoch ms.
    fn get(&self, path: &str) -> Option<ValueRef<'_>>;
}

/// One term a block's index may be asked about. Text is ASCII-lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexTerm {
    /// An index term (see `palisade_core::tokenize::for_each_index_term`) of `message` or
    /// `raw_data`: a token or a run of minor parts.
    Token(String),
    /// A field whose whole value (lowercased) is this.
    FieldValue {
        /// Canonical path.
        field: String,
        /// Lowercased whole value.
        value: String,
    },
}

impl Expr {
    /// True if the row matches.
    pub fn matches(&self, row: &dyn Row) -> bool {
        eval::matches(self, row)
    }

    /// What any matching row's block must contain, in conjunctive normal form: the outer list
    /// is AND, each inner list is OR. A block whose index cannot contain at least one term of
    /// every clause holds no match and may be skipped. An empty outer list means the index
    /// cannot rule anything out. Never over-restricts: a term appears only where every match
    /// must have it.
    pub fn index_terms(&self) -> Vec<Vec<IndexTerm>> {
        index::index_terms(self)
    }

    /// The canonical field paths the filter reads (so a columnar store can load only those).
    /// Bare words and phrases read `message` and `raw_data`.
    pub fn fields(&self) -> Vec<String> {
        index::read_fields(self)
    }
}

/// Computes a [`Pipe`] over rows; partial aggregators (one per block or thread) merge.
#[derive(Debug, Clone)]
pub struct Aggregator {
    pipe: Pipe,
    groups: aggregate::Groups,
}

/// The result of an aggregation: a table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Table {
    /// Column names: the group-by fields (for timechart: `time`, then the split field), then `count`.
    pub columns: Vec<String>,
    /// Rows, each as many cells as there are columns. Stats rows are sorted by count
    /// descending, then by the group values; timechart rows by time ascending.
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl Aggregator {
    /// A new, empty aggregation for `pipe`.
    pub fn new(pipe: Pipe) -> Self {
        Aggregator {
            pipe,
            groups: aggregate::Groups::default(),
        }
    }

    /// Adds one matching row.
    pub fn add(&mut self, row: &dyn Row) {
        self.add_row(row)
    }

    /// Folds another partial aggregation of the same pipe into this one.
    pub fn merge(&mut self, other: Aggregator) {
        self.merge_counts(other)
    }

    /// The finished table.
    pub fn finish(self) -> Table {
        self.into_table()
    }
}
