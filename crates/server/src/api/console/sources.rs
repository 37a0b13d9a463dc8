//! The sources page (`/console/sources`): for each source of the tenant (its
//! `metadata.log_name`), the event rate over the last hour, events and the share a parser
//! understood over 24 hours, and its newest event (event search permission); and the
//! templates the miner built from the tenant's unparsed lines (template permission).

use super::{data, html, session_of};
use crate::{api::ApiState, auth::Principal};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::sources::{SourceRow, SourcesPage, TemplateRow};
use palisade_core::{time::now_ms, TenantId};
use palisade_iam::{role::Permission, Identity};
use serde::Deserialize;
use std::sync::Arc;

/// Sources listed (busiest first).
const MAX_SOURCES: usize = 50;
/// Templates listed (most frequent first).
const MAX_TEMPLATES: usize = 100;

/// `?tenant=` (operators may look at another tenant).
#[derive(Debug, Default, Deserialize)]
pub struct SourcesQuery {
    tenant: Option<String>,
}

/// `field:"value"` in the query language (the whole value equals the text).
pub fn field_equals(field: &str, value: &str) -> String {
    format!(
        "{field}:\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// `97.5 %` of `day` events parsed (`unparsed` were not) and its tone (below 90 % warns,
/// below 50 % is bad).
fn parsed_ratio(day: u64, unparsed: u64) -> (String, &'static str) {
    if day == 0 {
        return ("–".into(), "");
    }
    let pct = day.saturating_sub(unparsed) as f64 * 100.0 / day as f64;
    let tone = match pct {
        p if p >= 90.0 => "ok",
        p if p >= 50.0 => "warn",
        _ => "bad",
    };
    (format!("{pct:.1} %"), tone)
}

/// The tenant's busiest sources from the event counters (caught up with the store first).
fn source_rows(state: &ApiState, tenant: &TenantId, now: i64) -> Result<Vec<SourceRow>, String> {
    let store = state.pipeline.store();
    let summary = state.event_summary.current(store, Some(tenant), now)?;
    let rows = summary.sources.into_iter().take(MAX_SOURCES);
    Ok(rows
        .map(|source| {
            let (parsed, tone) = parsed_ratio(source.day, source.unparsed);
            SourceRow {
                per_minute: format!("{:.1}", source.hour as f64 / 60.0),
                day: data::grouped(source.day),
                last_seen: data::when(source.last_seen),
                parsed,
                tone,
                name: source.name,
            }
        })
        .collect())
}

/// `GET /console/sources`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    Query(query): Query<SourcesQuery>,
) -> Response {
    let session = session_of(&identity, &headers, "/console/sources");
    let tenant = match principal.scope(query.tenant.as_deref()) {
        Ok(Some(tenant)) => tenant,
        Ok(None) => identity.tenant.clone(),
        Err(e) => return crate::api::error(StatusCode::FORBIDDEN, e),
    };
    let searches = identity.can(Permission::EventsSearch);
    let reader = state.clone();
    let scope = tenant.clone();
    let rows = tokio::task::spawn_blocking(move || {
        searches.then(|| source_rows(&reader, &scope, now_ms()))
    })
    .await
    .unwrap_or_else(|e| Some(Err(e.to_string())));
    let (sources, error) = match rows {
        None => (None, None),
        Some(Ok(rows)) => (Some(rows), None),
        Some(Err(e)) => (
            Some(Vec::new()),
            Some(format!("sources cannot be read: {e}")),
        ),
    };
    let all = state.pipeline.templates().list(&tenant);
    let page = SourcesPage {
        session,
        sources,
        templates_total: data::grouped(all.len() as u64),
        templates: all
            .into_iter()
            .take(MAX_TEMPLATES)
            .map(|t| TemplateRow {
                id: t.id,
                template: t.template,
                count: t.count,
                example: t.example,
            })
            .collect(),
        error,
    };
    html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parse_ratio_warns_below_ninety_and_is_bad_below_fifty_percent() {
        assert_eq!(parsed_ratio(100, 10), ("90.0 %".into(), "ok"));
        assert_eq!(parsed_ratio(100, 11).1, "warn");
        assert_eq!(parsed_ratio(4, 4), ("0.0 %".into(), "bad"));
        assert_eq!(parsed_ratio(0, 0).1, "");
    }

    #[test]
    fn field_values_are_quoted_for_the_query_language() {
        assert_eq!(field_equals("host", r#"a"b\c"#), r#"host:"a\"b\\c""#);
        assert!(palisade_query::parse(&field_equals("host", r#"we"ird\"#)).is_ok());
    }
}
