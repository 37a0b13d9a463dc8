//! `/healthz`, `/readyz` and `/metrics`.

use super::ApiState;
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
};
use palisade_pipeline::metrics::Gauges;
use std::sync::Arc;

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: recovery is done, the write-ahead log accepts appends, and the key service's
/// automatic unseal (PKCS#11 seal) did not fail.
pub async fn readyz(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    if !state.pipeline.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the write-ahead log is not accepting input\n".to_owned(),
        );
    }
    match state.kms.kms.status().error {
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: the key service is sealed: {reason}\n"),
        ),
        None => (StatusCode::OK, "ready\n".to_owned()),
    }
}

/// Prometheus metrics.
pub async fn metrics(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    let p = &state.pipeline;
    let stats = p.store().stats();
    let gauges = Gauges {
        wal_bytes: p.wal().disk_bytes(),
        memtable_events: p.store().memtable_len() as u64,
        store_bytes: stats.tenants.iter().map(|t| t.disk_bytes).sum(),
        committed_seq: p.store().committed_seq(),
    };
    let mut text = p.metrics().render(gauges);
    palisade_pipeline::metrics::render_held(&mut text, &p.store().held_tenants());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
