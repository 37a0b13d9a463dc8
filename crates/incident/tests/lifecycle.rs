//! Grouping, lifecycle, history, SLA, metrics, patterns, merge and split on a real state store.

mod common;

use common::{alert, eventually, manager};
use palisade_core::{
    config::Duration, incident_config::IncidentConfig, time::now_ms, AlertChange, AlertLevel,
    AlertSink,
};
use palisade_incident::{IncidentError, IncidentFilter, IncidentState, IncidentUpdate};

fn all() -> IncidentFilter {
    IncidentFilter {
        limit: 1000,
        ..Default::default()
    }
}

fn set_state(state: &str) -> IncidentUpdate {
    IncidentUpdate {
        state: Some(state.into()),
        ..Default::default()
    }
}

#[test]
fn alerts_of_one_group_within_the_window_make_one_incident() {
    let dir = tempfile::tempdir().unwrap();
    let config = IncidentConfig {
        window: Duration(60_000),
        ..Default::default()
    };
    let m = manager(dir.path(), config);
    let t = now_ms();
    let a = m
        .ingest(
            &alert("a1", "ssh-brute", "web1", "10.0.0.9", AlertLevel::Medium, t),
            AlertChange::Raised,
        )
        .unwrap();
    let b = m
        .ingest(
            &alert(
                "a2",
                "ssh-brute",
                "web1",
                "10.0.0.8",
                AlertLevel::High,
                t + 1000,
            ),
            AlertChange::Raised,
        )
        .unwrap();
    assert_eq!(
        a, b,
        "same rule and host within the window joins the open incident"
    );
    let other_host = m
        .ingest(
            &alert("a3", "ssh-brute", "web2", "10.0.0.9", AlertLevel::Low, t),
            AlertChange::Raised,
        )
        .unwrap();
    assert_ne!(a, other_host);
    let late = m
        .ingest(
            &alert(
                "a4",
                "ssh-brute",
                "web1",
                "10.0.0.9",
                AlertLevel::Low,
                t + 200_000,
            ),
            AlertChange::Raised,
        )
        .unwrap();
    assert_ne!(a, late, "an alert past the window opens a new incident");
    // A repeat of a known alert updates it, not a new link.
    let mut repeat = alert(
        "a1",
        "ssh-brute",
        "web1",
        "10.0.0.9",
        AlertLevel::Medium,
        t + 2000,
    );
    repeat.count = 5;
    assert_eq!(m.ingest(&repeat, AlertChange::Repeated).unwrap(), a);
    let detail = m.get(a, Some("default")).unwrap();
    assert_eq!(detail.alerts.len(), 2);
    assert_eq!(
        detail.incident.severity,
        AlertLevel::High,
        "severity rises with a higher alert"
    );
    assert_eq!(
        detail
            .alerts
            .iter()
            .find(|x| x.alert_id == "a1")
            .unwrap()
            .count,
        5
    );
    assert_eq!(detail.incident.last_seen, t + 2000);
    assert!(detail.history.iter().any(|h| h.action == "alert_joined"));
    assert_eq!(m.list(&all()).unwrap().len(), 3);
    assert!(matches!(
        m.get(a, Some("other-tenant")),
        Err(IncidentError::NotFound(_))
    ));
}

#[test]
fn the_alert_sink_queues_and_groups_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path(), IncidentConfig::default());
    let t = now_ms();
    for i in 0..20 {
        m.on_alert(
            &alert(
                &format!("s{i}"),
                "r1",
                "h1",
                "1.2.3.4",
                AlertLevel::Low,
                t + i,
            ),
            AlertChange::Raised,
        );
    }
    eventually("20 alerts in one incident", || {
        m.list(&all())
            .unwrap()
            .first()
            .is_some_and(|i| i.alert_count == 20)
    });
    assert_eq!(m.list(&all()).unwrap().len(), 1);
}

#[test]
fn lifecycle_refuses_invalid_moves_and_records_who_did_what() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path(), IncidentConfig::default());
    let id = m
        .ingest(
            &alert("a1", "r", "h", "ip", AlertLevel::High, now_ms()),
            AlertChange::Raised,
        )
        .unwrap();
    let err = m
        .update(id, None, "ann", &set_state("closed"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot go from new to closed; resolve it first"),
        "{err}"
    );
    let err = m
        .update(id, None, "ann", &set_state("done"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown state \"done\""), "{err}");
    let acked = m
        .update(
            id,
            None,
            "ann",
            &IncidentUpdate {
                state: Some("acknowledged".into()),
                assignee: Some("bob".into()),
                note: Some("looking".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(acked.state, IncidentState::Acknowledged);
    assert_eq!(acked.assignee.as_deref(), Some("bob"));
    assert!(acked.acknowledged_ms.is_some());
    m.update(id, None, "bob", &set_state("in_progress"))
        .unwrap();
    m.update(id, None, "bob", &set_state("resolved")).unwrap();
    let closed = m.update(id, None, "bob", &set_state("closed")).unwrap();
    assert!(closed.resolved_ms.is_some() && closed.closed_ms.is_some());
    let err = m
        .update(id, None, "bob", &set_state("acknowledged"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("reopen it first"), "{err}");
    let reopened = m
        .update(id, None, "carol", &set_state("in_progress"))
        .unwrap();
    assert_eq!(reopened.state, IncidentState::InProgress);
    assert!(reopened.closed_ms.is_none() && reopened.resolved_ms.is_none());
    m.comment(id, None, "carol", "root cause: weak password")
        .unwrap();
    assert!(m.comment(id, None, "carol", "  ").is_err());
    let detail = m.get(id, None).unwrap();
    let trail: Vec<(String, String)> = detail
        .history
        .iter()
        .map(|h| (h.actor.clone(), h.action.clone()))
        .collect();
    let expect = [
        ("system", "opened"),
        ("ann", "state"),
        ("ann", "assignee"),
        ("ann", "note"),
        ("bob", "state"),
        ("bob", "state"),
        ("bob", "state"),
        ("carol", "reopened"),
        ("carol", "note"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(trail, expect);
    assert_eq!(detail.notes.len(), 2);
}

#[test]
fn state_survives_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let m = manager(dir.path(), IncidentConfig::default());
        let id = m
            .ingest(
                &alert("a1", "r", "h", "ip", AlertLevel::High, now_ms()),
                AlertChange::Raised,
            )
            .unwrap();
        m.update(id, None, "ann", &set_state("acknowledged"))
            .unwrap();
        id
    };
    let m = manager(dir.path(), IncidentConfig::default());
    let detail = m.get(id, None).unwrap();
    assert_eq!(detail.incident.state, IncidentState::Acknowledged);
    assert_eq!(detail.history.len(), 2);
    // A new alert of the group still joins the reopened store's open incident.
    let again = m
        .ingest(
            &alert("a2", "r", "h", "ip", AlertLevel::High, now_ms()),
            AlertChange::Raised,
        )
        .unwrap();
    assert_eq!(again, id);
}

#[test]
fn sla_breaches_are_flagged_once_and_late_acknowledgement_counts() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path(), IncidentConfig::default());
    let now = now_ms();
    let id = m
        .ingest(
            &alert("a1", "r", "h", "ip", AlertLevel::Critical, now),
            AlertChange::Raised,
        )
        .unwrap();
    let incident = m.get(id, None).unwrap().incident;
    assert_eq!(
        incident.sla.acknowledge_due_ms,
        Some(incident.created_ms + 15 * 60_000)
    );
    assert_eq!(m.check_sla(now + 60_000).unwrap(), 0);
    assert_eq!(
        m.check_sla(now + 16 * 60_000).unwrap(),
        1,
        "critical: 15 minutes to acknowledge"
    );
    assert_eq!(m.check_sla(now + 17 * 60_000).unwrap(), 0, "flagged once");
    assert_eq!(
        m.check_sla(now + 5 * 3_600_000).unwrap(),
        1,
        "critical: 4 hours to resolve"
    );
    let detail = m.get(id, None).unwrap();
    assert!(detail.incident.sla.acknowledge_breached && detail.incident.sla.resolve_breached);
    assert_eq!(
        detail
            .history
            .iter()
            .filter(|h| h.action == "sla_breached")
            .count(),
        2
    );
    let metrics = m.metrics(None, now - 1000, now + 1000).unwrap();
    assert_eq!(metrics.overall.sla_breaches, 2);
}

#[test]
fn mtta_and_mttr_per_severity_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path(), IncidentConfig::default());
    let t = now_ms();
    let fast = m
        .ingest(
            &alert("a1", "r1", "h1", "ip", AlertLevel::High, t),
            AlertChange::Raised,
        )
        .unwrap();
    let slow = m
        .ingest(
            &alert("a2", "r2", "h2", "ip", AlertLevel::Low, t),
            AlertChange::Raised,
        )
        .unwrap();
    m.update(fast, None, "ann", &set_state("acknowledged"))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(120));
    m.update(fast, None, "ann", &set_state("resolved")).unwrap();
    m.update(slow, None, "ann", &set_state("acknowledged"))
        .unwrap();
    let report = m
        .metrics(Some("default"), t - 1000, now_ms() + 1000)
        .unwrap();
    assert_eq!(report.overall.incidents, 2);
    assert_eq!(report.overall.acknowledged, 2);
    assert_eq!(report.overall.resolved, 1);
    let high = report.by_severity.iter().find(|g| g.key == "high").unwrap();
    assert!(high.mttr_ms.unwrap() >= 120, "{high:?}");
    let low = report.by_rule.iter().find(|g| g.key == "r2").unwrap();
    assert!(low.mtta_ms.unwrap() >= 120, "{low:?}");
    assert_eq!(low.mttr_ms, None);
    assert_eq!(report.by_tenant.len(), 1);
    assert!(
        m.metrics(Some("other"), t - 1000, now_ms() + 1000)
            .unwrap()
            .overall
            .incidents
            == 0
    );
}

#[test]
fn merge_moves_alerts_and_split_takes_them_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path(), IncidentConfig::default());
    let t = now_ms();
    let a = m
        .ingest(
            &alert("a1", "r1", "h1", "ip", AlertLevel::Low, t),
            AlertChange::Raised,
        )
        .unwrap();
    let b = m
        .ingest(
            &alert("a2", "r2", "h1", "ip", AlertLevel::Critical, t),
            AlertChange::Raised,
        )
        .unwrap();
    let merged = m.merge(a, &[b], None, "ann").unwrap();
    assert_eq!(merged.alert_count, 2);
    assert_eq!(merged.severity, AlertLevel::Critical);
    let source = m.get(b, None).unwrap().incident;
    assert_eq!(source.merged_into, Some(a));
    assert_eq!(source.state, IncidentState::Closed);
    assert!(m
        .update(b, None, "ann", &set_state("in_progress"))
        .unwrap_err()
        .to_string()
        .contains("merged into incident"));
    assert!(m.merge(a, &[a], None, "ann").is_err());
    let split = m.split(a, &["a2".into()], None, "bob").unwrap();
    assert_eq!(split.alert_count, 1);
    assert_eq!(split.rule_id, "r2");
    assert_eq!(m.get(a, None).unwrap().alerts.len(), 1);
    assert!(m
        .split(a, &["a1".into()], None, "bob")
        .unwrap_err()
        .to_string()
        .contains("empty"));
    assert!(m
        .split(a, &["nope".into()], None, "bob")
        .unwrap_err()
        .to_string()
        .contains("not linked"));
}

#[test]
fn patterns_find_recurring_rules_hosts_and_sources_of_closed_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let config = IncidentConfig {
        window: Duration(1),
        ..Default::default()
    };
    let m = manager(dir.path(), config);
    let t = now_ms();
    for i in 0..3 {
        let id = m
            .ingest(
                &alert(
                    &format!("a{i}"),
                    "ssh-brute",
                    "web1",
                    "203.0.113.7",
                    AlertLevel::High,
                    t + i * 10_000,
                ),
                AlertChange::Raised,
            )
            .unwrap();
        m.update(id, None, "ann", &set_state("resolved")).unwrap();
        m.update(id, None, "ann", &set_state("closed")).unwrap();
    }
    let once = m
        .ingest(
            &alert("b", "sudo", "db1", "198.51.100.1", AlertLevel::Low, t),
            AlertChange::Raised,
        )
        .unwrap();
    m.update(once, None, "ann", &set_state("resolved")).unwrap();
    m.update(once, None, "ann", &set_state("closed")).unwrap();
    m.ingest(
        &alert(
            "open",
            "ssh-brute",
            "web9",
            "203.0.113.7",
            AlertLevel::High,
            t,
        ),
        AlertChange::Raised,
    )
    .unwrap();
    let report = m
        .patterns(Some("default"), t - 1000, now_ms() + 1000, 2, 10)
        .unwrap();
    assert_eq!(report.closed_incidents, 4);
    assert_eq!(report.rules.len(), 1);
    assert_eq!(report.rules[0].value, "ssh-brute");
    assert_eq!(report.rules[0].incidents, 3);
    assert_eq!(report.rules[0].title.as_deref(), Some("Rule ssh-brute"));
    assert_eq!(report.hosts[0].value, "web1");
    assert_eq!(report.sources[0].value, "203.0.113.7");
    assert_eq!(report.users[0].incidents, 4);
}
