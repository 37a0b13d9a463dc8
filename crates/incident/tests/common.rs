//! Shared helpers of the incident tests: a manager on a fresh state store, alerts.

use palisade_core::{incident_config::IncidentConfig, Alert, AlertKind, AlertLevel, TenantId};
use palisade_incident::IncidentManager;
use palisade_state::StateStore;
use std::{collections::BTreeMap, path::Path, sync::Arc};

/// A manager over the state store in `dir`.
pub fn manager(dir: &Path, config: IncidentConfig) -> Arc<IncidentManager> {
    let store = Arc::new(StateStore::open(&palisade_state::state_path(dir)).unwrap());
    IncidentManager::start(store, config).unwrap()
}

/// An alert of `rule` on `host` from `src_ip` at time `t`.
pub fn alert(id: &str, rule: &str, host: &str, src_ip: &str, level: AlertLevel, t: i64) -> Alert {
    let mut entities = BTreeMap::new();
    entities.insert("host".to_owned(), host.to_owned());
    entities.insert("src_ip".to_owned(), src_ip.to_owned());
    entities.insert("user".to_owned(), "root".to_owned());
    Alert {
        id: id.to_owned(),
        tenant: TenantId::default(),
        rule_id: rule.to_owned(),
        rule_title: format!("Rule {rule}"),
        level,
        tags: vec!["attack.t1110".into()],
        kind: AlertKind::Detection,
        event_ids: vec![1, 2],
        first_seen: t,
        last_seen: t,
        count: 1,
        entities,
    }
}

/// Waits up to 10 s for `check` to hold.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}
