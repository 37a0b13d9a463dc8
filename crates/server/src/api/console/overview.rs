//! The overview (`/console/`): the wall-screen page. Each panel appears only when the
//! signed-in roles hold the permission of the API route it summarises. The panels are
//! rendered on their own ([`live_panels`]) so the server-sent events of `/console/live` can
//! push them again every few seconds.

use super::{data, html, session_of, soc};
use crate::{api::ApiState, summary::Summary};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::{
    chart::{histogram, Bar},
    pages::{
        live::{OverviewLive, SilentSource},
        CountRow, OverviewPage, Tile,
    },
    Template,
};
use palisade_core::{time::now_ms, TenantId};
use palisade_iam::{role::Permission, Identity};
use serde::Deserialize;
use std::sync::Arc;

/// How many sources, hosts, users and addresses are listed.
const TOP: usize = 10;

/// The `TOP` first of a ranked list, as table rows.
fn top(ranked: impl IntoIterator<Item = (String, u64)>) -> Vec<CountRow> {
    CountRow::ranked(ranked.into_iter().take(TOP).collect())
}

/// The event numbers of `scope` (`None`: every tenant), caught up with the store.
async fn event_summary(
    state: &Arc<ApiState>,
    scope: Option<TenantId>,
    now: i64,
) -> Result<Summary, String> {
    let reader = state.clone();
    off_thread(move || {
        let store = reader.pipeline.store();
        reader.event_summary.current(store, scope.as_ref(), now)
    })
    .await
}

/// The panels the event counters feed: the rate and 24-hour tiles, the rate chart, the top
/// lists and the silent hosts.
fn event_panels(live: &mut OverviewLive, tiles: &mut Vec<Tile>, summary: Summary, now: i64) {
    let bars = minute_bars(&summary.per_minute, now);
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
        value: data::grouped(summary.total),
        note: format!(
            "{} sources, {} hosts",
            summary.sources.len(),
            summary.hosts.len()
        ),
        tone: "",
    });
    live.rate_chart = Some(histogram("Events per minute, last hour", &bars));
    live.sources = top(summary.sources.into_iter().map(|s| (s.name, s.day)));
    live.hosts = top(summary.hosts);
    live.users = top(summary.users);
    live.addresses = top(summary.addresses);
    live.silent = Some(
        summary
            .silent
            .into_iter()
            .take(TOP)
            .map(|host| SilentSource {
                name: host.name,
                last_seen: data::when(host.last_active),
                events: host.events,
            })
            .collect(),
    );
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
    let scope = (!identity.is_operator()).then(|| identity.tenant.clone());
    let mut live = soc_panels(&state, identity, scope.clone(), now, &mut tiles).await;
    if identity.can(Permission::EventsSearch) {
        match event_summary(&state, scope, now).await {
            Ok(summary) => event_panels(&mut live, &mut tiles, summary, now),
            Err(e) => tiles.push(unavailable("Events", e)),
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
        let (reader, tenant) = (state.clone(), scope);
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
