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

/// Readiness: recovery is done and the write-ahead log accepts appends; otherwise why not
/// (the key service's automatic unseal failed, or it waits for an operator's unseal).
pub async fn readyz(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    if let Some(reason) = state.kms.kms.status().error {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: the key service is sealed: {reason}\n"),
        );
    }
    match state.pipeline.not_ready_reason() {
        None => (StatusCode::OK, "ready\n".to_owned()),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        ),
    }
}

/// Prometheus metrics.
pub async fn metrics(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    let p = &state.pipeline;
    let stats = p.store().stats();
    let gauges = Gauges {
        wal_bytes: p.wal().map_or(0, |wal| wal.disk_bytes()),
        memtable_events: p.store().memtable_len() as u64,
        store_bytes: stats.tenants.iter().map(|t| t.disk_bytes).sum(),
        committed_seq: p.store().committed_seq(),
    };
    let mut text = p.metrics().render(gauges);
    palisade_pipeline::metrics::render_held(&mut text, &p.store().held_tenants());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
