//! Vulnerability age: open OCSF Vulnerability Findings (class 2002) by host and severity,
//! against the remediation schedule (`[posture.vulnerability_age]`). A finding is open when
//! the host's newest scan still reports it (a scan is every finding of a host within an hour
//! of its newest one); its age runs from the first time any scan reported it. Every open
//! finding within its limit passes TVM-03 (remediation schedule); one past it fails; findings
//! in libraries (Cargo, npm, PyPI) speak to TVM-05 too. Informational findings are left out,
//! and so are hosts whose newest scan is older than the evidence window. Give the collector
//! events from further back than the window (the server looks back the longest limit more),
//! so that the first report of a long-open finding is seen.

use super::{days, plural, Collected};
use crate::model::{Evidence, Source, Status};
use palisade_core::{posture_config::VulnerabilityAge, Event, Value};
use std::collections::{BTreeMap, HashMap};

/// OCSF class of a Vulnerability Finding.
pub const VULNERABILITY_FINDING: i64 = 2002;
/// Controls the remediation schedule speaks to.
pub const SCHEDULE_CONTROLS: &[&str] = &["TVM-03"];
/// The control findings in third-party libraries speak to, too.
pub const LIBRARY_CONTROL: &str = "TVM-05";
/// Findings of a host within this long of its newest one belong to its newest scan.
const SCAN_SPAN_MS: i64 = 3_600_000;

/// One finding of one host across scans.
struct Tracked<'a> {
    first_seen: i64,
    last_seen: i64,
    newest: &'a Event,
}

/// The verdicts at `now` on the open findings among `events` of hosts scanned since
/// `since_ms`.
pub fn collect(
    events: &[Event],
    limits: &VulnerabilityAge,
    since_ms: i64,
    now: i64,
) -> Vec<Collected> {
    let mut tracked: HashMap<(&str, &str), Tracked> = HashMap::new();
    let mut newest_scan: HashMap<&str, i64> = HashMap::new();
    for e in events.iter().filter(|e| is_finding(e)) {
        let host = host(e);
        let scan = newest_scan.entry(host).or_insert(e.time);
        *scan = (*scan).max(e.time);
        let uid = e.get_str("finding_info.uid").unwrap_or("unnamed finding");
        let t = tracked.entry((host, uid)).or_insert(Tracked {
            first_seen: e.time,
            last_seen: e.time,
            newest: e,
        });
        t.first_seen = t.first_seen.min(e.time);
        if e.time >= t.last_seen {
            t.last_seen = e.time;
            t.newest = e;
        }
    }
    // Open findings by (host, severity id, severity name).
    let mut open: BTreeMap<(&str, i64), Vec<&Tracked>> = BTreeMap::new();
    for ((host, _), t) in &tracked {
        let scanned = newest_scan.get(host).copied().unwrap_or(t.last_seen);
        if scanned < since_ms {
            continue;
        }
        let severity = t
            .newest
            .get("severity_id")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if t.last_seen >= scanned - SCAN_SPAN_MS && severity != 1 {
            open.entry((host, severity)).or_default().push(t);
        }
    }
    open.into_iter()
        .rev()
        .map(|((host, severity), group)| verdict(host, severity, &group, limits, now))
        .collect()
}

fn is_finding(e: &Event) -> bool {
    e.get("class_uid").and_then(Value::as_i64) == Some(VULNERABILITY_FINDING)
}

fn host(e: &Event) -> &str {
    e.get_str("device.hostname").unwrap_or("unknown host")
}

/// The severity's name and how long a finding of it may stay open.
fn schedule(severity: i64, limits: &VulnerabilityAge) -> (&'static str, u64) {
    match severity {
        5 | 6 => ("critical", limits.critical.0),
        4 => ("high", limits.high.0),
        2 => ("low", limits.low.0),
        3 => ("medium", limits.medium.0),
        _ => ("unknown-severity", limits.medium.0),
    }
}

fn is_library(e: &Event) -> bool {
    let manager = e
        .get_str("vulnerabilities.0.affected_packages.0.package_manager")
        .unwrap_or("")
        .to_ascii_lowercase();
    ["crates.io", "cargo", "npm", "pypi"].contains(&manager.as_str())
}

fn verdict(
    host: &str,
    severity: i64,
    group: &[&Tracked],
    limits: &VulnerabilityAge,
    now: i64,
) -> Collected {
    let (name, limit) = schedule(severity, limits);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut overdue: Vec<(&str, i64)> = group
        .iter()
        .map(|t| {
            (
                t.newest.get_str("finding_info.uid").unwrap_or("?"),
                now - t.first_seen,
            )
        })
        .filter(|(_, age)| *age > limit)
        .collect();
    overdue.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let oldest = group.iter().map(|t| now - t.first_seen).max().unwrap_or(0);
    let status = if overdue.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let mut text = format!(
        "{} open, oldest {} days (limit {} days)",
        plural(group.len(), &format!("{name} finding")),
        days(oldest),
        days(limit)
    );
    if !overdue.is_empty() {
        let named: Vec<String> = overdue
            .iter()
            .take(5)
            .map(|(uid, age)| format!("{uid} ({} days)", days(*age)))
            .collect();
        text.push_str(&format!("; overdue: {}", named.join(", ")));
        if overdue.len() > named.len() {
            text.push_str(&format!(" and {} more", overdue.len() - named.len()));
        }
    }
    let mut controls: Vec<String> = SCHEDULE_CONTROLS.iter().map(|c| (*c).to_owned()).collect();
    if group.iter().any(|t| is_library(t.newest)) {
        controls.push(LIBRARY_CONTROL.to_owned());
    }
    Collected {
        controls,
        evidence: Evidence {
            source: Source::Vulnerabilities,
            subject: format!("{host} {name} vulnerabilities"),
            status,
            text,
            time_ms: now,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;

    const DAY: i64 = 86_400_000;

    fn finding(id: u64, day: i64, host: &str, uid: &str, severity: i64, manager: &str) -> Event {
        let mut e = Event::new(id, TenantId::default(), day * DAY);
        e.set("class_uid", VULNERABILITY_FINDING);
        e.set("severity_id", severity);
        e.set("device.hostname", host);
        e.set("finding_info.uid", uid);
        e.set(
            "vulnerabilities.0.affected_packages.0.package_manager",
            manager,
        );
        e
    }

    #[test]
    fn age_runs_from_the_first_report_and_fixed_findings_close() {
        let limits = VulnerabilityAge::default(); // critical 7d, high 30d
        let events = vec![
            finding(1, 100, "web01", "CVE-1/openssl", 5, "Debian:12"),
            finding(2, 110, "web01", "CVE-1/openssl", 5, "Debian:12"),
            finding(3, 110, "web01", "CVE-2/serde", 4, "crates.io"),
            finding(4, 100, "web01", "CVE-3/fixed", 5, "Debian:12"),
            finding(5, 110, "db01", "CVE-4/libpq", 4, "Debian:12"),
        ];
        let out = collect(&events, &limits, 105 * DAY, 112 * DAY);
        let find = |s: &str| out.iter().find(|c| c.evidence.subject == s).unwrap();
        let critical = find("web01 critical vulnerabilities");
        assert_eq!(critical.evidence.status, Status::Fail);
        assert!(
            critical
                .evidence
                .text
                .starts_with("1 critical finding open, oldest 12 days"),
            "{}",
            critical.evidence.text
        );
        assert!(critical.evidence.text.contains("CVE-1/openssl (12 days)"));
        assert!(
            !critical.evidence.text.contains("CVE-3"),
            "fixed in the newest scan"
        );
        assert_eq!(critical.controls, vec!["TVM-03"]);
        let high = find("web01 high vulnerabilities");
        assert_eq!(high.evidence.status, Status::Pass);
        assert_eq!(high.controls, vec!["TVM-03", "TVM-05"]);
        assert_eq!(
            find("db01 high vulnerabilities").evidence.status,
            Status::Pass
        );
    }

    #[test]
    fn informational_findings_and_other_classes_say_nothing() {
        let mut other = finding(1, 1, "h", "x", 5, "npm");
        other.set("class_uid", 2003i64);
        let info = finding(2, 1, "h", "y", 1, "npm");
        assert!(collect(&[other, info], &VulnerabilityAge::default(), 0, 500 * DAY).is_empty());
        let stale = finding(3, 1, "h", "z", 5, "npm");
        assert!(collect(&[stale], &VulnerabilityAge::default(), 2 * DAY, 500 * DAY).is_empty());
    }
}
