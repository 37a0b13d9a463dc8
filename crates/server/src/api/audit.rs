//! The audit trail over HTTP: records, the signed tree head, RFC 6962 proofs, and the
//! server's verification of the trail.
//! Only audit administrators reach these routes (docs/access.md).

use super::{error, ApiState};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use palisade_audit::{hex, merkle::leaf_hash, Hash, RecordQuery};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The most records one page returns.
const MAX_RECORDS: usize = 10_000;

/// Query parameters of `GET /api/v1/audit/records`.
#[derive(Debug, Deserialize)]
pub struct RecordParams {
    /// Start of the time range (inclusive); default: the beginning.
    from: Option<String>,
    /// End of the time range (exclusive); default: now.
    to: Option<String>,
    /// Records per answer (default 1 000, at most 10 000).
    limit: Option<usize>,
    /// First record index to consider (the previous answer's `next_start`).
    start: Option<u64>,
}

/// `GET /api/v1/audit/records?from&to&limit&start`: records in log order, each with its leaf
/// hash; `next_start` pages on.
pub async fn records(
    State(state): State<Arc<ApiState>>,
    Query(params): Query<RecordParams>,
) -> Response {
    let now = palisade_core::time::now_ms();
    let parse = |value: &Option<String>, default: i64| match value {
        Some(text) => palisade_core::time::parse_time(text, now),
        None => Ok(default),
    };
    let (from, to) = match (parse(&params.from, i64::MIN), parse(&params.to, now + 1)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return error(StatusCode::BAD_REQUEST, e),
    };
    let query = RecordQuery {
        from_ms: from,
        to_ms: to,
        first_index: params.start.unwrap_or(0),
        limit: params.limit.unwrap_or(1_000).clamp(1, MAX_RECORDS),
    };
    let log = state.audit_log.clone();
    let read = tokio::task::spawn_blocking(move || log.records(query)).await;
    match read {
        Ok(Ok(page)) => {
            let records: Vec<serde_json::Value> = page
                .records
                .iter()
                .map(|entry| {
                    let mut value = serde_json::to_value(entry).unwrap_or_default();
                    value["leaf_hash"] = json!(hex::encode(&leaf_hash(&entry.to_bytes())));
                    value["time"] = json!(palisade_core::time::format_rfc3339(entry.event.time_ms));
                    value
                })
                .collect();
            Json(json!({ "records": records, "next_start": page.next_index })).into_response()
        }
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// `GET /api/v1/audit/tree-head`: the newest signed tree head and the key that signed it.
pub async fn tree_head(State(state): State<Arc<ApiState>>) -> Response {
    let head = state.audit_log.tree_head();
    let mut body = serde_json::to_value(&head).unwrap_or_default();
    body["public_key"] = json!(state.audit_log.public_key().to_hex());
    Json(body).into_response()
}

/// Query parameters of an inclusion proof.
#[derive(Debug, Deserialize)]
pub struct InclusionParams {
    /// The record's index.
    index: u64,
    /// The tree size to prove against (default: the newest head's).
    size: Option<u64>,
}

fn hashes(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(|h| hex::encode(h)).collect()
}

/// `GET /api/v1/audit/proof/inclusion?index&size`: the audit path of one record.
pub async fn inclusion(
    State(state): State<Arc<ApiState>>,
    Query(params): Query<InclusionParams>,
) -> Response {
    let log = &state.audit_log;
    let size = params.size.unwrap_or_else(|| log.tree_head().tree_size);
    match log.inclusion_proof(params.index, size) {
        Ok(proof) => Json(json!({
            "index": params.index,
            "tree_size": size,
            "leaf_hash": log.leaf_hash(params.index).map(|h| hex::encode(&h)),
            "root_hash": log.root(size).ok().map(|h| hex::encode(&h)),
            "audit_path": hashes(&proof),
        }))
        .into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// Query parameters of a consistency proof.
#[derive(Debug, Deserialize)]
pub struct ConsistencyParams {
    /// The older tree size.
    first: u64,
    /// The newer tree size (default: the newest head's).
    second: Option<u64>,
}

/// `GET /api/v1/audit/proof/consistency?first&second`: proof that the first tree is a prefix
/// of the second.
pub async fn consistency(
    State(state): State<Arc<ApiState>>,
    Query(params): Query<ConsistencyParams>,
) -> Response {
    let log = &state.audit_log;
    let second = params.second.unwrap_or_else(|| log.tree_head().tree_size);
    match log.consistency_proof(params.first, second) {
        Ok(proof) => Json(json!({
            "first": params.first,
            "second": second,
            "first_root": log.root(params.first).ok().map(|h| hex::encode(&h)),
            "second_root": log.root(second).ok().map(|h| hex::encode(&h)),
            "proof": hashes(&proof),
        }))
        .into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// The last verification as the overview shows it: `verified` is `null` before the first.
fn verification_body(v: Option<&palisade_audit::Verification>) -> serde_json::Value {
    match v {
        None => json!({ "verified": null, "message": "the audit trail was not verified yet" }),
        Some(v) => json!({
            "verified": v.ok,
            "time": palisade_core::time::format_rfc3339(v.time_ms),
            "time_ms": v.time_ms,
            "records": v.records,
            "signed_size": v.signed_size,
            "failure": v.failure,
        }),
    }
}

/// `GET /api/v1/audit/verification`: when the server last verified the trail, and the result.
pub async fn verification(State(state): State<Arc<ApiState>>) -> Response {
    Json(verification_body(
        state.audit_log.last_verification().as_ref(),
    ))
    .into_response()
}

/// `POST /api/v1/audit/verify`: verifies the trail now (recorded like the periodic check); 200
/// with the result, whether it passed or not.
pub async fn verify(State(state): State<Arc<ApiState>>) -> Response {
    let v = crate::audit_verify::verify_and_record(&state).await;
    Json(verification_body(Some(&v))).into_response()
}
