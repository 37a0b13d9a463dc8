//! `POST /api/v1/ingest`: a JSON array, NDJSON, or plain text lines.

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use bytes::Bytes;
use palisade_core::{IngestSink, PayloadFormat, RawRecord, TenantId, Transport};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

/// Query parameters of an ingest call.
#[derive(Debug, Deserialize)]
pub struct IngestParams {
    /// Source name for metrics and `metadata.log_name` (default `http`).
    source: Option<String>,
    /// Tenant to ingest into (provider administrators only).
    tenant: Option<String>,
}

/// How the body is split into records.
#[derive(Debug, PartialEq)]
enum BodyKind {
    JsonArray,
    Ndjson,
    Lines,
}

fn body_kind(headers: &HeaderMap, body: &[u8]) -> BodyKind {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("text/plain") {
        return BodyKind::Lines;
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => BodyKind::JsonArray,
        _ => BodyKind::Ndjson,
    }
}

/// Splits a body into payloads. A JSON array that does not parse is refused whole (nothing is
/// half-ingested); NDJSON and text lines never fail: a line that is not JSON becomes an
/// unparsed event.
fn split_body(kind: &BodyKind, body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    match kind {
        BodyKind::JsonArray => {
            let items: Vec<&RawValue> = serde_json::from_slice(body)
                .map_err(|e| format!("body is not a valid JSON array: {e}"))?;
            Ok(items.iter().map(|v| v.get().as_bytes().to_vec()).collect())
        }
        BodyKind::Ndjson | BodyKind::Lines => Ok(body
            .split(|b| *b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
            .map(<[u8]>::to_vec)
            .collect()),
    }
}

/// Handler: writes every record to the write-ahead log and answers once they are durable.
pub async fn ingest(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<IngestParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tenant: TenantId = match principal.scope(params.tenant.as_deref()) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "ingest needs one tenant, not *".into(),
            )
        }
        Err(e) => return error(StatusCode::FORBIDDEN, e),
    };
    let source = params.source.unwrap_or_else(|| "http".to_owned());
    if source.is_empty() || source.len() > 128 || source.chars().any(char::is_control) {
        return error(
            StatusCode::BAD_REQUEST,
            "source must be 1 to 128 printable characters".into(),
        );
    }
    let kind = body_kind(&headers, &body);
    let payloads = match split_body(&kind, &body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let format = if kind == BodyKind::Lines {
        PayloadFormat::Line
    } else {
        PayloadFormat::Json
    };
    let received_ms = palisade_core::time::now_ms();
    let accepted = payloads.len() as u64;
    if accepted == 0 {
        return Json(serde_json::json!({ "accepted": 0 })).into_response();
    }
    let batch = payloads
        .into_iter()
        .map(|payload| RawRecord {
            tenant: tenant.clone(),
            source: source.as_str().into(),
            transport: Transport::Http,
            format,
            received_ms,
            peer: None,
            payload,
        })
        .collect();
    match state.pipeline.submit(batch).await {
        Ok(last_id) => Json(serde_json::json!({
            "accepted": accepted,
            "first_id": (last_id + 1 - accepted).to_string(),
            "last_id": last_id.to_string(),
        }))
        .into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_split_by_kind() {
        let h = HeaderMap::new();
        let arr = br#" [{"a":1}, {"b":"x"}] "#;
        assert_eq!(body_kind(&h, arr), BodyKind::JsonArray);
        assert_eq!(
            split_body(&BodyKind::JsonArray, arr).unwrap(),
            vec![br#"{"a":1}"#.to_vec(), br#"{"b":"x"}"#.to_vec()]
        );
        assert!(split_body(&BodyKind::JsonArray, b"[{\"a\":1},").is_err());
        let nd = b"{\"a\":1}\r\n\n  \nnot json\n";
        assert_eq!(body_kind(&h, nd), BodyKind::Ndjson);
        assert_eq!(split_body(&BodyKind::Ndjson, nd).unwrap().len(), 2);
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "text/plain; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(body_kind(&h, b"[x]"), BodyKind::Lines);
    }
}
