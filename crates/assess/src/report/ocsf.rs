//! OCSF Compliance Finding (class 2003) events, one per check result.

use crate::outcome::{CheckResult, Status};
use serde_json::{json, Value};

/// OCSF class of a Compliance Finding.
pub const CLASS_UID: i64 = 2003;
/// OCSF category Findings.
pub const CATEGORY_UID: i64 = 2;
/// OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";

/// OCSF `severity_id` of a check severity name.
pub fn severity_id(severity: &str) -> i64 {
    match severity {
        "informational" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "critical" => 5,
        _ => 0,
    }
}

/// OCSF `compliance.status_id` and `status` (pass 1, fail 3, other 99, unknown 0).
fn compliance_status(status: Status) -> (i64, &'static str) {
    match status {
        Status::Pass => (1, "Pass"),
        Status::Fail => (3, "Fail"),
        Status::NotApplicable => (99, "Not Applicable"),
        Status::Error => (0, "Unknown"),
    }
}

/// One result as an OCSF Compliance Finding: `finding_info` names the check, `compliance`
/// carries the status and the CSA CCM v4 control ids, `evidences` what was seen, and
/// `remediation` how to fix it. `hostname` is the assessed host, `time` epoch milliseconds.
pub fn compliance_finding(r: &CheckResult, hostname: &str, time: i64) -> Value {
    let (status_id, status) = compliance_status(r.status);
    let evidences: Vec<Value> = r
        .evidence
        .iter()
        .map(|e| json!({ "data": { "source": e.source, "line": e.line, "text": e.text } }))
        .collect();
    let activity_id = 1;
    json!({
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": activity_id,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + activity_id,
        "time": time,
        "severity_id": severity_id(r.severity),
        "severity": r.severity,
        "status_id": 1,
        "status": "New",
        "message": format!("{}: {} ({})", r.id, r.title, r.status.as_str()),
        "metadata": {
            "version": OCSF_VERSION,
            "product": { "name": "Palisade", "vendor_name": "Palisade", "feature": { "name": "check" } },
            "log_name": "assessment",
        },
        "device": { "hostname": hostname },
        "finding_info": {
            "uid": format!("{}/{}", r.policy, r.id),
            "title": r.title,
            "desc": r.rationale,
            "types": ["Configuration Check"],
        },
        "compliance": {
            "standards": ["CSA CCM v4"],
            "requirements": r.ccm,
            "control": format!("{}/{}", r.policy, r.id),
            "status_id": status_id,
            "status": status,
            "status_detail": r.reason,
        },
        "remediation": { "desc": r.remediation, "references": r.references },
        "evidences": evidences,
    })
}
