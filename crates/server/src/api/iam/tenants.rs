//! `/api/v1/tenants`: create, list, show, suspend, resume and delete tenants (operators).
//! Deleting a tenant deletes its stored events, then its accounts, tokens and sessions.

use super::{answer, blocking, Caller};
use crate::api::ApiState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use palisade_core::TenantId;
use palisade_iam::IamError;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Body of `POST /api/v1/tenants`.
#[derive(Deserialize)]
pub struct CreateBody {
    name: String,
}

fn parse(name: &str) -> Result<TenantId, IamError> {
    TenantId::new(name).map_err(IamError::BadInput)
}

pub async fn list(State(state): State<Arc<ApiState>>) -> Response {
    let iam = state.iam.clone();
    answer(
        blocking(move || iam.list_tenants())
            .await
            .map(|t| json!({ "tenants": t })),
    )
}

pub async fn create(State(state): State<Arc<ApiState>>, Json(body): Json<CreateBody>) -> Response {
    let iam = state.iam.clone();
    match blocking(move || iam.create_tenant(&parse(&body.name)?)).await {
        Ok(t) => (StatusCode::CREATED, Json(t)).into_response(),
        Err(e) => answer::<()>(Err(e)),
    }
}

pub async fn show(State(state): State<Arc<ApiState>>, Path(name): Path<String>) -> Response {
    let iam = state.iam.clone();
    answer(blocking(move || iam.tenant(&parse(&name)?)).await)
}

pub async fn action(
    State(state): State<Arc<ApiState>>,
    Path((name, action)): Path<(String, String)>,
) -> Response {
    let suspend = match action.as_str() {
        "suspend" => true,
        "resume" => false,
        other => {
            return answer::<()>(Err(IamError::NotFound(format!(
                "no tenant action {other:?}: use suspend or resume"
            ))))
        }
    };
    let iam = state.iam.clone();
    answer(blocking(move || iam.set_tenant_suspended(&parse(&name)?, suspend)).await)
}

pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> Response {
    let iam = state.iam.clone();
    let store = state.pipeline.store().clone();
    let result = blocking(move || {
        let tenant = parse(&name)?;
        if tenant == caller.tenant {
            return Err(IamError::BadInput(
                "an operator cannot delete its own tenant".into(),
            ));
        }
        iam.tenant(&tenant)?;
        let report = store
            .delete_tenant(&tenant)
            .map_err(|e| IamError::BadInput(format!("cannot delete the tenant's events: {e}")))?;
        let swept = iam.delete_tenant(&tenant)?;
        let state_rows: serde_json::Map<String, serde_json::Value> = swept
            .into_iter()
            .map(|(table, n)| (table, json!(n)))
            .collect();
        Ok(json!({
            "deleted": tenant.as_str(),
            "state_rows_deleted": state_rows,
            "event_partitions_deleted": report.deleted_partitions.len(),
            "event_bytes_freed": report.freed_bytes,
        }))
    })
    .await;
    answer(result)
}
