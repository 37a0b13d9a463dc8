//! The overview (`/console/`): the wall-screen page. Each panel appears only when the
//! signed-in roles hold the permission of the API route it summarises.

use super::{data, html, session_of};
use crate::api::ApiState;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::{
    chart::{histogram, Bar},
    pages::{CountRow, OverviewPage, Tile},
};
use palisade_core::{time::now_ms, TenantId};
use palisade_iam::{role::Permission, Identity};
use std::sync::Arc;

/// The window the lists and totals cover.
const WINDOW_MS: i64 = 24 * 3_600_000;
/// The window of the event-rate chart, in one-minute buckets.
const RATE_WINDOW_MS: i64 = 60 * 60_000;
/// How many sources and hosts are listed.
const TOP: usize = 10;

/// What the event store says about the tenant.
struct EventPanels {
    per_minute: Vec<(i64, u64)>,
    total: u64,
    sources: Vec<(String, u64)>,
    hosts: Vec<(String, u64)>,
}

fn event_panels(
    state: &ApiState,
    tenant: Option<TenantId>,
    now: i64,
) -> Result<EventPanels, String> {
    let store = state.pipeline.store();
    let all = data::everything()?;
    let day = (now - WINDOW_MS, None);
    let hour = (now - RATE_WINDOW_MS, None);
    let per_minute = data::aggregate(
        store,
        tenant.clone(),
        all.clone(),
        hour,
        &data::pipe("timechart 1m count()")?,
    )?;
    let sources = data::aggregate(
        store,
        tenant.clone(),
        all.clone(),
        day,
        &data::pipe("stats count() by metadata.log_name")?,
    )?;
    let hosts = data::aggregate(
        store,
        tenant.clone(),
        all.clone(),
        day,
        &data::pipe("stats count() by device.hostname")?,
    )?;
    let total = data::aggregate(store, tenant, all, day, &data::pipe("stats count()")?)?;
    let top = |t| data::ranked(t).into_iter().take(TOP).collect();
    Ok(EventPanels {
        per_minute: data::buckets(&per_minute),
        total: total
            .rows
            .first()
            .and_then(|r| r.last()?.as_u64())
            .unwrap_or(0),
        sources: top(&sources),
        hosts: top(&hosts),
    })
}

/// One bar per minute of the last hour, gaps filled with zero.
fn minute_bars(per_minute: &[(i64, u64)], now: i64) -> Vec<Bar> {
    let last = now - now.rem_euclid(60_000);
    (0..60)
        .rev()
        .map(|back| {
            let start = last - back * 60_000;
            let count = per_minute.iter().find(|b| b.0 == start).map_or(0, |b| b.1);
            let label = data::when(start);
            Bar {
                label: label.get(11..16).unwrap_or(&label).to_owned(),
                count,
            }
        })
        .collect()
}

/// Events received since the node started, summed over every source's counter.
fn received_total(state: &ApiState) -> u64 {
    state
        .pipeline
        .metrics()
        .render(Default::default())
        .lines()
        .filter(|l| l.starts_with("palisade_events_received_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// `GET /console/`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
) -> Response {
    let now = now_ms();
    let mut tiles = Vec::new();
    let (mut rate_chart, mut sources, mut hosts) = (None, Vec::new(), Vec::new());
    if identity.can(Permission::EventsSearch) {
        let tenant = (!identity.is_operator()).then(|| identity.tenant.clone());
        let reader = state.clone();
        let panels = tokio::task::spawn_blocking(move || event_panels(&reader, tenant, now))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
        match panels {
            Ok(p) => {
                let bars = minute_bars(&p.per_minute, now);
                let last_minute = bars.iter().rev().nth(1).map_or(0, |b| b.count);
                let hour: u64 = bars.iter().map(|b| b.count).sum();
                tiles.push(Tile {
                    label: "Events / min".into(),
                    value: data::grouped(last_minute),
                    note: format!("last full minute; {} in the last hour", data::grouped(hour)),
                    tone: "",
                });
                tiles.push(Tile {
                    label: "Events, 24 h".into(),
                    value: data::grouped(p.total),
                    note: format!("{} sources, {} hosts", p.sources.len(), p.hosts.len()),
                    tone: "",
                });
                rate_chart = Some(histogram("Events per minute, last hour", &bars));
                sources = CountRow::ranked(p.sources);
                hosts = CountRow::ranked(p.hosts);
            }
            Err(e) => tiles.push(Tile {
                label: "Events".into(),
                value: "unavailable".into(),
                note: e,
                tone: "bad",
            }),
        }
    }
    if identity.can(Permission::Metrics) {
        tiles.push(Tile {
            label: "Received (node)".into(),
            value: data::grouped(received_total(&state)),
            note: "every tenant, since start".into(),
            tone: "",
        });
    }
    if identity.can(Permission::KmsStatus) {
        let s = state.kms.kms.status();
        tiles.push(Tile {
            label: "Key service".into(),
            value: if s.sealed { "sealed" } else { "unsealed" }.into(),
            note: format!("{} seal, {} of {} shares", s.seal, s.progress, s.threshold),
            tone: if s.sealed { "bad" } else { "ok" },
        });
    }
    if identity.can(Permission::AuditRead) {
        let head = state.audit_log.tree_head();
        tiles.push(Tile {
            label: "Audit tree".into(),
            value: data::grouped(head.tree_size),
            note: format!(
                "records; root {}… signed {}",
                head.root_hash.get(..12).unwrap_or(&head.root_hash),
                data::when(head.timestamp_ms)
            ),
            tone: "ok",
        });
    }
    let page = OverviewPage {
        session: session_of(&identity, &headers, "/console/"),
        tiles,
        rate_chart,
        sources,
        hosts,
        window: "last 24 h".into(),
        drawn_at: data::when(now),
    };
    html(StatusCode::OK, &page)
}
