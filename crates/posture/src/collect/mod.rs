//! Evidence collectors: each turns one kind of live state into verdicts on CCM controls.
//! They take plain inputs (stored events, key facts, a verification result, incidents), so
//! the server gathers the inputs and the collectors stay testable on generated data.

pub mod audit;
pub mod checks;
pub mod incidents;
pub mod kms;
pub mod vulns;

use crate::model::Evidence;

/// One verdict and the controls it speaks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    /// CCM control ids.
    pub controls: Vec<String>,
    /// What was seen.
    pub evidence: Evidence,
}

/// The number of whole days in `ms` (rounded down), for evidence text.
pub(crate) fn days(ms: i64) -> i64 {
    ms.max(0) / 86_400_000
}

/// `n thing` or `n things`.
pub(crate) fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A duration in milliseconds as `45s`, `12m`, `3h`, `4d` (the largest unit that fits).
pub(crate) fn human_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
