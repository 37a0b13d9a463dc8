//! The search page (`/console/search`): the query language over a time range, results
//! newest first with the raw and normalised event behind each row, a histogram of matches,
//! `stats`/`timechart` results as a table, and exports (JSON through the API, CSV here).

use super::{data, facets, html, session_of};
use crate::api::ApiState;
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use palisade_console::{
    barchart,
    chart::{histogram, Bar},
    pages::{EventRow, ResultTable, SearchPage},
};
use palisade_core::{fields, time::now_ms, Event};
use palisade_iam::Identity;
use palisade_store::SearchRequest;
use serde::Deserialize;
use std::sync::Arc;

/// Rows shown on the page.
const PAGE_ROWS: usize = 100;
/// Rows in a CSV export.
const EXPORT_ROWS: usize = 10_000;
/// Bars in the histogram.
const BARS: i64 = 60;
/// Newest matches the facets are counted over.
const FACET_SAMPLE: usize = 1_000;
/// Bars in a `stats` chart.
const STATS_BARS: usize = 30;

/// The search form.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    from: Option<String>,
    #[serde(default)]
    to: String,
}

/// A validated search: filter, pipe and the time range in epoch ms.
struct Plan {
    query: palisade_query::Query,
    from: i64,
    to: Option<i64>,
}

fn plan(form: &SearchForm, now: i64) -> Result<Plan, String> {
    let query = palisade_query::parse(&form.q).map_err(|e| e.to_string())?;
    let from_text = form.from.as_deref().unwrap_or("now-24h");
    let from = palisade_core::time::parse_time(from_text, now).map_err(|e| format!("from: {e}"))?;
    let to = match form.to.trim() {
        "" => None,
        text => Some(palisade_core::time::parse_time(text, now).map_err(|e| format!("to: {e}"))?),
    };
    if to.is_some_and(|to| to <= from) {
        return Err("the range is empty: `to` must be after `from`".into());
    }
    Ok(Plan { query, from, to })
}

/// The events of the caller's tenant matching the plan, newest first.
fn events(
    state: &ApiState,
    identity: &Identity,
    plan: &Plan,
    limit: usize,
) -> Result<Vec<Event>, String> {
    let req = SearchRequest {
        tenant: Some(identity.tenant.clone()),
        filter: plan.query.filter.clone(),
        from_ms: Some(plan.from),
        to_ms: plan.to,
        limit,
        cursor: None,
    };
    state
        .pipeline
        .store()
        .search(&req)
        .map(|p| p.events)
        .map_err(|e| e.to_string())
}

/// What the page shows below the form.
#[derive(Default)]
struct Outcome {
    events: Vec<EventRow>,
    table: Option<ResultTable>,
    stats_chart: Option<String>,
    facets: Vec<palisade_console::pages::Facet>,
    histogram: Option<String>,
    summary: String,
}

/// Runs the search; `q` and `links` (`&from=…`) build the facets' links.
fn run(
    state: &ApiState,
    identity: &Identity,
    plan: &Plan,
    now: i64,
    (q, links): (&str, &str),
) -> Result<Outcome, String> {
    let tenant = Some(identity.tenant.clone());
    let range = (plan.from, plan.to);
    if let Some(pipe) = &plan.query.pipe {
        let table = data::aggregate(
            state.pipeline.store(),
            tenant,
            plan.query.filter.clone(),
            range,
            pipe,
        )?;
        let stats = matches!(pipe, palisade_query::Pipe::Stats { .. });
        return Ok(Outcome {
            stats_chart: stats
                .then(|| barchart::horizontal("Counts", &facets::stats_bars(&table, STATS_BARS))),
            summary: format!("{} rows", table.rows.len()),
            table: Some(ResultTable {
                columns: table.columns.clone(),
                rows: table
                    .rows
                    .iter()
                    .map(|r| r.iter().map(data::cell).collect())
                    .collect(),
            }),
            ..Outcome::default()
        });
    }
    let end = plan.to.unwrap_or(now);
    let span_s = ((end - plan.from) / BARS / 1000).max(1);
    let span_ms = span_s * 1000;
    let counts = match_counts(state, tenant, plan, span_s)?;
    let first = plan.from - plan.from.rem_euclid(span_ms);
    let bars: Vec<Bar> = (0..)
        .map(|i| first + i * span_ms)
        .take_while(|start| *start < end)
        .map(|start| Bar {
            label: data::when(start),
            count: counts.iter().find(|b| b.0 == start).map_or(0, |b| b.1),
        })
        .collect();
    let matches: u64 = counts.iter().map(|b| b.1).sum();
    let sample = events(state, identity, plan, FACET_SAMPLE)?;
    let found = &sample[..sample.len().min(PAGE_ROWS)];
    Ok(Outcome {
        summary: format!(
            "{} matches, newest {} shown",
            data::grouped(matches),
            found.len()
        ),
        histogram: Some(histogram("Matches over time", &bars)),
        events: found.iter().map(|event| row(event, true)).collect(),
        facets: facets::facets(&sample, q, links),
        table: None,
        stats_chart: None,
    })
}

/// Matches per bucket of `span_s` seconds, as `(bucket start, count)`. The default query
/// (`*`) is counted from the store's block metadata, without reading the events; any other
/// filter is a `timechart` over its matches.
fn match_counts(
    state: &ApiState,
    tenant: Option<palisade_core::TenantId>,
    plan: &Plan,
    span_s: i64,
) -> Result<Vec<(i64, u64)>, String> {
    let store = state.pipeline.store();
    let range = (plan.from, plan.to);
    if plan.query.filter == palisade_query::Expr::All {
        return store
            .count_by_time(tenant.as_ref(), range, span_s * 1000)
            .map_err(|e| e.to_string());
    }
    let timechart = data::pipe(&format!("timechart {span_s}s count()"))?;
    let table = data::aggregate(store, tenant, plan.query.filter.clone(), range, &timechart)?;
    Ok(data::buckets(&table))
}

/// One row of an event table; `normalised` adds the event's OCSF JSON (the expandable part of
/// the search results).
pub(super) fn row(event: &Event, normalised: bool) -> EventRow {
    EventRow {
        time: data::when(event.time),
        host: data::host_of(event),
        source: event
            .get_str(fields::LOG_NAME)
            .unwrap_or_default()
            .to_owned(),
        message: data::message_of(event),
        raw: event
            .get_str(fields::RAW_DATA)
            .unwrap_or_default()
            .to_owned(),
        normalised: if normalised {
            serde_json::to_string_pretty(&event.to_ocsf_json()).unwrap_or_default()
        } else {
            String::new()
        },
    }
}

/// The query string of this search, for the export links.
fn query_string(form: &SearchForm) -> String {
    let mut text = format!(
        "q={}&from={}",
        data::encode(&form.q),
        data::encode(form.from.as_deref().unwrap_or("now-24h"))
    );
    if !form.to.trim().is_empty() {
        text.push_str(&format!("&to={}", data::encode(form.to.trim())));
    }
    text
}

/// `GET /console/search`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(form): Query<SearchForm>,
) -> Response {
    let now = now_ms();
    let session = session_of(&identity, &headers, "/console/search");
    let qs = query_string(&form);
    let range = qs.find("&from=").map_or("", |at| &qs[at..]).to_owned();
    let q = form.q.clone();
    let outcome = match plan(&form, now) {
        Ok(plan) => {
            tokio::task::spawn_blocking(move || run(&state, &identity, &plan, now, (&q, &range)))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let (status, error, outcome) = match outcome {
        Ok(o) => (StatusCode::OK, None, o),
        Err(e) => (StatusCode::BAD_REQUEST, Some(e), Outcome::default()),
    };
    let facets_note = format!("newest {} matches", data::grouped(FACET_SAMPLE as u64));
    let page = SearchPage {
        session,
        from: form.from.clone().unwrap_or_else(|| "now-24h".into()),
        to: form.to.clone(),
        q: form.q.clone(),
        error,
        events: outcome.events,
        table: outcome.table,
        stats_chart: outcome.stats_chart,
        facets: outcome.facets,
        facets_note,
        histogram: outcome.histogram,
        summary: outcome.summary,
        export_json: format!("/api/v1/events?{qs}&limit={PAGE_ROWS}"),
        export_csv: format!("/console/search.csv?{qs}"),
    };
    html(status, &page)
}

/// `GET /console/search.csv`: the newest matches (at most 10 000) as CSV.
pub async fn csv(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    Query(form): Query<SearchForm>,
) -> Response {
    let now = now_ms();
    let found = match plan(&form, now) {
        Ok(plan) => {
            tokio::task::spawn_blocking(move || events(&state, &identity, &plan, EXPORT_ROWS))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let found = match found {
        Ok(f) => f,
        Err(e) => return crate::api::error(StatusCode::BAD_REQUEST, e),
    };
    let mut body = String::from("time,host,source,message\n");
    for event in &found {
        let fields = [
            palisade_core::time::format_rfc3339(event.time),
            data::host_of(event),
            event
                .get_str(fields::LOG_NAME)
                .unwrap_or_default()
                .to_owned(),
            event
                .get_str(fields::MESSAGE)
                .or_else(|| event.get_str(fields::RAW_DATA))
                .unwrap_or_default()
                .to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| data::csv_field(f)).collect();
        body.push_str(&line.join(","));
        body.push('\n');
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"palisade-search.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}
