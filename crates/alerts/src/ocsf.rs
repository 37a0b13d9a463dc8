//! Alerts as OCSF Detection Finding events (class 2004, category 2 Findings), written into
//! the event store through the pipeline so they are searchable and rules can fire on them.
//!
//! A finding names its rule as `finding_info.analytic` and the rules of the findings it was
//! raised over as `finding_info.related_analytics`; detection never lets a rule fire on a
//! finding whose analytic or related analytics include that rule ([`lineage_of`]), so a
//! finding cannot re-trigger the rule that made it, directly or through a chain of rules.

use palisade_core::{Alert, AlertKind, AlertLevel, Event, Value};
use serde_json::{json, Value as Json};

/// OCSF class `Detection Finding`.
pub const DETECTION_FINDING_CLASS: i64 = 2004;
/// OCSF category `Findings`.
const FINDINGS_CATEGORY: i64 = 2;
/// The source name (and `metadata.log_name`) of finding events in the pipeline.
pub const FINDING_SOURCE: &str = "detection";

/// What a finding event reports about its alert: OCSF `activity_id` 1 Create (a new
/// alert) or 2 Update (its status changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingActivity {
    /// The alert was raised.
    Create,
    /// The alert's status changed.
    Update,
}

/// The rule ids behind a finding event: its analytic and its related analytics. Empty for
/// an event that is not a Detection Finding.
pub fn lineage_of(event: &Event) -> Vec<String> {
    if event.get("class_uid").and_then(Value::as_i64) != Some(DETECTION_FINDING_CLASS) {
        return Vec::new();
    }
    let mut ids: Vec<String> = event
        .get_str("finding_info.analytic.uid")
        .map(str::to_owned)
        .into_iter()
        .collect();
    for i in 0.. {
        match event.get_str(&format!("finding_info.related_analytics.{i}.uid")) {
            Some(id) => ids.push(id.to_owned()),
            None => break,
        }
    }
    ids
}

/// The OCSF Detection Finding for `alert` with `status` (an OCSF status name and id),
/// raised over findings of the rules in `lineage`.
pub fn detection_finding(
    alert: &Alert,
    lineage: &[String],
    activity: FindingActivity,
    status: (i64, &str),
    now_ms: i64,
) -> Json {
    let (activity_id, activity_name) = match activity {
        FindingActivity::Create => (1, "Create"),
        FindingActivity::Update => (2, "Update"),
    };
    let kind = match alert.kind {
        AlertKind::Detection => "Sigma detection",
        AlertKind::Correlation => "Sigma correlation",
    };
    let related_events: Vec<Json> = alert
        .event_ids
        .iter()
        .map(|id| json!({ "uid": id.to_string() }))
        .collect();
    let related_analytics: Vec<Json> = lineage
        .iter()
        .map(|id| json!({ "uid": id, "type_id": 1, "type": "Rule" }))
        .collect();
    let mut finding_info = json!({
        "uid": alert.id,
        "title": alert.rule_title,
        "types": [kind],
        "analytic": {
            "uid": alert.rule_id,
            "name": alert.rule_title,
            "type_id": 1,
            "type": "Rule",
        },
        "first_seen_time": alert.first_seen,
        "last_seen_time": alert.last_seen,
        "related_events": related_events,
    });
    if !related_analytics.is_empty() {
        finding_info["related_analytics"] = Json::from(related_analytics);
    }
    let mut finding = json!({
        "class_uid": DETECTION_FINDING_CLASS,
        "class_name": "Detection Finding",
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": DETECTION_FINDING_CLASS * 100 + activity_id,
        "severity_id": alert.level.severity_id(),
        "severity": severity_name(alert.level),
        "status_id": status.0,
        "status": status.1,
        "time": if activity == FindingActivity::Create { alert.last_seen } else { now_ms },
        "count": alert.count,
        "message": format!("{}: {}", alert.level.as_str(), alert.rule_title),
        "finding_info": finding_info,
        "metadata": {
            "product": {"name": "Palisade", "vendor_name": "Palisade", "feature": {"name": "detection"}},
            "log_name": FINDING_SOURCE,
            "version": "1.1.0",
            "processed_time": now_ms,
        },
    });
    let attacks = attacks(&alert.tags);
    if !attacks.is_empty() {
        finding["attacks"] = Json::from(attacks);
    }
    let (observables, evidence) = entities(alert);
    if !observables.is_empty() {
        finding["observables"] = Json::from(observables);
    }
    if evidence.as_object().is_some_and(|o| !o.is_empty()) {
        finding["evidences"] = json!([evidence]);
    }
    finding
}

/// The OCSF severity caption of a level.
fn severity_name(level: AlertLevel) -> &'static str {
    match level {
        AlertLevel::Informational => "Informational",
        AlertLevel::Low => "Low",
        AlertLevel::Medium => "Medium",
        AlertLevel::High => "High",
        AlertLevel::Critical => "Critical",
    }
}

/// MITRE ATT&CK Enterprise tactics: the Sigma tag suffix, the name and the id.
const TACTICS: &[(&str, &str, &str)] = &[
    ("reconnaissance", "Reconnaissance", "TA0043"),
    ("resource_development", "Resource Development", "TA0042"),
    ("initial_access", "Initial Access", "TA0001"),
    ("execution", "Execution", "TA0002"),
    ("persistence", "Persistence", "TA0003"),
    ("privilege_escalation", "Privilege Escalation", "TA0004"),
    ("defense_evasion", "Defense Evasion", "TA0005"),
    ("credential_access", "Credential Access", "TA0006"),
    ("discovery", "Discovery", "TA0007"),
    ("lateral_movement", "Lateral Movement", "TA0008"),
    ("collection", "Collection", "TA0009"),
    ("command_and_control", "Command and Control", "TA0011"),
    ("exfiltration", "Exfiltration", "TA0010"),
    ("impact", "Impact", "TA0040"),
];

/// OCSF `attacks` from Sigma `attack.*` tags: one entry per technique (`attack.t1110`,
/// `attack.t1110.001` as technique T1110 with sub-technique T1110.001), each with the
/// rule's first tactic; a rule with tactics and no technique gets one entry per tactic.
fn attacks(tags: &[String]) -> Vec<Json> {
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for tag in tags {
        let Some(name) = tag
            .to_ascii_lowercase()
            .strip_prefix("attack.")
            .map(str::to_owned)
        else {
            continue;
        };
        if let Some((_, caption, uid)) = TACTICS.iter().find(|(t, _, _)| *t == name) {
            tactics.push(json!({ "name": caption, "uid": uid }));
        } else if is_technique(&name) {
            techniques.push(name.to_ascii_uppercase());
        }
    }
    if techniques.is_empty() {
        return tactics
            .into_iter()
            .map(|t| json!({ "tactic": t }))
            .collect();
    }
    techniques
        .into_iter()
        .map(|uid| {
            let mut attack = match uid.split_once('.') {
                Some((parent, _)) => json!({
                    "technique": { "uid": parent },
                    "sub_technique": { "uid": uid },
                }),
                None => json!({ "technique": { "uid": uid } }),
            };
            if let Some(tactic) = tactics.first() {
                attack["tactic"] = tactic.clone();
            }
            attack
        })
        .collect()
}

/// `t1110` or `t1110.001`.
fn is_technique(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('t') else {
        return false;
    };
    let (main, sub) = rest.split_once('.').unwrap_or((rest, "000"));
    main.len() == 4 && sub.len() == 3 && main.bytes().chain(sub.bytes()).all(|b| b.is_ascii_digit())
}

/// OCSF observable type ids: 1 Hostname, 2 IP Address, 4 User Name, 99 Other.
const ENTITY_OBSERVABLES: &[(&str, &str, i64, &str)] = &[
    ("host", "device.hostname", 1, "Hostname"),
    ("user", "user.name", 4, "User Name"),
    ("src_ip", "src_endpoint.ip", 2, "IP Address"),
    ("dst_ip", "dst_endpoint.ip", 2, "IP Address"),
];

/// The alert's entities as OCSF `observables`, and the well-known ones as one evidence
/// artifact (`device`, `user`, `src_endpoint`, `dst_endpoint`).
fn entities(alert: &Alert) -> (Vec<Json>, Json) {
    let mut observables = Vec::new();
    let mut evidence = json!({});
    for (name, value) in &alert.entities {
        match ENTITY_OBSERVABLES.iter().find(|(e, ..)| e == name) {
            Some((_, path, type_id, caption)) => {
                observables.push(json!({
                    "name": path, "type_id": type_id, "type": caption, "value": value,
                }));
                if let Some((object, field)) = path.split_once('.') {
                    evidence[object] = json!({ field: value });
                }
            }
            None if !ENTITY_OBSERVABLES.iter().any(|(_, p, ..)| p == name) => {
                observables.push(json!({
                    "name": name, "type_id": 99, "type": "Other", "value": value,
                }));
            }
            None => {}
        }
    }
    (observables, evidence)
}

#[cfg(test)]
mod tests;
