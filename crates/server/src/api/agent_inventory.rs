//! `POST /api/v1/agents/inventory`: an agent's package inventory, matched against the
//! advisories imported into the server's data directory (`palisade advisories import
//! --data-dir`); the inventory and every vulnerability finding become events of the agent's
//! tenant (docs/agent.md).

use super::{agents::AGENT_PRINCIPAL, error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Extension, Json, Router,
};
use palisade_agent::{inventory::InventoryReport, inventory_match::match_inventory};
use palisade_core::{IngestSink, PayloadFormat, RawRecord, Transport};
use std::sync::Arc;

/// Source name of the events an inventory produces.
pub const INVENTORY_SOURCE: &str = "agent-inventory";

/// The inventory route (agent tokens only).
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new().route(palisade_agent::inventory::INVENTORY_PATH, post(inventory))
}

async fn inventory(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    body: axum::body::Bytes,
) -> Response {
    if !principal.name.starts_with(AGENT_PRINCIPAL) {
        return error(
            StatusCode::FORBIDDEN,
            "only an enrolled agent (with its agent token) sends inventories".into(),
        );
    }
    let report: InventoryReport = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad inventory: {e}")),
    };
    let data_dir = state.agents.data_dir.clone();
    let tenant = principal.tenant.clone();
    let matched = tokio::task::spawn_blocking(move || {
        palisade_vuln::database::load(&data_dir)
            .map(|advisories| match_inventory(&report, advisories, &tenant))
    })
    .await;
    let matched = match matched {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read the advisory database: {e}"),
            )
        }
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let received_ms = palisade_core::time::now_ms();
    let records = matched
        .events
        .iter()
        .map(|event| RawRecord {
            tenant: principal.tenant.clone(),
            source: INVENTORY_SOURCE.into(),
            transport: Transport::Http,
            format: PayloadFormat::Json,
            received_ms,
            peer: None,
            payload: event.to_string().into_bytes(),
        })
        .collect();
    match state.pipeline.submit(records).await {
        Ok(_) => Json(&matched).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
