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
use palisade_core::{fields, time::now_ms, TenantId};
use palisade_iam::{role::Permission, Identity};
use palisade_store::SearchRequest;
use serde::Deserialize;
use std::{collections::BTreeMap, sync::Arc};

/// Sources listed (busiest first).
const MAX_SOURCES: usize = 50;
/// Templates listed (most frequent first).
const MAX_TEMPLATES: usize = 100;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// `?tenant=` (operators may look at another tenant).
#[derive(Debug, Default, Deserialize)]
pub struct SourcesQuery {
    tenant: Option<String>,
}

/// One source's numbers.
#[derive(Debug, Default, Clone, PartialEq)]
struct Counts {
    day: u64,
    unparsed: u64,
    hour: u64,
}

/// `field:"value"` in the query language (the whole value equals the text).
pub fn field_equals(field: &str, value: &str) -> String {
    format!(
        "{field}:\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// Counts per source from a `stats count() by metadata.log_name, unparsed` table over the day
/// and a `stats count() by metadata.log_name` table over the hour.
fn counts(day: &palisade_query::Table, hour: &palisade_query::Table) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for row in &day.rows {
        let (Some(name), Some(flag), Some(n)) = (
            row.first(),
            row.get(1),
            row.last().and_then(serde_json::Value::as_u64),
        ) else {
            continue;
        };
        let c = out.entry(data::cell(name)).or_default();
        c.day += n;
        if !flag.is_null() {
            c.unparsed += n;
        }
    }
    for (name, n) in data::ranked(hour) {
        out.entry(name).or_default().hour += n;
    }
    out
}

/// `97.5 %` and its tone (below 90 % warns, below 50 % is bad).
fn parsed_ratio(c: &Counts) -> (String, &'static str) {
    if c.day == 0 {
        return ("–".into(), "");
    }
    let pct = (c.day - c.unparsed) as f64 * 100.0 / c.day as f64;
    let tone = match pct {
        p if p >= 90.0 => "ok",
        p if p >= 50.0 => "warn",
        _ => "bad",
    };
    (format!("{pct:.1} %"), tone)
}

fn source_rows(state: &ApiState, tenant: &TenantId, now: i64) -> Result<Vec<SourceRow>, String> {
    let store = state.pipeline.store();
    let all = data::everything()?;
    let day = data::aggregate(
        store,
        Some(tenant.clone()),
        all.clone(),
        (now - DAY_MS, None),
        &data::pipe(&format!(
            "stats count() by {}, {}",
            fields::LOG_NAME,
            fields::UNPARSED
        ))?,
    )?;
    let hour = data::aggregate(
        store,
        Some(tenant.clone()),
        all,
        (now - HOUR_MS, None),
        &data::pipe(&format!("stats count() by {}", fields::LOG_NAME))?,
    )?;
    let mut sources: Vec<(String, Counts)> = counts(&day, &hour).into_iter().collect();
    sources.sort_by(|a, b| b.1.day.cmp(&a.1.day).then_with(|| a.0.cmp(&b.0)));
    sources
        .into_iter()
        .take(MAX_SOURCES)
        .map(|(name, c)| {
            let filter = palisade_query::parse(&field_equals(fields::LOG_NAME, &name))
                .map_err(|e| e.to_string())?
                .filter;
            let newest = store
                .search(&SearchRequest {
                    tenant: Some(tenant.clone()),
                    filter,
                    from_ms: Some(now - DAY_MS),
                    to_ms: None,
                    limit: 1,
                    cursor: None,
                })
                .map_err(|e| e.to_string())?;
            let (parsed, tone) = parsed_ratio(&c);
            Ok(SourceRow {
                per_minute: format!("{:.1}", c.hour as f64 / 60.0),
                day: data::grouped(c.day),
                last_seen: newest
                    .events
                    .first()
                    .map(|e| data::when(e.time))
                    .unwrap_or_default(),
                parsed,
                tone,
                name,
            })
        })
        .collect()
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
    use serde_json::json;

    fn table(columns: &[&str], rows: Vec<Vec<serde_json::Value>>) -> palisade_query::Table {
        palisade_query::Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows,
        }
    }

    #[test]
    fn counts_split_parsed_from_unparsed_and_add_the_hour() {
        let day = table(
            &["metadata.log_name", "unparsed", "count"],
            vec![
                vec![json!("auth"), json!(null), json!(90)],
                vec![json!("auth"), json!("true"), json!(10)],
                vec![json!("nginx"), json!("true"), json!(4)],
            ],
        );
        let hour = table(
            &["metadata.log_name", "count"],
            vec![vec![json!("auth"), json!(6)]],
        );
        let c = counts(&day, &hour);
        assert_eq!(
            c["auth"],
            Counts {
                day: 100,
                unparsed: 10,
                hour: 6
            }
        );
        assert_eq!(parsed_ratio(&c["auth"]), ("90.0 %".into(), "ok"));
        assert_eq!(parsed_ratio(&c["nginx"]), ("0.0 %".into(), "bad"));
        assert_eq!(parsed_ratio(&Counts::default()).1, "");
    }

    #[test]
    fn field_values_are_quoted_for_the_query_language() {
        assert_eq!(field_equals("host", r#"a"b\c"#), r#"host:"a\"b\\c""#);
        assert!(palisade_query::parse(&field_equals("host", r#"we"ird\"#)).is_ok());
    }
}
