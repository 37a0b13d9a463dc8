//! Rendering results: a terminal table, JSON, SARIF 2.1.0 and OCSF Compliance Finding events.

mod ocsf;
mod sarif;

pub use ocsf::{compliance_finding, OCSF_VERSION};
pub use sarif::sarif;

use crate::outcome::{CheckResult, Status, Summary};
use serde_json::json;
use std::fmt::Write;

/// The whole run as one JSON document: `{summary, results}`.
pub fn json(results: &[CheckResult]) -> serde_json::Value {
    json!({ "summary": Summary::of(results), "results": results })
}

/// A table for a terminal: one line per check, failures with their first evidence
/// underneath, and a summary line. `verbose` adds evidence for every status.
pub fn table(results: &[CheckResult], verbose: bool) -> String {
    let mut out = String::new();
    for r in results {
        let mark = match r.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::NotApplicable => "N/A ",
            Status::Error => "ERR ",
        };
        let _ = writeln!(
            out,
            "{mark}  {:<8} {}/{}  {}",
            r.severity, r.policy, r.id, r.title
        );
        if r.status == Status::Fail || r.status == Status::Error || verbose {
            let _ = writeln!(out, "        {}", r.reason);
            for e in r.evidence.iter().take(3) {
                let place = match (&e.source, e.line) {
                    (Some(s), Some(l)) => format!("{s}:{l}: "),
                    (Some(s), None) => format!("{s}: "),
                    _ => String::new(),
                };
                let _ = writeln!(out, "        {place}{}", e.text);
            }
        }
    }
    let s = Summary::of(results);
    let _ = writeln!(
        out,
        "\n{} checks: {} pass, {} fail, {} not applicable, {} error",
        results.len(),
        s.pass,
        s.fail,
        s.not_applicable,
        s.error
    );
    out
}
