//! Helpers shared by the store tests.
#![allow(dead_code)]

use palisade_core::{config::StorageConfig, Event, IdentitySealer, TenantId};
use palisade_store::{EventStore, SearchRequest};
use std::{path::Path, sync::Arc};

pub mod refusing_sealer;

/// 2024-11-23T08:20:00Z.
pub const T0: i64 = 1_732_350_000_000;
/// One day in milliseconds.
pub const DAY: i64 = 86_400_000;

/// Small blocks so that tests cover several blocks per segment.
pub fn config() -> StorageConfig {
    StorageConfig {
        block_events: 64,
        ..StorageConfig::default()
    }
}

/// Opens a store with the identity sealer.
pub fn open(dir: &Path, cfg: &StorageConfig) -> EventStore {
    EventStore::open(dir, cfg, Arc::new(IdentitySealer)).unwrap()
}

/// An sshd-like event; the source address is `10.0.<id/256>.<id%256>`.
pub fn event(id: u64, tenant: &str, time: i64) -> Event {
    let mut e = Event::new(id, TenantId::new(tenant).unwrap(), time);
    let ip = format!("10.0.{}.{}", id / 256, id % 256);
    let host = format!("web{:02}", id % 7);
    let msg = format!("Failed password for root from {ip} port 22 ssh2");
    e.set(
        "raw_data",
        format!("<38>Nov 23 08:20:00 {host} sshd[1]: {msg}"),
    );
    e.set("message", msg);
    e.set("device.hostname", host);
    e.set("src_endpoint.ip", ip);
    e.set("severity_id", (id % 5) as i64);
    if id.is_multiple_of(3) {
        e.set("status_id", 2i64);
    }
    e
}

/// A request for everything of one tenant, `query` parsed with the query language.
pub fn request(tenant: Option<&str>, query: &str, limit: usize) -> SearchRequest {
    SearchRequest {
        tenant: tenant.map(|t| TenantId::new(t).unwrap()),
        filter: palisade_query::parse(query).unwrap().filter,
        from_ms: None,
        to_ms: None,
        limit,
        cursor: None,
    }
}

/// Every page of a search, following cursors; returns the ids in the order returned.
pub fn all_pages(store: &EventStore, mut req: SearchRequest) -> Vec<u64> {
    let mut ids = Vec::new();
    loop {
        let page = store.search(&req).unwrap();
        ids.extend(page.events.iter().map(|e| e.id));
        match page.next_cursor {
            Some(c) => req.cursor = Some(c.to_string().parse().unwrap()),
            None => return ids,
        }
    }
}
