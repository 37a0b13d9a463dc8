//! Elasticsearch-compatible bulk ingest: `POST /_bulk` and `POST /{index}/_bulk` take the
//! bulk format (NDJSON: an action line, then a document line for `index` and `create`) and
//! answer in Elasticsearch's response format, so the Elasticsearch outputs of Filebeat, Fluent
//! Bit, Vector and Logstash, and Elasticsearch clients' bulk helpers, work unchanged. The
//! index name becomes the event source (`metadata.log_name`). `GET /` answers the cluster
//! information clients check at start.

use super::ApiState;
use crate::auth::Principal;
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use bytes::Bytes;
use palisade_core::{IngestSink, PayloadFormat, RawRecord, TenantId, Transport};
use serde_json::{json, Map, Value as Json};
use std::{sync::Arc, time::Instant};

/// The Elasticsearch version Palisade answers as (the bulk API of 7.x and 8.x).
const COMPATIBLE_VERSION: &str = "8.11.0";

/// One bulk item, as read from its action line.
#[derive(Debug, PartialEq)]
enum Item {
    /// A document to store, under `index` (the source name).
    Store {
        action: &'static str,
        index: String,
        id: Option<String>,
        document: Vec<u8>,
    },
    /// An action Palisade refuses (it is append-only), answered per item.
    Refused {
        action: String,
        index: String,
        id: Option<String>,
        reason: String,
    },
}

/// A bulk body Elasticsearch itself would refuse whole.
#[derive(Debug, PartialEq)]
struct BadBody(String);

/// Reads a bulk body. `default_index` comes from the path (`/{index}/_bulk`).
fn read_items(body: &[u8], default_index: Option<&str>) -> Result<Vec<Item>, BadBody> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate()
        .filter(|(_, l)| l.iter().any(|b| !b.is_ascii_whitespace()));
    let mut items = Vec::new();
    while let Some((number, line)) = lines.next() {
        let action: Map<String, Json> = serde_json::from_slice(line).map_err(|e| {
            BadBody(format!(
                "line {}: action is not a JSON object: {e}",
                number + 1
            ))
        })?;
        let Some((name, meta)) = action.iter().next().filter(|_| action.len() == 1) else {
            return Err(BadBody(format!(
                "line {}: an action line holds exactly one action",
                number + 1
            )));
        };
        let text = |key: &str| meta.get(key).and_then(Json::as_str).map(str::to_owned);
        let index = text("_index")
            .or_else(|| default_index.map(str::to_owned))
            .unwrap_or_default();
        let id = text("_id");
        let needs_document = matches!(name.as_str(), "index" | "create" | "update");
        let document = if needs_document {
            let (_, doc) = lines.next().ok_or_else(|| {
                BadBody(format!(
                    "line {}: {name} action without a document",
                    number + 1
                ))
            })?;
            doc.to_vec()
        } else {
            Vec::new()
        };
        let action = match name.as_str() {
            "index" => "index",
            "create" => "create",
            other => {
                items.push(Item::Refused {
                    action: other.to_owned(),
                    index,
                    id,
                    reason: format!("{other} is not supported: stored events are immutable"),
                });
                continue;
            }
        };
        if let Err(reason) = check_index(&index) {
            items.push(Item::Refused {
                action: action.to_owned(),
                index,
                id,
                reason,
            });
            continue;
        }
        items.push(Item::Store {
            action,
            index,
            id,
            document,
        });
    }
    Ok(items)
}

/// An index name must be usable as a source name.
fn check_index(index: &str) -> Result<(), String> {
    if index.is_empty() {
        return Err("no _index given (in the action or the path)".into());
    }
    if index.len() > 128 || index.chars().any(char::is_control) {
        return Err("index names are 1 to 128 printable characters".into());
    }
    Ok(())
}

/// Responses carry the product header Elasticsearch clients check.
fn elastic(status: StatusCode, body: Json) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}

fn error_body(status: StatusCode, kind: &str, reason: &str) -> Json {
    json!({
        "error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason},
        "status": status.as_u16(),
    })
}

/// `GET /`: the cluster information clients read at start.
pub async fn info() -> Response {
    elastic(
        StatusCode::OK,
        json!({
            "name": "palisade",
            "cluster_name": "palisade",
            "version": {
                "number": COMPATIBLE_VERSION,
                "build_flavor": "default",
                "minimum_wire_compatibility_version": "7.17.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "You Know, for Search",
        }),
    )
}

/// `POST /_bulk`.
pub async fn bulk(
    state: State<Arc<ApiState>>,
    principal: Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(state, principal, None, headers, body).await
}

/// `POST /{index}/_bulk`.
pub async fn bulk_into(
    state: State<Arc<ApiState>>,
    principal: Extension<Principal>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(state, principal, Some(index), headers, body).await
}

async fn run(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    default_index: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    if !encoding.eq_ignore_ascii_case("identity") {
        let reason =
            format!("Content-Encoding {encoding} is not supported: send the body uncompressed");
        let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return elastic(
            status,
            error_body(status, "illegal_argument_exception", &reason),
        );
    }
    let tenant: TenantId = principal.tenant.clone();
    let items = match read_items(&body, default_index.as_deref()) {
        Ok(items) => items,
        Err(BadBody(reason)) => {
            let status = StatusCode::BAD_REQUEST;
            return elastic(
                status,
                error_body(status, "x_content_parse_exception", &reason),
            );
        }
    };
    let received_ms = palisade_core::time::now_ms();
    let batch: Vec<RawRecord> = items
        .iter()
        .filter_map(|item| match item {
            Item::Store {
                index, document, ..
            } => Some(RawRecord {
                tenant: tenant.clone(),
                source: index.as_str().into(),
                transport: Transport::Http,
                format: PayloadFormat::Json,
                received_ms,
                peer: None,
                payload: document.clone(),
            }),
            Item::Refused { .. } => None,
        })
        .collect();
    let stored = batch.len() as u64;
    let first_id = if stored == 0 {
        0
    } else {
        match state.pipeline.submit(batch).await {
            Ok(last_id) => last_id + 1 - stored,
            Err(e) => {
                let status = StatusCode::SERVICE_UNAVAILABLE;
                return elastic(
                    status,
                    error_body(status, "unavailable_shards_exception", &e.to_string()),
                );
            }
        }
    };
    let (answers, errors) = answer_items(&items, first_id);
    let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    elastic(
        StatusCode::OK,
        json!({ "took": took, "errors": errors, "items": answers }),
    )
}

/// One answer per item, in order; stored items get consecutive event ids from `first_id`.
fn answer_items(items: &[Item], first_id: u64) -> (Vec<Json>, bool) {
    let mut next_id = first_id;
    let mut errors = false;
    let answers = items
        .iter()
        .map(|item| match item {
            Item::Store {
                action, index, id, ..
            } => {
                let seq = next_id;
                next_id += 1;
                let id = id.clone().unwrap_or_else(|| seq.to_string());
                json!({ *action: {
                    "_index": index, "_id": id, "_version": 1, "result": "created",
                    "status": 201, "_seq_no": seq, "_primary_term": 1,
                    "_shards": {"total": 1, "successful": 1, "failed": 0},
                }})
            }
            Item::Refused {
                action,
                index,
                id,
                reason,
            } => {
                errors = true;
                json!({ action.as_str(): {
                    "_index": index, "_id": id, "status": 400,
                    "error": {"type": "illegal_argument_exception", "reason": reason},
                }})
            }
        })
        .collect();
    (answers, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_documents_and_refusals() {
        let body = b"{\"index\":{\"_index\":\"web\",\"_id\":\"a1\"}}\n{\"message\":\"x\"}\n\
            {\"create\":{}}\n{\"message\":\"y\"}\n\
            {\"delete\":{\"_index\":\"web\",\"_id\":\"a1\"}}\n\
            {\"update\":{\"_index\":\"web\",\"_id\":\"a1\"}}\n{\"doc\":{}}\n";
        let items = read_items(body, Some("fallback")).unwrap();
        assert_eq!(items.len(), 4);
        assert!(
            matches!(&items[0], Item::Store { action: "index", index, id: Some(id), .. } if index == "web" && id == "a1")
        );
        assert!(
            matches!(&items[1], Item::Store { action: "create", index, .. } if index == "fallback")
        );
        assert!(matches!(&items[2], Item::Refused { action, .. } if action == "delete"));
        assert!(matches!(&items[3], Item::Refused { action, .. } if action == "update"));
        let (answers, errors) = answer_items(&items, 41);
        assert!(errors);
        assert_eq!(answers[0]["index"]["_id"], "a1");
        assert_eq!(answers[1]["create"]["_id"], "42");
        assert_eq!(answers[2]["delete"]["status"], 400);
    }

    #[test]
    fn broken_bodies_are_refused_whole() {
        assert!(read_items(b"not json\n{}\n", None).is_err());
        assert!(read_items(b"{\"index\":{}}\n", None).is_err());
        assert!(read_items(b"{\"index\":{},\"create\":{}}\n{}\n", None).is_err());
        let items = read_items(b"{\"index\":{}}\n{\"a\":1}\n", None).unwrap();
        assert!(matches!(&items[0], Item::Refused { reason, .. } if reason.contains("_index")));
    }
}
