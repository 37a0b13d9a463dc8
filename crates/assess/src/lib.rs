//! Posture assessment: baseline configuration checks and file integrity monitoring.
//!
//! A [`Policy`] is a YAML file in Palisade's own format (docs/policies.md): checks, each a
//! set of rules over file contents and attributes, directory entries, running processes,
//! listening ports, command output and kernel parameters, combined by `all`/`any`/`none`.
//! [`run`] evaluates policies against a [`Target`] (the running host or a mounted tree) and
//! yields one [`CheckResult`] per check — pass, fail, not applicable or error — with the
//! evidence it saw. [`report`] renders results as a table, JSON, SARIF 2.1.0 or OCSF
//! Compliance Finding events; [`builtin`] holds the policies shipped in the binary; [`fim`]
//! keeps a baseline of watched files and reports changes as OCSF File System Activity.

pub mod builtin;
pub mod eval;
pub mod fim;
pub mod outcome;
pub mod policy;
pub mod report;
pub mod rule;
pub mod spec;
pub mod target;
pub mod text;
mod yaml;

pub use outcome::{CheckResult, Evidence, Status, Summary, Verdict};
pub use policy::{Check, Condition, Policy};
pub use target::Target;

/// Evaluates every policy against the target, in order.
pub fn run(policies: &[Policy], target: &Target) -> Vec<CheckResult> {
    policies
        .iter()
        .flat_map(|p| eval::policy(p, target))
        .collect()
}
