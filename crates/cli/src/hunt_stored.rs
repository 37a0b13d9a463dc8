//! `palisade hunt --rules R --from T --to T`: run Sigma rules over events a server stored.
//!
//! The events are read page by page through the search API (`GET /api/v1/events`, narrowed
//! by an optional query), turned back into canonical events and matched here, so rules can
//! be tried on past data without installing them in the server.

use crate::client::{Client, ServerArgs};
use palisade_core::{Event, TenantId};
use serde_json::Value;

/// Events fetched per page.
const PAGE: &str = "5000";

/// Where and what to hunt.
pub struct StoredRange<'a> {
    /// The server.
    pub server: &'a ServerArgs,
    /// Start of the time range.
    pub from: &'a str,
    /// End of the time range (exclusive).
    pub to: &'a str,
    /// A search query narrowing the events (empty: all).
    pub query: &'a str,
    /// Tenant (provider administrators: a name or `*`).
    pub tenant: Option<&'a str>,
}

/// Calls `each` with every stored event of the range, oldest page first; returns how many.
pub fn for_each_event(
    range: &StoredRange<'_>,
    mut each: impl FnMut(&Event) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let client = Client::new(range.server)?;
    let mut cursor: Option<String> = None;
    let mut count = 0u64;
    loop {
        let mut query: Vec<(&str, &str)> = vec![
            ("q", range.query),
            ("from", range.from),
            ("to", range.to),
            ("limit", PAGE),
        ];
        if let Some(tenant) = range.tenant {
            query.push(("tenant", tenant));
        }
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let page = client.get("/api/v1/events", &query)?;
        for json in page["events"].as_array().into_iter().flatten() {
            if let Some(event) = event_from_ocsf(json) {
                count += 1;
                each(&event)?;
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(count),
        }
    }
}

/// The canonical event of an OCSF JSON object as the search API returns it (`time`,
/// `metadata.uid`, `metadata.tenant_uid` and every field); `None` without those three.
pub fn event_from_ocsf(json: &Value) -> Option<Event> {
    let id = json["metadata"]["uid"].as_str()?.parse().ok()?;
    let tenant = TenantId::new(json["metadata"]["tenant_uid"].as_str()?).ok()?;
    let time = json["time"].as_i64()?;
    let mut fields = json.clone();
    let object = fields.as_object_mut()?;
    object.remove("time");
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("uid");
        metadata.remove("tenant_uid");
    }
    let mut event = Event::new(id, tenant, time);
    event.set_json("", &fields);
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocsf_json_turns_back_into_the_same_event() {
        let mut original = Event::new(42, TenantId::new("acme").unwrap(), 1_000);
        original.set("device.hostname", "web01");
        original.set("metadata.product.name", "sshd");
        original.set("attacks.0.technique.uid", "T1110");
        original.set("status_id", 2i64);
        let back = event_from_ocsf(&original.to_ocsf_json()).unwrap();
        assert_eq!((back.id, back.time), (42, 1_000));
        assert_eq!(back.tenant.as_str(), "acme");
        for (path, value) in &original.fields {
            assert_eq!(back.get(path), Some(value), "{path}");
        }
        assert_eq!(
            back.fields.len(),
            original.fields.len(),
            "{:?}",
            back.fields
        );
        assert!(event_from_ocsf(&serde_json::json!({"time": 1})).is_none());
    }
}
