//! SARIF 2.1.0: one run, one reporting descriptor per check, one result per check with its
//! evidence as locations.

use crate::outcome::{CheckResult, Status};
use serde_json::{json, Value};

/// The SARIF schema the document declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// SARIF requires level `none` for every kind but `fail`.
fn level(r: &CheckResult) -> &'static str {
    match (r.status, r.severity) {
        (Status::Fail, "critical" | "high") => "error",
        (Status::Fail, "medium") => "warning",
        (Status::Fail, _) => "note",
        _ => "none",
    }
}

fn kind(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::NotApplicable => "notApplicable",
        Status::Error => "review",
    }
}

/// Turns a path as seen in the target into a SARIF artifact URI (`file:///etc/...`).
fn uri(source: &str) -> Option<String> {
    source
        .starts_with('/')
        .then(|| format!("file://{}", source.replace(' ', "%20")))
}

fn locations(r: &CheckResult) -> Vec<Value> {
    r.evidence
        .iter()
        .filter_map(|e| {
            let uri = uri(e.source.as_deref()?)?;
            let mut physical = json!({ "artifactLocation": { "uri": uri } });
            if let Some(line) = e.line {
                physical["region"] = json!({ "startLine": line, "snippet": { "text": e.text } });
            }
            Some(json!({ "physicalLocation": physical, "message": { "text": e.text } }))
        })
        .collect()
}

/// The results as a SARIF 2.1.0 log.
pub fn sarif(results: &[CheckResult], tool_version: &str) -> Value {
    let mut rule_ids: Vec<String> = Vec::new();
    let mut rules = Vec::new();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        let id = format!("{}/{}", r.policy, r.id);
        let index = match rule_ids.iter().position(|x| *x == id) {
            Some(i) => i,
            None => {
                rule_ids.push(id.clone());
                rules.push(json!({
                    "id": id,
                    "name": r.id,
                    "shortDescription": { "text": r.title },
                    "fullDescription": { "text": if r.rationale.is_empty() { &r.title } else { &r.rationale } },
                    "help": { "text": r.remediation },
                    "properties": { "tags": r.ccm, "severity": r.severity, "references": r.references },
                }));
                rule_ids.len() - 1
            }
        };
        let evidence_text: Vec<&str> = r.evidence.iter().take(3).map(|e| e.text.as_str()).collect();
        out.push(json!({
            "ruleId": id,
            "ruleIndex": index,
            "kind": kind(r.status),
            "level": level(r),
            "message": { "text": format!("{} — {}: {}", r.title, r.reason, evidence_text.join("; ")) },
            "locations": locations(r),
            "properties": { "status": r.status.as_str() },
        }));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "palisade-check",
                "version": tool_version,
                "rules": rules,
            }},
            "results": out,
        }],
    })
}
