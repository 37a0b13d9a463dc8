//! The HTTP API routes.

mod agent_inventory;
pub mod agents;
mod alerts;
mod audit;
mod bulk;
pub mod console;
mod events;
mod health;
pub mod iam;
mod incident_reports;
pub mod incidents;
mod ingest;
mod json_answer;
pub mod kms;
mod parsers;
pub mod posture;
mod rules;
mod templates;
mod transit;

use crate::audit::AuditSink;
use axum::{
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use palisade_pipeline::Pipeline;
use std::sync::Arc;

/// What every handler can reach.
pub struct ApiState {
    /// The running pipeline (ingest, store, metrics).
    pub pipeline: Arc<Pipeline>,
    /// Identities: tenants, users, tokens, sessions.
    pub iam: Arc<palisade_iam::Iam>,
    /// The node's state store.
    pub state: Arc<palisade_state::StateStore>,
    /// Where audit records go.
    pub audit: Arc<dyn AuditSink>,
    /// The audit trail, for reading records and proofs.
    pub audit_log: Arc<palisade_audit::AuditLog>,
    /// Largest accepted ingest body.
    pub max_body_bytes: usize,
    /// The key management service.
    pub kms: Arc<crate::kms::KmsService>,
    /// Detection: rules, correlation and the alert store.
    pub detection: Arc<palisade_alerts::DetectionService>,
    /// Incident management; also the `AlertSink` registered with detection.
    pub incidents: Arc<palisade_incident::IncidentManager>,
    /// Host agents: registry and settings.
    pub agents: agents::Agents,
    /// The tenants' own parser chains.
    pub parsers: Arc<crate::parser_chains::ParserChainStore>,
    /// Compliance posture: catalogue, responsibility split, control text.
    pub posture: Arc<posture::PostureService>,
    /// The console's event counters (last 24 hours per tenant), kept caught up with the store.
    pub event_summary: Arc<crate::summary::EventSummary>,
}

/// The most events one search page returns.
pub const MAX_PAGE: usize = 10_000;

/// Builds the router: public probes and the login, then every other route (and any unknown
/// path) behind authentication, authorization and audit.
pub fn router(state: Arc<ApiState>) -> Router {
    let protected = Router::new()
        .route("/api/v1/ingest", post(ingest::ingest))
        .route("/api/v1/events", get(events::search))
        .route("/api/v1/templates", get(templates::list))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/audit/records", get(audit::records))
        .route("/api/v1/audit/tree-head", get(audit::tree_head))
        .route("/api/v1/audit/proof/inclusion", get(audit::inclusion))
        .route("/api/v1/audit/proof/consistency", get(audit::consistency))
        .route("/api/v1/audit/verification", get(audit::verification))
        .route("/api/v1/audit/verify", axum::routing::post(audit::verify))
        .route("/", get(bulk::info))
        .route("/_bulk", post(bulk::bulk).put(bulk::bulk))
        .route("/{index}/_bulk", post(bulk::bulk_into).put(bulk::bulk_into))
        .merge(kms::routes())
        .merge(transit::routes())
        .merge(iam::routes())
        .merge(alerts::routes())
        .merge(rules::routes())
        .merge(incidents::routes())
        .merge(agents::routes())
        .merge(parsers::routes())
        .merge(agent_inventory::routes())
        .merge(posture::routes())
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such route".into()) })
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::authenticate,
        ));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(transit::public_routes())
        .merge(iam::public_routes())
        .merge(console::public_routes())
        .merge(console::routes(state.clone()))
        .merge(agents::public_routes())
        .merge(protected)
        .with_state(state)
}

/// A JSON error response: `{"error": message}`.
pub fn error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}
