//! The overview (`/console/`): the wall-screen page. Each panel appears only when the
//! signed-in roles hold the permission of the API route it summarises. The panels are
//! rendered on their own ([`live_panels`]) so the server-sent events of `/console/live` can
//! push them again every few seconds.

use super::{data, html, session_of, soc};
use crate::api::ApiState;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::{
    chart::{histogram, Bar},
    pages::{live::OverviewLive, CountRow, OverviewPage, Tile},
    Template,
};
use palisade_core::{time::now_ms, TenantId};
use palisade_iam::{role::Permission, Identity};
use serde::Deserialize;
use std::sync::Arc;

/// The window the lists and totals cover.
const WINDOW_MS: i64 = soc::WINDOW_MS;
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

/// Runs `work` on a blocking thread, turning a panic or an error into its message.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
}

/// A tile saying a panel could not be drawn.
fn unavailable(label: &str, why: String) -> Tile {
    Tile {
        label: label.into(),
        value: "unavailable".into(),
        note: why,
        tone: "bad",
    }
}

/// The overview's panels for `identity`, as they are now.
pub(super) async fn live_panels(state: Arc<ApiState>, identity: &Identity) -> OverviewLive {
    let now = now_ms();
    let mut tiles = Vec::new();
    let (mut rate_chart, mut sources, mut hosts) = (None, Vec::new(), Vec::new());
    let scope = (!identity.is_operator()).then(|| identity.tenant.clone());
    let mut live = soc_panels(&state, identity, scope.clone(), now, &mut tiles).await;
    if identity.can(Permission::EventsSearch) {
        let tenant = scope;
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
    live.tiles = tiles;
    live.rate_chart = rate_chart;
    live.sources = sources;
    live.hosts = hosts;
    live.window = "last 24 h".into();
    live.drawn_at = data::when(now);
    live
}

/// The security panels the roles may see; their tiles go to `tiles`.
async fn soc_panels(
    state: &Arc<ApiState>,
    identity: &Identity,
    scope: Option<TenantId>,
    now: i64,
    tiles: &mut Vec<Tile>,
) -> OverviewLive {
    let mut live = OverviewLive {
        tiles: Vec::new(),
        alert_levels: None,
        incident_levels: None,
        alert_trend: None,
        rate_chart: None,
        sources: Vec::new(),
        hosts: Vec::new(),
        users: Vec::new(),
        addresses: Vec::new(),
        silent: None,
        window: String::new(),
        drawn_at: String::new(),
    };
    if identity.can(Permission::IncidentsRead) {
        let (reader, tenant) = (state.clone(), scope.clone());
        match off_thread(move || soc::incident_panel(&reader, tenant)).await {
            Ok(levels) => {
                let open: u64 = levels.iter().map(|l| l.count).sum();
                let serious: u64 = levels.iter().take(2).map(|l| l.count).sum();
                tiles.push(Tile {
                    label: "Open incidents".into(),
                    value: data::grouped(open),
                    note: format!("{} critical or high", data::grouped(serious)),
                    tone: if serious > 0 {
                        "bad"
                    } else if open > 0 {
                        "warn"
                    } else {
                        "ok"
                    },
                });
                live.incident_levels = Some(levels);
            }
            Err(e) => tiles.push(unavailable("Open incidents", e)),
        }
    }
    if identity.can(Permission::AlertsRead) {
        let (reader, tenant) = (state.clone(), scope.clone());
        match off_thread(move || soc::alert_panels(&reader, tenant, now)).await {
            Ok((levels, trend, total)) => {
                tiles.push(Tile {
                    label: "Alerts, 24 h".into(),
                    value: data::grouped(total as u64),
                    note: format!(
                        "{} critical or high",
                        data::grouped(levels.iter().take(2).map(|l| l.count).sum())
                    ),
                    tone: "",
                });
                live.alert_levels = Some(levels);
                live.alert_trend = Some(trend);
            }
            Err(e) => tiles.push(unavailable("Alerts", e)),
        }
    }
    if identity.can(Permission::EventsSearch) {
        let reader = state.clone();
        match off_thread(move || soc::entity_panels(&reader, scope, now)).await {
            Ok(panels) => {
                live.users = panels.users;
                live.addresses = panels.addresses;
                live.silent = Some(panels.silent);
            }
            Err(e) => tiles.push(unavailable("Users and addresses", e)),
        }
    }
    live
}

/// The overview's query: `?wall=1` for large type.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewForm {
    #[serde(default)]
    wall: String,
}

/// `GET /console/`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(form): Query<OverviewForm>,
) -> Response {
    let live = match live_panels(state, &identity).await.render() {
        Ok(text) => text,
        Err(e) => {
            return crate::api::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("console page failed to render: {e}"),
            )
        }
    };
    let page = OverviewPage {
        session: session_of(&identity, &headers, "/console/"),
        wall: matches!(form.wall.as_str(), "1" | "true" | "yes"),
        live,
    };
    html(StatusCode::OK, &page)
}
