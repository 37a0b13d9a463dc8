//! Sigma correlation rules (specification v2.1) over a stream of detection matches.
//!
//! The detection engine reports "rule R matched event E"; this crate turns that stream into
//! correlation alerts. [`parse_rules`] / [`load_path`] read correlation rules (`event_count`,
//! `value_count`, `temporal`, `temporal_ordered`, `value_sum`, `value_avg`,
//! `value_percentile`) from YAML, skipping the detection rules that share their files;
//! [`CorrelationEngine`] keeps sliding `timespan` windows per `group-by` group (with
//! `aliases`), tolerates events out of order up to a configurable lateness, chains
//! correlation rules into each other, bounds its memory under high-cardinality groups, and
//! counts what it had to skip in [`CorrelationStats`]. The semantics are written down in
//! `docs/sigma-correlation.md`.

#![warn(missing_docs)]

mod alert;
mod engine;
mod error;
mod load;
mod parse;
mod rule;
mod yaml;

pub use alert::{CorrelationAlert, RuleMatch};
pub use engine::{CorrelationEngine, CorrelationStats, EngineConfig};
pub use error::{BuildError, ParseError};
pub use load::{load_file, load_path, LoadReport};
pub use parse::{parse_rules, parse_str};
pub use rule::{Comparison, Condition, CorrelationRule, CorrelationType};
