//! Detection wired into the product.
//!
//! [`DetectionService`] is the pipeline's detection stage (a [`palisade_core::Detector`]):
//! every parsed event runs through the Sigma engine of `palisade-detect`, every match feeds
//! the correlation engine of `palisade-correlate`, and detection matches and correlation
//! alerts become [`palisade_core::Alert`]s in the [`AlertStore`] (tables in the embedded
//! state store). A repeat of the same rule, tenant and entities (host, user, addresses)
//! within the suppression window is folded into the open alert; raising is idempotent per
//! rule and event, so replaying the write-ahead log after a crash never duplicates an alert.
//! Every registered [`palisade_core::AlertSink`] hears about each raise and repeat.
//!
//! The [`RuleLibrary`] gathers the rules: the built-in pack embedded in the binary
//! ([`builtin`]), the configured `rules_dirs`, and rules uploaded through the API (kept under
//! `<data-dir>/rules/`). A rule is global (every tenant's events) or a tenant's own (that
//! tenant's events only, [`RuleScope`]); each tenant with rules or settings of its own gets
//! its own engine ([`Engines`]). Rules can be disabled and enabled, globally or by a tenant
//! for itself, and every change is validated and compiled before the running engines are
//! swapped atomically (no restart).
//!
//! Every new alert is also written into the event store as an OCSF Detection Finding
//! ([`ocsf`]): queued in the state store with the alert, and sent through the pipeline's
//! ingest path by [`DetectionService::publish_findings`]. See `docs/alerts.md`.

#![warn(missing_docs)]

pub mod builtin;
mod engines;
mod finding;
mod manage;
pub mod ocsf;
mod publish;
pub mod rules;
mod service;
pub mod store;

pub use engines::Engines;
pub use finding::{entities_of, Finding};
pub use rules::{RuleError, RuleInfo, RuleLibrary, RuleOrigin, RuleScope};
pub use service::DetectionService;
pub use store::{AlertFilter, AlertStatus, AlertStore};
