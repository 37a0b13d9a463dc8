use super::*;
use palisade_core::{AlertLevel, TenantId};
use std::collections::{BTreeMap, HashSet};

fn store(dir: &std::path::Path) -> AlertStore {
    let state = Arc::new(StateStore::open(&palisade_state::state_path(dir)).unwrap());
    AlertStore::open(state, 600_000, 3).unwrap()
}

fn finding(rule: &str, event: EventId, time: i64, ip: &str) -> Finding {
    Finding {
        tenant: TenantId::default(),
        rule_id: rule.into(),
        rule_title: format!("title of {rule}"),
        level: AlertLevel::High,
        tags: vec!["attack.t1110".into()],
        kind: AlertKind::Detection,
        event_ids: vec![event],
        first_seen: time,
        last_seen: time,
        entities: BTreeMap::from([("src_ip".to_owned(), ip.to_owned())]),
        lineage: Vec::new(),
    }
}

fn all(store: &AlertStore) -> Vec<Alert> {
    store
        .list(&AlertFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn repeats_within_the_window_fold_and_later_ones_raise_anew() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let changes = store
        .record(
            &[
                finding("r1", 1, 1_000, "10.0.0.1"),
                finding("r1", 2, 2_000, "10.0.0.1"),
                finding("r1", 3, 3_000, "10.0.0.2"),
            ],
            Some(3),
        )
        .unwrap();
    let kinds: Vec<_> = changes.iter().map(|(_, c)| *c).collect();
    assert_eq!(
        kinds,
        [
            AlertChange::Raised,
            AlertChange::Repeated,
            AlertChange::Raised
        ]
    );
    let ten_minutes_later = 5_000 + 600_001;
    store
        .record(
            &[
                finding("r1", 4, 4_000, "10.0.0.1"),
                finding("r1", 5, 5_000, "10.0.0.1"),
                finding("r1", 6, ten_minutes_later, "10.0.0.1"),
            ],
            Some(6),
        )
        .unwrap();
    let alerts = all(&store);
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    let newest = &alerts[0];
    assert_eq!((newest.count, newest.event_ids.clone()), (1, vec![6]));
    let folded = alerts.iter().find(|a| a.count == 4).expect("folded alert");
    assert_eq!(folded.event_ids, [1, 2, 4], "event ids are bounded to 3");
    assert_eq!((folded.first_seen, folded.last_seen), (1_000, 5_000));
    assert_eq!(folded.level, AlertLevel::High);
    assert_eq!(folded.tags, ["attack.t1110"]);
}

#[test]
fn replaying_the_same_events_raises_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store(dir.path());
        store
            .record(&[finding("r1", 10, 1_000, "a")], Some(10))
            .unwrap();
        let mut corr = finding("c1", 10, 1_000, "a");
        corr.kind = AlertKind::Correlation;
        store.record(&[corr], Some(10)).unwrap();
    }
    let store = store(dir.path());
    let mut corr = finding("c1", 10, 1_000, "a");
    corr.kind = AlertKind::Correlation;
    let replayed = store
        .record(&[finding("r1", 10, 1_000, "a"), corr.clone()], Some(10))
        .unwrap();
    assert!(replayed.is_empty(), "{replayed:?}");
    assert_eq!(all(&store).iter().map(|a| a.count).sum::<u64>(), 2);
    // A tick-raised correlation (no batch) over new events still counts.
    corr.event_ids = vec![11];
    assert_eq!(store.record(&[corr], None).unwrap().len(), 1);
}

#[test]
fn filters_select_by_tenant_rule_level_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let mut low = finding("r2", 2, 50_000, "b");
    low.level = AlertLevel::Low;
    let mut other = finding("r1", 3, 90_000, "c");
    other.tenant = TenantId::new("acme").unwrap();
    store
        .record(&[finding("r1", 1, 10_000, "a"), low, other], Some(3))
        .unwrap();
    let list = |f: AlertFilter| -> Vec<String> {
        store
            .list(&AlertFilter { limit: 10, ..f })
            .unwrap()
            .into_iter()
            .map(|a| a.rule_id + "@" + a.tenant.as_str())
            .collect()
    };
    assert_eq!(
        list(AlertFilter::default()),
        ["r1@acme", "r2@default", "r1@default"]
    );
    let default = Some(TenantId::default());
    assert_eq!(
        list(AlertFilter {
            tenant: default.clone(),
            min_level: Some(AlertLevel::Medium),
            ..Default::default()
        }),
        ["r1@default"]
    );
    assert_eq!(
        list(AlertFilter {
            since: Some(20_000),
            until: Some(60_000),
            ..Default::default()
        }),
        ["r2@default"]
    );
    assert_eq!(
        list(AlertFilter {
            rule_id: Some("r1".into()),
            tenant: default.clone(),
            ..Default::default()
        }),
        ["r1@default"]
    );
    let id = &store
        .list(&AlertFilter {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    assert!(
        store.get(id, default.as_ref()).unwrap().is_none(),
        "other tenant's alert"
    );
    assert!(store.get(id, None).unwrap().is_some());
    assert!(store.get("not-a-number", None).unwrap().is_none());
}

#[test]
fn rule_state_survives_reopening_globally_and_per_tenant() {
    use crate::rules::RuleScope;
    let dir = tempfile::tempdir().unwrap();
    let acme = TenantId::new("acme").unwrap();
    let acme_scope = RuleScope::Tenant(acme.clone());
    store(dir.path())
        .set_rule_enabled(&RuleScope::Global, "r1", false)
        .unwrap();
    store(dir.path())
        .set_rule_enabled(&acme_scope, "r2", false)
        .unwrap();
    let store = store(dir.path());
    let disabled = store.disabled_rules().unwrap();
    assert_eq!(disabled.global, HashSet::from(["r1".to_owned()]));
    assert_eq!(
        disabled.for_engine(Some(&acme)),
        HashSet::from(["r1".to_owned(), "r2".to_owned()])
    );
    assert_eq!(
        disabled.for_engine(Some(&TenantId::default())),
        disabled.global
    );
    store
        .set_rule_enabled(&RuleScope::Global, "r1", true)
        .unwrap();
    store.set_rule_enabled(&acme_scope, "r2", true).unwrap();
    let disabled = store.disabled_rules().unwrap();
    assert!(disabled.for_engine(Some(&acme)).is_empty());
}

#[test]
fn a_status_change_queues_one_finding_update_in_the_alerts_tenant_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let changes = store
        .record(&[finding("r1", 1, 1_000, "10.0.0.1")], Some(1))
        .unwrap();
    let id = changes[0].0.id.clone();
    assert_eq!(store.queued_findings(0, 10).unwrap().len(), 1, "the raise");
    let other = TenantId::new("rival").unwrap();
    let refused = store.set_status(&id, Some(&other), AlertStatus::Resolved);
    assert!(refused.unwrap().is_none(), "another tenant's alert");
    let (_, changed) = store
        .set_status(&id, Some(&TenantId::default()), AlertStatus::Resolved)
        .unwrap()
        .unwrap();
    assert!(changed);
    let (_, changed) = store
        .set_status(&id, None, AlertStatus::Resolved)
        .unwrap()
        .unwrap();
    assert!(!changed, "the same status again is no change");
    let queued = store.queued_findings(0, 10).unwrap();
    assert_eq!(queued.len(), 2, "{queued:?}");
    let update: serde_json::Value = serde_json::from_str(&queued[1].payload).unwrap();
    assert_eq!(
        (
            &update["activity_id"],
            &update["status_id"],
            &update["status"]
        ),
        (&2.into(), &4.into(), &"Resolved".into())
    );
    let statuses = store.statuses(&[id.as_str(), "999"]).unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[&id], AlertStatus::Resolved);
    assert!(store
        .set_status("999", None, AlertStatus::New)
        .unwrap()
        .is_none());
}
