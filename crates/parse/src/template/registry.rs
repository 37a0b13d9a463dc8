//! One miner per tenant, fed with the events no parser understood.

use super::{MinerConfig, TemplateMiner};
use compact_str::ToCompactString;
use palisade_core::{fields, Event, TenantId, Text, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// Field holding an unparsed event's template id (16 hexadecimal digits).
pub const TEMPLATE_ID: &str = "metadata.template_id";
/// Field holding an unparsed event's template text, as it stood when the event was mined.
pub const TEMPLATE: &str = "metadata.template";

/// The most templates one tenant's miner keeps; past it, lines matching none get no template.
pub const MAX_TEMPLATES_PER_TENANT: usize = 10_000;

/// A template as listed by the API and the CLI.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSummary {
    /// The stable id, as in `metadata.template_id`.
    pub id: String,
    /// The template text.
    pub template: String,
    /// How many lines it has taken since the server started.
    pub count: u64,
    /// The content of the first line it took.
    pub example: String,
}

/// Per-tenant template miners. Tenants never share templates.
#[derive(Default)]
pub struct TemplateRegistry {
    miners: Mutex<HashMap<TenantId, TemplateMiner>>,
}

impl TemplateRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives every event marked `unparsed` its template: mines its message with its tenant's
    /// miner and sets [`TEMPLATE_ID`] and [`TEMPLATE`]. Other events are left alone.
    pub fn annotate(&self, events: &mut [Event]) {
        if !events.iter().any(is_unparsed) {
            return;
        }
        let mut miners = self.miners.lock().unwrap_or_else(|e| e.into_inner());
        for event in events.iter_mut().filter(|e| is_unparsed(e)) {
            let miner = miners.entry(event.tenant.clone()).or_insert_with(|| {
                TemplateMiner::new(MinerConfig {
                    max_templates: MAX_TEMPLATES_PER_TENANT,
                    ..MinerConfig::default()
                })
            });
            let message = event.get_str(fields::MESSAGE).unwrap_or_default();
            let Some(mined) = miner.mine(message) else {
                continue;
            };
            // Sixteen hexadecimal digits fit inline in a `Text`: no allocation per event.
            let id = mined.template.id().to_compact_string();
            let text = Text::from(mined.template.text());
            event.set(TEMPLATE_ID, id);
            event.set(TEMPLATE, text);
        }
    }

    /// A tenant's templates, most frequent first.
    pub fn list(&self, tenant: &TenantId) -> Vec<TemplateSummary> {
        let miners = self.miners.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<TemplateSummary> = miners
            .get(tenant)
            .map(|miner| {
                miner
                    .templates()
                    .map(|t| TemplateSummary {
                        id: t.id().to_string(),
                        template: t.text().to_owned(),
                        count: t.count(),
                        example: t.example().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

fn is_unparsed(event: &Event) -> bool {
    matches!(event.get(fields::UNPARSED), Some(Value::Bool(true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unparsed(tenant: &str, message: &str) -> Event {
        let mut event = Event::new(1, TenantId::new(tenant).unwrap(), 0);
        event.set(fields::MESSAGE, message);
        event.set(fields::UNPARSED, true);
        event
    }

    #[test]
    fn unparsed_events_get_their_tenants_template_and_parsed_ones_nothing() {
        let registry = TemplateRegistry::new();
        let mut parsed = Event::new(9, TenantId::default(), 0);
        parsed.set(fields::MESSAGE, "disk 1 full");
        let mut events = vec![
            unparsed("a", "disk 1 full"),
            unparsed("a", "disk 2 full"),
            unparsed("b", "disk 3 full"),
            parsed,
        ];
        registry.annotate(&mut events);
        let id = events[0].get_str(TEMPLATE_ID).unwrap().to_owned();
        assert_eq!(events[1].get_str(TEMPLATE_ID), Some(id.as_str()));
        assert_eq!(events[1].get_str(TEMPLATE), Some("disk <*> full"));
        assert!(events[2].get_str(TEMPLATE_ID).is_some());
        assert_eq!(events[3].get(TEMPLATE_ID), None);
        let listed = registry.list(&TenantId::new("a").unwrap());
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].id.as_str(), listed[0].count), (id.as_str(), 2));
        assert_eq!(listed[0].example, "disk 1 full");
        assert_eq!(registry.list(&TenantId::new("b").unwrap())[0].count, 1);
        assert!(registry.list(&TenantId::new("c").unwrap()).is_empty());
    }
}
