//! Sigma detection for Palisade: load Sigma v2.1 rules (single and multi-document YAML,
//! `action: global`, filters), compile them into one [`Engine`] and match canonical events.
//!
//! Loading ([`RuleSet`]) never stops at a bad rule: each failure is recorded with its file,
//! line and reason, and the other rules load. Correlation rules are recognised and left to
//! `palisade-correlate`. The [`Engine`] shares work between rules: events are routed by
//! logsource first (a rule never sees events of a source it was not written for), one
//! Aho-Corasick pass over the event's lower-cased field texts rules out every rule whose
//! required literals are absent, and each event's fields are resolved to Sigma field names
//! once, whatever the number of rules. Field names and logsources are mapped by data files
//! shipped in the crate ([`Mappings::shipped`]) that users can extend; docs/sigma.md lists
//! them.

#![warn(missing_docs)]

pub mod detection;
mod engine;
mod fields;
mod layout;
mod loader;
pub mod mapping;
mod prefilter;
mod routing;
pub mod rule;
mod view;

pub use detection::Placeholders;
pub use engine::{Engine, EngineOptions, Scanner};
pub use loader::{LoadFailure, RuleSet, Skipped};
pub use mapping::Mappings;
pub use rule::{Filter, Logsource, Rule};
