//! Which incident an alert is in: the console's alert queue shows each alert's status as the
//! state of its incident.

use crate::{error::Result, manager::IncidentManager, model::IncidentState};
use palisade_state::rusqlite::{params, OptionalExtension};
use std::collections::HashMap;

impl IncidentManager {
    /// The incident (id and state) each of `alert_ids` is linked to, for those linked to one
    /// in `tenant` (`None`: any tenant). An alert whose incident was merged answers the
    /// incident it was merged into.
    pub fn incidents_of_alerts(
        &self,
        alert_ids: &[String],
        tenant: Option<&str>,
    ) -> Result<HashMap<String, (i64, IncidentState)>> {
        let found = self.inner.store.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT i.id, i.state FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id
                 WHERE a.alert_id = ?1 AND (?2 IS NULL OR i.tenant = ?2)
                 ORDER BY i.merged_into IS NOT NULL, i.id DESC LIMIT 1",
            )?;
            let mut out = HashMap::new();
            for alert in alert_ids {
                let row: Option<(i64, String)> = stmt
                    .query_row(params![alert, tenant], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((id, state)) = row {
                    out.insert(alert.clone(), (id, state));
                }
            }
            Ok(out)
        })?;
        Ok(found
            .into_iter()
            .filter_map(|(alert, (id, state))| Some((alert, (id, IncidentState::parse(&state)?))))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::{
        incident_config::IncidentConfig, Alert, AlertChange, AlertKind, AlertLevel, TenantId,
    };
    use palisade_state::StateStore;
    use std::sync::Arc;

    fn alert(id: &str, tenant: &str) -> Alert {
        Alert {
            id: id.into(),
            tenant: TenantId::new(tenant).unwrap(),
            rule_id: "r1".into(),
            rule_title: "Brute force".into(),
            level: AlertLevel::High,
            tags: vec![],
            kind: AlertKind::Detection,
            event_ids: vec![1],
            first_seen: 1_000,
            last_seen: 2_000,
            count: 1,
            entities: [("host".to_owned(), "web01".to_owned())].into(),
        }
    }

    #[test]
    fn an_alert_answers_its_incident_within_its_tenant_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(StateStore::open(&dir.path().join("state.db")).unwrap());
        let manager = IncidentManager::start(store, IncidentConfig::default()).unwrap();
        let incident = manager
            .ingest(&alert("a1", "acme"), AlertChange::Raised)
            .unwrap();
        let ids = vec!["a1".to_owned(), "unknown".to_owned()];
        let found = manager.incidents_of_alerts(&ids, Some("acme")).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found["a1"], (incident, IncidentState::New));
        assert!(manager
            .incidents_of_alerts(&ids, Some("beta"))
            .unwrap()
            .is_empty());
        assert_eq!(manager.incidents_of_alerts(&ids, None).unwrap().len(), 1);
    }
}
