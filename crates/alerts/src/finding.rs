//! What detection found, before the alert store folds it into an alert.

use palisade_core::{AlertKind, AlertLevel, Event, EventId, TenantId};
use std::collections::BTreeMap;

/// One rule firing: a detection rule on one event, or a correlation rule over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Whose events fired the rule.
    pub tenant: TenantId,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's title.
    pub rule_title: String,
    /// The rule's level.
    pub level: AlertLevel,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// Detection or correlation.
    pub kind: AlertKind,
    /// The events involved, earliest first.
    pub event_ids: Vec<EventId>,
    /// Time of the earliest event, epoch milliseconds.
    pub first_seen: i64,
    /// Time of the latest event, epoch milliseconds.
    pub last_seen: i64,
    /// Entities (host, user, addresses, correlation groups).
    pub entities: BTreeMap<String, String>,
    /// When the triggering event is itself a finding: the rules behind it
    /// ([`crate::ocsf::lineage_of`]), carried on so chains of rules cannot loop.
    pub lineage: Vec<String>,
}

impl Finding {
    /// A detection rule matched `event`.
    pub fn detection(rule: &palisade_detect::Rule, event: &Event) -> Finding {
        Finding {
            tenant: event.tenant.clone(),
            rule_id: rule.id.clone(),
            rule_title: rule.title.clone(),
            level: AlertLevel::parse(&rule.level).unwrap_or(AlertLevel::Medium),
            tags: rule.tags.clone(),
            kind: AlertKind::Detection,
            event_ids: vec![event.id],
            first_seen: event.time,
            last_seen: event.time,
            entities: entities_of(event),
            lineage: crate::ocsf::lineage_of(event),
        }
    }

    /// A correlation rule's condition held; `lineage` is that of the triggering event.
    pub fn correlation(
        alert: palisade_correlate::CorrelationAlert,
        lineage: Vec<String>,
    ) -> Finding {
        Finding {
            tenant: alert.tenant,
            rule_id: alert.rule_id,
            rule_title: alert.title,
            level: alert
                .level
                .as_deref()
                .and_then(AlertLevel::parse)
                .unwrap_or(AlertLevel::Medium),
            tags: alert.tags,
            kind: AlertKind::Correlation,
            event_ids: alert.event_ids,
            first_seen: alert.first_seen,
            last_seen: alert.last_seen,
            entities: entities_of_group(alert.group),
            lineage,
        }
    }

    /// The latest event that contributed: raising is idempotent per rule and this id.
    pub fn trigger(&self) -> EventId {
        self.event_ids.iter().copied().max().unwrap_or(0)
    }

    /// The suppression key of the entities: `name=value` pairs in name order.
    pub fn entity_key(&self) -> String {
        let mut key = String::new();
        for (name, value) in &self.entities {
            key.push_str(name);
            key.push('=');
            key.push_str(value);
            key.push('\n');
        }
        key
    }
}

/// Entity name and the event paths it is read from, the first present one winning.
const ENTITY_PATHS: &[(&str, &[&str])] = &[
    ("host", &["device.hostname"]),
    ("user", &["user.name", "actor.user.name"]),
    ("src_ip", &["src_endpoint.ip"]),
    ("dst_ip", &["dst_endpoint.ip"]),
];

/// The entities of a correlation group: each `group-by` field with its value, and under its
/// entity name too (`src_ip` for `src_endpoint.ip`, ...) so incidents group correlation
/// alerts by the same keys as detection alerts.
fn entities_of_group(group: Vec<(String, String)>) -> BTreeMap<String, String> {
    let mut entities = BTreeMap::new();
    for (field, value) in group {
        let entity = ENTITY_PATHS
            .iter()
            .find(|(_, paths)| paths.contains(&field.as_str()));
        if let Some((name, _)) = entity {
            entities
                .entry((*name).to_owned())
                .or_insert_with(|| value.clone());
        }
        entities.insert(field, value);
    }
    entities
}

/// The entities of an event: `host`, `user`, `src_ip`, `dst_ip`, those it has.
pub fn entities_of(event: &Event) -> BTreeMap<String, String> {
    ENTITY_PATHS
        .iter()
        .filter_map(|(name, paths)| {
            let value = paths.iter().find_map(|p| event.get(p))?.to_string();
            (!value.is_empty()).then(|| ((*name).to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_come_from_the_event_and_make_a_stable_key() {
        let mut e = Event::new(9, TenantId::default(), 5);
        e.set("device.hostname", "web01");
        e.set("actor.user.name", "alice");
        e.set("src_endpoint.ip", "10.0.0.7");
        let entities = entities_of(&e);
        assert_eq!(entities["host"], "web01");
        assert_eq!(entities["user"], "alice");
        assert_eq!(entities["src_ip"], "10.0.0.7");
        assert!(!entities.contains_key("dst_ip"));
        e.set("user.name", "root");
        assert_eq!(entities_of(&e)["user"], "root", "the target user wins");
    }

    #[test]
    fn correlation_groups_also_name_their_entities() {
        let group = vec![
            ("src_endpoint.ip".to_owned(), "10.0.0.7".to_owned()),
            ("service".to_owned(), "ssh".to_owned()),
        ];
        let entities = entities_of_group(group);
        assert_eq!(entities["src_ip"], "10.0.0.7");
        assert_eq!(entities["src_endpoint.ip"], "10.0.0.7");
        assert_eq!(entities["service"], "ssh");
        assert_eq!(entities.len(), 3);
    }
}
