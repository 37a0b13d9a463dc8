//! Host agents: enrolment tokens, enrolment, heartbeats and the agent list (docs/agent.md).

use super::{error, ApiState};
use crate::{audit::AuditRecord, audit_mode::AuditMode, auth::Principal};
use axum::{
    extract::{ConnectInfo, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use palisade_agent::{
    heartbeat::Heartbeat,
    registry::{Registry, RegistryError},
};
use palisade_core::{agents_config::AgentsConfig, TenantId};
use serde::Deserialize;
use std::{net::SocketAddr, sync::Arc};

/// The agent registry and its settings, as the API reaches them.
pub struct Agents {
    /// Agents in the state store.
    pub registry: Registry,
    /// `[agents]` of the configuration.
    pub config: AgentsConfig,
    /// The data directory, whose advisory database agents' inventories are matched against.
    pub data_dir: std::path::PathBuf,
}

/// Prefix of an agent principal's name; the rest is the agent id.
pub(crate) const AGENT_PRINCIPAL: &str = "agent:";

/// Paths an agent token may call: shipping logs and inventories, reporting health, nothing else.
const AGENT_PATHS: &[&str] = &[
    "/api/v1/ingest",
    "/api/v1/agents/heartbeat",
    palisade_agent::inventory::INVENTORY_PATH,
];

/// The principal of an agent token, when `path` is one an agent may call.
pub fn principal_for(state: &ApiState, token: &str, path: &str) -> Option<Principal> {
    if !AGENT_PATHS.contains(&path) {
        return None;
    }
    let (id, tenant) = state.agents.registry.authenticate(token)?;
    Some(Principal {
        name: format!("{AGENT_PRINCIPAL}{id}"),
        tenant,
        provider_admin: false,
    })
}

/// Authenticated routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/agents", get(list))
        .route("/api/v1/agents/heartbeat", post(heartbeat))
        .route("/api/v1/agents/enrol-tokens", post(create_enrol_token))
}

/// The enrolment route: the enrolment token in the body is the credential.
pub fn public_routes() -> Router<Arc<ApiState>> {
    Router::new().route("/api/v1/agents/enrol", post(enrol))
}

fn registry_error(e: &RegistryError) -> Response {
    let status = match e {
        RegistryError::InvalidEnrolToken => StatusCode::UNAUTHORIZED,
        RegistryError::BadRequest(_) => StatusCode::BAD_REQUEST,
        RegistryError::State(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    error(status, e.to_string())
}

/// Body of `POST /api/v1/agents/enrol-tokens`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EnrolTokenRequest {
    /// Tenant the agent will belong to (provider administrators; default: the caller's).
    tenant: Option<String>,
    /// Validity, e.g. `"1h"` (default `[agents] enrol_token_ttl`).
    ttl: Option<palisade_core::config::Duration>,
}

async fn create_enrol_token(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    body: axum::body::Bytes,
) -> Response {
    if principal.name.starts_with(AGENT_PRINCIPAL) {
        return error(
            StatusCode::FORBIDDEN,
            "agents cannot create enrolment tokens".into(),
        );
    }
    let request: EnrolTokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        EnrolTokenRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad request body: {e}")),
        }
    };
    let tenant = match principal.scope(request.tenant.as_deref()) {
        Ok(Some(t)) => t,
        Ok(None) => return error(StatusCode::BAD_REQUEST, "name one tenant, not *".into()),
        Err(e) => return error(StatusCode::FORBIDDEN, e),
    };
    let ttl = request.ttl.unwrap_or(state.agents.config.enrol_token_ttl);
    let ttl_ms = i64::try_from(ttl.0).unwrap_or(i64::MAX);
    match state.agents.registry.create_enrol_token(&tenant, ttl_ms) {
        Ok((token, expires_ms)) => Json(serde_json::json!({
            "token": token.as_str(),
            "tenant": tenant.as_str(),
            "expires_ms": expires_ms,
        }))
        .into_response(),
        Err(e) => registry_error(&e),
    }
}

/// Body of `POST /api/v1/agents/enrol`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolRequest {
    enrol_token: String,
    hostname: String,
}

impl Drop for EnrolRequest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.enrol_token);
    }
}

async fn enrol(
    State(state): State<Arc<ApiState>>,
    Extension(ConnectInfo(peer)): Extension<ConnectInfo<SocketAddr>>,
    Json(request): Json<EnrolRequest>,
) -> Response {
    let intent = AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        subject: "anonymous".to_owned(),
        tenant: TenantId::default().to_string(),
        action: "POST".into(),
        source: Some(peer),
        event_type: "agent.enrol",
        role: "agent".into(),
        object: "/api/v1/agents/enrol".into(),
        request_id: crate::auth::new_request_id(),
        result: palisade_audit::Outcome::Pending,
        status: None,
        mode: AuditMode::IntentThenOutcome,
    };
    if let Err(e) = state.audit.record(intent.clone()).await {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{e}; the enrolment was refused"),
        );
    }
    let result = state
        .agents
        .registry
        .enrol(&request.enrol_token, &request.hostname);
    let (response, subject, tenant) = match result {
        Ok(agent) => (
            Json(serde_json::json!({
                "agent_id": agent.agent_id,
                "token": agent.token.as_str(),
                "tenant": agent.tenant.as_str(),
            }))
            .into_response(),
            format!("{AGENT_PRINCIPAL}{}", agent.agent_id),
            agent.tenant,
        ),
        Err(e) => (
            registry_error(&e),
            "anonymous".to_owned(),
            TenantId::default(),
        ),
    };
    let status = response.status().as_u16();
    let record = AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        subject,
        tenant: tenant.to_string(),
        result: palisade_audit::Outcome::from_http_status(status),
        status: Some(status),
        ..intent
    };
    if let Err(e) = state.audit.record(record).await {
        tracing::error!(error = %e, "an agent enrolment was not recorded in the audit trail");
    }
    response
}

async fn heartbeat(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Json(beat): Json<Heartbeat>,
) -> Response {
    let Some(agent_id) = principal.name.strip_prefix(AGENT_PRINCIPAL) else {
        return error(
            StatusCode::FORBIDDEN,
            "only an enrolled agent (with its agent token) sends heartbeats".into(),
        );
    };
    match state.agents.registry.heartbeat(agent_id, &beat) {
        Ok(()) => Json(serde_json::json!({ "ok": true })).into_response(),
        Err(e) => registry_error(&e),
    }
}

/// Query of `GET /api/v1/agents`.
#[derive(Deserialize)]
struct ListParams {
    tenant: Option<String>,
}

async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ListParams>,
) -> Response {
    let tenant = match principal.scope(params.tenant.as_deref()) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::FORBIDDEN, e),
    };
    let silent_after = i64::try_from(state.agents.config.silent_after.0).unwrap_or(i64::MAX);
    match state.agents.registry.list(tenant.as_ref(), silent_after) {
        Ok(agents) => Json(serde_json::json!({ "agents": agents })).into_response(),
        Err(e) => registry_error(&e),
    }
}

/// Source name of the events that report silent agents.
pub const SILENCE_SOURCE: &str = "agent-monitor";

/// Watches for agents that fall silent and reports each, once per silence, as an event in its
/// tenant (`source` `agent-monitor`, searchable and matchable by detection rules) and in the
/// server's log. Runs for the life of the server.
pub async fn watch_silence(state: Arc<ApiState>) {
    let silent_after = state.agents.config.silent_after.0;
    let every = std::time::Duration::from_millis((silent_after / 4).clamp(200, 10_000));
    let silent_after = i64::try_from(silent_after).unwrap_or(i64::MAX);
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let silent = match state.agents.registry.take_newly_silent(silent_after) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot check for silent agents");
                continue;
            }
        };
        if silent.is_empty() {
            continue;
        }
        let now = palisade_core::time::now_ms();
        let records = silent
            .into_iter()
            .map(|(id, tenant, hostname, heard_ms)| {
                tracing::warn!(agent = %id, %tenant, %hostname, "agent is silent");
                let payload = serde_json::json!({
                    "message": format!("agent {id} on {hostname} is silent: no heartbeat since {heard_ms} ms"),
                    "host": hostname,
                    "severity": "warning",
                    "agent_id": id,
                    "agent_status": "silent",
                    "last_heard_ms": heard_ms,
                });
                palisade_core::RawRecord {
                    tenant,
                    source: SILENCE_SOURCE.into(),
                    transport: palisade_core::Transport::Http,
                    format: palisade_core::PayloadFormat::Json,
                    received_ms: now,
                    peer: None,
                    payload: payload.to_string().into_bytes(),
                }
            })
            .collect();
        if let Err(e) = palisade_core::IngestSink::submit(&*state.pipeline, records).await {
            tracing::warn!(error = %e, "cannot record silent agents as events");
        }
    }
}
