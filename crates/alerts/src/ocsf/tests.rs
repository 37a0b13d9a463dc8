use super::*;
use palisade_core::TenantId;
use std::collections::BTreeMap;

fn alert() -> Alert {
    Alert {
        id: "42".into(),
        tenant: TenantId::new("acme").unwrap(),
        rule_id: "rule-1".into(),
        rule_title: "SSH brute force".into(),
        level: AlertLevel::High,
        tags: vec![
            "attack.credential_access".into(),
            "attack.t1110.001".into(),
            "attack.t1078".into(),
            "cve.2021-44228".into(),
        ],
        kind: AlertKind::Correlation,
        event_ids: vec![7, 9],
        first_seen: 1_000,
        last_seen: 2_000,
        count: 3,
        entities: BTreeMap::from([
            ("src_ip".to_owned(), "203.0.113.5".to_owned()),
            ("src_endpoint.ip".to_owned(), "203.0.113.5".to_owned()),
            ("service".to_owned(), "ssh".to_owned()),
        ]),
    }
}

#[test]
fn an_alert_becomes_a_detection_finding() {
    let f = detection_finding(&alert(), &[], FindingActivity::Create, (1, "New"), 5_000);
    assert_eq!(f["class_uid"], 2004);
    assert_eq!(f["category_uid"], 2);
    assert_eq!(f["type_uid"], 200401);
    assert_eq!(f["severity_id"], 4);
    assert_eq!(f["status_id"], 1);
    assert_eq!(f["time"], 2_000);
    assert_eq!(f["finding_info"]["uid"], "42");
    assert_eq!(f["finding_info"]["title"], "SSH brute force");
    assert_eq!(f["finding_info"]["types"][0], "Sigma correlation");
    assert_eq!(f["finding_info"]["analytic"]["uid"], "rule-1");
    assert_eq!(f["finding_info"]["analytic"]["type_id"], 1);
    assert_eq!(f["finding_info"]["related_events"][1]["uid"], "9");
    assert!(f["finding_info"].get("related_analytics").is_none());
    assert_eq!(f["metadata"]["product"]["name"], "Palisade");
    let attacks = f["attacks"].as_array().unwrap();
    assert_eq!(attacks.len(), 2, "{attacks:?}");
    assert_eq!(attacks[0]["technique"]["uid"], "T1110");
    assert_eq!(attacks[0]["sub_technique"]["uid"], "T1110.001");
    assert_eq!(attacks[0]["tactic"]["uid"], "TA0006");
    assert_eq!(attacks[1]["technique"]["uid"], "T1078");
    let observables = f["observables"].as_array().unwrap();
    assert_eq!(observables.len(), 2, "the IP once, the group field once");
    assert!(observables
        .iter()
        .any(|o| o["name"] == "src_endpoint.ip" && o["type_id"] == 2));
    assert!(observables
        .iter()
        .any(|o| o["name"] == "service" && o["type_id"] == 99));
    assert_eq!(f["evidences"][0]["src_endpoint"]["ip"], "203.0.113.5");

    let update = detection_finding(
        &alert(),
        &[],
        FindingActivity::Update,
        (4, "Resolved"),
        5_000,
    );
    assert_eq!(
        (update["type_uid"].clone(), update["time"].clone()),
        (200402.into(), 5_000.into())
    );
}

#[test]
fn tactics_alone_give_one_attack_each() {
    let tags = [
        "attack.initial_access".to_owned(),
        "attack.impact".to_owned(),
    ];
    let by_tactic = attacks(&tags);
    assert_eq!(by_tactic.len(), 2);
    assert_eq!(by_tactic[1]["tactic"]["name"], "Impact");
    assert!(attacks(&["attack.t11".to_owned(), "attack.g0016".to_owned()]).is_empty());
}

#[test]
fn the_lineage_of_a_finding_event_names_every_rule_behind_it() {
    let f = detection_finding(
        &alert(),
        &["rule-0".to_owned()],
        FindingActivity::Create,
        (1, "New"),
        5_000,
    );
    let mut event = Event::new(1, TenantId::default(), 0);
    event.set_json("", &f);
    assert_eq!(lineage_of(&event), ["rule-1", "rule-0"]);
    let mut plain = Event::new(2, TenantId::default(), 0);
    plain.set("finding_info.analytic.uid", "rule-1");
    assert!(
        lineage_of(&plain).is_empty(),
        "only findings have a lineage"
    );
}
