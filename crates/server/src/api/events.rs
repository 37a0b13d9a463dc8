//! `GET /api/v1/events`: search, or aggregate when the query ends in a pipe.

use super::{error, ApiState, MAX_PAGE};
use crate::auth::Principal;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Extension, Json,
};
use palisade_store::{Cursor, SearchRequest};
use serde::Deserialize;
use std::{sync::Arc, time::Instant};

/// Query parameters of a search.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    /// The query (`docs/query.md`); empty matches everything.
    #[serde(default)]
    q: String,
    /// Start of the time range (inclusive): RFC 3339, a date, epoch ms, or `now-15m`.
    from: Option<String>,
    /// End of the time range (exclusive).
    to: Option<String>,
    /// Events per page (default 100, at most 10 000).
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Tenant to search (provider administrators: a name or `*` for all).
    tenant: Option<String>,
}

/// Handler.
pub async fn search(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<SearchParams>,
) -> Response {
    let request = match build_request(&principal, &params) {
        Ok(r) => r,
        Err((status, message)) => return error(status, message),
    };
    let (req, pipe) = request;
    let store = state.pipeline.store().clone();
    let started = Instant::now();
    let result = tokio::task::spawn_blocking(move || match pipe {
        Some(pipe) => store.aggregate(&req, &pipe).map(|table| serde_json::json!({ "table": table })),
        None => store.search(&req).map(|page| {
            let mut body = serde_json::json!({
                "events": page.events.iter().map(|e| e.to_ocsf_json()).collect::<Vec<_>>(),
                "next_cursor": page.next_cursor.map(|c| c.to_string()),
                "scanned": { "blocks": page.scanned.blocks, "blocks_skipped": page.scanned.blocks_skipped, "rows": page.scanned.rows, "blocks_unreadable": page.scanned.blocks_unreadable },
            });
            if page.scanned.blocks_unreadable > 0 {
                body["warning"] = serde_json::json!(unreadable_warning(page.scanned.blocks_unreadable));
            }
            body
        }),
    })
    .await;
    match result {
        Ok(Ok(mut body)) => {
            body["took_ms"] = serde_json::json!(started.elapsed().as_millis() as u64);
            Json(body).into_response()
        }
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("search failed: {e}"),
        ),
    }
}

type Rejection = (StatusCode, String);

/// Validates the parameters into a store request and an optional pipe.
fn build_request(
    principal: &Principal,
    params: &SearchParams,
) -> Result<(SearchRequest, Option<palisade_query::Pipe>), Rejection> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let tenant = principal
        .scope(params.tenant.as_deref())
        .map_err(|e| (StatusCode::FORBIDDEN, e))?;
    let query = palisade_query::parse(&params.q).map_err(|e| bad(e.to_string()))?;
    let now = palisade_core::time::now_ms();
    let time = |t: &Option<String>| {
        t.as_deref()
            .map(|s| palisade_core::time::parse_time(s, now))
            .transpose()
    };
    let from_ms = time(&params.from).map_err(bad)?;
    let to_ms = time(&params.to).map_err(bad)?;
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(bad(format!("limit must be 1 to {MAX_PAGE}, not {limit}")));
    }
    let cursor = params
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<Cursor>()
                .map_err(|_| bad(format!("invalid cursor {c:?}")))
        })
        .transpose()?;
    let req = SearchRequest {
        tenant,
        filter: query.filter,
        from_ms,
        to_ms,
        limit,
        cursor,
    };
    Ok((req, query.pipe))
}

/// Says why a search answered without some stored events.
fn unreadable_warning(blocks: u64) -> String {
    format!(
        "{blocks} stored block(s) could not be decrypted and are left out of these results: \
         the key service is sealed, or the tenant's storage key was destroyed (crypto-shredded)"
    )
}
