//! Check results: the newest OCSF Compliance Finding (class 2003) per host and check, from
//! agents or `palisade check run --format ocsf | palisade ingest -`. `compliance.status`
//! Pass, Warning and Fail become pass, partial and fail on every CCM id in
//! `compliance.requirements`; not applicable and unknown results are no evidence.

use super::Collected;
use crate::model::{Evidence, Source, Status};
use palisade_core::{Event, Value};
use std::collections::HashMap;

/// OCSF class of a Compliance Finding.
pub const COMPLIANCE_FINDING: i64 = 2003;

/// The verdicts of the newest result of every (host, check) among `events`.
pub fn collect(events: &[Event]) -> Vec<Collected> {
    let mut newest: HashMap<(String, String), &Event> = HashMap::new();
    for e in events.iter().filter(|e| is_finding(e)) {
        let key = (host(e).to_owned(), check_id(e).to_owned());
        let slot = newest.entry(key).or_insert(e);
        if (e.time, e.id) > (slot.time, slot.id) {
            *slot = e;
        }
    }
    let mut out: Vec<Collected> = newest.into_values().filter_map(verdict).collect();
    out.sort_by(|a, b| a.evidence.subject.cmp(&b.evidence.subject));
    out
}

fn is_finding(e: &Event) -> bool {
    e.get("class_uid").and_then(Value::as_i64) == Some(COMPLIANCE_FINDING)
}

fn host(e: &Event) -> &str {
    e.get_str("device.hostname").unwrap_or("unknown host")
}

fn check_id(e: &Event) -> &str {
    e.get_str("finding_info.uid")
        .or_else(|| e.get_str("compliance.control"))
        .unwrap_or("unnamed check")
}

/// The status a result stands for: from `compliance.status_id` (1 pass, 2 warning, 3 fail),
/// else from the `compliance.status` name.
fn status(e: &Event) -> Option<Status> {
    let by_id = match e.get("compliance.status_id").and_then(Value::as_i64) {
        Some(1) => Some(Status::Pass),
        Some(2) => Some(Status::Partial),
        Some(3) => Some(Status::Fail),
        _ => None,
    };
    by_id.or_else(|| {
        match e
            .get_str("compliance.status")?
            .to_ascii_lowercase()
            .as_str()
        {
            "pass" => Some(Status::Pass),
            "warning" => Some(Status::Partial),
            "fail" => Some(Status::Fail),
            _ => None,
        }
    })
}

/// Every value of an array field flattened as `path.0`, `path.1`, ...
fn array(e: &Event, path: &str) -> Vec<String> {
    (0..)
        .map_while(|i| e.get(&format!("{path}.{i}")).map(Value::to_string))
        .collect()
}

fn verdict(e: &Event) -> Option<Collected> {
    let status = status(e)?;
    let controls: Vec<String> = array(e, "compliance.requirements")
        .into_iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    if controls.is_empty() {
        return None;
    }
    let title = e.get_str("finding_info.title").unwrap_or("");
    let mut text = format!("{}: {title}", status.as_str());
    if let Some(detail) = e
        .get_str("compliance.status_detail")
        .filter(|d| !d.is_empty())
    {
        text.push_str(&format!(" ({detail})"));
    }
    let seen: Vec<String> = (0..3)
        .filter_map(|i| {
            let text = e.get_str(&format!("evidences.{i}.data.text"))?;
            Some(match e.get_str(&format!("evidences.{i}.data.source")) {
                Some(source) => format!("{source}: {text}"),
                None => text.to_owned(),
            })
        })
        .collect();
    if !seen.is_empty() {
        text.push_str(&format!("; seen: {}", seen.join("; ")));
    }
    Some(Collected {
        controls,
        evidence: Evidence {
            source: Source::Check,
            subject: format!("{} {}", host(e), check_id(e)),
            status,
            text,
            time_ms: e.time,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;
    use serde_json::json;

    fn finding(id: u64, time: i64, host: &str, status: &str, ccm: &[&str]) -> Event {
        let mut e = Event::new(id, TenantId::default(), time);
        let status_id = match status {
            "Pass" => 1,
            "Fail" => 3,
            _ => 99,
        };
        e.set_json(
            "",
            &json!({
                "class_uid": 2003,
                "device": {"hostname": host},
                "finding_info": {"uid": "linux-sshd/ssh-root-login", "title": "No root login"},
                "compliance": {"requirements": ccm, "status": status, "status_id": status_id,
                               "status_detail": "PermitRootLogin is yes"},
                "evidences": [{"data": {"source": "/etc/ssh/sshd_config", "line": 3, "text": "PermitRootLogin yes"}}],
            }),
        );
        e
    }

    #[test]
    fn the_newest_result_per_host_and_check_decides() {
        let events = vec![
            finding(1, 1_000, "web01", "Pass", &["IAM-14"]),
            finding(2, 2_000, "web01", "Fail", &["IAM-14", "iam-09"]),
            finding(3, 1_500, "db01", "Pass", &["IAM-14"]),
            finding(4, 3_000, "db02", "Not Applicable", &["IAM-14"]),
        ];
        let out = collect(&events);
        assert_eq!(out.len(), 2, "{out:?}");
        let web = out
            .iter()
            .find(|c| c.evidence.subject.starts_with("web01"))
            .unwrap();
        assert_eq!(web.evidence.status, Status::Fail);
        assert_eq!(web.controls, vec!["IAM-14", "IAM-09"]);
        assert!(
            web.evidence.text.contains("PermitRootLogin yes"),
            "{}",
            web.evidence.text
        );
        assert!(web.evidence.text.contains("/etc/ssh/sshd_config"));
        assert_eq!(web.evidence.time_ms, 2_000);
        let db = out
            .iter()
            .find(|c| c.evidence.subject.starts_with("db01"))
            .unwrap();
        assert_eq!(db.evidence.status, Status::Pass);
    }

    #[test]
    fn other_classes_and_results_without_controls_are_ignored() {
        let mut other = finding(1, 1, "h", "Fail", &["IAM-14"]);
        other.set("class_uid", 2002i64);
        assert!(collect(&[other, finding(2, 1, "h", "Fail", &[])]).is_empty());
    }
}
